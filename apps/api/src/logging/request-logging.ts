import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { isTwilioWebhookPath } from '@redial/contracts';
import { logContext, ROOT_LOGGER, scopedLogger } from '@redial/ops';
import type { FastifyRequest } from 'fastify';
import type { Logger } from 'pino';

const LOG = Symbol('redial.log');
type LoggedRequest = FastifyRequest & { [LOG]?: Logger };

/**
 * Requests that something repeats on a timer — probes and scrapes, the live status page and API clients
 * polling a challenge, the operators' dashboard, the phone simulator — are logged at debug, so that `info`
 * stays about the work: one line per request that changes something or is asked for once.
 */
const POLLED_PATHS: readonly RegExp[] = [
  /^\/health$/,
  /^\/metrics$/,
  /^\/v1\/challenges\/[^/]+$/, // GET /v1/challenges/:id
  /^\/v1\/ops\/(stats|alerts)$/,
  /^\/sandbox\/(numbers|inbox\/[^/]+)$/,
];

export function isPollingRequest(method: string, url: string): boolean {
  if (method !== 'GET' && method !== 'HEAD') return false;
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  return POLLED_PATHS.some((p) => p.test(path));
}

/** `error` for a failure of ours, `debug` for polling, `warn` for a refused request, else `info`. */
export function requestLogLevel(method: string, url: string, status: number): 'error' | 'warn' | 'info' | 'debug' {
  if (status >= 500) return 'error';
  if (isPollingRequest(method, url)) return 'debug';
  return status >= 400 ? 'warn' : 'info';
}

/**
 * One JSON line per request (`request completed`, with method, scrubbed url, status and time), and a request
 * logger that everything logged while handling it goes through (Nest's Logger included), carrying `reqId`
 * and `requestId`. For Twilio's callbacks `requestId` is the id of the API request that created the
 * challenge, so its logs join the verification's: the webhook handler adds it (addLogBindings) when it reads the
 * challenge anyway, instead of a query of its own per callback here.
 */
export function registerRequestLogging(app: NestFastifyApplication): void {
  const root = app.get<Logger>(ROOT_LOGGER);
  const fastify = app.getHttpAdapter().getInstance();

  fastify.addHook('onRequest', (request: LoggedRequest, reply, done) => {
    const webhook = isTwilioWebhookPath(request.url);
    request[LOG] = scopedLogger(root, webhook ? { reqId: request.id } : { reqId: request.id, requestId: request.id });
    void reply.header('x-request-id', request.id);
    done();
  });

  // After the body is parsed: the handler, and everything it awaits, runs with the request's logger.
  fastify.addHook('preHandler', (request: LoggedRequest, _reply, done) => {
    logContext.run(request[LOG] ?? root, () => done());
  });

  fastify.addHook('onResponse', (request: LoggedRequest, reply, done) => {
    const log = request[LOG] ?? root;
    const status = reply.statusCode;
    const level = requestLogLevel(request.method, request.url, status);
    log[level]({ req: request, res: { statusCode: status }, responseTimeMs: Math.round(reply.elapsedTime) }, 'request completed');
    done();
  });
}
