import { useCallback, useEffect, useRef, useState } from 'react';
import type { ChallengeUpdated, ChallengeView } from '@redial/contracts';
import { api, ApiError, errorMessage } from '../lib/api';
import { isFinal } from '../lib/format';
import { connectChallenges, type LiveState } from '../lib/socket';

const POLL_MS = 2000;
/** No snapshot this long after opening the socket: read the challenge over REST meanwhile. */
const SNAPSHOT_GRACE_MS = 3000;

export interface ChallengeLive {
  challenge: ChallengeView | null;
  lastEvent: ChallengeUpdated | null;
  state: LiveState;
  error: string | null;
  /** The link's token was refused, or names no challenge: asking again will not help. */
  invalid: boolean;
  /** Replace the view with a challenge the REST API just returned (after check/advance/cancel). */
  replace: (c: ChallengeView) => void;
  refresh: () => Promise<void>;
}

/**
 * The live view of one challenge: socket.io `/challenges` (snapshot on every connect, then updates with a
 * rising seq), falling back to GET every 2 s while the socket can't connect. Each message replaces the whole
 * view, so reconnects and refreshes never duplicate anything.
 */
export function useChallengeLive(id: string, token: string | null, gatewayUrl: string | null): ChallengeLive {
  const [challenge, setChallenge] = useState<ChallengeView | null>(null);
  const [lastEvent, setLastEvent] = useState<ChallengeUpdated | null>(null);
  const [state, setState] = useState<LiveState>('connecting');
  const [error, setError] = useState<string | null>(null);
  const [invalid, setInvalid] = useState(false);
  const seq = useRef(0);
  const final = useRef(false);

  const apply = useCallback((c: ChallengeView) => {
    final.current = isFinal(c.status);
    setChallenge(c);
    setError(null);
  }, []);
  const fail = useCallback((err: unknown) => {
    setError(describe(err));
    setInvalid(isDeadLink(err));
  }, []);

  const refresh = useCallback(async () => {
    if (!token) return;
    try {
      apply(await api.getChallenge(id, token));
    } catch (err) {
      fail(err);
    }
  }, [apply, fail, id, token]);

  useEffect(() => {
    if (!token || gatewayUrl === null) return;
    let disposed = false;
    let polling = false;
    let pollTimer: number | undefined;
    seq.current = 0;
    final.current = false;
    setChallenge(null);
    setLastEvent(null);
    setState('connecting');

    const pollOnce = async (): Promise<boolean> => {
      try {
        const c = await api.getChallenge(id, token);
        if (!disposed) apply(c);
        return true;
      } catch (err) {
        if (disposed) return false;
        fail(err);
        // A bad or expired link will not get better by asking again.
        return !isDeadLink(err);
      }
    };
    const tick = async (): Promise<void> => {
      if (!polling || disposed) return;
      const keepGoing = await pollOnce();
      if (!polling || disposed) return;
      if (!keepGoing || final.current) {
        polling = false;
        setState((s) => (s === 'polling' ? 'offline' : s));
        return;
      }
      pollTimer = window.setTimeout(tick, POLL_MS);
    };
    const startPolling = (): void => {
      if (polling || disposed) return;
      polling = true;
      setState('polling');
      void tick();
    };
    const stopPolling = (): void => {
      polling = false;
      window.clearTimeout(pollTimer);
    };

    const socket = connectChallenges(gatewayUrl, token);
    const grace = window.setTimeout(() => {
      if (!socket.connected) startPolling();
    }, SNAPSHOT_GRACE_MS);

    socket.on('connect', () => {
      stopPolling();
      setState('live');
    });
    socket.on('disconnect', (reason) => {
      if (disposed || reason === 'io client disconnect') return;
      setState('reconnecting');
      // The server closed the connection itself: socket.io will not retry, so poll instead.
      if (reason === 'io server disconnect') startPolling();
    });
    socket.on('connect_error', () => {
      // `unauthorized` too: the REST API decides whether the token is really bad (and says so).
      startPolling();
    });
    // A final state never changes (CONTRACT.md): once one is shown there is nothing left to listen for.
    const closeIfFinal = (): void => {
      if (!final.current) return;
      socket.disconnect();
      setState('offline');
    };
    socket.on('challenge.snapshot', (c) => {
      // A snapshot older than an update already shown (they can cross on a reconnect) would set the page back.
      if (typeof c.seq === 'number' && c.seq < seq.current) return;
      if (typeof c.seq === 'number') seq.current = c.seq;
      apply(c);
      closeIfFinal();
    });
    socket.on('challenge.updated', (update) => {
      if (update.seq <= seq.current) return;
      seq.current = update.seq;
      setLastEvent(update);
      apply(update.challenge);
      closeIfFinal();
    });

    return () => {
      disposed = true;
      stopPolling();
      window.clearTimeout(grace);
      socket.removeAllListeners();
      socket.disconnect();
    };
  }, [apply, fail, gatewayUrl, id, token]);

  return { challenge, lastEvent, state, error, invalid, replace: apply, refresh };
}

const isDeadLink = (err: unknown): boolean => err instanceof ApiError && (err.isAuth || err.status === 404);

function describe(err: unknown): string {
  if (isDeadLink(err)) return "This verification link isn't valid any more. Go back to the sign-in page and start again.";
  return errorMessage(err);
}
