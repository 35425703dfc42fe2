import type { MinuteBucket } from '@redial/contracts';
import { OUTCOME_COUNTERS, OUTCOME_TEXTS, type OutcomeCounter } from '@redial/contracts/ops-counters';

/** Sent as bars; the other counters as lines (colour and dash pattern per counter, so no series relies on colour). */
const LINES = OUTCOME_COUNTERS.filter((c) => c !== 'sent');

const W = 600;
const H = 160;

function niceMax(n: number): number {
  if (n <= 5) return 5;
  const step = 10 ** Math.floor(Math.log10(n));
  return Math.ceil(n / step) * step;
}

const hhmm = (iso: string | undefined): string =>
  iso ? new Date(iso).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' }) : '';

/**
 * The operators' counters per minute over the window the API sends (`perMinute`); the legend's numbers are the
 * window's totals — the same figures as the tiles, the country table and /metrics.
 */
export function MinuteChart({ buckets, window }: { buckets: MinuteBucket[]; window: string }) {
  const n = Math.max(buckets.length, 1);
  const max = niceMax(Math.max(0, ...buckets.flatMap((b) => OUTCOME_COUNTERS.map((c) => b[c]))));
  const x = (i: number): number => ((i + 0.5) / n) * W;
  const y = (v: number): number => H - (v / max) * H;
  const barWidth = Math.max(1, (W / n) * 0.6);
  const totals = Object.fromEntries(OUTCOME_COUNTERS.map((c) => [c, buckets.reduce((sum, b) => sum + b[c], 0)])) as Record<OutcomeCounter, number>;
  const summary = `Per minute, ${window}: ${OUTCOME_COUNTERS.map((c) => `${totals[c]} ${OUTCOME_TEXTS[c].label.toLowerCase()}`).join(', ')}.`;

  return (
    <figure className="chart" data-testid="minute-chart">
      <ul className="chart__legend" aria-label={`Totals, ${window}`}>
        {OUTCOME_COUNTERS.map((c) => (
          <li key={c} title={OUTCOME_TEXTS[c].counts}>
            <svg className={`chart__swatch series--${c}`} viewBox="0 0 16 8" aria-hidden="true" focusable="false">
              <line x1="0" x2="16" y1="4" y2="4" className={c === 'sent' ? 'chart__swatch-bar' : 'chart__line'} />
            </svg>
            {OUTCOME_TEXTS[c].label}{' '}
            <span className="num chart__total" data-testid={`legend-${c}`} data-value={totals[c]}>
              {totals[c]}
            </span>
          </li>
        ))}
      </ul>
      <div className="chart__plot">
        <span className="chart__ymax num" aria-hidden="true">
          {max}
        </span>
        <svg viewBox={`0 0 ${W} ${H}`} preserveAspectRatio="none" role="img" aria-label={summary}>
          <line x1="0" x2={W} y1={H / 2} y2={H / 2} className="chart__grid" vectorEffect="non-scaling-stroke" />
          <line x1="0" x2={W} y1={H - 0.5} y2={H - 0.5} className="chart__axis" vectorEffect="non-scaling-stroke" />
          {buckets.map((b, i) => (
            <rect key={b.minute} className="chart__bar" x={x(i) - barWidth / 2} y={y(b.sent)} width={barWidth} height={H - y(b.sent)} />
          ))}
          {LINES.map((c) => (
            <polyline
              key={c}
              className={`chart__line series--${c}`}
              points={buckets.map((b, i) => `${x(i)},${y(b[c])}`).join(' ')}
              vectorEffect="non-scaling-stroke"
            />
          ))}
        </svg>
      </div>
      <figcaption className="chart__axis-labels muted num" aria-hidden="true">
        <span>{hhmm(buckets[0]?.minute)}</span>
        <span>{buckets.length ? 'now' : 'no data yet'}</span>
      </figcaption>
    </figure>
  );
}
