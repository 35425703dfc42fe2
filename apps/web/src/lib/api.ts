import type {
  ApiErrorBody,
  ChallengeSearchQuery,
  ChallengeView,
  CheckCodeBody,
  CheckResult,
  CreateChallengeBody,
  CreatedChallenge,
  OpsAlertList,
  OpsChallengePage,
  OpsStats,
  PhoneSettingsInput,
  PhoneSettingsView,
  UiConfig,
  VerificationRef,
} from '@redial/contracts';

/** Every failure the UI can show: the API's `{error, message, field?}` or a transport problem. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    /** Some validators report several fields at once; tolerated when present. */
    readonly fields: Array<{ field: string; message: string }> = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }

  get isNetwork(): boolean {
    return this.status === 0;
  }

  get isAuth(): boolean {
    return this.status === 401 || this.status === 403;
  }
}

const UNREACHABLE =
  "Can't reach the Redial server. Check that it is running (npm start), then try again.";

interface RequestOptions {
  token?: string;
  body?: unknown;
  signal?: AbortSignal;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function toApiError(status: number, body: unknown): ApiError {
  if (isRecord(body) && typeof body.message === 'string') {
    const e = body as Partial<ApiErrorBody> & { errors?: unknown };
    const fields = Array.isArray(e.errors)
      ? e.errors.filter(isRecord).flatMap((x) =>
          typeof x.field === 'string' && typeof x.message === 'string' ? [{ field: x.field, message: x.message }] : [],
        )
      : [];
    return new ApiError(status, String(e.error ?? `http_${status}`), e.message ?? '', e.field, fields);
  }
  if (status === 404) return new ApiError(status, 'not_found', 'Not found.');
  if (status === 401 || status === 403) return new ApiError(status, 'unauthorized', 'Not authorised.');
  if (status >= 500) return new ApiError(status, 'server_error', `The server had a problem (HTTP ${status}). Try again shortly.`);
  return new ApiError(status, `http_${status}`, `The request failed (HTTP ${status}).`);
}

export async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (options.token) headers.Authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
      cache: 'no-store',
    });
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    throw new ApiError(0, 'network_error', UNREACHABLE);
  }
  const text = await response.text();
  let body: unknown = undefined;
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      // An HTML page where JSON was expected: a static server or the SPA fallback answered, not the API.
      if (response.ok) throw new ApiError(0, 'not_api', UNREACHABLE);
    }
  }
  if (!response.ok) throw toApiError(response.status, body);
  return body as T;
}

const enc = encodeURIComponent;

export const api = {
  uiConfig: (signal?: AbortSignal) => request<UiConfig>('GET', '/ui-config.json', { signal }),

  getPhones: (userId: string, apiKey: string, signal?: AbortSignal) =>
    request<PhoneSettingsView>('GET', `/v1/users/${enc(userId)}/phones`, { token: apiKey, signal }),
  putPhones: (userId: string, apiKey: string, body: PhoneSettingsInput) =>
    request<PhoneSettingsView>('PUT', `/v1/users/${enc(userId)}/phones`, { token: apiKey, body }),
  /** "Verify this phone now": `index` is the backup's position in the active settings' `backups`. */
  verifyBackup: (userId: string, index: number, apiKey: string) =>
    request<VerificationRef>('POST', `/v1/users/${enc(userId)}/phones/backups/${index}/verify`, { token: apiKey, body: {} }),
  /** What the customer's sign-in system does (the settings page's demo): `POST /v1/challenges` with the API key. */
  startSignIn: (userId: string, apiKey: string) =>
    request<CreatedChallenge>('POST', '/v1/challenges', { token: apiKey, body: { userId, purpose: 'sign_in' } satisfies CreateChallengeBody }),

  getChallenge: (id: string, token: string, signal?: AbortSignal) =>
    request<ChallengeView>('GET', `/v1/challenges/${enc(id)}`, { token, signal }),
  checkCode: (id: string, token: string, code: string) =>
    request<CheckResult>('POST', `/v1/challenges/${enc(id)}/check`, { token, body: { code } satisfies CheckCodeBody }),
  advance: (id: string, token: string) =>
    request<ChallengeView>('POST', `/v1/challenges/${enc(id)}/advance`, { token, body: {} }),
  cancel: (id: string, token: string) =>
    request<ChallengeView>('POST', `/v1/challenges/${enc(id)}/cancel`, { token, body: {} }),

  opsStats: (token: string, signal?: AbortSignal) => request<OpsStats>('GET', '/v1/ops/stats', { token, signal }),
  opsAlerts: (token: string, signal?: AbortSignal) =>
    request<OpsAlertList>('GET', '/v1/ops/alerts', { token, signal }),
  opsChallenges: (token: string, params: OpsSearchParams, signal?: AbortSignal) => {
    const q = new URLSearchParams();
    for (const [key, value] of Object.entries(params)) if (value) q.set(key, value);
    return request<OpsChallengePage>('GET', `/v1/ops/challenges?${q.toString()}`, { token, signal });
  },
  /** The queue board's session cookie (HttpOnly, scoped to /ops/queues), made and ended with the operator token. */
  openBoardSession: (token: string) => request<void>('POST', '/v1/ops/session', { token }),
  closeBoardSession: (token: string) => request<void>('DELETE', '/v1/ops/session', { token }),
};

/** The query string of `GET /v1/ops/challenges`, as sent (each value text). */
export type OpsSearchParams = ChallengeSearchQuery;

/** Field paths as the API reports them (`primary.number`, `backups[1].extension`) → messages. */
export function fieldErrors(err: ApiError): Record<string, string> {
  const out: Record<string, string> = {};
  if (err.field) out[err.field] = err.message;
  for (const f of err.fields) out[f.field] = f.message;
  return out;
}

export function errorMessage(err: unknown): string {
  if (err instanceof ApiError) return err.message || 'Something went wrong.';
  if (err instanceof Error) return err.message;
  return 'Something went wrong.';
}
