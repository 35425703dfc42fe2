import { OpenApiGeneratorV3, OpenAPIRegistry, type ResponseConfig, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import {
  DigitsBodySchema,
  FaultsPatchSchema,
  FaultsSchema,
  InboxCallSchema,
  NumberBehaviourPatchSchema,
  SandboxCallParamsSchema,
  SandboxErrorSchema,
  SandboxInboxSchema,
  SandboxNumberListSchema,
  SandboxNumberParamsSchema,
  SandboxNumberSchema,
  SandboxResetSchema,
} from '@redial/contracts';
import type { z } from 'zod';
import { json } from './api.openapi';

/**
 * The Twilio sandbox's control API (sandbox app; JSON, no auth, 127.0.0.1 only) as OpenAPI 3, generated from the
 * zod schemas the sandbox validates with. Served by the api at /docs/sandbox.json; in sandbox mode the api also
 * proxies /sandbox/* to it for the web's phone simulator.
 */

const ok = (description: string, schema: z.ZodType): ResponseConfig => ({ description, content: json(schema) });
const refused = (description: string): ResponseConfig => ({ description, content: json(SandboxErrorSchema) });
const invalid = refused('`invalid_body` (field `body`), `unknown_field`, `invalid_field`, or `invalid_number` (field `e164`).');
const notLoopback = refused('the caller is not on the loopback interface (`forbidden`)');

export const SANDBOX_ROUTES: RouteConfig[] = [
  {
    method: 'put',
    path: '/sandbox/numbers/{e164}',
    tags: ['sandbox'],
    summary: "Set a number's behaviour (merged into its current one)",
    request: { params: SandboxNumberParamsSchema, body: { required: true, content: json(NumberBehaviourPatchSchema) } },
    responses: { 200: ok("the number's behaviour", SandboxNumberSchema), 400: invalid, 403: notLoopback },
  },
  {
    method: 'get',
    path: '/sandbox/numbers/{e164}',
    tags: ['sandbox'],
    summary: "A number's behaviour",
    request: { params: SandboxNumberParamsSchema },
    responses: { 200: ok("the number's behaviour", SandboxNumberSchema), 400: invalid, 403: notLoopback },
  },
  {
    method: 'get',
    path: '/sandbox/numbers',
    tags: ['sandbox'],
    summary: 'Every known number (configured, texted or called), most recently active first',
    responses: { 200: ok('numbers', SandboxNumberListSchema), 403: notLoopback },
  },
  {
    method: 'get',
    path: '/sandbox/inbox/{e164}',
    tags: ['sandbox'],
    summary: 'Texts and calls to a number, oldest first',
    request: { params: SandboxNumberParamsSchema },
    responses: { 200: ok('the inbox', SandboxInboxSchema), 400: invalid, 403: notLoopback },
  },
  {
    method: 'post',
    path: '/sandbox/calls/{callSid}/digits',
    tags: ['sandbox'],
    summary: "Type keys on a call's phone (for `interactive` numbers: the web's phone simulator)",
    request: { params: SandboxCallParamsSchema, body: { required: true, content: json(DigitsBodySchema) } },
    responses: {
      200: ok('the call', InboxCallSchema),
      400: invalid,
      403: notLoopback,
      404: refused('no such call (`call_not_found`)'),
      409: refused('the call has ended (`call_ended`)'),
    },
  },
  {
    method: 'get',
    path: '/sandbox/faults',
    tags: ['sandbox'],
    summary: 'The faults injected on the REST API',
    responses: { 200: ok('faults', FaultsSchema), 403: notLoopback },
  },
  {
    method: 'put',
    path: '/sandbox/faults',
    tags: ['sandbox'],
    summary: 'Inject faults on the REST API (merged into the current ones)',
    request: { body: { required: true, content: json(FaultsPatchSchema) } },
    responses: { 200: ok('faults', FaultsSchema), 400: invalid, 403: notLoopback },
  },
  {
    method: 'delete',
    path: '/sandbox/faults',
    tags: ['sandbox'],
    summary: 'Clear the faults',
    responses: { 200: ok('faults', FaultsSchema), 403: notLoopback },
  },
  {
    method: 'delete',
    path: '/sandbox/state',
    tags: ['sandbox'],
    summary: 'Forget numbers, inboxes and faults, and stop every text and call in flight',
    responses: { 200: ok('done', SandboxResetSchema), 403: notLoopback },
  },
];

export function buildSandboxDocument(sandboxUrl: string | undefined) {
  const registry = new OpenAPIRegistry();
  for (const route of SANDBOX_ROUTES) registry.registerPath(route);
  return new OpenApiGeneratorV3(registry.definitions).generateDocument({
    openapi: '3.0.3',
    info: {
      title: 'Redial Twilio sandbox — control API',
      version: '0.1.0',
      description:
        "The local Twilio sandbox's own API (sandbox mode only; JSON, no auth, 127.0.0.1 only): phone behaviours, inboxes, key presses, faults, reset. Its Twilio-compatible REST API follows Twilio's own description.",
    },
    servers: sandboxUrl ? [{ url: sandboxUrl }] : [],
    tags: [{ name: 'sandbox' }],
  });
}
