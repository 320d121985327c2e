import { Partitioners, type PartitionMetadata } from 'kafkajs';
import { AvroCodec, type SchemaName } from '../../src/kafka/avro-codec';
import { kafkaClient, services } from './harness';
import { unique } from './unique';

export interface PartitionLag {
  readonly partition: number;
  readonly committed: number;
  readonly logEnd: number;
}

/** Per partition of `topic`: the group's committed offset (-1 when none) and the log end offset. */
export async function lagOf(groupId: string, topic: string): Promise<PartitionLag[]> {
  const admin = kafkaClient().admin();
  await admin.connect();
  try {
    const [ends, [committed]] = await Promise.all([admin.fetchTopicOffsets(topic), admin.fetchOffsets({ groupId, topics: [topic] })]);
    const byPartition = new Map((committed?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
    return ends
      .map((e) => ({ partition: e.partition, committed: byPartition.get(e.partition) ?? -1, logEnd: Number(e.high), logStart: Number(e.low) }))
      .map(({ partition, committed: c, logEnd, logStart }) => ({ partition, committed: logEnd === logStart && c < 0 ? logEnd : c, logEnd }))
      .sort((a, b) => a.partition - b.partition);
  } finally {
    await admin.disconnect();
  }
}

/** True when the group has committed every partition of `topic` up to its log end (lag 0). */
export async function lagIsZero(groupId: string, topic: string): Promise<boolean> {
  return (await lagOf(groupId, topic)).every((p) => p.committed === p.logEnd);
}

/**
 * Waits until each `[group, topic]` has lag 0 and stays so for `stableMs` (hand-backs written while
 * the last records are handled add records: a momentary zero is not the end). Returns false (instead
 * of throwing) when `timeoutMs` passes, so a test can go on to assertions that say what is wrong.
 */
export async function settleLag(
  pairs: readonly (readonly [string, string])[],
  opts: { timeoutMs?: number; stableMs?: number; abortWhen?: () => boolean } = {},
): Promise<boolean> {
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  const stableMs = opts.stableMs ?? 1500;
  let zeroSince: number | undefined;
  while (Date.now() < deadline && !opts.abortWhen?.()) {
    const zero = (await Promise.all(pairs.map(([g, t]) => lagIsZero(g, t).catch(() => false)))).every(Boolean);
    if (zero) {
      zeroSince ??= Date.now();
      if (Date.now() - zeroSince >= stableMs) return true;
    } else zeroSince = undefined;
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}

/** Lag of several `[group, topic]` pairs, for failure messages. */
export async function lagReport(pairs: readonly (readonly [string, string])[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [g, t] of pairs) {
    const lags = await lagOf(g, t).catch((e: unknown) => String(e));
    out[`${g} @ ${t.replace(/^.*\./, '')}`] = typeof lags === 'string' ? lags : lags.map((p) => `p${p.partition} ${p.committed}/${p.logEnd}`).join(', ');
  }
  return out;
}

export interface ReadRecord {
  readonly partition: number;
  readonly offset: string;
  readonly key: string | null;
  readonly value: Buffer | null;
  readonly headers: Record<string, string>;
}

/**
 * Every record of `topic` from the beginning up to its current end (read committed), with its
 * partition. Ends when every partition is read to the end offset taken at the start (transaction
 * markers and aborted records count as read), or after `timeoutMs`.
 */
export async function readTopic(topic: string, timeoutMs = 20_000): Promise<ReadRecord[]> {
  const admin = kafkaClient().admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic).finally(() => admin.disconnect());
  const pending = new Map(ends.filter((e) => Number(e.high) > Number(e.low)).map((e) => [e.partition, Number(e.high)]));
  const out: ReadRecord[] = [];
  if (pending.size === 0) return out;
  const consumer = kafkaClient().consumer({ groupId: unique('reader'), maxWaitTimeInMs: 200 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    void consumer.run({
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) {
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(m.headers ?? {})) headers[k] = String(v);
          out.push({ partition: batch.partition, offset: m.offset, key: m.key?.toString() ?? null, value: m.value, headers });
        }
        // The batch's last offset counts markers and aborted records the client filtered out.
        const end = pending.get(batch.partition);
        if (end !== undefined && Number(batch.lastOffset()) + 1 >= end) pending.delete(batch.partition);
        if (pending.size === 0) {
          clearTimeout(timer);
          resolve();
        }
      },
    });
  });
  await consumer.disconnect();
  return out;
}

/** The partition kafkajs' (and the Java client's) default murmur2 partitioner gives `key`. */
export function murmur2Partition(topic: string, key: string, partitions: number): number {
  const partitionMetadata: PartitionMetadata[] = Array.from({ length: partitions }, (_, partitionId) => ({
    partitionId,
    leader: 1,
    replicas: [1],
    isr: [1],
    offlineReplicas: [],
    partitionErrorCode: 0,
  }));
  return Partitioners.DefaultPartitioner()({ topic, partitionMetadata, message: { key, value: null } });
}

/** Produces Avro records to explicit partitions (as a non-Java upstream client may place them). */
export async function produceAvroTo(topic: string, schema: SchemaName, records: readonly { record: { ticketId: string }; partition: number }[]): Promise<void> {
  const codec = new AvroCodec({ url: services().registryUrl });
  const producer = kafkaClient().producer();
  if (records[0]) await codec.encode(topic, schema, records[0].record); // one registry lookup, then the cache
  await producer.connect();
  try {
    const messages = await Promise.all(
      records.map(async (r) => ({ key: r.record.ticketId, value: await codec.encode(topic, schema, r.record), partition: r.partition })),
    );
    await producer.send({ topic, messages });
  } finally {
    await producer.disconnect();
  }
}

/**
 * Produces Avro records in Kafka transactions, as a Kafka Streams or outbox-relay upstream does: each
 * element of `transactions` is one transaction, committed or aborted.
 */
export async function produceAvroTransactions(
  topic: string,
  schema: SchemaName,
  transactions: readonly { records: readonly { ticketId: string }[]; commit: boolean }[],
): Promise<void> {
  const codec = new AvroCodec({ url: services().registryUrl });
  const producer = kafkaClient().producer({ transactionalId: unique('tx'), idempotent: true, maxInFlightRequests: 1 });
  const first = transactions.find((t) => t.records.length > 0)?.records[0];
  if (first) await codec.encode(topic, schema, first); // one registry lookup, then the cache
  await producer.connect();
  try {
    for (const t of transactions) {
      const messages = await Promise.all(t.records.map(async (r) => ({ key: r.ticketId, value: await codec.encode(topic, schema, r) })));
      const tx = await producer.transaction();
      try {
        for (let i = 0; i < messages.length; i += 1000) await tx.send({ topic, messages: messages.slice(i, i + 1000) });
        if (t.commit) await tx.commit();
        else await tx.abort();
      } catch (e) {
        await tx.abort().catch(() => undefined);
        throw e;
      }
    }
  } finally {
    await producer.disconnect();
  }
}
