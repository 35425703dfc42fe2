import type { LiveState } from '../lib/socket';

const TEXT: Record<LiveState, string> = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  polling: 'Updating every 2 s',
  offline: 'Not updating',
};

/** A small dot and word for the state of the live connection. */
export function LiveIndicator({ state, testId = 'connection-state' }: { state: LiveState; testId?: string }) {
  return (
    <span className={`live live--${state}`} data-testid={testId} data-state={state} title={`Connection: ${TEXT[state]}`}>
      <span className="live__dot" aria-hidden="true" />
      {TEXT[state]}
    </span>
  );
}
