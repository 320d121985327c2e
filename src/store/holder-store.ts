import { Binary, type Collection, type Db } from 'mongodb';
import { duplicateKeyIndexes, fromJsonBinary, JSON_BINARY, jsonBinary, storeOp } from './mongo';

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

/**
 * The last known TIXnGO state of a ticket, written by holder-sync, read by injection for reprints.
 * `_id` is `<organizerId>:<ticketId>` (see `holderStateId`).
 */
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

/** What holder-sync needs of a stored state to decide which records are newer and to extend its history. */
export type HolderHead = Pick<HolderState, 'version' | 'history'>;

/** A state as holder-sync writes it: whose it is, besides what readers use. */
export interface HolderDocument extends HolderState {
  /** The TIXnGO organizer whose change feed reported it. */
  readonly organizerId: string;
  readonly ticketId: string;
}

/** One change of a ticket's state, oldest first in `HolderState.history` (bounded by HOLDER_SYNC_HISTORY_LIMIT). */
export interface HolderHistoryEntry {
  readonly status: string;
  readonly version: number;
  readonly changedAt: Date;
  readonly action?: string | null;
}

export const HOLDERS_COLLECTION = 'ticket_holders';

/**
 * A state as stored. The history, which no query looks inside, is one Binary holding its JSON
 * (`historyEncoding` = `JSON_BINARY`; each entry's `changedAt` an ISO string).
 * Why: FerretDB's SQLite backend decodes every field of a document, nested ones included, each with its
 * type, whenever it reads it, even for a projection that leaves them out, and encodes them all on every
 * write. holder-sync reads the head (version and history) of every ticket a new term has not seen yet;
 * the history entries were most of that read's cost (measured on the local server, FerretDB CPU per state
 * read: ~320 µs as an array of sub-documents, ~200 µs packed). Not deflated: a few hundred bytes, and a
 * zlib stream per state cost holder-sync more CPU than it saved.
 *
 * The people stay fields, as the version before wrote them. Packing them too saved another ~80 µs a read,
 * but during a rolling update an inject role of that version, reading a state of this one, would find no
 * `walletOwner` and send a reprint to the purchaser. A holder-sync of the version before reading a packed
 * history stops with an error instead (it cannot spread a Binary), before writing: see the README's runbook.
 *
 * Absent `historyEncoding`: the history as the version before wrote it (an array), read as it is. Any
 * other form throws: a reader never guesses at a form it does not know.
 */
export type StoredHolderDocument = Omit<HolderDocument, 'history'> & StoredHistory;
export type StoredHistory =
  | { readonly history: Binary; readonly historyEncoding: typeof JSON_BINARY }
  | { readonly history?: readonly HolderHistoryEntry[]; readonly historyEncoding?: undefined };

/** A history entry as packed: its moment as an ISO string (JSON has no dates). */
interface PackedHistoryEntry {
  readonly status: string;
  readonly version: number;
  readonly changedAt: string;
  readonly action?: string | null;
}

/** Pure: a state as it is stored (`StoredHolderDocument`). */
export function encodeHolderDoc(state: HolderDocument): StoredHolderDocument {
  const { history, ...fields } = state;
  if (history === undefined) return fields;
  const packed: PackedHistoryEntry[] = history.map((h) => ({
    status: h.status,
    version: h.version,
    changedAt: h.changedAt.toISOString(),
    ...(h.action !== undefined ? { action: h.action } : {}),
  }));
  return { ...fields, history: jsonBinary(packed), historyEncoding: JSON_BINARY };
}

/** Pure: the history of a stored state of either form (undefined when it has none). */
export function storedHistory(doc: { readonly history?: unknown; readonly historyEncoding?: unknown }): HolderHistoryEntry[] | undefined {
  const { history, historyEncoding } = doc;
  if (historyEncoding === undefined) {
    if (history === undefined || history === null) return undefined;
    if (Array.isArray(history)) return [...(history as HolderHistoryEntry[])];
  } else if (historyEncoding === JSON_BINARY && history instanceof Binary) {
    return fromJsonBinary<PackedHistoryEntry[]>(history).map((h) => {
      const changedAt = new Date(h.changedAt);
      if (Number.isNaN(changedAt.getTime())) throw new Error('holder history entry stored without a valid changedAt');
      return { ...h, changedAt };
    });
  }
  throw new Error(`holder history stored in an unknown form (encoding ${String(historyEncoding)})`);
}

/** Pure: a stored state of either form as readers see it (the history an array, no encoding). */
export function decodeHolderDoc(stored: StoredHolderDocument): HolderDocument {
  const { history: _h, historyEncoding: _he, ...fields } = stored;
  const history = storedHistory(stored);
  return { ...fields, ...(history === undefined ? {} : { history }) };
}

/**
 * A state's `_id`. Ticket ids are unique within a TIXnGO organizer only: two organizers (two TIXnGO
 * accounts) may use the same one, so the organizer is part of the key. Ticket ids cannot contain `:`
 * (TIXnGO's pattern), so the id names one (organizer, ticket) pair whatever the organizer id holds.
 */
export function holderStateId(organizerId: string, ticketId: string): string {
  return `${organizerId}:${ticketId}`;
}

/**
 * Statements per replace command. The local MongoDB-compatible server (FerretDB 1.24, patched by
 * infra/ferretdb/sqlite-bulk-update.patch) writes one command's replacements in one transaction, so
 * larger commands cost it less per state. Upstream FerretDB 1.24 held a database connection for every
 * statement until the command ended and hung at ~100 statements; the patch closes each at its end.
 */
const REPLACES_PER_COMMAND = 500;

/** `heads`: reads in flight at once, and the fewest ids worth a read of their own. */
const HEAD_READS_IN_FLIGHT = 4;
const HEAD_READ_MIN_SIZE = 250;

/**
 * Holder states, read and written by `_id` only (on the local server any other filter scans the
 * collection). No write here is conditional: holder-sync's lease makes its holder the only writer of its
 * organizer's states, and the holder decides in memory what to write (holder-state.ts).
 */
export class HolderStore {
  /** The documents as stored (`StoredHolderDocument`): write with `encodeHolderDoc`, read with `decodeHolderDoc`. */
  readonly collection: Collection<StoredHolderDocument>;

  constructor(db: Db) {
    this.collection = db.collection<StoredHolderDocument>(HOLDERS_COLLECTION);
  }

  async ensureIndexes(): Promise<void> {
    // `trace` looks a ticket's states up by ticket id, in every organizer; holder-sync and the inject role never do.
    await storeOp('creating holder indexes', () => this.collection.createIndex({ ticketId: 1 }));
  }

  /** The organizer's stored states of `ticketIds`, by ticket id: one `_id $in` read. */
  async getMany(organizerId: string, ticketIds: readonly string[]): Promise<Map<string, HolderDocument>> {
    if (ticketIds.length === 0) return new Map();
    const ids = [...new Set(ticketIds)].map((t) => holderStateId(organizerId, t));
    const docs = await storeOp('reading holders', () => this.collection.find({ _id: { $in: ids } }).toArray());
    return new Map(docs.map((d) => [d.ticketId, decodeHolderDoc(d)]));
  }

  /**
   * The stored states of (organizer, ticket) pairs of any organizers, by `_id` (`holderStateId`): one
   * `_id $in` read. A pair without a state of its own falls back to a state stored by the version before
   * organizers (`_id` = the bare ticket id, no `organizerId`): that version polled the one organizer of a
   * single-organization installation, so an upgraded installation keeps reprinting to the last known
   * holder instead of the purchaser until the ticket's next change is synced.
   */
  async getStates(keys: readonly { readonly organizerId: string; readonly ticketId: string }[]): Promise<Map<string, HolderDocument>> {
    if (keys.length === 0) return new Map();
    const ids = [...new Set(keys.flatMap((k) => [holderStateId(k.organizerId, k.ticketId), k.ticketId]))];
    const docs = await storeOp('reading holders', () => this.collection.find({ _id: { $in: ids } }).toArray());
    const byId = new Map(docs.map((d) => [d._id, decodeHolderDoc(d)]));
    const out = new Map<string, HolderDocument>();
    for (const k of keys) {
      const id = holderStateId(k.organizerId, k.ticketId);
      const own = byId.get(id);
      const legacy = byId.get(k.ticketId);
      if (own) out.set(id, own);
      else if (legacy && legacy.organizerId === undefined) out.set(id, { ...legacy, organizerId: k.organizerId, ticketId: k.ticketId });
    }
    return out;
  }

  /**
   * What holder-sync decides with, for the organizer's `ticketIds` (by ticket id): each stored state's
   * version and history, without the people. The ids split into at most `HEAD_READS_IN_FLIGHT` `_id $in`
   * reads of at least `HEAD_READ_MIN_SIZE` ids, all at once: the local server decodes each document on the
   * connection's own goroutine, so a page's reads in parallel use both cores of a small machine instead of one.
   */
  async heads(organizerId: string, ticketIds: readonly string[]): Promise<Map<string, HolderHead>> {
    const ids = [...new Set(ticketIds)].map((t) => holderStateId(organizerId, t));
    const out = new Map<string, HolderHead>();
    const size = Math.max(HEAD_READ_MIN_SIZE, Math.ceil(ids.length / HEAD_READS_IN_FLIGHT));
    const chunks: string[][] = [];
    for (let i = 0; i < ids.length; i += size) chunks.push(ids.slice(i, i + size));
    await Promise.all(
      chunks.map(async (chunk) => {
        const docs = await storeOp('reading holder versions', () =>
          this.collection
            // One reply for the whole chunk (the default first batch is 101 documents, then getMores).
            .find({ _id: { $in: chunk } }, { projection: { _id: 0, ticketId: 1, version: 1, history: 1, historyEncoding: 1 }, batchSize: chunk.length })
            .toArray(),
        );
        for (const d of docs) {
          const history = storedHistory(d);
          out.set(d.ticketId, { version: d.version, ...(history ? { history } : {}) });
        }
      }),
    );
    return out;
  }

  /**
   * Inserts states of tickets that had none (one unordered insertMany). Returns the ticket ids that
   * already had a state and were therefore left as they are (a retried insert that had reached the
   * server, or a state written meanwhile): the caller reads and decides again.
   */
  async insertNew(states: readonly HolderDocument[]): Promise<Set<string>> {
    const existing = new Set<string>();
    if (states.length === 0) return existing;
    await storeOp('inserting holder states', async () => {
      try {
        await this.collection.insertMany(states.map(encodeHolderDoc), { ordered: false });
      } catch (e) {
        const duplicates = duplicateKeyIndexes(e);
        if (!duplicates) throw e;
        for (const i of duplicates) existing.add(states[i]!.ticketId);
      }
    });
    return existing;
  }

  /** Replaces stored states by `_id`, `REPLACES_PER_COMMAND` to a command; `beforeCommand` runs before each (and may throw to stop). */
  async replace(states: readonly HolderDocument[], beforeCommand: () => void = () => undefined): Promise<void> {
    for (let i = 0; i < states.length; i += REPLACES_PER_COMMAND) {
      beforeCommand();
      const chunk = states.slice(i, i + REPLACES_PER_COMMAND);
      await storeOp('replacing holder states', () =>
        this.collection.bulkWrite(
          chunk.map((s) => ({ replaceOne: { filter: { _id: s._id }, replacement: encodeHolderDoc(s) } })),
          { ordered: false },
        ),
      );
    }
  }
}
