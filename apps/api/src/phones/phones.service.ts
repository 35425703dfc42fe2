import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@redial/config';
import type { PhoneInput, PhoneSettingsInput, PhoneSettingsView, PhoneView, VerificationRef } from '@redial/contracts';
import { ChallengeRepository, newPendingSettings, PhoneSettingsRepository, StoredPhone, StoredSettings } from '@redial/database';
import { geoVerdict, normalisePhone, signChallengeToken, statusPageUrl } from '@redial/domain';
import type { CreationHooks, StartedChallenge } from '@redial/engine';
import { ChallengeAdmission, PumpingGuard, RequestLimits } from '@redial/guard';
import { ApiError } from '../common/api-error';
import type { IdempotentRequest } from '../common/idempotency.guard';
import { toPhoneView } from './phone-view';

/** Starts the verifications of saved phones (the challenge engine provides them). */
export const SETTINGS_VERIFIER = Symbol('SETTINGS_VERIFIER');
export interface SettingsVerifier {
  /**
   * The verification that activates a pending settings version: `pending`, not stored yet, is written with its
   * challenge in one transaction.
   */
  startSettingsVerification(pending: StoredSettings, requestId?: string, hooks?: CreationHooks): Promise<StartedChallenge>;
  /** A verification of one phone of the settings alone, which records it as verified. */
  startPhoneCheck(settings: StoredSettings, phone: StoredPhone, requestId?: string): Promise<VerificationRef>;
}

@Injectable()
export class PhonesService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly settings: PhoneSettingsRepository,
    private readonly challenges: ChallengeRepository,
    @Inject(SETTINGS_VERIFIER) private readonly verifier: SettingsVerifier,
    private readonly limits: RequestLimits,
    private readonly pumping: PumpingGuard,
    private readonly admission: ChallengeAdmission,
  ) {}

  /**
   * `input` has passed PhoneSettingsInputSchema; here the domain's number rules apply. `idempotency`: the request's
   * Idempotency-Key, first use; its answer is stored with the settings.
   */
  async save(userId: string, input: PhoneSettingsInput, requestId?: string, idempotency?: IdempotentRequest): Promise<PhoneSettingsView> {
    const typed = [this.normalise(input.primary, 'primary', 0), ...(input.backups ?? []).map((b, i) => this.normalise(b, `backups[${i}]`, i + 1))];
    rejectDuplicates(typed);
    // The verification goes to the primary alone: a text to a suspended number range could never arrive.
    await this.pumping.refuseIfUnreachable([typed[0]], 'primary.number');
    // A valid save sends a verification: the user's hourly budget of those, before anything is stored.
    await this.limits.settingsSave(userId);
    const { active, pending: before } = await this.settings.findCurrent(userId);
    const pending = newPendingSettings(userId, keepVerification(typed, [...(active?.phones ?? []), ...(before?.phones ?? [])]));
    const respond = ({ view, token, statusUrl }: StartedChallenge): PhoneSettingsView => ({
      ...this.view(userId, pending, 'pending_verification'),
      verification: { challengeId: view.id, token, statusUrl },
    });
    return respond(await this.verifier.startSettingsVerification(pending, requestId, idempotency?.hooks(respond)));
  }

  async get(userId: string): Promise<PhoneSettingsView> {
    const { active, pending } = await this.settings.findCurrent(userId);
    if (!active && !pending) {
      throw ApiError.notFound('no_phone_settings', `User ${userId} has no phone settings yet. Register them with PUT /v1/users/${userId}/phones.`);
    }
    const shown = (active ?? pending) as StoredSettings;
    const result = this.view(userId, shown, active ? 'verified' : 'pending_verification');
    if (pending) {
      const pendingView = this.view(userId, pending, 'pending_verification');
      result.pending = { primary: pendingView.primary as PhoneView, backups: pendingView.backups };
      if (pending.challengeId) {
        result.pending.challengeId = pending.challengeId;
        const verification = await this.ongoingVerification(pending.challengeId);
        if (verification) result.verification = verification;
      }
    }
    return result;
  }

  /** While the verification is still running, a fresh link to watch it (the caller holds an API key). */
  private async ongoingVerification(challengeId: string): Promise<VerificationRef | undefined> {
    const challenge = await this.challenges.find(challengeId);
    if (!challenge || challenge.status !== 'pending') return undefined;
    const token = signChallengeToken({ challengeId, expiresAt: challenge.expiresAt }, this.config.keys.challengeTokens);
    return { challengeId, token, statusUrl: statusPageUrl(this.config.publicUrl, challengeId, token) };
  }

  /**
   * "Verify this phone now" for the backup at `index` of the active settings: a challenge to that phone alone,
   * under the same limits as a sign-in (the user's and the API key's budgets, the pumping guard, the spend cap).
   */
  async verifyBackup(userId: string, index: number, apiKey: string | undefined, requestId?: string): Promise<VerificationRef> {
    const { active } = await this.settings.findCurrent(userId);
    if (!active) throw ApiError.conflict('no_verified_phone', `User ${userId} has no verified phone settings yet: verify the primary phone first.`);
    const backups = active.phones.filter((p) => p.role === 'backup');
    const backup = backups[index];
    if (!backup) throw new ApiError(404, 'backup_not_found', `User ${userId} has ${backups.length === 1 ? '1 backup phone' : `${backups.length} backup phones`}; there is none at index ${index}.`, 'index');
    await this.admission.admit({ userId, apiKey, phones: [backup], field: 'index' });
    return this.verifier.startPhoneCheck(active, backup, requestId);
  }

  private normalise(input: PhoneInput, path: string, position: number): StoredPhone {
    const result = normalisePhone(input, { senderCountry: this.config.senderCountry, allowTestNumbers: this.config.twilio.mode === 'sandbox' });
    if (!result.ok) throw ApiError.badRequest(result.error.code, result.error.message, `${path}.${result.error.field}`);
    // Geo permissions: the allowed countries per method and the refused number types (GeoPolicyConfig).
    const geo = geoVerdict({ country: result.phone.country, method: input.method, lineType: result.phone.lineType }, this.config.geo);
    if (!geo.allowed) throw ApiError.badRequest(geo.code, geo.message, `${path}.number`);
    const phone: StoredPhone = {
      role: position === 0 ? 'primary' : 'backup',
      position,
      e164: result.phone.e164,
      country: result.phone.country,
      method: input.method,
    };
    if (input.label !== undefined) phone.label = input.label;
    if (result.phone.extension !== undefined) phone.extension = result.phone.extension;
    if (result.phone.lineType !== undefined) phone.lineType = result.phone.lineType;
    return phone;
  }

  private view(userId: string, settings: StoredSettings, status: PhoneSettingsView['status']): PhoneSettingsView {
    const views = settings.phones.map((p) => toPhoneView(p, this.config.senderCountry));
    return { userId, status, primary: views.find((v) => v.role === 'primary') ?? null, backups: views.filter((v) => v.role === 'backup') };
  }
}

/** One phone: its number and extension (a desk phone's extensions are different phones). */
const phoneKey = (p: StoredPhone): string => `${p.e164};${p.extension ?? ''}`;

/** A phone saved again keeps when it last approved a verification, from the versions it was in before. */
function keepVerification(phones: StoredPhone[], before: StoredPhone[]): StoredPhone[] {
  return phones.map((p) => {
    const times = before.filter((b) => b.verifiedAt && phoneKey(b) === phoneKey(p)).map((b) => (b.verifiedAt as Date).getTime());
    return times.length > 0 ? { ...p, verifiedAt: new Date(Math.max(...times)) } : p;
  });
}

function rejectDuplicates(phones: StoredPhone[]): void {
  const seen = new Map<string, number>();
  phones.forEach((p, i) => {
    const key = phoneKey(p);
    const first = seen.get(key);
    if (first !== undefined) {
      const field = i === 0 ? 'primary.number' : `backups[${i - 1}].number`;
      const other = first === 0 ? 'the primary phone' : `backup ${first}`;
      throw ApiError.badRequest('duplicate_number', `This number is already registered as ${other}; each phone must be different.`, field);
    }
    seen.set(key, i);
  });
}
