import { ApiError } from './api-error';

/** Small helpers for validating JSON bodies with the contract's field paths (`backups[1].number`). */

export type Json = Record<string, unknown>;

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function requireObject(value: unknown, field: string | undefined, what = 'a JSON object'): Json {
  if (!isObject(value)) throw ApiError.badRequest(field ? 'invalid_type' : 'invalid_body', `${field ?? 'The request body'} must be ${what}.`, field);
  return value;
}

export function onlyKeys(obj: Json, allowed: readonly string[], prefix: string): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) {
      const field = prefix ? `${prefix}.${key}` : key;
      throw ApiError.badRequest('unknown_field', `Unknown field "${field}". Allowed: ${allowed.join(', ')}.`, field);
    }
  }
}

export function optionalString(obj: Json, key: string, field: string, maxLength: number): string | undefined {
  const value = obj[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw ApiError.badRequest('invalid_type', `${field} must be a string.`, field);
  if (value.length > maxLength) throw ApiError.badRequest('too_long', `${field} must be at most ${maxLength} characters.`, field);
  return value;
}

export function requiredString(obj: Json, key: string, field: string, maxLength: number): string {
  const value = optionalString(obj, key, field, maxLength);
  if (value === undefined || value.trim() === '') throw ApiError.badRequest('required', `${field} is required.`, field);
  return value;
}

export function oneOf<T extends string>(obj: Json, key: string, field: string, allowed: readonly T[], required: boolean): T | undefined {
  const value = obj[key];
  if (value === undefined || value === null) {
    if (required) throw ApiError.badRequest('required', `${field} is required: one of ${allowed.join(', ')}.`, field);
    return undefined;
  }
  if (typeof value !== 'string' || !allowed.includes(value as T)) {
    throw ApiError.badRequest('invalid_value', `${field} must be one of ${allowed.join(', ')}.`, field);
  }
  return value as T;
}

const ID = /^[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}$/;

export function pathId(value: string, field: string): string {
  if (!ID.test(value)) throw ApiError.badRequest('invalid_value', `${field} must be 1-128 letters, digits or . _ @ + -.`, field);
  return value;
}
