import { AppConfig, loadConfig } from '@redial/config';
import { REDIS_URL } from './redis';

/** A sandbox-mode configuration for one suite: its own database and queue prefix, ports chosen at listen time. */
export function testConfig(databaseUrl: string, queuePrefix: string, env: Record<string, string> = {}): AppConfig {
  return loadConfig({
    DATABASE_URL: databaseUrl,
    REDIS_URL,
    QUEUE_PREFIX: queuePrefix,
    TOKEN_SECRET: 'test-token-secret-0123456789abcdef',
    LOG_LEVEL: 'silent',
    ...env,
  });
}
