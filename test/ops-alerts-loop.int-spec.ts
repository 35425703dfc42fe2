import type { OpsAlert } from '@redial/contracts';
import { PrismaService } from '@redial/database';
import { alertsLockKey } from '@redial/ops';
import { QueueService } from '@redial/queue';
import { createWorkerApp } from '../apps/worker/src/worker.app';
import { eventually, registerVerified, setNumber, signIn, waitForStatus } from './support/flows';
import { startStack, Stack } from './support/stack';

/** The workers evaluate alerts on their own, every ALERT_INTERVAL_MS, and two workers never raise one twice. */
describe('alerts evaluated by the workers', () => {
  let stack: Stack;
  let second: Awaited<ReturnType<typeof createWorkerApp>> | undefined;

  beforeAll(async () => {
    stack = await startStack({ sandbox: true, worker: true, env: { ALERT_INTERVAL_MS: '100', ALERT_FRAUD_REPORTS: '1', CALLS_PER_SECOND: '100' } });
    second = await createWorkerApp(stack.config, { logger: false });
  });
  afterAll(async () => {
    await second?.close();
    await stack?.close();
  });

  it('a fraud report raises fraud_report without anyone calling evaluate(), exactly once across two workers', async () => {
    await registerVerified(stack, 'loop-user', { number: '+12015555001', method: 'call' });
    await setNumber(stack, '+12015555001', { voice: 'report-fraud' });
    const c = await signIn(stack, 'loop-user');
    await waitForStatus(stack, c.id, 'denied');
    const op = { authorization: `Bearer ${stack.config.operatorToken}` };
    const alert = await eventually('the fraud alert', async () => {
      const res = await stack.request('GET', '/v1/ops/alerts', undefined, op);
      return (res.body.alerts as OpsAlert[]).find((a) => a.kind === 'fraud_report');
    });
    expect(alert).toMatchObject({ key: 'all', severity: 'warning', value: 1, threshold: 1 });
    expect(alert.clearedAt).toBeUndefined();
    // Let both workers run several more evaluations (each one takes and releases the lock), then count rows.
    const redis = stack.api.get(QueueService).connection;
    let seen = 0;
    await eventually('more evaluations', async () => {
      if ((await redis.exists(alertsLockKey(stack.prefix))) === 1) seen++;
      return seen >= 5;
    }, 20000, 5);
    expect(await stack.api.get(PrismaService).client.alert.count({ where: { kind: 'fraud_report' } })).toBe(1);
  });
});
