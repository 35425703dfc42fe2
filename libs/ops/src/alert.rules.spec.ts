import type { AlertThresholds } from '@redial/config';
import { AlertFigures, firingAlerts } from './alert.rules';

const t: AlertThresholds = {
  intervalMs: 5000,
  failureRate: 0.5,
  failureRateMinSamples: 10,
  queueDepth: 100,
  oldestWaitingSec: 60,
  fraudReports: 3,
  fraudWindowMin: 15,
  configurationWindowMin: 15,
};
const quiet: AlertFigures = { channels: [], queues: [], fraudReports: 0, configuration: [] };
const keys = (f: Partial<AlertFigures>) => firingAlerts({ ...quiet, ...f }, t).map((a) => `${a.kind}/${a.key}`);

describe('firingAlerts', () => {
  it.each<[string, Partial<AlertFigures>, string[]]>([
    ['nothing happening', {}, []],
    ['failure rate at the threshold', { channels: [{ channel: 'sms', failed: 5, succeeded: 5 }] }, ['failure_rate/sms']],
    ['failure rate below the threshold', { channels: [{ channel: 'sms', failed: 4, succeeded: 6 }] }, []],
    ['too few samples', { channels: [{ channel: 'call', failed: 9, succeeded: 0 }] }, []],
    ['per channel', { channels: [{ channel: 'sms', failed: 1, succeeded: 20 }, { channel: 'call', failed: 20, succeeded: 1 }] }, ['failure_rate/call']],
    ['a deep queue', { queues: [{ queue: 'texts', depth: 100, oldestWaitingMs: 0 }] }, ['queue_depth/texts']],
    ['an old waiting job', { queues: [{ queue: 'calls', depth: 1, oldestWaitingMs: 60_000 }] }, ['oldest_waiting/calls']],
    ['a young waiting job', { queues: [{ queue: 'calls', depth: 1, oldestWaitingMs: 59_999 }] }, []],
    ['fraud reports at the threshold', { fraudReports: 3 }, ['fraud_report/all']],
    ['fraud reports below the threshold', { fraudReports: 2 }, []],
    ['a configuration error', { configuration: [{ reason: 'geo_blocked', count: 1 }, { reason: 'auth_failed', count: 0 }] }, ['provider_configuration/geo_blocked']],
    ['no suspended prefix', { suspendedPrefixes: [] }, []],
    ['suspended prefixes: one alert', { suspendedPrefixes: [{ prefix: '44-770', sent: 30, verified: 1 }, { prefix: '234-803', sent: 50, verified: 0 }] }, ['destination_suspended/sms']],
    ['spend under the cap', { spend: { todayUsd: 99.9, capUsd: 100, refused: 0 } }, []],
    ['spend at the cap', { spend: { todayUsd: 100, capUsd: 100, refused: 0 } }, ['spend_cap/daily']],
    ['a send the cap refused', { spend: { todayUsd: 99.995, capUsd: 100, refused: 1 } }, ['spend_cap/daily']],
    ['no cap (0)', { spend: { todayUsd: 5000, capUsd: 0, refused: 0 } }, []],
  ])('%s', (_name, figures, expected) => {
    expect(keys(figures)).toEqual(expected);
  });

  it('says what the spend cap refused and how to lift it', () => {
    const [a] = firingAlerts({ ...quiet, spend: { todayUsd: 0.0079, capUsd: 0.01, refused: 2 } }, t);
    expect(a).toMatchObject({ kind: 'spend_cap', key: 'daily', severity: 'critical', value: 0.0079, threshold: 0.01 });
    expect(a.message).toBe('The daily spend cap of $0.01 is reached ($0.01 spent today, UTC): 2 sends and new challenges refused until midnight UTC. Raise SPEND_CAP_DAILY_USD if this traffic is genuine.');
  });

  it('names the suspended prefixes and their figures', () => {
    const [a] = firingAlerts({ ...quiet, suspendedPrefixes: [{ prefix: '44-770', sent: 30, verified: 1 }] }, t);
    expect(a).toMatchObject({ kind: 'destination_suspended', severity: 'critical', value: 1, threshold: 1 });
    expect(a.message).toBe('Possible SMS pumping: texts to 1 number range are suspended: +44 770… (1 of 30 codes entered). Release them on the dashboard once checked.');
  });

  it('says what is wrong, with value and threshold', () => {
    const [a] = firingAlerts({ ...quiet, channels: [{ channel: 'sms', failed: 6, succeeded: 4 }] }, t);
    expect(a).toEqual({
      kind: 'failure_rate',
      key: 'sms',
      severity: 'critical',
      value: 0.6,
      threshold: 0.5,
      message: 'Texts: 6 failed and 4 delivered in the last 5 minutes (60% failed, threshold 50%).',
    });
  });
});
