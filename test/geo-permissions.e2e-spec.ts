import { inbox, registerVerified, signIn, waitForStatus } from './support/flows';
import { startStack, Stack } from './support/stack';

/**
 * Geo permissions (issue 13, item 2): a phone in a country not allowed for its method, or of a refused number
 * type, is a 400 naming the field when settings are saved; a phone saved before the policy was tightened fails
 * its step with `geo_blocked` at send time, nothing is sent to it, and the challenge fails over.
 */
describe('geo permissions (api, worker, PostgreSQL, Redis, sandbox over HTTP)', () => {
  let stack: Stack;

  beforeAll(async () => {
    // Texts to the US and GB only (SENDER_COUNTRY=US is always added); calls to the default list.
    stack = await startStack({ sandbox: true, worker: true, env: { SMS_ALLOWED_COUNTRIES: 'GB', CALLS_PER_SECOND: '200' } });
  });
  afterAll(() => stack.close());

  const put = (user: string, body: unknown) => stack.request('PUT', `/v1/users/${user}/phones`, body);

  it('serves the allowed countries to the settings page', async () => {
    const res = await stack.request('GET', '/ui-config.json', undefined, {});
    expect(res.status).toBe(200);
    expect(res.body.smsCountries).toEqual(['GB', 'US']);
    expect(res.body.callCountries).toEqual(expect.arrayContaining(['US', 'CA', 'GB', 'DE']));
    expect(res.body.callCountries).not.toContain('NG');
  });

  it.each([
    ['a text to a country not allowed for texts', { primary: { number: '+4915123456789', method: 'sms' } }, 'geo_blocked', 'primary.number', /doesn't send texts to phones in Germany \(DE\)\. Choose "Call me" instead\./],
    [
      'a backup call to a country allowed for neither',
      { primary: { number: '+12015550101', method: 'call' }, backups: [{ number: '+12015550102', method: 'call' }, { number: '+234 803 123 4567', method: 'call' }] },
      'geo_blocked',
      'backups[1].number',
      /doesn't send calls to phones in Nigeria \(NG\)\.$/,
    ],
    ['a Caribbean number inside +1', { primary: { number: '+1 876 555 0123', method: 'call' } }, 'geo_blocked', 'primary.number', /Jamaica \(JM\)/],
    ['a premium-rate number', { primary: { number: '+44 909 8790000', method: 'call' } }, 'premium_rate_not_allowed', 'primary.number', /Premium-rate/],
    ['a shared-cost number', { primary: { number: '+12015550103', method: 'sms' }, backups: [{ number: '+34 902 123 456', method: 'call' }] }, 'premium_rate_not_allowed', 'backups[0].number', /Shared-cost numbers can't be used/],
  ])('refuses %s at save: 400 with the field and why', async (_name, body, error, field, message) => {
    const res = await put('geo-refused', body);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error, field });
    expect(res.body.message).toMatch(message);
    // Nothing saved, nothing sent.
    expect((await stack.request('GET', '/v1/users/geo-refused/phones')).status).toBe(404);
  });

  it('accepts the same country for the method it is allowed for', async () => {
    const res = await put('geo-de-call', { primary: { number: '+4915123456789', method: 'call' } });
    expect(res.status).toBe(200);
  });

  it('a phone saved before the policy was tightened fails its step with geo_blocked, nothing is sent to it, and the challenge fails over', async () => {
    const gb = '+447400123456';
    const backup = '+12015550177';
    await registerVerified(stack, 'geo-tightened', { number: gb, method: 'sms' }, [{ number: backup, method: 'call' }]);
    const textsBefore = (await inbox(stack, gb)).messages.length;
    expect(textsBefore).toBe(1); // the verification code

    // The policy changes under the running stack: api and worker run in this process and share this one
    // configuration object, which the geo checks read at every save and send (as a restart with a narrower
    // SMS_ALLOWED_COUNTRIES would give them).
    const before = stack.config.geo.smsCountries;
    stack.config.geo.smsCountries = ['US'];
    try {
      const challenge = await signIn(stack, 'geo-tightened');
      const done = await waitForStatus(stack, challenge.id, 'approved');
      expect(done.steps.map((s) => [s.role, s.method, s.status, s.reason ?? null])).toEqual([
        ['primary', 'sms', 'failed', 'geo_blocked'],
        ['backup', 'call', 'succeeded', null],
      ]);
      expect(done.steps[0].attempts[0]).toMatchObject({ status: 'failed', reason: 'geo_blocked' });
      expect(done.steps[0].attempts[0].errorCode).toBeUndefined();
      expect((await inbox(stack, gb)).messages).toHaveLength(textsBefore);
      expect((await inbox(stack, backup)).calls).toHaveLength(1);

      // Saving that phone again is now refused at once.
      const again = await put('geo-tightened', { primary: { number: gb, method: 'sms' } });
      expect(again.status).toBe(400);
      expect(again.body).toMatchObject({ error: 'geo_blocked', field: 'primary.number' });
    } finally {
      stack.config.geo.smsCountries = before;
    }
  });

  it("a refusal by Redial's own geo policy raises no provider-configuration alert", async () => {
    const res = await stack.request('GET', '/v1/ops/alerts', undefined, { authorization: `Bearer ${stack.config.operatorToken}` });
    expect(res.status).toBe(200);
    const { AlertsService } = await import('@redial/ops');
    await stack.api.get(AlertsService).evaluate();
    const after = await stack.request('GET', '/v1/ops/alerts', undefined, { authorization: `Bearer ${stack.config.operatorToken}` });
    expect(after.body.alerts.filter((a: { kind: string }) => a.kind === 'provider_configuration')).toEqual([]);
  });
});
