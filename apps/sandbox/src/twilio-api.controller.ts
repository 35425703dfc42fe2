import { Controller, Get, Inject, Param, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CallSimulatorService } from './call-simulator.service';
import { MessageSimulatorService } from './message-simulator.service';
import { maskPhone } from '@redial/domain';
import { SandboxLogger } from './sandbox.logger';
import { SANDBOX_SETTINGS, type SandboxSettings } from './sandbox.settings';
import { SandboxStateService } from './sandbox-state.service';
import type { CallRecord, MessageRecord } from './sandbox.types';
import { apiError, TwilioApiError } from './twilio-api.error';
import { TwilioCredentials } from './twilio-auth.rules';
import { listPage, parseListQuery, type QueryValue } from './twilio-page.serializer';
import { callJson, countSegments, messageJson, newCallRecord, newSid } from './twilio-resource.serializer';
import { type FormBody, one, parseCallCreate, parseCallUpdate, parseMessageCreate } from './twilio-request.validation';

interface Answer {
  status: number;
  body: unknown;
  /** For the log line. */
  sid?: string;
  to?: string;
}

/**
 * The part of Twilio's REST API the worker uses (TWILIO.md §1): create, fetch and list Messages and Calls, and
 * update a call (end it, or give it new TwiML). Anything else answers Twilio's 20404 (sandbox-exception.filter.ts).
 * The hot path of the benchmark: a create is auth, one validation pass, a Map insert, a timer and the reply.
 */
@Controller('2010-04-01/Accounts/:accountSid')
export class TwilioApiController {
  private readonly credentials: TwilioCredentials;

  constructor(
    @Inject(SANDBOX_SETTINGS) private readonly settings: SandboxSettings,
    private readonly state: SandboxStateService,
    private readonly messages: MessageSimulatorService,
    private readonly calls: CallSimulatorService,
    private readonly logger: SandboxLogger,
  ) {
    this.credentials = new TwilioCredentials(settings.accountSid, settings.authToken, settings.apiKey);
  }

  @Post('Messages.json')
  createMessage(@Param('accountSid') accountSid: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.handle(req, reply, 'POST Messages.json', accountSid, () => {
      const form = formOf(req);
      const input = parseMessageCreate(form);
      const now = new Date();
      const message: MessageRecord = {
        sid: newSid('SM'),
        to: input.to,
        from: input.from ?? this.settings.defaultFrom,
        messagingServiceSid: input.messagingServiceSid,
        body: input.body,
        // Through a Messaging Service Twilio answers `accepted` while it picks a sender.
        status: input.from === null ? 'accepted' : 'queued',
        errorCode: null,
        statusCallback: input.statusCallback,
        createdAt: now,
        updatedAt: now,
        sentAt: null,
        numSegments: countSegments(input.body),
      };
      const body = messageJson(this.settings.accountSid, message);
      this.state.addMessage(message);
      this.messages.start(message, this.state.behaviourOf(message.to));
      return { status: 201, body, sid: message.sid, to: message.to };
    });
  }

  @Post('Calls.json')
  createCall(@Param('accountSid') accountSid: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.handle(req, reply, 'POST Calls.json', accountSid, () => {
      const input = parseCallCreate(formOf(req));
      const call = newCallRecord(newSid('CA'), input);
      this.state.addCall(call);
      this.calls.start(call, this.state.behaviourOf(call.to));
      return { status: 201, body: callJson(this.settings.accountSid, call), sid: call.sid, to: call.to };
    });
  }

  /** Newest first; filters To and From; Twilio's paging envelope. */
  @Get('Messages.json')
  listMessages(@Param('accountSid') accountSid: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.handle(req, reply, 'GET Messages.json', accountSid, () => {
      const query = parseListQuery(queryOf(req), ['To', 'From']);
      const to = filter(query.filters, 'To');
      const from = filter(query.filters, 'From');
      const found = this.state.messagesNewestFirst(
        (m) => (to === undefined || m.to === to) && (from === undefined || m.from === from),
      );
      const body = listPage(pathOf(req), 'messages', found, query, (m) => messageJson(this.settings.accountSid, m));
      return { status: 200, body, sid: `${found.length} found` };
    });
  }

  /** Newest first; filters To, From and Status; Twilio's paging envelope. */
  @Get('Calls.json')
  listCalls(@Param('accountSid') accountSid: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.handle(req, reply, 'GET Calls.json', accountSid, () => {
      const query = parseListQuery(queryOf(req), ['To', 'From', 'Status']);
      const to = filter(query.filters, 'To');
      const from = filter(query.filters, 'From');
      const status = filter(query.filters, 'Status');
      const found = this.state.callsNewestFirst(
        (c) =>
          (to === undefined || c.to === to) && (from === undefined || c.from === from) && (status === undefined || c.status === status),
      );
      const body = listPage(pathOf(req), 'calls', found, query, (c) => callJson(this.settings.accountSid, c));
      return { status: 200, body, sid: `${found.length} found` };
    });
  }

  /**
   * Ends a call or gives it new TwiML, as Twilio documents: "Specifying `canceled` will attempt to hang up calls
   * that are queued or ringing; however, it will not affect calls already in progress. Specifying `completed`
   * will attempt to hang up a call even if it's already in progress." A call already ended is answered as it
   * is. New instructions (`Url`/`Twiml`) need a call in progress, else 21220; they are ignored when `Status`
   * is given too (the call ends). A new `StatusCallback` applies to the callbacks still to come. Answers 200
   * with the call as it is after the update.
   */
  @Post('Calls/:file')
  updateCall(
    @Param('accountSid') accountSid: string,
    @Param('file') file: string,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    return this.handle(req, reply, 'POST Calls/:sid.json', accountSid, () => {
      const call = file.endsWith('.json') ? this.state.call(file.slice(0, -5)) : undefined;
      if (call === undefined) throw apiError.notFound(pathOf(req));
      const update = parseCallUpdate(formOf(req));
      if (update.statusCallback !== null) call.statusCallback = update.statusCallback;
      if (update.statusCallbackMethod !== null) call.statusCallbackMethod = update.statusCallbackMethod;
      if (update.status !== null) {
        if (call.status === 'queued' || call.status === 'ringing') this.calls.cancel(call);
        else if (call.status === 'in-progress' && update.status === 'completed') this.calls.hangUp(call);
        // canceled on a call in progress, or anything on an ended call: no effect.
      } else if (update.source !== null) {
        if (!this.calls.redirect(call, update.source)) throw apiError.callNotInProgress();
      }
      return { status: 200, body: callJson(this.settings.accountSid, call), sid: call.sid, to: call.to };
    });
  }

  @Get('Messages/:file')
  fetchMessage(
    @Param('accountSid') accountSid: string,
    @Param('file') file: string,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    return this.handle(req, reply, 'GET Messages/:sid.json', accountSid, () => {
      const message = file.endsWith('.json') ? this.state.message(file.slice(0, -5)) : undefined;
      if (message === undefined) throw apiError.notFound(pathOf(req));
      return { status: 200, body: messageJson(this.settings.accountSid, message), sid: message.sid, to: message.to };
    });
  }

  @Get('Calls/:file')
  fetchCall(
    @Param('accountSid') accountSid: string,
    @Param('file') file: string,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    return this.handle(req, reply, 'GET Calls/:sid.json', accountSid, () => {
      const call = file.endsWith('.json') ? this.state.call(file.slice(0, -5)) : undefined;
      if (call === undefined) throw apiError.notFound(pathOf(req));
      return { status: 200, body: callJson(this.settings.accountSid, call), sid: call.sid, to: call.to };
    });
  }

  /** Latency and faults, auth, the account in the path, then the work; Twilio-shaped errors; one log line. */
  private async handle(
    req: FastifyRequest,
    reply: FastifyReply,
    label: string,
    accountSid: string,
    work: () => Answer,
  ): Promise<void> {
    const faults = this.state.faults;
    if (faults.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, faults.latencyMs));
    let answer: Answer;
    try {
      if (!this.authorized(req.headers.authorization)) throw apiError.authenticate();
      if (accountSid !== this.settings.accountSid) throw apiError.notFound(pathOf(req));
      // A faulted request is refused before any work: it creates nothing.
      if (faults.rate429 > 0 && this.settings.random() < faults.rate429) throw apiError.tooManyRequests();
      if (faults.rate500 > 0 && this.settings.random() < faults.rate500) throw apiError.internal();
      answer = work();
    } catch (err) {
      if (!(err instanceof TwilioApiError)) throw err;
      const to = req.method === 'POST' ? one(formOf(req), 'To') : undefined;
      answer = { status: err.httpStatus, body: err.toJSON(), sid: String(err.code), to };
      if (err.httpStatus === 401) reply.header('www-authenticate', 'Basic realm="Twilio API"');
    }
    if (this.logger.enabled) {
      const to = answer.to === undefined ? '' : ` to ${maskPhone(answer.to)}`;
      this.logger.line(`${label} ${answer.status} ${answer.sid ?? ''}${to}`);
    }
    reply.code(answer.status).send(answer.body);
  }

  private authorized(header: string | undefined): boolean {
    return this.credentials.accepts(header);
  }
}

function formOf(req: FastifyRequest): FormBody {
  const body = req.body;
  return typeof body === 'object' && body !== null ? (body as FormBody) : {};
}

function pathOf(req: FastifyRequest): string {
  const q = req.url.indexOf('?');
  return q === -1 ? req.url : req.url.slice(0, q);
}

function queryOf(req: FastifyRequest): Record<string, QueryValue> {
  const query = req.query;
  return typeof query === 'object' && query !== null ? (query as Record<string, QueryValue>) : {};
}

function filter(filters: Array<[string, string]>, name: string): string | undefined {
  return filters.find(([key]) => key === name)?.[1];
}
