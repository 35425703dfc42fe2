import { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { AppConfig } from '@redial/config';
import { strictFake } from '../../../test/support/strict-fake';
import type { GuardScripts } from './guard.scripts';
import { PumpingReleaseRepository } from './pumping-release.repository';
import { PumpingGuard } from './pumping.guard';
import { EVERY_PREFIX_SUSPENDED, PUMPING_SEND_CHECK, PumpingStore } from './pumping.store';
import type { SendContext } from './send-guard';

/**
 * The guard's decisions, without Redis: what it asks of its script sections and what it makes of their replies.
 * The sections themselves run on a real Redis in test/guard-scripts.int-spec.ts.
 */
const config = { queuePrefix: 'p', pumping: { minSends: 5, conversionFloor: 0.5, windowMin: 60, prefixDigits: 3 } } as AppConfig;
const sms = (e164: string): SendContext => ({ challengeId: 'c', userId: 'u', purpose: 'sign_in', attemptId: 'a', stepIndex: 0, attemptNo: 1, method: 'sms', e164, country: 'GB' });
const noReleases = strictFake<PumpingReleaseRepository>('releases', {});
const noScripts = strictFake<GuardScripts>('scripts', {});
const store = new PumpingStore(config, strictFake<Redis>('redis', { defineCommand: () => undefined }));
const guard = new PumpingGuard(config, store, noReleases, noScripts);

let warnings: string[] = [];
beforeEach(() => {
  warnings = [];
  jest.spyOn(Logger.prototype, 'warn').mockImplementation((message: unknown) => void warnings.push(String(message)));
});
afterEach(() => jest.restoreAllMocks());

describe('PumpingGuard before a send', () => {
  it('asks its section for a text: the prefix, counted once for the attempt, with the thresholds', () => {
    const ask = guard.check(sms('+447400123456'));
    expect(ask).toMatchObject({ lua: PUMPING_SEND_CHECK, keys: ['p-pumping-suspended', 'p-pumping-window-44-740', 'p-pumping-counted-a'] });
    expect(ask?.args.slice(0, 1)).toEqual(['44-740']);
    expect(ask?.args.slice(2, 5)).toEqual([60, 5, 0.5]);
  });

  it('never asks about calls, nor about a number with no known prefix', () => {
    expect(guard.check({ ...sms('+447400123456'), method: 'call' })).toBeNull();
    expect(guard.check(sms('+999'))).toBeNull();
  });

  it.each([
    { name: 'already suspended: refused, not counted', reply: [1, 0, 0, 0], refused: true, logged: false },
    { name: 'below the sample', reply: [0, 4, 0, 0], refused: false, logged: false },
    { name: 'at the sample, under the floor: the text reaching it goes out and suspends the prefix', reply: [0, 5, 2, 1], refused: false, logged: true },
    { name: 'past the sample, under the floor (a text in flight)', reply: [1, 6, 2, 1], refused: true, logged: true },
    { name: 'past the sample, suspended meanwhile by another worker', reply: [1, 7, 2, 0], refused: true, logged: false },
  ])('reads its reply: $name', ({ reply, refused, logged }) => {
    const verdict = guard.check(sms('+447400123456'))?.verdict(reply);
    expect(verdict).toEqual(refused ? { reason: 'destination_suspended', detail: 'texts to +44 740… are suspended (pumping guard)' } : null);
    expect(warnings).toEqual(logged ? [`suspended texts to +44 740…: ${reply[2]} of ${reply[1]} codes verified in 60 min`] : []);
  });

  it('is off with PUMPING_MIN_SENDS=0: no Redis at all', async () => {
    const off = new PumpingGuard({ ...config, pumping: { ...config.pumping, minSends: 0 } } as AppConfig, strictFake<PumpingStore>('store', {}), noReleases, noScripts);
    expect(off.check(sms('+447400123456'))).toBeNull();
    await off.recordVerified('+447400123456');
    await off.refuseIfUnreachable([{ e164: '+447400123456', method: 'sms' }]);
  });
});

describe('PumpingGuard at creation', () => {
  it('asks whether every step is a text to a suspended prefix, and refuses with 409 naming the field when so', () => {
    const ask = guard.unreachable([{ e164: '+447400123456', method: 'sms' }, { e164: '+447700900123', method: 'sms' }], 'index');
    expect(ask).toMatchObject({ lua: EVERY_PREFIX_SUSPENDED, keys: ['p-pumping-suspended'], args: ['44-740', '44-770'] });
    expect(ask?.verdict([0])).toBeNull();
    expect(ask?.verdict([1])).toMatchObject({ status: 409, code: 'destination_suspended', extra: { field: 'index' } });
  });

  it.each([
    { name: 'a call among the steps', phones: [['+447400123456', 'sms'], ['+12015550100', 'call']] },
    { name: 'a text with no known prefix', phones: [['+447400123456', 'sms'], ['+999', 'sms']] },
    { name: 'no steps', phones: [] },
  ])('lets the challenge go ahead without asking Redis: $name', async ({ phones }) => {
    const steps = phones.map(([e164, method]) => ({ e164, method }));
    expect(guard.unreachable(steps)).toBeNull();
    await guard.refuseIfUnreachable(steps);
  });
});
