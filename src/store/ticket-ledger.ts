import type { Collection, Db } from 'mongodb';
import { storeOp } from './mongo';

/**
 * What the bridge has delivered to TIXnGO, one document per ticket. Every write is a single-document
 * atomic update (no multi-document transactions: the local MongoDB-compatible server has none), so
 * concurrent roles decide races by what each update returns.
 */
export interface LedgerEntry {
  readonly _id: string;
  /** The highest reprint generation TIXnGO accepted (real pushes only). */
  readonly inject?: { readonly generation: number; readonly at: Date; readonly requestId: string };
  /** The last simulated injection; never counts as delivered. */
  readonly injectSimulated?: { readonly generation: number; readonly at: Date };
  /** The latest cancellation or invalidation seen for the ticket, and whether it reached TIXnGO. */
  readonly cancel?: {
    readonly status: 'CANCELLED' | 'INVALIDATED';
    readonly reason: string;
    readonly generation: number;
    readonly receivedAt: Date;
    readonly showDeletedTicket?: boolean;
    readonly claim?: string;
    readonly pushedReason?: string;
    readonly pushedAt?: Date;
  };
  readonly control?: {
    readonly controlledAt: Date;
    readonly generation: number;
    readonly receivedAt: Date;
    readonly claim?: string;
    readonly pushedAt?: Date;
  };
  readonly updatedAt: Date;
}

export interface InjectedTicket {
  readonly ticketId: string;
  readonly generation: number;
  readonly requestId: string;
}

export class TicketLedger {
  readonly collection: Collection<LedgerEntry>;

  constructor(db: Db) {
    this.collection = db.collection<LedgerEntry>('ticket_ledger');
  }

  /** One round trip for a whole batch. */
  async getMany(ticketIds: readonly string[]): Promise<Map<string, LedgerEntry>> {
    if (ticketIds.length === 0) return new Map();
    const docs = await storeOp('reading the ticket ledger', () =>
      this.collection.find({ _id: { $in: [...new Set(ticketIds)] } }).toArray(),
    );
    return new Map(docs.map((d) => [d._id, d]));
  }

  async get(ticketId: string): Promise<LedgerEntry | null> {
    return storeOp('reading the ticket ledger', () => this.collection.findOne({ _id: ticketId }));
  }

  /** Records accepted injections (one bulk write); a lower generation never overwrites a higher one. */
  async recordInjected(tickets: readonly InjectedTicket[], at: Date, simulated: boolean): Promise<void> {
    if (tickets.length === 0) return;
    const field = simulated ? 'injectSimulated' : 'inject';
    await storeOp('recording injections', () =>
      this.collection.bulkWrite(
        tickets.map((t) => ({
          updateOne: {
            filter: {
              _id: t.ticketId,
              $or: [{ [field]: { $exists: false } }, { [`${field}.generation`]: { $lte: t.generation } }],
            },
            update: {
              $set: {
                [field]: simulated
                  ? { generation: t.generation, at }
                  : { generation: t.generation, at, requestId: t.requestId },
                updatedAt: at,
              },
            },
            upsert: true,
          },
        })),
        { ordered: false },
      ).catch((e: unknown) => {
        // An upsert whose filter missed because a higher generation is stored hits the _id index: fine.
        if ((e as { code?: number }).code === 11000 || (e as { writeErrors?: unknown[] }).writeErrors) {
          const errors = ((e as { writeErrors?: { code?: number }[] }).writeErrors ?? [{ code: (e as { code?: number }).code }]);
          if (errors.every((w) => w.code === 11000)) return undefined;
        }
        throw e;
      }),
    );
  }
}
