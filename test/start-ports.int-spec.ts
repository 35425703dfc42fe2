/**
 * `npm start` (scripts/start.js) checks its ports before it builds anything: a port in use stops it with one
 * line naming the port and its variable — and, when another Redial answers there, saying so — with no banner of
 * the other stack and no stack trace.
 */
import { spawn } from 'node:child_process';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer } from 'node:net';
import path from 'node:path';
import { freePort } from './support/ports';

const root = path.resolve(__dirname, '..');


function startScript(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const began = Date.now();
  const base = { ...process.env };
  for (const name of ['HOST', 'API_PORT', 'GATEWAY_PORT', 'SANDBOX_PORT', 'TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'TWILIO_FROM', 'TWILIO_API_KEY', 'TWILIO_API_SECRET']) delete base[name];
  const child = spawn(process.execPath, [path.join(root, 'scripts/start.js')], { cwd: root, env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => (stdout += c));
  child.stderr.on('data', (c) => (stderr += c));
  const timer = setTimeout(() => child.kill('SIGKILL'), 20000);
  return new Promise((resolve) =>
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - began });
    }),
  );
}

async function listen(server: Server | ReturnType<typeof createServer>, port: number): Promise<void> {
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
}

describe('npm start: ports checked before the build', () => {
  const servers: Array<{ close(cb: () => void): unknown }> = [];
  afterEach(async () => {
    for (const s of servers.splice(0)) await new Promise<void>((resolve) => s.close(() => resolve()));
  });

  it('a port held by another program: one line naming it, exit 1, nothing built or started', async () => {
    const [api, gateway, sandbox] = [await freePort(), await freePort(), await freePort()];
    const other = createServer((socket) => socket.destroy());
    servers.push(other);
    await listen(other, gateway);
    const run = await startScript({ API_PORT: String(api), GATEWAY_PORT: String(gateway), SANDBOX_PORT: String(sandbox) });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toBe(
      `Port ${gateway} (GATEWAY_PORT, for the gateway) is already in use on 127.0.0.1: another program is listening there. Stop it, or start this one with GATEWAY_PORT=<free port> (and the other ports).`,
    );
    // Before the build (which takes several seconds even when nothing changed).
    expect(run.ms).toBeLessThan(4000);
  });

  it('a port held by another Redial: says so, without its banner or a stack trace', async () => {
    const [api, gateway, sandbox] = [await freePort(), await freePort(), await freePort()];
    const redial = createHttpServer((req, res) => {
      if (req.url === '/health') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'ok', redis: 'up', database: 'up' }));
      } else res.writeHead(404).end();
    });
    servers.push(redial);
    await listen(redial, api);
    const run = await startScript({ API_PORT: String(api), GATEWAY_PORT: String(gateway), SANDBOX_PORT: String(sandbox) });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).not.toMatch(/Redial is running \(|settings page|\n\s+at |EADDRINUSE/);
    expect(run.stderr.trim().split('\n')).toEqual([
      `Port ${api} (API_PORT, for the api) is already in use on 127.0.0.1: another Redial is running there (its api (/health) answers). Stop it, or start this one with API_PORT=<free port> (and the other ports).`,
    ]);
  });

  it('in sandbox mode the sandbox port too, recognising a Redial sandbox', async () => {
    const [api, gateway, sandbox] = [await freePort(), await freePort(), await freePort()];
    const other = createHttpServer((req, res) => {
      if (req.url?.startsWith('/sandbox/inbox/')) res.writeHead(200, { 'content-type': 'application/json' }).end('{"messages":[],"calls":[]}');
      else res.writeHead(404).end('{"code":20404}');
    });
    servers.push(other);
    await listen(other, sandbox);
    const run = await startScript({ API_PORT: String(api), GATEWAY_PORT: String(gateway), SANDBOX_PORT: String(sandbox) });
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toBe(
      `Port ${sandbox} (SANDBOX_PORT, for the sandbox) is already in use on 127.0.0.1: another Redial is running there (its Twilio sandbox (/sandbox/inbox) answers). Stop it, or start this one with SANDBOX_PORT=<free port>.`,
    );
  });
});
