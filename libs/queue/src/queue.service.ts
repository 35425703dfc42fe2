import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable } from '@nestjs/common';
import { Job, JobsOptions, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { DispatchJob, EndCallJob, ExpireJob, JobName, jobId, JobPayloads, QueueName, ScheduledJobName, StepTimeoutJob } from '@redial/contracts';
import { PRODUCER_REDIS } from './producer-connection.module';
import { ALL_QUEUES, DISPATCH_JOB_OPTIONS, dispatchQueueFor } from './queue.options';

/**
 * Typed producer for every Redial queue, the one place jobs are added. The queues are BullModule's (registered
 * in QueueModule, closed by it on shutdown) on the app's auto-pipelined queue connection (QUEUE_REDIS); the producer
 * connection (PRODUCER_REDIS) is exposed as `connection` for the readers of Redis that are not queues. Job data
 * carries ids only.
 */
@Injectable()
export class QueueService {
  private readonly queues: ReadonlyMap<QueueName, Queue>;

  constructor(
    @Inject(PRODUCER_REDIS) readonly connection: Redis,
    @InjectQueue(QueueName.Calls) calls: Queue,
    @InjectQueue(QueueName.Texts) texts: Queue,
    @InjectQueue(QueueName.Timers) timers: Queue,
    @InjectQueue(QueueName.Maintenance) maintenance: Queue,
  ) {
    this.queues = new Map([
      [QueueName.Calls, calls],
      [QueueName.Texts, texts],
      [QueueName.Timers, timers],
      [QueueName.Maintenance, maintenance],
    ]);
    // Connection trouble surfaces on the add() that needs Redis (and in /health); an unhandled 'error' event would crash.
    for (const queue of this.queues.values()) queue.on('error', () => undefined);
  }

  queue(name: QueueName): Queue {
    return this.queues.get(name) as Queue;
  }

  /** The queues of challenge work (calls, texts, timers): what stats, alerts and the queue board show. */
  all(): Queue[] {
    return ALL_QUEUES.map((name) => this.queue(name));
  }

  dispatch(method: 'call' | 'sms', data: DispatchJob, delayMs = 0): Promise<Job> {
    return this.add(dispatchQueueFor(method), JobName.Dispatch, data, { jobId: jobId.dispatch(data), delay: delayMs });
  }

  stepTimeout(data: StepTimeoutJob, delayMs: number): Promise<Job> {
    return this.add(QueueName.Timers, JobName.StepTimeout, data, { jobId: jobId.stepTimeout(data), delay: Math.max(0, delayMs) });
  }

  expire(data: ExpireJob, delayMs: number): Promise<Job> {
    return this.add(QueueName.Timers, JobName.Expire, data, { jobId: jobId.expire(data), delay: Math.max(0, delayMs) });
  }

  /**
   * Ending a call rides the timers queue, not the calls queue: the calls queue's rate limit is Twilio's
   * calls-per-second for placing calls, and a hang-up must not wait behind it. Retried like a provider call.
   */
  endCall(data: EndCallJob): Promise<Job> {
    return this.add(QueueName.Timers, JobName.EndCall, data, { jobId: jobId.endCall(data), ...DISPATCH_JOB_OPTIONS });
  }

  /**
   * Fleet-wide periodic work: a BullMQ job scheduler (its id is the job's name) on the maintenance queue makes one
   * job per interval, whichever worker takes it. Every worker upserts it at start; upserting again is harmless
   * (the last interval given wins).
   */
  schedule(name: ScheduledJobName, everyMs: number): Promise<Job> {
    return this.queue(QueueName.Maintenance).upsertJobScheduler(name, { every: everyMs }, { name, data: {} satisfies JobPayloads[typeof name] });
  }

  /**
   * Schedules `name` again if its scheduler is gone — a Redis that lost its data lost the schedulers too, and
   * the reconciler is what recovers from that. Returns whether it had to.
   */
  async keepScheduled(name: ScheduledJobName, everyMs: number): Promise<boolean> {
    if (await this.queue(QueueName.Maintenance).getJobScheduler(name)) return false;
    await this.schedule(name, everyMs);
    return true;
  }

  private add<N extends JobName>(queue: QueueName, name: N, data: JobPayloads[N], opts: JobsOptions): Promise<Job> {
    return this.queue(queue).add(name, data, opts);
  }
}
