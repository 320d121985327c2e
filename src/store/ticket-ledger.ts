import type { Collection, Db, OptionalUnlessRequiredId } from 'mongodb';
import { duplicateKeyIndexes, storeOp } from './mongo';

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

/** Every kind of fact. */
export const FACT_KINDS: readonly FactKind[] = ['inject', 'inject-simulated', 'cancel-seen', 'cancel-pushed', 'control-seen', 'control-pushed'];

/** A ticket has at least one fact of a kind: `_id` is `<ticketId>|<kind>`. */
interface KindMarker {
  readonly _id: string;
}

const markerId = (ticketId: string, kind: FactKind) => `${ticketId}|${kind}`;

/**
 * The facts, in `ticket_ledger`, and which kinds each ticket has facts of, in `ticket_ledger_kinds`
 * (one marker per ticket and kind, written before the first fact of that kind).
 *
 * Why markers: a batch asks "what do you know about these 1,000 tickets?", and the answer is almost
 * always "nothing of the kinds that matter here" (new tickets; no cancellation waiting). A marker read
 * is a `{_id: {$in}}` lookup, which every MongoDB-compatible server answers from the `_id` index; the
 * facts themselves are read by `ticketId` only for the tickets that have a marker. (The local FerretDB
 * serves secondary-index queries by scanning the collection, so an unconditional `ticketId` read
 * grows with every ticket ever injected.)
 *
 * Markers are written before facts and read before facts. So a fact is never there without its
 * marker, and the cross-role protocol still holds: when two roles each record then read, at least one
 * of them sees the other's fact (see the cancel role).
 */
export class TicketLedger {
  readonly collection: Collection<Fact>;
  readonly kinds: Collection<KindMarker>;

  constructor(db: Db) {
    this.collection = db.collection<Fact>('ticket_ledger');
    this.kinds = db.collection<KindMarker>('ticket_ledger_kinds');
  }

  async ensureIndexes(): Promise<void> {
    await storeOp('creating ledger indexes', () => this.collection.createIndex({ ticketId: 1 }));
  }

  /**
   * Every fact of those tickets that have a fact of one of `kinds` (by default: any). A ticket with
   * none of those kinds is left out, even if it has facts of other kinds: ask for the kinds that
   * decide. Two round trips for a whole batch, the second only when a ticket has such facts.
   */
  async getMany(ticketIds: readonly string[], kinds: readonly FactKind[] = FACT_KINDS): Promise<Map<string, TicketFacts>> {
    const out = new Map<string, TicketFacts>();
    const unique = [...new Set(ticketIds)];
    if (unique.length === 0) return out;
    const markers = await storeOp('reading the ticket ledger', () =>
      this.kinds.find({ _id: { $in: unique.flatMap((t) => kinds.map((k) => markerId(t, k))) } }, { projection: { _id: 1 } }).toArray(),
    );
    if (markers.length === 0) return out;
    const known = [...new Set(markers.map((m) => m._id.slice(0, m._id.lastIndexOf('|'))))];
    const docs = await storeOp('reading the ticket ledger', () => this.collection.find({ ticketId: { $in: known } }).toArray());
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
   * Records facts (the kind markers, then the facts: two insertMany). Facts that already exist are
   * left as they are: recording is idempotent. Returns the ids that this call created (the claims it won).
   */
  async record(facts: readonly Fact[]): Promise<Set<string>> {
    if (facts.length === 0) return new Set();
    const markers = [...new Set(facts.map((f) => markerId(f.ticketId, f.kind)))].map((_id) => ({ _id }));
    await insertNew('recording ledger kinds', this.kinds, markers);
    return insertNew('recording ledger facts', this.collection, facts);
  }
}

/** Inserts documents (one unordered insertMany); returns the ids it created, leaving existing ones as they are. */
async function insertNew<T extends { readonly _id: string }>(what: string, collection: Collection<T>, docs: readonly T[]): Promise<Set<string>> {
  const created = new Set(docs.map((d) => d._id));
  await storeOp(what, async () => {
    try {
      await collection.insertMany([...docs] as unknown as OptionalUnlessRequiredId<T>[], { ordered: false });
    } catch (e) {
      const writeErrors = duplicateKeyIndexes(e);
      if (!writeErrors) throw e;
      for (const index of writeErrors) created.delete(docs[index]!._id);
    }
  });
  return created;
}
