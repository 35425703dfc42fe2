import { UUID_PATTERN } from '@redial/contracts';

/** Challenge, attempt and settings ids are UUIDs: anything else names nothing. */
export function isUuid(value: string): boolean {
  return UUID_PATTERN.test(value);
}
