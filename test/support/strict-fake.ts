/**
 * Fakes for unit specs that fail on any call they were not set up to expect: only the members given exist, and
 * touching any other one throws with its name (unlike a jest automock, which silently returns undefined).
 * A shared `CallLog` records which fake member was called, in order, across fakes.
 */

export type CallLog = string[];

/** `name.member` for members given in `members`; any other property access throws. */
export function strictFake<T extends object>(name: string, members: Partial<T>): T {
  return new Proxy(members as T, {
    get(target, prop, receiver) {
      if (prop in target) return Reflect.get(target, prop, receiver);
      // Not a thenable (so `await fake` and Promise.resolve(fake) work), and symbols are left to the runtime.
      if (prop === 'then' || typeof prop === 'symbol') return undefined;
      throw new Error(`unexpected call: ${name}.${String(prop)} (this test did not set it up)`);
    },
  });
}

/** Wraps each function of `members` so a call is recorded in `log` as `name.member`, then runs it. */
export function logged<T extends object>(log: CallLog, name: string, members: Partial<T>): T {
  const wrapped: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(members)) {
    wrapped[key] =
      typeof value === 'function'
        ? (...args: unknown[]) => {
            log.push(`${name}.${key}`);
            return (value as (...a: unknown[]) => unknown)(...args);
          }
        : value;
  }
  return strictFake<T>(name, wrapped as Partial<T>);
}
