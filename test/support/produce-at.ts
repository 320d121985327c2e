import { AvroCodec, type SchemaName } from '../../src/kafka/avro-codec';
import { kafkaClient, services } from './harness';

/**
 * Produces Avro records (key = ticket id) with an explicit record timestamp, as if the core had
 * written them at `timestampMs`: what `--to-datetime`, `--from` and `--since` look up.
 */
export async function produceAvroAt(topic: string, schema: SchemaName, records: readonly { ticketId: string }[], timestampMs: number): Promise<void> {
  const codec = new AvroCodec({ url: services().registryUrl });
  const producer = kafkaClient().producer();
  await producer.connect();
  try {
    const messages = await Promise.all(
      records.map(async (r) => ({ key: r.ticketId, value: await codec.encode(topic, schema, r), timestamp: String(timestampMs) })),
    );
    await producer.send({ topic, messages });
  } finally {
    await producer.disconnect();
  }
}

/** Per partition, the committed offsets of a group (-1 when none). */
export async function committedByPartition(groupId: string, topic: string): Promise<Map<number, number>> {
  const admin = kafkaClient().admin();
  await admin.connect();
  try {
    const [res] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return new Map((res?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
  } finally {
    await admin.disconnect();
  }
}

/** Per partition, the first offset at or after `timestampMs`. */
export async function offsetsAt(topic: string, timestampMs: number): Promise<Map<number, number>> {
  const admin = kafkaClient().admin();
  await admin.connect();
  try {
    return new Map((await admin.fetchTopicOffsetsByTimestamp(topic, timestampMs)).map((o) => [o.partition, Number(o.offset)]));
  } finally {
    await admin.disconnect();
  }
}

export async function listGroups(): Promise<string[]> {
  const admin = kafkaClient().admin();
  await admin.connect();
  try {
    return (await admin.listGroups()).groups.map((g) => g.groupId);
  } finally {
    await admin.disconnect();
  }
}
