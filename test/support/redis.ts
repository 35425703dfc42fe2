import { randomBytes } from 'node:crypto';
// Relative on purpose: Jest's globalSetup (which reads REDIS_URL here) runs outside the @redial/* moduleNameMapper.
import { deleteKeysWithPrefix } from '../../libs/queue/src/redis-keys';

export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A queue prefix no other suite uses. */
export function uniquePrefix(label = 't'): string {
  return `${label}-${randomBytes(5).toString('hex')}`;
}

/** Deletes every key a suite created under its prefix (queues and the socket.io channel key). */
export const deleteKeys = (prefix: string, url = REDIS_URL): Promise<number> => deleteKeysWithPrefix(url, prefix);
