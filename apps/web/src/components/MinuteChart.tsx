import type { MinuteBucket } from '@redial/contracts';

const SERIES = [
  { key: 'sent', label: 'Sent', className: 'series--sent' },
  { key: 'delivered', label: 'Delivered', className: 'series--delivered' },
  { key: 'failed', label: 'Failed', className: 'series--failed' },
  { key: 'failedOver', label: 'Failed over', className: 'series--failedover' },
] as const;

const W = 600;
const H = 160;

function niceMax(n: number): number {
  if (n <= 5) return 5;
  const step = 10 ** Math.floor(Math.log10(n));
  return Math.ceil(n / step) * step;
}

const hhmm = (iso: string | undefined): string =>
  iso ? new Date(iso).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' }) : '';

/** Sent as bars, delivered / failed / failed over as lines; per minute over the last 30 minutes. */
export function MinuteChart({ buckets }: { buckets: MinuteBucket[] }) {
  const n = Math.max(buckets.length, 1);
  const max = niceMax(Math.max(0, ...buckets.flatMap((b) => [b.sent, b.delivered, b.failed, b.failedOver])));
  const x = (i: number): number => ((i + 0.5) / n) * W;
  const y = (v: number): number => H - (v / max) * H;
  const barWidth = Math.max(1, (W / n) * 0.6);
  const totals = Object.fromEntries(SERIES.map((s) => [s.key, buckets.reduce((sum, b) => sum + b[s.key], 0)]));
  const summary = `Per minute, last ${buckets.length} minutes: ${SERIES.map((s) => `${totals[s.key]} ${s.label.toLowerCase()}`).join(', ')}.`;

  return (
    <figure className="chart" data-testid="minute-chart">
      <ul className="chart__legend">
        {SERIES.map((s) => (
          <li key={s.key} className={s.className}>
            <span className="chart__swatch" aria-hidden="true" />
            {s.label} <span className="num muted">{totals[s.key]}</span>
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
            <rect
              key={b.minute}
              className="chart__bar"
              x={x(i) - barWidth / 2}
              y={y(b.sent)}
              width={barWidth}
              height={H - y(b.sent)}
            />
          ))}
          {SERIES.slice(1).map((s) => (
            <polyline
              key={s.key}
              className={`chart__line ${s.className}`}
              points={buckets.map((b, i) => `${x(i)},${y(b[s.key])}`).join(' ')}
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
