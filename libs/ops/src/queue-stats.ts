import type { Queue } from 'bullmq';
import type { JobState } from '@redial/contracts';

export const JOB_STATES: JobState[] = ['waiting', 'active', 'delayed', 'completed', 'failed', 'prioritized', 'paused'];

export interface QueueFigures {
  counts: Record<JobState, number>;
  /** ms since the oldest waiting job became ready (0 when nothing waits). */
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
  // A delayed job becomes ready at timestamp + delay; that is when its wait starts.
  const readyAt = job ? job.timestamp + (job.delay ?? 0) : now;
  return { counts, oldestWaitingMs: Math.max(0, now - readyAt) };
}
