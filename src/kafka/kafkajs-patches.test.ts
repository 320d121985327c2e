import { readFileSync } from 'node:fs';
import type { PartitionMetadata } from 'kafkajs';
import { JavaCompatiblePartitioner } from './partitioner';

/**
 * `patches/kafkajs+2.2.4.patch` (applied by patch-package on install) changes kafkajs in three places;
 * these tests hold each to upstream's results.
 *
 * Two are hot paths of the write-back, found by sampling the inject role's allocations with the
 * inspector (docs/benchmarks.md): grouping a send's messages by partition, where a reduce copied the
 * partition's array for every message (~28 % of the role's allocations for a 1,000-record write-back),
 * and the varint writer, which built an array and a Buffer per varint. The third is the request
 * queue's negative timer, which makes Node 24 print a warning on stderr.
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

describe('kafkajs varint encoding (patched)', () => {
  type EncoderT = { writeVarInt(v: number): EncoderT; writeUVarInt(v: number): EncoderT; readonly buffer: Buffer };
  const Encoder = require('kafkajs/src/protocol/encoder') as new (size?: number) => EncoderT;

  /** Upstream's writeUVarInt: the reference. */
  const upstreamUVarInt = (value: number): Buffer => {
    const bytes: number[] = [];
    while ((value & 0xffffff80) !== 0) {
      bytes.push((value & 0x7f) | 0x80);
      value >>>= 7;
    }
    bytes.push(value & 0x7f);
    return Buffer.from(bytes);
  };
  const zigZag = (v: number) => (v << 1) ^ (v >> 31);

  it('is the patched copy', () => {
    expect(readFileSync(require.resolve('kafkajs/src/protocol/encoder'), 'utf8')).toContain('Written in place');
  });

  it('writes every value as upstream does, growing its buffer across the boundary', () => {
    const values = [0, 1, 63, 64, 127, 128, 255, 300, 16_383, 16_384, 2 ** 21 - 1, 2 ** 21, 2 ** 28 - 1, 2 ** 28, 2 ** 31 - 1];
    for (let i = 0; i < 2000; i++) values.push(Math.floor(Math.random() * 2 ** 31));
    // Signed values go through zig-zag (writeVarInt), negatives included.
    const signed = [...values, ...values.map((v) => -v), -1, -(2 ** 31)];
    // A small first buffer: the in-place write must grow it exactly when a varint crosses its end.
    const ours = new Encoder(1);
    for (const v of signed) ours.writeVarInt(v);
    expect(ours.buffer.equals(Buffer.concat(signed.map((v) => upstreamUVarInt(zigZag(v)))))).toBe(true);
  });
});

describe('kafkajs request queue (patched)', () => {
  type Queue = { scheduleCheckPendingRequests(): void; throttleCheckTimeoutId: NodeJS.Timeout | null; throttledUntil: number };
  const RequestQueue = require('kafkajs/src/network/requestQueue') as new (opts: Record<string, unknown>) => Queue;

  afterEach(() => jest.restoreAllMocks());

  // Upstream schedules the check after every answer with `throttledUntil - Date.now()`, about minus
  // 1.8e12 ms when nothing is throttled: Node waits 1 ms for it, and since Node 24 also prints a
  // TimeoutNegativeWarning on stderr, a line outside the JSON logs of every process that talks to Kafka.
  it.each([
    ['unthrottled', -1, 1, 1],
    ['throttled for another 500 ms', 500, 400, 500],
  ])('schedules its check of pending requests with no negative delay (%s)', (_, throttle, min, max) => {
    const delays: number[] = [];
    const real = global.setTimeout;
    jest.spyOn(global, 'setTimeout').mockImplementation(((fn: () => void, ms: number) => {
      delays.push(ms);
      return real(fn, 0);
    }) as typeof setTimeout);
    const q = new RequestQueue({ maxInFlightRequests: null, requestTimeout: 1000, enforceRequestTimeout: false, clientId: 't', broker: 'b', logger: {} });
    q.throttledUntil = throttle < 0 ? throttle : Date.now() + throttle;
    q.scheduleCheckPendingRequests();
    clearTimeout(q.throttleCheckTimeoutId!);
    expect(delays).toHaveLength(1);
    expect(delays[0]).toBeGreaterThanOrEqual(min);
    expect(delays[0]).toBeLessThanOrEqual(max);
  });
});
