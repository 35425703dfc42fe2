import type { OpsStats } from '@redial/contracts';
import { formatCount, formatDuration } from '../lib/format';

const QUEUES = ['calls', 'texts', 'timers'];
const STATES = ['waiting', 'active', 'delayed', 'completed', 'failed'] as const;
const QUEUE_LABEL: Record<string, string> = { calls: 'Calls', texts: 'Texts', timers: 'Timers' };

/** Live job counts per queue and state; every cell keeps its place and width as numbers change. */
export function QueueTable({ stats }: { stats: OpsStats | null }) {
  const names = [...QUEUES, ...Object.keys(stats?.queues ?? {}).filter((q) => !QUEUES.includes(q))];
  return (
    <div className="table-scroll" tabIndex={0} role="region" aria-label="Jobs per queue and state">
      <table className="data-table queue-table" data-testid="queue-table">
        <caption className="sr-only">Jobs per queue and state</caption>
        <thead>
          <tr>
            <th scope="col">Queue</th>
            {STATES.map((s) => (
              <th scope="col" key={s} className="num">
                {s}
              </th>
            ))}
            <th scope="col" className="num" title="how long the oldest job ready to run has waited since it was due">
              oldest waiting (since due)
            </th>
          </tr>
        </thead>
        <tbody>
          {names.map((q) => (
            <tr key={q}>
              <th scope="row">{QUEUE_LABEL[q] ?? q}</th>
              {STATES.map((s) => (
                <td key={s} className={`num cell--${s}`} data-testid={`queue-${q}-${s}`} data-value={stats?.queues[q]?.[s] ?? ''}>
                  {formatCount(stats ? (stats.queues[q]?.[s] ?? 0) : undefined)}
                </td>
              ))}
              <td className="num" data-testid={`queue-${q}-oldest`}>
                {stats ? (stats.oldestWaitingMs[q] ? formatDuration(stats.oldestWaitingMs[q]) : '—') : '—'}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
