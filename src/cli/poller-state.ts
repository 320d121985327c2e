import type { Db } from 'mongodb';
import { LEASES_COLLECTION, type LeaseDocument } from '../store/lease-store';

/** The holder-sync poller's state for `status`: its key, lease and page times (no personal data is stored there). */
export interface PollerState {
  readonly found: boolean;
  readonly lines: readonly string[];
}

const iso = (d: Date | null | undefined) => (d instanceof Date ? d.toISOString() : 'never');

/** Pure: the lines `status` prints for the poller's lease documents (one per TIXnGO organizer). */
export function describePollerState(docs: readonly LeaseDocument[], nowMs: number): PollerState {
  if (docs.length === 0) return { found: false, lines: ['no poller state stored: holder-sync never ran against this database'] };
  const lines: string[] = [];
  for (const d of docs) {
    const held = d.owner !== null && d.expiresAt.getTime() > nowMs;
    const keyAge = d.keyUpdatedAt ? ` (${Math.round((nowMs - d.keyUpdatedAt.getTime()) / 1000)} s ago)` : '';
    lines.push(`organizer ${d.organizerId}: pagination key ${d.paginationKey === null ? 'none yet (starts at the beginning of the feed)' : d.paginationKey}`);
    lines.push(`  key moved ${iso(d.keyUpdatedAt)}${keyAge}, last page ${iso(d.lastPageAt)}`);
    lines.push(held ? `  lease held by ${d.owner} until ${iso(d.expiresAt)}` : `  lease free (last released or expired ${iso(d.expiresAt)}): no replica is polling`);
  }
  return { found: true, lines };
}

export async function readPollerState(db: Db, nowMs = Date.now()): Promise<PollerState> {
  const docs = await db
    .collection<LeaseDocument>(LEASES_COLLECTION)
    .find({}, { projection: { organizerId: 1, owner: 1, expiresAt: 1, acquiredAt: 1, renewedAt: 1, paginationKey: 1, keyUpdatedAt: 1, lastPageAt: 1 } })
    .limit(50)
    .toArray();
  return describePollerState(docs, nowMs);
}
