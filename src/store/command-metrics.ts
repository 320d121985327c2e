import type { CommandFailedEvent, CommandStartedEvent, CommandSucceededEvent, MongoClient } from 'mongodb';
import type { Metrics } from '../ops/metrics';

type StoreCounters = Pick<Metrics, 'storeCommands' | 'storeDocumentsWritten' | 'storeDocumentsRead'>;

/** What a write command's reply says it did (the fields MongoDB and FerretDB both return). */
interface WriteReply {
  readonly n?: number;
  readonly nModified?: number;
  readonly upserted?: readonly unknown[];
  readonly cursor?: { readonly firstBatch?: readonly unknown[]; readonly nextBatch?: readonly unknown[] };
}

const WRITES: Record<string, 'insert' | 'update' | 'delete'> = { insert: 'insert', update: 'update', delete: 'delete' };

/**
 * Counts what the process asks of its store, from the driver's command monitoring (the client must be
 * created with `monitorCommands: true`): every command sent (a round trip), and the documents the
 * replies say were written (inserted; modified or upserted; deleted) or returned by a cursor. Counted
 * from the replies, not from what the code meant to do: a duplicate key skipped by an unordered insert
 * is not a write, a retried command is two round trips.
 *
 * Cost: a counter increment per command, and a map entry while it runs (the reply names no
 * collection). The driver deserialises each monitored reply once more for the event; the roles' reads
 * return few documents (the intents in flight, the facts of tickets that have some), so that stays
 * small next to the command itself.
 */
export function countStoreCommands(client: MongoClient, metrics: StoreCounters): void {
  /** The collection of each command in flight, by request id. */
  const running = new Map<number, string>();
  client.on('commandStarted', (e: CommandStartedEvent) => {
    const name = e.commandName;
    const target = name === 'getMore' ? e.command.collection : e.command[name];
    const collection = typeof target === 'string' ? target : '';
    running.set(e.requestId, collection);
    metrics.storeCommands.inc({ command: name, collection });
  });
  client.on('commandFailed', (e: CommandFailedEvent) => void running.delete(e.requestId));
  client.on('commandSucceeded', (e: CommandSucceededEvent) => {
    const collection = running.get(e.requestId) ?? '';
    running.delete(e.requestId);
    const reply = e.reply as WriteReply | undefined;
    if (!reply) return;
    const write = WRITES[e.commandName];
    if (write) {
      const n = write === 'update' ? (reply.nModified ?? 0) + (reply.upserted?.length ?? 0) : (reply.n ?? 0);
      if (n > 0) metrics.storeDocumentsWritten.inc({ collection, operation: write }, n);
      return;
    }
    const batch = reply.cursor?.firstBatch ?? reply.cursor?.nextBatch;
    if (batch && batch.length > 0) metrics.storeDocumentsRead.inc({ collection }, batch.length);
  });
}
