import { advanceAttempt, AttemptChange, AttemptStatus, isStatusAdvance, rankOf } from './attempt-status';

const NOW = new Date('2026-12-01T10:00:00Z');

describe('advanceAttempt (forward-only attempt status)', () => {
  const rows: Array<[string, AttemptStatus, number, AttemptStatus, { errorCode?: number; answeredBy?: string }, AttemptChange | null]> = [
    ['queued → sent moves on', 'queued', 0, 'sent', {}, { status: 'sent', statusRank: 2 }],
    ['sent → delivered is delivered and finished', 'sent', 2, 'delivered', {}, { status: 'delivered', statusRank: 5, deliveredAt: NOW, finishedAt: NOW }],
    ['queued → delivered skips ahead (an overtaken callback)', 'queued', 0, 'delivered', {}, { status: 'delivered', statusRank: 5, deliveredAt: NOW, finishedAt: NOW }],
    ['delivered → sent (late) changes nothing', 'delivered', 5, 'sent', {}, null],
    ['sent → sent (duplicate) changes nothing', 'sent', 2, 'sent', {}, null],
    ['delivered → undelivered: the first final status wins', 'delivered', 5, 'undelivered', { errorCode: 30003 }, null],
    ['sent → undelivered keeps the error code', 'sent', 2, 'undelivered', { errorCode: 30003 }, { status: 'undelivered', statusRank: 5, errorCode: 30003, finishedAt: NOW }],
    ['ringing → answered is delivered, not finished', 'ringing', 3, 'answered', {}, { status: 'answered', statusRank: 4, deliveredAt: NOW }],
    ['answered → ringing (late) changes nothing', 'answered', 4, 'ringing', {}, null],
    ['answered → completed keeps the AMD answer', 'answered', 4, 'completed', { answeredBy: 'human' }, { status: 'completed', statusRank: 5, answeredBy: 'human', finishedAt: NOW }],
    ['an empty AMD answer is not written', 'sending', 1, 'ringing', { answeredBy: '' }, { status: 'ringing', statusRank: 3 }],
    ['ringing → busy finishes', 'ringing', 3, 'busy', {}, { status: 'busy', statusRank: 5, finishedAt: NOW }],
    ['queued → no_answer finishes', 'queued', 0, 'no_answer', {}, { status: 'no_answer', statusRank: 5, finishedAt: NOW }],
    ['queued → failed finishes', 'queued', 0, 'failed', {}, { status: 'failed', statusRank: 5, finishedAt: NOW }],
    ['ringing → canceled finishes', 'ringing', 3, 'canceled', {}, { status: 'canceled', statusRank: 5, finishedAt: NOW }],
    ['failed → completed: nothing after a final status', 'failed', 5, 'completed', {}, null],
  ];
  it.each(rows)('%s', (_name, _from, statusRank, next, extra, expected) => {
    expect(advanceAttempt({ statusRank }, next, NOW, extra)).toEqual(expected);
  });

  it('ranks: queued < sending < sent < ringing < answered < every final status', () => {
    const order: AttemptStatus[] = ['queued', 'sending', 'sent', 'ringing', 'answered'];
    order.forEach((status, i) => expect(rankOf(status)).toBe(i));
    for (const final of ['delivered', 'completed', 'undelivered', 'failed', 'busy', 'no_answer', 'canceled'] as const) expect(rankOf(final)).toBe(5);
    expect(isStatusAdvance(undefined, 'queued')).toBe(true);
    expect(isStatusAdvance('answered', 'ringing')).toBe(false);
  });
});
