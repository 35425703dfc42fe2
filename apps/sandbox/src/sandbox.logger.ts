import { Inject, Injectable } from '@nestjs/common';
import { SANDBOX_SETTINGS, type SandboxSettings } from './sandbox.settings';

/**
 * One readable line per REST request and per callback, e.g. `POST Messages.json 201 SM… to +1 ••• ••• ••00`.
 * Callers pass masked numbers only and never message bodies (they carry codes).
 */
@Injectable()
export class SandboxLogger {
  private readonly quiet: boolean;

  constructor(@Inject(SANDBOX_SETTINGS) settings: SandboxSettings) {
    this.quiet = settings.quiet;
  }

  get enabled(): boolean {
    return !this.quiet;
  }

  line(text: string): void {
    if (!this.quiet) process.stdout.write(`[sandbox] ${text}\n`);
  }

  warn(text: string): void {
    if (!this.quiet) process.stderr.write(`[sandbox] ${text}\n`);
  }
}

/** `http://127.0.0.1:3000/webhooks/twilio/sms-status?x=1` → `127.0.0.1:3000/webhooks/twilio/sms-status` (no query). */
export function shortUrl(url: string): string {
  const q = url.indexOf('?');
  return (q === -1 ? url : url.slice(0, q)).replace(/^https?:\/\//, '');
}

