import type { AppConfig } from '@redial/config';
import { strictFake } from '../../../test/support/strict-fake';
import { PumpingReleaseRepository } from './pumping-release.repository';
import { PumpingGuard } from './pumping.guard';
import { PumpingStore } from './pumping.store';
import type { SendContext } from './send-guard';

const config = { pumping: { minSends: 5, conversionFloor: 0.5, windowMin: 60, prefixDigits: 3 } } as AppConfig;
const sms = (e164: string): SendContext => ({ challengeId: 'c', userId: 'u', purpose: 'sign_in', attemptId: 'a', stepIndex: 0, attemptNo: 1, method: 'sms', e164, country: 'GB' });
const noReleases = strictFake<PumpingReleaseRepository>('releases', {});

describe('PumpingGuard', () => {
  it('refuses a text to a suspended prefix, and never asks about calls', async () => {
    const asked: string[][] = [];
    const store = strictFake<PumpingStore>('store', {
      suspended: async (p: string[]) => (asked.push(p), p.map((x) => x === '44-740')),
      count: async () => ({ sent: 1, verified: 0 }),
    });
    const guard = new PumpingGuard(config, store, noReleases);
    expect(await guard.check(sms('+447400123456'))).toMatchObject({ reason: 'destination_suspended' });
    expect(await guard.check(sms('+447700900123'))).toBeNull();
    expect(await guard.check({ ...sms('+447400123456'), method: 'call' })).toBeNull();
    expect(asked).toEqual([['44-740'], ['44-770']]);
  });

  it.each([
    { name: 'below the sample', figures: { sent: 4, verified: 0 }, suspends: false, refused: false },
    { name: 'at the sample, under the floor: the text reaching it goes out', figures: { sent: 5, verified: 2 }, suspends: true, refused: false },
    { name: 'past the sample, under the floor (a text in flight)', figures: { sent: 6, verified: 2 }, suspends: true, refused: true },
    { name: 'at the floor', figures: { sent: 6, verified: 3 }, suspends: false, refused: false },
  ])('the check counts the text before it is sent, suspends when the rule says so, and holds texts past the sample: $name', async ({ figures, suspends, refused }) => {
    const suspended: unknown[] = [];
    const store = strictFake<PumpingStore>('store', {
      suspended: async (p: string[]) => p.map(() => false),
      count: async (prefix: string, what: 's' | 'v') => (expect([prefix, what]).toEqual(['44-740', 's']), figures),
      suspend: async (prefix: string, f: { sent: number; verified: number }) => (suspended.push([prefix, f]), true),
    });
    const verdict = await new PumpingGuard(config, store, noReleases).check(sms('+447400123456'));
    expect(suspended).toEqual(suspends ? [['44-740', figures]] : []);
    expect(verdict).toEqual(refused ? expect.objectContaining({ reason: 'destination_suspended' }) : null);
  });

  it('a text already suspended is refused without being counted', async () => {
    const store = strictFake<PumpingStore>('store', { suspended: async (p: string[]) => p.map(() => true) });
    expect(await new PumpingGuard(config, store, noReleases).check(sms('+447400123456'))).toMatchObject({ reason: 'destination_suspended' });
  });

  it('a Redis failure at the check is thrown: the dispatch job is retried and nothing is sent meanwhile', async () => {
    const store = strictFake<PumpingStore>('store', { suspended: async () => Promise.reject(new Error('redis down')) });
    await expect(new PumpingGuard(config, store, noReleases).check(sms('+447400123456'))).rejects.toThrow('redis down');
  });

  it('is off with PUMPING_MIN_SENDS=0: no Redis at all', async () => {
    const off = new PumpingGuard({ pumping: { ...config.pumping, minSends: 0 } } as AppConfig, strictFake<PumpingStore>('store', {}), noReleases);
    expect(await off.check(sms('+447400123456'))).toBeNull();
    await off.recordVerified('+447400123456');
    await off.refuseIfUnreachable([{ e164: '+447400123456', method: 'sms' }]);
  });

  it.each([
    { name: 'every step a text to a suspended prefix', phones: [['+447400123456', 'sms'], ['+447400123457', 'sms']], refused: true },
    { name: 'one text outside it', phones: [['+447400123456', 'sms'], ['+447700900123', 'sms']], refused: false },
  ])('refuses a challenge at creation when $name', async ({ phones, refused }) => {
    const store = strictFake<PumpingStore>('store', { suspended: async (p: string[]) => p.map((x) => x === '44-740') });
    const attempt = new PumpingGuard(config, store, noReleases).refuseIfUnreachable(phones.map(([e164, method]) => ({ e164, method })));
    if (refused) await expect(attempt).rejects.toMatchObject({ status: 409, code: 'destination_suspended' });
    else await expect(attempt).resolves.toBeUndefined();
  });

  it('lets a challenge with a call go ahead without asking Redis', async () => {
    const guard = new PumpingGuard(config, strictFake<PumpingStore>('store', {}), noReleases);
    await guard.refuseIfUnreachable([{ e164: '+447400123456', method: 'sms' }, { e164: '+12015550100', method: 'call' }]);
  });
});
