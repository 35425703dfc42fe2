import type { OpenAPIObject } from '@nestjs/swagger';
type ParameterObject = NonNullable<OpenAPIObject['paths'][string]['parameters']>[number];
type SecurityRequirementObject = NonNullable<OpenAPIObject['security']>[number];


/**
 * The REST API as CONTRACT.md states it, in OpenAPI 3. Written out rather than scanned from decorators: the
 * controllers validate `unknown` bodies by hand (so the messages name fields exactly), and the contract is the
 * source of truth. test/ops-docs.int-spec.ts checks every route the api serves is described here.
 */

type Schema = Record<string, unknown>;
const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Schema) => ({ 'application/json': { schema } });
const error = (description: string) => ({ description, content: json(ref('Error')) });
const STATUSES = ['pending', 'approved', 'denied', 'failed', 'expired', 'canceled', 'max_attempts_reached'];

const common400 = error('Invalid input: `error` names the problem, `field` the path of the offending value.');
const unauthorized = error('Missing or invalid credentials (`unauthorized`).');

const schemas: Record<string, Schema> = {
  Error: {
    type: 'object',
    required: ['error', 'message'],
    properties: {
      error: { type: 'string', pattern: '^[a-z_]+$', example: 'invalid_number' },
      message: { type: 'string', example: 'The number is not valid.' },
      field: { type: 'string', example: 'primary.number' },
    },
  },
  PhoneInput: {
    type: 'object',
    required: ['number', 'method'],
    additionalProperties: false,
    properties: {
      number: { type: 'string', description: 'E.164, or national with `country`', example: '+12015550123' },
      country: { type: 'string', description: 'ISO 3166 alpha-2 hint for national numbers', example: 'US' },
      method: { type: 'string', enum: ['call', 'sms'] },
      label: { type: 'string', enum: ['mobile', 'office', 'alternate'] },
      extension: { type: 'string', description: 'digits dialled after connecting (calls only)' },
    },
  },
  PhoneSettingsInput: {
    type: 'object',
    required: ['primary'],
    additionalProperties: false,
    properties: { primary: ref('PhoneInput'), backups: { type: 'array', maxItems: 4, items: ref('PhoneInput') } },
  },
  Phone: {
    type: 'object',
    required: ['e164', 'masked', 'country', 'method', 'role', 'internationalSmsCharges'],
    properties: {
      e164: { type: 'string', example: '+12015550123' },
      masked: { type: 'string', example: '+1 ••• ••• ••23' },
      country: { type: 'string', example: 'US' },
      method: { type: 'string', enum: ['call', 'sms'] },
      role: { type: 'string', enum: ['primary', 'backup'] },
      label: { type: 'string', enum: ['mobile', 'office', 'alternate'] },
      extension: { type: 'string' },
      internationalSmsCharges: { type: 'boolean', description: 'an SMS phone outside the sender country' },
    },
  },
  Verification: {
    type: 'object',
    required: ['challengeId', 'token', 'statusUrl'],
    properties: { challengeId: { type: 'string', format: 'uuid' }, token: { type: 'string' }, statusUrl: { type: 'string', format: 'uri' } },
  },
  PhoneSettings: {
    type: 'object',
    required: ['userId', 'status', 'primary', 'backups'],
    properties: {
      userId: { type: 'string' },
      status: { type: 'string', enum: ['verified', 'pending_verification'] },
      primary: { ...ref('Phone'), nullable: true },
      backups: { type: 'array', items: ref('Phone') },
      pending: { type: 'object', properties: { primary: ref('Phone'), backups: { type: 'array', items: ref('Phone') }, challengeId: { type: 'string' } } },
      verification: ref('Verification'),
    },
  },
  Attempt: {
    type: 'object',
    required: ['attemptNo', 'status', 'at'],
    properties: {
      attemptNo: { type: 'integer' },
      status: { type: 'string', example: 'delivered' },
      errorCode: { type: 'integer', description: "the provider's error code" },
      reason: { type: 'string', example: 'busy' },
      at: { type: 'string', format: 'date-time' },
    },
  },
  Step: {
    type: 'object',
    required: ['index', 'role', 'phone', 'method', 'status', 'attempts'],
    properties: {
      index: { type: 'integer' },
      role: { type: 'string', enum: ['primary', 'backup'] },
      phone: { type: 'string', description: 'masked', example: '+1 ••• ••• ••23' },
      method: { type: 'string', enum: ['call', 'sms'] },
      status: { type: 'string', enum: ['waiting', 'active', 'succeeded', 'failed', 'skipped'] },
      reason: { type: 'string', description: 'no_answer, busy, voicemail, invalid_number, undelivered, timeout, …' },
      label: { type: 'string' },
      attempts: { type: 'array', items: ref('Attempt') },
    },
  },
  Challenge: {
    type: 'object',
    required: ['id', 'userId', 'purpose', 'status', 'currentStep', 'expiresAt', 'createdAt', 'steps'],
    properties: {
      id: { type: 'string', format: 'uuid' },
      userId: { type: 'string' },
      purpose: { type: 'string', enum: ['sign_in', 'settings'] },
      status: { type: 'string', enum: STATUSES },
      currentStep: { type: 'integer' },
      expiresAt: { type: 'string', format: 'date-time' },
      createdAt: { type: 'string', format: 'date-time' },
      approvedAt: { type: 'string', format: 'date-time' },
      attemptsLeft: { type: 'integer' },
      steps: { type: 'array', items: ref('Step') },
    },
  },
  CheckResult: {
    type: 'object',
    required: ['status', 'attemptsLeft'],
    properties: { status: { type: 'string', enum: STATUSES }, attemptsLeft: { type: 'integer' } },
  },
  Health: {
    type: 'object',
    required: ['status', 'redis', 'database'],
    properties: {
      status: { type: 'string', enum: ['ok', 'unavailable'] },
      redis: { type: 'string', enum: ['up', 'down'] },
      database: { type: 'string', enum: ['up', 'down'] },
      workers: { type: 'object', description: 'verbose only', properties: { alive: { type: 'integer' }, lastBeatMs: { type: 'integer', nullable: true } } },
      queues: { type: 'object', description: 'verbose only', additionalProperties: { type: 'object' } },
    },
  },
  JobCounts: {
    type: 'object',
    properties: Object.fromEntries(['waiting', 'active', 'delayed', 'completed', 'failed', 'prioritized', 'paused'].map((s) => [s, { type: 'integer' }])),
  },
  OpsStats: {
    type: 'object',
    required: ['at', 'queues', 'rates', 'perMinute', 'timeToFirstDelivery', 'oldestWaitingMs', 'topFailureReasons', 'byCountry', 'challenges'],
    properties: {
      at: { type: 'string', format: 'date-time' },
      queues: { type: 'object', additionalProperties: ref('JobCounts'), description: 'per queue: calls, texts, timers' },
      rates: { type: 'object', description: 'last 60 seconds', properties: { sent: { type: 'integer' }, delivered: { type: 'integer' }, failed: { type: 'integer' }, failedOver: { type: 'integer' } } },
      perMinute: {
        type: 'array',
        description: 'last 30 minutes, oldest first',
        items: { type: 'object', properties: { minute: { type: 'string', format: 'date-time' }, sent: { type: 'integer' }, delivered: { type: 'integer' }, failed: { type: 'integer' }, failedOver: { type: 'integer' } } },
      },
      timeToFirstDelivery: { type: 'object', properties: { p50Ms: { type: 'number', nullable: true }, p95Ms: { type: 'number', nullable: true }, samples: { type: 'integer' } } },
      oldestWaitingMs: { type: 'object', additionalProperties: { type: 'integer' } },
      topFailureReasons: { type: 'array', items: { type: 'object', properties: { reason: { type: 'string' }, count: { type: 'integer' } } } },
      byCountry: { type: 'array', items: { type: 'object', properties: { country: { type: 'string' }, sent: { type: 'integer' }, delivered: { type: 'integer' }, failed: { type: 'integer' } } } },
      challenges: { type: 'object', properties: { pending: { type: 'integer' }, approvedLastHour: { type: 'integer' }, failedLastHour: { type: 'integer' } } },
    },
  },
  OpsAlert: {
    type: 'object',
    required: ['id', 'kind', 'key', 'severity', 'message', 'raisedAt'],
    properties: {
      id: { type: 'string', format: 'uuid' },
      kind: { type: 'string', enum: ['failure_rate', 'queue_depth', 'oldest_waiting', 'fraud_report', 'provider_configuration'] },
      key: { type: 'string', description: 'what the alert is about: a channel, a queue, a reason' },
      severity: { type: 'string', enum: ['warning', 'critical'] },
      message: { type: 'string' },
      value: { type: 'number' },
      threshold: { type: 'number' },
      raisedAt: { type: 'string', format: 'date-time' },
      clearedAt: { type: 'string', format: 'date-time' },
    },
  },
  OpsChallengeSummary: {
    allOf: [
      ref('Challenge'),
      { type: 'object', properties: { providerSids: { type: 'array', items: { type: 'object', properties: { step: { type: 'integer' }, attemptNo: { type: 'integer' }, sid: { type: 'string', nullable: true } } } } } },
    ],
  },
  OpsChallengePage: {
    type: 'object',
    required: ['items'],
    properties: { items: { type: 'array', items: ref('OpsChallengeSummary') }, nextCursor: { type: 'string', description: 'pass as `cursor` for the next page' } },
  },
};

const challengeId: ParameterObject = { name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } };
const apiKey: SecurityRequirementObject[] = [{ apiKey: [] }];
const apiKeyOrToken: SecurityRequirementObject[] = [{ apiKey: [] }, { challengeToken: [] }];
const operator: SecurityRequirementObject[] = [{ operatorToken: [] }];
const notFound = error('No such challenge (`challenge_not_found`).');

export function buildOpenApiDocument(serverUrl: string): OpenAPIObject {
  return {
    openapi: '3.0.3',
    info: {
      title: 'Redial API',
      version: '0.1.0',
      description:
        'Phone verification by calls and texts with failover. Errors are always `{"error","message","field"?}` with a 4xx status; phones appear masked to operators. Twilio webhooks (`/webhooks/twilio/*`, form bodies, `X-Twilio-Signature`) are described in CONTRACT.md and not here.',
    },
    servers: [{ url: serverUrl }],
    tags: [{ name: 'phones' }, { name: 'challenges' }, { name: 'ops' }, { name: 'system' }],
    components: {
      securitySchemes: {
        apiKey: { type: 'http', scheme: 'bearer', description: 'An API key from API_KEYS (server to server).' },
        challengeToken: { type: 'http', scheme: 'bearer', description: "The challenge's own token (from POST /v1/challenges), for that challenge only." },
        operatorToken: { type: 'http', scheme: 'bearer', description: 'OPERATOR_TOKEN.' },
      },
      schemas: schemas as never,
    },
    paths: {
      '/health': {
        get: {
          tags: ['system'],
          summary: 'Liveness of Redis and PostgreSQL',
          security: [],
          parameters: [{ name: 'verbose', in: 'query', required: false, schema: { type: 'string', enum: ['1', 'true'] }, description: 'also report worker heartbeats and queue backlog' }],
          responses: {
            '200': { description: '`{"status":"ok","redis":"up","database":"up"}`', content: json(ref('Health')) },
            '503': { description: 'a part is down, named with `down`', content: json(ref('Health')) },
          },
        },
      },
      '/v1/users/{userId}/phones': {
        parameters: [{ name: 'userId', in: 'path', required: true, schema: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}$' } }],
        put: {
          tags: ['phones'],
          summary: "Save a user's phones; starts a verification of the primary phone",
          description: 'The new settings become active when the verification is approved.',
          security: apiKey,
          requestBody: { required: true, content: json(ref('PhoneSettingsInput')) },
          responses: {
            '200': { description: 'pending settings, with `verification`', content: json(ref('PhoneSettings')) },
            '400': common400,
            '401': unauthorized,
            '413': error('Body too large (`payload_too_large`).'),
            '415': error('Not JSON (`unsupported_media_type`).'),
          },
        },
        get: {
          tags: ['phones'],
          summary: "A user's phone settings",
          security: apiKey,
          responses: { '200': { description: 'settings', content: json(ref('PhoneSettings')) }, '400': common400, '401': unauthorized, '404': error('No settings (`no_phone_settings`).') },
        },
      },
      '/v1/challenges': {
        post: {
          tags: ['challenges'],
          summary: 'Start a sign-in challenge',
          security: apiKey,
          requestBody: {
            required: true,
            content: json({ type: 'object', required: ['userId'], properties: { userId: { type: 'string' }, purpose: { type: 'string', enum: ['sign_in'] } } }),
          },
          responses: {
            '201': { description: 'the challenge and its token', content: json({ allOf: [ref('Challenge'), { type: 'object', required: ['token'], properties: { token: { type: 'string' } } }] }) },
            '400': common400,
            '401': unauthorized,
            '409': error('The user has no active settings (`no_verified_phone`).'),
          },
        },
      },
      '/v1/challenges/{id}': {
        parameters: [challengeId],
        get: {
          tags: ['challenges'],
          summary: 'A challenge',
          security: apiKeyOrToken,
          responses: { '200': { description: 'the challenge', content: json(ref('Challenge')) }, '400': common400, '401': unauthorized, '404': notFound },
        },
      },
      '/v1/challenges/{id}/check': {
        parameters: [challengeId],
        post: {
          tags: ['challenges'],
          summary: 'Check a texted code',
          description: 'A wrong code answers 200 with `status: pending` and one attempt fewer.',
          security: apiKeyOrToken,
          requestBody: { required: true, content: json({ type: 'object', required: ['code'], properties: { code: { type: 'string', pattern: '^\\d{6}$' } } }) },
          responses: {
            '200': { description: 'the outcome', content: json(ref('CheckResult')) },
            '400': common400,
            '401': unauthorized,
            '404': notFound,
            '409': error('The challenge is final (`challenge_not_pending`).'),
          },
        },
      },
      '/v1/challenges/{id}/advance': {
        parameters: [challengeId],
        post: {
          tags: ['challenges'],
          summary: 'Use a different verification option: move to the next step now',
          security: apiKeyOrToken,
          responses: { '200': { description: 'the challenge', content: json(ref('Challenge')) }, '401': unauthorized, '404': notFound, '409': error('The challenge is final or has no next step.') },
        },
      },
      '/v1/challenges/{id}/cancel': {
        parameters: [challengeId],
        post: {
          tags: ['challenges'],
          summary: 'Cancel a challenge',
          security: apiKeyOrToken,
          responses: { '200': { description: 'the challenge, `status: canceled`', content: json(ref('Challenge')) }, '401': unauthorized, '404': notFound, '409': error('The challenge is final.') },
        },
      },
      '/v1/ops/stats': {
        get: {
          tags: ['ops'],
          summary: 'Live figures: queues, rates, per-minute counts, time to first delivery, failure reasons, countries',
          security: operator,
          responses: { '200': { description: 'statistics (cached up to 1 s)', content: json(ref('OpsStats')) }, '401': unauthorized },
        },
      },
      '/v1/ops/alerts': {
        get: {
          tags: ['ops'],
          summary: 'Active alerts, then those cleared in the last 24 hours',
          security: operator,
          responses: { '200': { description: 'alerts', content: json({ type: 'object', required: ['alerts'], properties: { alerts: { type: 'array', items: ref('OpsAlert') } } }) }, '401': unauthorized },
        },
      },
      '/v1/ops/challenges': {
        get: {
          tags: ['ops'],
          summary: 'Search challenges (phones masked)',
          security: operator,
          parameters: [
            { name: 'query', in: 'query', schema: { type: 'string' }, description: 'a challenge id, a user id, or the last 2-4 digits of a phone' },
            { name: 'status', in: 'query', schema: { type: 'string' }, description: `comma-separated: ${STATUSES.join(', ')}` },
            { name: 'from', in: 'query', schema: { type: 'string', format: 'date-time' } },
            { name: 'to', in: 'query', schema: { type: 'string', format: 'date-time' } },
            { name: 'cursor', in: 'query', schema: { type: 'string' }, description: '`nextCursor` of the previous page' },
            { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 } },
          ],
          responses: { '200': { description: 'newest first', content: json(ref('OpsChallengePage')) }, '400': common400, '401': unauthorized },
        },
      },
      '/metrics': {
        get: {
          tags: ['system'],
          summary: 'Prometheus metrics',
          description: 'Operator token, or no token from 127.0.0.1.',
          security: [...operator, {}],
          responses: { '200': { description: 'Prometheus text format', content: { 'text/plain': { schema: { type: 'string' } } } }, '401': unauthorized },
        },
      },
    },
  };
}
