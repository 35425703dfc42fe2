import { newCallRecord } from './twilio-resource.serializer';
import { loadConfig } from '@redial/config';
import { CallSimulatorService } from './call-simulator.service';
import { SandboxLogger } from './sandbox.logger';
import { resolveSandboxSettings } from './sandbox.settings';
import { SandboxStateService } from './sandbox-state.service';
import { type CallRecord, DEFAULT_BEHAVIOUR, type NumberBehaviour } from './sandbox.types';
import type { StatusCallback, WebhookParams, WebhookResponse, WebhookSenderService } from './webhook-sender.service';

const BASE = 'https://app.example';

/** The network's far ends: records status callbacks, answers TwiML per path. */
class FakeSender {
  readonly callbacks: WebhookParams[] = [];
  readonly fetches: Array<{ path: string; params: WebhookParams }> = [];
  constructor(private readonly twiml: Record<string, string>) {}

  statusCallback(callback: StatusCallback): Promise<void> {
    this.callbacks.push(callback.params);
    return Promise.resolve();
  }

  fetchTwiml(_method: string, url: string, params: WebhookParams): Promise<WebhookResponse> {
    const path = new URL(url).pathname;
    this.fetches.push({ path, params });
    const body = this.twiml[path];
    return Promise.resolve(body === undefined ? { status: 404, body: '' } : { status: 200, body: `<Response>${body}</Response>` });
  }
}

/** Redial's prompt as it stands: a `#`-finished Gather, then a Redirect for "no input". */
const PROMPT = `<Gather finishOnKey="#" action="${BASE}/gather"><Say>Press pound</Say></Gather><Redirect>${BASE}/again</Redirect>`;
const TWIML = { '/voice': PROMPT, '/gather': '<Say>Thanks</Say><Hangup/>', '/again': '<Say>Bye</Say><Hangup/>', '/other': '<Say>Other</Say>' };

const tick = (ms = 5) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(what: string, check: () => boolean, ms = 2000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await tick();
  }
}

describe('CallSimulatorService', () => {
  let state: SandboxStateService;
  let sender: FakeSender;
  let simulator: CallSimulatorService;
  let seq = 0;

  beforeEach(() => {
    const settings = resolveSandboxSettings(loadConfig({}), { quiet: true, interactiveTimeoutCapSec: 30 });
    state = new SandboxStateService(settings);
    sender = new FakeSender(TWIML);
    simulator = new CallSimulatorService(settings, state, sender as unknown as WebhookSenderService, new SandboxLogger(settings));
  });
  afterEach(() => state.onApplicationShutdown());

  function place(behaviour: Partial<NumberBehaviour>, url = `${BASE}/voice`): CallRecord {
    const call = newCallRecord(`CA${String(++seq).padStart(32, '0')}`, {
      to: '+15551230001',
      from: '+15005550006',
      url,
      method: 'POST',
      twiml: null,
      statusCallback: `${BASE}/status`,
      statusCallbackMethod: 'POST',
      events: new Set(['initiated', 'ringing', 'answered', 'completed']),
      machineDetection: false,
      timeoutSec: 60,
    });
    state.addCall(call);
    simulator.start(call, { ...DEFAULT_BEHAVIOUR, delayMs: 5, ...behaviour });
    return call;
  }

  const statuses = () => sender.callbacks.map((c) => c.CallStatus);
  /** The call has its final status and its `completed`-event callback went out (the only one with CallDuration). */
  const ended = (call: CallRecord) => () => call.endedAt !== null && sender.callbacks.some((c) => c.CallDuration !== undefined);

  it.each<[string, string, string[], string]>([
    ['press-pound', '#', ['/voice', '/again'], ''],
    ['report-fraud', '0#', ['/voice', '/gather'], '0'],
    ['silence', '', ['/voice', '/again'], ''],
  ])('%s types %p: the Gather sees it as Twilio would', async (voice, typed, fetched, digits) => {
    const call = place({ voice: voice as NumberBehaviour['voice'] });
    await until('the call to end', ended(call));
    expect(sender.fetches.map((f) => f.path)).toEqual(fetched);
    expect(sender.fetches.find((f) => f.path === '/gather')?.params.Digits ?? '').toBe(digits);
    expect(call.digits).toBe(typed);
    expect(statuses()).toEqual(['initiated', 'ringing', 'in-progress', 'completed']);
  });

  it('keys on the number replace the scripted ones', async () => {
    const call = place({ voice: 'press-pound', keys: 'w12#' });
    await until('the call to end', ended(call));
    expect(sender.fetches.find((f) => f.path === '/gather')?.params).toMatchObject({ Digits: '12', FinishedOnKey: '#' });
    expect(call.digits).toBe('12#');
  });

  it.each<[string, string[], string]>([
    ['busy', ['initiated', 'ringing', 'busy'], '486'],
    ['no-answer', ['initiated', 'ringing', 'no-answer'], '480'],
    ['failed', ['initiated', 'failed'], '404'],
  ])('%s: the final callback carries SipResponseCode', async (voice, expected, sip) => {
    const call = place({ voice: voice as NumberBehaviour['voice'] });
    await until('the call to end', () => call.endedAt !== null);
    await tick(10);
    expect(statuses()).toEqual(expected);
    expect(sender.callbacks.at(-1)).toMatchObject({ SipResponseCode: sip, CallDuration: '0' });
  });

  it('cancel() on a queued call: canceled at once, one completed-event callback, nothing else ever', async () => {
    const call = place({ voice: 'busy', delayMs: 30 });
    expect(simulator.cancel(call)).toBe(true);
    expect(call).toMatchObject({ status: 'canceled', pressKeys: null });
    expect(call.endedAt).not.toBeNull();
    await tick(100);
    expect(sender.callbacks).toEqual([expect.objectContaining({ CallStatus: 'canceled', SequenceNumber: '0', CallDuration: '0' })]);
    expect(sender.callbacks[0]).not.toHaveProperty('SipResponseCode');
    expect(sender.fetches).toEqual([]);
  });

  it('cancel() on a ringing call: canceled, and no busy / no-answer afterwards', async () => {
    const call = place({ voice: 'no-answer', delayMs: 30 });
    await until('ringing', () => call.status === 'ringing');
    expect(simulator.cancel(call)).toBe(true);
    await tick(100);
    expect(statuses()).toEqual(['initiated', 'ringing', 'canceled']);
    expect(call.status).toBe('canceled');
  });

  it('cancel() on a call in progress does nothing', async () => {
    const call = place({ voice: 'interactive' });
    await until('the Gather to listen', () => call.awaitingDigits);
    expect(simulator.cancel(call)).toBe(false);
    expect(call.status).toBe('in-progress');
    call.pressKeys?.('#');
    await until('the call to end', ended(call));
  });

  it('hangUp() on a call in progress: completed at once with its duration; the waiting Gather never posts', async () => {
    const call = place({ voice: 'interactive' });
    await until('the Gather to listen', () => call.awaitingDigits);
    expect(simulator.hangUp(call)).toBe(true);
    expect(call).toMatchObject({ status: 'completed', awaitingDigits: false, pressKeys: null });
    await tick(50);
    const completed = sender.callbacks.at(-1);
    expect(completed).toMatchObject({ CallStatus: 'completed', SequenceNumber: '3' });
    expect(Number(completed?.CallDuration)).toBeGreaterThanOrEqual(1);
    expect(sender.fetches.map((f) => f.path)).toEqual(['/voice']);
    expect(statuses()).toEqual(['initiated', 'ringing', 'in-progress', 'completed']);
  });

  it('redirect() abandons the waiting Gather and runs the new TwiML, keeping the call', async () => {
    const call = place({ voice: 'interactive' });
    await until('the Gather to listen', () => call.awaitingDigits);
    expect(simulator.redirect(call, { url: `${BASE}/other`, method: 'POST' })).toBe(true);
    await until('the call to end', ended(call));
    expect(sender.fetches.map((f) => f.path)).toEqual(['/voice', '/other']);
    expect(call.said).toEqual(['Press pound', 'Other']);
  });

  it('keys typed interactively before the Gather listens are queued for it', async () => {
    const call = place({ voice: 'interactive', delayMs: 20 });
    await until('the keypad', () => call.pressKeys !== null);
    call.pressKeys?.('0');
    call.pressKeys?.('#');
    await until('the call to end', ended(call));
    expect(sender.fetches.find((f) => f.path === '/gather')?.params).toMatchObject({ Digits: '0', FinishedOnKey: '#' });
  });

  it('nothing can be done to a call that has ended', async () => {
    const call = place({ voice: 'busy' });
    await until('the call to end', () => call.endedAt !== null);
    expect(simulator.cancel(call)).toBe(false);
    expect(simulator.hangUp(call)).toBe(false);
    expect(simulator.redirect(call, { twiml: '<Response/>' })).toBe(false);
    expect(call.status).toBe('busy');
  });
});
