import type { Consumer, Kafka, KafkaMessage } from 'kafkajs';
import type { Logger } from '../ops/logger';
import type { OffsetToCommit, TopicPartition } from '../pipeline/commit-plan';
import { toKafkaError } from './kafka-client';

export type MessageHeaders = Readonly<Record<string, Buffer | string | (Buffer | string)[] | undefined>>;

/** One Kafka record as the pipeline sees it: the original bytes, untouched, so a DLQ copy is exact. */
export interface SourceMessage {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: MessageHeaders;
  /** Broker timestamp, milliseconds since the epoch, as a decimal string. */
  readonly timestamp: string;
}

/** A kafkajs record as the pipeline's `SourceMessage` (bytes untouched). */
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

export interface BatchContext {
  /** Keeps group membership alive during long pushes and retries; safe to call often. */
  heartbeat(): Promise<void>;
  /** False once the consumer stops or the partition was revoked by a rebalance. */
  isActive(): boolean;
}

/**
 * Receives one partition's fetched records (several partitions' calls run concurrently) and resolves
 * with how many leading records are handled; the rest are fetched again later.
 */
export type BatchHandler = (messages: readonly SourceMessage[], ctx: BatchContext) => Promise<number>;

export interface MessageSourceOptions {
  readonly groupId: string;
  readonly topics: readonly string[];
  readonly sessionTimeoutMs: number;
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
}

/**
 * The kafkajs consumer behind the pipeline. Auto-commit and auto-resolve are off: an offset is
 * resolved only when the handler says its record is handled, and committed only by `commit`.
 * The handler holds `eachBatch` open until its records are handled, so kafkajs fetches no more for
 * that broker meanwhile: memory is bounded by the fetch size and the pipeline's own batch.
 */
export class KafkaMessageSource {
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
    this.stops = opts.stopAtOffsets ? new Map(opts.stopAtOffsets.map((o) => [`${o.topic}:${o.partition}`, BigInt(o.offset)])) : undefined;
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

  async start(handler: BatchHandler): Promise<void> {
    const consumer = this.kafka.consumer({
      groupId: this.opts.groupId,
      sessionTimeout: this.opts.sessionTimeoutMs,
      rebalanceTimeout: Math.max(60_000, this.opts.sessionTimeoutMs * 2),
      heartbeatInterval: Math.max(1000, Math.floor(this.opts.sessionTimeoutMs / 10)),
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: 500,
    });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      this.assigned.clear();
      for (const [topic, partitions] of Object.entries(e.payload.memberAssignment)) {
        for (const p of partitions) this.assigned.add(`${topic}:${p}`);
      }
      this.log.info({ groupId: this.opts.groupId, assignment: e.payload.memberAssignment }, 'joined consumer group');
      this.opts.onGroupJoin?.();
    });
    consumer.on(consumer.events.CRASH, (e) => {
      if (!e.payload.restart) this.crashHandler?.(e.payload.error);
    });
    try {
      await consumer.connect();
      for (const topic of this.opts.topics) await consumer.subscribe({ topic, fromBeginning: this.opts.fromBeginning });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: this.opts.partitionsConcurrently,
        eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale, pause }) => {
          const stopKey = `${batch.topic}:${batch.partition}`;
          const stop = this.stops ? this.stops.get(stopKey) : undefined;
          if (this.stops && stop === undefined) {
            pause(); // not part of this one-shot run, or already done
            return;
          }
          const inRange = stop === undefined ? batch.messages : batch.messages.filter((m) => BigInt(m.offset) < stop);
          const messages = inRange.map((m) => toSourceMessage(batch.topic, batch.partition, m));
          const handled = await handler(messages, {
            heartbeat: () => heartbeat().catch(() => undefined),
            isActive: () => isRunning() && !isStale(),
          });
          if (handled > 0) resolveOffset(messages[handled - 1]!.offset);
          if (stop !== undefined && handled === messages.length) {
            const last = batch.messages.length > 0 ? BigInt(batch.lastOffset()) : -1n;
            if (last + 1n >= stop) this.reachedStop(stopKey, pause);
          }
        },
      });
    } catch (e) {
      throw toKafkaError(e, `cannot start consumer group ${this.opts.groupId}`);
    }
  }

  private reachedStop(key: string, pause: () => void): void {
    pause();
    this.stops!.delete(key);
    if (this.stops!.size === 0) this.finishedSignal.resolve();
  }

  /** Whether this member currently owns the partition (commits for revoked partitions are dropped). */
  owns(tp: TopicPartition): boolean {
    return this.assigned.has(`${tp.topic}:${tp.partition}`);
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
