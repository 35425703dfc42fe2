/**
 * The API benchmark's reference: the same framework as Redial's api (Nest 12 on Fastify 5), one route
 * `POST /v1/challenges` that reads `userId` and does ONE BullMQ add (a dispatch-shaped job with a deterministic
 * id, Redial's default job options), then answers 201 with a small JSON body. No auth, no database.
 *
 * The protocol floor (bench/suites/floor.ts) uses it as the receiving end of a sign-in without Redial: a request
 * that also names `to` queues a job that carries the text (`to`, `body`) and a status-callback URL back to this
 * app, `POST /webhooks/twilio/sms-status?attempt=<id>`, which checks the callback's X-Twilio-Signature as any
 * receiver must and answers 200 — and nothing else.
 *
 * env: BARE_PORT, REDIS_URL, RAW_PREFIX, AUTH_TOKEN (the sandbox's, for the callbacks' signatures)
 */
import { randomUUID } from 'node:crypto';
import { BadRequestException, Body, Controller, ForbiddenException, Headers, HttpCode, Inject, Module, Post, Req } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Queue } from 'bullmq';
import IORedis from 'ioredis';
import { validateRequest } from 'twilio/lib/webhooks/webhooks';
import type { FastifyRequest } from 'fastify';

const QUEUE = Symbol('QUEUE');
const AUTH_TOKEN = process.env.AUTH_TOKEN ?? '';
let selfUrl = '';

@Controller('v1/challenges')
class BareController {
  constructor(@Inject(QUEUE) private readonly queue: Queue) {}

  @Post()
  @HttpCode(201)
  async create(@Body() body: { userId?: unknown; to?: unknown }): Promise<{ id: string; userId: string; status: string }> {
    if (typeof body?.userId !== 'string' || body.userId === '') throw new BadRequestException('userId is required');
    const id = randomUUID();
    // The floor's text: what a worker needs to send it without reading anything.
    const text =
      typeof body.to === 'string'
        ? { to: body.to, body: 'Your verification code is 123456', statusCallback: `${selfUrl}/webhooks/twilio/sms-status?attempt=${id}` }
        : {};
    await this.queue.add('dispatch', { challengeId: id, step: 0, attemptNo: 1, ...text }, { jobId: `dispatch-${id}-0-1` });
    return { id, userId: body.userId, status: 'pending' };
  }
}

@Controller('webhooks/twilio')
class BareWebhooksController {
  @Post('sms-status')
  @HttpCode(200)
  smsStatus(@Req() req: FastifyRequest, @Headers('x-twilio-signature') signature: string | undefined, @Body() form: Record<string, string>): string {
    if (!signature || !validateRequest(AUTH_TOKEN, signature, `${selfUrl}${req.url}`, form)) {
      console.error(`bare api: status callback refused, bad signature (${req.url})`);
      throw new ForbiddenException('bad signature');
    }
    return '';
  }
}

const connection = new IORedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
const queue = new Queue('bare-texts', {
  connection,
  prefix: process.env.RAW_PREFIX,
  defaultJobOptions: { attempts: 8, backoff: { type: 'exponential', delay: 250 }, removeOnComplete: { age: 3600, count: 5000 }, removeOnFail: { age: 86400, count: 10000 } },
});

@Module({ controllers: [BareController, BareWebhooksController], providers: [{ provide: QUEUE, useValue: queue }] })
class BareModule {}

async function main(): Promise<void> {
  await new Promise<void>((resolve) => connection.once('ready', () => resolve()));
  const app = await NestFactory.create<NestFastifyApplication>(BareModule, new FastifyAdapter({ logger: false }), { logger: ['error', 'warn'] });
  await app.listen({ port: Number(process.env.BARE_PORT ?? 0), host: '127.0.0.1' });
  const url = await app.getUrl();
  selfUrl = `http://127.0.0.1:${new URL(url).port}`;
  console.log(`bare api listening on ${url}`);
  const stop = (): void => {
    void app
      .close()
      .then(() => queue.close())
      .then(() => connection.quit())
      .finally(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err: unknown) => {
  console.error(`bare api failed: ${(err as Error).stack ?? String(err)}`);
  process.exit(1);
});
