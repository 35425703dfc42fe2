import { randomBytes } from 'node:crypto';
// Relative on purpose: Jest's globalSetup runs outside the moduleNameMapper that resolves @redial/*.
import { createDatabaseFromTemplate, dropDatabase, ensureTemplateDatabase } from '../../libs/database/src/template-databases';

/** Each test file gets its own database, copied from the migrated template, so suites never see each other's rows. */
export const PG_SERVER_URL = process.env.TEST_PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

export const ensureTemplate = (): Promise<string> => ensureTemplateDatabase(PG_SERVER_URL);

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `redial_t_${randomBytes(6).toString('hex')}`;
  const url = await createDatabaseFromTemplate(PG_SERVER_URL, name);
  return { name, url, drop: () => dropDatabase(PG_SERVER_URL, name) };
}
