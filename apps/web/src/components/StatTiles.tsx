import type { ReactNode } from 'react';
import type { OpsStats } from '@redial/contracts';
import { countryName } from '../lib/countries';
import { formatCount, formatDuration, reasonText } from '../lib/format';

function Tile({ title, children, wide, testId }: { title: string; children: ReactNode; wide?: boolean; testId?: string }) {
  return (
    <section className={`tile${wide ? ' tile--wide' : ''}`} data-testid={testId} aria-label={title}>
      <h3 className="tile__title">{title}</h3>
      {children}
    </section>
  );
}

function Figure({ label, value, testId }: { label: string; value: string; testId?: string }) {
  return (
    <div className="figure">
      <span className="figure__value num" data-testid={testId}>
        {value}
      </span>
      <span className="figure__label">{label}</span>
    </div>
  );
}

/** Fixed-size tiles: each always shows the same rows, so live updates never move the layout. */
export function StatTiles({ stats }: { stats: OpsStats | null }) {
  const oldest = Object.entries(stats?.oldestWaitingMs ?? {}).sort((a, b) => b[1] - a[1])[0];
  const reasons = (stats?.topFailureReasons ?? []).slice(0, 5);
  const countries = (stats?.byCountry ?? []).slice(0, 5);
  return (
    <div className="tiles">
      <Tile title="Last 60 seconds" testId="tile-rates">
        <div className="figures">
          <Figure label="sent" value={formatCount(stats?.rates.sent)} testId="rate-sent" />
          <Figure label="delivered" value={formatCount(stats?.rates.delivered)} testId="rate-delivered" />
          <Figure label="failed" value={formatCount(stats?.rates.failed)} testId="rate-failed" />
          <Figure label="failed over" value={formatCount(stats?.rates.failedOver)} testId="rate-failed-over" />
        </div>
      </Tile>
      <Tile title="Challenges" testId="tile-challenges">
        <div className="figures">
          <Figure label="pending" value={formatCount(stats?.challenges.pending)} testId="challenges-pending" />
          <Figure label="approved, 1 h" value={formatCount(stats?.challenges.approvedLastHour)} testId="challenges-approved" />
          <Figure label="failed, 1 h" value={formatCount(stats?.challenges.failedLastHour)} testId="challenges-failed" />
        </div>
      </Tile>
      <Tile title="Time to first delivery (15 min)" testId="tile-ttfd">
        <div className="figures">
          <Figure label="p50" value={formatDuration(stats?.timeToFirstDelivery.p50Ms)} testId="ttfd-p50" />
          <Figure label="p95" value={formatDuration(stats?.timeToFirstDelivery.p95Ms)} testId="ttfd-p95" />
          <Figure label="samples" value={formatCount(stats?.timeToFirstDelivery.samples)} testId="ttfd-samples" />
        </div>
      </Tile>
      <Tile title="Oldest waiting job" testId="tile-oldest">
        <div className="figures">
          <Figure
            label={oldest && oldest[1] > 0 ? `in ${oldest[0]}` : 'queues are empty'}
            value={oldest && oldest[1] > 0 ? formatDuration(oldest[1]) : '—'}
            testId="oldest-waiting"
          />
        </div>
      </Tile>
      <Tile title="Top failure reasons" wide testId="tile-reasons">
        <ol className="rows">
          {Array.from({ length: 5 }, (_, i) => reasons[i]).map((r, i) => (
            <li key={i} className="rows__row">
              <span className="rows__label" title={r?.reason}>{r ? reasonText(r.reason) : i === 0 ? 'No failures' : ''}</span>
              <span className="num">{r ? r.count : ''}</span>
            </li>
          ))}
        </ol>
      </Tile>
      <Tile title="By country (sent · delivered · failed)" wide testId="tile-countries">
        <ol className="rows">
          {Array.from({ length: 5 }, (_, i) => countries[i]).map((c, i) => (
            <li key={i} className="rows__row">
              <span className="rows__label">{c ? `${countryName(c.country)}` : i === 0 ? 'Nothing sent yet' : ''}</span>
              <span className="num">{c ? `${c.sent} · ${c.delivered} · ${c.failed}` : ''}</span>
            </li>
          ))}
        </ol>
      </Tile>
    </div>
  );
}
