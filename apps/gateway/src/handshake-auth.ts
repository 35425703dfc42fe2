import { createHash, timingSafeEqual } from 'node:crypto';

/** What a socket.io handshake carries that we read: `auth` from the client, `query` as the fallback. */
export interface HandshakeLike {
  auth?: Record<string, unknown> | null;
  query?: Record<string, unknown> | null;
}

/** The error every refused handshake gets: the client sees `connect_error` with this message and nothing else. */
export const UNAUTHORIZED = 'unauthorized';

export function unauthorized(): Error {
  return new Error(UNAUTHORIZED);
}

/** The token a client sent: `auth.token`, else `?token=` (for clients that cannot set `auth`). */
export function handshakeToken(handshake: HandshakeLike): string | undefined {
  const fromAuth = handshake.auth?.token;
  if (typeof fromAuth === 'string' && fromAuth !== '') return fromAuth;
  const fromQuery = handshake.query?.token;
  if (typeof fromQuery === 'string' && fromQuery !== '') return fromQuery;
  return undefined;
}

/**
 * A constant-time check of a shared secret (the operator token). Both sides are hashed first, so neither the
 * length nor any prefix of the secret leaks through timing.
 */
export function secretChecker(expected: string): (given: string | undefined) => boolean {
  const want = createHash('sha256').update(expected, 'utf8').digest();
  return (given) => {
    if (given === undefined || expected === '') return false;
    return timingSafeEqual(createHash('sha256').update(given, 'utf8').digest(), want);
  };
}
