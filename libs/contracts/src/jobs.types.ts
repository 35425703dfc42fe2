/**
 * Every BullMQ job is one member of this union: the name picks the payload. Payloads carry ids only —
 * never a phone number, never a code.
 */
export enum JobName {
  Dispatch = 'dispatch',
  StepTimeout = 'step-timeout',
  Expire = 'expire',
  EndCall = 'end-call',
  /** Fleet-wide periodic work (BullMQ job schedulers on the maintenance queue): one run per interval across all workers. */
  Reconcile = 'reconcile',
  EvaluateAlerts = 'evaluate-alerts',
  /** Deletes what has outlived its retention: idempotency keys after 24 hours. */
  Purge = 'purge',
}

export enum QueueName {
  Calls = 'calls',
  Texts = 'texts',
  Timers = 'timers',
  /**
   * Housekeeping that is nobody's request (the reconciler, alert evaluation, the purge), kept apart from `timers` so it
   * neither waits behind a backlog of challenge work nor shows up in that work's counts.
   */
  Maintenance = 'maintenance',
}

/**
 * Send the text or place the call of one attempt. The transition that decided the send wrote the attempt row;
 * `step` and `attemptNo` name it in the job id (deterministic, so a re-enqueue is harmless).
 */
export interface DispatchJob {
  challengeId: string;
  step: number;
  attemptNo: number;
  attemptId: string;
  requestId?: string;
  /**
   * An earlier run of this attempt may have reached the provider without its answer being recorded (the request
   * timed out, or the job was re-created by the reconciler): look for the text or call there before sending.
   */
  mayHaveSent?: boolean;
}

export interface StepTimeoutJob {
  challengeId: string;
  step: number;
  attemptNo: number;
  /** Epoch ms of the deadline this wake-up is for; a moved deadline gets a new job. */
  deadline: number;
}

export interface ExpireJob {
  challengeId: string;
}

/** Hang up a call its challenge has moved on from (the attempt names the call). */
export interface EndCallJob {
  challengeId: string;
  attemptId: string;
}

/** A scheduled job carries nothing: each run reads what it needs from PostgreSQL and Redis. */
export type ScheduledJob = Record<string, never>;

export interface JobPayloads {
  [JobName.Dispatch]: DispatchJob;
  [JobName.StepTimeout]: StepTimeoutJob;
  [JobName.Expire]: ExpireJob;
  [JobName.EndCall]: EndCallJob;
  [JobName.Reconcile]: ScheduledJob;
  [JobName.EvaluateAlerts]: ScheduledJob;
  [JobName.Purge]: ScheduledJob;
}

/** The jobs that job schedulers produce; each scheduler's id is its job name. */
export type ScheduledJobName = JobName.Reconcile | JobName.EvaluateAlerts | JobName.Purge;

export type JobOf<N extends JobName> = { name: N; data: JobPayloads[N] };
export type AnyJob = { [N in JobName]: JobOf<N> }[JobName];

/** Deterministic job ids (BullMQ forbids ':' in custom ids). */
export const jobId = {
  dispatch: (j: DispatchJob) => `dispatch-${j.challengeId}-${j.step}-${j.attemptNo}`,
  stepTimeout: (j: StepTimeoutJob) => `timeout-${j.challengeId}-${j.step}-${j.attemptNo}-${j.deadline}`,
  expire: (j: ExpireJob) => `expire-${j.challengeId}`,
  endCall: (j: EndCallJob) => `end-call-${j.attemptId}`,
};
