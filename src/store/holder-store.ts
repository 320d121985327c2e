import type { Collection, Db } from 'mongodb';
import { duplicateKeyIndexes, storeOp } from './mongo';

/** A person as TIXnGO reports them (personal data: never logged). */
export interface HolderPerson {
  readonly id?: string | null;
  readonly title?: string | null;
  readonly firstName?: string | null;
  readonly lastName?: string | null;
  readonly email?: string | null;
  readonly phone?: string | null;
  readonly birthDate?: string | null;
  readonly nationality?: string | null;
  readonly idNumber?: string | null;
  readonly countryOfResidence?: string | null;
  readonly languageCode?: string | null;
}

/** The last known TIXnGO state of a ticket, written by holder-sync, read by injection for reprints. */
export interface HolderState {
  readonly _id: string;
  readonly status: string;
  readonly version: number;
  readonly changedAt: Date;
  readonly walletOwner: HolderPerson | null;
  readonly ticketHolder: HolderPerson | null;
  readonly previousOwner: HolderPerson | null;
  readonly observedAt: Date;
  readonly history?: readonly HolderHistoryEntry[];
  /** While PENDING_TRANSFER: the recipient (often only an e-mail). Written by holder-sync. */
  readonly transferRecipient?: HolderPerson | null;
  /** What caused the latest change (TIXnGO's `action`, e.g. `TRANSFER`), when TIXnGO said. */
  readonly action?: string | null;
  /** `event.id` of the latest injection, as TIXnGO reports it. */
  readonly eventId?: string | null;
}

/** One change of a ticket's state, oldest first in `HolderState.history` (bounded by HOLDER_SYNC_HISTORY_LIMIT). */
export interface HolderHistoryEntry {
  readonly status: string;
  readonly version: number;
  readonly changedAt: Date;
  readonly action?: string | null;
}

export const HOLDERS_COLLECTION = 'ticket_holders';

export class HolderStore {
  readonly collection: Collection<HolderState>;

  constructor(db: Db) {
    this.collection = db.collection<HolderState>(HOLDERS_COLLECTION);
  }

  /** One round trip for a whole batch. */
  async getMany(ticketIds: readonly string[]): Promise<Map<string, HolderState>> {
    if (ticketIds.length === 0) return new Map();
    const docs = await storeOp('reading holders', () =>
      this.collection.find({ _id: { $in: [...new Set(ticketIds)] } }).toArray(),
    );
    return new Map(docs.map((d) => [d._id, d]));
  }

  /**
   * Inserts states of tickets that had none (one unordered insertMany: the local MongoDB-compatible
   * server does these fast). Returns the ids that already existed and were therefore left as they
   * are: the caller re-reads and compares them (a retried insert, or a concurrent writer).
   */
  async insertNew(states: readonly HolderState[]): Promise<Set<string>> {
    const existing = new Set<string>();
    if (states.length === 0) return existing;
    await storeOp('inserting holder states', async () => {
      try {
        await this.collection.insertMany([...states], { ordered: false });
      } catch (e) {
        const duplicates = duplicateKeyIndexes(e);
        if (!duplicates) throw e;
        for (const i of duplicates) existing.add(states[i]!._id);
      }
    });
    return existing;
  }

  /**
   * Replaces a ticket's state only if the stored one still has `expectedVersion` (compare-and-set:
   * whatever was written since the caller read it is never overwritten). False when it changed.
   */
  async replaceIfVersion(state: HolderState, expectedVersion: number): Promise<boolean> {
    const r = await storeOp('updating a holder state', () =>
      this.collection.replaceOne({ _id: state._id, version: expectedVersion }, state),
    );
    return r.matchedCount === 1;
  }
}
