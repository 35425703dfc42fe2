import { Global, Module } from '@nestjs/common';
import { EventPublisher } from './event.publisher';
import { QueueService } from './queue.service';

@Global()
@Module({ providers: [QueueService, EventPublisher], exports: [QueueService, EventPublisher] })
export class QueueModule {}
