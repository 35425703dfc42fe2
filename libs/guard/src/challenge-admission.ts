import { Injectable, Logger } from '@nestjs/common';
import { GuardScripts, type ScriptAsk } from './guard.scripts';
import { PumpingGuard } from './pumping.guard';
import { RequestLimits } from './request-limits.service';
import { RequestRefusedError } from './request-refused.error';
import { SpendCheck } from './spend.check';

/** A phone a new challenge would use, as its settings hold it. */
export interface AdmittedPhone {
  e164: string;
  method: 'sms' | 'call';
  country: string;
}

/**
 * Whether a challenge may be created (`POST /v1/challenges`, "verify this backup now"), asked once its phones are
 * known and before anything is written: the user's and the API key's budgets (RequestLimits), the pumping guard
 * (every step a text to a suspended number range) and the daily spend cap for the first send (SpendCheck) — in
 * that order, in one round trip to Redis (guard.scripts.ts), stopping at the first refusal as each would alone.
 *
 * When Redis cannot be reached the budgets and the pumping guard allow the challenge with a warning, as they do
 * on their own; the spend cap's read failing fails the request, as it always has.
 */
@Injectable()
export class ChallengeAdmission {
  private readonly logger = new Logger('ChallengeAdmission');

  constructor(
    private readonly limits: RequestLimits,
    private readonly pumping: PumpingGuard,
    private readonly spend: SpendCheck,
    private readonly scripts: GuardScripts,
  ) {}

  /** Throws the first refusal (RequestRefusedError). `field` names the phone in a pumping refusal. */
  async admit(request: { userId: string; apiKey?: string; phones: readonly AdmittedPhone[]; field?: string }): Promise<void> {
    const { userId, apiKey, phones, field } = request;
    const spendCap = phones.length > 0 ? this.spend.newChallenge(phones[0]) : null;
    const asks = [this.limits.challengeStart(userId, apiKey), this.pumping.unreachable(phones, field), spendCap].filter(
      (ask): ask is ScriptAsk<RequestRefusedError | null> => ask !== null,
    );
    let verdicts: Array<RequestRefusedError | null>;
    try {
      verdicts = await this.scripts.run(asks);
    } catch (err) {
      if (spendCap !== null) throw err;
      this.logger.warn(`rate limits and suspensions not checked (${(err as Error).message}): allowing the challenge`);
      return;
    }
    const refusal = verdicts.find((v) => v !== null);
    if (refusal) throw refusal;
  }
}
