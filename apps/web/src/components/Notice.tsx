import type { ReactNode } from 'react';
import { Icon, type IconName } from './Icon';

type Tone = 'info' | 'warning' | 'error' | 'success';

const ICON: Record<Tone, IconName> = { info: 'info', warning: 'alert', error: 'cross', success: 'check' };

/** A boxed message. Errors are announced at once (role=alert); the rest politely, when `live`. */
export function Notice({
  tone = 'info',
  title,
  children,
  live = false,
  testId,
  id,
}: {
  tone?: Tone;
  title?: ReactNode;
  children?: ReactNode;
  live?: boolean;
  testId?: string;
  id?: string;
}) {
  const role = tone === 'error' ? 'alert' : live ? 'status' : undefined;
  return (
    <div className={`notice notice--${tone}`} role={role} data-testid={testId} id={id}>
      <span className="notice__icon" aria-hidden="true">
        <Icon name={ICON[tone]} />
      </span>
      <div className="notice__body">
        {title && <p className="notice__title">{title}</p>}
        {children}
      </div>
    </div>
  );
}
