/**
 * A strict checker for OpenAPI 3.0 schema objects as zod-to-openapi writes them: `$ref`, `type`, `nullable`,
 * `enum`, `format` (date-time, uuid, uri), `pattern`, lengths, bounds, `properties`/`required`,
 * `additionalProperties`, `items`, `allOf`/`oneOf`/`anyOf`. Unlike openapi-schema.ts (Twilio's description, which
 * tolerates new fields), an object here must be closed (`additionalProperties: false` or a schema for the
 * values), so a field the document does not describe is a problem.
 */

export interface OpenApiSchema {
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
  properties?: Record<string, OpenApiSchema>;
  required?: string[];
  additionalProperties?: boolean | OpenApiSchema;
  items?: OpenApiSchema;
  allOf?: OpenApiSchema[];
  oneOf?: OpenApiSchema[];
  anyOf?: OpenApiSchema[];
}

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The problems found, as `path: what` lines; empty when the value matches. */
export function checkStrict(value: unknown, schema: OpenApiSchema, schemas: Record<string, OpenApiSchema>, path = '$'): string[] {
  if (schema.$ref !== undefined) {
    const target = schemas[schema.$ref.replace('#/components/schemas/', '')];
    if (target === undefined) return [`${path}: unknown $ref ${schema.$ref}`];
    return checkStrict(value, target, schemas, path);
  }
  if (value === null) return schema.nullable === true ? [] : [`${path}: null is not allowed here`];
  if (schema.allOf) return schema.allOf.flatMap((s) => checkStrict(value, s, schemas, path));
  const alternatives = schema.oneOf ?? schema.anyOf;
  if (alternatives) {
    const results = alternatives.map((s) => checkStrict(value, s, schemas, path));
    return results.some((r) => r.length === 0) ? [] : [`${path}: matches none of ${alternatives.length} alternatives (${results.map((r) => r[0]).join(' | ')})`];
  }
  const problems: string[] = [];
  if (schema.enum !== undefined && !schema.enum.includes(value)) problems.push(`${path}: ${JSON.stringify(value)} is not one of ${schema.enum.join(', ')}`);
  switch (schema.type) {
    case 'string':
      if (typeof value !== 'string') return [`${path}: ${JSON.stringify(value)} is not a string`];
      if (schema.minLength !== undefined && value.length < schema.minLength) problems.push(`${path}: shorter than ${schema.minLength}`);
      if (schema.maxLength !== undefined && value.length > schema.maxLength) problems.push(`${path}: longer than ${schema.maxLength}`);
      if (schema.pattern !== undefined && !new RegExp(schema.pattern).test(value)) problems.push(`${path}: "${value}" does not match ${schema.pattern}`);
      if (schema.format === 'date-time' && (!ISO_TIME.test(value) || Number.isNaN(Date.parse(value)))) problems.push(`${path}: "${value}" is not an ISO date-time`);
      if (schema.format === 'uuid' && !UUID.test(value)) problems.push(`${path}: "${value}" is not a UUID`);
      if (schema.format === 'uri' && !URL.canParse(value)) problems.push(`${path}: "${value}" is not a URI`);
      return problems;
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
      if (schema.items) value.forEach((item, i) => problems.push(...checkStrict(item, schema.items as OpenApiSchema, schemas, `${path}[${i}]`)));
      return problems;
    case 'object': {
      if (typeof value !== 'object' || Array.isArray(value)) return [`${path}: not an object`];
      const record = value as Record<string, unknown>;
      const properties = schema.properties ?? {};
      for (const key of schema.required ?? []) if (record[key] === undefined) problems.push(`${path}.${key}: missing (required)`);
      for (const [key, v] of Object.entries(record)) {
        const sub = properties[key];
        if (sub !== undefined) problems.push(...checkStrict(v, sub, schemas, `${path}.${key}`));
        else if (typeof schema.additionalProperties === 'object') problems.push(...checkStrict(v, schema.additionalProperties, schemas, `${path}.${key}`));
        else if (schema.additionalProperties === false) problems.push(`${path}.${key}: undocumented field`);
        else problems.push(`${path}.${key}: undocumented field (the schema is not closed: no additionalProperties)`);
      }
      return problems;
    }
    default:
      return [...problems, ...(schema.enum === undefined ? [`${path}: the schema names no type`] : [])];
  }
}
