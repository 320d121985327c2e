import { readFileSync } from 'node:fs';
import type { PartitionMetadata } from 'kafkajs';
import { JavaCompatiblePartitioner } from './partitioner';

/**
 * kafkajs 2.2.4 groups a send's messages by partition with a reduce that copies the partition's array
 * for every message: a 1,000-record write-back allocated ~28 % of the inject role's memory there
 * (sampled with the inspector, docs/benchmarks.md). `patches/kafkajs+2.2.4.patch` (applied by
 * patch-package on install) appends in place instead. These tests hold it to upstream's result.
 */
type Group = (args: {
  topic: string;
  partitionMetadata: PartitionMetadata[];
  messages: { key: string; value: null; partition?: number }[];
  partitioner: ReturnType<typeof JavaCompatiblePartitioner>;
}) => Record<string, unknown[]>;

const MODULE = 'kafkajs/src/producer/groupMessagesPerPartition';

/** Upstream's function, verbatim in behaviour: the reference. */
const upstream: Group = ({ topic, partitionMetadata, messages, partitioner }) => {
  if (partitionMetadata.length === 0) return {};
  return messages.reduce<Record<string, unknown[]>>((result, message) => {
    const partition = partitioner({ topic, partitionMetadata, message });
    const current = result[partition] || [];
    return Object.assign(result, { [partition]: [...current, message] });
  }, {});
};

const metadata = (n: number): PartitionMetadata[] =>
  Array.from({ length: n }, (_, partitionId) => ({ partitionId, leader: 1, partitionErrorCode: 0, replicas: [1], isr: [1], offlineReplicas: [] }));

describe('kafkajs grouping of a send by partition (patched)', () => {
  const installed = require(MODULE) as Group;

  it('is the patched copy: npm install applied patches/kafkajs+2.2.4.patch', () => {
    expect(readFileSync(require.resolve(MODULE), 'utf8')).not.toContain('[...current, message]');
  });

  it.each([0, 1, 6, 12])('groups exactly as upstream does, each partition in send order, with %d partitions', (n) => {
    const messages = [
      ...Array.from({ length: 2500 }, (_, i) => ({ key: String(100_000_000 + i * 7919), value: null })),
      ...Array.from({ length: 20 }, (_, i) => ({ key: `handed-back-${i}`, value: null, partition: i % Math.max(1, n) })),
    ];
    const args = { topic: 'ticket-printed', partitionMetadata: metadata(n), messages, partitioner: JavaCompatiblePartitioner() };
    const ours = installed(args);
    expect(ours).toEqual(upstream(args));
    // Every message once, in the order it was given within its partition.
    expect(Object.values(ours).flat()).toHaveLength(n === 0 ? 0 : messages.length);
  });
});
