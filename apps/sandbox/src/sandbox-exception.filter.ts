import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { apiError, TwilioApiError } from './twilio-api.error';

const CONTROL_PREFIX = '/sandbox';

function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

function statusOf(exception: unknown): number {
  if (exception instanceof HttpException) return exception.getStatus();
  const status = (exception as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' && status >= 400 && status < 600 ? status : 500;
}

function messageOf(exception: unknown): string {
  return exception instanceof Error ? exception.message : String(exception);
}

/**
 * Every error the sandbox answers that its handlers did not shape themselves: unknown routes, unparsable bodies,
 * unexpected failures. The Twilio surface (everything but /sandbox) answers Twilio's v2010 error JSON — an unknown
 * route is `{code: 20404, message: "The requested resource /… was not found", …}` as on api.twilio.com — and never
 * Nest's own `{statusCode, error, message}`. The control API keeps its `{error, message}` shape.
 */
@Catch()
export class SandboxExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Sandbox');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const path = pathOf(request.url);
    const status = statusOf(exception);
    if (status >= 500) this.logger.error(`${request.method} ${path} failed: ${messageOf(exception)}`);
    const control = path === CONTROL_PREFIX || path.startsWith(`${CONTROL_PREFIX}/`);
    const body = control ? controlError(exception, status) : twilioError(exception, status, path).toJSON();
    void reply.code(status).header('content-type', 'application/json; charset=utf-8').send(body);
  }
}

function twilioError(exception: unknown, status: number, path: string): TwilioApiError {
  if (exception instanceof TwilioApiError) return exception;
  if (status === 404 || status === 405) return apiError.notFound(path);
  if (status === 429) return apiError.tooManyRequests();
  if (status >= 500) return apiError.internal();
  // Twilio's error dictionary has plain HTTP codes (400 Bad Request, 403 Forbidden) for requests it cannot read.
  return new TwilioApiError(status, status, messageOf(exception));
}

function controlError(exception: unknown, status: number): { error: string; message: string; field?: string } {
  if (exception instanceof HttpException) {
    const response = exception.getResponse();
    if (typeof response === 'object' && response !== null) {
      const { error, message, field } = response as Record<string, unknown>;
      // Already the control API's own shape (thrown by its handlers and guard).
      if (typeof error === 'string' && typeof message === 'string' && !('statusCode' in response)) {
        return typeof field === 'string' ? { error, message, field } : { error, message };
      }
    }
  }
  if (status === 404) return { error: 'not_found', message: 'No such sandbox control route' };
  if (status >= 500) return { error: 'internal_error', message: 'The sandbox failed to handle this request' };
  return { error: 'bad_request', message: messageOf(exception) };
}
