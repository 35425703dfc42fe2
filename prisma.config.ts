import { defineConfig } from 'prisma/config';

// The CLI is only used for `prisma generate`; migrations are applied by scripts/migrate.js.
export default defineConfig({
  schema: 'prisma/schema.prisma',
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/redial' },
});
