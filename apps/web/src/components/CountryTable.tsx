import type { OpsStats } from '@redial/contracts';
import { OUTCOME_COUNTERS, OUTCOME_TEXTS } from '@redial/contracts/ops-counters';
import { countryName } from '../lib/countries';
import { formatCount } from '../lib/format';

/**
 * The operators' counters by the destination's country, every country of the window, and their totals (the
 * same numbers as the Outcomes tile and the chart's legend).
 */
export function CountryTable({ stats, window }: { stats: OpsStats | null; window: string }) {
  const rows = stats?.byCountry ?? [];
  return (
    // Scrolls when there are many countries or the screen is narrow: focusable, so a keyboard can scroll it.
    <div className="table-scroll country-table" tabIndex={0} role="region" aria-label={`Outcomes by country, ${window}`}>
      <table className="data-table" data-testid="country-table">
        <caption className="sr-only">Outcomes by destination country, {window}</caption>
        <thead>
          <tr>
            <th scope="col">Country</th>
            {OUTCOME_COUNTERS.map((c) => (
              <th scope="col" key={c} className="num" title={OUTCOME_TEXTS[c].counts}>
                {OUTCOME_TEXTS[c].label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.length === 0 && (
            <tr>
              <td colSpan={OUTCOME_COUNTERS.length + 1} className="muted" data-testid="country-empty">
                Nothing sent in this window.
              </td>
            </tr>
          )}
          {rows.map((r) => (
            <tr key={r.country} data-testid="country-row" data-country={r.country}>
              <th scope="row">{r.country === 'unknown' ? 'Unknown' : countryName(r.country)}</th>
              {OUTCOME_COUNTERS.map((c) => (
                <td key={c} className="num" data-counter={c} data-value={r[c]}>
                  {formatCount(r[c])}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
        {rows.length > 1 && stats && (
          <tfoot>
            <tr>
              <th scope="row">All countries</th>
              {OUTCOME_COUNTERS.map((c) => (
                <td key={c} className="num">
                  {formatCount(stats.outcomes.counts[c])}
                </td>
              ))}
            </tr>
          </tfoot>
        )}
      </table>
    </div>
  );
}
