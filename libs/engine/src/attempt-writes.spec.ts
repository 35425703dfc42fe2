import { AttemptWrites } from './attempt-writes';

describe('AttemptWrites', () => {
  it('merges the updates a hook asks for, per attempt, later fields winning', () => {
    const writes = new AttemptWrites();
    writes.update('a1', { status: 'sent', statusRank: 3 });
    writes.update('a2', { providerSid: 'SM1' });
    writes.update('a1', { status: 'delivered', statusRank: 5, reason: null });
    expect([...writes.pending]).toEqual([
      ['a1', { status: 'delivered', statusRank: 5, reason: null }],
      ['a2', { providerSid: 'SM1' }],
    ]);
  });

  it('starts empty', () => {
    expect(new AttemptWrites().pending.size).toBe(0);
  });
});
