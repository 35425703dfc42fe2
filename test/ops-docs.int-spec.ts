import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { RequestMethod } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import { startStack, Stack } from './support/stack';

/** GET /docs and /docs-json: an OpenAPI 3 description of the REST API, served without auth and without a CDN. */
describe('API description', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.close());

  it('serves the Swagger UI at /docs from local assets, no auth', async () => {
    const res = await fetch(`${stack.apiUrl}/docs`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    const html = await res.text();
    expect(html).toContain('swagger-ui');
    expect(html).not.toMatch(/(src|href)=["']https?:/); // no CDN: every asset is served from here
    const bundle = await fetch(`${stack.apiUrl}/docs/swagger-ui-bundle.js`);
    expect(bundle.status).toBe(200);
    expect((await bundle.arrayBuffer()).byteLength).toBeGreaterThan(100_000);
    const init = await fetch(`${stack.apiUrl}/docs/swagger-ui-init.js`);
    expect(init.status).toBe(200);
    expect(await init.text()).toContain('/v1/ops/challenges'); // the document, inlined
  });

  it('describes every REST route the api serves, with bearer auth and the error shape', async () => {
    const res = await fetch(`${stack.apiUrl}/docs-json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as {
      openapi: string;
      servers: Array<{ url: string }>;
      paths: Record<string, Record<string, { security?: unknown[]; responses: Record<string, unknown>; requestBody?: unknown }>>;
      components: { securitySchemes: Record<string, { type: string; scheme: string }>; schemas: Record<string, unknown> };
    };
    expect(doc.openapi).toMatch(/^3\./);
    expect(doc.servers[0].url).toBe(stack.apiUrl);
    for (const scheme of Object.values(doc.components.securitySchemes)) expect(scheme).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.components.schemas.Error).toMatchObject({ required: ['error', 'message'] });

    // Every route a controller declares under /v1, /health and /metrics is described (webhooks and pages are not REST).
    const routes: string[] = [];
    for (const module of stack.api.get(ModulesContainer).values()) {
      for (const wrapper of module.controllers.values()) {
        const cls = wrapper.metatype as { prototype: Record<string, unknown> } | null;
        if (!cls) continue;
        const base = String(Reflect.getMetadata(PATH_METADATA, cls) ?? '');
        for (const name of Object.getOwnPropertyNames(cls.prototype)) {
          const handler = cls.prototype[name];
          if (typeof handler !== 'function' || Reflect.getMetadata(METHOD_METADATA, handler) === undefined) continue;
          const sub = String(Reflect.getMetadata(PATH_METADATA, handler) ?? '');
          const path = `/${[base, sub].filter((p) => p && p !== '/').join('/')}`.replace(/\/+/g, '/').replace(/:(\w+)/g, '{$1}');
          const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as number].toLowerCase();
          if (/^\/(v1|health|metrics)/.test(path)) routes.push(`${method} ${path}`);
        }
      }
    }
    expect(routes.length).toBeGreaterThanOrEqual(12);
    const described = Object.entries(doc.paths).flatMap(([path, item]) => Object.keys(item).filter((k) => k !== 'parameters').map((m) => `${m} ${path}`));
    expect(described.sort()).toEqual(routes.sort());

    // Auth as CONTRACT.md says: API key by default, challenge token where marked, operator token for ops, none for health.
    expect(doc.paths['/health'].get.security).toEqual([]);
    expect(doc.paths['/v1/challenges/{id}/check'].post.security).toEqual([{ apiKey: [] }, { challengeToken: [] }]);
    expect(doc.paths['/v1/ops/stats'].get.security).toEqual([{ operatorToken: [] }]);
    expect(doc.paths['/v1/users/{userId}/phones'].put.requestBody).toBeDefined();
    // 429: the rate limits (CONTRACT.md additions, issue 13); 422: an Idempotency-Key reused with another body (issue 14).
    expect(Object.keys(doc.paths['/v1/challenges'].post.responses).sort()).toEqual(['201', '400', '401', '409', '422', '429']);
  });
});
