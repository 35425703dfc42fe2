import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { ApiErrorBody } from '@redial/contracts';
import type { FastifyReply } from 'fastify';

/**
 * Every error leaves the API in the contract's shape. Client mistakes keep their 4xx; anything unexpected is
 * logged and answered 500 without internals (a request never gets a 500 for anything it sent — such a case is
 * a bug to fix, not to hide).
 */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('ApiExceptionFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const { status, body } = toErrorResponse(exception);
    if (status >= 500) this.logger.error(exception instanceof Error ? exception.stack ?? exception.message : String(exception));
    void reply.status(status).header('content-type', 'application/json; charset=utf-8').send(body);
  }
}

export function toErrorResponse(exception: unknown): { status: number; body: ApiErrorBody } {
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
    409: 'conflict', 413: 'payload_too_large', 415: 'unsupported_media_type', 422: 'unprocessable_entity', 429: 'too_many_requests',
  };
  return names[status] ?? 'request_error';
}

function snake(s: string): string {
  return s.replace(/[^a-z0-9]+/gi, '_').toLowerCase();
}
