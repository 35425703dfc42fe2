import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ChallengeRepository } from '@redial/database';
import { logContext, ROOT_LOGGER } from '@redial/ops';
import type { FastifyRequest } from 'fastify';
import type { Logger } from 'pino';

const LOG = Symbol('redial.log');
type LoggedRequest = FastifyRequest & { [LOG]?: Logger };

/** Probes and scrapes are logged at debug, so they do not drown the rest. */
const QUIET = /^\/(health|metrics)(\?|$)/;

/**
 * One JSON line per request (`request completed`, with method, scrubbed url, status and time), and a request
 * logger that everything logged while handling it goes through (Nest's Logger included), carrying `reqId`
 * and `requestId`. For Twilio's callbacks `requestId` is the id of the API request that created the
 * challenge, looked up from the attempt in the callback URL, so its logs join the verification's.
 */
export function registerRequestLogging(app: NestFastifyApplication): void {
  const root = app.get<Logger>(ROOT_LOGGER);
  const challenges = app.get(ChallengeRepository);
  const fastify = app.getHttpAdapter().getInstance();

  fastify.addHook('onRequest', (request: LoggedRequest, reply, done) => {
    const webhook = request.url.startsWith('/webhooks/');
    request[LOG] = root.child(webhook ? { reqId: request.id } : { reqId: request.id, requestId: request.id });
    void reply.header('x-request-id', request.id);
    done();
  });

  // After the body is parsed: the handler, and everything it awaits, runs with the request's logger.
  fastify.addHook('preHandler', (request: LoggedRequest, _reply, done) => {
    const log = request[LOG] ?? root;
    if (!request.url.startsWith('/webhooks/twilio/') || !root.isLevelEnabled('fatal')) {
      logContext.run(log, () => done());
      return;
    }
    void originRequestId(challenges, request)
      .catch(() => undefined)
      .then((origin) => {
        request[LOG] = origin ? log.child({ requestId: origin }) : log;
        logContext.run(request[LOG], () => done());
      });
  });

  fastify.addHook('onResponse', (request: LoggedRequest, reply, done) => {
    const log = request[LOG] ?? root;
    const status = reply.statusCode;
    const level = status >= 500 ? 'error' : QUIET.test(request.url) ? 'debug' : status >= 400 ? 'warn' : 'info';
    log[level]({ req: request, res: { statusCode: status }, responseTimeMs: Math.round(reply.elapsedTime) }, 'request completed');
    done();
  });
}

/** The request id stored on the challenge behind a Twilio callback (attempt id in the URL, or the SID). */
function originRequestId(challenges: ChallengeRepository, request: FastifyRequest): Promise<string | undefined> {
  const query = request.query as Record<string, unknown> | undefined;
  const fromPath = /^\/webhooks\/twilio\/voice\/([^/?]+)/.exec(request.url)?.[1];
  const attemptId = typeof query?.attempt === 'string' ? query.attempt : fromPath;
  const body = (request.body ?? {}) as Record<string, unknown>;
  const sid = typeof body.MessageSid === 'string' ? body.MessageSid : typeof body.CallSid === 'string' ? body.CallSid : undefined;
  return challenges.requestIdOfAttempt({ attemptId, sid });
}
