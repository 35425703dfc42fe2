import { PrismaService } from '@redial/database';
import { AlertsService } from '@redial/ops';
import { eventually, inbox, latestCode, registerVerified, signIn, waitForStatus } from './support/flows';
import { startStack, Stack } from './support/stack';

/**
 * The SMS pumping guard (issue 13, item 3), with small thresholds: a prefix (calling code + 3 digits) that has
 * been sent 5 texts in the window with fewer than half of their codes entered is suspended.
 */
describe('SMS pumping guard (api, worker, PostgreSQL, Redis, sandbox over HTTP)', () => {
  let stack: Stack;
  const operator = () => ({ authorization: `Bearer ${stack.config.operatorToken}` });
  const ops = (method: string, path: string, body?: unknown) => stack.request(method, `/v1/ops${path}`, body, operator());
  const alerts = async () => (await ops('GET', '/alerts')).body.alerts as Array<{ kind: string; key: string; clearedAt?: string; message: string }>;
  const activePumpingAlert = async () => (await alerts()).find((a) => a.kind === 'destination_suspended' && !a.clearedAt);

  // Every number below is in +44 740…: the pumped prefix `44-740`.
  const mixed = '+447400123200';
  const mixedBackup = '+12015550300';
  const textOnly = '+447400123201';
  const pumped = ['+447400123101', '+447400123102', '+447400123103'];

  beforeAll(async () => {
    stack = await startStack({
      sandbox: true,
      worker: true,
      env: { PUMPING_MIN_SENDS: '5', PUMPING_CONVERSION_FLOOR: '50', PUMPING_WINDOW_MIN: '60', CALLS_PER_SECOND: '200' },
    });
  });
  afterAll(() => stack.close());

  it('suspends a prefix pumped with texts whose codes are never entered, and holds its texts', async () => {
    // Two people verify their text phones in the prefix: 2 sent, 2 verified.
    await registerVerified(stack, 'mixed', { number: mixed, method: 'sms' }, [{ number: mixedBackup, method: 'call' }]);
    await registerVerified(stack, 'text-only', { number: textOnly, method: 'sms' });
    expect((await ops('GET', '/suspensions')).body.suspensions).toEqual([]);

    // The pump: settings saved again and again, each texting a code nobody enters. 5 sent, 2 verified (40%).
    for (const [i, number] of pumped.entries()) {
      const res = await stack.request('PUT', `/v1/users/pump-${i}/phones`, { primary: { number, method: 'sms' } });
      expect(res.status).toBe(200);
      await eventually(`the text to pump-${i}`, async () => (await inbox(stack, number)).messages.length === 1);
    }
    const listed = await eventually('the prefix to be suspended', async () => {
      const res = await ops('GET', '/suspensions');
      return res.body.suspensions.length > 0 ? res.body : undefined;
    });
    expect(listed.suspensions).toEqual([{ prefix: '44-740', display: '+44 740…', since: expect.any(String), sent: 5, verified: 2, windowMin: 60 }]);
    expect(listed.thresholds).toEqual({ minSends: 5, conversionFloor: 0.5, windowMin: 60, prefixDigits: 3 });

    // The operators are alerted.
    await stack.api.get(AlertsService).evaluate();
    const alert = await activePumpingAlert();
    expect(alert).toMatchObject({ key: 'sms' });
    expect(alert?.message).toContain('+44 740… (2 of 5 codes entered)');

    // A person with a call backup: the text is held (nothing sent), the step fails over to the call.
    const textsBefore = (await inbox(stack, mixed)).messages.length;
    const challenge = await signIn(stack, 'mixed');
    const done = await waitForStatus(stack, challenge.id, 'approved');
    expect(done.steps.map((s) => [s.method, s.status, s.reason ?? null])).toEqual([
      ['sms', 'failed', 'destination_suspended'],
      ['call', 'succeeded', null],
    ]);
    expect((await inbox(stack, mixed)).messages).toHaveLength(textsBefore);
    expect((await inbox(stack, mixedBackup)).calls).toHaveLength(1);

    // A text-only person: nothing could reach them, so the challenge is refused before anything is created.
    const textOnlyBefore = (await inbox(stack, textOnly)).messages.length;
    const refused = await stack.request('POST', '/v1/challenges', { userId: 'text-only' });
    expect(refused.status).toBe(409);
    expect(refused.body).toEqual({ error: 'destination_suspended', message: expect.stringMatching(/paused because of unusual traffic/) });
    expect((await inbox(stack, textOnly)).messages).toHaveLength(textOnlyBefore);

    // Saving a text phone in the range as a primary: its verification text could never arrive — refused, nothing stored.
    const saved = await stack.request('PUT', '/v1/users/newcomer/phones', { primary: { number: '+447400123299', method: 'sms' } });
    expect(saved.status).toBe(409);
    expect(saved.body).toMatchObject({ error: 'destination_suspended', field: 'primary.number' });
    expect((await stack.request('GET', '/v1/users/newcomer/phones')).status).toBe(404);
    expect((await inbox(stack, '+447400123299')).messages).toHaveLength(0);
  });

  it('lets an operator release the prefix (audited), clears the alert, and texts flow again', async () => {
    expect((await stack.request('POST', '/v1/ops/suspensions/44-740/release', { operator: 'ops-alice' })).status).toBe(401);
    expect((await ops('POST', '/suspensions/44-740/release', {})).body).toMatchObject({ error: 'required', field: 'operator' });
    expect((await ops('POST', '/suspensions/not-a-prefix/release', { operator: 'ops-alice' })).body).toMatchObject({ error: 'invalid_value', field: 'prefix' });
    expect((await ops('POST', '/suspensions/49-151/release', { operator: 'ops-alice' })).status).toBe(404);

    const released = await ops('POST', '/suspensions/44-740/release', { operator: 'ops-alice', note: 'checked with the carrier' });
    expect(released.status).toBe(200);
    expect(released.body).toEqual({
      id: expect.any(String),
      prefix: '44-740',
      operator: 'ops-alice',
      note: 'checked with the carrier',
      suspendedAt: expect.any(String),
      releasedAt: expect.any(String),
      sent: 5,
      verified: 2,
      windowMin: 60,
    });
    const rows = await stack.api.get(PrismaService).client.pumpingRelease.findMany();
    expect(rows).toEqual([
      expect.objectContaining({ id: released.body.id, prefix: '44-740', operator: 'ops-alice', note: 'checked with the carrier', sent: 5, verified: 2, windowMin: 60, releasedAt: new Date(released.body.releasedAt) }),
    ]);
    expect((await ops('GET', '/suspensions')).body.suspensions).toEqual([]);
    expect((await ops('POST', '/suspensions/44-740/release', { operator: 'ops-alice' })).status).toBe(404);

    await stack.api.get(AlertsService).evaluate();
    expect(await activePumpingAlert()).toBeUndefined();
    expect((await alerts()).find((a) => a.kind === 'destination_suspended')?.clearedAt).toEqual(expect.any(String));

    // Texts flow again: the text-only person signs in with a texted code.
    const before = (await inbox(stack, textOnly)).messages.length;
    const challenge = await signIn(stack, 'text-only');
    const code = await latestCode(stack, textOnly, before);
    const checked = await stack.request('POST', `/v1/challenges/${challenge.id}/check`, { code }, { authorization: `Bearer ${challenge.token}` });
    expect(checked.body.status).toBe('approved');
  });
});
