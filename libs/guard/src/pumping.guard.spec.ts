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
    const store = strictFake<PumpingStore>('store', { suspended: async (p: string[]) => (asked.push(p), p.map((x) => x === '44-740')) });
    const guard = new PumpingGuard(config, store, noReleases);
    expect(await guard.check(sms('+447400123456'))).toMatchObject({ reason: 'destination_suspended' });
    expect(await guard.check(sms('+447700900123'))).toBeNull();
    expect(await guard.check({ ...sms('+447400123456'), method: 'call' })).toBeNull();
    expect(asked).toEqual([['44-740'], ['44-770']]);
  });

  it.each([
    { name: 'below the sample', figures: { sent: 4, verified: 0 }, suspends: false },
    { name: 'at the sample, under the floor', figures: { sent: 5, verified: 2 }, suspends: true },
    { name: 'at the floor', figures: { sent: 6, verified: 3 }, suspends: false },
  ])('recordSent counts the text and suspends when the rule says so: $name', async ({ figures, suspends }) => {
    const suspended: unknown[] = [];
    const store = strictFake<PumpingStore>('store', {
      count: async (prefix: string, what: 's' | 'v') => (expect([prefix, what]).toEqual(['44-740', 's']), figures),
      suspend: async (prefix: string, f: { sent: number; verified: number }) => (suspended.push([prefix, f]), true),
    });
    await new PumpingGuard(config, store, noReleases).recordSent(sms('+447400123456'));
    expect(suspended).toEqual(suspends ? [['44-740', figures]] : []);
  });

  it('recordSent never throws (the text is already out)', async () => {
    const store = strictFake<PumpingStore>('store', { count: async () => Promise.reject(new Error('redis down')) });
    await expect(new PumpingGuard(config, store, noReleases).recordSent(sms('+447400123456'))).resolves.toBeUndefined();
  });

  it('is off with PUMPING_MIN_SENDS=0: no Redis at all', async () => {
    const off = new PumpingGuard({ pumping: { ...config.pumping, minSends: 0 } } as AppConfig, strictFake<PumpingStore>('store', {}), noReleases);
    expect(await off.check(sms('+447400123456'))).toBeNull();
    await off.recordSent(sms('+447400123456'));
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
