import type { Job, Queue } from 'bullmq';
import type { JobState } from '@redial/contracts';

export const JOB_STATES: JobState[] = ['waiting', 'active', 'delayed', 'completed', 'failed', 'prioritized', 'paused'];

export interface QueueFigures {
  counts: Record<JobState, number>;
  /** ms since the oldest waiting job became due (0 when nothing waits). */
  oldestWaitingMs: number;
}

/**
 * Counts and the oldest waiting job of one queue, in three cheap Redis calls (no job scan). BullMQ 6 keeps a
 * paused queue's jobs in its wait list: they are reported as `paused` then.
 */
export async function queueFigures(queue: Queue, now: number): Promise<QueueFigures> {
  const [raw, paused, oldest] = await Promise.all([
    queue.getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed', 'prioritized'),
    queue.isPaused(),
    // Ascending: the wait list's oldest entry only.
    queue.getJobs(['wait'], 0, 0, true),
  ]);
  const c: Record<string, number> = { ...raw, paused: 0 };
  if (paused) {
    c.paused = c.waiting ?? 0;
    c.waiting = 0;
  }
  const counts = Object.fromEntries(JOB_STATES.map((s) => [s, c[s] ?? 0])) as Record<JobState, number>;
  const job = oldest[0];
  return { counts, oldestWaitingMs: job ? Math.max(0, now - dueAt(job)) : 0 };
}

/**
 * When a waiting job became due: its wait starts then. BullMQ sets a delayed job's `delay` to 0 when it promotes
 * it, so `timestamp + delay` would date a promoted step timer from its creation; the delay it was added with is
 * kept in its options. A job waiting for a retry has run before: its wait is counted from its last start
 * (`processedOn`), at most its backoff early — BullMQ keeps no record of when the retry fell due.
 */
export function dueAt(job: Pick<Job, 'timestamp' | 'opts' | 'processedOn'>): number {
  return Math.max(job.timestamp + (job.opts.delay ?? 0), job.processedOn ?? 0);
}
