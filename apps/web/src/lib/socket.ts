import { io, type Socket } from 'socket.io-client';
import type { ChallengesServerToClient, OpsServerToClient } from '@redial/contracts';
import { CHALLENGES_NAMESPACE, OPS_NAMESPACE } from '@redial/contracts/events.types';

/** socket.io connections to the gateway, typed by the shared event maps. Nothing is sent to the server. */
export type ChallengesSocket = Socket<ChallengesServerToClient, Record<string, never>>;
export type OpsSocket = Socket<OpsServerToClient, Record<string, never>>;

function namespaceUrl(gatewayUrl: string, namespace: string): string {
  const base = (gatewayUrl || window.location.origin).replace(/\/+$/, '');
  return base + namespace;
}

const options = (token: string) => ({
  auth: { token },
  // WebSocket first (no cross-origin preflight); long-polling only when WebSockets are blocked.
  transports: ['websocket', 'polling'],
  reconnectionDelay: 500,
  reconnectionDelayMax: 5000,
  timeout: 5000,
});

export function connectChallenges(gatewayUrl: string, token: string): ChallengesSocket {
  return io(namespaceUrl(gatewayUrl, CHALLENGES_NAMESPACE), options(token));
}

export function connectOps(gatewayUrl: string, token: string): OpsSocket {
  return io(namespaceUrl(gatewayUrl, OPS_NAMESPACE), options(token));
}

/** The gateway refuses a bad token with `connect_error` whose message is `unauthorized`. */
export const isUnauthorized = (err: Error): boolean => /unauthori[sz]ed/i.test(err.message);

export type LiveState = 'connecting' | 'live' | 'reconnecting' | 'polling' | 'offline';
