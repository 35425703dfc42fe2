import type { ArgumentMetadata } from '@nestjs/common';
import { ChallengeIdParamsSchema, CheckCodeBodySchema, CreateChallengeBodySchema, PhoneSettingsInputSchema, UserPathParamsSchema } from '@redial/contracts';
import type { z } from 'zod';
import { SearchParamsSchema } from '../ops/challenge-search.query';
import { ApiError } from './api-error';
import { fieldPath, withoutNulls, ZodValidationPipe } from './zod-validation.pipe';

const body: ArgumentMetadata = { type: 'body' };
const query: ArgumentMetadata = { type: 'query' };
const param: ArgumentMetadata = { type: 'param' };

function refusal(schema: z.ZodType, value: unknown, metadata: ArgumentMetadata): { status: number; error: string; field?: string } {
  try {
    new ZodValidationPipe(schema).transform(value, metadata);
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    const { error, field, message } = err.getResponse() as { error: string; field?: string; message: string };
    expect(message).toEqual(expect.any(String));
    return field === undefined ? { status: err.getStatus(), error } : { status: err.getStatus(), error, field };
  }
  throw new Error('accepted');
}

const sms = { number: '+12015550123', method: 'sms' };
const phones = PhoneSettingsInputSchema;

/** zod issue → the contract's error: one row per mapping rule, with the payloads the hand parsers refused. */
const rows: Array<[string, z.ZodType, unknown, ArgumentMetadata, { status: number; error: string; field?: string }]> = [
  // invalid_type at the root of a body
  ['body is an array', phones, [1, 2], body, { status: 400, error: 'invalid_body' }],
  ['body is null', phones, null, body, { status: 400, error: 'invalid_body' }],
  ['no body', CheckCodeBodySchema, undefined, body, { status: 400, error: 'invalid_body' }],
  // absent (or JSON null) → required
  ['missing primary', phones, {}, body, { status: 400, error: 'required', field: 'primary' }],
  ['primary null', phones, { primary: null }, body, { status: 400, error: 'required', field: 'primary' }],
  ['missing number', phones, { primary: { method: 'sms' } }, body, { status: 400, error: 'required', field: 'primary.number' }],
  ['missing method (an enum)', phones, { primary: { number: '+12015550123' } }, body, { status: 400, error: 'required', field: 'primary.method' }],
  ['blank number (custom code)', phones, { primary: { number: '  ', method: 'sms' } }, body, { status: 400, error: 'required', field: 'primary.number' }],
  ['empty code', CheckCodeBodySchema, { code: '' }, body, { status: 400, error: 'required', field: 'code' }],
  ['missing userId', CreateChallengeBodySchema, {}, body, { status: 400, error: 'required', field: 'userId' }],
  // invalid_type / invalid_union
  ['primary not an object', phones, { primary: 'x' }, body, { status: 400, error: 'invalid_type', field: 'primary' }],
  ['number of the wrong type', phones, { primary: { number: 12015550123, method: 'sms' } }, body, { status: 400, error: 'invalid_type', field: 'primary.number' }],
  ['backups not an array', phones, { primary: sms, backups: {} }, body, { status: 400, error: 'invalid_type', field: 'backups' }],
  ['a null backup', phones, { primary: sms, backups: [null] }, body, { status: 400, error: 'invalid_type', field: 'backups[0]' }],
  ['code neither text nor number', CheckCodeBodySchema, { code: true }, body, { status: 400, error: 'invalid_type', field: 'code' }],
  ['a repeated query parameter', SearchParamsSchema, { query: ['a', 'b'] }, query, { status: 400, error: 'invalid_type', field: 'query' }],
  // invalid_value (enum) and invalid_format (regex)
  ['unknown method', phones, { primary: { number: '+12015550123', method: 'fax' } }, body, { status: 400, error: 'invalid_value', field: 'primary.method' }],
  ['unknown label', phones, { primary: { ...sms, label: 'home' } }, body, { status: 400, error: 'invalid_value', field: 'primary.label' }],
  ['a purpose clients may not ask for', CreateChallengeBodySchema, { userId: 'u1', purpose: 'settings' }, body, { status: 400, error: 'invalid_value', field: 'purpose' }],
  ['malformed user id in the path', UserPathParamsSchema, { userId: 'bad id' }, param, { status: 400, error: 'invalid_value', field: 'userId' }],
  ['malformed user id in a body', CreateChallengeBodySchema, { userId: '-x' }, body, { status: 400, error: 'invalid_value', field: 'userId' }],
  // too_big on text
  ['number too long', phones, { primary: { number: '1'.repeat(41), method: 'sms' } }, body, { status: 400, error: 'too_long', field: 'primary.number' }],
  ['extension too long', phones, { primary: { number: '+12015550123', method: 'call', extension: '1'.repeat(11) } }, body, { status: 400, error: 'too_long', field: 'primary.extension' }],
  ['user id too long', CreateChallengeBodySchema, { userId: 'u'.repeat(129) }, body, { status: 400, error: 'too_long', field: 'userId' }],
  // unrecognized_keys → unknown_field, before the problems inside the object
  ['unknown top-level field', phones, { primary: sms, extra: 1 }, body, { status: 400, error: 'unknown_field', field: 'extra' }],
  ['unknown field and a missing one', phones, { extra: 1 }, body, { status: 400, error: 'unknown_field', field: 'extra' }],
  ['unknown phone field', phones, { primary: { ...sms, nickname: 'x' } }, body, { status: 400, error: 'unknown_field', field: 'primary.nickname' }],
  ['unknown backup field', phones, { primary: sms, backups: [sms, { ...sms, colour: 'red' }] }, body, { status: 400, error: 'unknown_field', field: 'backups[1].colour' }],
  ['unknown query parameter', SearchParamsSchema, { sort: 'asc' }, query, { status: 400, error: 'unknown_field', field: 'sort' }],
  // custom issues carry the contract's code (and status)
  ['too many backups, counted first', phones, { primary: sms, backups: [1, 2, 3, 4, 5].map(() => ({})) }, body, { status: 400, error: 'too_many_backups', field: 'backups' }],
  ['a code of letters', CheckCodeBodySchema, { code: 'abcdef' }, body, { status: 400, error: 'invalid_code_format', field: 'code' }],
  ['a short code', CheckCodeBodySchema, { code: 12 }, body, { status: 400, error: 'invalid_code_format', field: 'code' }],
  ['a challenge id that is no UUID', ChallengeIdParamsSchema, { id: 'not-a-uuid' }, param, { status: 404, error: 'challenge_not_found' }],
  ['limit out of range', SearchParamsSchema, { limit: '101' }, query, { status: 400, error: 'invalid_value', field: 'limit' }],
  ['limit not a number', SearchParamsSchema, { limit: 'ten' }, query, { status: 400, error: 'invalid_value', field: 'limit' }],
  ['unknown status', SearchParamsSchema, { status: 'pending,lost' }, query, { status: 400, error: 'invalid_value', field: 'status' }],
  ['not a time', SearchParamsSchema, { from: 'yesterday' }, query, { status: 400, error: 'invalid_value', field: 'from' }],
  ['an impossible date', SearchParamsSchema, { to: '2024-13-45T00:00:00Z' }, query, { status: 400, error: 'invalid_value', field: 'to' }],
  ['year 0 (PostgreSQL has none)', SearchParamsSchema, { from: '0000-01-01' }, query, { status: 400, error: 'invalid_value', field: 'from' }],
  ['year 1 that is year 0 in UTC', SearchParamsSchema, { to: '0001-01-01T00:30:00+01:00' }, query, { status: 400, error: 'invalid_value', field: 'to' }],
  ['from after to', SearchParamsSchema, { from: '2024-05-02T00:00:00Z', to: '2024-05-01T00:00:00Z' }, query, { status: 400, error: 'invalid_range', field: 'from' }],
  ['a cursor this API never gave', SearchParamsSchema, { cursor: 'not-a-cursor' }, query, { status: 400, error: 'invalid_cursor', field: 'cursor' }],
  ['a query that is nothing searchable', SearchParamsSchema, { query: '+1 (201) 555' }, query, { status: 400, error: 'invalid_value', field: 'query' }],
  ['an over-long query parameter', SearchParamsSchema, { query: 'a'.repeat(257) }, query, { status: 400, error: 'invalid_value', field: 'query' }],
];

describe('ZodValidationPipe: zod issues → {error, message, field}', () => {
  it.each(rows)('%s', (_name, schema, value, metadata, expected) => {
    expect(refusal(schema, value, metadata)).toEqual(expected);
  });

  it('hands the controller the parsed value: nulls as absent, blanks dropped, codes tidied, defaults set', () => {
    const phonesIn = new ZodValidationPipe(phones).transform(
      { primary: { number: '+12015550123', method: 'call', country: '', extension: ' 12 ', label: null }, backups: null },
      body,
    );
    expect(phonesIn).toEqual({ primary: { number: '+12015550123', method: 'call', extension: '12' } });
    expect(new ZodValidationPipe(CheckCodeBodySchema).transform({ code: '123 456' }, body)).toEqual({ code: '123456' });
    expect(new ZodValidationPipe(CheckCodeBodySchema).transform({ code: 123456 }, body)).toEqual({ code: '123456' });
    expect(new ZodValidationPipe(CreateChallengeBodySchema).transform({ userId: 'u1', purpose: null }, body)).toEqual({ userId: 'u1', purpose: 'sign_in' });
    const search = new ZodValidationPipe(SearchParamsSchema).transform({ query: ' 0123 ', status: 'failed,failed', from: '2024-05-01' }, query);
    expect(search).toEqual({ query: { kind: 'suffix', value: '0123' }, statuses: ['failed'], from: new Date('2024-05-01T00:00:00Z'), limit: 20 });
  });

  it('writes field paths as the contract does', () => {
    expect(fieldPath(['backups', 1, 'number'])).toBe('backups[1].number');
    expect(fieldPath(['primary'])).toBe('primary');
    expect(fieldPath([])).toBe('');
    expect(withoutNulls({ a: null, b: [null, { c: null, d: 1 }] })).toEqual({ b: [null, { d: 1 }] });
  });
});
