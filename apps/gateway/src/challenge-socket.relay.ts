import type { Logger } from '@nestjs/common';
import type { ChallengeUpdated, ChallengeView } from '@redial/contracts';
import type { ChallengeSocket } from './challenges.namespace';
import { EventHead, SequencerStep, UpdateSequencer } from './update.sequencer';

/** What a socket reads from PostgreSQL: its snapshot, and the events it missed. */
export interface ChallengeReader {
  /** The challenge as it is now; undefined when it no longer exists. */
  view(challengeId: string): Promise<ChallengeView | undefined>;
  /** Its events `from <= seq < to`, in order. */
  events(challengeId: string, from: number, to: number): Promise<EventHead[]>;
}

/**
 * One `/challenges` socket: its snapshot, then its updates as its UpdateSequencer orders them, with the reads and
 * the closing the sequencer asks for.
 */
export class ChallengeSocketRelay {
  private readonly sequencer = new UpdateSequencer();

  constructor(
    private readonly socket: ChallengeSocket,
    private readonly challengeId: string,
    private readonly reader: ChallengeReader,
    private readonly logger: Logger,
  ) {}

  snapshot(view: ChallengeView): void {
    this.socket.emit('challenge.snapshot', view);
    this.run(this.sequencer.snapshot(view.seq));
  }

  update(update: ChallengeUpdated): void {
    this.run(this.sequencer.update(update));
  }

  /** The gateway's subscription was lost and is back. */
  resync(): void {
    this.run(this.sequencer.resync());
  }

  /** The snapshot could not be read. */
  fail(reason: string): void {
    this.run(this.sequencer.failed(reason));
  }

  private run(steps: SequencerStep[]): void {
    for (const step of steps) {
      if (step.do === 'emit') this.socket.emit('challenge.updated', step.update);
      else if (step.do === 'close') this.close(step.reason);
      else void this.read(step);
    }
  }

  private async read(step: Extract<SequencerStep, { do: 'fill' | 'catch-up' }>): Promise<void> {
    if (!this.socket.connected) return;
    let steps: SequencerStep[];
    try {
      if (step.do === 'fill') {
        steps = this.sequencer.filled(await this.reader.events(this.challengeId, step.from, step.to));
      } else {
        const view = await this.reader.view(this.challengeId);
        steps = this.sequencer.filled(view === undefined ? [] : await this.reader.events(this.challengeId, step.from, view.seq + 1), view);
      }
    } catch (err) {
      steps = this.sequencer.failed(`reading its events failed: ${(err as Error).message}`);
    }
    this.run(steps);
  }

  /**
   * Closes the transport, not the namespace: socket.io-client reconnects (and so gets a snapshot) after a lost
   * transport, but takes a server-side `disconnect()` as final.
   */
  private close(reason: string): void {
    this.logger.warn(`challenge ${this.challengeId}: closing a socket's connection, its client reconnects to a snapshot (${reason})`);
    this.socket.conn.close();
  }
}
