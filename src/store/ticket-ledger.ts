import type { Collection, Db } from 'mongodb';
import { storeOp } from './mongo';

/**
 * What the bridge has seen and delivered, as immutable facts: one document per (ticket, kind,
 * generation[, detail]) with that as its `_id`. Recording is an insert, so it is idempotent (a
 * duplicate key means "already recorded") and atomic per document without transactions. Inserts are also what the local
 * MongoDB-compatible server does fast (a 1,000-document insertMany takes ~60 ms there, the same
 * number of single-document updates several seconds).
 */
export type FactKind =
  /** TIXnGO accepted the injection of this generation. */
  | 'inject'
  /** A simulated injection; never counts as delivered. */
  | 'inject-simulated'
  /** A cancellation or invalidation was received (detail: the reason). */
  | 'cancel-seen'
  /** TIXnGO accepted the deletion with this reason (detail: the reason). */
  | 'cancel-pushed'
  /** A control was received. */
  | 'control-seen'
  /** TIXnGO accepted the control. */
  | 'control-pushed';

export interface Fact {
  readonly _id: string;
  readonly ticketId: string;
  readonly kind: FactKind;
  readonly generation: number;
  readonly at: Date;
  readonly detail?: string;
  readonly requestId?: string;
  readonly data?: Readonly<Record<string, unknown>>;
}

export function factId(ticketId: string, kind: FactKind, generation: number, detail?: string): string {
  return detail === undefined ? `${ticketId}|${kind}|${generation}` : `${ticketId}|${kind}|${generation}|${detail}`;
}

/** Everything the ledger knows about one ticket. */
export class TicketFacts {
  constructor(readonly facts: readonly Fact[]) {}

  /** The highest generation TIXnGO accepted an injection for, or undefined. */
  get injectedGeneration(): number | undefined {
    return this.maxGeneration('inject');
  }

  of(kind: FactKind): Fact[] {
    return this.facts.filter((f) => f.kind === kind);
  }

  has(kind: FactKind, generation?: number, detail?: string): boolean {
    return this.facts.some(
      (f) => f.kind === kind && (generation === undefined || f.generation === generation) && (detail === undefined || f.detail === detail),
    );
  }

  maxGeneration(kind: FactKind): number | undefined {
    let max: number | undefined;
    for (const f of this.facts) if (f.kind === kind && (max === undefined || f.generation > max)) max = f.generation;
    return max;
  }
}

export const EMPTY_FACTS = new TicketFacts([]);

export class TicketLedger {
  readonly collection: Collection<Fact>;

  constructor(db: Db) {
    this.collection = db.collection<Fact>('ticket_ledger');
  }

  async ensureIndexes(): Promise<void> {
    await storeOp('creating ledger indexes', () => this.collection.createIndex({ ticketId: 1 }));
  }

  /** Every fact of these tickets, one round trip for a whole batch. */
  async getMany(ticketIds: readonly string[]): Promise<Map<string, TicketFacts>> {
    const out = new Map<string, TicketFacts>();
    if (ticketIds.length === 0) return out;
    const docs = await storeOp('reading the ticket ledger', () =>
      this.collection.find({ ticketId: { $in: [...new Set(ticketIds)] } }).toArray(),
    );
    const grouped = new Map<string, Fact[]>();
    for (const d of docs) {
      const list = grouped.get(d.ticketId) ?? [];
      list.push(d);
      grouped.set(d.ticketId, list);
    }
    for (const [id, facts] of grouped) out.set(id, new TicketFacts(facts));
    return out;
  }

  async get(ticketId: string): Promise<TicketFacts> {
    return (await this.getMany([ticketId])).get(ticketId) ?? EMPTY_FACTS;
  }

  /**
   * Records facts (one insertMany). Facts that already exist are left as they are: recording is
   * idempotent. Returns the ids that this call created (the claims it won).
   */
  async record(facts: readonly Fact[]): Promise<Set<string>> {
    const created = new Set(facts.map((f) => f._id));
    if (facts.length === 0) return created;
    await storeOp('recording ledger facts', async () => {
      try {
        await this.collection.insertMany([...facts], { ordered: false });
      } catch (e) {
        const writeErrors = duplicateKeyErrors(e);
        if (!writeErrors) throw e;
        for (const index of writeErrors) created.delete(facts[index]!._id);
      }
    });
    return created;
  }
}

/** Indexes of the documents an unordered insert skipped as duplicates, or undefined for other errors. */
function duplicateKeyErrors(e: unknown): number[] | undefined {
  const err = e as { code?: number; writeErrors?: { code?: number; index?: number }[] | { code?: number; index?: number } };
  const list = Array.isArray(err.writeErrors) ? err.writeErrors : err.writeErrors ? [err.writeErrors] : [];
  if (list.length === 0) return undefined;
  if (!list.every((w) => w.code === 11000)) return undefined;
  return list.map((w) => w.index ?? -1);
}
