import { All, Controller, Get, Header, Inject, Req, Res } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@redial/config';
import type { UiConfig } from '@redial/contracts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../common/api-error';
import { Auth } from '../common/auth.guard';
import { findWebDist, readIndexHtml } from './web-assets';

/**
 * The single-page UI: its pages (each answers index.html; the client routes) and `/ui-config.json` (which
 * carries the development API key for the phone simulator in sandbox mode only, never in live mode).
 */
@Controller()
@Auth('public')
export class WebController {
  private readonly indexHtml: string;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.indexHtml = readIndexHtml(findWebDist());
  }

  @Get(['/', 'status/:id', 'simulator', 'ops', 'ops/challenges/:id'])
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Cache-Control', 'no-cache')
  page(): string {
    return this.indexHtml;
  }

  @Get('ui-config.json')
  uiConfig(@Req() request: FastifyRequest): UiConfig {
    const sandbox = this.config.twilio.mode === 'sandbox';
    const config: UiConfig = {
      gatewayUrl: this.gatewayUrlFor(request),
      sandbox,
      senderCountry: this.config.senderCountry,
      // Geo permissions, so the settings page can say where texts and calls can go.
      smsCountries: this.config.geo.smsCountries,
      callCountries: this.config.geo.callCountries,
    };
    if (sandbox) config.demoApiKey = this.config.apiKeys[0];
    return config;
  }

  /** The gateway on the host the browser used, unless GATEWAY_PUBLIC_URL was set to something else. */
  private gatewayUrlFor(request: FastifyRequest): string {
    const configured = new URL(this.config.gatewayPublicUrl);
    const host = request.hostname?.split(':')[0];
    if (host && (configured.hostname === '127.0.0.1' || configured.hostname === 'localhost')) configured.hostname = host;
    return configured.toString().replace(/\/$/, '');
  }
}

/**
 * Sandbox mode only — ApiModule mounts this controller when there are no Twilio credentials, so in live mode
 * `/sandbox/*` is an unknown path (404): a same-origin proxy to the sandbox's control API for the phone simulator.
 */
@Controller()
@Auth('public')
export class SandboxProxyController {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  @All('sandbox/*')
  async sandboxProxy(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    if (this.config.twilio.mode !== 'sandbox' || !this.config.twilio.apiUrl) {
      throw ApiError.notFound('not_found', 'The phone simulator exists only in sandbox mode.');
    }
    const hasBody = request.method !== 'GET' && request.method !== 'HEAD' && request.body !== undefined;
    const upstream = await fetch(`${this.config.twilio.apiUrl}${request.url}`, {
      method: request.method,
      headers: hasBody ? { 'content-type': 'application/json' } : {},
      body: hasBody ? JSON.stringify(request.body) : undefined,
    }).catch(() => undefined);
    if (!upstream) throw new ApiError(502, 'sandbox_unreachable', 'The local Twilio sandbox is not answering.');
    const text = await upstream.text();
    void reply.status(upstream.status).header('content-type', upstream.headers.get('content-type') ?? 'application/json').send(text);
  }
}
