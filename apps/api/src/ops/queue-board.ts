import { createHmac } from 'node:crypto';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter as BoardAdapter } from '@bull-board/fastify';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { APP_CONFIG, AppConfig } from '@redial/config';
import { maskPhone } from '@redial/domain';
import { QueueService } from '@redial/queue';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { wantsHtml } from '../common/api-exception.filter';
import { bearerOf, secretEquals } from '../common/auth.guard';
import { findWebDist, readIndexHtml } from '../web/web-assets';

export const QUEUE_BOARD_PATH = '/ops/queues';
export const OPS_COOKIE = 'redial_ops';
/** A board session lasts an hour; the board's own requests renew it once half of that has passed. */
export const BOARD_SESSION_TTL_SEC = 3600;
/** Defence in depth: job data holds ids only, but an error message could still quote a number. */
const E164 = /\+[1-9]\d{6,14}(?!\d)/g;

/**
 * Bull Board (job-level admin of the calls, texts and timers queues) at /ops/queues, behind the operator
 * token: `Authorization: Bearer <token>`, or a session cookie scoped to the board's path (HttpOnly,
 * SameSite=Strict, an hour, renewed while the board is used; it holds an HMAC, not the token). The operators'
 * dashboard gets it with `POST /v1/ops/session` when the operator signs in, so its "Queue admin" link opens the
 * board; `/ops/queues?token=<token>` once does the same for a bookmark or a script (the token leaves the address
 * bar by a redirect). Anything else is a 401: the API's error shape, or for a browser the operators' sign-in page.
 * The board's menu links back to the dashboard.
 */
export async function registerQueueBoard(app: NestFastifyApplication): Promise<void> {
  const config = app.get<AppConfig>(APP_CONFIG);
  const queues = app.get(QueueService);
  const board = new BoardAdapter();
  board.setBasePath(QUEUE_BOARD_PATH);
  createBullBoard({
    queues: queues.all().map((q) => new BullMQAdapter(q)),
    // @bull-board/fastify 9.10.1 pins its own @bull-board/api 9.10.1: same interface, separate declarations.
    serverAdapter: board as unknown as Parameters<typeof createBullBoard>[0]['serverAdapter'],
    options: { uiConfig: { boardTitle: 'Redial queues', miscLinks: [{ text: "Back to the operators' dashboard", url: '/ops' }] } },
  });
  const signInPage = readIndexHtml(findWebDist());
  await app.getHttpAdapter().getInstance().register(
    async (scope) => {
      scope.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
        const outcome = authenticate(request, config);
        if (outcome === 'ok') return;
        if (outcome === 'renew') {
          void reply.header('set-cookie', boardSessionCookie(config));
          return;
        }
        if (outcome === 'login') {
          void reply.header('set-cookie', boardSessionCookie(config)).header('cache-control', 'no-store').redirect(withoutToken(request.url), 303);
          return reply;
        }
        if (wantsHtml(request) && !request.url.startsWith(`${QUEUE_BOARD_PATH}/api/`)) {
          // The single-page app at this path is the operators' sign-in, which comes back here once signed in.
          void reply.status(401).header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store').send(signInPage);
          return reply;
        }
        void reply.status(401).header('content-type', 'application/json; charset=utf-8').send({
          error: 'unauthorized',
          message: 'The queue board needs the operator token: Authorization: Bearer <token>, or sign in on /ops (or open /ops/queues?token=<token> once).',
        });
        return reply;
      });
      scope.addHook('onSend', async (_request, reply, payload) => {
        if (typeof payload !== 'string' || !/json/.test(String(reply.getHeader('content-type') ?? ''))) return payload;
        return payload.replace(E164, (n) => maskPhone(n));
      });
      await scope.register(board.registerPlugin());
    },
    { prefix: QUEUE_BOARD_PATH },
  );
}

/** The Set-Cookie of a new board session (Max-Age=0 with `clear`: the session ends). */
export function boardSessionCookie(config: AppConfig, { clear = false, now = Date.now() } = {}): string {
  const ttl = clear ? 0 : BOARD_SESSION_TTL_SEC;
  const value = clear ? '' : sessionValue(config, now + ttl * 1000);
  const secure = config.publicUrl.startsWith('https:') ? '; Secure' : '';
  return `${OPS_COOKIE}=${value}; Path=${QUEUE_BOARD_PATH}; HttpOnly; SameSite=Strict; Max-Age=${ttl}${secure}`;
}

function authenticate(request: FastifyRequest, config: AppConfig): 'ok' | 'renew' | 'login' | 'refuse' {
  const bearer = bearerOf(request.headers.authorization);
  if (bearer !== undefined) return secretEquals(bearer, config.operatorToken) ? 'ok' : 'refuse';
  const token = (request.query as Record<string, unknown> | undefined)?.token;
  if (typeof token === 'string') return request.method === 'GET' && secretEquals(token, config.operatorToken) ? 'login' : 'refuse';
  const expiresAt = validSession(config, cookieValue(request.headers.cookie, OPS_COOKIE));
  if (expiresAt === undefined) return 'refuse';
  return expiresAt - Date.now() < (BOARD_SESSION_TTL_SEC * 1000) / 2 ? 'renew' : 'ok';
}

/** `<expiry ms>.<HMAC(session key, expiry + operator token)>`: changing TOKEN_SECRET or the operator token ends every session. */
function sessionValue(config: AppConfig, expiresAt: number): string {
  const mac = createHmac('sha256', config.keys.operatorSessions).update(`ops-session:${expiresAt}:${config.operatorToken}`).digest('base64url');
  return `${expiresAt}.${mac}`;
}

/** The session's expiry, when `value` is a session of ours that has not expired. */
function validSession(config: AppConfig, value: string | undefined): number | undefined {
  const match = /^(\d{1,15})\.[A-Za-z0-9_-]{43}$/.exec(value ?? '');
  if (!match || Number(match[1]) < Date.now()) return undefined;
  return secretEquals(value!, sessionValue(config, Number(match[1]))) ? Number(match[1]) : undefined;
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return decodeURIComponent(v.join('='));
  }
  return undefined;
}

function withoutToken(url: string): string {
  const [path, query = ''] = url.split('?');
  const rest = new URLSearchParams(query);
  rest.delete('token');
  const q = rest.toString();
  return q ? `${path}?${q}` : path;
}
