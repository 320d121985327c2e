import type { Binary, Collection, Db } from 'mongodb';
import type { BatchReport, TicketTrace } from '../contracts/report';
import type { ExecutionMode } from './executions';
import { duplicateKeyIndexes, PACKED_JSON, packJson, storeOp, unpackList } from './mongo';

export const TICKET_TRACE_COLLECTION = 'ticket_trace';

/**
 * What happened to one record of one ticket, for `trace <ticketId>`: where it was read, when its
 * batch closed, and its fate. Ids, codes and offsets only; never personal data.
 */
export interface TraceEntry extends Omit<TicketTrace, 'ticketId' | 'key'> {
  /** The ticket id, or for a record that could not be decoded its key (the ticket id by contract). */
  readonly ticketId: string;
  readonly role: string;
  readonly mode: ExecutionMode;
  readonly batchId: string;
  /** When the record's batch was handled (its outcome durable, its offset about to be committed). */
  readonly at: Date;
}

/** Pure: the trace entries of a batch; an undecodable record is traced under its key, one without a key is left out. */
export function toTraceEntries(r: BatchReport, mode: ExecutionMode): TraceEntry[] {
  const out: TraceEntry[] = [];
  for (const t of r.tickets) {
    // A record that could not be decoded is traced under its key, the ticket id by contract.
    const ticketId = t.ticketId ?? t.key;
    if (!ticketId) continue;
    out.push({
      ticketId,
      ...(t.organization ? { organization: t.organization } : {}),
      role: r.role,
      mode,
      batchId: r.batchId,
      at: r.finishedAt,
      topic: t.topic,
      partition: t.partition,
      offset: t.offset,
      outcome: t.outcome,
      ...(t.reason ? { reason: t.reason } : {}),
      ...(t.requestId ? { requestId: t.requestId } : {}),
      ...(t.simulated ? { simulated: true } : {}),
    });
  }
  return out;
}

/** What a trace document keeps of each record; the rest is the batch's. */
type RecordTrace = Omit<TraceEntry, 'role' | 'mode' | 'batchId' | 'at'>;

/** One document per batch (per `TRACE_DOC_RECORDS` records of it): the records and their ticket ids. */
export interface TraceDoc {
  readonly _id: string;
  readonly role: string;
  readonly mode: ExecutionMode;
  readonly batchId: string;
  readonly at: Date;
  /** For the lookup by ticket (a multikey index on MongoDB). */
  readonly ticketIds: readonly string[];
  readonly records: readonly RecordTrace[];
}

/**
 * A trace document as stored: its records as one JSON array, deflated (raw DEFLATE, level 1), in a
 * Binary. The store never looks inside the records (the lookup is by `ticketIds`), and FerretDB's SQLite
 * backend encodes every field of every record of an array as JSON with its type: a 1,000-record array
 * cost it ~38 ms of CPU per batch, one Binary of ~20 KB a few. Absent `recordsEncoding`: the records as
 * an array (written by the version before), read as they are.
 */
type StoredTraceDoc = Omit<TraceDoc, 'records'> & StoredRecords;
type StoredRecords =
  | { readonly records: Binary; readonly recordsEncoding: typeof PACKED_JSON }
  | { readonly records: readonly RecordTrace[]; readonly recordsEncoding?: undefined };

/** Pure: a trace document as it is stored (`StoredTraceDoc`). */
export function encodeTraceDoc({ records, ...doc }: TraceDoc): StoredTraceDoc {
  return { ...doc, records: packJson(records), recordsEncoding: PACKED_JSON };
}

/** Pure: the records of a stored trace document, of either format. */
export function traceDocRecords(doc: StoredRecords): RecordTrace[] {
  return unpackList<RecordTrace>(doc.records, doc.recordsEncoding, 'trace records');
}

/** Bounds a trace document well under MongoDB's 16 MB, whatever the batch size. */
export const TRACE_DOC_RECORDS = 1000;

/**
 * Per-ticket trace (`ticket_trace`), read by ticket id. A batch's records are kept together, one
 * document per batch, rather than one document per record, and deflated (`StoredTraceDoc`): a
 * 1,000-record batch costs the local FerretDB ~6 ms of CPU that way, against ~45 ms as an array of
 * records and ~60 ms as one document per record, on every batch, for data read only when someone asks.
 * Retention is by age (`deleteOlderThan`), run now and then by the writer, never per write.
 */
export class TicketTraceStore {
  readonly collection: Collection<StoredTraceDoc>;

  constructor(db: Db) {
    this.collection = db.collection<StoredTraceDoc>(TICKET_TRACE_COLLECTION);
  }

  async ensureIndexes(): Promise<void> {
    await storeOp('creating trace indexes', async () => {
      await this.collection.createIndex({ ticketIds: 1 });
      await this.collection.createIndex({ at: 1 });
    });
  }

  /** Idempotent: documents have deterministic ids, and one already written is left as it is. */
  async insertMany(entries: readonly TraceEntry[]): Promise<void> {
    const docs = toTraceDocs(entries).map(encodeTraceDoc);
    if (docs.length === 0) return;
    await storeOp('recording the ticket trace', async () => {
      try {
        await this.collection.insertMany(docs, { ordered: false });
      } catch (e) {
        if (!duplicateKeyIndexes(e)) throw e;
      }
    });
  }

  /** Deletes the trace of batches handled before `cutoff`; returns how many trace documents went. */
  async deleteOlderThan(cutoff: Date): Promise<number> {
    return storeOp('pruning the ticket trace', async () => (await this.collection.deleteMany({ at: { $lt: cutoff } })).deletedCount);
  }

  /**
   * Every entry of a ticket id, oldest first; with `organization`, only that S-360 organization's (a
   * record that could not be decoded has no organization, and is then left out).
   */
  async of(ticketId: string, organization?: string): Promise<TraceEntry[]> {
    const docs = await storeOp('reading the ticket trace', () => this.collection.find({ ticketIds: ticketId }).toArray());
    const mine = (r: RecordTrace) => r.ticketId === ticketId && (organization === undefined || r.organization === organization);
    const entries = docs.flatMap((d) =>
      traceDocRecords(d)
        .filter(mine)
        .map((r): TraceEntry => ({ ...r, role: d.role, mode: d.mode, batchId: d.batchId, at: d.at })),
    );
    return entries.sort((a, b) => a.at.getTime() - b.at.getTime() || compareOffsets(a.offset, b.offset));
  }
}

/** Pure: entries grouped into documents by batch, at most `TRACE_DOC_RECORDS` records each. */
export function toTraceDocs(entries: readonly TraceEntry[]): TraceDoc[] {
  const byBatch = new Map<string, TraceEntry[]>();
  for (const e of entries) {
    const list = byBatch.get(e.batchId);
    if (list) list.push(e);
    else byBatch.set(e.batchId, [e]);
  }
  const docs: TraceDoc[] = [];
  for (const [batchId, list] of byBatch) {
    for (let i = 0; i < list.length; i += TRACE_DOC_RECORDS) {
      const part = list.slice(i, i + TRACE_DOC_RECORDS);
      const { role, mode, at } = part[0]!;
      docs.push({
        _id: `${batchId}:${i / TRACE_DOC_RECORDS}`,
        role,
        mode,
        batchId,
        at,
        ticketIds: [...new Set(part.map((e) => e.ticketId))],
        records: part.map(({ role: _r, mode: _m, batchId: _b, at: _a, ...record }) => record),
      });
    }
  }
  return docs;
}

function compareOffsets(a: string, b: string): number {
  const d = BigInt(a) - BigInt(b);
  return d < 0n ? -1 : d > 0n ? 1 : 0;
}
