/**
 * Pure pacing of the change-feed poller: when to ask for the next page.
 */

export interface PageResult {
  /** Records the page returned (valid or not). */
  readonly records: number;
  /** The page limit asked for. */
  readonly limit: number;
  /** Whether TIXnGO's next key differs from the key the page was read with. */
  readonly keyMoved: boolean;
}

/**
 * The feed is drained for now when a page comes back short, or when the key did not move (nothing
 * new, or TIXnGO returned no key): then wait the poll interval. A full page that moved the key
 * suggests more: ask again at once.
 */
export function isDrained(page: PageResult): boolean {
  return page.records < page.limit || !page.keyMoved;
}

/**
 * Milliseconds to wait before the next request: the poll interval after a drained page, none after a
 * full one, and never less than what the request rate allows since the previous request started
 * (`HOLDER_SYNC_MAX_REQUESTS_PER_SECOND`). A server's Retry-After is honoured by the retry loop.
 */
export function nextPollDelayMs(s: {
  readonly page: PageResult;
  readonly pollIntervalMs: number;
  readonly maxRequestsPerSecond: number;
  /** Milliseconds since the previous request was sent. */
  readonly sinceLastRequestMs: number;
}): number {
  const minIntervalMs = 1000 / s.maxRequestsPerSecond;
  const paced = Math.max(0, Math.ceil(minIntervalMs - s.sinceLastRequestMs));
  return Math.max(isDrained(s.page) ? s.pollIntervalMs : 0, paced);
}
