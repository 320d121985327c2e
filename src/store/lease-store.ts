import type { Collection, Db } from 'mongodb';
import { duplicateKeyIndexes, storeOp } from './mongo';

/**
 * The holder-sync poller's lease and pagination key, so that at most one replica polls a TIXnGO
 * organizer's change feed at a time (domain.md §1.4: "does not support simultaneous executions") and
 * the key moves only under the lease.
 *
 * The lease is a series of numbered **terms**, one document each, `holder-sync:<organizerId>#<term>`,
 * built on the two writes the local MongoDB-compatible server does atomically: inserting a new `_id`
 * (exactly one of several concurrent inserters succeeds) and deleting by `_id`. Nothing here updates a
 * document that another process may write: FerretDB applies an update filtered on anything but `_id`
 * (a compare-and-set such as `{ _id, owner }`) by reading the document, changing it in Go and writing
 * it back whole, so two replicas could both "win" it (measured: several winners in most rounds).
 *
 * The protocol (who writes what, in which order, what each side reads):
 *
 * 1. **Claim.** A replica reads the organizer's term documents and takes the newest, term n (none: n =
 *    0). If it is held (an owner, not expired by the replica's clock) by someone else, the replica
 *    stands by. Otherwise it inserts term n + 1, copying n's pagination key. Of several replicas
 *    claiming at once exactly one insert succeeds; the others get a duplicate key and stand by.
 * 2. **Verify.** The winner reads the organizer's terms again. If one above n + 1 exists, its claim is
 *    void: it inserted a term that a newer holder had already deleted (it was paused between step 1's
 *    read and its insert), and it stands by. Else term n + 1 was the newest when verified; from then on
 *    a newer term can only be created as n + 2 (a claimer inserts "newest seen + 1"), so:
 * 3. **Hold.** Before each page's state writes and before each key commit, the holder reads, by `_id`,
 *    its own term and the next one: it still holds the lease if and only if its own document exists
 *    with its owner and the next term does not. The holder is the only writer of its own term
 *    document (renewals, the key, the release), one write at a time (the poller serialises them), so no
 *    update of it is lost.
 * 4. **Prune.** After verifying, the holder deletes the older terms, oldest first, one at a time. A
 *    term is therefore never deleted while an older one exists, so for any holder of term t whose own
 *    document still exists, every term above t that was ever created still exists: step 3 always sees
 *    the next term of a lease that was taken over. A holder whose term was deleted has lost it.
 * 5. **Key.** A page's key is written only into the holder's own term, after the page's events are
 *    acknowledged. A new holder starts from the key its predecessor's term held when it claimed: a
 *    stale holder that commits later writes into a term nobody reads again, so the new holder at worst
 *    reads some pages again; it never skips one.
 *
 * Who writes what, and what each side reads:
 *
 * | writer                        | writes                                               | reads before acting                        |
 * |-------------------------------|------------------------------------------------------|--------------------------------------------|
 * | claimer                       | inserts term n + 1 (never updates another's term)    | all terms (step 1), all terms again (2)    |
 * | holder of term t              | its own term only: expiry, key, release (by `_id`)   | terms t and t + 1 by `_id` (3), before     |
 * |                               | deletes terms < t once verified (4)                  | every publish, state write and key commit  |
 * | standby                       | nothing                                              | the newest term's owner and expiry         |
 *
 * The FerretDB (1.24, SQLite) guarantees this relies on, and nothing more:
 * - an insert of an `_id` that exists fails with E11000, so of concurrent inserts of one `_id` exactly
 *   one succeeds (the unique `_id` index);
 * - a delete by `_id` removes the document for every later reader;
 * - an update by `_id` of a document that does not exist (pruned) matches nothing and creates nothing
 *   (no upsert anywhere here). An update that read the document just before a prune deleted it
 *   could at worst write back a term older than the newest; its holder then still finds the next term
 *   (pruning goes oldest first), or, after two more terms, has run out of time by its own clock;
 * - reads by `_id` / `_id $in` see every write acknowledged before them.
 * Not relied on: atomic read-modify-write of any kind (findOneAndUpdate, a filter beyond `_id`, `$inc`,
 * upsert), which FerretDB does as a separate read and write.
 *
 * Invariant: one active poller per organizer. Two replicas act as holder of the same organizer only if
 * both pass step 3 at once; a term passes it only while it is the newest, and terms are created one
 * at a time (one insert wins each number), so at most one term is the newest. A deposed holder (its
 * term deleted, or a newer one present) fails step 3 at its next check, which comes before its next
 * publish, state write and key commit: after losing the lease it neither writes the pagination key
 * nor publishes, except for a write already past its check (the time margin below).
 *
 * What remains is time, as with any lease without fencing in the store: a holder checks (3) and then
 * writes; a write that takes longer to land than the margin between the holder giving up (2/3 of the
 * TTL after its last renewal, by its clock) and a standby claiming (the full TTL, by the standby's
 * clock) can still land after a new holder started. Clocks must agree to well within the TTL (NTP).
 *
 * The organizer's terms are read by `organizerId`, not by `_id`: the local server scans the collection
 * for that, and the collection holds one document per organizer (two while a term changes hands).
 */
export const LEASES_COLLECTION = 'poller_leases';

/** What every term document holds, as `status` shows it. */
export interface LeaseDocument {
  /** `holder-sync:<organizerId>#<term>`. */
  readonly _id: string;
  readonly organizerId: string;
  /** The replica holding the term (`<instanceId>:<random>`), or null once it released it. */
  readonly owner: string | null;
  /** A standby may claim the next term after this instant unless the holder renews. */
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

/** One term of an organizer's lease. */
export interface LeaseTerm extends LeaseDocument {
  /** 1, 2, 3…: each claim inserts the next. */
  readonly term: number;
}

export function termId(organizerId: string, term: number): string {
  return `holder-sync:${organizerId}#${term}`;
}

/** Pure: may `owner` claim the term after `newest` at `now`? Free when released, expired, or `owner`'s own. */
export function isClaimable(newest: Pick<LeaseDocument, 'owner' | 'expiresAt'> | null, owner: string, now: Date): boolean {
  return newest === null || newest.owner === null || newest.owner === owner || newest.expiresAt.getTime() < now.getTime();
}

/**
 * Port: the poller's lease and key (the protocol above).
 *
 * Contract: methods throw `TransientError` (`MONGODB_UNAVAILABLE`) when the store is briefly away; every
 * method may be retried (a retried claim that had in fact succeeded claims the term after it, which is
 * as good). The writes to a term (`renew`, `commitPage`, `release`) are made by its holder only, one at a
 * time.
 */
export interface LeaseStore {
  /** The organizer's newest term, or null before the first claim. */
  current(organizerId: string): Promise<LeaseTerm | null>;
  /** Claims the next term if the newest is claimable by `owner` (steps 1 and 2); null when another replica holds or claimed it. */
  claim(organizerId: string, owner: string, now: Date, ttlMs: number): Promise<LeaseTerm | null>;
  /** Step 3: is `lease` still its owner's and the newest term? */
  holds(lease: LeaseTerm): Promise<boolean>;
  /** Step 4: deletes the terms before `lease`, oldest first. */
  prune(lease: LeaseTerm): Promise<void>;
  /** Extends the term, then tells whether it is still held (step 3). */
  renew(lease: LeaseTerm, now: Date, ttlMs: number): Promise<boolean>;
  /** Stores the key after a handled page and extends the term (the caller checked `holds` first). */
  commitPage(lease: LeaseTerm, page: { paginationKey: string | null; keyMoved: boolean; now: Date; ttlMs: number }): Promise<void>;
  /** Frees the term at once (graceful stop), so a standby claims the next without waiting for the TTL; the key stays. */
  release(lease: LeaseTerm, now: Date): Promise<void>;
}

export class MongoLeaseStore implements LeaseStore {
  readonly collection: Collection<LeaseTerm>;

  constructor(db: Db) {
    this.collection = db.collection<LeaseTerm>(LEASES_COLLECTION);
  }

  async current(organizerId: string): Promise<LeaseTerm | null> {
    const terms = await this.terms(organizerId);
    return terms[terms.length - 1] ?? null;
  }

  async claim(organizerId: string, owner: string, now: Date, ttlMs: number): Promise<LeaseTerm | null> {
    const newest = await this.current(organizerId);
    if (!isClaimable(newest, owner, now)) return null;
    const term = (newest?.term ?? 0) + 1;
    const claimed: LeaseTerm = {
      _id: termId(organizerId, term),
      organizerId,
      term,
      owner,
      expiresAt: new Date(now.getTime() + ttlMs),
      acquiredAt: now,
      renewedAt: now,
      paginationKey: newest?.paginationKey ?? null,
      keyUpdatedAt: newest?.keyUpdatedAt ?? null,
      lastPageAt: newest?.lastPageAt ?? null,
    };
    const inserted = await storeOp('claiming a poller lease term', async () => {
      try {
        await this.collection.insertOne(claimed);
        return true;
      } catch (e) {
        if (duplicateKeyIndexes(e)) return false;
        throw e;
      }
    });
    if (!inserted) return null;
    const after = await this.terms(organizerId);
    return after.some((t) => t.term > term) ? null : claimed;
  }

  async holds(lease: LeaseTerm): Promise<boolean> {
    const ids = [lease._id, termId(lease.organizerId, lease.term + 1)];
    const docs = await storeOp('checking the poller lease', () => this.collection.find({ _id: { $in: ids } }, { projection: { _id: 1, owner: 1 } }).toArray());
    return docs.length === 1 && docs[0]!._id === lease._id && docs[0]!.owner === lease.owner;
  }

  async prune(lease: LeaseTerm): Promise<void> {
    for (const older of (await this.terms(lease.organizerId)).filter((t) => t.term < lease.term)) {
      await storeOp('deleting an old poller lease term', () => this.collection.deleteOne({ _id: older._id }));
    }
  }

  async renew(lease: LeaseTerm, now: Date, ttlMs: number): Promise<boolean> {
    await this.write(lease, 'renewing the poller lease', { expiresAt: new Date(now.getTime() + ttlMs), renewedAt: now });
    return this.holds(lease);
  }

  async commitPage(lease: LeaseTerm, page: { paginationKey: string | null; keyMoved: boolean; now: Date; ttlMs: number }): Promise<void> {
    const { now } = page;
    await this.write(lease, 'storing the pagination key', {
      paginationKey: page.paginationKey,
      lastPageAt: now,
      expiresAt: new Date(now.getTime() + page.ttlMs),
      renewedAt: now,
      ...(page.keyMoved ? { keyUpdatedAt: now } : {}),
    });
  }

  async release(lease: LeaseTerm, now: Date): Promise<void> {
    await this.write(lease, 'releasing the poller lease', { owner: null, expiresAt: now });
  }

  /** The holder's own term, by `_id` (its only writer). A term already pruned stays deleted. */
  private async write(lease: LeaseTerm, what: string, fields: Partial<LeaseDocument>): Promise<void> {
    await storeOp(what, () => this.collection.updateOne({ _id: lease._id }, { $set: fields }));
  }

  /**
   * The organizer's terms, oldest first. The document of the compare-and-set lease before terms
   * (`holder-sync:<organizerId>`, no `term`) counts as term 0: the first claim carries its key over,
   * and the first holder prunes it.
   */
  private async terms(organizerId: string): Promise<LeaseTerm[]> {
    const docs = await storeOp('reading the poller lease', () => this.collection.find({ organizerId }).toArray());
    return docs.map((d) => (typeof d.term === 'number' ? d : { ...d, term: 0 })).sort((a, b) => a.term - b.term);
  }
}
