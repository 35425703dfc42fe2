import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AppConfig } from '@redial/config';
import { PinoNestLogger, ROOT_LOGGER, settlesWithin } from '@redial/ops';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiModule } from './api.module';
import { ApiError } from './common/api-error';
import { clientErrorResponse, toErrorResponse } from './common/api-exception.filter';
import { registerDocs } from './docs/register-docs';
import { HealthController } from './health/health.controller';
import { registerRequestLogging } from './logging/request-logging';
import { registerQueueBoard } from './ops/queue-board';
import { findWebDist } from './web/web-assets';

export const BODY_LIMIT_BYTES = 64 * 1024;

/**
 * Builds the api app (not listening yet), so that main.ts, `npm start` and the tests share one setup.
 * Logs are pino JSON at config.logLevel (LOG_LEVEL); `logger: false` is accepted for compatibility and changes
 * nothing (tests run with LOG_LEVEL=silent).
 */
export async function createApiApp(config: AppConfig, _options: { logger?: false } = {}): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: BODY_LIMIT_BYTES,
    // While the api drains (closeApiApp), a request that still arrives on an open connection is answered as usual,
    // with `Connection: close`, rather than a bare 503: /health alone says 503, so the balancer sends elsewhere.
    return503OnClosing: false,
    // The api has no Nest middleware, so Nest's @fastify/middie (an onRequest hook on every request) stays out. A
    // module that wants middleware would need middie registered here first.
    skipMiddie: true,
    // Which peers' X-Forwarded-For is believed for request.ip (the per-IP rate limit, logs): TRUST_PROXY.
    trustProxy: typeof config.trustProxy === 'number' ? trustHops(config.trustProxy) : config.trustProxy,
    genReqId: (req: { headers: Record<string, string | string[] | undefined> }) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[A-Za-z0-9._-]{1,64}$/.test(given) ? given : randomUUID();
    },
    // Errors Fastify answers before any route runs leave in the contract's shape too: a malformed % escape
    // (400 invalid_url), a path parameter over maxParamLength (414 uri_too_long) …
    frameworkErrors: (error: Error, _request: FastifyRequest, reply: FastifyReply) => {
      const { status, body } = toErrorResponse(error);
      void reply.status(status).header('content-type', 'application/json; charset=utf-8').send(body);
    },
    // … and what Node's HTTP parser refuses before a request exists: headers too large (431), timeouts, bad HTTP.
    clientErrorHandler: (error: NodeJS.ErrnoException, socket) => {
      if (error.code === 'ECONNRESET' || socket.destroyed) return;
      if (socket.writable) socket.write(clientErrorResponse(error.code));
      socket.destroy(error);
    },
  });
  const app = await NestFactory.create<NestFastifyApplication>(ApiModule.forRoot(config), adapter, {
    bufferLogs: true,
    abortOnError: false,
    // Bodies are parsed by Fastify itself (registerBodyParsers), without Nest's per-request wrapper around it.
    bodyParser: false,
  });
  app.useLogger(new PinoNestLogger(app.get(ROOT_LOGGER)));
  registerRequestLogging(app);
  const fastify = app.getHttpAdapter().getInstance();
  registerBodyParsers(fastify);
  // The REST API speaks JSON only; webhooks (form bodies) live outside /v1.
  fastify.addHook('onRequest', (request, reply, done) => {
    const hasBody = request.headers['content-length'] !== undefined && request.headers['content-length'] !== '0';
    const type = String(request.headers['content-type'] ?? '');
    if (request.url.startsWith('/v1/') && hasBody && !/^application\/json\b/i.test(type)) {
      void reply.status(415).send({ error: 'unsupported_media_type', message: 'Send the body as application/json.' });
      return;
    }
    done();
  });
  // Once the api stops listening (closeApiApp), every answer closes its connection and says so.
  fastify.addHook('onSend', (_request, reply, payload, done) => {
    if (!fastify.server.listening) void reply.header('connection', 'close');
    done(null, payload);
  });
  const web = findWebDist();
  if (web) {
    await app.register(fastifyStatic as never, { root: join(web, 'assets'), prefix: '/assets/', immutable: true, maxAge: '1y' });
  }
  await registerQueueBoard(app);
  registerDocs(app, config);
  return app;
}

/**
 * Stops the api as SIGTERM asks (main.ts): /health answers 503 from now on; no new connection is accepted (idle
 * ones are closed); the requests in flight are answered — and closed after, as is a request that still comes on an
 * open connection — for at most `graceMs`, after which the connections left are cut. Only then do Redis and
 * PostgreSQL close, so the requests being answered still have them.
 */
export async function closeApiApp(app: NestFastifyApplication, graceMs: number): Promise<void> {
  app.get(HealthController).drain();
  const fastify = app.getHttpAdapter().getInstance();
  // A connection closes as soon as its answer is out (also one answered before the server stopped listening),
  // instead of staying open for a next request and holding the drain up to its keep-alive timeout.
  fastify.server.keepAliveTimeout = 1;
  const closed = fastify.close();
  if (!(await settlesWithin(closed, graceMs))) {
    fastify.server.closeAllConnections();
    await closed;
  }
  await app.close();
}

/**
 * JSON bodies: Fastify's own parser (registered by default; bodyLimit, the empty-body and prototype-poisoning
 * checks). Form bodies, which Twilio's callbacks send: parsed here, repeated keys as arrays; a `__proto__` key is
 * refused, as Fastify does in JSON.
 */
function registerBodyParsers(fastify: FastifyInstance): void {
  fastify.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    const form = parseForm(body as string);
    if (Object.hasOwn(form, '__proto__')) done(ApiError.badRequest('bad_request', 'Object contains forbidden prototype property'), undefined);
    else done(null, form);
  });
}

/** `a=1&b=2&b=3` → `{a: '1', b: ['2', '3']}` (Twilio's callbacks repeat a key for a list; the signature covers each value). */
function parseForm(body: string): Record<string, string | string[]> {
  const form: Record<string, string | string[]> = Object.create(null);
  for (const [key, value] of new URLSearchParams(body)) {
    const seen = form[key];
    form[key] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
  }
  return form;
}

/** TRUST_PROXY=<n>: believe X-Forwarded-For from the n hops nearest the api, whatever their addresses. */
function trustHops(hops: number): (address: string, hop: number) => boolean {
  return (_address, hop) => hop < hops;
}
