import { Client } from 'pg';
import { MaintenanceWorker } from '../apps/worker/src/maintenance.worker';
import { PG_SERVER_URL } from './support/database';
import { eventually, inbox, latestCode, registerVerified, setNumber } from './support/flows';
import { checkSchema, type Schema } from './support/openapi-schema';
import { startStack, Stack } from './support/stack';
import { startTcpProxy, TcpProxy } from './support/tcp-proxy';

/**
 * `Idempotency-Key` on POST /v1/challenges and PUT /v1/users/:userId/phones, against the running stack (api, worker,
 * sandbox; PostgreSQL reached through a TCP proxy the suite owns): a retry with the key is answered with the first
 * answer and creates and sends nothing — also when the first answer was lost to a PostgreSQL freeze after the
 * commit. Waits are on events (the sandbox's inbox, the database's lock table), bounded.
 */
const TIMEOUT_MS = 3000;
const KEY = 'idempotency-key';
const REPLAYED = 'idempotent-replayed';

interface ApiDocument {
  paths: Record<string, Record<string, {
    parameters?: Array<{ in: string; name: string }>;
    responses: Record<string, { headers?: Record<string, unknown>; content?: Record<string, { schema: Schema }> }>;
  }>>;
  components: { schemas: Record<string, Schema> };
}

describe('Idempotency-Key: a retry gets the first answer, and nothing is created or sent twice', () => {
  let stack: Stack;
  let pg: TcpProxy;
  /** The suite's own connection to its database, straight to the server (not through the proxy). */
  let db: Client;
  let doc: ApiDocument;
  let n = 0;
  const phone = () => `+1201557${String(1000 + n++).padStart(4, '0')}`;
  const otherApiKey = { authorization: 'Bearer second-api-key' };

  beforeAll(async () => {
    const server = new URL(PG_SERVER_URL);
    pg = await startTcpProxy({ host: server.hostname, port: Number(server.port || 5432) });
    stack = await startStack({
      sandbox: true,
      worker: true,
      databaseUrl: (url) => pg.via(url),
      env: { API_KEYS: 'first-api-key,second-api-key', DEPENDENCY_TIMEOUT_MS: String(TIMEOUT_MS), RECONCILE_INTERVAL_MS: '300' },
    });
    db = new Client({ connectionString: stack.db.url });
    await db.connect();
    doc = (await (await fetch(`${stack.apiUrl}/docs-json`)).json()) as ApiDocument;
  }, 60000);
  afterAll(async () => {
    pg?.restore();
    await db?.end();
    await stack?.close();
    await pg?.close();
  });

  /** A user whose primary phone takes texts, verified. */
  async function smsUser(userId: string): Promise<{ userId: string; number: string }> {
    const number = phone();
    await setNumber(stack, number, { sms: 'deliver' });
    await registerVerified(stack, userId, { number, method: 'sms' });
    return { userId, number };
  }

  function create(body: unknown, key?: string, auth = stack.auth) {
    return stack.request('POST', '/v1/challenges', body, { ...auth, ...(key !== undefined && { [KEY]: key }) });
  }

  function savePhones(userId: string, body: unknown, key?: string) {
    return stack.request('PUT', `/v1/users/${userId}/phones`, body, { ...stack.auth, ...(key !== undefined && { [KEY]: key }) });
  }

  async function count(sql: string, values: unknown[]): Promise<number> {
    return Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${sql}`, values)).rows[0].n);
  }
  const challengesOf = (userId: string, purpose = 'sign_in') => count('challenges WHERE user_id = $1 AND purpose = $2', [userId, purpose]);
  const texts = async (number: string) => (await inbox(stack, number)).messages.length;

  /** Enters the code of the newest text after `before`; the challenge is then final, so no other text can follow for it. */
  async function approveByText(challengeId: string, number: string, before: number): Promise<void> {
    const code = await latestCode(stack, number, before);
    const checked = await stack.request('POST', `/v1/challenges/${challengeId}/check`, { code });
    expect(checked.body.status).toBe('approved');
  }

  /** The answer as /docs-json documents it for the route and status (a status it does not list fails). */
  function expectDocumented(method: string, path: string, res: { status: number; body: unknown }): void {
    const response = doc.paths[path][method].responses[String(res.status)];
    expect({ route: `${method} ${path}`, status: res.status, listed: response !== undefined }).toEqual({ route: `${method} ${path}`, status: res.status, listed: true });
    expect(checkSchema(res.body, response.content?.['application/json']?.schema as Schema, doc.components.schemas, 'closed')).toEqual([]);
  }

  it('the OpenAPI document declares the header on both routes, the replay header, 409 and 422', () => {
    for (const [path, method, ok] of [['/v1/challenges', 'post', '201'], ['/v1/users/{userId}/phones', 'put', '200']]) {
      const operation = doc.paths[path][method];
      expect(operation.parameters).toContainEqual(expect.objectContaining({ in: 'header', name: 'Idempotency-Key' }));
      expect(Object.keys(operation.responses[ok].headers ?? {})).toEqual(['Idempotent-Replayed']);
      expect(Object.keys(operation.responses['409'].headers ?? {})).toEqual(['Retry-After']);
      expect(operation.responses['422']).toBeDefined();
    }
  });

  it('the same key twice: one challenge, the same answer again with Idempotent-Replayed, exactly one text', async () => {
    const u = await smsUser('idem-twice');
    const before = await texts(u.number);
    const first = await create({ userId: u.userId }, 'retry-1');
    expect(first.status).toBe(201);
    expect(first.headers.get(REPLAYED)).toBeNull();
    const again = await create({ userId: u.userId }, 'retry-1');
    expect(again.status).toBe(201);
    expect(again.headers.get(REPLAYED)).toBe('true');
    expect(JSON.stringify(again.body)).toBe(JSON.stringify(first.body)); // the same fields in the same order
    expectDocumented('post', '/v1/challenges', again);
    expect(await challengesOf(u.userId)).toBe(1);

    await approveByText(first.body.id, u.number, before);
    expect(await texts(u.number)).toBe(before + 1);
    // Later the key still answers with its first answer (the challenge as created), not the challenge as it is now.
    const later = await create({ userId: u.userId }, 'retry-1');
    expect(later.body).toEqual(first.body);
    expect(later.body.status).toBe('pending');
    expect(await challengesOf(u.userId)).toBe(1);
  });

  it('concurrent requests with one key: one challenge; each other answer is the replay or 409 with Retry-After', async () => {
    const u = await smsUser('idem-concurrent');
    const before = await texts(u.number);
    const answers = await Promise.all(Array.from({ length: 6 }, () => create({ userId: u.userId }, 'together')));
    expect(answers.map((a) => a.status).filter((s) => s !== 201 && s !== 409)).toEqual([]);
    const created = answers.filter((a) => a.status === 201);
    expect(created.filter((a) => a.headers.get(REPLAYED) === null)).toHaveLength(1);
    expect(new Set(created.map((a) => a.body.id)).size).toBe(1);
    for (const refused of answers.filter((a) => a.status === 409)) {
      expect(refused.body).toMatchObject({ error: 'idempotency_key_in_use', field: 'Idempotency-Key', retryAfter: 1 });
      expect(refused.headers.get('retry-after')).toBe('1');
    }
    expect(await challengesOf(u.userId)).toBe(1);
    await approveByText(created[0].body.id, u.number, before);
    expect(await texts(u.number)).toBe(before + 1);
  });

  it('while the first request with a key is committing, a second one gets 409 with Retry-After, then the replay', async () => {
    const u = await smsUser('idem-in-flight');
    // The suite holds the keys table: the first request's transaction waits at its last statement, the key's insert.
    await db.query('BEGIN');
    await db.query('LOCK TABLE idempotency_keys IN SHARE MODE');
    const first = create({ userId: u.userId }, 'in-flight');
    try {
      await waitForKeyInsert();
      const second = await create({ userId: u.userId }, 'in-flight');
      expect(second.status).toBe(409);
      expect(second.body).toMatchObject({ error: 'idempotency_key_in_use', field: 'Idempotency-Key' });
      expect(second.headers.get('retry-after')).toBe(String(second.body.retryAfter));
      expectDocumented('post', '/v1/challenges', second);
    } finally {
      await db.query('COMMIT');
    }
    const done = await first;
    expect(done.status).toBe(201);
    const retried = await create({ userId: u.userId }, 'in-flight');
    expect(retried.headers.get(REPLAYED)).toBe('true');
    expect(retried.body.id).toBe(done.body.id);
    expect(await challengesOf(u.userId)).toBe(1);
  });

  it('the same key with another body: 422 naming Idempotency-Key, nothing created', async () => {
    const u = await smsUser('idem-other-body');
    expect((await create({ userId: u.userId }, 'mine')).status).toBe(201);
    const other = await create({ userId: u.userId, purpose: 'sign_in' }, 'mine');
    expect(other.status).toBe(422);
    expect(other.body).toMatchObject({ error: 'idempotency_key_reused', field: 'Idempotency-Key' });
    expectDocumented('post', '/v1/challenges', other);
    // The same body with its members in another order, and `null` for an absent member, is the same request.
    const reordered = await stack.request('POST', '/v1/challenges', `{"purpose":null,"userId":${JSON.stringify(u.userId)}}`, { ...stack.auth, [KEY]: 'mine' });
    expect(reordered.headers.get(REPLAYED)).toBe('true');
    expect(await challengesOf(u.userId)).toBe(1);
  });

  it('keys are the caller\'s own: another API key with the same key gets its own challenge', async () => {
    const u = await smsUser('idem-two-callers');
    const mine = await create({ userId: u.userId }, 'shared-key');
    const theirs = await create({ userId: u.userId }, 'shared-key', otherApiKey);
    expect([mine.status, theirs.status]).toEqual([201, 201]);
    expect(theirs.headers.get(REPLAYED)).toBeNull();
    expect(theirs.body.id).not.toBe(mine.body.id);
    expect(await challengesOf(u.userId)).toBe(2);
    // Neither the API key nor a reversible form of it is stored.
    const callers = (await db.query<{ caller: string }>('SELECT DISTINCT caller FROM idempotency_keys')).rows.map((r) => r.caller);
    expect(callers.every((c) => /^[0-9a-f]{64}$/.test(c))).toBe(true);
  });

  it.each([
    ['empty', ''],
    ['longer than 255 characters', 'k'.repeat(256)],
    ['not printable ASCII', 'caf\u00e9'],
  ])('a key that is %s: 400 naming Idempotency-Key, nothing created', async (_what, key) => {
    const u = await smsUser(`idem-bad-${n}`);
    const res = await create({ userId: u.userId }, key);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'invalid_value', field: 'Idempotency-Key', message: expect.stringContaining('Idempotency-Key') });
    expectDocumented('post', '/v1/challenges', res);
    expect(await challengesOf(u.userId)).toBe(0);
    // 255 printable characters are a key.
    expect((await create({ userId: u.userId }, `${u.userId} `.padEnd(255, '~'))).status).toBe(201);
  });

  it('a request that failed stored nothing: the same key then works', async () => {
    const u = await smsUser('idem-failed-first');
    const invalid = await create({ userId: u.userId, purpose: 'settings' }, 'after-a-failure');
    expect(invalid.status).toBe(400);
    const unknownUser = await create({ userId: 'idem-nobody' }, 'after-a-failure');
    expect(unknownUser.body.error).toBe('no_verified_phone');
    const good = await create({ userId: u.userId }, 'after-a-failure');
    expect(good.status).toBe(201);
    expect(good.headers.get(REPLAYED)).toBeNull();
    expect(await challengesOf(u.userId)).toBe(1);
  });

  it('PUT phones: the same key replays the saved settings; the new number gets its verification text once', async () => {
    const u = await smsUser('idem-phones');
    const next = phone();
    await setNumber(stack, next, { sms: 'deliver' });
    const body = { primary: { number: next, method: 'sms' } };
    const saved = await savePhones(u.userId, body, 'new-number');
    expect(saved.status).toBe(200);
    expect(saved.headers.get(REPLAYED)).toBeNull();
    const again = await savePhones(u.userId, body, 'new-number');
    expect(again.status).toBe(200);
    expect(again.headers.get(REPLAYED)).toBe('true');
    expect(JSON.stringify(again.body)).toBe(JSON.stringify(saved.body));
    expectDocumented('put', '/v1/users/{userId}/phones', again);
    expect(await challengesOf(u.userId, 'settings')).toBe(2); // the first registration's, and this one
    expect(await count(`phone_settings WHERE user_id = $1 AND state = 'pending'`, [u.userId])).toBe(1);
    // The settings and their verification were written together: the pending version names its challenge.
    const pending = await db.query('SELECT challenge_id FROM phone_settings WHERE user_id = $1 AND state = $2', [u.userId, 'pending']);
    expect(pending.rows[0].challenge_id).toBe(saved.body.verification.challengeId);
    expect((await savePhones(u.userId, { primary: { number: next, method: 'call' } }, 'new-number')).status).toBe(422);

    await approveByText(saved.body.verification.challengeId, next, 0);
    expect(await texts(next)).toBe(1);
    const settings = await stack.request('GET', `/v1/users/${u.userId}/phones`);
    expect(settings.body).toMatchObject({ status: 'verified', primary: { e164: next } });
    // The key is scoped to the user in the path: the same key for another user is that user's own first use.
    const other = await savePhones('idem-phones-other', { primary: { number: phone(), method: 'sms' } }, 'new-number');
    expect(other.status).toBe(200);
    expect(other.headers.get(REPLAYED)).toBeNull();
  });

  it('PostgreSQL freezes right after the commit: the client gets 503, and its retry with the key gets the challenge, sent once', async () => {
    const u = await smsUser('idem-frozen');
    const before = await texts(u.number);
    await db.query('BEGIN');
    await db.query('LOCK TABLE idempotency_keys IN SHARE MODE');
    const first = create({ userId: u.userId }, 'frozen');
    try {
      await waitForKeyInsert();
      // The key's insert and the COMMIT are at the server, behind the suite's lock: freeze the path back, then let
      // them run. PostgreSQL commits; the answer never reaches the api, which gives up after its timeout.
      pg.cut('freeze');
    } finally {
      await db.query('COMMIT');
    }
    const lost = await first;
    expect(lost.status).toBe(503);
    expect(lost.body).toMatchObject({ error: 'unavailable', retryAfter: expect.any(Number) });
    const stored = await eventually('the key to be committed with its challenge', async () => {
      const { rows } = await db.query<{ body: string }>('SELECT body FROM idempotency_keys WHERE key = $1', ['frozen']);
      return rows[0];
    });
    const committedId = JSON.parse(stored.body).id as string;
    expect(await challengesOf(u.userId)).toBe(1);

    pg.restore();
    const retried = await eventually('the retry to be answered', async () => {
      const res = await create({ userId: u.userId }, 'frozen');
      return res.status === 503 ? undefined : res;
    }, 10 * TIMEOUT_MS);
    expect(retried.status).toBe(201);
    expect(retried.headers.get(REPLAYED)).toBe('true');
    expect(retried.body.id).toBe(committedId);
    expect(await challengesOf(u.userId)).toBe(1);
    // The api never enqueued its text (it lost the commit's answer): the reconciler sends it, once.
    await approveByText(committedId, u.number, before);
    expect(await texts(u.number)).toBe(before + 1);
  }, 60000);

  it('keys expire: the purge deletes keys older than 24 hours in batches, and an expired key is free again', async () => {
    const u = await smsUser('idem-expiry');
    const old = await create({ userId: u.userId }, 'old-key');
    const fresh = await create({ userId: u.userId }, 'fresh-key');
    await db.query(`UPDATE idempotency_keys SET created_at = now() - interval '24 hours 1 second' WHERE key = 'old-key'`);
    const maintenance = stack.worker!.get(MaintenanceWorker);
    await maintenance.purge();
    expect(await count('idempotency_keys WHERE key = $1', ['old-key'])).toBe(0);
    expect((await create({ userId: u.userId }, 'fresh-key')).body.id).toBe(fresh.body.id);
    const reused = await create({ userId: u.userId }, 'old-key');
    expect(reused.status).toBe(201);
    expect(reused.headers.get(REPLAYED)).toBeNull();
    expect(reused.body.id).not.toBe(old.body.id);

    // More than one batch: 2500 keys 23 hours old, purged as of two hours from now (the worker's own scheduled
    // purge, at the real time, leaves them alone); every key stored just now stays.
    const kept = await count('idempotency_keys', []);
    await db.query(`INSERT INTO idempotency_keys (caller, operation, key, fingerprint, status, body, created_at)
      SELECT 'c', 'POST /v1/challenges', 'bulk-' || g, 'f', 201, '{}', now() - interval '23 hours' FROM generate_series(1, 2500) g`);
    expect(await maintenance.purge(new Date(Date.now() + 2 * 3600_000))).toBe(2500);
    expect(await count('idempotency_keys', [])).toBe(kept);
  });

  /**
   * Until a transaction that has written a challenge waits for the suite's lock on the keys table: the request's key
   * insert, its transaction open meanwhile (the worker's purge, which may wait there too, writes no challenge).
   */
  function waitForKeyInsert(): Promise<boolean> {
    return eventually('a request to wait at its key insert', async () => {
      const waiting = await count(
        `pg_locks w JOIN pg_locks c ON c.pid = w.pid
         WHERE w.database = (SELECT oid FROM pg_database WHERE datname = current_database())
           AND w.relation = 'idempotency_keys'::regclass AND NOT w.granted AND c.relation = 'challenges'::regclass AND c.granted`,
        [],
      );
      return waiting > 0;
    });
  }
});
