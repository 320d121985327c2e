import { randomBytes } from 'node:crypto';
import type { ICustomPartitioner } from 'kafkajs';

/**
 * kafkajs's `Partitioners.DefaultPartitioner` (the Java client's: murmur2 of the key, positive, modulo
 * the topic's partitions; an explicit partition wins; records without a key go round-robin over the
 * available partitions), with the same choices, computed cheaper. kafkajs hashes with a 64-bit `Long`
 * emulation, several objects per key byte group, and filters the partitions once per record; the
 * write-back publishes a batch's worth of records at once. Only the low 32 bits of its `Long`
 * products and xors reach the result, so 32-bit integer arithmetic (`Math.imul`) gives the same hash
 * (the unit test compares both on many keys and partition counts).
 */
export const JavaCompatiblePartitioner: ICustomPartitioner = () => {
  const counters = new Map<string, number>();
  return ({ topic, partitionMetadata, message }) => {
    let counter = counters.get(topic);
    if (counter === undefined) {
      counter = randomBytes(32).readUInt32BE(0);
      counters.set(topic, counter);
    }
    if (message.partition !== null && message.partition !== undefined) return message.partition;
    const numPartitions = partitionMetadata.length;
    if (message.key !== null && message.key !== undefined) return toPositive(murmur2(message.key)) % numPartitions;
    counters.set(topic, ++counter);
    const available = partitionMetadata.filter((p) => p.leader >= 0);
    if (available.length > 0) return available[toPositive(counter) % available.length]!.partitionId;
    // No partition is available: a non-available one.
    return toPositive(counter) % numPartitions;
  };
};

const toPositive = (x: number) => x & 0x7fffffff;

const SEED = 0x9747b28c;
const M = 0x5bd1e995;

/** The Java client's murmur2 of the key's bytes (a string: its UTF-8), as a signed 32-bit integer. */
export function murmur2(key: Buffer | string): number {
  const data = Buffer.isBuffer(key) ? key : Buffer.from(String(key));
  const length = data.length;
  let h = SEED ^ length;
  const length4 = Math.floor(length / 4);
  for (let i = 0; i < length4; i++) {
    const i4 = i * 4;
    let k = data[i4]! | (data[i4 + 1]! << 8) | (data[i4 + 2]! << 16) | (data[i4 + 3]! << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M);
    h ^= k;
  }
  // The last 1–3 bytes (the Java client's switch falls through from 3 to 1).
  const tail = length & ~3;
  const rest = length % 4;
  if (rest >= 3) h ^= data[tail + 2]! << 16;
  if (rest >= 2) h ^= data[tail + 1]! << 8;
  if (rest >= 1) {
    h ^= data[tail]!;
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}
