import { request as httpRequest } from 'node:http';
import { checkSchema, type Schema as OpenApiSchema } from './support/openapi-schema';
import { eventually, setNumber } from './support/flows';
import { startStack, Stack } from './support/stack';

/**
 * Every answer of the main flows against the documents the api serves, generated from libs/contracts' zod
 * schemas: /docs-json (REST) and /docs/sandbox.json (the sandbox's control API). A status the document does not
 * list for the route, a field it does not describe (its objects are closed), a missing or mistyped field — each
 * fails. Errors, the framework's own included, must be the contract's `{error, message, field?}` with a 4xx.
 */

interface OpenApiDocument {
  paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: OpenApiSchema }> }> }>>;
  components: { schemas: Record<string, OpenApiSchema> };
}

interface Answer {
  status: number;
  body: any;
}

describe('every live answer matches the generated API documents', () => {
  let stack: Stack;
  let api: OpenApiDocument;
  let sandboxDoc: OpenApiDocument;
  let op: Record<string, string>;
  const checked: string[] = [];
  let n = 0;
  const phone = () => `+1201555${String(7000 + n++).padStart(4, '0')}`;

  beforeAll(async () => {
    stack = await startStack({ sandbox: true, worker: true });
    op = { authorization: `Bearer ${stack.config.operatorToken}` };
    api = (await (await fetch(`${stack.apiUrl}/docs-json`)).json()) as OpenApiDocument;
    sandboxDoc = (await (await fetch(`${stack.apiUrl}/docs/sandbox.json`)).json()) as OpenApiDocument;
  }, 60000);
  afterAll(() => stack?.close());

  /** The schema the document gives for this route and status; fails when the status is not documented. */
  function schemaFor(doc: OpenApiDocument, method: string, template: string, status: number): OpenApiSchema {
    const operation = doc.paths[template]?.[method.toLowerCase()];
    if (!operation) throw new Error(`${method} ${template} is not documented`);
    const response = operation.responses[String(status)];
    if (!response) throw new Error(`${method} ${template} answered ${status}, which the document does not list (${Object.keys(operation.responses).join(', ')})`);
    const schema = response.content?.['application/json']?.schema;
    if (!schema) throw new Error(`${method} ${template} ${status} has no JSON schema`);
    return schema;
  }

  function expectDocumented(doc: OpenApiDocument, method: string, template: string, res: Answer): void {
    const problems = checkSchema(res.body, schemaFor(doc, method, template, res.status), doc.components.schemas, 'closed');
    expect({ route: `${method} ${template} ${res.status}`, problems }).toEqual({ route: `${method} ${template} ${res.status}`, problems: [] });
    checked.push(`${method} ${template} ${res.status}`);
  }

  /** Calls the api and checks the answer against /docs-json. */
  async function call(method: string, template: string, path: string, body?: unknown, headers: Record<string, string> = stack.auth): Promise<Answer> {
    const res = await stack.request(method, path, body, headers);
    expectDocumented(api, method, template, res);
    return res;
  }

  /** Calls the sandbox's control API and checks the answer against /docs/sandbox.json. */
  async function sandbox(method: string, template: string, path: string, body?: unknown): Promise<Answer> {
    const res = await fetch(`${stack.sandboxUrl}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const answer = { status: res.status, body: await res.json() };
    expectDocumented(sandboxDoc, method, template, answer);
    return answer;
  }

  async function latestCode(e164: string, after: number): Promise<string> {
    return eventually(`a text to ${e164}`, async () => {
      const box = await sandbox('GET', '/sandbox/inbox/{e164}', `/sandbox/inbox/${encodeURIComponent(e164)}`);
      if (box.body.messages.length <= after) return undefined;
      return /#(\d{6})\s*$/.exec(box.body.messages.at(-1).body)?.[1];
    });
  }

  async function textCount(e164: string): Promise<number> {
    return (await sandbox('GET', '/sandbox/inbox/{e164}', `/sandbox/inbox/${encodeURIComponent(e164)}`)).body.messages.length;
  }

  const PHONES = '/v1/users/{userId}/phones';
  const CHALLENGE = '/v1/challenges/{id}';

  async function waitStatus(id: string, token: string, status: string): Promise<Answer> {
    return eventually(`challenge ${id} to be ${status}`, async () => {
      const res = await call('GET', CHALLENGE, `/v1/challenges/${id}`, undefined, { authorization: `Bearer ${token}` });
      return res.body.status === status ? res : undefined;
    });
  }

  it('saves phones, verifies them by text, and reads the settings', async () => {
    const primary = phone();
    const backup = phone();
    await sandbox('PUT', '/sandbox/numbers/{e164}', `/sandbox/numbers/${encodeURIComponent(primary)}`, { sms: 'deliver', delayMs: 20 });
    const saved = await call('PUT', PHONES, '/v1/users/schema-ann/phones', {
      primary: { number: primary, method: 'sms', label: 'mobile' },
      backups: [{ number: backup, method: 'call', label: 'office', extension: '12' }, { number: '+44 20 7946 0958', method: 'call' }],
    });
    expect(saved.status).toBe(200);
    expect(saved.body.primary.lineType).toEqual(expect.any(String));
    const pending = await call('GET', PHONES, '/v1/users/schema-ann/phones');
    expect(pending.body.verification).toBeDefined();
    const code = await latestCode(primary, 0);
    const checkedCode = await call('POST', '/v1/challenges/{id}/check', `/v1/challenges/${saved.body.verification.challengeId}/check`, { code });
    expect(checkedCode.body.status).toBe('approved');
    const verified = await call('GET', PHONES, '/v1/users/schema-ann/phones');
    expect(verified.body.status).toBe('verified');

    // "Verify this phone now" for the office backup (the sandbox presses #): its answers and the phone's verifiedAt.
    const BACKUP = '/v1/users/{userId}/phones/backups/{index}/verify';
    const check = await call('POST', BACKUP, '/v1/users/schema-ann/phones/backups/0/verify');
    expect(check.status).toBe(201);
    await waitStatus(check.body.challengeId, check.body.token, 'approved');
    expect((await call('GET', PHONES, '/v1/users/schema-ann/phones')).body.backups[0].verifiedAt).toEqual(expect.any(String));
    expect((await call('POST', BACKUP, '/v1/users/schema-ann/phones/backups/3/verify')).body).toMatchObject({ error: 'backup_not_found', field: 'index' });
    expect((await call('POST', BACKUP, '/v1/users/schema-ann/phones/backups/x/verify')).body).toMatchObject({ error: 'invalid_value', field: 'index' });

    // The check itself: an extra field anywhere, or a missing one, is reported.
    const schema = schemaFor(api, 'GET', PHONES, 200);
    const extra = { ...verified.body, primary: { ...verified.body.primary, nickname: 'x' } };
    expect(checkSchema(extra, schema, api.components.schemas, 'closed')).toEqual(['$.primary.nickname: undocumented field']);
    const { masked: _masked, ...withoutMasked } = verified.body.primary;
    expect(checkSchema({ ...verified.body, primary: withoutMasked }, schema, api.components.schemas, 'closed')).toEqual(['$.primary.masked: missing (required)']);
  });

  it('signs in by text: a wrong code, then the right one', async () => {
    const number = phone();
    await setNumber(stack, number, { sms: 'deliver' });
    await verifyByText('schema-bob', number);
    const before = await textCount(number);
    const created = await call('POST', '/v1/challenges', '/v1/challenges', { userId: 'schema-bob' });
    expect(created.status).toBe(201);
    expect(created.body.seq).toEqual(expect.any(Number));
    const bearer = { authorization: `Bearer ${created.body.token}` };
    await call('GET', CHALLENGE, `/v1/challenges/${created.body.id}`, undefined, bearer);
    const code = await latestCode(number, before);
    const wrong = await call('POST', '/v1/challenges/{id}/check', `/v1/challenges/${created.body.id}/check`, { code: code === '000000' ? '111111' : '000000' }, bearer);
    expect(wrong.body).toEqual({ status: 'pending', attemptsLeft: expect.any(Number) });
    const right = await call('POST', '/v1/challenges/{id}/check', `/v1/challenges/${created.body.id}/check`, { code }, bearer);
    expect(right.body.status).toBe('approved');
    const again = await call('POST', '/v1/challenges/{id}/check', `/v1/challenges/${created.body.id}/check`, { code }, bearer);
    expect(again.status).toBe(409);
    const approved = await call('GET', CHALLENGE, `/v1/challenges/${created.body.id}`, undefined, bearer);
    expect(approved.body.approvedAt).toEqual(expect.any(String));
  });

  it('signs in by call (the phone presses #)', async () => {
    const number = phone();
    await setNumber(stack, number, { voice: 'press-pound' });
    const saved = await call('PUT', PHONES, '/v1/users/schema-cat/phones', { primary: { number, method: 'call' } });
    await waitStatus(saved.body.verification.challengeId, saved.body.verification.token, 'approved');
    const created = await call('POST', '/v1/challenges', '/v1/challenges', { userId: 'schema-cat' });
    const done = await waitStatus(created.body.id, created.body.token, 'approved');
    expect(done.body.steps[0].attempts.length).toBeGreaterThan(0);
  });

  it('advances to the backup phone, then cancels', async () => {
    const first = phone();
    const second = phone();
    await setNumber(stack, first, { sms: 'deliver' });
    await setNumber(stack, second, { sms: 'undelivered', smsErrorCode: 30003 });
    await verifyByText('schema-dan', first, [{ number: second, method: 'sms' }]);
    const created = await call('POST', '/v1/challenges', '/v1/challenges', { userId: 'schema-dan' });
    const bearer = { authorization: `Bearer ${created.body.token}` };
    const moved = await call('POST', '/v1/challenges/{id}/advance', `/v1/challenges/${created.body.id}/advance`, undefined, bearer);
    expect(moved.body.currentStep).toBe(1);
    const refused = await call('POST', '/v1/challenges/{id}/advance', `/v1/challenges/${created.body.id}/advance`, undefined, bearer);
    expect(refused.status).toBe(409);
    // The backup's text fails: its attempt carries the provider's error code and a plain-language reason.
    await eventually('the backup text to fail', async () => {
      const res = await call('GET', CHALLENGE, `/v1/challenges/${created.body.id}`, undefined, bearer);
      return res.body.status === 'failed' || res.body.steps[1]?.attempts[0]?.errorCode !== undefined ? res : undefined;
    });
    const canceled = await call('POST', '/v1/challenges/{id}/cancel', `/v1/challenges/${created.body.id}/cancel`, undefined, bearer);
    expect([200, 409]).toContain(canceled.status);
  });

  it("answers refusals in the error shape the document gives", async () => {
    expect((await call('PUT', PHONES, '/v1/users/schema-eve/phones', { primary: { number: '+12015550123', method: 'fax' } })).body).toMatchObject({ error: 'invalid_value', field: 'primary.method' });
    expect((await call('PUT', PHONES, '/v1/users/bad%20id/phones', { primary: { number: '+12015550123', method: 'sms' } })).body).toMatchObject({ field: 'userId' });
    expect((await call('GET', PHONES, '/v1/users/schema-nobody/phones')).status).toBe(404);
    expect((await call('GET', PHONES, '/v1/users/schema-eve/phones', undefined, {})).status).toBe(401);
    expect((await call('POST', '/v1/challenges', '/v1/challenges', { userId: 'schema-nobody' })).body.error).toBe('no_verified_phone');
    expect((await call('POST', '/v1/challenges', '/v1/challenges', { userId: 'x', purpose: 'settings' })).body).toMatchObject({ error: 'invalid_value', field: 'purpose' });
    expect((await call('GET', CHALLENGE, '/v1/challenges/not-a-uuid')).body.error).toBe('challenge_not_found');
    expect((await call('GET', CHALLENGE, '/v1/challenges/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    const check = '/v1/challenges/00000000-0000-4000-8000-000000000000/check';
    expect((await call('POST', '/v1/challenges/{id}/check', check, { code: 'abc' })).body).toMatchObject({ error: 'invalid_code_format', field: 'code' });
    expect((await call('POST', '/v1/challenges/{id}/check', check, {})).body).toMatchObject({ error: 'required', field: 'code' });
  });

  it('operators: stats, alerts and search; a year PostgreSQL cannot store is a 400 naming the field', async () => {
    await call('GET', '/v1/ops/stats', '/v1/ops/stats', undefined, op);
    await call('GET', '/v1/ops/alerts', '/v1/ops/alerts', undefined, op);
    const page = await call('GET', '/v1/ops/challenges', '/v1/ops/challenges?limit=2', undefined, op);
    expect(page.body.items.length).toBe(2);
    expect(page.body.items[0].providerSids).toBeDefined();
    expect(page.body.nextCursor).toEqual(expect.any(String));
    await call('GET', '/v1/ops/challenges', `/v1/ops/challenges?limit=2&cursor=${page.body.nextCursor}&status=approved,failed,canceled`, undefined, op);
    await call('GET', '/v1/ops/challenges', '/v1/ops/challenges?query=schema-bob', undefined, op);
    for (const from of ['0000-01-01', '0001-01-01T00:30:00+01:00']) {
      const year0 = await call('GET', '/v1/ops/challenges', `/v1/ops/challenges?from=${encodeURIComponent(from)}`, undefined, op);
      expect(year0.status).toBe(400);
      expect(year0.body).toMatchObject({ error: 'invalid_value', field: 'from' });
    }
    expect((await call('GET', '/v1/ops/challenges', '/v1/ops/challenges?from=0001-01-01', undefined, op)).status).toBe(200);
    expect((await call('GET', '/v1/ops/stats', '/v1/ops/stats', undefined, {})).status).toBe(401);
  });

  it('health, plain and verbose', async () => {
    await call('GET', '/health', '/health', undefined, {});
    const verbose = await call('GET', '/health', '/health?verbose=1', undefined, {});
    expect(verbose.body.queues).toBeDefined();
  });

  it("the framework's own refusals leave in the contract's shape with a 4xx", async () => {
    const shape = { error: expect.stringMatching(/^[a-z_]+$/), message: expect.any(String) };
    const badEscape = await raw('/v1/challenges/%');
    expect(badEscape).toMatchObject({ status: 400, body: { ...shape, error: 'invalid_url' } });
    const longParam = await raw(`/v1/challenges/${'a'.repeat(600)}`);
    expect(longParam).toMatchObject({ status: 414, body: { ...shape, error: 'uri_too_long' } });
    const bigHeader = await raw('/v1/challenges', { 'x-padding': 'x'.repeat(70_000) });
    expect(bigHeader).toMatchObject({ status: 431, body: { ...shape, error: 'headers_too_large' } });
    for (const res of [badEscape, longParam, bigHeader]) expect(Object.keys(res.body).sort()).toEqual(['error', 'message']);
    // API clients get JSON for an unknown path; browsers get the web app's page (its "not found" view).
    expect(await raw('/v1/nothing-here')).toMatchObject({ status: 404, body: { error: 'not_found' } });
    const page = await raw('/nothing-here', { accept: 'text/html,application/xhtml+xml' });
    expect(page.status).toBe(404);
    expect(page.type).toMatch(/^text\/html/);
  });

  it('serves the socket events (AsyncAPI) and the sandbox control API (OpenAPI) beside /docs', async () => {
    const asyncApi = (await (await fetch(`${stack.apiUrl}/docs/asyncapi.json`)).json()) as {
      asyncapi: string;
      channels: Record<string, { subscribe: { message: { oneOf: Array<{ $ref: string }> } } }>;
      components: { schemas: Record<string, OpenApiSchema>; messages: Record<string, { name: string; payload: { $ref: string } }> };
    };
    expect(asyncApi.asyncapi).toMatch(/^2\./);
    expect(Object.keys(asyncApi.channels).sort()).toEqual(['/challenges', '/ops']);
    const events = (channel: string) => asyncApi.channels[channel].subscribe.message.oneOf.map((m) => asyncApi.components.messages[m.$ref.split('/').at(-1) as string].name);
    expect(events('/challenges')).toEqual(['challenge.snapshot', 'challenge.updated']);
    expect(events('/ops').sort()).toEqual(['alert.cleared', 'alert.raised', 'challenge.updated', 'queues.stats']);
    expect(asyncApi.components.schemas.Challenge.required).toContain('seq');
    expect(Object.keys(sandboxDoc.paths).sort()).toEqual(
      ['/sandbox/calls/{callSid}/digits', '/sandbox/faults', '/sandbox/inbox/{e164}', '/sandbox/numbers', '/sandbox/numbers/{e164}', '/sandbox/state'].sort(),
    );
    expect(Object.keys(sandboxDoc.components.schemas.NumberBehaviourPatch.properties ?? {}).sort()).toEqual(['delayMs', 'keys', 'ringMs', 'sms', 'smsErrorCode', 'voice']);
    expect(api.components.schemas.Phone.properties).toHaveProperty('lineType');
    await sandbox('GET', '/sandbox/faults', '/sandbox/faults');
    await sandbox('GET', '/sandbox/numbers', '/sandbox/numbers');
    expect((await sandbox('PUT', '/sandbox/numbers/{e164}', '/sandbox/numbers/%2B15551230001', { sms: 'lost' })).body).toMatchObject({ error: 'invalid_field', field: 'sms' });
  });

  afterAll(() => {
    // Which answers were compared, for the reader of a failure.
    if (checked.length === 0) throw new Error('no answer was checked');
  });

  async function verifyByText(userId: string, number: string, backups: Array<{ number: string; method: 'call' | 'sms' }> = []): Promise<void> {
    const before = await textCount(number);
    const saved = await call('PUT', PHONES, `/v1/users/${userId}/phones`, { primary: { number, method: 'sms' }, backups });
    const code = await latestCode(number, before);
    const res = await call('POST', '/v1/challenges/{id}/check', `/v1/challenges/${saved.body.verification.challengeId}/check`, { code });
    expect(res.body.status).toBe('approved');
  }

  function raw(path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: any; type?: string }> {
    return new Promise((resolve, reject) => {
      const req = httpRequest(`${stack.apiUrl}${path}`, { headers: { ...stack.auth, ...headers }, agent: false }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => {
          let body: unknown = text;
          try {
            body = JSON.parse(text);
          } catch {
            /* an HTML page */
          }
          resolve({ status: res.statusCode ?? 0, body, type: res.headers['content-type'] });
        });
      });
      req.on('error', reject);
      req.end();
    });
  }
});
