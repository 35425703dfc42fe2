import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@redial/config';
import { destinationPrefix, displayPrefix } from '@redial/domain';
import { GuardScripts, type ScriptAsk, type SectionReply } from './guard.scripts';
import { PumpingReleaseRepository, PumpingReleaseRow } from './pumping-release.repository';
import { PumpingStore, StoredSuspension } from './pumping.store';
import { RequestRefusedError } from './request-refused.error';
import type { SendCheck, SendContext, SendRefusal } from './send-guard';

/**
 * The SMS pumping guard (issue 13). Counts, per destination prefix, texts about to be sent (at the send check)
 * and codes verified (`recordVerified`, called where a texted code is approved) over a
 * sliding window; a prefix sent enough texts with too few codes coming back (pumping.policy.ts) is suspended.
 * While suspended, new texts to it are refused before sending (`destination_suspended`, the step fails over —
 * to a call when the person has one), and a challenge whose every step is such a text is refused at creation.
 * Only an operator lifts a suspension (`release`), and each release is written to the audit table.
 */
@Injectable()
export class PumpingGuard implements SendCheck {
  readonly name = 'pumping';
  private readonly logger = new Logger('PumpingGuard');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly store: PumpingStore,
    private readonly releases: PumpingReleaseRepository,
    private readonly scripts: GuardScripts,
  ) {}

  private get enabled(): boolean {
    return this.config.pumping.minSends > 0;
  }

  prefixOf(e164: string): string | undefined {
    return destinationPrefix(e164, this.config.pumping.prefixDigits);
  }

  /**
   * Counts the text against its prefix here, before it is sent, and decides on the count: with 50 sends in
   * flight across the workers, counting only after the provider accepted a text let the sends already past the
   * check go out after the prefix was suspended. A text counted here and then refused by a later check, or
   * failed by the provider, is counted anyway — that errs toward suspending a prefix slightly early. A text to a
   * prefix already suspended is refused without being counted. Once per attempt: a send retried after a
   * provider error (each try asks this check again) is one text. The text that reaches the threshold still goes
   * out; every one counted past it is held (`figures.sent > minSends`), so at most PUMPING_MIN_SENDS texts leave
   * per window, however many are in flight. All of it is one section of the guard's script (PUMPING_SEND_CHECK).
   */
  check(ctx: SendContext): ScriptAsk<SendRefusal | null> | null {
    if (ctx.method !== 'sms' || !this.enabled) return null;
    const prefix = this.prefixOf(ctx.e164);
    if (prefix === undefined) return null;
    return {
      ...this.store.countSend(prefix, ctx.attemptId),
      verdict: ([refused, sent, verified, suspendedNow]: SectionReply) => {
        if (suspendedNow === 1) this.logger.warn(`suspended texts to ${displayPrefix(prefix)}: ${verified} of ${sent} codes verified in ${this.config.pumping.windowMin} min`);
        return refused === 1 ? { reason: 'destination_suspended', detail: `texts to ${displayPrefix(prefix)} are suspended (pumping guard)` } : null;
      },
    };
  }

  /** A texted code was approved: the prefix converted once more. Never fails the caller (the code was right). */
  async recordVerified(e164: string): Promise<void> {
    if (!this.enabled) return;
    const prefix = this.prefixOf(e164);
    if (prefix === undefined) return;
    await this.store.countVerified(prefix).catch((err: unknown) => this.logger.warn(`could not count a verified code for ${displayPrefix(prefix)}: ${(err as Error).message}`));
  }

  /**
   * At challenge creation: refuses (409 `destination_suspended`) when every step would be a text to a suspended
   * prefix — nothing could reach the person. With a call among the steps the challenge goes ahead and the
   * suspended texts fail over at send time. Null when nothing needs asking (a call among the steps, a number
   * with no known prefix, the guard off). Asked with the other checks at creation (ChallengeAdmission).
   */
  unreachable(phones: ReadonlyArray<{ e164: string; method: string }>, field?: string): ScriptAsk<RequestRefusedError | null> | null {
    if (!this.enabled || phones.length === 0 || phones.some((p) => p.method !== 'sms')) return null;
    const prefixes = phones.map((p) => this.prefixOf(p.e164));
    // A text with no known prefix cannot be suspended, so not every step is (everyStepSuspended).
    if (prefixes.some((p) => p === undefined)) return null;
    return {
      ...this.store.everySuspended(prefixes as string[]),
      verdict: ([refused]: SectionReply) =>
        refused === 1
          ? new RequestRefusedError(
              409,
              'destination_suspended',
              "Texts to this phone's number range are paused because of unusual traffic, and there is no other phone to use. Try again later, or add a phone that can take calls.",
              field === undefined ? {} : { field },
            )
          : null,
    };
  }

  /** `unreachable` on its own (a settings save, before its verification text). */
  async refuseIfUnreachable(phones: ReadonlyArray<{ e164: string; method: string }>, field?: string): Promise<void> {
    const ask = this.unreachable(phones, field);
    if (ask === null) return;
    const [refusal] = await this.scripts.run([ask]).catch((err: unknown) => {
      // Fail open here: the send check refuses the texts anyway, and a Redis hiccup must not stop sign-ins.
      this.logger.warn(`could not read suspensions at creation: ${(err as Error).message}`);
      return [null];
    });
    if (refusal) throw refusal;
  }

  list(): Promise<StoredSuspension[]> {
    return this.store.list();
  }

  /** Lifts a suspension and records who did it, when, and the figures that had suspended the prefix. */
  async release(prefix: string, operator: string, note?: string): Promise<PumpingReleaseRow | undefined> {
    // The audit row is written before the suspension is lifted: no release goes unrecorded.
    const released = await this.store.get(prefix);
    if (released === undefined) return undefined;
    const row: PumpingReleaseRow = {
      id: randomUUID(),
      prefix,
      operator,
      note: note ?? null,
      suspendedAt: released.since,
      releasedAt: new Date(),
      sent: released.sent,
      verified: released.verified,
      windowMin: released.windowMin,
    };
    await this.releases.insert(row);
    await this.store.release(prefix);
    this.logger.warn(`operator ${operator} released texts to ${displayPrefix(prefix)} (${released.verified} of ${released.sent} codes verified when suspended)`);
    return row;
  }
}
