import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule } from '@nestjs/swagger';
import type { AppConfig } from '@redial/config';
import { buildOpenApiDocument } from './openapi.document';

/** GET /docs (Swagger UI from the installed swagger-ui-dist, no CDN) and GET /docs-json; no auth. */
export function registerDocs(app: NestFastifyApplication, config: AppConfig): void {
  SwaggerModule.setup('docs', app, () => buildOpenApiDocument(config.publicUrl), {
    raw: ['json'],
    customSiteTitle: 'Redial API',
    swaggerOptions: { persistAuthorization: false },
  });
}
