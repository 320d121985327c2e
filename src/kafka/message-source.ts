import type { Consumer, Kafka, KafkaMessage } from 'kafkajs';
import type { Logger } from '../ops/logger';
import {
  partitionKey,
  type BatchHandler,
  type MessageHeaders,
  type MessageSource,
  type OffsetToCommit,
  type SourceListener,
  type SourceMessage,
  type TopicPartition,
} from '../contracts/source';
import { FatalError, isTransient } from '../shared/errors';
import { toKafkaError } from './kafka-client';

/** A kafkajs record as the pipeline's `SourceMessage` (bytes untouched; a tombstone's value stays null). */
export function toSourceMessage(topic: string, partition: number, m: KafkaMessage): SourceMessage {
  return {
    topic,
    partition,
    offset: m.offset,
    key: m.key ?? null,
    value: m.value ?? null,
    headers: (m.headers ?? {}) as MessageHeaders,
    timestamp: m.timestamp,
  };
}

export interface MessageSourceOptions {
  readonly groupId: string;
  readonly topics: readonly string[];
  readonly sessionTimeoutMs: number;
  /** How long the group waits for its members to rejoin in a rebalance. */
  readonly rebalanceTimeoutMs: number;
  /** How long a fetch waits for records before it answers with what it has. */
  readonly maxWaitMs: number;
  /** How many partitions are processed at once; batches are built across all of them. */
  readonly partitionsConcurrently: number;
  /** Where a group without committed offsets starts: the earliest offset, so nothing is missed. */
  readonly fromBeginning: boolean;
  /**
   * One-shot runs only (the support CLI's `replay`): the exclusive end offset of each partition to
   * read. Records at or past it are not handed to the handler, and partitions not listed are not
   * read at all. Once every listed partition is handled up to its end, `finished()` resolves.
   */
  readonly stopAtOffsets?: readonly OffsetToCommit[];
  /** Told on every group join: the first one, then one per rebalance. */
  readonly onGroupJoin?: () => void;
  /** How often kafkajs heartbeats the group on its own. */
  readonly heartbeatMs: number;
}

/**
 * The kafkajs consumer behind the pipeline (`MessageSource`). Auto-commit and auto-resolve are off: an
 * offset is resolved only when the handler says its record is handled, and committed only by `commit`.
 * The handler holds `eachBatch` open until its records are handled, so kafkajs fetches no more for
 * that broker meanwhile: memory is bounded by the fetch size and the pipeline's own batch.
 *
 * Gaps: kafkajs never hands over records of aborted transactions, transaction markers or records a
 * compaction removed, but they take offsets. Each hand-over says how far the fetch went
 * (`endOffset`, from kafkajs's `lastOffset()`, which counts filtered records), and a fetch that held
 * only such records (kafkajs resolves it without calling `eachBatch`) is handed over empty from its
 * `END_BATCH_PROCESS` event, so the pipeline's watermark passes them.
 */
export class KafkaMessageSource implements MessageSource {
  private consumer: Consumer | undefined;
  private readonly assigned = new Set<string>();
  private crashHandler: ((error: Error) => void) | undefined;
  private readonly stops: Map<string, bigint> | undefined;
  private readonly finishedSignal: { promise: Promise<void>; resolve: () => void };

  constructor(
    private readonly kafka: Kafka,
    private readonly opts: MessageSourceOptions,
    private readonly log: Logger,
  ) {
    let resolve: () => void = () => undefined;
    const promise = new Promise<void>((r) => (resolve = r));
    this.finishedSignal = { promise, resolve };
    this.stops = opts.stopAtOffsets ? new Map(opts.stopAtOffsets.map((o) => [partitionKey(o), BigInt(o.offset)])) : undefined;
    if (this.stops?.size === 0) resolve();
  }

  /** With `stopAtOffsets`: resolves once every listed partition is handled up to its end offset. */
  finished(): Promise<void> {
    return this.finishedSignal.promise;
  }

  /** Called when kafkajs gives up (non-retriable crash); the role treats it as fatal. */
  onCrash(handler: (error: Error) => void): void {
    this.crashHandler = handler;
  }

  async start(handler: BatchHandler, listener: SourceListener): Promise<void> {
    const consumer = this.kafka.consumer({
      groupId: this.opts.groupId,
      sessionTimeout: this.opts.sessionTimeoutMs,
      rebalanceTimeout: this.opts.rebalanceTimeoutMs,
      heartbeatInterval: this.opts.heartbeatMs,
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: this.opts.maxWaitMs,
    });
    this.consumer = consumer;
    const pauses = new Map<string, () => void>();
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      this.assigned.clear();
      const partitions: TopicPartition[] = [];
      for (const [topic, ps] of Object.entries(e.payload.memberAssignment)) {
        for (const partition of ps) {
          this.assigned.add(partitionKey({ topic, partition }));
          partitions.push({ topic, partition });
        }
      }
      this.log.info({ groupId: this.opts.groupId, assignment: e.payload.memberAssignment }, 'joined consumer group');
      listener.onAssigned(partitions);
      this.opts.onGroupJoin?.();
    });
    consumer.on(consumer.events.CRASH, (e) => {
      if (e.payload.restart) return;
      // kafkajs will not restart the consumer: whatever the cause, the role cannot go on.
      const error = toKafkaError(e.payload.error, `consumer group ${this.opts.groupId} stopped`);
      this.crashHandler?.(isTransient(error) ? new FatalError(error.code, error.message, { cause: error }) : error);
    });
    // A fetch of only filtered records (transaction markers, aborted or compacted records): kafkajs
    // resolves it itself without calling eachBatch; the pipeline must still pass those offsets.
    consumer.on(consumer.events.END_BATCH_PROCESS, (e) => {
      const { topic, partition, batchSize, lastOffset } = e.payload;
      if (batchSize !== 0 || lastOffset === undefined || lastOffset === null) return;
      const key = partitionKey({ topic, partition });
      if (!this.assigned.has(key)) return;
      const stop = this.stops?.get(key);
      if (this.stops && stop === undefined) return;
      const end = BigInt(lastOffset) + 1n;
      const endOffset = stop !== undefined && end > stop ? stop : end;
      void handler(
        { topic, partition, messages: [], endOffset: endOffset.toString() },
        { heartbeat: async () => undefined, isActive: () => this.assigned.has(key) },
      )
        .then(() => {
          if (stop !== undefined && endOffset >= stop) this.reachedStop(key, pauses.get(key));
        })
        .catch(() => undefined);
    });
    try {
      await consumer.connect();
      for (const topic of this.opts.topics) await consumer.subscribe({ topic, fromBeginning: this.opts.fromBeginning });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: this.opts.partitionsConcurrently,
        eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale, pause }) => {
          const key = partitionKey(batch);
          pauses.set(key, pause);
          const stop = this.stops ? this.stops.get(key) : undefined;
          if (this.stops && stop === undefined) {
            pause(); // not part of this one-shot run, or already done
            return;
          }
          const inRange = stop === undefined ? batch.messages : batch.messages.filter((m) => BigInt(m.offset) < stop);
          const messages = inRange.map((m) => toSourceMessage(batch.topic, batch.partition, m));
          const last = BigInt(batch.lastOffset()) + 1n;
          const endOffset = stop !== undefined && last > stop ? stop : last;
          const handled = await handler(
            { topic: batch.topic, partition: batch.partition, messages, endOffset: endOffset.toString() },
            { heartbeat: () => heartbeat().catch(() => undefined), isActive: () => isRunning() && !isStale() },
          );
          if (handled > 0) resolveOffset(messages[handled - 1]!.offset);
          if (handled === messages.length) {
            // The records kafkajs filtered after the last one handed over are passed too.
            if (endOffset > 0n && handled > 0) resolveOffset((endOffset - 1n).toString());
            if (stop !== undefined && endOffset >= stop) this.reachedStop(key, pause);
          }
        },
      });
    } catch (e) {
      throw toKafkaError(e, `cannot start consumer group ${this.opts.groupId}`);
    }
  }

  private reachedStop(key: string, pause: (() => void) | undefined): void {
    if (!this.stops?.has(key)) return;
    pause?.();
    this.stops.delete(key);
    if (this.stops.size === 0) this.finishedSignal.resolve();
  }

  /** Whether this member currently owns the partition (commits for revoked partitions are dropped). */
  owns(tp: TopicPartition): boolean {
    return this.assigned.has(partitionKey(tp));
  }

  async commit(offsets: readonly OffsetToCommit[]): Promise<void> {
    const owned = offsets.filter((o) => this.owns(o));
    if (owned.length === 0 || !this.consumer) return;
    try {
      await this.consumer.commitOffsets(owned.map((o) => ({ topic: o.topic, partition: o.partition, offset: o.offset })));
    } catch (e) {
      throw toKafkaError(e, 'offset commit failed');
    }
  }

  async stop(): Promise<void> {
    const c = this.consumer;
    this.consumer = undefined;
    if (c) await c.disconnect();
  }
}
