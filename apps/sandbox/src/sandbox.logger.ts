import { Inject, Injectable, Optional } from '@nestjs/common';
import { createRedialLogger, ROOT_LOGGER } from '@redial/ops';
import type { Logger as Pino } from 'pino';
import { SANDBOX_SETTINGS, type SandboxSettings } from './sandbox.settings';

/**
 * One readable message per REST request and per callback, e.g. `POST Messages.json 201 SM… to +1 ••• ••• ••00`,
 * written through the app's pino logger (LoggingModule, `app: "sandbox"`): JSON lines like every other app's,
 * scrubbed the same way (phones masked, codes removed). Callers still pass masked numbers only and never message
 * bodies (they carry codes); the scrubber is the second line of defence.
 */
@Injectable()
export class SandboxLogger {
  private readonly log: Pino;

  constructor(@Inject(SANDBOX_SETTINGS) settings: SandboxSettings, @Optional() @Inject(ROOT_LOGGER) root?: Pino) {
    // Without the module's logger (a unit test building the class by hand): the same pino, quiet or at info.
    this.log = root ?? createRedialLogger({ logLevel: settings.quiet ? 'silent' : 'info' }, 'sandbox');
  }

  get enabled(): boolean {
    return this.log.isLevelEnabled('info');
  }

  line(text: string): void {
    this.log.info(text);
  }

  warn(text: string): void {
    this.log.warn(text);
  }
}

/** `http://127.0.0.1:3000/webhooks/twilio/sms-status?x=1` → `127.0.0.1:3000/webhooks/twilio/sms-status` (no query). */
export function shortUrl(url: string): string {
  const q = url.indexOf('?');
  return (q === -1 ? url : url.slice(0, q)).replace(/^https?:\/\//, '');
}
