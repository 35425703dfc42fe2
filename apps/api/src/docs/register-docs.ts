import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule } from '@nestjs/swagger';
import type { AppConfig } from '@redial/config';
import { buildOpenApiDocument } from './api.openapi';
import { buildAsyncApiDocument } from './events.asyncapi';
import { buildSandboxDocument } from './sandbox.openapi';

export const DOCS_PATHS = { ui: '/docs', openApi: '/docs-json', asyncApi: '/docs/asyncapi.json', sandbox: '/docs/sandbox.json' } as const;

/**
 * No auth, no CDN. GET /docs (Swagger UI from the installed swagger-ui-dist) and /docs-json: the REST API;
 * /docs/asyncapi.json: the gateway's socket events; /docs/sandbox.json: the Twilio sandbox's control API. All
 * three are generated from the zod schemas in libs/contracts, on first use (the URLs are known once listening).
 */
export function registerDocs(app: NestFastifyApplication, config: AppConfig): void {
  const openApi = once(() => buildOpenApiDocument(config.publicUrl));
  SwaggerModule.setup('docs', app, () => openApi() as never, {
    raw: ['json'],
    customSiteTitle: 'Redial API',
    swaggerOptions: { persistAuthorization: false },
  });
  const asyncApi = once(() => buildAsyncApiDocument(config.gatewayPublicUrl));
  const sandbox = once(() => buildSandboxDocument(config.twilio.mode === 'sandbox' ? config.twilio.apiUrl : undefined));
  const fastify = app.getHttpAdapter().getInstance();
  fastify.get(DOCS_PATHS.asyncApi, (_request, reply) => reply.header('content-type', 'application/json; charset=utf-8').send(asyncApi()));
  fastify.get(DOCS_PATHS.sandbox, (_request, reply) => reply.header('content-type', 'application/json; charset=utf-8').send(sandbox()));
}

function once<T>(build: () => T): () => T {
  let built: { value: T } | undefined;
  return () => (built ??= { value: build() }).value;
}
