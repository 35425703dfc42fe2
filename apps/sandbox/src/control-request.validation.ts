import { BadRequestException, type PipeTransform } from '@nestjs/common';
import { DigitsBodySchema, FaultsPatchSchema, NumberBehaviourPatchSchema } from '@redial/contracts';
import type { z } from 'zod';
import { isE164 } from './twilio-request.validation';
import type { Faults, NumberBehaviour } from './sandbox.types';

/**
 * The control API's bodies, validated by their schemas in libs/contracts (which also document them and type the
 * web's phone simulator). A refusal is 400 `{error, message, field}` with the sandbox's own codes:
 * `invalid_body` (field `body`), `unknown_field`, `invalid_field` (the message is the field's description),
 * `invalid_number` (field `e164`).
 */
export function invalid(field: string, message: string, error = 'invalid_field'): BadRequestException {
  return new BadRequestException({ error, message, field });
}

type ObjectSchema = z.ZodObject<z.ZodRawShape>;

function parseBody<S extends ObjectSchema>(schema: S, raw: unknown): z.output<S> {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const issues = result.error.issues;
  // An unknown field is reported before the values, as a reader meets them.
  const issue = issues.find((i) => i.code === 'unrecognized_keys') ?? issues[0];
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0];
    throw invalid(key, `Unknown field "${key}"; expected ${Object.keys(schema.shape).join(', ')}`, 'unknown_field');
  }
  if (issue.path.length === 0) throw invalid('body', 'The body must be a JSON object', 'invalid_body');
  const field = String(issue.path[0]);
  throw invalid(field, (schema.shape[field] as z.ZodType | undefined)?.description ?? `${field} is not valid`);
}

export function parseE164(value: string): string {
  if (!isE164(value)) throw invalid('e164', `"${value}" is not an E.164 number such as +15005550006`, 'invalid_number');
  return value;
}

/**
 * PUT /sandbox/numbers/:e164 — a partial behaviour, merged into the number's current one. `keys: null` removes
 * the number's own keys (back to the behaviour's scripted ones).
 */
export function parseBehaviourPatch(raw: unknown): Partial<NumberBehaviour> {
  const { keys, ...rest } = parseBody(NumberBehaviourPatchSchema, raw);
  const patch: Partial<NumberBehaviour> = rest;
  if (keys !== undefined) patch.keys = keys ?? undefined;
  return patch;
}

/** PUT /sandbox/faults — a partial set of faults, merged into the current ones. */
export function parseFaultsPatch(raw: unknown): Partial<Faults> {
  return parseBody(FaultsPatchSchema, raw);
}

/** POST /sandbox/calls/:sid/digits — keys as typed on a keypad, one press per character, e.g. "#" or "0#". */
export function parseDigits(raw: unknown): string {
  return parseBody(DigitsBodySchema, raw).digits;
}

/** `@Body(new ControlPipe(parseDigits))` / `@Param('e164', new ControlPipe(parseE164))`: the handler gets the parsed value. */
export class ControlPipe<T> implements PipeTransform<unknown, T> {
  constructor(private readonly parse: (raw: never) => T) {}

  transform(value: unknown): T {
    return this.parse(value as never);
  }
}
