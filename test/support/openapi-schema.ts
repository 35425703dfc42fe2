/**
 * A small checker for the part of OpenAPI 3 schemas Twilio's description uses for Messages and Calls: `type`,
 * `nullable`, `enum`, `format`, `pattern`, `minLength`/`maxLength`, `properties`, `items`, `$ref` to
 * `#/components/schemas/…`. Twilio answers every declared field (null when empty), so every declared property is
 * required here; properties the description does not declare are allowed (Twilio adds fields without notice).
 */

export interface Schema {
  type?: string;
  nullable?: boolean;
  enum?: unknown[];
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  properties?: Record<string, Schema>;
  items?: Schema;
  $ref?: string;
}

const RFC_2822_UTC = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} \+0000$/;

/** Returns the problems found, as `path: what` lines; empty when the value matches. */
export function checkSchema(value: unknown, schema: Schema, schemas: Record<string, Schema>, path = '$'): string[] {
  if (schema.$ref !== undefined) {
    const name = schema.$ref.replace('#/components/schemas/', '');
    const target = schemas[name];
    if (target === undefined) return [`${path}: unknown $ref ${schema.$ref}`];
    return checkSchema(value, { ...target, nullable: schema.nullable ?? target.nullable }, schemas, path);
  }
  if (value === null) return schema.nullable === true ? [] : [`${path}: null where ${schema.type ?? 'a value'} is required`];
  if (value === undefined) return [`${path}: missing`];
  const problems: string[] = [];
  switch (schema.type) {
    case 'string':
      if (typeof value !== 'string') return [`${path}: ${typeof value}, expected string`];
      if (schema.minLength !== undefined && value.length < schema.minLength) problems.push(`${path}: shorter than ${schema.minLength}`);
      if (schema.maxLength !== undefined && value.length > schema.maxLength) problems.push(`${path}: longer than ${schema.maxLength}`);
      if (schema.pattern !== undefined && !new RegExp(schema.pattern).test(value)) problems.push(`${path}: "${value}" does not match ${schema.pattern}`);
      if (schema.format === 'date-time-rfc-2822' && !RFC_2822_UTC.test(value)) problems.push(`${path}: "${value}" is not RFC 2822 UTC (+0000)`);
      if (schema.format === 'uri' && !/^(\/|https?:\/\/)/.test(value)) problems.push(`${path}: "${value}" is not a URI`);
      if (schema.format === 'phone-number' && !/^\+[1-9]\d{1,14}$/.test(value)) problems.push(`${path}: "${value}" is not E.164`);
      break;
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value)) return [`${path}: ${JSON.stringify(value)}, expected integer`];
      break;
    case 'number':
      if (typeof value !== 'number') return [`${path}: ${JSON.stringify(value)}, expected number`];
      break;
    case 'boolean':
      if (typeof value !== 'boolean') return [`${path}: ${JSON.stringify(value)}, expected boolean`];
      break;
    case 'array':
      if (!Array.isArray(value)) return [`${path}: expected array`];
      if (schema.items !== undefined) value.forEach((item, i) => problems.push(...checkSchema(item, schema.items as Schema, schemas, `${path}[${i}]`)));
      break;
    case 'object':
      if (typeof value !== 'object' || Array.isArray(value)) return [`${path}: expected object`];
      for (const [key, sub] of Object.entries(schema.properties ?? {})) {
        const v = (value as Record<string, unknown>)[key];
        if (v === undefined) problems.push(`${path}.${key}: missing`);
        else problems.push(...checkSchema(v, sub, schemas, `${path}.${key}`));
      }
      break;
    default:
      break; // an untyped schema accepts any value
  }
  if (schema.enum !== undefined && !schema.enum.includes(value)) problems.push(`${path}: ${JSON.stringify(value)} is not one of ${schema.enum.join(', ')}`);
  return problems;
}
