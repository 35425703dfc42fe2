/**
 * One checker for OpenAPI 3 schema objects, for the two documents the tests hold answers against:
 * - `closed` (Redial's own document, as zod-to-openapi writes it): `required` lists what must be there, and an
 *   object must be closed (`additionalProperties: false` or a schema for the values) — an undocumented field is a
 *   problem;
 * - `declared` (Twilio's published description): Twilio answers every declared field (null when empty), so every
 *   declared property is required, and fields it does not declare are allowed (Twilio adds fields without notice).
 * Supported: `$ref` to `#/components/schemas/…`, `type`, `nullable`, `enum`, `format` (date-time, date-time-rfc-2822,
 * uuid, uri, phone-number), `pattern`, lengths, bounds, `maxItems`, `properties`, `required`,
 * `additionalProperties`, `items`, `allOf`/`oneOf`/`anyOf`.
 */

export interface Schema {
  $ref?: string;
  type?: string;
  nullable?: boolean;
  enum?: unknown[];
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  maxItems?: number;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  items?: Schema;
  allOf?: Schema[];
  oneOf?: Schema[];
  anyOf?: Schema[];
}

export type SchemaMode = 'closed' | 'declared';

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const RFC_2822_UTC = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} \+0000$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const E164 = /^\+[1-9]\d{1,14}$/;

function formatProblem(format: string | undefined, value: string): string | undefined {
  switch (format) {
    case 'date-time':
      return ISO_TIME.test(value) && !Number.isNaN(Date.parse(value)) ? undefined : 'is not an ISO date-time';
    case 'date-time-rfc-2822':
      return RFC_2822_UTC.test(value) ? undefined : 'is not RFC 2822 UTC (+0000)';
    case 'uuid':
      return UUID.test(value) ? undefined : 'is not a UUID';
    case 'uri':
      // Twilio's `uri` fields are paths on its API ("/2010-04-01/…"); Redial's are absolute.
      return value.startsWith('/') || URL.canParse(value) ? undefined : 'is not a URI';
    case 'phone-number':
      return E164.test(value) ? undefined : 'is not E.164';
    default:
      return undefined;
  }
}

/** The problems found, as `path: what` lines; empty when the value matches. */
export function checkSchema(value: unknown, schema: Schema, schemas: Record<string, Schema>, mode: SchemaMode, path = '$'): string[] {
  if (schema.$ref !== undefined) {
    const target = schemas[schema.$ref.replace('#/components/schemas/', '')];
    if (target === undefined) return [`${path}: unknown $ref ${schema.$ref}`];
    return checkSchema(value, { ...target, nullable: schema.nullable ?? target.nullable }, schemas, mode, path);
  }
  if (value === null) return schema.nullable === true ? [] : [`${path}: null is not allowed here`];
  if (value === undefined) return [`${path}: missing`];
  if (schema.allOf) return schema.allOf.flatMap((s) => checkSchema(value, s, schemas, mode, path));
  const alternatives = schema.oneOf ?? schema.anyOf;
  if (alternatives) {
    const results = alternatives.map((s) => checkSchema(value, s, schemas, mode, path));
    return results.some((r) => r.length === 0) ? [] : [`${path}: matches none of ${alternatives.length} alternatives (${results.map((r) => r[0]).join(' | ')})`];
  }
  const problems: string[] = [];
  if (schema.enum !== undefined && !schema.enum.includes(value)) problems.push(`${path}: ${JSON.stringify(value)} is not one of ${schema.enum.join(', ')}`);
  switch (schema.type) {
    case 'string': {
      if (typeof value !== 'string') return [`${path}: ${JSON.stringify(value)} is not a string`];
      if (schema.minLength !== undefined && value.length < schema.minLength) problems.push(`${path}: shorter than ${schema.minLength}`);
      if (schema.maxLength !== undefined && value.length > schema.maxLength) problems.push(`${path}: longer than ${schema.maxLength}`);
      if (schema.pattern !== undefined && !new RegExp(schema.pattern).test(value)) problems.push(`${path}: "${value}" does not match ${schema.pattern}`);
      const format = formatProblem(schema.format, value);
      if (format !== undefined) problems.push(`${path}: "${value}" ${format}`);
      return problems;
    }
    case 'integer':
    case 'number':
      if (typeof value !== 'number' || (schema.type === 'integer' && !Number.isInteger(value))) return [`${path}: ${JSON.stringify(value)} is not ${schema.type === 'integer' ? 'an integer' : 'a number'}`];
      if (schema.minimum !== undefined && value < schema.minimum) problems.push(`${path}: below ${schema.minimum}`);
      if (schema.maximum !== undefined && value > schema.maximum) problems.push(`${path}: above ${schema.maximum}`);
      return problems;
    case 'boolean':
      return typeof value === 'boolean' ? problems : [`${path}: ${JSON.stringify(value)} is not a boolean`];
    case 'array':
      if (!Array.isArray(value)) return [`${path}: not an array`];
      if (schema.maxItems !== undefined && value.length > schema.maxItems) problems.push(`${path}: more than ${schema.maxItems} items`);
      if (schema.items) value.forEach((item, i) => problems.push(...checkSchema(item, schema.items as Schema, schemas, mode, `${path}[${i}]`)));
      return problems;
    case 'object':
      if (typeof value !== 'object' || Array.isArray(value)) return [`${path}: not an object`];
      return [...problems, ...checkObject(value as Record<string, unknown>, schema, schemas, mode, path)];
    default:
      // Twilio leaves some values untyped; Redial's own document names a type for every value.
      return [...problems, ...(mode === 'closed' && schema.enum === undefined ? [`${path}: the schema names no type`] : [])];
  }
}

function checkObject(record: Record<string, unknown>, schema: Schema, schemas: Record<string, Schema>, mode: SchemaMode, path: string): string[] {
  const problems: string[] = [];
  const properties = schema.properties ?? {};
  const required = mode === 'declared' ? Object.keys(properties) : (schema.required ?? []);
  for (const key of required) if (record[key] === undefined) problems.push(`${path}.${key}: missing (required)`);
  for (const [key, v] of Object.entries(record)) {
    const sub = properties[key];
    if (sub !== undefined) problems.push(...checkSchema(v, sub, schemas, mode, `${path}.${key}`));
    else if (typeof schema.additionalProperties === 'object') problems.push(...checkSchema(v, schema.additionalProperties, schemas, mode, `${path}.${key}`));
    else if (mode === 'declared') continue;
    else if (schema.additionalProperties === false) problems.push(`${path}.${key}: undocumented field`);
    else problems.push(`${path}.${key}: undocumented field (the schema is not closed: no additionalProperties)`);
  }
  return problems;
}
