import { REDACTED, scrubFields, scrubText } from './log-scrubber';

describe('scrubText', () => {
  it.each([
    ['send to +12015550123 failed', 'send to +1 ••• ••• ••23 failed'],
    ['Body=Your code is 123456&To=%2B12015550123', `Body=Your code is ${REDACTED}&To=%2B1 ••• ••• ••23`],
    ['@example.com #654321', `@example.com #${REDACTED}`],
    ['/ops/queues?token=abc123&x=1', `/ops/queues?token=${REDACTED}&x=1`],
    ['/status/0b7c?token=eyJhbGciOi', `/status/0b7c?token=${REDACTED}`],
    ['challenge 0b7c5a8e-1234-4567-89ab-1234567890ab step 0', 'challenge 0b7c5a8e-1234-4567-89ab-1234567890ab step 0'],
    ['2024-05-01T12:00:00.000Z took 1234 ms', '2024-05-01T12:00:00.000Z took 1234 ms'],
  ])('%s', (input, output) => {
    expect(scrubText(input)).toBe(output);
  });
});

describe('scrubFields', () => {
  it('replaces secret fields whole and masks phones in every string, at any depth', () => {
    expect(
      scrubFields({
        code: '123456',
        nested: { body: 'Your code is 123456', to: '+447700900456', list: ['+12015550123', 3], authorization: 'Bearer x' },
        count: 7,
        ok: null,
      }),
    ).toEqual({
      code: REDACTED,
      nested: { body: REDACTED, to: '+44 •••• ••••56', list: ['+1 ••• ••• ••23', 3], authorization: REDACTED },
      count: 7,
      ok: null,
    });
  });

  it('leaves non-plain objects to their serializers', () => {
    const err = new Error('to +12015550123');
    expect(scrubFields({ err }).err).toBe(err);
  });

  it('hands back the record itself when nothing in it needs scrubbing, and a copy when something does', () => {
    const clean = { method: 'POST', res: { statusCode: 201 }, list: ['a', 1], responseTimeMs: 3 };
    expect(scrubFields(clean)).toBe(clean);
    const dirty = { ok: { statusCode: 201 }, nested: { to: '+12015550123' }, list: ['x', '+447700900456'] };
    const scrubbed = scrubFields(dirty);
    expect(scrubbed).toEqual({ ok: { statusCode: 201 }, nested: { to: '+1 ••• ••• ••23' }, list: ['x', '+44 •••• ••••56'] });
    expect(scrubbed.ok).toBe(dirty.ok); // untouched parts are shared
    expect(dirty).toEqual({ ok: { statusCode: 201 }, nested: { to: '+12015550123' }, list: ['x', '+447700900456'] });
  });
});
