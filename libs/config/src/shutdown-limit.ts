import type { AppConfig } from './app-config';

/**
 * How long an app may take to stop once signalled: its grace period (SHUTDOWN_GRACE_MS) for the work it holds, then
 * closing Redis and PostgreSQL, each bounded by DEPENDENCY_TIMEOUT_MS. An app still running after this exits 1
 * (libs/ops stopOnSignals); `npm start` kills one a little later. An orchestrator's stop timeout must exceed it.
 */
export function shutdownLimitMs(config: Pick<AppConfig, 'shutdownGraceMs' | 'dependencyTimeoutMs'>): number {
  return config.shutdownGraceMs + 2 * config.dependencyTimeoutMs;
}
