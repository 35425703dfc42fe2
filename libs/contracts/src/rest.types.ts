/** REST payloads of CONTRACT.md, shared by the api app and the web client. */

export type ContactMethod = 'call' | 'sms';
export type PhoneRole = 'primary' | 'backup';
export type PhoneLabel = 'mobile' | 'office' | 'alternate';

export interface PhoneInput {
  number: string;
  country?: string;
  method: ContactMethod;
  label?: PhoneLabel;
  extension?: string;
}

export interface PhoneSettingsInput {
  primary: PhoneInput;
  backups?: PhoneInput[];
}

export interface PhoneView {
  e164: string;
  masked: string;
  country: string;
  method: ContactMethod;
  role: PhoneRole;
  label?: PhoneLabel;
  extension?: string;
  lineType?: string;
  internationalSmsCharges: boolean;
}

export type SettingsStatus = 'verified' | 'pending_verification';

export interface PhoneSettingsView {
  userId: string;
  status: SettingsStatus;
  primary: PhoneView | null;
  backups: PhoneView[];
  /** The settings waiting for their verification, when there are any. */
  pending?: { primary: PhoneView; backups: PhoneView[]; challengeId?: string };
  verification?: VerificationRef;
}

export interface VerificationRef {
  challengeId: string;
  token: string;
  statusUrl: string;
}

export type ChallengeStatus =
  | 'pending'
  | 'approved'
  | 'denied'
  | 'failed'
  | 'expired'
  | 'canceled'
  | 'max_attempts_reached';

export type ChallengePurpose = 'sign_in' | 'settings';

export type StepStatus = 'waiting' | 'active' | 'succeeded' | 'failed' | 'skipped';

export interface AttemptView {
  attemptNo: number;
  status: string;
  errorCode?: number;
  reason?: string;
  at: string;
}

export interface StepView {
  index: number;
  role: PhoneRole;
  phone: string;
  method: ContactMethod;
  status: StepStatus;
  reason?: string;
  label?: PhoneLabel;
  attempts: AttemptView[];
}

export interface ChallengeView {
  id: string;
  userId: string;
  purpose: ChallengePurpose;
  status: ChallengeStatus;
  currentStep: number;
  expiresAt: string;
  createdAt: string;
  approvedAt?: string;
  /** Wrong codes that may still be entered. */
  attemptsLeft: number;
  /** The seq of the last event this view includes, so a snapshot and `challenge.updated` can be ordered. */
  seq: number;
  steps: StepView[];
}

export interface CheckResult {
  status: ChallengeStatus;
  attemptsLeft: number;
}

export interface ApiErrorBody {
  error: string;
  message: string;
  field?: string;
}
