import { setMaxListeners } from 'node:events';
import { PhoneSettingsRepository, SqlService } from '@redial/database';
import { requestJson } from '../lib/http';
import { API_KEY, type BenchStack, deleteKeys } from '../lib/stack';
import { figure, mapLimit, percentile, sleep, waitUntil, wallNow } from '../lib/stats';
import type { SuiteContext, SuiteResult } from '../lib/suite';

/**
 * 7. The abuse run (issue 13): SMS pumping against the public API, with the controls at their production
 * defaults (rate limits, geo permissions, the pumping guard — whatever is in place).
 *
 * - Attack: `attackRequests` × `POST /v1/challenges` at a fixed rate, round-robin over `attackers` users whose
 *   (active) phones are all in one mobile range, +44 7400… (`44-740` to the pumping guard), spread over
 *   `attackKeys` API keys and a different `X-Forwarded-For` client address per request (the api believes it
 *   from loopback: TRUST_PROXY's default). Nobody ever enters a code. Attackers' settings are written straight
 *   into PostgreSQL, like the other benchmarks' users: a pumping ring that already holds verified accounts.
 * - Beside it, ordinary sign-ins: `ordinary` users (each once, +1 628 555…) start a challenge with the
 *   integrator's own key, read their text from the sandbox inbox and enter the code, spread over the attack.
 * - Figures: texts the provider accepted for the pumped range (goal ≤ 50), the share of ordinary sign-ins whose
 *   text arrived (goal ≥ 99 %) and that were approved, the attack's answers by status and error code.
 * - Cost of the checks: the api alone (worker stopped, so nothing is sent), `probes` sign-ins at a light fixed
 *   rate over fresh users, once with the controls at their defaults and once with every one switched off
 *   (RATE_LIMIT_*=0, PUMPING_MIN_SENDS=0, SPEND_CAP_DAILY_USD=0, `*` countries); the added latency (p50, p99)
 *   and the api's added CPU per request are the differences.
 *
 * The api and worker are restarted with the run's settings and restored afterwards. The daily spend cap is off
 * for the run (earlier benchmarks already spent far beyond it under the run's prefix); its own test is
 * test/cost-controls.e2e-spec.ts.
 */

const PUMPED_RANGE = '+447400';
/** Settings the earlier benchmarks may lift; the abuse run uses Redial's defaults for every one. */
const CONTROL_VARIABLES = /^(RATE_LIMIT_|PUMPING_|SMS_ALLOWED_COUNTRIES|CALL_ALLOWED_COUNTRIES|BLOCKED_NUMBER_TYPES|TRUST_PROXY|SPEND_CAP_DAILY_USD|PRICES_FILE)/;
const CONTROLS_OFF: Record<string, string> = {
  RATE_LIMIT_PHONE_10MIN: '0',
  RATE_LIMIT_PHONE_DAY: '0',
  RATE_LIMIT_SMS_COOLDOWN_SEC: '0',
  RATE_LIMIT_USER_CHALLENGES_HOUR: '0',
  RATE_LIMIT_USER_SETTINGS_HOUR: '0',
  RATE_LIMIT_API_KEY_MIN: '0',
  RATE_LIMIT_CLIENT_IP_MIN: '0',
  RATE_LIMIT_WRONG_CODES: '0',
  PUMPING_MIN_SENDS: '0',
  SMS_ALLOWED_COUNTRIES: '*',
  CALL_ALLOWED_COUNTRIES: '*',
  SPEND_CAP_DAILY_USD: '0',
};

interface Seeded {
  userId: string;
  e164: string;
}

async function seed(stack: BenchStack, sql: SqlService, users: Seeded[], country: string): Promise<void> {
  const repo = new PhoneSettingsRepository(sql);
  await mapLimit(users, 8, async (u) => {
    const pending = await repo.savePending(u.userId, [{ role: 'primary', position: 0, e164: u.e164, country, method: 'sms' }]);
    await sql.transaction((tx) => repo.activate(pending.id, tx, new Date()));
  });
}

/** Restarts the api and the worker (when wanted) with `env` on top of the run's settings minus the controls'. */
async function restart(stack: BenchStack, base: Record<string, string>, env: Record<string, string>, worker: boolean): Promise<void> {
  await stack.stop('api');
  await stack.stop('worker');
  for (const k of Object.keys(stack.env)) delete stack.env[k];
  for (const [k, v] of Object.entries(base)) if (!CONTROL_VARIABLES.test(k)) stack.env[k] = v;
  Object.assign(stack.env, env);
  await stack.start('api');
  if (worker) await stack.start('worker');
}

const ip = (i: number): string => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;

async function attackAndSignIns(stack: BenchStack, p: { attackRequests: number; attackRate: number; attackers: Seeded[]; keys: string[]; ordinary: Seeded[] }) {
  const abort = new AbortController();
  setMaxListeners(0, abort.signal);
  const answers = new Map<string, number>();
  const count = (key: string) => answers.set(key, (answers.get(key) ?? 0) + 1);
  const inflight: Array<Promise<unknown>> = [];
  const durationMs = (p.attackRequests / p.attackRate) * 1000;
  const ordinaryEvery = durationMs / p.ordinary.length;
  const ordinaryResults: Array<Promise<{ created: boolean; arrived: boolean; approved: boolean }>> = [];
  const start = wallNow() + 20;
  let nextOrdinary = 0;
  for (let i = 0; i < p.attackRequests; i++) {
    const due = start + (i * 1000) / p.attackRate;
    while (nextOrdinary < p.ordinary.length && start + nextOrdinary * ordinaryEvery <= due) {
      ordinaryResults.push(ordinarySignIn(stack, p.ordinary[nextOrdinary], nextOrdinary, abort.signal));
      nextOrdinary++;
    }
    const wait = due - wallNow();
    if (wait > 1) await sleep(wait - 0.5);
    const user = p.attackers[i % p.attackers.length];
    const headers = { authorization: `Bearer ${p.keys[i % p.keys.length]}`, 'x-forwarded-for': ip(i + 1) };
    inflight.push(
      requestJson('POST', `${stack.apiUrl}/v1/challenges`, { userId: user.userId }, headers, abort.signal).then(
        (res) => count(res.status === 201 ? '201' : `${res.status} ${res.body?.error ?? ''}${res.body?.limit ? ` (${res.body.limit})` : ''}`),
        () => count('no answer'),
      ),
    );
  }
  for (; nextOrdinary < p.ordinary.length; nextOrdinary++) ordinaryResults.push(ordinarySignIn(stack, p.ordinary[nextOrdinary], nextOrdinary, abort.signal));
  const timer = setTimeout(() => abort.abort(), 60_000);
  await Promise.all(inflight);
  const ordinary = await Promise.all(ordinaryResults);
  clearTimeout(timer);
  return { answers: Object.fromEntries([...answers.entries()].sort((a, b) => b[1] - a[1])), ordinary, durationMs };
}

/**
 * One person signing in: start, wait for a new text (30 s at most), enter its code — from the person's own
 * address (people sign in from their own devices; one shared address would meet the per-IP limit instead).
 */
async function ordinarySignIn(stack: BenchStack, user: Seeded, index: number, signal: AbortSignal): Promise<{ created: boolean; arrived: boolean; approved: boolean }> {
  const inboxUrl = `${stack.sandboxUrl}/sandbox/inbox/${encodeURIComponent(user.e164)}`;
  const before = ((await requestJson('GET', inboxUrl).catch(() => ({ body: undefined }))).body?.messages ?? []).length as number;
  const res = await requestJson('POST', `${stack.apiUrl}/v1/challenges`, { userId: user.userId }, stack.auth, signal).catch(() => ({ status: 0, body: undefined }));
  if (res.status !== 201) return { created: false, arrived: false, approved: false };
  const { id, token } = res.body as { id: string; token: string };
  let code: string | undefined;
  try {
    await waitUntil(
      `text to ${user.e164}`,
      async () => {
        const box = await requestJson('GET', inboxUrl);
        const messages = (box.body?.messages ?? []) as Array<{ body: string }>;
        const body = messages.length > before ? messages.at(-1)?.body : undefined;
        code = body ? /#(\d{6})\s*$/.exec(body)?.[1] : undefined;
        return code !== undefined;
      },
      30_000,
      250,
    );
  } catch {
    return { created: true, arrived: false, approved: false };
  }
  const checked = await requestJson('POST', `${stack.apiUrl}/v1/challenges/${id}/check`, { code }, { authorization: `Bearer ${token}`, 'x-forwarded-for': `192.0.${2 + (index >> 8)}.${index & 255}` }).catch(() => ({ status: 0, body: undefined }));
  return { created: true, arrived: true, approved: checked.body?.status === 'approved' };
}

async function textsToRange(stack: BenchStack, range: string): Promise<number> {
  const { rows } = await stack.pg.query<{ n: string }>(
    `SELECT count(*) AS n FROM delivery_attempts a JOIN challenge_steps s ON s.challenge_id = a.challenge_id AND s.index = a.step_index
      WHERE a.method = 'sms' AND a.provider_sid IS NOT NULL AND s.e164 LIKE $1`,
    [`${range}%`],
  );
  return Number(rows[0].n);
}

/** `n` sign-ins at `rate` per second over fresh users, the api alone: client latency (ms) and api CPU per request. */
async function probe(stack: BenchStack, warmUp: Seeded[], users: Seeded[], rate: number): Promise<{ latencies: number[]; apiCpuMs: number; statuses: Record<string, number> }> {
  // A freshly started api: JIT, pools and prepared statements warm up on requests that are not measured.
  await mapLimit(warmUp, 4, (u) => requestJson('POST', `${stack.apiUrl}/v1/challenges`, { userId: u.userId }, stack.auth).catch(() => undefined));
  await stack.waitIdle(15_000).catch(() => undefined);
  const cpu = await stack.cpuMeter();
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  const start = wallNow() + 20;
  const inflight: Array<Promise<void>> = [];
  for (let i = 0; i < users.length; i++) {
    const wait = start + (i * 1000) / rate - wallNow();
    if (wait > 1) await sleep(wait - 0.5);
    const at = wallNow();
    inflight.push(
      requestJson('POST', `${stack.apiUrl}/v1/challenges`, { userId: users[i].userId }, stack.auth).then(
        (res) => {
          latencies.push(wallNow() - at);
          statuses[res.status] = (statuses[res.status] ?? 0) + 1;
        },
        () => {
          statuses.error = (statuses.error ?? 0) + 1;
        },
      ),
    );
  }
  await Promise.all(inflight);
  return { latencies, apiCpuMs: (await cpu.stop(users.length)).api ?? Number.NaN, statuses };
}

export async function abuse(ctx: SuiteContext): Promise<SuiteResult> {
  const { stack, quick } = ctx;
  const size = {
    attackRequests: quick ? 600 : 10_000,
    attackRate: quick ? 100 : 150,
    attackers: quick ? 100 : 1000,
    attackKeys: quick ? 5 : 20,
    ordinary: quick ? 30 : 400,
    probes: quick ? 100 : 400,
    probeRate: 20,
  };
  const base = { ...stack.env };
  const wasRunning = (['api', 'worker', 'gateway'] as const).filter((n) => stack.apps[n] && !stack.apps[n]?.exited);
  const keys = Array.from({ length: size.attackKeys }, (_, i) => `abuse-key-${String(i).padStart(3, '0')}`);
  const apiKeys = [API_KEY, ...keys].join(',');
  const run = Date.now().toString(36);
  const attackers = Array.from({ length: size.attackers }, (_, i) => ({ userId: `pump-${run}-${i}`, e164: `${PUMPED_RANGE}${String(100000 + i).padStart(6, '0')}` }));
  const ordinary = Array.from({ length: size.ordinary }, (_, i) => ({ userId: `person-${run}-${i}`, e164: `+1628555${String(i).padStart(4, '0')}` }));
  const probesOn = Array.from({ length: size.probes }, (_, i) => ({ userId: `probe-on-${run}-${i}`, e164: `+1669555${String(i).padStart(4, '0')}` }));
  const probesOff = Array.from({ length: size.probes }, (_, i) => ({ userId: `probe-off-${run}-${i}`, e164: `+1669556${String(i).padStart(4, '0')}` }));
  const warmOn = Array.from({ length: 100 }, (_, i) => ({ userId: `warm-on-${run}-${i}`, e164: `+1669557${String(i).padStart(4, '0')}` }));
  const warmOff = Array.from({ length: 100 }, (_, i) => ({ userId: `warm-off-${run}-${i}`, e164: `+1669558${String(i).padStart(4, '0')}` }));

  const sql = new SqlService(stack.config);
  try {
    await stack.start('sandbox');
    await seed(stack, sql, attackers, 'GB');
    await seed(stack, sql, [...ordinary, ...probesOn, ...probesOff, ...warmOn, ...warmOff], 'US');
    ctx.log(`abuse: ${size.attackRequests} pumping requests at ${size.attackRate}/s over ${size.attackers} users and ${size.attackKeys} keys, ${size.ordinary} sign-ins beside them`);

    // The attack, with the controls at their defaults — and their budgets fresh: the suites before this one spent
    // the main API key's and the users' budgets (rate limits and pumping windows live under the prefix in Redis).
    await restart(stack, base, { API_KEYS: apiKeys, SPEND_CAP_DAILY_USD: '0' }, true);
    await deleteKeys(`${stack.prefix}-ratelimit-`);
    await deleteKeys(`${stack.prefix}-pumping`);
    const textsBefore = await textsToRange(stack, PUMPED_RANGE);
    const attack = await attackAndSignIns(stack, { ...size, attackers, keys, ordinary });
    await sleep(3000); // the last dispatch jobs
    const pumpedTexts = (await textsToRange(stack, PUMPED_RANGE)) - textsBefore;
    const arrived = attack.ordinary.filter((o) => o.arrived).length;
    const approved = attack.ordinary.filter((o) => o.approved).length;

    // The api's cost of the checks: with the controls at their defaults, then all off (worker stopped).
    await restart(stack, base, { API_KEYS: apiKeys, SPEND_CAP_DAILY_USD: '0' }, false);
    const on = await probe(stack, warmOn, probesOn, size.probeRate);
    await restart(stack, base, { API_KEYS: apiKeys, ...CONTROLS_OFF }, false);
    const off = await probe(stack, warmOff, probesOff, size.probeRate);

    const p = (v: number[], q: number) => percentile(v, q);
    return {
      title: 'Abuse run: SMS pumping against the controls',
      figures: {
        pumpedTextsSent: figure([pumpedTexts], 'texts', 0),
        ordinaryDeliveredPct: figure([(arrived * 100) / size.ordinary], '%', 1),
        ordinaryApprovedPct: figure([(approved * 100) / size.ordinary], '%', 1),
        checksAddedP50: figure([p(on.latencies, 50) - p(off.latencies, 50)], 'ms', 2),
        checksAddedP99: figure([p(on.latencies, 99) - p(off.latencies, 99)], 'ms', 2),
        checksApiCpuMsPerRequest: figure([on.apiCpuMs - off.apiCpuMs], 'ms', 2),
      },
      goals: quick
        ? undefined
        : [
            { figure: 'pumpedTextsSent', op: '<=', value: 50 },
            { figure: 'ordinaryDeliveredPct', op: '>=', value: 99 },
          ],
      params: {
        ...size,
        pumpedRange: `${PUMPED_RANGE}…`,
        attackSeconds: Number((attack.durationMs / 1000).toFixed(1)),
        attackAnswers: attack.answers,
        ordinaryCreated: attack.ordinary.filter((o) => o.created).length,
        ordinaryArrived: arrived,
        ordinaryApproved: approved,
        probe: {
          on: { p50: p(on.latencies, 50), p99: p(on.latencies, 99), apiCpuMsPerRequest: on.apiCpuMs, statuses: on.statuses },
          off: { p50: p(off.latencies, 50), p99: p(off.latencies, 99), apiCpuMsPerRequest: off.apiCpuMs, statuses: off.statuses },
        },
      },
      notes: [
        'pumpedTextsSent: texts the provider accepted for +44 7400… during the attack (goal ≤ 50); the attack never enters a code.',
        'ordinaryDeliveredPct: ordinary sign-ins during the attack whose text arrived within 30 s (goal ≥ 99 %).',
        'checksAdded*: POST /v1/challenges latency with the controls at their defaults minus with them off, api alone, light load; a difference of two percentiles, so noisy on a shared machine (see apiCpuMsPerRequest).',
      ],
    };
  } finally {
    await sql.pool.end().catch(() => undefined);
    // Back to the run's own settings and processes.
    await stack.stop('api').catch(() => undefined);
    await stack.stop('worker').catch(() => undefined);
    for (const k of Object.keys(stack.env)) delete stack.env[k];
    Object.assign(stack.env, base);
    for (const name of wasRunning) await stack.start(name).catch(() => undefined);
  }
}
