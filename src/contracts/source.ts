/**
 * The pipeline's view of its input: Kafka-free. `src/kafka/message-source.ts` implements it with
 * kafkajs; the in-memory harness (`testing/memory-source.ts`) implements it for unit tests.
 */

export type MessageHeaders = Readonly<Record<string, Buffer | string | (Buffer | string)[] | undefined>>;

export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

export interface OffsetToCommit extends TopicPartition {
  /** The next offset to consume, as Kafka expects it (a decimal string). */
  readonly offset: string;
}

/** One record as the pipeline sees it: the original bytes, untouched, so a dead-letter copy is exact. */
export interface SourceMessage extends TopicPartition {
  readonly offset: string;
  readonly key: Buffer | null;
  /** `null` for a tombstone. */
  readonly value: Buffer | null;
  readonly headers: MessageHeaders;
  /** Broker timestamp, milliseconds since the epoch, as a decimal string. */
  readonly timestamp: string;
}

/**
 * What one fetch of one partition brought. Offsets need not be contiguous: records of aborted
 * transactions, transaction markers and compacted-away records are never handed over, but they
 * occupy offsets. `endOffset` is the offset after the last one the fetch covered, counting those
 * filtered records, so the commit watermark can pass them. A fetch that covered only filtered records
 * arrives with no messages and only `endOffset`.
 */
export interface SourceBatch extends TopicPartition {
  readonly messages: readonly SourceMessage[];
  /** Exclusive: every offset below it that is not in `messages` (nor in an earlier batch) is a gap. */
  readonly endOffset: string;
}

export interface BatchContext {
  /** Keeps group membership alive during long pushes and retries; safe to call often. */
  heartbeat(): Promise<void>;
  /** False once the consumer stops or the partition was revoked by a rebalance. */
  isActive(): boolean;
}

/**
 * Receives one partition's fetched records (several partitions' calls run concurrently, never two for
 * the same partition) and resolves with how many leading records are handled; the rest are fetched
 * again later. It may throw when the pipeline failed: the records are not handled then.
 */
export type BatchHandler = (batch: SourceBatch, ctx: BatchContext) => Promise<number>;

export interface SourceListener {
  /**
   * The member's partitions after a (re)join of its group: partitions missing from it were revoked.
   * Told on every join, before records of the new assignment are handed over.
   */
  onAssigned(partitions: readonly TopicPartition[]): void;
}

/** A consumer group member: hands over records, commits offsets. */
export interface MessageSource {
  start(handler: BatchHandler, listener: SourceListener): Promise<void>;
  /**
   * Commits offsets of partitions the member owns (others are dropped: their new owner commits). Throws
   * `TransientError` when the commit did not happen and may succeed if tried again.
   */
  commit(offsets: readonly OffsetToCommit[]): Promise<void>;
  stop(): Promise<void>;
}

export const partitionKey = (tp: TopicPartition): string => `${tp.topic}\u0000${tp.partition}`;
