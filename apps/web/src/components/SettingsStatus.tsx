import type { PhoneSettingsView, PhoneView } from '@redial/contracts';
import { Link } from './Link';
import { onThisOrigin } from '../lib/router';
import { unbroken } from '../lib/status-text';

function phoneLine(p: PhoneView): string {
  const kind = p.role === 'primary' ? 'Primary' : `Backup${p.label ? ` (${p.label})` : ''}`;
  const how = p.method === 'sms' ? 'text' : 'call';
  return `${kind}: ${unbroken(p.masked)} — ${how}${p.extension ? `, ext. ${p.extension}` : ''}`;
}

/** "Verified" or "Pending verification", with the phones in force and the ones waiting. */
export function SettingsStatus({ settings, firstTime }: { settings: PhoneSettingsView | null; firstTime: boolean }) {
  if (firstTime || !settings) {
    return (
      <section className="card status-card" aria-labelledby="current-status" data-testid="settings-status" data-status="none">
        <h2 id="current-status" className="card__title">
          Current status: <span className="status status--none">Not set up</span>
        </h2>
        <p>Add the phone we should call or text when you sign in, then save to verify it.</p>
      </section>
    );
  }
  const active = [settings.primary, ...settings.backups].filter((p): p is PhoneView => !!p);
  const pending = settings.pending ? [settings.pending.primary, ...settings.pending.backups] : [];
  const verified = settings.status === 'verified';
  const verification = settings.verification;
  return (
    <section className="card status-card" aria-labelledby="current-status" data-testid="settings-status" data-status={settings.status}>
      <h2 id="current-status" className="card__title">
        Current status:{' '}
        <span className={`status status--${verified ? 'approved' : 'pending'}`}>
          {verified ? 'Verified' : 'Pending verification'}
        </span>
      </h2>
      {active.length > 0 && (
        <>
          <p className="muted">{verified ? 'In use at sign-in:' : 'Still in use at sign-in until the new phone is verified:'}</p>
          <ul className="plain-list" data-testid="active-phones">
            {active.map((p, i) => (
              <li key={i}>{phoneLine(p)}</li>
            ))}
          </ul>
        </>
      )}
      {pending.length > 0 && (
        <>
          <p className="muted">Waiting for verification of the new primary phone:</p>
          <ul className="plain-list" data-testid="pending-phones">
            {pending.map((p, i) => (
              <li key={i}>{phoneLine(p)}</li>
            ))}
          </ul>
        </>
      )}
      {verification && !verified && (
        <p>
          <Link href={onThisOrigin(verification.statusUrl)} className="button button--secondary" data-testid="watch-verification">
            Watch the verification
          </Link>
        </p>
      )}
    </section>
  );
}
