import { timingSafeEqual } from 'node:crypto';
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
import { callJson, countSegments, messageJson, newSid } from './twilio-resource.serializer';
import { type FormBody, one, parseCallCreate, parseMessageCreate } from './twilio-request.validation';

interface Answer {
  status: number;
  body: unknown;
  /** For the log line. */
  sid?: string;
  to?: string;
}

/**
 * The part of Twilio's REST API the worker uses: create and fetch Messages and Calls (TWILIO.md §1).
 * The hot path of the benchmark: a create is auth, one validation pass, a Map insert, a timer and the reply.
 */
@Controller('2010-04-01/Accounts/:accountSid')
export class TwilioApiController {
  private readonly expectedAuthorization: Buffer;

  constructor(
    @Inject(SANDBOX_SETTINGS) private readonly settings: SandboxSettings,
    private readonly state: SandboxStateService,
    private readonly messages: MessageSimulatorService,
    private readonly calls: CallSimulatorService,
    private readonly logger: SandboxLogger,
  ) {
    const credentials = Buffer.from(`${settings.accountSid}:${settings.authToken}`).toString('base64');
    this.expectedAuthorization = Buffer.from(`Basic ${credentials}`);
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
      if (message.status === 'accepted') message.status = 'queued';
      this.state.addMessage(message);
      this.messages.start(message, this.state.behaviourOf(message.to));
      return { status: 201, body, sid: message.sid, to: message.to };
    });
  }

  @Post('Calls.json')
  createCall(@Param('accountSid') accountSid: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.handle(req, reply, 'POST Calls.json', accountSid, () => {
      const input = parseCallCreate(formOf(req));
      const now = new Date();
      const call: CallRecord = {
        sid: newSid('CA'),
        ...input,
        status: 'queued',
        answeredBy: null,
        createdAt: now,
        updatedAt: now,
        startedAt: null,
        endedAt: null,
        durationSec: 0,
        digits: '',
        said: [],
        awaitingDigits: false,
        deliverDigits: null,
        error: null,
      };
      this.state.addCall(call);
      this.calls.start(call, this.state.behaviourOf(call.to));
      return { status: 201, body: callJson(this.settings.accountSid, call), sid: call.sid, to: call.to };
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
    if (header === undefined) return false;
    const given = Buffer.from(header);
    if (given.length === this.expectedAuthorization.length && timingSafeEqual(given, this.expectedAuthorization)) {
      return true;
    }
    // Tolerate a lower-case scheme or extra spaces; the credentials must still match exactly.
    const match = /^\s*basic\s+(\S+)\s*$/i.exec(header);
    if (match === null) return false;
    const decoded = Buffer.from(match[1], 'base64').toString('utf8');
    return decoded === `${this.settings.accountSid}:${this.settings.authToken}`;
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
