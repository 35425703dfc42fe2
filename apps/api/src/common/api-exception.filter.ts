import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Inject, Logger, NotFoundException } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@redial/config';
import type { ApiErrorBody } from '@redial/contracts';
import { isDatabaseUnavailable } from '@redial/database';
import { RequestRefusedError } from '@redial/guard';
import { isRedisUnavailable } from '@redial/queue';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { findWebDist, readIndexHtml } from '../web/web-assets';

/**
 * Every error leaves the API in the contract's shape. Client mistakes keep their 4xx; anything unexpected is
 * logged and answered 500 without internals (a request never gets a 500 for anything it sent — such a case is
 * a bug to fix, not to hide). PostgreSQL or Redis away or not answering (a refused or dropped connection, a
 * statement or command past DEPENDENCY_TIMEOUT_MS) is `503 unavailable` with `Retry-After`, logged as a warning:
 * the request was fine, try again shortly. A browser asking for a page that does not exist gets the web app's page (its
 * "not found" view) with the 404, not JSON. Errors Fastify answers before routing: api.app.ts.
 */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('ApiExceptionFilter');
  private indexHtml: string | undefined;
  private readonly retryAfterSec: number;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.retryAfterSec = unavailableRetryAfterSec(config.dependencyTimeoutMs);
  }

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    if (isUnknownRoute(exception) && wantsHtml(request)) {
      this.indexHtml ??= readIndexHtml(findWebDist());
      void reply.status(404).header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-cache').send(this.indexHtml);
      return;
    }
    const { status, body } = toErrorResponse(exception, this.retryAfterSec);
    if (body.retryAfter !== undefined) void reply.header('retry-after', String(body.retryAfter));
    if (status === 503) this.logger.warn(`${request.method} ${request.url}: ${body.message} (${exception instanceof Error ? exception.message : String(exception)})`);
    else if (status >= 500) this.logger.error(exception instanceof Error ? exception.stack ?? exception.message : String(exception));
    void reply.status(status).header('content-type', 'application/json; charset=utf-8').send(body);
  }
}

/** Nest's own 404 for a path no route serves (an ApiError 404 carries a contract body instead). */
function isUnknownRoute(exception: unknown): boolean {
  if (!(exception instanceof NotFoundException)) return false;
  const response = exception.getResponse();
  return !(typeof response === 'object' && response !== null && 'error' in response && /^[a-z_]+$/.test(String((response as ApiErrorBody).error)));
}

/** A browser navigating (GET/HEAD, `Accept: text/html`); API clients ask for JSON or anything. */
export function wantsHtml(request: Pick<FastifyRequest, 'method' | 'headers'>): boolean {
  return (request.method === 'GET' || request.method === 'HEAD') && /\btext\/html\b/i.test(String(request.headers.accept ?? ''));
}

/** The `Retry-After` of a 503: the dependency timeout, in whole seconds (at least 1). */
export function unavailableRetryAfterSec(dependencyTimeoutMs: number): number {
  return Math.max(1, Math.ceil(dependencyTimeoutMs / 1000));
}

/** Which dependency an error says is away, if any. */
export function unavailableDependency(exception: unknown): 'database' | 'redis' | undefined {
  if (isDatabaseUnavailable(exception)) return 'database';
  if (isRedisUnavailable(exception)) return 'redis';
  return undefined;
}

export function toErrorResponse(exception: unknown, retryAfterSec = unavailableRetryAfterSec(5000)): { status: number; body: ApiErrorBody } {
  if (exception instanceof RequestRefusedError) {
    const { field, retryAfterSec, limit } = exception.extra;
    return {
      status: exception.status,
      body: {
        error: exception.code,
        message: exception.message,
        ...(field !== undefined && { field }),
        ...(retryAfterSec !== undefined && { retryAfter: retryAfterSec }),
        ...(limit !== undefined && { limit }),
      },
    };
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const response = exception.getResponse();
    if (typeof response === 'object' && response !== null && 'error' in response && 'message' in response && typeof (response as ApiErrorBody).error === 'string' && /^[a-z_]+$/.test((response as ApiErrorBody).error)) {
      return { status, body: response as ApiErrorBody };
    }
    const message = messageOf(response, exception.message);
    if (status === 400 && /JSON/i.test(message)) return { status, body: { error: 'invalid_json', message: 'The request body is not valid JSON.' } };
    return { status, body: { error: snake(httpCode(status)), message } };
  }
  const fastifyError = exception as { statusCode?: number; code?: string; message?: string };
  if (typeof fastifyError.statusCode === 'number' && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    return { status: fastifyError.statusCode, body: fastifyBody(fastifyError.statusCode, fastifyError.code, fastifyError.message) };
  }
  const dependency = unavailableDependency(exception);
  if (dependency !== undefined) {
    const part = dependency === 'database' ? 'The database' : 'Redis';
    return { status: 503, body: { error: 'unavailable', message: `${part} is not answering right now. Please try again in ${retryAfterSec} s.`, retryAfter: retryAfterSec } };
  }
  return { status: 500, body: { error: 'internal_error', message: 'Something went wrong on our side. Please try again.' } };
}

function fastifyBody(status: number, code: string | undefined, message: string | undefined): ApiErrorBody {
  switch (code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { error: 'invalid_json', message: 'The request body is not valid JSON.' };
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { error: 'payload_too_large', message: 'The request body is too large.' };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { error: 'unsupported_media_type', message: 'Send the body as application/json.' };
    case 'FST_ERR_BAD_URL':
      return { error: 'invalid_url', message: 'The address is not valid: it has a malformed % escape.' };
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return { error: 'uri_too_long', message: 'A part of the address is too long.' };
    default:
      if (message && /JSON/i.test(message)) return { error: 'invalid_json', message: 'The request body is not valid JSON.' };
      return { error: snake(httpCode(status)), message: message ?? 'The request could not be processed.' };
  }
}

function messageOf(response: unknown, fallback: string): string {
  if (typeof response === 'string') return response;
  const m = (response as { message?: unknown }).message;
  if (typeof m === 'string') return m;
  if (Array.isArray(m)) return m.join('; ');
  return fallback;
}

function httpCode(status: number): string {
  const names: Record<number, string> = {
    400: 'bad_request', 401: 'unauthorized', 403: 'forbidden', 404: 'not_found', 405: 'method_not_allowed',
    408: 'request_timeout', 409: 'conflict', 413: 'payload_too_large', 414: 'uri_too_long', 415: 'unsupported_media_type', 422: 'unprocessable_entity',
    429: 'too_many_requests', 431: 'headers_too_large',
  };
  return names[status] ?? 'request_error';
}

function snake(s: string): string {
  return s.replace(/[^a-z0-9]+/gi, '_').toLowerCase();
}

/**
 * What a connection that Node's HTTP parser refused gets (Fastify's `clientErrorHandler`: no request exists yet),
 * as a raw HTTP/1.1 answer in the contract's shape: 431 for too-large headers, 408 for a timeout, 400 otherwise.
 */
export function clientErrorResponse(code: string | undefined): string {
  const [status, reason, body]: [number, string, ApiErrorBody] =
    code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'Request Header Fields Too Large', { error: 'headers_too_large', message: 'The request headers are too large.' }]
      : code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'Request Timeout', { error: 'request_timeout', message: 'The request took too long to arrive.' }]
        : [400, 'Bad Request', { error: 'bad_request', message: 'The request is not valid HTTP.' }];
  const text = JSON.stringify(body);
  return `HTTP/1.1 ${status} ${reason}\r\nContent-Length: ${Buffer.byteLength(text)}\r\nContent-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n${text}`;
}
