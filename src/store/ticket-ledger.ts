import type { Collection, Db, OptionalUnlessRequiredId } from 'mongodb';
import { ticketKey } from '../shared/ticket-key';
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
  /** The core cancelled or invalidated this generation (detail: the reason; `occurredAt`: when). */
  | 'cancel-seen'
  /** TIXnGO accepted the deletion of that cancellation (same detail and `occurredAt`). */
  | 'cancel-pushed'
  /** A simulated deletion; never counts as delivered. */
  | 'cancel-simulated'
  /** The core controlled this generation. */
  | 'control-seen'
  /** TIXnGO accepted the control. */
  | 'control-pushed'
  /** A simulated control; never counts as delivered. */
  | 'control-simulated';

export interface Fact {
  /** The fact's own id: `factId(ticketKey(organization, ticketId), kind, generation, …)`. */
  readonly _id: string;
  /** The ticket as TIXnGO knows it. */
  readonly ticketId: string;
  /** The S-360 organization that owns it. */
  readonly organization: string;
  readonly kind: FactKind;
  readonly generation: number;
  readonly at: Date;
  readonly detail?: string;
  /** Cancellations: when the core made the change (orders several reasons of one generation). */
  readonly occurredAt?: Date;
  readonly requestId?: string;
  readonly data?: Readonly<Record<string, unknown>>;
  /**
   * Where an `inject` fact comes from when the bridge did not push it itself: `imported` (the support
   * CLI's `ledger import`: injected before go-live, by the S-360 batch jobs, a CSV upload or the back
   * office), `core` (a cancellation or control said the core printed the ticket through the
   * organization's TIXnGO point of sales). Absent: the bridge's own push.
   */
  readonly source?: 'imported' | 'core';
}

/**
 * The `inject` fact of a generation TIXnGO had without a push of the bridge's own (`source`: see
 * `Fact.source`): the one shape `ledger import` and the core's print state both write.
 */
export function foreignInjectFact(
  organization: string,
  ticketId: string,
  generation: number,
  at: Date,
  source: 'imported' | 'core',
  data: Readonly<Record<string, unknown>>,
): Fact {
  return { _id: factId(ticketKey(organization, ticketId), 'inject', generation), ticketId, organization, kind: 'inject', generation, at, source, data };
}

/** A fact's own id, from its ticket's key (`ticketKey`): `<key>|<kind>|<generation>[|<occurredAt ms>][|<detail>]`. */
export function factId(key: string, kind: FactKind, generation: number, detail?: string, occurredAt?: Date): string {
  const base = `${key}|${kind}|${generation}`;
  if (detail === undefined) return base;
  return occurredAt === undefined ? `${base}|${detail}` : `${base}|${occurredAt.getTime()}|${detail}`;
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
export const FACT_KINDS: readonly FactKind[] = [
  'inject',
  'inject-simulated',
  'cancel-seen',
  'cancel-pushed',
  'cancel-simulated',
  'control-seen',
  'control-pushed',
  'control-simulated',
];

/** A fact as stored: in slot `n` of its ticket and kind (`_id` `<ticketId>|<kind>|#<n>`), its own id in `key`. */
type StoredFact = Omit<Fact, '_id'> & { readonly _id: string; readonly key: string };

const slotId = (key: string, kind: FactKind, n: number) => `${key}|${kind}|#${n}`;
/** The ticket key a slot belongs to (keys contain no `|`). */
const keyOfSlot = (slot: string) => slot.slice(0, slot.indexOf('|'));

/** Slots read at once per ticket and kind: most have one fact or none; more are read when they are full. */
const SLOTS_PER_READ = 2;

/**
 * The facts, in `ticket_ledger`, every one reached by `_id` only. The facts of one ticket and kind
 * fill numbered slots, 0, 1, 2, … (`_id` `<ticketKey>|<kind>|#<n>`, the key scoped by organization:
 * `ticketKey`), each holding one fact under its own id (`key`):
 *
 * - Reading "what do you know of these 1,000 tickets" is one `_id: {$in}` query for the first slots
 *   of each ticket and kind (almost always empty: new tickets); only a full read goes on to the next
 *   slots. Every MongoDB-compatible server answers that from the `_id` index (the local FerretDB scans
 *   the collection for any other query, so a read by `ticketId` would grow with every ticket ever seen).
 * - Recording is insert-only: a fact goes into the first free slot. A duplicate `_id` means the slot
 *   is taken: by the same fact (an earlier attempt or another writer: recorded, done) or by another
 *   fact (try the next slot). So concurrent writers never lose a fact, never store one twice, and
 *   slots fill without gaps (a writer tries slot n+1 only after it saw slot n taken), which is why a
 *   reader may stop at the first empty slot. Only unique-`_id` inserts are relied on: they are atomic
 *   on FerretDB too, where read-modify-write updates are not.
 * - One document per fact: the inject hot path writes one document per ticket.
 */
export class TicketLedger {
  readonly collection: Collection<StoredFact>;

  constructor(db: Db) {
    this.collection = db.collection<StoredFact>('ticket_ledger');
  }

  async ensureIndexes(): Promise<void> {
    // `trace` and the support tools look facts up by ticket; the roles never do (see above).
    await storeOp('creating ledger indexes', () => this.collection.createIndex({ ticketId: 1 }));
  }

  /**
   * The facts of `kinds` (by default: every kind) of these tickets (by `ticketKey`), keyed the same way;
   * tickets with none are left out. One round trip for a whole batch, more only for tickets with more
   * facts of a kind than one read holds.
   *
   * `firstSlots`: slots read per ticket and kind in the first round trip (then `SLOTS_PER_READ`). A
   * caller whose tickets mostly have no facts (the inject role: new tickets) reads one: half the ids
   * to look up (the local FerretDB spends ~10 ms of CPU on 2,000 ids, ~26 ms on 4,000), and a second
   * round trip only for the tickets that have a fact.
   */
  async getMany(keys: readonly string[], kinds: readonly FactKind[] = FACT_KINDS, firstSlots = SLOTS_PER_READ): Promise<Map<string, TicketFacts>> {
    const grouped = new Map<string, Fact[]>();
    let slots = firstSlots;
    let wanted: { readonly key: string; readonly kind: FactKind; readonly from: number }[] = [];
    for (const key of new Set(keys)) for (const kind of kinds) wanted.push({ key, kind, from: 0 });
    while (wanted.length > 0) {
      const n = slots;
      const ids: string[] = [];
      for (const w of wanted) for (let i = 0; i < n; i++) ids.push(slotId(w.key, w.kind, w.from + i));
      const docs = await storeOp('reading the ticket ledger', () => this.collection.find({ _id: { $in: ids } }).toArray());
      const found = new Set<string>();
      for (const { _id: slot, key, ...fact } of docs) {
        found.add(slot);
        const ticket = keyOfSlot(slot);
        const list = grouped.get(ticket) ?? [];
        list.push({ ...fact, _id: key });
        grouped.set(ticket, list);
      }
      // A ticket and kind whose last slot read was full may have more (none when nothing was found: new tickets).
      wanted = found.size === 0 ? [] : wanted.filter((w) => found.has(slotId(w.key, w.kind, w.from + n - 1))).map((w) => ({ ...w, from: w.from + n }));
      slots = SLOTS_PER_READ;
    }
    const out = new Map<string, TicketFacts>();
    for (const [key, facts] of grouped) out.set(key, new TicketFacts(facts));
    return out;
  }

  /**
   * The tickets (by `ticketKey`) that have at least one fact of `kinds`: one round trip reading the
   * first slot of each ticket and kind, which is taken whenever the ticket has a fact of that kind
   * (slots fill without gaps, see the class comment).
   */
  async keysWithAny(keys: readonly string[], kinds: readonly FactKind[]): Promise<Set<string>> {
    const ids = [...new Set(keys)].flatMap((key) => kinds.map((kind) => slotId(key, kind, 0)));
    if (ids.length === 0) return new Set();
    const docs = await storeOp('reading the ticket ledger', () => this.collection.find({ _id: { $in: ids } }, { projection: { _id: 1 } }).toArray());
    return new Set(docs.map((d) => keyOfSlot(d._id)));
  }

  async get(key: string): Promise<TicketFacts> {
    return (await this.getMany([key])).get(key) ?? EMPTY_FACTS;
  }

  /**
   * The facts of a ticket id in every organization, by organization (the support CLI's `trace`, which
   * may not know the organization). Reads by `ticketId`: a scan on FerretDB, fine for one ticket.
   */
  async findByTicketId(ticketId: string): Promise<Map<string, Fact[]>> {
    const docs = await storeOp('reading the ticket ledger', () => this.collection.find({ ticketId }).toArray());
    const out = new Map<string, Fact[]>();
    for (const { _id: _slot, key, ...fact } of docs) {
      const list = out.get(fact.organization) ?? [];
      list.push({ ...fact, _id: key });
      out.set(fact.organization, list);
    }
    return out;
  }

  /**
   * Records facts: each goes into the first free slot of its ticket and kind (see the class comment).
   * Idempotent: a fact already recorded is left as it is. Returns the ids of the facts this call stored.
   */
  async record(facts: readonly Fact[]): Promise<Set<string>> {
    const created = new Set<string>();
    // One fact per id; several facts of one ticket and kind go to consecutive slots.
    const unique = [...new Map(facts.map((f) => [f._id, f])).values()];
    // `group`: the ticket and kind, `<ticketKey>|<kind>`, which a slot id continues with `|#<n>` (`slotId`).
    let pending = unique.map((fact) => ({ fact, group: `${ticketKey(fact.organization, fact.ticketId)}|${fact.kind}`, slot: 0 }));
    const nextOf = new Map<string, number>();
    const slotOf = (p: { readonly group: string; readonly slot: number }) => `${p.group}|#${p.slot}`;
    while (pending.length > 0) {
      // Within this call, facts of one ticket and kind take distinct slots.
      for (const p of pending) {
        p.slot = Math.max(p.slot, nextOf.get(p.group) ?? 0);
        nextOf.set(p.group, p.slot + 1);
      }
      const docs: StoredFact[] = pending.map((p) => ({ ...p.fact, _id: slotOf(p), key: p.fact._id }));
      const taken = await insertNew('recording ledger facts', this.collection, docs);
      for (let i = 0; i < pending.length; i++) if (!taken.has(i)) created.add(pending[i]!.fact._id);
      if (taken.size === 0) break;
      const clashed = pending.filter((_, i) => taken.has(i));
      const holders = await storeOp('reading the ticket ledger', () =>
        this.collection.find({ _id: { $in: clashed.map(slotOf) } }, { projection: { key: 1 } }).toArray(),
      );
      const keyAt = new Map(holders.map((h) => [h._id, h.key]));
      // The slot holds this very fact (recorded before): done. Another fact: the next slot.
      pending = clashed.filter((p) => keyAt.get(slotOf(p)) !== p.fact._id).map((p) => ({ ...p, slot: p.slot + 1 }));
      nextOf.clear();
    }
    return created;
  }
}

/** Inserts documents (one unordered insertMany); returns the indexes whose `_id` was taken already. */
async function insertNew<T extends { readonly _id: string }>(what: string, collection: Collection<T>, docs: readonly T[]): Promise<Set<number>> {
  const taken = new Set<number>();
  await storeOp(what, async () => {
    try {
      await collection.insertMany([...docs] as unknown as OptionalUnlessRequiredId<T>[], { ordered: false });
    } catch (e) {
      const writeErrors = duplicateKeyIndexes(e);
      if (!writeErrors) throw e;
      for (const index of writeErrors) taken.add(index);
    }
  });
  return taken;
}
