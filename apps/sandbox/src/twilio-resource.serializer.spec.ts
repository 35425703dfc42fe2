import { countSegments, rawDlrDoneDate } from './twilio-resource.serializer';

describe('countSegments', () => {
  it.each([
    ['', 1],
    ['Your Redial code is 123456', 1],
    ['x'.repeat(70), 1],
    ['x'.repeat(160), 1],
    ['x'.repeat(161), 2],
    ['x'.repeat(306), 2],
    ['x'.repeat(307), 3],
    ['é'.repeat(160), 1], // GSM-7 has é
    ['ж'.repeat(70), 1],
    ['ж'.repeat(71), 2],
    ['ж'.repeat(134), 2],
    ['ж'.repeat(135), 3],
    ['😀'.repeat(35), 1], // 70 UTF-16 units, 35 characters
    ['😀'.repeat(70), 1], // 140 units, 70 characters: UCS-2 counts characters
    ['😀'.repeat(71), 2],
  ])('%j → %p', (body, segments) => expect(countSegments(body)).toBe(segments));
});

describe('rawDlrDoneDate', () => {
  it('is YYMMDDhhmm in UTC, and follows the minute', () => {
    expect(rawDlrDoneDate(new Date('2026-11-30T23:59:00.000Z'))).toBe('2611302359');
    expect(rawDlrDoneDate(new Date('2026-11-30T23:59:59.999Z'))).toBe('2611302359');
    expect(rawDlrDoneDate(new Date('2026-12-01T00:00:00.000Z'))).toBe('2612010000');
    expect(rawDlrDoneDate(new Date('2026-11-30T23:59:30.000Z'))).toBe('2611302359');
  });
});
