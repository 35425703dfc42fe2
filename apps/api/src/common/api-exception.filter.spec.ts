import { NotFoundException, PayloadTooLargeException } from '@nestjs/common';
import { ApiError } from './api-error';
import { clientErrorResponse, toErrorResponse, wantsHtml } from './api-exception.filter';

describe('every error in the contract shape', () => {
  it.each([
    ['an ApiError', ApiError.conflict('no_verified_phone', 'No phone.'), 409, { error: 'no_verified_phone', message: 'No phone.' }],
    ["Nest's route-not-found", new NotFoundException('Cannot GET /x'), 404, { error: 'not_found', message: 'Cannot GET /x' }],
    ['a Nest HTTP exception', new PayloadTooLargeException(), 413, { error: 'payload_too_large', message: 'Payload Too Large' }],
    ['a malformed % escape (Fastify, before routing)', { statusCode: 400, code: 'FST_ERR_BAD_URL', message: "'/%' is not a valid url component" }, 400, { error: 'invalid_url', message: expect.any(String) }],
    ['a path parameter over maxParamLength', { statusCode: 414, code: 'FST_ERR_MAX_PARAM_LENGTH', message: 'too long' }, 414, { error: 'uri_too_long', message: expect.any(String) }],
    ['malformed JSON', { statusCode: 400, code: 'FST_ERR_CTP_INVALID_JSON_BODY', message: 'x' }, 400, { error: 'invalid_json', message: expect.any(String) }],
    ['an unknown 4xx from Fastify', { statusCode: 431, code: 'FST_X', message: 'big' }, 431, { error: 'headers_too_large', message: 'big' }],
    ['anything else', new Error('boom'), 500, { error: 'internal_error', message: expect.any(String) }],
  ])('%s', (_name, exception, status, body) => {
    expect(toErrorResponse(exception)).toEqual({ status, body });
  });

  it.each([
    ['PostgreSQL refusing connections', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED', syscall: 'connect', errno: -111 })],
    ['a pool that found no connection in time', new Error('timeout exceeded when trying to connect')],
    ['a statement past statement_timeout', Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014' })],
    ['a statement the server never answered (query_timeout)', new Error('Query read timeout')],
    ['a connection that dropped', new Error('Connection terminated unexpectedly')],
    ['the server shutting down', Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' })],
    ['Prisma: server unreachable', Object.assign(new Error("Can't reach database server"), { code: 'P1001' })],
    ['Redis away (fail-fast producer)', new Error("Stream isn't writeable and enableOfflineQueue options is false")],
    ['a Redis command past its timeout', new Error('Command timed out')],
    ['a Redis socket that stopped answering', new Error("Socket timeout. Expecting data, but didn't receive any in 5000ms.")],
    ['a closed Redis connection', new Error('Connection is closed.')],
    ['a wrapped cause', new Error('could not enqueue', { cause: new Error('Connection is closed.') })],
  ])('a dependency away (%s) is 503 unavailable with retryAfter, never 500', (_name, exception) => {
    expect(toErrorResponse(exception, 5)).toEqual({ status: 503, body: { error: 'unavailable', message: expect.any(String), retryAfter: 5 } });
  });

  it('a statement PostgreSQL refused (not a fault of the server being away) stays a 500', () => {
    expect(toErrorResponse(Object.assign(new Error('syntax error'), { code: '42601' })).status).toBe(500);
  });

  it.each([
    ['HPE_HEADER_OVERFLOW', 431, 'headers_too_large'],
    ['ERR_HTTP_REQUEST_TIMEOUT', 408, 'request_timeout'],
    ['HPE_INVALID_METHOD', 400, 'bad_request'],
  ])('a connection the HTTP parser refused (%s) gets %i %s as raw HTTP', (code, status, error) => {
    const answer = clientErrorResponse(code);
    expect(answer.startsWith(`HTTP/1.1 ${status} `)).toBe(true);
    const [head, text] = answer.split('\r\n\r\n');
    expect(head).toContain(`Content-Length: ${Buffer.byteLength(text)}`);
    expect(JSON.parse(text)).toEqual({ error, message: expect.any(String) });
  });

  it('knows a browser navigating from an API client', () => {
    expect(wantsHtml({ method: 'GET', headers: { accept: 'text/html,application/xhtml+xml' } })).toBe(true);
    expect(wantsHtml({ method: 'GET', headers: { accept: 'application/json' } })).toBe(false);
    expect(wantsHtml({ method: 'GET', headers: {} })).toBe(false);
    expect(wantsHtml({ method: 'POST', headers: { accept: 'text/html' } })).toBe(false);
  });
});
