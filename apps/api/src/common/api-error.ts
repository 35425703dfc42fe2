import { HttpException } from '@nestjs/common';
import type { ApiErrorBody } from '@redial/contracts';

/** A 4xx answer in the contract's shape: `{error, message, field?, retryAfter?}` (retryAfter: also the `Retry-After` header). */
export class ApiError extends HttpException {
  constructor(status: number, code: string, message: string, field?: string, retryAfter?: number) {
    const body: ApiErrorBody = { error: code, message, ...(field !== undefined && { field }), ...(retryAfter !== undefined && { retryAfter }) };
    super(body, status);
  }

  static badRequest(code: string, message: string, field?: string): ApiError {
    return new ApiError(400, code, message, field);
  }

  static notFound(code: string, message: string): ApiError {
    return new ApiError(404, code, message);
  }

  static conflict(code: string, message: string, field?: string): ApiError {
    return new ApiError(409, code, message, field);
  }

  static unauthorized(message = 'A valid API key is required: Authorization: Bearer <key>.'): ApiError {
    return new ApiError(401, 'unauthorized', message);
  }
}
