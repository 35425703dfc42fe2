import type { AddressInfo } from 'node:net';
import type { INestApplicationContext } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AppConfig } from '@redial/config';
import { createApiApp } from '../../apps/api/src/api.app';
import { createWorkerApp } from '../../apps/worker/src/worker.app';
import { testConfig } from './config';
import { createTestDatabase, TestDatabase } from './database';
import { deleteKeys, uniquePrefix } from './redis';

export interface StackOptions {
  sandbox?: boolean;
  worker?: boolean;
  gateway?: boolean;
  env?: Record<string, string>;
  /** How the apps reach the suite's database, from its URL (e.g. through a TcpProxy: `(url) => proxy.via(url)`). */
  databaseUrl?: (url: string) => string;
}

export interface Stack {
  config: AppConfig;
  db: TestDatabase;
  prefix: string;
  apiUrl: string;
  sandboxUrl?: string;
  gatewayUrl?: string;
  api: NestFastifyApplication;
  worker?: INestApplicationContext;
  /** Authorization header with the suite's API key. */
  auth: { authorization: string };
  request(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any; headers: Headers }>;
  close(): Promise<void>;
}

/**
 * Runs Redial's apps in this process against real PostgreSQL (a fresh database), real Redis (a fresh prefix)
 * and, when asked, the Twilio sandbox over real HTTP. Ports are chosen by the OS.
 */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const db = await createTestDatabase();
  const prefix = uniquePrefix();
  const config = testConfig(options.databaseUrl ? options.databaseUrl(db.url) : db.url, prefix, { API_PORT: '0', GATEWAY_PORT: '0', SANDBOX_PORT: '0', ...options.env });
  const closers: Array<() => Promise<unknown>> = [];
  const cleanup = async () => {
    for (const close of closers) await close().catch(() => undefined);
    await deleteKeys(prefix).catch(() => undefined);
    await db.drop().catch(() => undefined);
  };
  try {
    return await boot(options, config, db, prefix, closers, cleanup);
  } catch (err) {
    await cleanup();
    throw err;
  }
}

async function boot(options: StackOptions, config: AppConfig, db: TestDatabase, prefix: string, closers: Array<() => Promise<unknown>>, cleanup: () => Promise<void>): Promise<Stack> {
  let sandboxUrl: string | undefined;
  if (options.sandbox) {
    const { startSandbox } = await import('../../apps/sandbox/src/sandbox.app');
    const sandbox = await startSandbox(config, { quiet: true });
    sandboxUrl = sandbox.url;
    config.twilio.apiUrl = sandbox.url;
    closers.push(() => sandbox.close());
  }
  const api = await createApiApp(config, { logger: false });
  await api.listen({ port: 0, host: '127.0.0.1' });
  const port = (api.getHttpServer().address() as AddressInfo).port;
  const apiUrl = `http://127.0.0.1:${port}`;
  config.publicUrl = apiUrl;
  config.apiPort = port;
  closers.unshift(() => api.close());
  let worker: INestApplicationContext | undefined;
  if (options.worker) {
    worker = await createWorkerApp(config, { logger: false });
    closers.unshift(() => (worker as INestApplicationContext).close());
  }
  let gatewayUrl: string | undefined;
  if (options.gateway) {
    const { startGateway } = await import('../../apps/gateway/src/gateway.app');
    const gateway = await startGateway(config, { logger: false, port: 0 });
    gatewayUrl = gateway.url;
    config.gatewayPublicUrl = gateway.url;
    closers.unshift(() => gateway.close());
  }
  const auth = { authorization: `Bearer ${config.apiKeys[0]}` };
  return {
    config,
    db,
    prefix,
    apiUrl,
    sandboxUrl,
    gatewayUrl,
    api,
    worker,
    auth,
    request: (method, path, body, headers = auth) => requestJson(apiUrl, method, path, body, headers),
    close: cleanup,
  };
}

/**
 * One request to the api at `baseUrl`, as the suites make them: a JSON body (a string is sent as it is, for bodies
 * that are not JSON), the answer parsed as JSON when it is JSON and kept as text when it is not.
 */
export async function requestJson(baseUrl: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON: keep the text */
  }
  return { status: res.status, body: parsed, headers: res.headers };
}
