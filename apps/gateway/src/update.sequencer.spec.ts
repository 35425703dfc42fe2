import type { ChallengeUpdated, ChallengeView } from '@redial/contracts';
import { SequencerStep, UpdateSequencer } from './update.sequencer';

/** The challenge as of `seq` (all the sequencer reads of it). */
const view = (seq: number) => ({ seq }) as ChallengeView;
/** An update as published: its `at` says so, and it carries the challenge as of its own seq. */
const published = (seq: number): ChallengeUpdated => ({ seq, type: 'attempt.queued', at: `published ${seq}`, challenge: view(seq) });

type Input = ['snapshot', number] | ['update', number] | ['resync'] | ['filled', number[], number?] | ['failed'];

/** Steps in a line each: `emit 4` (as published), `emit 4 read, as of 6` (from PostgreSQL), `fill 4-5`, `catch-up 4`, `close`. */
function describeStep(step: SequencerStep): string {
  if (step.do === 'emit') {
    const u = step.update;
    return u.at.startsWith('published') ? `emit ${u.seq}` : `emit ${u.seq} read, as of ${u.challenge.seq}`;
  }
  if (step.do === 'fill') return `fill ${step.from}-${step.to - 1}`;
  if (step.do === 'catch-up') return `catch-up ${step.from}`;
  return 'close';
}

function run(inputs: Input[]): string[] {
  const sequencer = new UpdateSequencer();
  return inputs.flatMap((input) => {
    switch (input[0]) {
      case 'snapshot':
        return sequencer.snapshot(input[1]);
      case 'update':
        return sequencer.update(published(input[1]));
      case 'resync':
        return sequencer.resync();
      case 'filled':
        return sequencer.filled(
          input[1].map((seq) => ({ seq, type: 'attempt.sent', at: `read ${seq}` })),
          input[2] === undefined ? undefined : view(input[2]),
        );
      case 'failed':
        return sequencer.failed('read failed');
    }
  }).map(describeStep);
}

describe('UpdateSequencer', () => {
  it.each<[string, Input[], string[]]>([
    ['emits updates that arrive in order', [['snapshot', 3], ['update', 4], ['update', 5]], ['emit 4', 'emit 5']],
    ['holds updates until the snapshot, then drops what it covered', [['update', 4], ['update', 5], ['snapshot', 4]], ['emit 5']],
    ['drops an update the snapshot covered, and a repeated one', [['snapshot', 3], ['update', 3], ['update', 4], ['update', 4], ['update', 2]], ['emit 4']],
    [
      'fills the gap between the snapshot and a held update at once',
      [['update', 6], ['snapshot', 3], ['filled', [4, 5]]],
      ['fill 4-5', 'emit 4 read, as of 6', 'emit 5 read, as of 6', 'emit 6'],
    ],
    [
      'N+2 before N+1: fills N+1 from the database, and drops the published N+1 that comes late',
      [['snapshot', 3], ['update', 5], ['update', 4], ['filled', [4]], ['update', 4]],
      ['fill 4-4', 'emit 4 read, as of 5', 'emit 5'],
    ],
    [
      'holds what arrives while a fill is in flight, and drains it in order',
      [['snapshot', 3], ['update', 6], ['update', 8], ['update', 7], ['filled', [4, 5]]],
      ['fill 4-5', 'emit 4 read, as of 6', 'emit 5 read, as of 6', 'emit 6', 'emit 7', 'emit 8'],
    ],
    [
      'fills a second gap the held updates leave',
      [['snapshot', 3], ['update', 5], ['update', 8], ['filled', [4]], ['filled', [6, 7]]],
      ['fill 4-4', 'emit 4 read, as of 5', 'emit 5', 'fill 6-7', 'emit 6 read, as of 8', 'emit 7 read, as of 8', 'emit 8'],
    ],
    ['closes when events are missing from the database, and then ignores everything', [['snapshot', 3], ['update', 6], ['filled', [4]], ['update', 7], ['resync']], ['fill 4-5', 'close']],
    ['closes when the read fails, and ignores its late answer', [['snapshot', 3], ['update', 5], ['failed'], ['filled', [4]]], ['fill 4-4', 'close']],
    ['closes when the snapshot cannot be read', [['update', 4], ['failed']], ['close']],
    [
      'after a lost subscription, catches up from the database to the challenge as it is',
      [['snapshot', 3], ['resync'], ['filled', [4, 5], 5], ['update', 6]],
      ['catch-up 4', 'emit 4 read, as of 5', 'emit 5 read, as of 5', 'emit 6'],
    ],
    ['a catch-up that finds nothing new emits nothing', [['snapshot', 3], ['resync'], ['filled', [], 3]], ['catch-up 4']],
    ['a resync before the snapshot catches up after it', [['resync'], ['snapshot', 3], ['filled', [4], 4]], ['catch-up 4', 'emit 4 read, as of 4']],
    [
      'a resync during a fill catches up after it',
      [['snapshot', 3], ['update', 5], ['resync'], ['filled', [4]], ['filled', [6], 6]],
      ['fill 4-4', 'emit 4 read, as of 5', 'emit 5', 'catch-up 6', 'emit 6 read, as of 6'],
    ],
    [
      'updates that arrive during a catch-up are dropped when it covered them, emitted when newer',
      [['snapshot', 3], ['resync'], ['update', 5], ['update', 6], ['filled', [4, 5], 5]],
      ['catch-up 4', 'emit 4 read, as of 5', 'emit 5 read, as of 5', 'emit 6'],
    ],
    ['closes when a catch-up finds fewer events than the challenge has', [['snapshot', 3], ['resync'], ['filled', [4], 6]], ['catch-up 4', 'close']],
    ['closes when a catch-up finds no challenge', [['snapshot', 3], ['resync'], ['filled', []]], ['catch-up 4', 'close']],
  ])('%s', (_name, inputs, expected) => {
    expect(run(inputs)).toEqual(expected);
  });

  it('gives read events the type and time of their row, and the challenge of the first held update', () => {
    const sequencer = new UpdateSequencer();
    sequencer.snapshot(1);
    expect(sequencer.update(published(3))).toEqual([{ do: 'fill', from: 2, to: 3 }]);
    expect(sequencer.filled([{ seq: 2, type: 'attempt.sent', at: '2026-01-01T00:00:00.000Z' }])).toEqual([
      { do: 'emit', update: { seq: 2, type: 'attempt.sent', at: '2026-01-01T00:00:00.000Z', challenge: view(3) } },
      { do: 'emit', update: published(3) },
    ]);
  });
});
