import { Partitioners, type PartitionMetadata } from 'kafkajs';
import { JavaCompatiblePartitioner, murmur2 } from './partitioner';

const metadata = (n: number, down: readonly number[] = []): PartitionMetadata[] =>
  Array.from({ length: n }, (_, partitionId) => ({
    partitionId,
    leader: down.includes(partitionId) ? -1 : 1,
    partitionErrorCode: 0,
    replicas: [1],
    isr: [1],
    offlineReplicas: [],
  }));

describe('JavaCompatiblePartitioner', () => {
  // Keys of every length 0–40, ticket ids, non-ASCII and binary keys.
  const keys: (string | Buffer)[] = [
    ...Array.from({ length: 41 }, (_, n) => 'k'.repeat(n)),
    ...Array.from({ length: 2000 }, (_, i) => String(100_000_000 + i * 7919)),
    ...Array.from({ length: 200 }, (_, i) => `ORG-${i}-ticket-${(i * 104_729).toString(36)}`),
    'Zürich',
    '票',
    '🎫 ticket',
    Buffer.from([0, 255, 128, 127, 1]),
    Buffer.from(Array.from({ length: 37 }, (_, i) => (i * 73) & 0xff)),
  ];

  it.each([1, 2, 3, 6, 7, 12, 50])('puts every key in the partition kafkajs puts it in, with %d partitions', (n) => {
    const ours = JavaCompatiblePartitioner();
    const theirs = Partitioners.DefaultPartitioner();
    const partitionMetadata = metadata(n);
    for (const key of keys) {
      const message = { key, value: null };
      expect([key, ours({ topic: 't', partitionMetadata, message })]).toEqual([key, theirs({ topic: 't', partitionMetadata, message })]);
    }
  });

  it('hashes every key as kafkajs does (the signed 32-bit value)', () => {
    // kafkajs's own murmur2 (an internal module of the pinned version: the reference, in this test only).
    const kafkajsMurmur2 = require('kafkajs/src/producer/partitioners/default/murmur2') as (key: Buffer | string) => number;
    for (const key of keys) expect([key, murmur2(key)]).toEqual([key, kafkajsMurmur2(key)]);
  });

  it('keeps an explicit partition, and spreads keyless records over the available partitions', () => {
    const ours = JavaCompatiblePartitioner();
    expect(ours({ topic: 't', partitionMetadata: metadata(6), message: { key: 'k', value: null, partition: 4 } })).toBe(4);
    const seen = new Set<number>();
    for (let i = 0; i < 60; i++) seen.add(ours({ topic: 't', partitionMetadata: metadata(6, [1, 3]), message: { value: null } }));
    expect([...seen].sort()).toEqual([0, 2, 4, 5]);
    const chosen = Array.from({ length: 4 }, () => ours({ topic: 'u', partitionMetadata: metadata(3, [0, 1, 2]), message: { key: null, value: null } }));
    for (const p of chosen) expect(p).toBeLessThan(3);
    expect(new Set(chosen).size).toBe(3);
  });
});
