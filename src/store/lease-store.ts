import { MongoServerError, type Collection, type Db } from 'mongodb';
import { storeOp } from './mongo';

/**
 * The holder-sync poller's lease and pagination key: one document per TIXnGO organizer, so that at
 * most one replica polls an organizer's change feed at a time (domain.md §1.4: "does not support
 * simultaneous executions") and the key moves only under the lease.
 *
 * Every operation is one single-document atomic command (no transactions, no change streams, no TTL
 * indexes: the local MongoDB-compatible server has none of them). Expiry is judged by the callers'
 * clocks: replicas' clocks must agree to well within the lease TTL.
 */
export const LEASES_COLLECTION = 'poller_leases';

export interface LeaseDocument {
  /** `holder-sync:<organizerId>`. */
  readonly _id: string;
  readonly organizerId: string;
  /** The replica holding the lease (`<instanceId>:<random>`), or null once released. */
  readonly owner: string | null;
  /** The lease is free for others after this instant unless renewed. */
  readonly expiresAt: Date;
  readonly acquiredAt: Date | null;
  readonly renewedAt: Date | null;
  /** TIXnGO's key to read the feed after; null before the first page ever handled. */
  readonly paginationKey: string | null;
  /** When the key last moved. */
  readonly keyUpdatedAt: Date | null;
  /** When a page was last handled (the key written, moved or not). */
  readonly lastPageAt: Date | null;
}

export function leaseId(organizerId: string): string {
  return `holder-sync:${organizerId}`;
}

/**
 * Port: the poller's lease and key.
 *
 * Contract: each method is a single atomic write (or read) of the organizer's document. Methods
 * throw `TransientError` (`MONGODB_UNAVAILABLE`) when the store is briefly away; a retried call is
 * safe (acquire, renew, commit and release are idempotent for the same owner). `false`/`null` means
 * "not yours": another owner holds the lease.
 */
export interface LeaseStore {
  /** Takes the lease if it is free, expired, or already `owner`'s; returns the document, or null if another replica holds it. */
  acquire(organizerId: string, owner: string, now: Date, ttlMs: number): Promise<LeaseDocument | null>;
  /** Extends `owner`'s lease; false when `owner` no longer holds it. */
  renew(organizerId: string, owner: string, now: Date, ttlMs: number): Promise<boolean>;
  /**
   * Stores the key after a handled page and renews the lease, in one update conditioned on `owner`
   * still holding it; false (and nothing written) when it does not.
   */
  commitPage(organizerId: string, owner: string, page: { paginationKey: string | null; keyMoved: boolean; now: Date; ttlMs: number }): Promise<boolean>;
  /** Frees `owner`'s lease at once (graceful stop); the key stays. False if `owner` did not hold it. */
  release(organizerId: string, owner: string, now: Date): Promise<boolean>;
  get(organizerId: string): Promise<LeaseDocument | null>;
}

export class MongoLeaseStore implements LeaseStore {
  readonly collection: Collection<LeaseDocument>;

  constructor(db: Db) {
    this.collection = db.collection<LeaseDocument>(LEASES_COLLECTION);
  }

  async acquire(organizerId: string, owner: string, now: Date, ttlMs: number): Promise<LeaseDocument | null> {
    const _id = leaseId(organizerId);
    const expiresAt = new Date(now.getTime() + ttlMs);
    return storeOp('acquiring the poller lease', async () => {
      const taken = await this.collection.findOneAndUpdate(
        { _id, $or: [{ owner }, { owner: null }, { expiresAt: { $lt: now } }] },
        { $set: { owner, expiresAt, acquiredAt: now, renewedAt: now } },
        { returnDocument: 'after' },
      );
      if (taken) return taken;
      // No document matched: either nobody ever polled this organizer (create it) or another replica
      // holds a live lease (the insert then fails on the duplicate _id).
      const fresh: LeaseDocument = {
        _id,
        organizerId,
        owner,
        expiresAt,
        acquiredAt: now,
        renewedAt: now,
        paginationKey: null,
        keyUpdatedAt: null,
        lastPageAt: null,
      };
      try {
        await this.collection.insertOne(fresh);
        return fresh;
      } catch (e) {
        if (e instanceof MongoServerError && e.code === 11000) return null;
        throw e;
      }
    });
  }

  async renew(organizerId: string, owner: string, now: Date, ttlMs: number): Promise<boolean> {
    const r = await storeOp('renewing the poller lease', () =>
      this.collection.updateOne(
        { _id: leaseId(organizerId), owner },
        { $set: { expiresAt: new Date(now.getTime() + ttlMs), renewedAt: now } },
      ),
    );
    return r.matchedCount === 1;
  }

  async commitPage(
    organizerId: string,
    owner: string,
    page: { paginationKey: string | null; keyMoved: boolean; now: Date; ttlMs: number },
  ): Promise<boolean> {
    const { now } = page;
    const r = await storeOp('storing the pagination key', () =>
      this.collection.updateOne(
        { _id: leaseId(organizerId), owner },
        {
          $set: {
            paginationKey: page.paginationKey,
            lastPageAt: now,
            expiresAt: new Date(now.getTime() + page.ttlMs),
            renewedAt: now,
            ...(page.keyMoved ? { keyUpdatedAt: now } : {}),
          },
        },
      ),
    );
    return r.matchedCount === 1;
  }

  async release(organizerId: string, owner: string, now: Date): Promise<boolean> {
    const r = await storeOp('releasing the poller lease', () =>
      this.collection.updateOne({ _id: leaseId(organizerId), owner }, { $set: { owner: null, expiresAt: now } }),
    );
    return r.matchedCount === 1;
  }

  get(organizerId: string): Promise<LeaseDocument | null> {
    return storeOp('reading the poller lease', () => this.collection.findOne({ _id: leaseId(organizerId) }));
  }
}
