import { getChallenge, inbox, latestCode, registerVerified, setNumber, waitForStatus } from './support/flows';
import { startStack, Stack } from './support/stack';

/**
 * "Verify this phone now" (issue 15): `POST /v1/users/:userId/phones/backups/:index/verify` starts a challenge to
 * that backup alone; its approval sets the phone's `verifiedAt`, and nothing else about the settings changes.
 * Against the api, the worker, PostgreSQL, Redis and the sandbox over HTTP.
 */
describe('verifying a backup phone on demand (api, worker, sandbox)', () => {
  let stack: Stack;
  let n = 0;
  const phone = () => `+1201555${String(4000 + n++).padStart(4, '0')}`;

  beforeAll(async () => {
    stack = await startStack({ sandbox: true, worker: true, env: { CALLS_PER_SECOND: '100' } });
  });
  afterAll(() => stack.close());

  const settingsOf = async (userId: string) => {
    const res = await stack.request('GET', `/v1/users/${userId}/phones`);
    expect(res.status).toBe(200);
    return res.body;
  };
  const verify = (userId: string, index: number | string, headers?: Record<string, string>) =>
    stack.request('POST', `/v1/users/${userId}/phones/backups/${index}/verify`, undefined, headers);

  it('by text: a challenge to that backup alone; the code approves and sets its verifiedAt, the primary unchanged', async () => {
    const [primary, texted, called] = [phone(), phone(), phone()];
    await registerVerified(stack, 'checker', { number: primary, method: 'call' }, [
      { number: texted, method: 'sms', label: 'mobile' },
      { number: called, method: 'call', label: 'office' },
    ]);
    const before = await settingsOf('checker');
    expect(before.primary.verifiedAt).toEqual(expect.stringMatching(/^\d{4}-\d\d-\d\dT/)); // the save's verification
    expect(before.backups.map((b: { verifiedAt: unknown }) => b.verifiedAt)).toEqual([null, null]);

    const started = await verify('checker', 0);
    expect(started.status).toBe(201);
    const { challengeId, token, statusUrl } = started.body;
    expect(statusUrl).toBe(`${stack.apiUrl}/status/${challengeId}?token=${encodeURIComponent(token)}`);
    const challenge = await getChallenge(stack, challengeId, token);
    expect(challenge).toMatchObject({ userId: 'checker', purpose: 'phone_check', status: 'pending' });
    expect(challenge.steps).toEqual([expect.objectContaining({ index: 0, role: 'backup', method: 'sms', phone: `+1 ••• ••• ••${texted.slice(-2)}` })]);

    const code = await latestCode(stack, texted);
    expect((await inbox(stack, texted)).messages.at(-1)?.body).toMatch(/^Your Redial code to confirm this phone number is \d{6}\./);
    expect((await inbox(stack, primary)).calls).toHaveLength(1); // the save's verification only
    const checked = await stack.request('POST', `/v1/challenges/${challengeId}/check`, { code }, { authorization: `Bearer ${token}` });
    expect(checked.body).toEqual({ status: 'approved', attemptsLeft: expect.any(Number) });

    const after = await settingsOf('checker');
    expect(after.backups[0].verifiedAt).toEqual(expect.stringMatching(/^\d{4}-\d\d-\d\dT/));
    expect(Date.parse(after.backups[0].verifiedAt)).toBeGreaterThan(Date.parse(before.primary.verifiedAt));
    expect(after.backups[1].verifiedAt).toBeNull();
    expect(after).toEqual({ ...before, backups: [{ ...before.backups[0], verifiedAt: after.backups[0].verifiedAt }, before.backups[1]] });
  });

  it('by call: # approves the office backup; a check that fails records nothing', async () => {
    const [primary, office, dead] = [phone(), phone(), phone()];
    await registerVerified(stack, 'caller', { number: primary, method: 'sms' }, [
      { number: office, method: 'call', label: 'office', extension: '42' },
      { number: dead, method: 'call', label: 'alternate' },
    ]);
    await setNumber(stack, dead, { voice: 'busy' });

    const ok = await verify('caller', 0);
    await waitForStatus(stack, ok.body.challengeId, 'approved');
    const failed = await verify('caller', 1);
    expect(failed.status).toBe(201);
    const done = await waitForStatus(stack, failed.body.challengeId, 'failed');
    expect(done.steps).toEqual([expect.objectContaining({ status: 'failed', reason: 'busy' })]);

    const settings = await settingsOf('caller');
    expect(settings.backups[0]).toMatchObject({ e164: office, extension: '42', verifiedAt: expect.any(String) });
    expect(settings.backups[1]).toMatchObject({ e164: dead, verifiedAt: null });
    expect(settings.status).toBe('verified');
  });

  it('saving the settings again (backups reordered) keeps each phone\'s verified date', async () => {
    const [primary, first, second] = [phone(), phone(), phone()];
    await registerVerified(stack, 'reorder', { number: primary, method: 'call' }, [
      { number: first, method: 'call' },
      { number: second, method: 'call' },
    ]);
    await waitForStatus(stack, (await verify('reorder', 1)).body.challengeId, 'approved');
    const verified = (await settingsOf('reorder')).backups[1].verifiedAt as string;

    const saved = await stack.request('PUT', '/v1/users/reorder/phones', {
      primary: { number: primary, method: 'call' },
      backups: [
        { number: second, method: 'call' },
        { number: first, method: 'call' },
      ],
    });
    expect(saved.status).toBe(200);
    expect(saved.body.backups.map((b: { e164: string; verifiedAt: string | null }) => [b.e164, b.verifiedAt])).toEqual([
      [second, verified],
      [first, null],
    ]);
    await waitForStatus(stack, saved.body.verification.challengeId, 'approved');
    const after = await settingsOf('reorder');
    expect(after.backups.map((b: { e164: string; verifiedAt: string | null }) => [b.e164, b.verifiedAt])).toEqual([
      [second, verified],
      [first, null],
    ]);
  });

  it('refuses a bad index (400), a missing backup (404) — both naming `index` — no active settings (409) and no API key (401)', async () => {
    await registerVerified(stack, 'one-backup', { number: phone(), method: 'call' }, [{ number: phone(), method: 'call' }]);
    for (const index of ['x', '-1', '1.5', '4', '99']) {
      const res = await verify('one-backup', index);
      expect({ index, status: res.status, error: res.body.error, field: res.body.field }).toEqual({ index, status: 400, error: 'invalid_value', field: 'index' });
    }
    const missing = await verify('one-backup', 1);
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ error: 'backup_not_found', field: 'index' });
    expect(missing.body.message).toContain('1 backup phone');

    const pendingOnly = await stack.request('PUT', '/v1/users/newcomer/phones', { primary: { number: phone(), method: 'sms' }, backups: [{ number: phone(), method: 'call' }] });
    expect(pendingOnly.status).toBe(200);
    expect((await verify('newcomer', 0)).body).toMatchObject({ error: 'no_verified_phone' });
    expect((await verify('newcomer', 0)).status).toBe(409);
    expect((await verify('one-backup', 0, {})).status).toBe(401);
    expect((await verify('bad user!', 0)).body).toMatchObject({ error: 'invalid_value', field: 'userId' });
  });
});
