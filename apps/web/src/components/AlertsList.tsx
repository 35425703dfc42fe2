import type { OpsAlert } from '@redial/contracts';
import { formatTime, humanize } from '../lib/format';

/** Active alerts, critical first. */
export function AlertsList({ alerts }: { alerts: OpsAlert[] }) {
  return (
    <div className="alerts" data-testid="ops-alerts" data-count={alerts.length}>
      {alerts.length === 0 ? (
        <p className="alerts__empty" data-testid="alerts-empty">
          <span aria-hidden="true">✓ </span>No active alerts.
        </p>
      ) : (
        <ul className="alerts__list">
          {alerts.map((a) => (
            <li
              key={a.id}
              className={`alert alert--${a.severity}`}
              data-testid="alert"
              data-alert-id={a.id}
              data-kind={a.kind}
              data-severity={a.severity}
            >
              <span className="alert__severity">{a.severity}</span>
              <span className="alert__message">
                {a.message}
                <span className="muted">
                  {' '}
                  · {humanize(a.kind)}
                  {a.key ? ` (${a.key})` : ''}
                  {a.value !== undefined ? ` · ${a.value}` : ''}
                  {a.threshold !== undefined ? ` / limit ${a.threshold}` : ''}
                </span>
              </span>
              <time className="num muted" dateTime={a.raisedAt}>
                since {formatTime(a.raisedAt)}
              </time>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
