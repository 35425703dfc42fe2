import { Injectable } from '@nestjs/common';
import type { ChallengePurpose, ChallengeView, CheckResult } from '@redial/contracts';
import { Decision, isUuid, Outcome } from '@redial/domain';
import { ChallengeEngine, EngineError, Transition } from '@redial/engine';
import { ApiError } from '../common/api-error';
import { assertCallerMayAccess, AuthedRequest } from '../common/auth.guard';
import { oneOf, onlyKeys, pathId, requireObject, requiredString } from '../common/input';

const PURPOSES: readonly ChallengePurpose[] = ['sign_in'];

@Injectable()
export class ChallengesService {
  constructor(private readonly engine: ChallengeEngine) {}

  async create(body: unknown, requestId: string): Promise<ChallengeView & { token: string }> {
    const input = requireObject(body, undefined);
    onlyKeys(input, ['userId', 'purpose'], '');
    const userId = pathId(requiredString(input, 'userId', 'userId', 128), 'userId');
    const purpose = oneOf(input, 'purpose', 'purpose', PURPOSES, false) ?? 'sign_in';
    try {
      const { view, token } = await this.engine.createSignIn(userId, purpose, requestId);
      return { ...view, token };
    } catch (err) {
      if (err instanceof EngineError) throw ApiError.conflict(err.code, err.message);
      throw err;
    }
  }

  async get(id: string, request: AuthedRequest): Promise<ChallengeView> {
    this.access(id, request);
    const view = await this.engine.load(id);
    if (!view) throw notFound(id);
    return view;
  }

  async check(id: string, body: unknown, request: AuthedRequest): Promise<CheckResult> {
    this.access(id, request);
    const input = requireObject(body, undefined);
    onlyKeys(input, ['code'], '');
    const raw = input.code;
    if (raw === undefined || raw === null || raw === '') throw ApiError.badRequest('required', 'code is required: the 6-digit code from the text.', 'code');
    if (typeof raw !== 'string' && typeof raw !== 'number') throw ApiError.badRequest('invalid_type', 'code must be a string of 6 digits.', 'code');
    const code = String(raw).replace(/[\s-]/g, '');
    if (!/^\d{6}$/.test(code)) throw ApiError.badRequest('invalid_code_format', 'code must be exactly 6 digits.', 'code');
    const t = await this.engine.checkCode(id, code);
    if (!t) throw notFound(id);
    this.refuseRejected(t.decision, t);
    return { status: t.view.status, attemptsLeft: t.view.attemptsLeft };
  }

  async advance(id: string, request: AuthedRequest): Promise<ChallengeView> {
    return this.transition(id, request, { type: 'advance' });
  }

  async cancel(id: string, request: AuthedRequest): Promise<ChallengeView> {
    return this.transition(id, request, { type: 'cancel' });
  }

  private async transition(id: string, request: AuthedRequest, outcome: Outcome): Promise<ChallengeView> {
    this.access(id, request);
    const t = await this.engine.apply(id, outcome);
    if (!t) throw notFound(id);
    this.refuseRejected(t.decision, t);
    return t.view;
  }

  private access(id: string, request: AuthedRequest): void {
    if (!isUuid(id)) throw ApiError.notFound('challenge_not_found', `No challenge ${id.slice(0, 64)}.`);
    assertCallerMayAccess(request, id);
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

