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
  ])('%s', (_name, figures, expected) => {
    expect(keys(figures)).toEqual(expected);
  });

  it('says what is wrong, with value and threshold', () => {
    const [a] = firingAlerts({ ...quiet, channels: [{ channel: 'sms', failed: 6, succeeded: 4 }] }, t);
    expect(a).toEqual({
      kind: 'failure_rate',
      key: 'sms',
      severity: 'critical',
      value: 0.6,
      threshold: 0.5,
      message: 'Texts: 6 of 10 delivery attempts failed in the last 5 minutes (60%, threshold 50%).',
    });
  });
});
