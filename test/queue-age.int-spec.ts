import { Job, Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { loadConfig } from '@redial/config';
import { firingAlerts, queueFigures } from '@redial/ops';
import { eventually } from './support/flows';
import { deleteKeys, REDIS_URL, uniquePrefix } from './support/redis';

/**
 * The oldest-waiting figure (dashboard, /metrics, the "Are the workers running?" alert) counts from when a job
 * became due. BullMQ resets a delayed job's `delay` to 0 when it promotes it to the wait list; counted from
 * `timestamp + delay`, a promoted step timer would look as old as its delay the moment it became due.
 */
describe('oldest waiting job: counted from when it became due', () => {
  const prefix = uniquePrefix('age');
  const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const queue = new Queue('timers', { connection, prefix });
  const workerConnection = connection.duplicate();
  let worker: Worker | undefined;
  let release: () => void = () => undefined;

  afterAll(async () => {
    release();
    await worker?.close();
    await queue.close();
    connection.disconnect();
    workerConnection.disconnect();
    await deleteKeys(prefix);
  });

  it('a delayed job promoted while the workers are busy waits from its due time, not from its creation', async () => {
    const DELAY = 3_000;
    // The workers are busy: one job holds the queue's only slot, as a backlog would under load.
    await queue.setGlobalConcurrency(1);
    const held = new Promise<void>((resolve) => (release = resolve));
    worker = new Worker('timers', async (job) => (job.name === 'blocker' ? held : undefined), { connection: workerConnection, prefix, concurrency: 2 });
    const blocker = await queue.add('blocker', {});
    await eventually('the blocker to run', async () => (await blocker.getState()) === 'active');

    const timer = await queue.add('step-timeout', {}, { delay: DELAY });
    // The worker's free slot promotes the job when it falls due, then finds the queue at its concurrency.
    await eventually('the timer to be promoted to the wait list', async () => (await timer.getState()) === 'waiting', DELAY + 10_000);
    const promoted = await Job.fromId(queue, timer.id!);
    expect(promoted?.delay).toBe(0); // what BullMQ does on promotion: the reason for this test

    const due = timer.timestamp + DELAY;
    const figures = await queueFigures(queue, due + 1_234);
    expect(figures.counts.waiting).toBe(1);
    expect(figures.oldestWaitingMs).toBe(1_234);

    // …so the alert fires only once the job has waited past the threshold since it fell due.
    const thresholds = loadConfig({ TOKEN_SECRET: 'x'.repeat(32), ALERT_OLDEST_WAITING_SEC: '2' }).alerts;
    const alertAt = async (now: number) =>
      firingAlerts({ channels: [], fraudReports: 0, configuration: [], queues: [{ queue: 'timers', depth: 1, oldestWaitingMs: (await queueFigures(queue, now)).oldestWaitingMs }] }, thresholds)
        .map((a) => a.kind)
        .filter((k) => k === 'oldest_waiting');
    expect(await alertAt(due + 1_000)).toEqual([]);
    expect(await alertAt(due + 2_000)).toEqual(['oldest_waiting']);

    release();
    await eventually('the timer to run once the slot frees', async () => (await timer.getState()) === 'completed');
    expect((await queueFigures(queue, Date.now())).oldestWaitingMs).toBe(0);
  });
});
