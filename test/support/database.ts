import { createHash, randomBytes } from 'node:crypto';
import { Client } from 'pg';
// Relative on purpose: Jest's globalSetup runs outside the moduleNameMapper that resolves @redial/*.
import { migrateDatabase, readMigrations } from '../../libs/database/src/migrator';

/**
 * Each test file gets its own database, copied from a migrated template (CREATE DATABASE … TEMPLATE), so
 * suites never see each other's rows. The template's name carries a hash of the migrations, so a changed
 * migration builds a new template and concurrent runs never migrate the same one.
 */
export const PG_SERVER_URL = process.env.TEST_PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

export function templateName(): string {
  const hash = createHash('sha256');
  for (const m of readMigrations()) hash.update(m.name).update(m.checksum);
  return `redial_tpl_${hash.digest('hex').slice(0, 12)}`;
}

export function databaseUrl(name: string): string {
  const url = new URL(PG_SERVER_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

async function admin<T>(fn: (c: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: PG_SERVER_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function ensureTemplate(): Promise<string> {
  const name = templateName();
  const exists = await admin(async (c) => (await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1);
  if (exists) return name;
  const building = `${name}_b${randomBytes(4).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE "${building}"`));
  await migrateDatabase(databaseUrl(building));
  await admin(async (c) => {
    try {
      await c.query(`ALTER DATABASE "${building}" RENAME TO "${name}"`);
    } catch {
      await c.query(`DROP DATABASE IF EXISTS "${building}" WITH (FORCE)`); // another run finished first
    }
  });
  return name;
}

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const template = await ensureTemplate();
  const name = `redial_t_${randomBytes(6).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`));
  return {
    name,
    url: databaseUrl(name),
    drop: () => admin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => undefined),
  };
}
