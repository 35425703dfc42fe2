import { ArgumentMetadata, Body, Injectable, Param, PipeTransform, Query } from '@nestjs/common';
import type { z } from 'zod';
import { ApiError } from './api-error';

/**
 * Runs a payload's zod schema (libs/contracts) on a route parameter — body, query or path parameters — and
 * hands the controller the parsed, typed value. A refusal leaves as the contract's `{error, message, field}`
 * (400 unless the schema says otherwise), with the codes and field paths of CONTRACT.md:
 *
 * | zod issue                                   | error            | field                        |
 * |---------------------------------------------|------------------|------------------------------|
 * | body not an object (`invalid_type` at root) | `invalid_body`   | —                            |
 * | any issue where the value is absent          | `required`       | its path                     |
 * | `unrecognized_keys`                         | `unknown_field`  | path of the first unknown key |
 * | `invalid_type`, `invalid_union`             | `invalid_type`   | its path                     |
 * | `invalid_value` (enum), `invalid_format`    | `invalid_value`  | its path                     |
 * | `too_big` on text                           | `too_long`       | its path                     |
 * | `too_big` / `too_small` otherwise           | `invalid_value`  | its path                     |
 * | `custom` with `params: {code, status?}`     | `code` (status)  | its path, unless `field: false` |
 *
 * In a JSON body, `null` means absent (`"label": null` is no label; `"primary": null` is `required`). When a
 * payload has several problems, the one reported is the first a reader meets: a container's own problem (an
 * unknown field, too many items) before those inside it.
 */
@Injectable()
export class ZodValidationPipe<S extends z.ZodType> implements PipeTransform<unknown, z.output<S>> {
  constructor(private readonly schema: S) {}

  transform(value: unknown, metadata: ArgumentMetadata): z.output<S> {
    const input = metadata.type === 'body' ? withoutNulls(value) : value;
    const result = this.schema.safeParse(input);
    if (result.success) return result.data;
    throw issueToApiError(result.error.issues, input, this.schema, metadata.type === 'body');
  }
}

/** `@ValidBody(Schema) body: T` — the request body, parsed by its schema. */
export const ValidBody = (schema: z.ZodType): ParameterDecorator => Body(new ZodValidationPipe(schema));
/** `@ValidQuery(Schema) query: T` — the query string, parsed by its schema. */
export const ValidQuery = (schema: z.ZodType): ParameterDecorator => Query(new ZodValidationPipe(schema));
/** `@ValidParams(Schema) params: T` — the path parameters, parsed by their schema. */
export const ValidParams = (schema: z.ZodType): ParameterDecorator => Param(new ZodValidationPipe(schema));

type Issue = z.core.$ZodIssue;
type Path = ReadonlyArray<PropertyKey>;

export function issueToApiError(issues: readonly Issue[], input: unknown, schema: z.ZodType, isBody: boolean): ApiError {
  const issue = firstIssue(issues);
  const path = issue.path;
  const field = fieldPath(path);
  const value = valueAt(input, path);
  const name = field || 'The value';

  if (issue.code === 'custom') {
    const params = (issue.params ?? {}) as { code?: string; status?: number; field?: boolean };
    return new ApiError(params.status ?? 400, params.code ?? 'invalid_value', issue.message, params.field === false || !field ? undefined : field);
  }
  if (issue.code === 'unrecognized_keys') {
    const unknown = fieldPath([...path, issue.keys[0]]);
    const allowed = keysAt(schema, path);
    return ApiError.badRequest('unknown_field', `Unknown field "${unknown}".${allowed.length ? ` Allowed: ${allowed.join(', ')}.` : ''}`, unknown);
  }
  if (path.length === 0 && isBody) return ApiError.badRequest('invalid_body', 'The request body must be a JSON object.');
  if (value === undefined) {
    const choices = issue.code === 'invalid_value' ? `: one of ${issue.values.map(String).join(', ')}` : '';
    return ApiError.badRequest('required', `${name} is required${choices}.`, field || undefined);
  }
  switch (issue.code) {
    case 'invalid_type':
      return ApiError.badRequest('invalid_type', `${name} must be ${article(issue.expected)}.`, field || undefined);
    case 'invalid_union':
      return ApiError.badRequest('invalid_type', `${name} has the wrong type.`, field || undefined);
    case 'invalid_value':
      return ApiError.badRequest('invalid_value', `${name} must be one of ${issue.values.map(String).join(', ')}.`, field || undefined);
    case 'invalid_format':
      return ApiError.badRequest('invalid_value', ownMessage(issue) ?? `${name} is not a valid ${issue.format}.`, field || undefined);
    case 'too_big':
      if (issue.origin === 'string') return ApiError.badRequest('too_long', `${name} must be at most ${issue.maximum} characters.`, field || undefined);
      return ApiError.badRequest('invalid_value', `${name} must be at most ${issue.maximum}.`, field || undefined);
    case 'too_small':
      if (issue.origin === 'string' && Number(issue.minimum) <= 1) return ApiError.badRequest('required', `${name} is required.`, field || undefined);
      return ApiError.badRequest('invalid_value', `${name} must be at least ${issue.minimum}.`, field || undefined);
    default:
      return ApiError.badRequest('invalid_value', `${name} is not valid.`, field || undefined);
  }
}

/** The issue a reader meets first: the first one, unless a container of it has a problem of its own. */
function firstIssue(issues: readonly Issue[]): Issue {
  const first = issues[0];
  const containers = issues.filter((i) => i.path.length < first.path.length && i.path.every((k, n) => first.path[n] === k));
  return containers.sort((a, b) => a.path.length - b.path.length)[0] ?? first;
}

/** `['backups', 1, 'number']` → `backups[1].number`. */
export function fieldPath(path: Path): string {
  return path.reduce<string>((out, key) => (typeof key === 'number' ? `${out}[${key}]` : out ? `${out}.${String(key)}` : String(key)), '');
}

function valueAt(input: unknown, path: Path): unknown {
  let node = input;
  for (const key of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

/** JSON `null` as absent: object keys holding null are dropped (array items stay, so `[null]` is a wrong item). */
export function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) if (v !== null) out[key] = withoutNulls(v);
  return out;
}

/** The field names an object schema allows at `path` (for the unknown-field message). */
function keysAt(schema: z.ZodType, path: Path): string[] {
  let node: unknown = schema;
  for (let i = 0; i <= path.length; i++) {
    node = unwrap(node);
    const def = (node as { _zod?: { def?: { type?: string; shape?: Record<string, unknown>; element?: unknown } } })?._zod?.def;
    if (!def) return [];
    if (i === path.length) return def.type === 'object' && def.shape ? Object.keys(def.shape) : [];
    const key = path[i];
    node = def.type === 'object' && typeof key === 'string' ? def.shape?.[key] : def.type === 'array' ? def.element : undefined;
  }
  return [];
}

function unwrap(schema: unknown): unknown {
  let node = schema;
  for (let guard = 0; guard < 20; guard++) {
    const def = (node as { _zod?: { def?: { type?: string; innerType?: unknown; in?: unknown } } })?._zod?.def;
    if (!def) return node;
    if (def.innerType !== undefined) node = def.innerType;
    else if (def.type === 'pipe') node = def.in;
    else return node;
  }
  return node;
}

/** A message the schema wrote (zod's own start with "Invalid"). */
function ownMessage(issue: Issue): string | undefined {
  return issue.message && !/^Invalid\b/.test(issue.message) ? issue.message : undefined;
}

function article(expected: string): string {
  const words: Record<string, string> = { object: 'an object', array: 'an array', string: 'a string', number: 'a number', boolean: 'true or false', int: 'a whole number' };
  return words[expected] ?? `of type ${expected}`;
}
