/**
 * The simulated change feed (pure): an append-only log of records, each with a global sequence
 * number, read in pages after an opaque pagination key.
 *
 * Key: base64url of `v1:<seq>`, meaning "records after sequence <seq>". Clients must treat it as
 * opaque. Sequences never restart, not even after `POST /_sim/reset`, so a key handed out before a
 * reset still reads only newer records.
 */

export interface FeedEntry {
  /** Global, strictly increasing position of the record in the feed. */
  readonly seq: number;
  /** The record as served: usually a ticket snapshot, possibly a raw (malformed) test record. */
  readonly record: unknown;
}

export interface FeedPage {
  readonly records: readonly unknown[];
  /** Key after the last record returned, or the request's key (the start key when none) if nothing is new. */
  readonly nextPageKey: string;
}

export function encodePaginationKey(afterSeq: number): string {
  return Buffer.from(`v1:${afterSeq}`, 'utf8').toString('base64url');
}

/** The sequence a key points after, or `undefined` when the key is not one we issued. */
export function decodePaginationKey(key: string): number | undefined {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(key)) return undefined;
  const m = /^v1:(0|[1-9]\d{0,15})$/.exec(Buffer.from(key, 'base64url').toString('utf8'));
  if (!m) return undefined;
  const seq = Number(m[1]);
  // Only canonical keys: then an empty page hands back exactly the key it was asked with.
  return Number.isSafeInteger(seq) && encodePaginationKey(seq) === key ? seq : undefined;
}

/**
 * Records after `afterSeq`, at most `limit`, from entries sorted by `seq` (binary search: the log
 * may hold hundreds of thousands of records in a benchmark).
 */
export function readPage(entries: readonly FeedEntry[], afterSeq: number, limit: number): FeedPage {
  let lo = 0;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (entries[mid]!.seq <= afterSeq) lo = mid + 1;
    else hi = mid;
  }
  const slice = entries.slice(lo, lo + limit);
  const last = slice.length > 0 ? slice[slice.length - 1]!.seq : afterSeq;
  return { records: slice.map((e) => e.record), nextPageKey: encodePaginationKey(last) };
}

export type LimitCheck = { readonly ok: true; readonly limit: number } | { readonly ok: false; readonly message: string };

/** `limit` query parameter: a positive integer; absent → `max`; above `max` → clamped to `max`. */
export function checkLimit(raw: string | null, max: number): LimitCheck {
  if (raw === null || raw === '') return { ok: true, limit: max };
  if (!/^\d{1,9}$/.test(raw) || Number(raw) < 1) return { ok: false, message: 'limit must be a positive integer' };
  return { ok: true, limit: Math.min(Number(raw), max) };
}
