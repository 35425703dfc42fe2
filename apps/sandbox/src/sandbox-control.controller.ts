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
import { parseBehaviourPatch, parseDigits, parseE164, parseFaultsPatch } from './control-request.validation';
import { LoopbackGuard } from './loopback.guard';
import { SandboxStateService } from './sandbox-state.service';
import type { CallRecord, Faults, MessageRecord, NumberBehaviour } from './sandbox.types';

export interface InboxMessageView {
  sid: string;
  body: string;
  status: string;
  at: string;
  from: string;
  errorCode: number | null;
}

export interface InboxCallView {
  sid: string;
  status: string;
  /** Keys pressed, finishing key included ("#", "0#"); '' when none. */
  digits: string;
  at: string;
  from: string;
  said: string[];
  awaitingDigits: boolean;
  answeredBy: string | null;
  error: string | null;
}

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

/** The sandbox's own JSON API (CONTRACT.md "Twilio sandbox"): behaviours, inboxes, digits, faults, reset. */
@Controller('sandbox')
@UseGuards(LoopbackGuard)
export class SandboxControlController {
  constructor(private readonly state: SandboxStateService) {}

  @Put('numbers/:e164')
  setNumber(@Param('e164') e164: string, @Body() body: unknown): { e164: string; behaviour: NumberBehaviour } {
    const number = parseE164(e164);
    return { e164: number, behaviour: this.state.setBehaviour(number, parseBehaviourPatch(body)) };
  }

  /** Extension: every known number (configured or texted/called), most recently active first. */
  @Get('numbers')
  numbers(@Query('limit') limit?: string): { numbers: ReturnType<SandboxStateService['numbers']> } {
    const n = Number(limit ?? '200');
    return { numbers: this.state.numbers(Number.isInteger(n) && n > 0 ? Math.min(n, 10_000) : 200) };
  }

  @Get('numbers/:e164')
  number(@Param('e164') e164: string): { e164: string; behaviour: NumberBehaviour } {
    const number = parseE164(e164);
    return { e164: number, behaviour: this.state.behaviourOf(number) };
  }

  /** Texts and calls to a number, oldest first (the last 50 of each). */
  @Get('inbox/:e164')
  inbox(@Param('e164') e164: string): { e164: string; messages: InboxMessageView[]; calls: InboxCallView[] } {
    const number = parseE164(e164);
    const inbox = this.state.inbox(number);
    return {
      e164: number,
      messages: (inbox?.messages ?? []).map(messageView),
      calls: (inbox?.calls ?? []).map(callView),
    };
  }

  /** Presses keys on an interactive call that is waiting in a Gather. */
  @Post('calls/:callSid/digits')
  @HttpCode(200)
  digits(@Param('callSid') callSid: string, @Body() body: unknown): InboxCallView {
    const digits = parseDigits(body);
    const call = this.state.call(callSid);
    if (call === undefined) throw new NotFoundException({ error: 'call_not_found', message: `No call ${callSid}` });
    if (call.deliverDigits === null) {
      throw new ConflictException({
        error: 'not_waiting',
        message: `Call ${callSid} is not waiting for digits (status ${call.status})`,
      });
    }
    call.deliverDigits(digits);
    return callView(call);
  }

  @Get('faults')
  faults(): Faults {
    return { ...this.state.faults };
  }

  /** Merges into the current faults; `DELETE /sandbox/faults` clears them. */
  @Put('faults')
  setFaults(@Body() body: unknown): Faults {
    return { ...this.state.setFaults(parseFaultsPatch(body)) };
  }

  @Delete('faults')
  clearFaults(): Faults {
    return { ...this.state.resetFaults() };
  }

  /** Forgets numbers, inboxes and faults, and stops every text and call in flight. */
  @Delete('state')
  reset(): { status: 'reset' } {
    this.state.reset();
    return { status: 'reset' };
  }
}
