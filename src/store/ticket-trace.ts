import type { Collection, Db } from 'mongodb';
import type { BatchReport, TicketTrace } from '../pipeline/pipeline';
import type { ExecutionMode } from './executions';
import { storeOp } from './mongo';

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

/**
 * Per-ticket trace (`ticket_trace`): one insertMany per batch, read by ticket id. Retention is by age
 * (`deleteOlderThan`), run now and then by the writer, never per write.
 */
export class TicketTraceStore {
  readonly collection: Collection<TraceEntry>;

  constructor(db: Db) {
    this.collection = db.collection<TraceEntry>(TICKET_TRACE_COLLECTION);
  }

  async ensureIndexes(): Promise<void> {
    await storeOp('creating trace indexes', async () => {
      await this.collection.createIndex({ ticketId: 1 });
      await this.collection.createIndex({ at: 1 });
    });
  }

  async insertMany(entries: readonly TraceEntry[]): Promise<void> {
    if (entries.length === 0) return;
    await storeOp('recording the ticket trace', () => this.collection.insertMany(entries.map((e) => ({ ...e })), { ordered: false }));
  }

  async deleteOlderThan(cutoff: Date): Promise<number> {
    return storeOp('pruning the ticket trace', async () => (await this.collection.deleteMany({ at: { $lt: cutoff } })).deletedCount);
  }

  /** Every entry of a ticket, oldest first. */
  async of(ticketId: string): Promise<TraceEntry[]> {
    const entries = await storeOp('reading the ticket trace', () => this.collection.find({ ticketId }, { projection: { _id: 0 } }).toArray());
    return entries.sort((a, b) => a.at.getTime() - b.at.getTime() || compareOffsets(a.offset, b.offset));
  }
}

function compareOffsets(a: string, b: string): number {
  const d = BigInt(a) - BigInt(b);
  return d < 0n ? -1 : d > 0n ? 1 : 0;
}
