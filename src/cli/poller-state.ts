import type { Db } from 'mongodb';
import { LEASES_COLLECTION, type LeaseDocument } from '../store/lease-store';

/** The holder-sync poller's state for `status`: its key, lease and page times (no personal data is stored there). */
export interface PollerState {
  readonly found: boolean;
  readonly lines: readonly string[];
}

const iso = (d: Date | null | undefined) => (d instanceof Date ? d.toISOString() : 'never');

/** A lease document as stored: a term (`term`), or the single document of the lease before terms (none). */
export type StoredLeaseDocument = LeaseDocument & { readonly term?: number };

/**
 * Pure: the lines `status` prints for the poller's lease documents: per TIXnGO organizer, its newest
 * term (older terms are the past, deleted by the next holder; lease-store.ts).
 */
export function describePollerState(docs: readonly StoredLeaseDocument[], nowMs: number): PollerState {
  if (docs.length === 0) return { found: false, lines: ['no poller state stored: holder-sync never ran against this database'] };
  const newest = new Map<string, StoredLeaseDocument>();
  for (const d of docs) {
    const seen = newest.get(d.organizerId);
    if (!seen || (d.term ?? 0) > (seen.term ?? 0)) newest.set(d.organizerId, d);
  }
  const lines: string[] = [];
  for (const d of [...newest.values()].sort((a, b) => a.organizerId.localeCompare(b.organizerId))) {
    const held = d.owner !== null && d.expiresAt.getTime() > nowMs;
    const keyAge = d.keyUpdatedAt ? ` (${Math.round((nowMs - d.keyUpdatedAt.getTime()) / 1000)} s ago)` : '';
    lines.push(`organizer ${d.organizerId}: pagination key ${d.paginationKey === null ? 'none yet (starts at the beginning of the feed)' : d.paginationKey}`);
    lines.push(`  key moved ${iso(d.keyUpdatedAt)}${keyAge}, last page ${iso(d.lastPageAt)}`);
    const term = d.term === undefined ? '' : ` (term ${d.term})`;
    lines.push(
      held
        ? `  lease held by ${d.owner} until ${iso(d.expiresAt)}${term}`
        : `  lease free (last released or expired ${iso(d.expiresAt)}${term}): no replica is polling`,
    );
  }
  return { found: true, lines };
}

export async function readPollerState(db: Db, nowMs = Date.now()): Promise<PollerState> {
  const docs = await db
    .collection<StoredLeaseDocument>(LEASES_COLLECTION)
    .find(
      {},
      { projection: { organizerId: 1, term: 1, owner: 1, expiresAt: 1, acquiredAt: 1, renewedAt: 1, paginationKey: 1, keyUpdatedAt: 1, lastPageAt: 1 } },
    )
    .limit(200)
    .toArray();
  return describePollerState(docs, nowMs);
}
