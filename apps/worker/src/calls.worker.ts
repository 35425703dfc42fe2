import { Processor } from '@nestjs/bullmq';
import { QueueName } from '@redial/contracts';
import { DispatchWorker } from './dispatch.worker';

/** Places calls, at most CALLS_PER_SECOND across the fleet (worker options: worker.options.ts). */
@Processor(QueueName.Calls)
export class CallsWorker extends DispatchWorker {}
