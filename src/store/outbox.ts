import type { Collection, Db } from 'mongodb';
import { duplicateKeyIndexes, storeOp } from './mongo';

/**
 * Requests on their way to TIXnGO: the request id (sent as `Idempotency-Key`) and its ticket ids,
 * written before the request is sent and removed once its outcome is recorded. A crash in between
 * leaves the entry behind; when the tickets are read again, the pipeline sends them under the same
 * key, so TIXnGO recognises a retry instead of applying the tickets twice. Only ids are kept (small
 * documents, cheap to write); the payload is rebuilt from the re-read records.
 */
export interface OutboxEntry {
  readonly _id: string;
  readonly role: string;
  readonly ticketIds: readonly string[];
  readonly createdAt: Date;
  /** Renewed on every retry of a live request; an entry untouched for long belongs to a dead process. */
  readonly touchedAt: Date;
  readonly owner: string;
}

export class Outbox {
  readonly collection: Collection<OutboxEntry>;

  constructor(db: Db) {
    this.collection = db.collection<OutboxEntry>('outbox');
  }

  async ensureIndexes(): Promise<void> {
    await storeOp('creating outbox indexes', () => this.collection.createIndex({ role: 1 }));
  }

  /**
   * Idempotent: request ids are new for every request, so an entry with this id can only be this
   * very put, whose earlier attempt reached the server before the connection broke (and is retried).
   */
  async put(entry: OutboxEntry): Promise<void> {
    await storeOp('writing the outbox', async () => {
      try {
        await this.collection.insertOne(entry);
      } catch (e) {
        if (!duplicateKeyIndexes(e)) throw e;
      }
    });
  }

  /**
   * Entries of `role` containing any of these tickets (usually none). The outbox holds only the
   * requests in flight and what crashed processes left, a few entries, so they are all read and
   * matched here: a server without a multikey index (FerretDB) answers `ticketIds: {$in}` by comparing
   * every id of every entry with every id asked for, about a second of its CPU for two entries of
   * 1,000 tickets each.
   */
  async findContaining(role: string, ticketIds: readonly string[]): Promise<OutboxEntry[]> {
    const entries = await storeOp('reading the outbox', () => this.collection.find({ role }).toArray());
    if (entries.length === 0) return entries;
    const wanted = new Set(ticketIds);
    return entries.filter((e) => e.ticketIds.some((id) => wanted.has(id)));
  }

  async touch(id: string, at: Date): Promise<void> {
    await storeOp('touching the outbox', () => this.collection.updateOne({ _id: id }, { $set: { touchedAt: at } }));
  }

  async remove(id: string): Promise<void> {
    await storeOp('clearing the outbox', () => this.collection.deleteOne({ _id: id }));
  }

  /** Takes over `entry` if nobody touched it since it was read; null when another process won. */
  async claim(entry: OutboxEntry, owner: string, now: Date): Promise<OutboxEntry | null> {
    return storeOp('claiming an unfinished request', () =>
      this.collection.findOneAndUpdate(
        { _id: entry._id, touchedAt: entry.touchedAt },
        { $set: { touchedAt: now, owner } },
        { returnDocument: 'after' },
      ),
    );
  }

  /** The taken-over request's `ticketIds` are settled: forget them, and the entry once it is empty. */
  async release(id: string, ticketIds: readonly string[]): Promise<void> {
    await storeOp('releasing an unfinished request', async () => {
      // The entry is ours (claimed), so read-modify-write is safe; it avoids $pull operators the
      // local MongoDB-compatible server handles unevenly.
      const entry = await this.collection.findOne({ _id: id });
      if (!entry) return;
      const settled = new Set(ticketIds);
      const remaining = entry.ticketIds.filter((t) => !settled.has(t));
      if (remaining.length === 0) await this.collection.deleteOne({ _id: id });
      else await this.collection.updateOne({ _id: id }, { $set: { ticketIds: remaining } });
    });
  }
}
