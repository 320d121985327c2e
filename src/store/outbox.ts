import type { Collection, Db } from 'mongodb';
import { storeOp } from './mongo';

/**
 * Requests on their way to TIXnGO. A request is written here before it is sent and removed once its
 * outcome is recorded, so a crash in between leaves it behind: on restart the role sends it again with
 * the same `Idempotency-Key` and records it, instead of pushing the same tickets under a new key.
 */
export interface OutboxEntry<T = unknown> {
  readonly _id: string;
  readonly role: string;
  readonly items: readonly T[];
  /** The tickets of the request, indexed: a redelivered record finds the request it is part of. */
  readonly ticketIds: readonly string[];
  readonly createdAt: Date;
  readonly touchedAt: Date;
  readonly owner: string;
}

export class Outbox {
  readonly collection: Collection<OutboxEntry>;

  constructor(db: Db) {
    this.collection = db.collection<OutboxEntry>('outbox');
  }

  async ensureIndexes(): Promise<void> {
    await storeOp('creating outbox indexes', () => this.collection.createIndex({ role: 1, ticketIds: 1 }));
  }

  async put(entry: OutboxEntry): Promise<void> {
    await storeOp('writing the outbox', () =>
      this.collection.replaceOne({ _id: entry._id }, entry, { upsert: true }),
    );
  }

  /** Marks the request as still being worked on (during long retries), so recovery leaves it alone. */
  async touch(id: string, at: Date): Promise<void> {
    await storeOp('touching the outbox', () => this.collection.updateOne({ _id: id }, { $set: { touchedAt: at } }));
  }

  async remove(id: string): Promise<void> {
    await storeOp('clearing the outbox', () => this.collection.deleteOne({ _id: id }));
  }
}
