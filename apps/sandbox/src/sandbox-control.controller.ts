import {
  Body,
  ConflictException,
  Controller,
  Delete,
  Get,
  HttpCode,
  NotFoundException,
  Param,
  Post,
  Put,
  Query,
  UseGuards,
} from '@nestjs/common';
import type { FaultsView, InboxCallView, InboxMessageView, SandboxInboxView, SandboxNumberSummary, SandboxNumberView } from '@redial/contracts';
import { ControlPipe, parseBehaviourPatch, parseDigits, parseE164, parseFaultsPatch } from './control-request.validation';
import { LoopbackGuard } from './loopback.guard';
import { SandboxStateService } from './sandbox-state.service';
import { type CallRecord, FINAL_CALL_STATUSES, type Faults, type MessageRecord, type NumberBehaviour } from './sandbox.types';

/** Payload types come from their schemas in libs/contracts (which document them at /docs/sandbox.json). */
export type { InboxCallView, InboxMessageView };
const e164Pipe = new ControlPipe(parseE164);

function messageView(m: MessageRecord): InboxMessageView {
  return { sid: m.sid, body: m.body, status: m.status, at: m.createdAt.toISOString(), from: m.from, errorCode: m.errorCode };
}

function callView(c: CallRecord): InboxCallView {
  return {
    sid: c.sid,
    status: c.status,
    digits: c.digits,
    at: c.createdAt.toISOString(),
    from: c.from,
    said: [...c.said],
    awaitingDigits: c.awaitingDigits,
    answeredBy: c.answeredBy,
    error: c.error,
  };
}

/**
 * The sandbox's own JSON API (CONTRACT.md "Twilio sandbox"): behaviours, inboxes, digits, faults, reset.
 *
 * Sandbox extension for conformance tests: a number's behaviour may carry `keys` (`0-9*#`, `w` = half a second's
 * pause, up to 64), the keys its caller types once a `press-pound`, `report-fraud` or `silence` call is answered,
 * instead of the scripted `#`, `0#` or nothing; `keys: null` removes them. The caller's keys are a queue that
 * whichever `<Gather>` listens takes one at a time; keys it does not take wait for the next Gather; an empty
 * queue is silence, so the Gather's timeout runs (simulated time; real time for `interactive` numbers).
 */
@Controller('sandbox')
@UseGuards(LoopbackGuard)
export class SandboxControlController {
  constructor(private readonly state: SandboxStateService) {}

  @Put('numbers/:e164')
  setNumber(@Param('e164', e164Pipe) e164: string, @Body(new ControlPipe(parseBehaviourPatch)) patch: Partial<NumberBehaviour>): SandboxNumberView {
    return { e164, behaviour: this.state.setBehaviour(e164, patch) };
  }

  /** Extension: every known number (configured or texted/called), most recently active first. */
  @Get('numbers')
  numbers(@Query('limit') limit?: string): { numbers: SandboxNumberSummary[] } {
    const n = Number(limit ?? '200');
    return { numbers: this.state.numbers(Number.isInteger(n) && n > 0 ? Math.min(n, 10_000) : 200) };
  }

  @Get('numbers/:e164')
  number(@Param('e164', e164Pipe) e164: string): SandboxNumberView {
    return { e164, behaviour: this.state.behaviourOf(e164) };
  }

  /** Texts and calls to a number, oldest first (the last 50 of each). */
  @Get('inbox/:e164')
  inbox(@Param('e164', e164Pipe) e164: string): SandboxInboxView {
    const inbox = this.state.inbox(e164);
    return {
      e164,
      messages: (inbox?.messages ?? []).map(messageView),
      calls: (inbox?.calls ?? []).map(callView),
    };
  }

  /**
   * Types keys on the caller's phone: each character is one key press, as a handset sends them. They join the
   * call's key queue: a Gather listening now takes them at once, else the next Gather does. Refused (409) once
   * the call has ended.
   */
  @Post('calls/:callSid/digits')
  @HttpCode(200)
  digits(@Param('callSid') callSid: string, @Body(new ControlPipe(parseDigits)) digits: string): InboxCallView {
    const call = this.state.call(callSid);
    if (call === undefined) throw new NotFoundException({ error: 'call_not_found', message: `No call ${callSid}` });
    if (call.pressKeys === null || FINAL_CALL_STATUSES.has(call.status)) {
      throw new ConflictException({ error: 'call_ended', message: `Call ${callSid} has ended (status ${call.status})` });
    }
    call.pressKeys(digits);
    return callView(call);
  }

  @Get('faults')
  faults(): FaultsView {
    return { ...this.state.faults };
  }

  /** Merges into the current faults; `DELETE /sandbox/faults` clears them. */
  @Put('faults')
  setFaults(@Body(new ControlPipe(parseFaultsPatch)) patch: Partial<Faults>): FaultsView {
    return { ...this.state.setFaults(patch) };
  }

  @Delete('faults')
  clearFaults(): FaultsView {
    return { ...this.state.resetFaults() };
  }

  /** Forgets numbers, inboxes and faults, and stops every text and call in flight. */
  @Delete('state')
  reset(): { status: 'reset' } {
    this.state.reset();
    return { status: 'reset' };
  }
}
