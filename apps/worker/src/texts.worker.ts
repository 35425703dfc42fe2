import { Processor } from '@nestjs/bullmq';
import { QueueName } from '@redial/contracts';
import { DispatchWorker } from './dispatch.worker';

/** Sends texts, at most MESSAGES_PER_SECOND across the fleet (worker options: worker.options.ts). */
@Processor(QueueName.Texts)
export class TextsWorker extends DispatchWorker {}
