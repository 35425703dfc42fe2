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
