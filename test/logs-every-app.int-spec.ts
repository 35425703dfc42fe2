import { Logger } from '@nestjs/common';
import { CHALLENGES_NAMESPACE } from '@redial/contracts';
import { type RunningSandbox, startSandbox } from '../apps/sandbox/src/sandbox.app';
import { SandboxLogger } from '../apps/sandbox/src/sandbox.logger';
import { testConfig } from './support/config';
import { captureJsonLogLines } from './support/log-capture';
import { latestCode, registerVerified, setNumber, signIn } from './support/flows';
import { connect } from './support/gateway-client';
import { uniquePrefix } from './support/redis';
import { startStack, Stack } from './support/stack';

/**
 * One logger in every app: the api, the worker, the gateway and the sandbox all write pino JSON lines on stdout
 * at LOG_LEVEL, scrubbed the same way (test/ops-logs.int-spec.ts covers the api and the worker in depth; this
 * suite adds the gateway and the sandbox, with a sandbox that is not quiet and a socket on the gateway).
 */
describe('logs of every app', () => {
  let stack: Stack;
  let sandbox: RunningSandbox;
  let lines: string[] = [];
  let capture: ReturnType<typeof captureJsonLogLines> | undefined;
  const textPhone = '+12015554701';
  const callPhone = '+12015554702';
  const backupPhone = '+12015554703';
  const codes: string[] = [];
  const tokens: string[] = [];

  beforeAll(async () => {
    capture = captureJsonLogLines();
    lines = capture.lines;
    // A sandbox that logs (the stack's own is quiet), then the api, the worker and the gateway against it.
    sandbox = await startSandbox(testConfig('postgresql://127.0.0.1/unused', uniquePrefix(), { SANDBOX_PORT: '0', LOG_LEVEL: 'trace' }));
    stack = await startStack({ worker: true, gateway: true, env: { LOG_LEVEL: 'trace', TWILIO_API_URL: sandbox.url, CALLS_PER_SECOND: '100' } });
    stack.sandboxUrl = sandbox.url;
  });

  afterAll(async () => {
    await stack?.close();
    await sandbox?.close();
    capture?.restore();
  });

  it('runs texts, a busy call with its failover, and sockets on the gateway', async () => {
    await registerVerified(stack, 'logs-text', { number: textPhone, method: 'sms' });
    codes.push(await latestCode(stack, textPhone));
    const c = await signIn(stack, 'logs-text');
    tokens.push(c.token);
    const live = connect(stack.gatewayUrl as string, CHALLENGES_NAMESPACE, { token: c.token });
    await live.nextEvent('challenge.snapshot');
    const code = await latestCode(stack, textPhone, 1);
    codes.push(code);
    expect((await stack.request('POST', `/v1/challenges/${c.id}/check`, { code })).body.status).toBe('approved');
    await live.updateWithStatus('approved');
    live.close();
    const refused = connect(stack.gatewayUrl as string, CHALLENGES_NAMESPACE, { token: `${c.token}x` });
    expect(await refused.refusal()).toBe('unauthorized');
    refused.close();

    await registerVerified(stack, 'logs-call', { number: callPhone, method: 'call' }, [{ number: backupPhone, method: 'sms' }]);
    await setNumber(stack, callPhone, { voice: 'busy' });
    await signIn(stack, 'logs-call');
    codes.push(await latestCode(stack, backupPhone));

    // What a careless caller might write, straight through each app's logger: still scrubbed.
    sandbox.app.get(SandboxLogger).line(`probe sandbox: to ${textPhone}, your code is ${codes[0]}`);
    new Logger('LogsProbe').warn(`probe gateway: to ${callPhone}, code: ${codes[1]}`);
    capture?.flush(); // the lines logged so far, all of them, before the checks below read them
    expect(lines.length).toBeGreaterThan(20);
  });

  it('every line is one JSON object with level, time and the app that wrote it', () => {
    const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    for (const r of records) {
      expect(r).toMatchObject({ level: expect.stringMatching(/^(trace|debug|info|warn|error|fatal)$/), time: expect.any(String), app: expect.stringMatching(/^(api|worker|gateway|sandbox)$/) });
    }
    const apps = new Set(records.map((r) => r.app));
    expect([...apps].sort()).toEqual(['api', 'gateway', 'sandbox', 'worker']);
    // The sandbox's own lines (its REST requests and callbacks), and the gateway's (sockets on /challenges).
    expect(records.some((r) => r.app === 'sandbox' && typeof r.msg === 'string' && /^POST Messages\.json 201 SM/.test(r.msg))).toBe(true);
    expect(records.some((r) => r.app === 'sandbox' && typeof r.msg === 'string' && r.msg.startsWith('callback '))).toBe(true);
    expect(records.some((r) => r.app === 'gateway' && typeof r.msg === 'string' && r.msg.startsWith('connected to challenge'))).toBe(true);
  });

  it('the gateway’s and the sandbox’s lines are scrubbed like the others: phones masked, codes never', () => {
    const records = lines.map((l) => JSON.parse(l) as { app: string; msg?: string });
    expect(records.find((r) => r.app === 'sandbox' && r.msg?.startsWith('probe sandbox'))?.msg).toBe('probe sandbox: to +1 ••• ••• ••01, your code is [redacted]');
    expect(records.find((r) => r.app === 'gateway' && r.msg?.startsWith('probe gateway'))?.msg).toBe('probe gateway: to +1 ••• ••• ••02, code: [redacted]');
    const all = lines.join('\n');
    expect(codes.length).toBe(3);
    for (const code of codes) expect(all).not.toMatch(new RegExp(`(?<![0-9])${code}(?![0-9])`));
    for (const e164 of [textPhone, callPhone, backupPhone]) {
      expect(all).not.toContain(e164);
      expect(all).not.toContain(e164.slice(2));
      expect(all).not.toContain(encodeURIComponent(e164));
    }
    expect(all).not.toMatch(/\+\d{7,15}/);
    for (const token of tokens) expect(all).not.toContain(token);
    expect(all.toLowerCase()).not.toContain('bearer');
  });
});
