import type { ChallengeUpdated, ChallengeView } from '@redial/contracts';

/** An event as read from PostgreSQL (challenge_events): an update without the challenge. */
export type EventHead = Pick<ChallengeUpdated, 'seq' | 'type' | 'at'>;

/** What the sequencer asks its socket to do, in order. */
export type SequencerStep =
  | { do: 'emit'; update: ChallengeUpdated }
  /** Read the events `from <= seq < to` and hand them to `filled` (they are committed: `to` was published). */
  | { do: 'fill'; from: number; to: number }
  /** Read the challenge and its events from `from` on and hand both to `filled`. */
  | { do: 'catch-up'; from: number }
  /** Close the socket's transport: its client reconnects and starts again from a snapshot. */
  | { do: 'close'; reason: string };

/**
 * One socket's `challenge.updated`, in `seq` order, rising by 1 after its snapshot. Pure: it is told what
 * arrived (updates from Redis in any order, the snapshot, what a read returned) and answers with the steps to
 * take; the socket carries them out (ChallengeSocketRelay).
 *
 * - Before the snapshot, updates are held; the snapshot's `seq` sets the next one expected.
 * - An update below the next expected is dropped (the snapshot or an earlier update covered it); the next one is
 *   emitted, then any held ones that follow it; one beyond it is held, and the gap is filled at once from
 *   PostgreSQL, with the challenge as the first held update carries it (every event below a published `seq` is
 *   committed). While a read is in flight, updates are held.
 * - After the subscription was lost (`resync`), whatever was published meanwhile is read from PostgreSQL.
 * - A read that fails, or finds events missing, closes the socket: a snapshot puts it right.
 */
export class UpdateSequencer {
  /** The seq the socket needs next; undefined until the snapshot is sent. */
  private next: number | undefined;
  private readonly held = new Map<number, ChallengeUpdated>();
  /** The read in flight: a fill up to `to`, or a catch-up when `to` is undefined. */
  private reading: { from: number; to?: number } | undefined;
  private behind = false;
  private closed = false;

  snapshot(seq: number): SequencerStep[] {
    if (this.closed || this.next !== undefined) return [];
    this.next = seq + 1;
    return this.drain([]);
  }

  update(update: ChallengeUpdated): SequencerStep[] {
    if (this.closed || (this.next !== undefined && update.seq < this.next)) return [];
    if (!this.held.has(update.seq)) this.held.set(update.seq, update);
    return this.waiting() ? [] : this.drain([]);
  }

  /** Updates may have been published while nobody listened: read what the socket has not had. */
  resync(): SequencerStep[] {
    if (this.closed) return [];
    this.behind = true;
    return this.waiting() ? [] : this.drain([]);
  }

  /** The events a `fill` or `catch-up` asked for (and, for a catch-up, the challenge as it is now). */
  filled(events: EventHead[], view?: ChallengeView): SequencerStep[] {
    const reading = this.reading;
    if (this.closed || reading === undefined) return [];
    this.reading = undefined;
    const challenge = reading.to === undefined ? view : this.held.get(reading.to)?.challenge;
    if (challenge === undefined) return this.close('challenge not found');
    const to = reading.to ?? challenge.seq + 1;
    if (events.length !== to - reading.from || events.some((e, i) => e.seq !== reading.from + i)) {
      return this.close(`events ${reading.from} to ${to - 1} not all found`);
    }
    this.next = to;
    return this.drain(events.map((e) => ({ seq: e.seq, type: e.type, at: e.at, challenge })));
  }

  /** A read failed (or the snapshot could not be read). */
  failed(reason: string): SequencerStep[] {
    return this.closed ? [] : this.close(reason);
  }

  private waiting(): boolean {
    return this.next === undefined || this.reading !== undefined;
  }

  /** Emits what is due (`out` first), then starts the read a held gap or a resync needs. */
  private drain(out: ChallengeUpdated[]): SequencerStep[] {
    let next = this.next as number;
    for (const seq of this.held.keys()) if (seq < next) this.held.delete(seq);
    for (let update = this.held.get(next); update !== undefined; update = this.held.get(next)) {
      out.push(update);
      this.held.delete(next++);
    }
    this.next = next;
    const steps: SequencerStep[] = out.map((update) => ({ do: 'emit', update }));
    if (this.held.size > 0) {
      const to = Math.min(...this.held.keys());
      this.reading = { from: next, to };
      steps.push({ do: 'fill', from: next, to });
    } else if (this.behind) {
      this.behind = false;
      this.reading = { from: next };
      steps.push({ do: 'catch-up', from: next });
    }
    return steps;
  }

  private close(reason: string): SequencerStep[] {
    this.closed = true;
    this.held.clear();
    return [{ do: 'close', reason }];
  }
}
