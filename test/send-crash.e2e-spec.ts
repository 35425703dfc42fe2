/**
 * A worker that dies between the provider call and recording it sends nothing twice. The worker is an OS process
 * from dist/ whose Twilio requests pass through an HTTP balancer in front of the sandbox; the balancer withholds
 * the sandbox's answer to the create (the text or call exists at the "provider" from that moment) and the test
 * SIGKILLs the worker while it waits for that answer — exactly between the send and its record. The number's
 * network delay keeps every status callback away meanwhile, so nothing but the worker can learn the SID. Another
 * worker then takes the stalled job: it must find the text or call at the provider (Twilio's list filters) and
 * adopt it. Proven: one text (one call) in the phone's inbox, its SID recorded on the attempt, the step moved on
 * (`attempt.sent`), and the texted code approves.
 */
import { PhoneSettingsRepository, SqlService } from '@redial/database';
import { appEnv, type AppProcess, type Balancer, ensureBuilt, spawnApp, startBalancer } from './support/fleet';
import { eventually, inbox, latestCode, setNumber } from './support/flows';
import { startStack, type Stack } from './support/stack';

let stack: Stack;
let balancer: Balancer;
/** The create to hold (its path), and once it passed, the status the sandbox answered it with (withheld). */
let hold: { path: RegExp; answered?: number } | undefined;
const workers: AppProcess[] = [];
let n = 0;
const freshNumber = () => `+1203555${String(1000 + n++).padStart(4, '0')}`;

beforeAll(async () => {
  ensureBuilt();
  stack = await startStack({ sandbox: true });
  balancer = await startBalancer([Number(new URL(stack.sandboxUrl as string).port)], {
    pass: (req, answer) => {
      if (hold === undefined || hold.answered !== undefined || req.method !== 'POST' || !hold.path.test(req.url ?? '')) return true;
      hold.answered = answer.statusCode ?? 0;
      return false;
    },
  });
}, 120000);

afterAll(async () => {
  await Promise.all(workers.map((w) => w.kill()));
  await balancer?.close();
  await stack?.close();
});

/** A worker process of this suite's stack, its Twilio requests through `twilioUrl`. Job locks of 5 s. */
async function startWorker(name: string, twilioUrl: string): Promise<AppProcess> {
  const worker = await spawnApp(
    name,
    'worker',
    appEnv(
      { databaseUrl: stack.db.url, prefix: stack.prefix, tokenSecret: stack.config.tokenSecret, publicUrl: stack.apiUrl, twilioUrl },
      { DEPENDENCY_TIMEOUT_MS: '2500' },
    ),
    /worker running/,
  );
  workers.push(worker);
  return worker;
}

/** A user whose only phone is `e164`, settings active at once (no verification through a worker). */
async function userWith(e164: string, method: 'sms' | 'call'): Promise<string> {
  const userId = `crash-${method}-${n++}`;
  const settings = stack.api.get(PhoneSettingsRepository);
  const pending = await settings.savePending(userId, [{ role: 'primary', position: 0, e164, country: 'US', method }]);
  await stack.api.get(SqlService).transaction((tx) => settings.activate(pending.id, tx, new Date()));
  return userId;
}

const attemptsOf = async (challengeId: string) =>
  stack.api.get(SqlService).query<{ id: string; sid: string | null }>('SELECT id, provider_sid AS sid FROM delivery_attempts WHERE challenge_id = $1', [challengeId]);

/**
 * Signs `userId` in with a worker that dies once the sandbox has accepted the create matching `path` but before the
 * worker hears back; then a second worker recovers the stalled job. Returns the challenge and the recorded SID.
 */
async function signInThroughACrash(userId: string, path: RegExp): Promise<{ challengeId: string; token: string; sid: string }> {
  const held: NonNullable<typeof hold> = { path };
  hold = held;
  const doomed = await startWorker(`worker-doomed-${n}`, balancer.url);
  const res = await stack.request('POST', '/v1/challenges', { userId });
  expect(res.status).toBe(201);
  const challengeId = res.body.id as string;
  expect(await eventually('the sandbox to accept the create', async () => held.answered)).toBe(201); // the provider has it…
  await doomed.kill(); // …and the worker dies before it hears so
  const [unrecorded] = await attemptsOf(challengeId);
  expect(unrecorded).toMatchObject({ sid: null }); // the crash fell between the send and its record

  const survivor = await startWorker(`worker-survivor-${n}`, stack.sandboxUrl as string);
  const [recorded] = await eventually('the stalled job to record its send', async () => {
    const rows = await attemptsOf(challengeId);
    return rows[0]?.sid ? rows : undefined;
  }, 40000, 100);
  await survivor.kill();
  return { challengeId, token: res.body.token as string, sid: recorded.sid as string };
}

const events = async (challengeId: string) =>
  (await stack.api.get(SqlService).query<{ type: string }>('SELECT type FROM challenge_events WHERE challenge_id = $1 ORDER BY seq', [challengeId])).map((e) => e.type);

it('a text: the re-run finds it at the provider and adopts it; one text, and its code approves', async () => {
  const phone = freshNumber();
  await setNumber(stack, phone, { sms: 'deliver', delayMs: 60_000 });
  const { challengeId, token, sid } = await signInThroughACrash(await userWith(phone, 'sms'), /\/Messages\.json$/);
  const box = await inbox(stack, phone);
  expect(box.messages.map((m) => m.sid)).toEqual([sid]);
  expect(await events(challengeId)).toContain('attempt.sent');
  const code = await latestCode(stack, phone);
  const checked = await stack.request('POST', `/v1/challenges/${challengeId}/check`, { code }, { authorization: `Bearer ${token}` });
  expect(checked.body).toEqual({ status: 'approved', attemptsLeft: 5 });
  expect((await inbox(stack, phone)).messages).toHaveLength(1);
}, 120000);

it('a call: the re-run adopts the call it finds instead of dialling again; one call', async () => {
  const phone = freshNumber();
  await setNumber(stack, phone, { voice: 'press-pound', delayMs: 60_000 });
  const { challengeId, sid } = await signInThroughACrash(await userWith(phone, 'call'), /\/Calls\.json$/);
  expect((await inbox(stack, phone)).calls.map((c) => c.sid)).toEqual([sid]);
  expect(await events(challengeId)).toContain('attempt.sent');
}, 120000);
