import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

/**
 * A throwaway Redis Cluster from the installed `redis-server` and `redis-cli` (7.x): 3 masters with 1 replica
 * each, on free ports (and their bus ports, +10000), in a temporary folder, nothing persisted. For the cluster
 * end-to-end test and the benchmarks; `stop()` kills every node and removes the folder.
 */

const run = promisify(execFile);

export interface ClusterNode {
  port: number;
  proc: ChildProcess;
}

export interface LocalRedisCluster {
  nodes: ClusterNode[];
  /** `127.0.0.1:port,…` — REDIS_CLUSTER_NODES. */
  nodeList: string;
  cli(port: number, ...args: string[]): Promise<string>;
  /** The master that serves `key`'s slot, and its replica. */
  ownerOf(key: string): Promise<{ master: number; replica: number }>;
  /** A graceful manual failover of the master serving `key`: its replica takes over. Resolves once it has. */
  failover(key: string): Promise<{ oldMaster: number; newMaster: number }>;
  stop(): Promise<void>;
}

async function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** `count` consecutive ports whose bus ports (+10000) are free too. */
async function freePorts(count: number): Promise<number[]> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20000 + Math.floor(Math.random() * 25000);
    const ports = Array.from({ length: count }, (_, i) => base + i);
    const free = await Promise.all(ports.flatMap((p) => [isFree(p), isFree(p + 10000)]));
    if (free.every(Boolean)) return ports;
  }
  throw new Error('no free ports for a Redis Cluster');
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 20000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`Redis Cluster: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function startRedisCluster(options: { masters?: number; replicas?: number } = {}): Promise<LocalRedisCluster> {
  const masters = options.masters ?? 3;
  const replicas = options.replicas ?? 1;
  const ports = await freePorts(masters * (1 + replicas));
  const dir = mkdtempSync(join(tmpdir(), 'redial-cluster-'));
  const nodes: ClusterNode[] = ports.map((port) => ({
    port,
    proc: spawn(
      'redis-server',
      [
        '--port', String(port), '--bind', '127.0.0.1', '--cluster-enabled', 'yes', '--cluster-config-file', join(dir, `nodes-${port}.conf`),
        '--cluster-node-timeout', '2000', '--save', '', '--appendonly', 'no', '--dir', dir, '--logfile', join(dir, `${port}.log`),
      ],
      { stdio: 'ignore' },
    ),
  }));
  const cli = async (port: number, ...args: string[]): Promise<string> => (await run('redis-cli', ['-p', String(port), ...args])).stdout;
  const stop = async () => {
    await Promise.all(
      nodes.map(
        (n) =>
          new Promise<void>((resolve) => {
            if (n.proc.exitCode !== null || n.proc.signalCode !== null) return resolve();
            n.proc.once('exit', () => resolve());
            n.proc.kill('SIGKILL');
          }),
      ),
    );
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await until('nodes to answer', async () => (await Promise.all(ports.map((p) => cli(p, 'ping')))).every((r) => r.trim() === 'PONG'));
    await run('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', String(replicas), '--cluster-yes']);
    await until('cluster_state:ok on every node', async () => (await Promise.all(ports.map((p) => cli(p, 'cluster', 'info')))).every((i) => i.includes('cluster_state:ok')));
    // A replica that has not synced cannot be promoted: wait for every replica's link to its master.
    await until('every replica to sync', async () => {
      const infos = await Promise.all(ports.map((p) => cli(p, 'info', 'replication')));
      const replicaInfos = infos.filter((i) => i.includes('role:slave'));
      return replicaInfos.length === masters * replicas && replicaInfos.every((i) => i.includes('master_link_status:up'));
    });
  } catch (err) {
    await stop();
    throw err;
  }

  const ownerOf = async (key: string) => {
    const slot = Number((await cli(ports[0], 'cluster', 'keyslot', key)).trim());
    const shards = await cli(ports[0], 'cluster', 'nodes');
    const lines = shards.trim().split('\n').map((l) => l.split(' '));
    const master = lines.find((l) => l[2].includes('master') && l.slice(8).some((range) => {
      const [a, b] = range.split('-').map(Number);
      return slot >= a && slot <= (b ?? a);
    }));
    if (!master) throw new Error(`no master for slot ${slot}`);
    const replica = lines.find((l) => l[3] === master[0]);
    if (!replica) throw new Error(`no replica for the master of slot ${slot}`);
    const port = (l: string[]) => Number(l[1].split('@')[0].split(':')[1]);
    return { master: port(master), replica: port(replica) };
  };

  return {
    nodes,
    nodeList: ports.map((p) => `127.0.0.1:${p}`).join(','),
    cli,
    ownerOf,
    async failover(key: string) {
      const { master, replica } = await ownerOf(key);
      await until(`replica ${replica} to be in sync`, async () => (await cli(replica, 'info', 'replication')).includes('master_link_status:up'));
      const reply = (await cli(replica, 'cluster', 'failover')).trim();
      if (reply !== 'OK') throw new Error(`CLUSTER FAILOVER on ${replica}: ${reply}`);
      await until(`replica ${replica} to become master`, async () => (await cli(replica, 'info', 'replication')).includes('role:master'));
      await until('every node to agree on the new master', async () => (await ownerOf(key)).master === replica);
      return { oldMaster: master, newMaster: replica };
    },
    stop,
  };
}
