import { REDIS_KEYS } from './redis-keys';

describe('Redis keys', () => {
  const build = (builder: (prefix: string, name: string) => string, prefix: string) => builder(prefix, 'redial_job_duration_seconds');
  const entries = Object.entries(REDIS_KEYS) as Array<[string, (prefix: string, name: string) => string]>;

  it.each(entries)('%s starts with the prefix (one prefix is one stack, one Cluster slot with a hash tag) and has no ":"', (_name, builder) => {
    for (const prefix of ['redial', '{redial}', 'test-1a2b']) {
      const key = build(builder, prefix);
      expect(key.startsWith(`${prefix}-`)).toBe(true);
      expect(key.slice(prefix.length)).not.toContain(':');
    }
  });

  it('gives every key its own name', () => {
    const keys = entries.map(([, builder]) => build(builder, 'redial'));
    expect(new Set(keys).size).toBe(keys.length);
  });
});
