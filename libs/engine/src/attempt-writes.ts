import type { AttemptPatch } from '@redial/database';

/**
 * Attempt updates a hook asks for during a transition. They are merged per attempt, the transition's record
 * carries them at once (nothing is read twice), and they are written with the transition's own statement.
 */
export class AttemptWrites {
  private readonly patches = new Map<string, AttemptPatch>();

  update(attemptId: string, patch: AttemptPatch): void {
    this.patches.set(attemptId, { ...this.patches.get(attemptId), ...patch });
  }

  get pending(): ReadonlyMap<string, AttemptPatch> {
    return this.patches;
  }
}
