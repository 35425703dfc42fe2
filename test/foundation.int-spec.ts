import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { parse } from 'yaml';
import { createTestDatabase, TestDatabase } from './support/database';
import { startStack } from './support/stack';

const root = join(__dirname, '..');

describe('schema: prisma/schema.prisma and the migrated database agree', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  const TYPES: Record<string, string> = {
    String: 'text', Int: 'integer', Boolean: 'boolean', DateTime: 'timestamp with time zone', Json: 'jsonb', BigInt: 'bigint', Float: 'double precision',
  };

  /** Scalar columns of every model: table → column → {type, nullable}. */
  function schemaColumns(): Map<string, Map<string, { type: string; nullable: boolean }>> {
    const text = readFileSync(join(root, 'prisma/schema.prisma'), 'utf8');
    const tables = new Map<string, Map<string, { type: string; nullable: boolean }>>();
    for (const [, body] of text.matchAll(/model \w+ \{([\s\S]*?)\n\}/g)) {
      const table = /@@map\("([^"]+)"\)/.exec(body)?.[1] as string;
      const columns = new Map<string, { type: string; nullable: boolean }>();
      for (const line of body.split('\n')) {
        const m = /^\s+(\w+)\s+(\w+)(\?|\[\])?\s*(.*)$/.exec(line);
        if (!m || m[1].startsWith('@@') || !(m[2] in TYPES) || m[3] === '[]') continue;
        const column = /@map\("([^"]+)"\)/.exec(m[4])?.[1] ?? m[1];
        const type = /@db\.Uuid/.test(m[4]) ? 'uuid' : TYPES[m[2]];
        columns.set(column, { type, nullable: m[3] === '?' });
      }
      tables.set(table, columns);
    }
    return tables;
  }

  it('every model column exists with the same type and nullability, and no table has extra columns', async () => {
    const client = new Client({ connectionString: db.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ table_name: string; column_name: string; data_type: string; is_nullable: string }>(
        `SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> '_redial_migrations'`,
      );
      const actual = new Map<string, Map<string, { type: string; nullable: boolean }>>();
      for (const r of rows) {
        if (!actual.has(r.table_name)) actual.set(r.table_name, new Map());
        actual.get(r.table_name)?.set(r.column_name, { type: r.data_type, nullable: r.is_nullable === 'YES' });
      }
      const expected = schemaColumns();
      expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
      for (const [table, columns] of expected) {
        expect({ table, columns: Object.fromEntries(actual.get(table) ?? []) }).toEqual({ table, columns: Object.fromEntries(columns) });
      }
    } finally {
      await client.end();
    }
  });
});

describe('docker-compose.yml', () => {
  const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, { command?: string[]; environment?: Record<string, string>; build?: string }> };
  const configSource = readFileSync(join(root, 'libs/config/src/load-config.ts'), 'utf8');

  it('has postgres, redis, api, worker and gateway', () => {
    expect(Object.keys(compose.services)).toEqual(expect.arrayContaining(['postgres', 'redis', 'api', 'worker', 'gateway']));
  });

  it.each(['migrate', 'sandbox', 'api', 'worker', 'gateway'])('service %s runs a script that exists and sets only variables Redial reads', (name) => {
    const service = compose.services[name];
    const command = service.command as string[];
    const script = command.find((part) => part.endsWith('.js') && !part.startsWith('./scripts/aliases')) as string;
    const source = script.startsWith('dist/') ? script.replace(/^dist\//, '').replace(/\.js$/, '.ts') : script;
    expect(existsSync(join(root, source))).toBe(true);
    for (const variable of Object.keys(service.environment ?? {})) {
      expect(configSource).toContain(`'${variable}'`);
    }
  });
});

describe('two stacks side by side', () => {
  it('run with their own ports, database and queue prefix without seeing each other', async () => {
    const [a, b] = await Promise.all([startStack({ sandbox: true, worker: true }), startStack({ sandbox: true, worker: true })]);
    try {
      expect(a.apiUrl).not.toBe(b.apiUrl);
      expect(a.prefix).not.toBe(b.prefix);
      await a.request('PUT', '/v1/users/shared-id/phones', { primary: { number: '+12015550111', method: 'call' } });
      expect((await b.request('GET', '/v1/users/shared-id/phones')).status).toBe(404);
      expect((await a.request('GET', '/health', undefined, {})).body.status).toBe('ok');
      expect((await b.request('GET', '/health', undefined, {})).body.status).toBe('ok');
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});

describe('npm start fails fast with one clear line', () => {
  const start = (env: Record<string, string>) =>
    new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [join(root, 'scripts/start.js')], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d.toString()));
      child.on('exit', (code) => resolve({ code, stderr }));
    });

  it('when DATABASE_URL points at a port where nothing listens', async () => {
    const { code, stderr } = await start({ DATABASE_URL: 'postgresql://postgres@127.0.0.1:1/redial', API_PORT: '3990' });
    expect(code).toBe(1);
    expect(stderr.trim().split('\n').at(-1)).toMatch(/PostgreSQL is not reachable at 127\.0\.0\.1:1 \(DATABASE_URL\)/);
  }, 120000);

  it('when a variable is malformed', async () => {
    const { code, stderr } = await start({ API_PORT: 'not-a-port' });
    expect(code).toBe(1);
    expect(stderr.trim()).toBe('Configuration error: API_PORT must be a whole number, got "not-a-port"');
  }, 120000);

  it('when Redis is unreachable, saying how to get one', async () => {
    const { code, stderr } = await start({ REDIS_URL: 'redis://127.0.0.1:1', API_PORT: '3991' });
    expect(code).toBe(1);
    expect(stderr).toMatch(/Redis is not reachable at 127\.0\.0\.1:1 \(REDIS_URL\).*docker compose up -d redis.*apt install redis-server/);
  }, 120000);
});
