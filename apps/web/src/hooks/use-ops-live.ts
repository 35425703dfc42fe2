import { useEffect, useState } from 'react';
import type { ChallengeUpdated, ChallengeView, OpsAlert, OpsStats } from '@redial/contracts';
import { api, ApiError, errorMessage } from '../lib/api';
import { connectOps, isUnauthorized, type LiveState } from '../lib/socket';

const FEED_SIZE = 50;
const POLL_MS = 2000;

export interface FeedEntry {
  challenge: ChallengeView;
  type: string;
  at: string;
  seq: number;
}

export interface OpsLive {
  stats: OpsStats | null;
  feed: FeedEntry[];
  alerts: OpsAlert[];
  state: LiveState;
  error: string | null;
  /** The token was refused (REST 401/403 or socket `unauthorized`). */
  unauthorized: boolean;
}

/** Live figures for the dashboard: REST first, then the `/ops` namespace; REST polling while it is down. */
export function useOpsLive(token: string, gatewayUrl: string | null): OpsLive {
  const [stats, setStats] = useState<OpsStats | null>(null);
  const [feed, setFeed] = useState<FeedEntry[]>([]);
  const [alerts, setAlerts] = useState<OpsAlert[]>([]);
  const [state, setState] = useState<LiveState>('connecting');
  const [error, setError] = useState<string | null>(null);
  const [unauthorized, setUnauthorized] = useState(false);

  useEffect(() => {
    if (gatewayUrl === null) return;
    let disposed = false;
    let polling = false;
    let pollTimer: number | undefined;
    const controller = new AbortController();

    const fail = (err: unknown): void => {
      if (disposed) return;
      if (err instanceof ApiError && err.isAuth) setUnauthorized(true);
      else setError(errorMessage(err));
    };
    const loadStats = (): Promise<void> =>
      api.opsStats(token, controller.signal).then((s) => {
        if (disposed) return;
        setStats(s);
        setError(null);
      }, fail);
    const loadAlerts = (): Promise<void> =>
      api.opsAlerts(token, controller.signal).then((a) => {
        if (!disposed) setAlerts(sortAlerts(a.alerts ?? []));
      }, fail);

    void loadStats();
    void loadAlerts();

    const tick = async (): Promise<void> => {
      if (!polling || disposed) return;
      await Promise.all([loadStats(), loadAlerts()]);
      if (polling && !disposed) pollTimer = window.setTimeout(tick, POLL_MS);
    };
    const startPolling = (): void => {
      if (polling) return;
      polling = true;
      setState('polling');
      pollTimer = window.setTimeout(tick, POLL_MS);
    };
    const stopPolling = (): void => {
      polling = false;
      window.clearTimeout(pollTimer);
    };

    const socket = connectOps(gatewayUrl, token);
    socket.on('connect', () => {
      stopPolling();
      setState('live');
      void loadAlerts(); // anything raised while we were away
    });
    socket.on('disconnect', (reason) => {
      if (disposed) return;
      setState('reconnecting');
      if (reason === 'io server disconnect') startPolling();
    });
    socket.on('connect_error', (err) => {
      if (isUnauthorized(err)) setUnauthorized(true);
      startPolling();
    });
    socket.on('queues.stats', (s) => {
      setStats(s);
      setError(null);
    });
    socket.on('challenge.updated', (u) => setFeed((feed) => addToFeed(feed, u)));
    socket.on('alert.raised', (a) => setAlerts((list) => sortAlerts([a, ...list.filter((x) => x.id !== a.id)])));
    socket.on('alert.cleared', (a) =>
      setAlerts((list) => list.filter((x) => x.id !== a.id && !(x.kind === a.kind && x.key === a.key))),
    );

    return () => {
      disposed = true;
      controller.abort();
      stopPolling();
      socket.removeAllListeners();
      socket.disconnect();
    };
  }, [gatewayUrl, token]);

  return { stats, feed, alerts, state, error, unauthorized };
}

/** Latest challenges first (by creation), each once; an update not newer than the one shown is ignored. */
function addToFeed(feed: FeedEntry[], u: ChallengeUpdated): FeedEntry[] {
  const id = u.challenge.id;
  const existing = feed.find((e) => e.challenge.id === id);
  if (existing && u.seq <= existing.seq) return feed;
  const entry: FeedEntry = { challenge: u.challenge, type: u.type, at: u.at, seq: u.seq };
  const next = existing ? feed.map((e) => (e === existing ? entry : e)) : [entry, ...feed];
  next.sort((a, b) => b.challenge.createdAt.localeCompare(a.challenge.createdAt));
  return next.slice(0, FEED_SIZE);
}

const SEVERITY = { critical: 0, warning: 1 } as const;

function sortAlerts(alerts: OpsAlert[]): OpsAlert[] {
  return alerts
    .filter((a) => !a.clearedAt)
    .sort((a, b) => SEVERITY[a.severity] - SEVERITY[b.severity] || b.raisedAt.localeCompare(a.raisedAt));
}
