import { RejectedError, TransientError } from '../shared/errors';

/**
 * Pure classification of TIXnGO failures into the bridge's error taxonomy (house-style §4.3). The
 * adapter calls these once, at the boundary; nothing downstream looks at HTTP statuses or socket codes.
 *
 * Messages carry the operation, status codes, codes and counts only: never request headers (the API
 * key), never response bodies (they may echo holder data).
 */

/** The four calls of the port, used in codes-free messages such as `tixngo inject failed: HTTP 503`. */
export type TixngoOperation = 'inject' | 'delete' | 'control' | 'changes';

/** Socket and DNS failures that mean "TIXnGO was not reached or the answer was lost": retry. */
export const TRANSIENT_NETWORK_CODES: readonly string[] = [
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'ECONNABORTED',
  'ENETDOWN',
  'ENETUNREACH',
  'EHOSTDOWN',
  'EHOSTUNREACH',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
];

export interface StatusContext {
  readonly operation: TixngoOperation;
  /** Every ticket id of the request (empty for `changes`); a `RejectedError` names them all. */
  readonly ticketIds: readonly string[];
  /** Raw `Retry-After` header value, if any. */
  readonly retryAfter?: string | readonly string[] | undefined;
  /** TIXnGO's `errorCode` from the error body, if it parsed; only a safe-looking code is quoted. */
  readonly serverErrorCode?: string | undefined;
  readonly nowMs: number;
  /** Upper bound for a server-requested delay. */
  readonly maxRetryAfterMs: number;
}

/**
 * Classifies an answered request by its HTTP status.
 *
 * - 2xx: `null` (not a failure; the caller reads per-ticket results).
 * - 401, 403: `TransientError` `TIXNGO_AUTH`. A wrong or revoked key is an operator problem; retrying
 *   keeps every ticket (and turns readiness false) until the key is fixed, rather than dead-lettering
 *   the world.
 * - 408, 429, 5xx: `TransientError` `TIXNGO_HTTP_<status>`, with `retryAfterMs` when the server sent a
 *   valid `Retry-After` (capped).
 * - any other 4xx: `RejectedError` `TIXNGO_HTTP_<status>` naming every ticket id of the request.
 * - anything else (1xx, 3xx: the client follows no redirects): `TransientError` `TIXNGO_HTTP_<status>`;
 *   an unexpected answer is never a reason to drop tickets.
 */
export function classifyStatus(status: number, ctx: StatusContext): TransientError | RejectedError | null {
  if (status >= 200 && status <= 299) return null;
  const retryAfterMs = parseRetryAfter(ctx.retryAfter, ctx.nowMs, ctx.maxRetryAfterMs);
  const server = safeServerCode(ctx.serverErrorCode);
  const what = `tixngo ${ctx.operation} failed: HTTP ${status}${server ? ` ${server}` : ''}`;
  const count = ctx.operation === 'changes' ? '' : ` (${ctx.ticketIds.length} tickets)`;
  const after = retryAfterMs === undefined ? '' : `, retry after ${retryAfterMs} ms`;

  if (status === 401 || status === 403) {
    return new TransientError('TIXNGO_AUTH', `${what}${count}: check TIXNGO_API_KEY and TIXNGO_API_KEY_HEADER${after}`, retryAfterMs);
  }
  if (status === 408 || status === 429 || (status >= 500 && status <= 599)) {
    return new TransientError(`TIXNGO_HTTP_${status}`, `${what}${count}${after}`, retryAfterMs);
  }
  if (status >= 400 && status <= 499) {
    return new RejectedError(`TIXNGO_HTTP_${status}`, `${what}${count}: request rejected as a whole`, [...ctx.ticketIds]);
  }
  return new TransientError(`TIXNGO_HTTP_${status}`, `${what}${count}: unexpected status`, retryAfterMs);
}

/**
 * Whether a request rejected as a whole may owe it to some of its tickets (a malformed entry, a body
 * too large): then splitting it finds the good ones. A 400 or 422 answers content, a 413 size;
 * 404, 405, 409 and the like answer the request itself and would refuse every part the same way.
 */
export function isSplittableRejection(e: RejectedError): boolean {
  return e.code === 'TIXNGO_HTTP_400' || e.code === 'TIXNGO_HTTP_413' || e.code === 'TIXNGO_HTTP_422';
}

export interface TransportFailure {
  readonly operation: TixngoOperation;
  readonly ticketCount: number;
  /** `code` of the underlying error (`ECONNRESET`, `ERR_CANCELED`, …), if any. */
  readonly code?: string | undefined;
  /** The adapter's own deadline (`requestTimeoutMs`) fired. */
  readonly timedOut: boolean;
  /** The caller's `AbortSignal` fired (shutdown). */
  readonly aborted: boolean;
}

/**
 * Classifies a request that got no HTTP answer. Every such failure is transient: the request may or
 * may not have reached TIXnGO, and pushes are safe to repeat (inject is an upsert, delete and control
 * are idempotent), so retrying never loses or wrongly dead-letters a ticket.
 *
 * Codes: `TIXNGO_TIMEOUT` (our deadline), `TIXNGO_ABORTED` (the caller's signal),
 * `TIXNGO_NETWORK_<CODE>` (socket and DNS errors), `TIXNGO_NETWORK_UNKNOWN` otherwise.
 */
export function classifyTransportFailure(f: TransportFailure): TransientError {
  const count = f.operation === 'changes' ? '' : ` (${f.ticketCount} tickets)`;
  if (f.timedOut) return new TransientError('TIXNGO_TIMEOUT', `tixngo ${f.operation} timed out${count}`);
  if (f.aborted) return new TransientError('TIXNGO_ABORTED', `tixngo ${f.operation} aborted by the caller${count}`);
  const code = f.code !== undefined && /^[A-Z][A-Z0-9_]{1,40}$/.test(f.code) ? f.code : undefined;
  if (code !== undefined && TRANSIENT_NETWORK_CODES.includes(code)) {
    return new TransientError(`TIXNGO_NETWORK_${code}`, `tixngo ${f.operation} failed: network error ${code}${count}`);
  }
  return new TransientError(
    code === undefined ? 'TIXNGO_NETWORK_UNKNOWN' : `TIXNGO_NETWORK_${code}`,
    `tixngo ${f.operation} failed: transport error ${code ?? 'without a code'}${count}`,
  );
}

/**
 * A 2xx whose body is not what we expect (not JSON, wrong shape). Transient on purpose: TIXnGO may
 * have applied the request, and re-sending is safe, whereas dead-lettering would drop tickets that
 * are fine. A persistent mismatch (an API change) keeps the role retrying with readiness false, which
 * is the signal an operator needs.
 */
export function badResponse(operation: TixngoOperation, status: number, detail: string): TransientError {
  return new TransientError('TIXNGO_BAD_RESPONSE', `tixngo ${operation} answered HTTP ${status} with an unexpected body: ${detail}`);
}

/**
 * Parses a `Retry-After` header (RFC 9110 §10.2.3) into milliseconds from `nowMs`.
 *
 * - delta-seconds (`"120"`) → 120 000;
 * - HTTP-date (IMF-fixdate, RFC 850 or asctime) → the time until then, 0 when it is past;
 * - missing, empty, negative, fractional or any other text → `undefined`;
 * - the result never exceeds `capMs`.
 */
export function parseRetryAfter(value: string | readonly string[] | null | undefined, nowMs: number, capMs: number): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (typeof raw !== 'string') return undefined;
  const v = raw.trim();
  if (v === '') return undefined;
  let ms: number | undefined;
  if (/^\d+$/.test(v)) {
    ms = Number(v) * 1000;
  } else {
    const at = parseHttpDate(v);
    if (at !== undefined) ms = Math.max(0, at - nowMs);
  }
  if (ms === undefined || !Number.isFinite(ms)) return ms === Infinity ? Math.max(0, capMs) : undefined;
  return Math.min(Math.max(0, Math.round(ms)), Math.max(0, capMs));
}

const IMF_FIXDATE = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d{2}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT$/;
const RFC850 =
  /^(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), (\d{2})-(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)-(\d{2}) (\d{2}):(\d{2}):(\d{2}) GMT$/;
const ASCTIME = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) ([ \d]\d) (\d{2}):(\d{2}):(\d{2}) (\d{4})$/;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** The three HTTP-date forms, always UTC. Returns epoch ms or `undefined`. */
export function parseHttpDate(v: string): number | undefined {
  let parts: { y: number; mo: string; d: number; h: number; mi: number; s: number } | undefined;
  let m = IMF_FIXDATE.exec(v);
  if (m) parts = { d: +m[2]!, mo: m[3]!, y: +m[4]!, h: +m[5]!, mi: +m[6]!, s: +m[7]! };
  m = parts ? null : RFC850.exec(v);
  if (m) {
    // RFC 9110: a two-digit year more than 50 years in the future is in the past century.
    const yy = +m[4]!;
    const nowY = new Date().getUTCFullYear();
    let y = Math.floor(nowY / 100) * 100 + yy;
    if (y > nowY + 50) y -= 100;
    parts = { d: +m[2]!, mo: m[3]!, y, h: +m[5]!, mi: +m[6]!, s: +m[7]! };
  }
  m = parts ? null : ASCTIME.exec(v);
  if (m) parts = { mo: m[2]!, d: +m[3]!.trim(), h: +m[4]!, mi: +m[5]!, s: +m[6]!, y: +m[7]! };
  if (!parts) return undefined;
  const { y, mo, d, h, mi, s } = parts;
  if (d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return undefined;
  const ms = Date.UTC(y, MONTHS.indexOf(mo), d, h, mi, Math.min(s, 59));
  const check = new Date(ms);
  if (check.getUTCDate() !== d) return undefined; // 31 Feb and friends
  return ms;
}

function safeServerCode(code: string | undefined): string | undefined {
  return code !== undefined && /^[A-Z][A-Z0-9_]{0,63}$/.test(code) ? code : undefined;
}
