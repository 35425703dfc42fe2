import type { OpsStats } from '@redial/contracts';
import { countryName } from '../lib/countries';

type Spend = OpsStats['spend'];

/** Dollars: cents for ordinary figures, more digits below a cent (a single text costs fractions of one). */
export function formatUsd(usd: number | null | undefined): string {
  if (usd === null || usd === undefined) return '—';
  if (usd !== 0 && Math.abs(usd) < 0.01) return `$${usd.toFixed(4)}`;
  return `$${usd.toFixed(2)}`;
}

/**
 * Estimated spend this UTC day and hour (the price table × segments or started minutes, from every worker),
 * by channel and by country, against the daily cap. Fixed rows, so live updates never move the layout.
 */
export function SpendPanel({ spend }: { spend: Spend | undefined }) {
  const countries = (spend?.today.byCountry ?? []).slice(0, 5);
  const cap = spend?.capDailyUsd ?? null;
  const share = cap && spend ? Math.min(1, spend.today.totalUsd / cap) : 0;
  return (
    <div className="tiles" data-testid="spend">
      <section className="tile" aria-label="Spend today" data-testid="tile-spend-today">
        <h3 className="tile__title">Spend today (UTC)</h3>
        <div className="figures">
          <div className="figure">
            <span className="figure__value num" data-testid="spend-today">{formatUsd(spend?.today.totalUsd)}</span>
            <span className="figure__label">{cap ? `of ${formatUsd(cap)} cap (${Math.round(share * 100)}%)` : 'no daily cap'}</span>
          </div>
          <div className="figure">
            <span className="figure__value num" data-testid="spend-today-sms">{formatUsd(spend?.today.byChannel.sms)}</span>
            <span className="figure__label">texts</span>
          </div>
          <div className="figure">
            <span className="figure__value num" data-testid="spend-today-call">{formatUsd(spend?.today.byChannel.call)}</span>
            <span className="figure__label">calls</span>
          </div>
        </div>
        {spend?.capReached ? (
          <p className="error" role="status" data-testid="spend-cap-reached">
            The daily cap is reached: {spend.refusedToday} send{spend.refusedToday === 1 ? '' : 's'} and new challenges refused until midnight UTC.
          </p>
        ) : null}
      </section>
      <section className="tile" aria-label="Spend this hour" data-testid="tile-spend-hour">
        <h3 className="tile__title">Spend this hour (UTC)</h3>
        <div className="figures">
          <div className="figure">
            <span className="figure__value num" data-testid="spend-hour">{formatUsd(spend?.thisHour.totalUsd)}</span>
            <span className="figure__label">total</span>
          </div>
          <div className="figure">
            <span className="figure__value num">{formatUsd(spend?.thisHour.byChannel.sms)}</span>
            <span className="figure__label">texts</span>
          </div>
          <div className="figure">
            <span className="figure__value num">{formatUsd(spend?.thisHour.byChannel.call)}</span>
            <span className="figure__label">calls</span>
          </div>
        </div>
      </section>
      <section className="tile tile--wide" aria-label="Spend today by country" data-testid="tile-spend-countries">
        <h3 className="tile__title">Spend today by country (texts · calls)</h3>
        <ol className="rows">
          {Array.from({ length: 5 }, (_, i) => countries[i]).map((c, i) => (
            <li key={i} className="rows__row">
              <span className="rows__label">{c ? countryName(c.country) : i === 0 ? 'Nothing spent yet' : ''}</span>
              <span className="num">{c ? `${formatUsd(c.totalUsd)} (${formatUsd(c.sms)} · ${formatUsd(c.call)})` : ''}</span>
            </li>
          ))}
        </ol>
      </section>
    </div>
  );
}
