import type { Collection, Db } from 'mongodb';
import { storeOp } from './mongo';

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
  readonly history?: readonly { readonly status: string; readonly version: number; readonly changedAt: Date }[];
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
}
