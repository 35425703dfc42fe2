import { statusLabel } from '../lib/format';

/** A coloured pill for a challenge, step or attempt status; the raw status stays in data-status. */
export function StatusBadge({ status, label }: { status: string; label?: string }) {
  return (
    <span className={`status status--${status.replace(/[^a-z_-]/gi, '')}`} data-status={status}>
      {label ?? statusLabel(status)}
    </span>
  );
}
