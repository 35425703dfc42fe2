import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@redial/config';
import type { ChallengeView, CheckResult, CreateChallengeBody, CreatedChallenge } from '@redial/contracts';
import { Decision, Outcome } from '@redial/domain';
import { ChallengeEngine, EngineError, Transition } from '@redial/engine';
import { ApiError } from '../common/api-error';
import { assertCallerMayAccess, Caller } from '../common/auth.guard';

/** The challenge routes' decisions. Inputs arrive parsed by their schemas (libs/contracts); ids are UUIDs. */
@Injectable()
export class ChallengesService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly engine: ChallengeEngine,
  ) {}

  async create(input: CreateChallengeBody, requestId: string): Promise<CreatedChallenge> {
    try {
      const { view, token } = await this.engine.createSignIn(input.userId, input.purpose, requestId);
      return { ...view, token, statusUrl: `${this.config.publicUrl}/status/${view.id}?token=${encodeURIComponent(token)}` };
    } catch (err) {
      if (err instanceof EngineError) throw ApiError.conflict(err.code, err.message);
      throw err;
    }
  }

  async get(id: string, caller: Caller): Promise<ChallengeView> {
    assertCallerMayAccess(caller, id);
    const view = await this.engine.load(id);
    if (!view) throw notFound(id);
    return view;
  }

  /** `code` is 6 digits (CheckCodeBodySchema); a wrong one is an answer (`pending`, one attempt fewer), not an error. */
  async check(id: string, code: string, caller: Caller): Promise<CheckResult> {
    assertCallerMayAccess(caller, id);
    const t = await this.engine.checkCode(id, code);
    if (!t) throw notFound(id);
    this.refuseRejected(t.decision, t);
    return { status: t.view.status, attemptsLeft: t.view.attemptsLeft };
  }

  async advance(id: string, caller: Caller): Promise<ChallengeView> {
    return this.transition(id, caller, { type: 'advance' });
  }

  async cancel(id: string, caller: Caller): Promise<ChallengeView> {
    return this.transition(id, caller, { type: 'cancel' });
  }

  private async transition(id: string, caller: Caller, outcome: Outcome): Promise<ChallengeView> {
    assertCallerMayAccess(caller, id);
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
