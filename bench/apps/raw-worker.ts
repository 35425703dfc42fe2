/**
 * The baseline: plain BullMQ, no Redial code, no database. A Worker with Redial's concurrency whose every job
 * POSTs one text to the sandbox's Messages endpoint — with raw node:http (RAW_MODE=http), or with the official
 * twilio SDK through the http client Redial's worker gives it (RAW_MODE=sdk: TwilioHttpClient, undici, rewriting
 * api.twilio.com to the sandbox) — the one piece of Redial here, so the mode measures the SDK as the worker runs it.
 *
 * env: REDIS_URL, RAW_PREFIX, RAW_QUEUE, RAW_CONCURRENCY, RAW_MODE, SANDBOX_URL, ACCOUNT_SID, AUTH_TOKEN
 */
import * as http from 'node:http';
import { Job, Worker } from 'bullmq';
import IORedis from 'ioredis';
import { asSdkHttpClient, TwilioHttpClient } from '@redial/telephony';
import twilio from 'twilio';

const env = process.env;
const sandboxUrl = (env.SANDBOX_URL ?? '').replace(/\/+$/, '');
const accountSid = env.ACCOUNT_SID ?? `AC${'0'.repeat(32)}`;
const authToken = env.AUTH_TOKEN ?? 'sandbox-auth-token';
const concurrency = Number(env.RAW_CONCURRENCY ?? 50);
const mode = env.RAW_MODE === 'sdk' ? 'sdk' : 'http';
const FROM = '+15005550006';
const SOCKETS = 64; // Redial's TwilioHttpClient default

interface RawJob {
  to: string;
  body: string;
  /** The protocol floor's jobs (bench/apps/bare-api.ts) ask for the text's status callbacks. */
  statusCallback?: string;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: SOCKETS, maxFreeSockets: SOCKETS });
const authorization = `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`;
const messagesUrl = new URL(`${sandboxUrl}/2010-04-01/Accounts/${accountSid}/Messages.json`);

function postHttp(data: RawJob): Promise<string> {
  const form = new URLSearchParams({ To: data.to, From: FROM, Body: data.body, ValidityPeriod: '600', ...(data.statusCallback && { StatusCallback: data.statusCallback }) }).toString();
  return new Promise((resolve, reject) => {
    const req = http.request(
      messagesUrl,
      {
        method: 'POST',
        agent,
        headers: { authorization, 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(form), accept: 'application/json' },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if (res.statusCode !== 201) return reject(new Error(`sandbox answered ${res.statusCode}: ${text.slice(0, 200)}`));
          resolve((JSON.parse(text) as { sid: string }).sid);
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(form);
  });
}

const httpClient = new TwilioHttpClient({ baseUrl: sandboxUrl, timeoutMs: 15_000, maxSockets: SOCKETS });
const client = mode === 'sdk' ? twilio(accountSid, authToken, { httpClient: asSdkHttpClient(httpClient) }) : undefined;

async function send(job: Job<RawJob>): Promise<string> {
  if (client) {
    const { to, body, statusCallback } = job.data;
    const message = await client.messages.create({ to, from: FROM, body, validityPeriod: 600, ...(statusCallback && { statusCallback }) });
    return message.sid;
  }
  return postHttp(job.data);
}

const connection = new IORedis(env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
const worker = new Worker<RawJob>(env.RAW_QUEUE ?? 'raw-texts', send, { connection, prefix: env.RAW_PREFIX, concurrency });
worker.on('error', (err) => console.error(`raw worker: ${err.message}`));
worker.on('failed', (job, err) => console.error(`raw job ${job?.id} failed: ${err.message}`));
worker.waitUntilReady().then(() => console.log(`raw worker ready (${mode}, concurrency ${concurrency})`));

const stop = (): void => {
  void worker
    .close()
    .then(() => connection.quit())
    .finally(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
