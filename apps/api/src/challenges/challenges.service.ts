import { Injectable } from '@nestjs/common';
import type { ChallengeView, CheckResult, CreateChallengeBody, CreatedChallenge } from '@redial/contracts';
import { Decision, Outcome } from '@redial/domain';
import { ChallengeEngine, EngineError, StartedChallenge, Transition } from '@redial/engine';
import { ChallengeRepository, StoredSettings } from '@redial/database';
import { ChallengeAdmission, PumpingGuard, RequestLimits } from '@redial/guard';
import { ApiError } from '../common/api-error';
import { assertCallerMayAccess, Caller } from '../common/auth.guard';
import type { IdempotentRequest } from '../common/idempotency.guard';

/** The challenge routes' decisions. Inputs arrive parsed by their schemas (libs/contracts); ids are UUIDs. */
@Injectable()
export class ChallengesService {
  constructor(
    private readonly engine: ChallengeEngine,
    private readonly pumping: PumpingGuard,
    private readonly limits: RequestLimits,
    private readonly challenges: ChallengeRepository,
    private readonly admission: ChallengeAdmission,
  ) {}

  /** `idempotency`: the request's Idempotency-Key, first use; its answer is stored with the challenge. */
  async create(input: CreateChallengeBody, requestId: string, caller?: Caller, idempotency?: IdempotentRequest): Promise<CreatedChallenge> {
    const respond = ({ view, token, statusUrl }: StartedChallenge): CreatedChallenge => ({ ...view, token, statusUrl });
    try {
      // Once the phones are known and before anything is written, in one round trip to Redis: the user's and the
      // key's rate limits, the pumping guard, the daily spend cap. A refused request creates and sends nothing.
      const admit = (phones: StoredSettings['phones']) => this.admission.admit({ userId: input.userId, apiKey: caller?.kind === 'api_key' ? caller.apiKey : undefined, phones });
      return respond(await this.engine.createSignIn(input.userId, input.purpose, requestId, admit, idempotency?.hooks(respond)));
    } catch (err) {
      if (err instanceof EngineError) throw ApiError.conflict(err.code, err.message);
      throw err;
    }
  }

  async get(id: string, caller: Caller, clientIp?: string): Promise<ChallengeView> {
    assertCallerMayAccess(caller, id);
    await this.limitBrowser(caller, clientIp);
    const view = await this.engine.load(id);
    if (!view) throw notFound(id);
    return view;
  }

  /** `code` is 6 digits (CheckCodeBodySchema); a wrong one is an answer (`pending`, one attempt fewer), not an error. */
  async check(id: string, code: string, caller: Caller, clientIp?: string): Promise<CheckResult> {
    assertCallerMayAccess(caller, id);
    await this.limitBrowser(caller, clientIp);
    // Wrong codes per user across challenges: while locked, the code is not compared (the challenge's own
    // attempt counter is untouched).
    const userId = await this.challenges.userIdOf(id);
    if (userId === undefined) throw notFound(id);
    await this.limits.assertCodesAllowed(userId);
    const t = await this.engine.checkCode(id, code);
    if (!t) throw notFound(id);
    this.refuseRejected(t.decision, t);
    // The pumping guard's other half: a texted code came back, so its number range converted (libs/guard).
    const texted = t.decision.changed && t.view.status === 'approved' ? t.record.steps.find((s) => s.status === 'succeeded' && s.method === 'sms') : undefined;
    if (texted) await this.pumping.recordVerified(texted.e164);
    // A compared code (not an expiry found on the way): a wrong one adds to the user's run, a correct one ends it.
    if (t.decision.changed && t.view.status !== 'expired') await this.limits.codeChecked(userId, t.view.status === 'approved', texted?.e164);
    return { status: t.view.status, attemptsLeft: t.view.attemptsLeft };
  }

  async advance(id: string, caller: Caller, clientIp?: string): Promise<ChallengeView> {
    return this.transition(id, caller, { type: 'advance' }, clientIp);
  }

  async cancel(id: string, caller: Caller, clientIp?: string): Promise<ChallengeView> {
    return this.transition(id, caller, { type: 'cancel' }, clientIp);
  }

  /** Requests made with a challenge token come from the person's browser: they count against its IP's budget. */
  private async limitBrowser(caller: Caller, clientIp: string | undefined): Promise<void> {
    if (caller.kind === 'token' && clientIp !== undefined) await this.limits.clientRequest(clientIp);
  }

  private async transition(id: string, caller: Caller, outcome: Outcome, clientIp?: string): Promise<ChallengeView> {
    assertCallerMayAccess(caller, id);
    await this.limitBrowser(caller, clientIp);
    const t = await this.engine.apply(id, outcome);
    if (!t) throw notFound(id);
    this.refuseRejected(t.decision, t);
    return t.view;
  }

  private refuseRejected(decision: Decision, t: Transition): void {
    switch (decision.rejected) {
      case 'not_pending':
        throw ApiError.conflict('challenge_not_pending', `This challenge is already ${t.view.status.replace(/_/g, ' ')}.`);
      case 'no_other_option':
        throw ApiError.conflict('no_other_option', 'There is no other verification option left for this challenge.');
      case 'no_code_sent':
        throw ApiError.conflict('no_code_sent', 'No code has been texted for this challenge yet.');
      default:
        return;
    }
  }
}

function notFound(id: string): ApiError {
  return ApiError.notFound('challenge_not_found', `No challenge ${id}.`);
}
