import { Client } from 'pg';
import { startStack, Stack } from './support/stack';

describe('phone settings API (real PostgreSQL and Redis)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.close());

  const put = (user: string, body: unknown, headers?: Record<string, string>) => stack.request('PUT', `/v1/users/${user}/phones`, body, headers);

  it('GET /health answers ok with Redis and PostgreSQL up', async () => {
    const res = await stack.request('GET', '/health', undefined, {});
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok', redis: 'up', database: 'up' });
  });

  it('refuses requests without a valid API key', async () => {
    for (const headers of [{} as Record<string, string>, { authorization: 'Bearer wrong-key-123' }, { authorization: 'Basic abc' }]) {
      const res = await stack.request('GET', '/v1/users/u1/phones', undefined, headers);
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({ error: 'unauthorized' });
    }
  });

  it('saves settings as pending and normalises every number', async () => {
    const res = await put('alice', {
      primary: { number: '(201) 555-0123', country: 'us', method: 'sms' },
      backups: [
        { number: '+44 20 7946 0958', method: 'call', label: 'office', extension: '1234' },
        { number: '+49 1512 3456789', method: 'sms', label: 'alternate' },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('pending_verification');
    expect(res.body.primary).toMatchObject({ e164: '+12015550123', masked: '+1 ••• ••• ••23', country: 'US', method: 'sms', role: 'primary', internationalSmsCharges: false });
    expect(res.body.backups).toHaveLength(2);
    expect(res.body.backups[0]).toMatchObject({ e164: '+442079460958', country: 'GB', method: 'call', role: 'backup', label: 'office', extension: '1234', internationalSmsCharges: false });
    expect(res.body.backups[1]).toMatchObject({ e164: '+4915123456789', country: 'DE', method: 'sms', internationalSmsCharges: true });
    expect(res.body.verification).toMatchObject({ challengeId: expect.any(String), token: expect.any(String) });
    expect(res.body.verification.statusUrl).toBe(`${stack.apiUrl}/status/${res.body.verification.challengeId}?token=${encodeURIComponent(res.body.verification.token)}`);

    const got = await stack.request('GET', '/v1/users/alice/phones');
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ userId: 'alice', status: 'pending_verification', primary: { e164: '+12015550123' } });
    expect(got.body.backups.map((b: { e164: string }) => b.e164)).toEqual(['+442079460958', '+4915123456789']);
  });

  it('concurrent saves for one user all succeed, the last one pending and the others superseded', async () => {
    const numbers = ['+12015550141', '+12015550142', '+12015550143', '+12015550144', '+12015550145'];
    const answers = await Promise.all(numbers.map((number) => put('racer', { primary: { number, method: 'sms' } })));
    expect(answers.map((a) => a.status)).toEqual(numbers.map(() => 200));
    const got = await stack.request('GET', '/v1/users/racer/phones');
    expect(got.status).toBe(200);
    expect(numbers).toContain(got.body.primary.e164);
    const db = new Client({ connectionString: stack.db.url });
    await db.connect();
    const { rows: states } = await db
      .query("SELECT state, count(*) AS n FROM phone_settings WHERE user_id = 'racer' GROUP BY state ORDER BY state")
      .finally(() => db.end());
    expect(states).toEqual([
      { state: 'pending', n: '1' },
      { state: 'superseded', n: '4' },
    ]);
  });

  it('answers 404 for a user with no settings', async () => {
    const res = await stack.request('GET', '/v1/users/nobody/phones');
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ error: 'no_phone_settings' });
  });

  const invalid: Array<[string, unknown, number, string, string | undefined]> = [
    ['missing primary', {}, 400, 'required', 'primary'],
    ['primary not an object', { primary: 'x' }, 400, 'invalid_type', 'primary'],
    ['missing number', { primary: { method: 'sms' } }, 400, 'required', 'primary.number'],
    ['number of the wrong type', { primary: { number: 12015550123, method: 'sms' } }, 400, 'invalid_type', 'primary.number'],
    ['unknown method', { primary: { number: '+12015550123', method: 'fax' } }, 400, 'invalid_value', 'primary.method'],
    ['missing method', { primary: { number: '+12015550123' } }, 400, 'required', 'primary.method'],
    ['unknown top-level field', { primary: { number: '+12015550123', method: 'sms' }, extra: 1 }, 400, 'unknown_field', 'extra'],
    ['unknown phone field', { primary: { number: '+12015550123', method: 'sms', nickname: 'x' } }, 400, 'unknown_field', 'primary.nickname'],
    ['unknown label', { primary: { number: '+12015550123', method: 'sms', label: 'home' } }, 400, 'invalid_value', 'primary.label'],
    ['backups not an array', { primary: { number: '+12015550123', method: 'sms' }, backups: {} }, 400, 'invalid_type', 'backups'],
    ['invalid backup number', { primary: { number: '+12015550123', method: 'sms' }, backups: [{ number: '+12015550124', method: 'call' }, { number: '+1 999 555 0100', method: 'call' }] }, 400, 'invalid_number', 'backups[1].number'],
    ['too many backups', { primary: { number: '+12015550123', method: 'sms' }, backups: [1, 2, 3, 4, 5].map((i) => ({ number: `+1201555010${i}`, method: 'call' })) }, 400, 'too_many_backups', 'backups'],
    ['the same number twice', { primary: { number: '+12015550123', method: 'sms' }, backups: [{ number: '(201) 555-0123', country: 'US', method: 'call' }] }, 400, 'duplicate_number', 'backups[0].number'],
    ['national number without a country', { primary: { number: '020 7946 0958', method: 'call' } }, 400, 'country_required', 'primary.country'],
    ['unknown country', { primary: { number: '020 7946 0958', country: 'ZZ', method: 'call' } }, 400, 'invalid_country', 'primary.country'],
    ['letters for a number', { primary: { number: 'call me maybe', method: 'call' } }, 400, 'invalid_number', 'primary.number'],
    ['premium-rate number', { primary: { number: '+44 909 8790000', method: 'call' } }, 400, 'premium_rate_not_allowed', 'primary.number'],
    ['text to a landline', { primary: { number: '+44 20 7946 0958', method: 'sms' } }, 400, 'landline_cannot_receive_sms', 'primary.method'],
    ['extension on a text phone', { primary: { number: '+12015550123', method: 'sms', extension: '12' } }, 400, 'extension_requires_call', 'primary.extension'],
    ['body is an array', [1, 2], 400, 'invalid_body', undefined],
    ['body is null', null, 400, 'invalid_body', undefined],
  ];

  it.each(invalid)('refuses %s with a 4xx naming the field', async (_name, body, status, error, field) => {
    const res = await put('bob', body);
    expect(res.status).toBe(status);
    expect(res.body.error).toBe(error);
    expect(typeof res.body.message).toBe('string');
    if (field) expect(res.body.field).toBe(field);
  });

  it('refuses malformed JSON, a wrong content type and an oversized body with the contract shape', async () => {
    const malformed = await put('bob', '{"primary": ');
    expect(malformed.status).toBe(400);
    expect(malformed.body).toMatchObject({ error: 'invalid_json' });

    const wrongType = await stack.request('PUT', '/v1/users/bob/phones', 'primary=1', { ...stack.auth, 'content-type': 'text/plain' });
    expect(wrongType.status).toBe(415);
    expect(wrongType.body).toMatchObject({ error: 'unsupported_media_type' });

    const huge = await put('bob', { primary: { number: '+12015550123', method: 'sms' }, pad: 'x'.repeat(200_000) });
    expect(huge.status).toBe(413);
    expect(huge.body).toMatchObject({ error: 'payload_too_large' });
  });

  it('refuses a malformed user id', async () => {
    const res = await put('bad%20id', { primary: { number: '+12015550123', method: 'sms' } });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'invalid_value', field: 'userId' });
  });

  it('keeps what is stored when a later save is refused', async () => {
    await put('carol', { primary: { number: '+12015550177', method: 'call' } });
    const bad = await put('carol', { primary: { number: 'nope', method: 'call' } });
    expect(bad.status).toBe(400);
    const got = await stack.request('GET', '/v1/users/carol/phones');
    expect(got.body.primary.e164).toBe('+12015550177');
  });

  it('accepts Twilio magic test numbers in sandbox mode', async () => {
    const res = await put('dave', { primary: { number: '+15005550006', method: 'sms' } });
    expect(res.status).toBe(200);
    expect(res.body.primary.e164).toBe('+15005550006');
  });

  it('answers unknown routes with a contract-shaped 404', async () => {
    const res = await stack.request('GET', '/v1/nothing-here');
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ error: 'not_found' });
  });
});
