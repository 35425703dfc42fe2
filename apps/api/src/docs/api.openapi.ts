import { OpenApiGeneratorV3, OpenAPIRegistry, type ResponseConfig, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import {
  ApiErrorSchema,
  BackupPathParamsSchema,
  ChallengeIdParamsSchema,
  ChallengeSearchQuerySchema,
  ChallengeViewSchema,
  CheckCodeBodySchema,
  CheckResultSchema,
  CreateChallengeBodySchema,
  CreatedChallengeSchema,
  HealthQuerySchema,
  HealthSchema,
  OpsAlertListSchema,
  OpsChallengePageSchema,
  OpsStatsSchema,
  PhoneSettingsInputSchema,
  PhoneSettingsViewSchema,
  ReleaseSuspensionBodySchema,
  SuspensionListSchema,
  SuspensionParamsSchema,
  SuspensionReleaseSchema,
  UserPathParamsSchema,
  VerificationRefSchema,
} from '@redial/contracts';
import { z } from 'zod';
import { IdempotencyKeyHeadersSchema, REPLAYED_HEADER } from '../common/idempotency.guard';

/**
 * The REST API's OpenAPI 3 document, generated from the same zod schemas (libs/contracts) that validate the
 * requests and type the answers. This file only says which route takes and answers which schema;
 * test/ops-docs.int-spec.ts checks that every route the api serves is here, test/api-schemas.e2e-spec.ts that
 * every answer matches its schema.
 */

type Security = RouteConfig['security'];
const API_KEY: Security = [{ apiKey: [] }];
const API_KEY_OR_TOKEN: Security = [{ apiKey: [] }, { challengeToken: [] }];
/** The routes the settings page's demo box calls for an operator signed in on /ops. */
const API_KEY_OR_OPERATOR: Security = [{ apiKey: [] }, { operatorToken: [] }];
const OPERATOR: Security = [{ operatorToken: [] }];

export const json = (schema: z.ZodType) => ({ 'application/json': { schema } });
const ok = (description: string, schema: z.ZodType): ResponseConfig => ({ description, content: json(schema) });
const refusal = (description: string): ResponseConfig => ({ description, content: json(ApiErrorSchema) });

const invalid = refusal('Invalid input: `error` names the problem, `field` the path of the offending value.');
const unauthorized = refusal('Missing or invalid credentials (`unauthorized`).');
const noChallenge = refusal('No such challenge (`challenge_not_found`).');
/** 429 of a rate limit (issue 13): `Retry-After`, `retryAfter` and the `limit` that refused. */
const rateLimited = (limits: string): ResponseConfig => ({
  ...refusal(`A rate limit refused the request (\`rate_limited\`; \`limit\`: ${limits}); nothing was created, sent or stored. Wait \`retryAfter\` seconds.`),
  headers: { 'Retry-After': { description: 'seconds to wait', schema: { type: 'integer' } } },
});
const BROWSER_LIMIT = '`client_ip` for challenge-token callers';
/** The answer of a route that takes `Idempotency-Key`: the same again for a retry with the key (issue 14). */
const replayable = (description: string, schema: z.ZodType): ResponseConfig => ({
  ...ok(`${description}. A retry with the same \`Idempotency-Key\` gets this first answer again, with \`Idempotent-Replayed: true\`; nothing is created or sent again.`, schema),
  headers: { [REPLAYED_HEADER]: { description: '`true` on a replayed answer', schema: { type: 'string', enum: ['true'] } } },
});
const keyInUse = 'or a request with the same `Idempotency-Key` is still being processed (`idempotency_key_in_use`, field `Idempotency-Key`; retry after `Retry-After` seconds for its answer)';
const conflict = (description: string): ResponseConfig => ({
  ...refusal(`${description}; ${keyInUse}.`),
  headers: { 'Retry-After': { description: 'seconds to wait (`idempotency_key_in_use`)', schema: { type: 'integer' } } },
});
const keyReused = refusal('The `Idempotency-Key` was used with a different request body (`idempotency_key_reused`, field `Idempotency-Key`): use a new key for a new request.');

/** Every REST route of the api app, with what it takes and what it answers (the contract's status codes). */
export const API_ROUTES: RouteConfig[] = [
  {
    method: 'get',
    path: '/health',
    tags: ['system'],
    summary: 'Liveness of Redis and PostgreSQL',
    security: [],
    request: { query: HealthQuerySchema },
    responses: {
      200: ok('`{"status":"ok","redis":"up","database":"up"}`', HealthSchema),
      503: ok('a part is down, named with `down`', HealthSchema),
    },
  },
  {
    method: 'put',
    path: '/v1/users/{userId}/phones',
    tags: ['phones'],
    summary: "Save a user's phones; starts a verification of the primary phone",
    description: 'The new settings become active when the verification is approved.',
    security: API_KEY,
    request: { params: UserPathParamsSchema, headers: IdempotencyKeyHeadersSchema, body: { required: true, content: json(PhoneSettingsInputSchema) } },
    responses: {
      200: replayable('pending settings, with `verification`', PhoneSettingsViewSchema),
      400: invalid,
      401: unauthorized,
      413: refusal('Body too large (`payload_too_large`).'),
      409: conflict('The primary phone is a text to a number range the pumping guard has suspended (`destination_suspended`, field `primary.number`): its verification could not arrive'),
      415: refusal('Not JSON (`unsupported_media_type`).'),
      422: keyReused,
      429: rateLimited('`user_settings_saves`'),
    },
  },
  {
    method: 'get',
    path: '/v1/users/{userId}/phones',
    tags: ['phones'],
    summary: "A user's phone settings",
    description: 'With the operator token, each phone has `masked` and no `e164`: operators see masked numbers only.',
    security: API_KEY_OR_OPERATOR,
    request: { params: UserPathParamsSchema },
    responses: { 200: ok('settings', PhoneSettingsViewSchema), 400: invalid, 401: unauthorized, 404: refusal('No settings (`no_phone_settings`).') },
  },
  {
    method: 'post',
    path: '/v1/users/{userId}/phones/backups/{index}/verify',
    tags: ['phones'],
    summary: 'Verify one backup phone now',
    description:
      'A challenge (purpose `phone_check`) to the backup at `index` of the active settings alone; when it is approved, that phone\'s `verifiedAt` is set. The settings themselves do not change.',
    security: API_KEY,
    request: { params: BackupPathParamsSchema },
    responses: {
      201: ok('the verification: its challenge, token and live status page', VerificationRefSchema),
      400: invalid,
      401: unauthorized,
      404: refusal('No backup phone at that index (`backup_not_found`, field `index`).'),
      409: refusal('The user has no active settings (`no_verified_phone`), or the phone is a text to a number range the pumping guard has suspended (`destination_suspended`).'),
      429: rateLimited('`user_challenges`, `api_key_challenges`; or `spend_cap_reached` with limit `daily_spend` until the next UTC day'),
    },
  },
  {
    method: 'post',
    path: '/v1/challenges',
    tags: ['challenges'],
    summary: 'Start a sign-in challenge',
    description: "With the operator token (the settings page's \"Try a sign-in\"), the user's limit applies and no API key's.",
    security: API_KEY_OR_OPERATOR,
    request: { headers: IdempotencyKeyHeadersSchema, body: { required: true, content: json(CreateChallengeBodySchema) } },
    responses: {
      201: replayable('the challenge, its token and the live status page', CreatedChallengeSchema),
      400: invalid,
      401: unauthorized,
      409: conflict('The user has no active settings (`no_verified_phone`), or every phone is a text to a number range the pumping guard has suspended (`destination_suspended`)'),
      422: keyReused,
      429: rateLimited('`user_challenges`, `api_key_challenges`; or `spend_cap_reached` with limit `daily_spend` until the next UTC day'),
    },
  },
  {
    method: 'get',
    path: '/v1/challenges/{id}',
    tags: ['challenges'],
    summary: 'A challenge',
    security: API_KEY_OR_TOKEN,
    request: { params: ChallengeIdParamsSchema },
    responses: { 200: ok('the challenge', ChallengeViewSchema), 401: unauthorized, 404: noChallenge, 429: rateLimited(BROWSER_LIMIT) },
  },
  {
    method: 'post',
    path: '/v1/challenges/{id}/check',
    tags: ['challenges'],
    summary: 'Check a texted code',
    description: 'A wrong code answers 200 with `status: pending` and one attempt fewer.',
    security: API_KEY_OR_TOKEN,
    request: { params: ChallengeIdParamsSchema, body: { required: true, content: json(CheckCodeBodySchema) } },
    responses: {
      200: ok('the outcome', CheckResultSchema),
      400: invalid,
      401: unauthorized,
      404: noChallenge,
      409: refusal('The challenge is final (`challenge_not_pending`) or no code was texted (`no_code_sent`).'),
      429: rateLimited(`${BROWSER_LIMIT}, \`wrong_codes\` while the user is locked out after too many wrong codes in a row (the code is not compared)`),
    },
  },
  {
    method: 'post',
    path: '/v1/challenges/{id}/advance',
    tags: ['challenges'],
    summary: 'Use a different verification option: move to the next step now',
    security: API_KEY_OR_TOKEN,
    request: { params: ChallengeIdParamsSchema },
    responses: { 200: ok('the challenge', ChallengeViewSchema), 401: unauthorized, 404: noChallenge, 409: refusal('The challenge is final or has no next step (`no_other_option`).'), 429: rateLimited(BROWSER_LIMIT) },
  },
  {
    method: 'post',
    path: '/v1/challenges/{id}/cancel',
    tags: ['challenges'],
    summary: 'Cancel a challenge',
    security: API_KEY_OR_TOKEN,
    request: { params: ChallengeIdParamsSchema },
    responses: { 200: ok('the challenge, `status: canceled`', ChallengeViewSchema), 401: unauthorized, 404: noChallenge, 409: refusal('The challenge is final.'), 429: rateLimited(BROWSER_LIMIT) },
  },
  {
    method: 'get',
    path: '/v1/ops/stats',
    tags: ['ops'],
    summary: 'Live figures: queues, rates, per-minute counts, time to first delivery, failure reasons, countries',
    security: OPERATOR,
    responses: { 200: ok('statistics (cached up to 1 s)', OpsStatsSchema), 401: unauthorized },
  },
  {
    method: 'get',
    path: '/v1/ops/alerts',
    tags: ['ops'],
    summary: 'Active alerts, then those cleared in the last 24 hours',
    security: OPERATOR,
    responses: { 200: ok('alerts', OpsAlertListSchema), 401: unauthorized },
  },
  {
    method: 'get',
    path: '/v1/ops/challenges',
    tags: ['ops'],
    summary: 'Search challenges (phones masked)',
    security: OPERATOR,
    request: { query: ChallengeSearchQuerySchema },
    responses: { 200: ok('newest first', OpsChallengePageSchema), 400: invalid, 401: unauthorized },
  },
  ...(['post', 'delete'] as const).map(
    (method): RouteConfig => ({
      method,
      path: '/v1/ops/session',
      tags: ['ops'],
      summary: method === 'post' ? 'Open a queue board session (the dashboard does, at sign-in)' : 'End the queue board session (the dashboard does, at sign-out)',
      description: 'The session is an HttpOnly, SameSite=Strict cookie scoped to `/ops/queues` (Bull Board), holding an HMAC, never the token; it lasts an hour and the board renews it while in use.',
      security: OPERATOR,
      responses: {
        204: { description: method === 'post' ? 'Set-Cookie: the session' : 'Set-Cookie: the session, expired', headers: { 'Set-Cookie': { schema: { type: 'string' } } } },
        401: unauthorized,
      },
    }),
  ),
  {
    method: 'get',
    path: '/v1/ops/suspensions',
    tags: ['ops'],
    summary: 'Destination prefixes whose texts the SMS pumping guard has suspended, and its thresholds',
    security: OPERATOR,
    responses: { 200: ok('oldest suspension first', SuspensionListSchema), 401: unauthorized },
  },
  {
    method: 'post',
    path: '/v1/ops/suspensions/{prefix}/release',
    tags: ['ops'],
    summary: 'Release a suspended prefix: texts to it flow again (audited)',
    description: "Writes an audit row (who, when, the prefix and the figures that had suspended it) and starts the prefix's window afresh.",
    security: OPERATOR,
    request: { params: SuspensionParamsSchema, body: { required: true, content: json(ReleaseSuspensionBodySchema) } },
    responses: {
      200: ok('the audit row', SuspensionReleaseSchema),
      400: invalid,
      401: unauthorized,
      404: refusal('The prefix is not suspended (`not_suspended`).'),
    },
  },
  {
    method: 'get',
    path: '/metrics',
    tags: ['system'],
    summary: 'Prometheus metrics',
    description: 'Operator token, or no token from 127.0.0.1.',
    security: [...(OPERATOR ?? []), {}],
    responses: { 200: { description: 'Prometheus text format', content: { 'text/plain': { schema: z.string() } } }, 401: unauthorized },
  },
];

export function buildOpenApiDocument(serverUrl: string) {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'apiKey', { type: 'http', scheme: 'bearer', description: 'An API key from API_KEYS (server to server).' });
  registry.registerComponent('securitySchemes', 'challengeToken', {
    type: 'http',
    scheme: 'bearer',
    description: "The challenge's own token (from POST /v1/challenges), for that challenge only.",
  });
  registry.registerComponent('securitySchemes', 'operatorToken', { type: 'http', scheme: 'bearer', description: 'OPERATOR_TOKEN.' });
  for (const route of API_ROUTES) registry.registerPath(route);
  return new OpenApiGeneratorV3(registry.definitions).generateDocument({
    openapi: '3.0.3',
    info: {
      title: 'Redial API',
      version: '0.1.0',
      description: [
        'Phone verification by calls and texts with failover. Errors are always `{"error","message","field"?}` with a 4xx status; phones appear masked to operators.',
        'Also here: [socket events (AsyncAPI)](/docs/asyncapi.json) of the gateway, and [the Twilio sandbox control API](/docs/sandbox.json) (sandbox mode).',
        'Twilio webhooks (`/webhooks/twilio/*`, form bodies, `X-Twilio-Signature`) are described in CONTRACT.md and not here.',
      ].join('\n\n'),
    },
    servers: [{ url: serverUrl }],
    tags: [{ name: 'phones' }, { name: 'challenges' }, { name: 'ops' }, { name: 'system' }],
  });
}
