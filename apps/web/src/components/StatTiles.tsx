import type { ReactNode } from 'react';
import type { OpsStats, OutcomeCounts } from '@redial/contracts';
import { COUNTER_WINDOWS, OUTCOME_COUNTERS, OUTCOME_TEXTS } from '@redial/contracts/ops-counters';
import { reasonLabel } from '@redial/contracts/failure-reasons';
import { formatCount, formatDuration } from '../lib/format';

function Tile({ title, window, children, wide, testId }: { title: string; window?: string; children: ReactNode; wide?: boolean; testId?: string }) {
  return (
    <section className={`tile${wide ? ' tile--wide' : ''}`} data-testid={testId} aria-label={window ? `${title}, ${window}` : title}>
      <h3 className="tile__title">
        {title}
        {window && <span className="tile__window"> · {window}</span>}
      </h3>
      {children}
    </section>
  );
}

/** A number with its label; `text` shows it otherwise (a duration), data-value keeps the number. */
function Figure({ label, value, text, testId, title }: { label: string; value: number | null | undefined; text?: string; testId?: string; title?: string }) {
  return (
    <div className="figure" title={title}>
      <span className="figure__value num" data-testid={testId} data-value={value ?? ''}>
        {text ?? formatCount(value ?? undefined)}
      </span>
      <span className="figure__label">{label}</span>
    </div>
  );
}

/** The six operators' counters over one window, labelled as everywhere else (libs/contracts ops-counters.ts). */
function Outcomes({ counts, id }: { counts: OutcomeCounts | undefined; id: string }) {
  return (
    <div className="figures figures--outcomes">
      {OUTCOME_COUNTERS.map((c) => (
        <Figure key={c} label={OUTCOME_TEXTS[c].label} value={counts?.[c]} testId={`${id}-${c}`} title={OUTCOME_TEXTS[c].counts} />
      ))}
    </div>
  );
}

/** Fixed-size tiles: each always shows the same rows, so live updates never move the layout. */
export function StatTiles({ stats }: { stats: OpsStats | null }) {
  const oldest = Object.entries(stats?.oldestWaitingMs ?? {}).sort((a, b) => b[1] - a[1])[0];
  const reasons = (stats?.topFailureReasons ?? []).slice(0, 5);
  return (
    <div className="tiles">
      <Tile title="Outcomes" window={COUNTER_WINDOWS.hour.label} wide testId="tile-outcomes">
        <Outcomes counts={stats?.outcomes.counts} id="outcome" />
      </Tile>
      <Tile title="Outcomes" window={COUNTER_WINDOWS.recent.label} wide testId="tile-rates">
        <Outcomes counts={stats?.rates} id="rate" />
      </Tile>
      <Tile title="Challenges" window={COUNTER_WINDOWS.hour.label} testId="tile-challenges">
        <div className="figures">
          <Figure label="pending now" value={stats?.challenges.pending} testId="challenges-pending" />
          <Figure label="approved" value={stats?.challenges.approvedLastHour} testId="challenges-approved" />
          <Figure
            label="failed"
            value={stats?.challenges.failedLastHour}
            testId="challenges-failed"
            title="every phone failed, the challenge expired, or too many wrong codes (denied and canceled ones are counted under Outcomes)"
          />
        </div>
      </Tile>
      <Tile title="Time to first delivery" window="last 15 min" testId="tile-ttfd">
        <div className="figures">
          <Figure label="p50" value={stats?.timeToFirstDelivery.p50Ms} text={formatDuration(stats?.timeToFirstDelivery.p50Ms)} testId="ttfd-p50" />
          <Figure label="p95" value={stats?.timeToFirstDelivery.p95Ms} text={formatDuration(stats?.timeToFirstDelivery.p95Ms)} testId="ttfd-p95" />
          <Figure label="samples" value={stats?.timeToFirstDelivery.samples} testId="ttfd-samples" />
        </div>
      </Tile>
      <Tile title="Oldest waiting job" window="since it was due" testId="tile-oldest">
        <div className="figures">
          <Figure
            label={oldest && oldest[1] > 0 ? `in ${oldest[0]}` : 'nothing is waiting'}
            value={oldest?.[1]}
            text={oldest && oldest[1] > 0 ? formatDuration(oldest[1]) : '—'}
            testId="oldest-waiting"
          />
        </div>
      </Tile>
      <Tile title="Why texts and calls failed" window={COUNTER_WINDOWS.hour.label} wide testId="tile-reasons">
        <ol className="rows">
          {Array.from({ length: 5 }, (_, i) => reasons[i]).map((r, i) => (
            <li key={i} className="rows__row" data-reason={r?.reason}>
              <span className="rows__label" title={r?.reason}>
                {r ? reasonLabel(r.reason) : i === 0 ? 'No failures' : ''}
              </span>
              <span className="num">{r ? r.count : ''}</span>
            </li>
          ))}
        </ol>
      </Tile>
    </div>
  );
}
