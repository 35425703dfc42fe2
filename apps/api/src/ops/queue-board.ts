import { createHmac } from 'node:crypto';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter as BoardAdapter } from '@bull-board/fastify';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { APP_CONFIG, AppConfig } from '@redial/config';
import { maskPhone } from '@redial/domain';
import { QueueService } from '@redial/queue';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { bearerOf, secretEquals } from '../common/auth.guard';

export const QUEUE_BOARD_PATH = '/ops/queues';
export const OPS_COOKIE = 'redial_ops';
const COOKIE_TTL_SEC = 12 * 3600;
/** Defence in depth: job data holds ids only, but an error message could still quote a number. */
const E164 = /\+[1-9]\d{6,14}(?!\d)/g;

/**
 * Bull Board (job-level admin of the calls, texts and timers queues) at /ops/queues, behind the operator
 * token: `Authorization: Bearer <token>`, or a session cookie a browser gets by opening
 * `/ops/queues?token=<token>` once (HttpOnly, SameSite=Strict, 12 h; it holds an HMAC, not the token, and the
 * token leaves the address bar by a redirect). Anything else is a 401 in the API's error shape.
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
    options: { uiConfig: { boardTitle: 'Redial queues' } },
  });
  const secure = config.publicUrl.startsWith('https:');
  await app.getHttpAdapter().getInstance().register(
    async (scope) => {
      scope.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
        const outcome = authenticate(request, config);
        if (outcome === 'ok') return;
        if (outcome === 'login') {
          void reply
            .header('set-cookie', `${OPS_COOKIE}=${sessionValue(config, Date.now() + COOKIE_TTL_SEC * 1000)}; Path=/ops; HttpOnly; SameSite=Strict; Max-Age=${COOKIE_TTL_SEC}${secure ? '; Secure' : ''}`)
            .header('cache-control', 'no-store')
            .redirect(withoutToken(request.url), 303);
          return reply;
        }
        void reply.status(401).header('content-type', 'application/json; charset=utf-8').send({
          error: 'unauthorized',
          message: 'The queue board needs the operator token: Authorization: Bearer <token>, or open /ops/queues?token=<token> once.',
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

function authenticate(request: FastifyRequest, config: AppConfig): 'ok' | 'login' | 'refuse' {
  const bearer = bearerOf(request.headers.authorization);
  if (bearer !== undefined) return secretEquals(bearer, config.operatorToken) ? 'ok' : 'refuse';
  const token = (request.query as Record<string, unknown> | undefined)?.token;
  if (typeof token === 'string') return request.method === 'GET' && secretEquals(token, config.operatorToken) ? 'login' : 'refuse';
  const cookie = cookieValue(request.headers.cookie, OPS_COOKIE);
  if (cookie !== undefined && validSession(config, cookie)) return 'ok';
  return 'refuse';
}

/** `<expiry ms>.<HMAC(session key, expiry + operator token)>`: changing TOKEN_SECRET or the operator token ends every session. */
function sessionValue(config: AppConfig, expiresAt: number): string {
  const mac = createHmac('sha256', config.keys.operatorSessions).update(`ops-session:${expiresAt}:${config.operatorToken}`).digest('base64url');
  return `${expiresAt}.${mac}`;
}

function validSession(config: AppConfig, value: string): boolean {
  const match = /^(\d{1,15})\.[A-Za-z0-9_-]{43}$/.exec(value);
  if (!match || Number(match[1]) < Date.now()) return false;
  return secretEquals(value, sessionValue(config, Number(match[1])));
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
