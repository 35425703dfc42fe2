import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { Job, JobsOptions, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { APP_CONFIG, AppConfig } from '@redial/config';
import { DispatchJob, EndCallJob, ExpireJob, JobName, jobId, JobPayloads, QueueName, StepTimeoutJob } from '@redial/contracts';
import { ALL_QUEUES, DISPATCH_JOB_OPTIONS, dispatchQueueFor, TIMER_JOB_OPTIONS } from './queue.options';
import { createRedis } from './redis.connection';

/** Typed producer for every Redial queue. Job data carries ids only. */
@Injectable()
export class QueueService implements OnModuleDestroy {
  readonly connection: Redis;
  private readonly queues = new Map<QueueName, Queue>();

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.connection = createRedis(config.redisUrl, 'producer');
    for (const name of ALL_QUEUES) {
      const queue = new Queue(name, {
        connection: this.connection,
        prefix: config.queuePrefix,
        defaultJobOptions: name === QueueName.Timers ? TIMER_JOB_OPTIONS : DISPATCH_JOB_OPTIONS,
      });
      // Connection trouble surfaces on the add() that needs Redis (and in /health); an unhandled 'error' event would crash.
      queue.on('error', () => undefined);
      this.queues.set(name, queue);
    }
  }

  queue(name: QueueName): Queue {
    return this.queues.get(name) as Queue;
  }

  all(): Queue[] {
    return [...this.queues.values()];
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

  private add<N extends JobName>(queue: QueueName, name: N, data: JobPayloads[N], opts: JobsOptions): Promise<Job> {
    return this.queue(queue).add(name, data, opts);
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.all(this.all().map((q) => q.close()));
    this.connection.disconnect();
  }
}
