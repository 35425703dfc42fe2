import { createHash, randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { migrateDatabase, readMigrations } from './migrator';

/**
 * Throw-away databases copied from a migrated template (CREATE DATABASE … TEMPLATE), for the test suites and
 * the benchmarks. The template's name carries a hash of the migrations, so a changed migration builds a new
 * template and concurrent runs never migrate the same one. `serverUrl` is any database URL on the server
 * (its database name is replaced).
 */

export function templateDatabaseName(): string {
  const hash = createHash('sha256');
  for (const m of readMigrations()) hash.update(m.name).update(m.checksum);
  return `redial_tpl_${hash.digest('hex').slice(0, 12)}`;
}

export function databaseUrlFor(serverUrl: string, name: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Runs `fn` on a short-lived connection to the server's URL (for CREATE / DROP DATABASE). */
export async function withAdminClient<T>(serverUrl: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: serverUrl, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Creates and migrates the template when it does not exist yet; returns its name. */
export async function ensureTemplateDatabase(serverUrl: string): Promise<string> {
  const name = templateDatabaseName();
  const exists = await withAdminClient(serverUrl, async (c) => (await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1);
  if (exists) return name;
  const building = `${name}_b${randomBytes(4).toString('hex')}`;
  await withAdminClient(serverUrl, (c) => c.query(`CREATE DATABASE "${building}"`));
  await migrateDatabase(databaseUrlFor(serverUrl, building));
  await withAdminClient(serverUrl, async (c) => {
    try {
      await c.query(`ALTER DATABASE "${building}" RENAME TO "${name}"`);
    } catch {
      await c.query(`DROP DATABASE IF EXISTS "${building}" WITH (FORCE)`); // another run finished first
    }
  });
  return name;
}

/** A fresh database named `name`, copied from the migrated template; returns its URL. */
export async function createDatabaseFromTemplate(serverUrl: string, name: string): Promise<string> {
  const template = await ensureTemplateDatabase(serverUrl);
  await withAdminClient(serverUrl, (c) => c.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`));
  return databaseUrlFor(serverUrl, name);
}

export async function dropDatabase(serverUrl: string, name: string): Promise<void> {
  await withAdminClient(serverUrl, (c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
}
