/**
 * Twilio's list paging (GET …/Messages.json, …/Calls.json): the query it takes and the envelope it answers with,
 * as in the OpenAPI's ListMessageResponse / ListCallResponse examples:
 * `{<key>: [...], end, first_page_uri, next_page_uri, page, page_size, previous_page_uri, start, uri}`.
 * `uri` and the page URIs are the list's path with a form-encoded query: the filters as given, then `PageSize`,
 * `Page` and (for other than the first page) `PageToken`. next/previous are null at the ends.
 *
 * Page tokens are cursors, as Twilio's are: `PA<sid>` = the page after that resource, `PB<sid>` = the page before
 * it, so a page does not shift when newer resources arrive meanwhile.
 */

export type QueryValue = string | string[] | undefined;

export interface ListQuery {
  /** The filters given, in the order given: [name, value]. */
  filters: Array<[string, string]>;
  pageSize: number;
  page: number;
  pageToken: string | null;
}

const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 1000;

function first(value: QueryValue): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Reads `PageSize` (1–1000, default 50; a value outside that range is clamped, not refused), `Page` (≥ 0),
 * `PageToken`, and the named filters (other parameters are ignored).
 */
export function parseListQuery(query: Readonly<Record<string, QueryValue>>, filterNames: readonly string[]): ListQuery {
  const filters: Array<[string, string]> = [];
  for (const [name, value] of Object.entries(query)) {
    const text = first(value);
    if (filterNames.includes(name) && text !== undefined && text !== '') filters.push([name, text]);
  }
  const size = Number(first(query.PageSize) ?? DEFAULT_PAGE_SIZE);
  const page = Number(first(query.Page) ?? 0);
  const token = first(query.PageToken);
  return {
    filters,
    pageSize: Number.isFinite(size) ? Math.min(MAX_PAGE_SIZE, Math.max(1, Math.floor(size))) : DEFAULT_PAGE_SIZE,
    page: Number.isInteger(page) && page >= 0 ? page : 0,
    pageToken: token !== undefined && /^P[AB].+/.test(token) ? token : null,
  };
}

/** Where the page starts in `items` (newest first): after/before the token's resource, else at Page × PageSize. */
function startOf(sids: readonly string[], query: ListQuery): number {
  const fallback = query.page * query.pageSize;
  if (query.pageToken === null) return fallback;
  const at = sids.indexOf(query.pageToken.slice(2));
  if (at === -1) return fallback; // the resource was forgotten: fall back to the page number
  return query.pageToken.startsWith('PA') ? at + 1 : Math.max(0, at - query.pageSize);
}

export function listPage<T extends { sid: string }>(
  path: string,
  key: string,
  items: readonly T[],
  query: ListQuery,
  toJson: (item: T) => unknown,
): Record<string, unknown> {
  const sids = query.pageToken === null ? [] : items.map((item) => item.sid);
  const start = startOf(sids, query);
  const slice = items.slice(start, start + query.pageSize);
  const uri = (page: number, token: string | null): string => {
    const params = new URLSearchParams(query.filters);
    params.set('PageSize', String(query.pageSize));
    params.set('Page', String(page));
    if (token !== null) params.set('PageToken', token);
    return `${path}?${params.toString()}`;
  };
  const hasNext = slice.length > 0 && start + slice.length < items.length;
  const hasPrevious = query.page > 0 && start > 0;
  // start/end count by page number, as Twilio's do, even when a cursor placed the page.
  const pageStart = query.page * query.pageSize;
  return {
    [key]: slice.map(toJson),
    end: pageStart + Math.max(slice.length, 1) - 1,
    first_page_uri: uri(0, null),
    next_page_uri: hasNext ? uri(query.page + 1, `PA${slice[slice.length - 1].sid}`) : null,
    page: query.page,
    page_size: query.pageSize,
    previous_page_uri: hasPrevious ? uri(query.page - 1, slice.length > 0 ? `PB${slice[0].sid}` : null) : null,
    start: pageStart,
    uri: uri(query.page, query.pageToken),
  };
}
