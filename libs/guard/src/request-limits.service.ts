import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@redial/config';
import { GuardScripts, type ScriptAsk, type SectionReply } from './guard.scripts';
import { RequestRefusedError } from './request-refused.error';
import { RateLimitStore, type Take } from './rate-limit.store';
import { refusalMessage, retryAfterSec, type RateLimitName } from './rate-limits';

/**
 * The api's rate limits, asked before anything is created, so a refused request creates, sends and stores
 * nothing: per user (challenges started, settings saves that send a verification), per API key (challenges),
 * per client IP (requests made with a challenge token: the person's browser), and wrong codes per user across
 * challenges. A refusal throws RequestRefusedError (429 `rate_limited`, `Retry-After`, the limit's name).
 *
 * When Redis cannot be reached the request is allowed and a warning logged: a Redis outage delays challenges
 * (the reconciler re-creates their jobs) but must not refuse every sign-in.
 */
@Injectable()
export class RequestLimits {
  private readonly logger = new Logger('RequestLimits');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly store: RateLimitStore,
    private readonly scripts: GuardScripts,
  ) {}

  /**
   * `POST /v1/challenges`: the user's hourly budget and, for an API-key caller, the key's per-minute one. Asked
   * with the other checks at creation, in one round trip (ChallengeAdmission).
   */
  challengeStart(userId: string, apiKey: string | undefined): ScriptAsk<RequestRefusedError | null> | null {
    const takes: Take[] = [{ limit: 'user_challenges', subject: this.store.subject('user', userId) }];
    if (apiKey !== undefined) takes.push({ limit: 'api_key_challenges', subject: this.store.subject('api_key', apiKey) });
    return this.takeAsk(takes);
  }

  /** `PUT /v1/users/:id/phones` that passed validation (it will send a verification). */
  async settingsSave(userId: string): Promise<void> {
    await this.take([{ limit: 'user_settings_saves', subject: this.store.subject('user', userId) }]);
  }

  /** A request made with a challenge token (status reads, `/check`, `/advance`, `/cancel` from the person's page). */
  async clientRequest(ip: string): Promise<void> {
    await this.take([{ limit: 'client_ip', subject: this.store.subject('ip', ip) }]);
  }

  /** Before a code is compared: refused while the user is locked out, so the challenge's own counter is untouched. */
  async assertCodesAllowed(userId: string): Promise<void> {
    const spec = this.store.specs.wrong_codes;
    if (!this.store.enabled('wrong_codes')) return;
    const budget = await this.failOpen(() => this.store.peek('wrong_codes', this.store.subject('user', userId)));
    const locked = budget !== undefined && budget.consumed >= spec.points;
    this.store.counters.checked('wrong_codes', locked);
    if (locked) throw this.refusal('wrong_codes', budget.msBeforeNext);
  }

  /**
   * A code was compared. A wrong one adds to the user's run (which locks `/check` for the lock's length once it
   * reaches the limit); a correct one ends the run and the phone's SMS cool-down (its text did its job).
   */
  async codeChecked(userId: string, correct: boolean, phoneE164: string | undefined): Promise<void> {
    const user = this.store.subject('user', userId);
    await this.failOpen(async () => {
      if (correct) {
        const resets: Array<Promise<void>> = [];
        if (this.store.enabled('wrong_codes')) resets.push(this.store.reset('wrong_codes', user));
        if (phoneE164 !== undefined && this.store.enabled('sms_cooldown')) resets.push(this.store.releaseCooldown(this.store.subject('phone', phoneE164)));
        await Promise.all(resets);
        return;
      }
      if (!this.store.enabled('wrong_codes')) return;
      const run = await this.store.consume('wrong_codes', user);
      if (run.consumed >= this.store.specs.wrong_codes.points) await this.store.block('wrong_codes', user, this.config.rateLimits.wrongCodesLockSec);
    });
  }

  /** Takes one from each budget, all or none: a request past one is refused and leaves every budget as it found it. */
  private async take(takes: Take[]): Promise<void> {
    const ask = this.takeAsk(takes);
    if (ask === null) return;
    const verdicts = await this.failOpen(() => this.scripts.run([ask]));
    const refusal = verdicts?.[0];
    if (refusal) throw refusal;
  }

  /** The enabled budgets of `takes` as one section (TAKE_BUDGETS); its verdict refuses with the longest wait of those spent. */
  private takeAsk(takes: Take[]): ScriptAsk<RequestRefusedError | null> | null {
    const enabled = takes.filter((t) => this.store.enabled(t.limit));
    if (enabled.length === 0) return null;
    return {
      ...this.store.take(enabled),
      verdict: ([, ...states]: SectionReply) => {
        const taken = enabled.map((t, i) => ({ limit: t.limit, consumed: Number(states[2 * i]), msBeforeNext: Math.max(0, Number(states[2 * i + 1])) }));
        const refused = taken.filter((s) => s.consumed > this.store.specs[s.limit].points);
        enabled.forEach((t) => this.store.counters.checked(t.limit, refused.some((r) => r.limit === t.limit)));
        if (refused.length === 0) return null;
        const worst = refused.reduce((a, b) => (b.msBeforeNext > a.msBeforeNext ? b : a));
        return this.refusal(worst.limit, worst.msBeforeNext);
      },
    };
  }

  private refusal(limit: RateLimitName, msBeforeNext: number): RequestRefusedError {
    const wait = retryAfterSec(msBeforeNext);
    return RequestRefusedError.rateLimited(limit, wait, refusalMessage(this.store.specs[limit], wait));
  }

  private async failOpen<T>(work: () => Promise<T>): Promise<T | undefined> {
    try {
      return await work();
    } catch (err) {
      this.logger.warn(`rate limits not checked (${(err as Error).message}): allowing the request`);
      return undefined;
    }
  }
}
