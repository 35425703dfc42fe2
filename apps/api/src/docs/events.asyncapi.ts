import { OpenApiGeneratorV31, OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { HandshakeAuthSchema, SOCKET_EVENTS } from '@redial/contracts';
import { z } from 'zod';

/**
 * The gateway's socket.io events as an AsyncAPI 2.6 document, generated from the payload schemas in
 * libs/contracts (SOCKET_EVENTS: namespace → event → payload). Payload schemas are JSON Schema (the OpenAPI 3.1
 * dialect), under `components.schemas`.
 */
export function buildAsyncApiDocument(gatewayUrl: string) {
  const registry = new OpenAPIRegistry();
  // Holder routes make the generator emit every payload schema (with its nested $refs) as a component.
  const payloads = new Map<string, z.ZodType>();
  for (const namespace of Object.values(SOCKET_EVENTS)) {
    for (const event of Object.values(namespace.events)) payloads.set(refIdOf(event.payload), event.payload);
  }
  payloads.set(refIdOf(HandshakeAuthSchema), HandshakeAuthSchema);
  [...payloads.values()].forEach((schema, i) =>
    registry.registerPath({ method: 'get', path: `/holder/${i}`, responses: { 200: { description: '', content: { 'application/json': { schema } } } } }),
  );
  const { components } = new OpenApiGeneratorV31(registry.definitions).generateComponents();
  const schemas = (components?.schemas ?? {}) as Record<string, unknown>;

  const channels: Record<string, unknown> = {};
  const messages: Record<string, unknown> = {};
  for (const [namespace, spec] of Object.entries(SOCKET_EVENTS)) {
    const names: string[] = [];
    for (const [event, { payload, description }] of Object.entries(spec.events)) {
      const name = `${namespace.slice(1)}:${event}`;
      names.push(name);
      messages[name] = { name: event, title: event, summary: description, payload: { $ref: `#/components/schemas/${refIdOf(payload)}` } };
    }
    channels[namespace] = {
      description: `${spec.description} Handshake \`auth\`: \`{"token": …}\`; a bad or expired token gets \`connect_error\` with message \`unauthorized\`, and nothing else.`,
      subscribe: { summary: 'events the server sends', message: { oneOf: names.map((n) => ({ $ref: `#/components/messages/${n}` })) } },
      bindings: { ws: { query: { type: 'object', properties: { EIO: { type: 'string', const: '4' } } } } },
    };
  }
  return {
    asyncapi: '2.6.0',
    info: {
      title: 'Redial live events (socket.io)',
      version: '0.1.0',
      description: 'The gateway app. Connect with socket.io to a namespace, passing `auth: {token}` in the handshake (schema `HandshakeAuth`).',
    },
    defaultContentType: 'application/json',
    servers: { gateway: { url: gatewayUrl, protocol: 'ws', description: 'socket.io 4 (Engine.IO 4)' } },
    channels,
    components: { schemas, messages },
  };
}

function refIdOf(schema: z.ZodType): string {
  const id = (schema.meta() as { id?: string } | undefined)?.id;
  if (!id) throw new Error('every socket payload schema needs a .meta({ id })');
  return id;
}
