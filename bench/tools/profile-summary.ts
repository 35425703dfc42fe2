/**
 * Summarises a V8 .cpuprofile (as written by `node --cpu-prof`): self time per function and per package /
 * Redial module, and inclusive time of Redial's own functions.
 *
 *   node scripts/run-bench.js … --profile=worker    (writes bench/results/worker-*.cpuprofile)
 *   node dist/bench/tools/profile-summary.js bench/results/worker-….cpuprofile [top]
 */
import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

function where(url: string): string {
  if (!url) return '(native/idle)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1];
  const own = /\/dist\/((?:apps|libs)\/[^/]+)/.exec(url) ?? /\/((?:apps|libs)\/[^/]+)\/src/.exec(url);
  if (own) return own[1];
  if (url.startsWith('node:')) return 'node:' + url.slice(5).split('/')[0];
  return url.replace(/^file:\/\//, '');
}

export function summarise(file: string, top = 25): string {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfUs = new Map<number, number>();
  p.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
  const idle = [...selfUs].filter(([id]) => ['(idle)', '(program)'].includes(byId.get(id)!.callFrame.functionName)).reduce((a, [, v]) => a + v, 0);
  const gc = [...selfUs].filter(([id]) => byId.get(id)!.callFrame.functionName === '(garbage collector)').reduce((a, [, v]) => a + v, 0);
  const fn = new Map<string, number>();
  const pkg = new Map<string, number>();
  const inclusiveOwn = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const n = byId.get(id)!;
    const key = `${n.callFrame.functionName || '(anonymous)'}  ${where(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
    fn.set(key, (fn.get(key) ?? 0) + us);
    pkg.set(where(n.callFrame.url), (pkg.get(where(n.callFrame.url)) ?? 0) + us);
    // Inclusive time for Redial's own frames (each frame counted once per sample stack).
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const f = byId.get(cur)!.callFrame;
      if (!/\/(apps|libs)\//.test(f.url) || /node_modules/.test(f.url)) continue;
      const k = `${f.functionName || '(anonymous)'}  ${where(f.url)}:${f.lineNumber + 1}`;
      if (seen.has(k)) continue;
      seen.add(k);
      inclusiveOwn.set(k, (inclusiveOwn.get(k) ?? 0) + us);
    }
  }
  const pct = (us: number) => `${((us / total) * 100).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(7)} ms`;
  const list = (m: Map<string, number>, n: number) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, v]) => `  ${pct(v)}  ${k}`)
      .join('\n');
  const wall = (p.endTime - p.startTime) / 1e6;
  return [
    `${file}`,
    `  wall ${wall.toFixed(1)} s, sampled ${(total / 1e6).toFixed(1)} s, busy ${((total - idle) / 1e6).toFixed(1)} s (${(((total - idle) / total) * 100).toFixed(0)}%), GC ${((gc / total) * 100).toFixed(1)}%`,
    '',
    'self time by package / module:',
    list(pkg, 20),
    '',
    `self time, top ${top} functions:`,
    list(fn, top),
    '',
    "inclusive time of Redial's own functions:",
    list(inclusiveOwn, top),
  ].join('\n');
}

if (require.main === module) {
  const [file, top] = process.argv.slice(2);
  if (!file) {
    console.error('usage: profile-summary <file.cpuprofile> [top]');
    process.exit(2);
  }
  console.log(summarise(file, Number(top ?? 25)));
}
