import type { Admin, Kafka } from 'kafkajs';
import type { SourceMessage } from '../contracts/source';
import { TransientError } from '../shared/errors';
import { toSourceMessage } from './message-source';
import { toKafkaError } from './kafka-client';

/** One partition's offsets; offsets are bigints in our code and decimal strings at the kafkajs boundary. */
export interface PartitionOffsets {
  readonly partition: number;
  /** First offset still in the log (retention may have removed older ones). */
  readonly low: bigint;
  /** End of the log: the offset the next record will get. */
  readonly high: bigint;
}

export interface GroupMember {
  readonly clientId: string;
  readonly host: string;
}

export interface GroupInfo {
  readonly groupId: string;
  /** Kafka's group state: `Empty` and `Dead` mean nobody consumes; `Stable`, `PreparingRebalance`… mean members are active. */
  readonly state: string;
  readonly members: readonly GroupMember[];
}

/** A topic to create. */
export interface NewTopic {
  readonly topic: string;
  readonly numPartitions: number;
  readonly replicationFactor: number;
}

/** Kafka's states of a group without live members, whose offsets may be moved. */
export const INACTIVE_GROUP_STATES: readonly string[] = ['Empty', 'Dead'];

export interface PartitionLag {
  readonly topic: string;
  readonly partition: number;
  /** Committed offset, or null when the group never committed on this partition. */
  readonly committed: bigint | null;
  readonly high: bigint;
  /** Records between the committed offset (or the log start) and the end of the log. */
  readonly lag: bigint;
}

/**
 * The admin operations the support CLI and the lag metric need, over kafkajs. Every failure is
 * converted once here (`toKafkaError`): broker trouble becomes a `TransientError` whose message names
 * what was being done. Nothing here reads or prints record payloads.
 */
export class KafkaAdmin {
  private constructor(private readonly admin: Admin) {}

  static async connect(kafka: Kafka): Promise<KafkaAdmin> {
    const admin = kafka.admin();
    try {
      await admin.connect();
    } catch (e) {
      throw toKafkaError(e, 'cannot connect to Kafka');
    }
    return new KafkaAdmin(admin);
  }

  async disconnect(): Promise<void> {
    await this.admin.disconnect().catch(() => undefined);
  }

  async describeCluster(): Promise<{ brokers: number; clusterId: string; controller: number | null }> {
    const c = await this.call('describing the cluster', () => this.admin.describeCluster());
    return { brokers: c.brokers.length, clusterId: c.clusterId, controller: c.controller };
  }

  /**
   * Partitions of each of `topics`, from one metadata request naming them. Unlike `describeCluster`
   * (kafkajs asks for every topic of the cluster, twice), its cost does not grow with the cluster: what
   * the readiness probe sends every few seconds.
   */
  async topicPartitions(topics: readonly string[]): Promise<Map<string, number>> {
    const { topics: found } = await this.call('reading topic metadata', () => this.admin.fetchTopicMetadata({ topics: [...topics] }));
    return new Map(found.map((t) => [t.name, t.partitions.length]));
  }

  async listTopics(): Promise<Set<string>> {
    return new Set(await this.call('listing topics', () => this.admin.listTopics()));
  }

  /** Creates the topics that do not exist yet; returns their names. */
  async createMissingTopics(topics: readonly NewTopic[], opts: { readonly timeoutMs?: number } = {}): Promise<string[]> {
    const existing = await this.listTopics();
    const missing = topics.filter((t) => !existing.has(t.topic));
    if (missing.length === 0) return [];
    await this.createTopics(missing, opts);
    return missing.map((t) => t.topic);
  }

  /**
   * Creates `topics` and returns once a broker's metadata shows every one of their partitions with a
   * leader, so that a producer or consumer started next finds them.
   *
   * Kafka answers CreateTopics once the controller has committed the topics; a broker learns of them
   * when it applies that metadata, later. Right after a burst of topic deletions (hundreds of log
   * directories to remove) that takes a second or more, and a metadata request in between says
   * UNKNOWN_TOPIC_OR_PARTITION. kafkajs's `waitForLeaders` only waits through LEADER_NOT_AVAILABLE and
   * fails on that answer, so the waiting is done here: both answers mean "not yet", until `timeoutMs`.
   */
  async createTopics(topics: readonly NewTopic[], opts: { readonly timeoutMs?: number } = {}): Promise<void> {
    if (topics.length === 0) return;
    const timeoutMs = opts.timeoutMs ?? 30_000;
    await this.call('creating topics', () => this.admin.createTopics({ topics: [...topics], timeout: timeoutMs, waitForLeaders: false }));
    const wanted = new Map(topics.map((t) => [t.topic, t.numPartitions]));
    const deadline = Date.now() + timeoutMs;
    let waitingFor = 'metadata';
    for (;;) {
      try {
        const { topics: found } = await this.admin.fetchTopicMetadata({ topics: [...wanted.keys()] });
        const ready = (t: (typeof found)[number]) => t.partitions.length >= (wanted.get(t.name) ?? 1) && t.partitions.every((p) => p.leader >= 0);
        const notReady = [...wanted.keys()].filter((name) => !found.some((t) => t.name === name && ready(t)));
        if (notReady.length === 0) return;
        waitingFor = `leaders of ${notReady.join(', ')}`;
      } catch (e) {
        const type = (e as { type?: unknown }).type;
        if (type !== 'UNKNOWN_TOPIC_OR_PARTITION' && type !== 'LEADER_NOT_AVAILABLE') throw toKafkaError(e, 'waiting for new topics');
        waitingFor = `the broker to know the new topics (${String(type)})`;
      }
      if (Date.now() >= deadline) {
        throw new TransientError('KAFKA_TOPICS_NOT_READY', `created topics were not ready within ${timeoutMs} ms: still waiting for ${waitingFor}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async describeGroup(groupId: string): Promise<GroupInfo> {
    const { groups } = await this.call(`describing group ${groupId}`, () => this.admin.describeGroups([groupId]));
    const g = groups.find((x) => x.groupId === groupId);
    return {
      groupId,
      state: g?.state ?? 'Dead',
      members: (g?.members ?? []).map((m) => ({ clientId: m.clientId, host: m.clientHost.replace(/^\//, '') })),
    };
  }

  /** Low and high watermarks of every partition of `topic`, by partition number. */
  async topicOffsets(topic: string): Promise<PartitionOffsets[]> {
    const offsets = await this.call(`reading the offsets of ${topic}`, () => this.admin.fetchTopicOffsets(topic));
    return offsets.map((o) => ({ partition: o.partition, low: BigInt(o.low), high: BigInt(o.high) })).sort((a, b) => a.partition - b.partition);
  }

  /**
   * Per partition, the first offset whose record timestamp is at or after `timestampMs`; the end of
   * the log when no record is that recent (Kafka's ListOffsets by time, as `--to-datetime` uses it).
   */
  async offsetsForTime(topic: string, timestampMs: number): Promise<Map<number, bigint>> {
    const offsets = await this.call(`looking up offsets of ${topic} by time`, () => this.admin.fetchTopicOffsetsByTimestamp(topic, timestampMs));
    return new Map(offsets.map((o) => [o.partition, BigInt(o.offset)]));
  }

  /** The group's committed offsets on `topic`, by partition; null where it never committed. */
  async committedOffsets(groupId: string, topic: string): Promise<Map<number, bigint | null>> {
    const res = await this.call(`reading the offsets of group ${groupId}`, () => this.admin.fetchOffsets({ groupId, topics: [topic] }));
    const partitions = res.find((r) => r.topic === topic)?.partitions ?? [];
    return new Map(partitions.map((p) => [p.partition, BigInt(p.offset) < 0n ? null : BigInt(p.offset)]));
  }

  /** Lag of `groupId` on each partition of `topics`. */
  async lag(groupId: string, topics: readonly string[]): Promise<PartitionLag[]> {
    const out: PartitionLag[] = [];
    for (const topic of topics) {
      const [ends, committed] = await Promise.all([this.topicOffsets(topic), this.committedOffsets(groupId, topic)]);
      for (const p of ends) {
        const c = committed.get(p.partition) ?? null;
        const from = c ?? p.low;
        out.push({ topic, partition: p.partition, committed: c, high: p.high, lag: p.high > from ? p.high - from : 0n });
      }
    }
    return out;
  }

  /**
   * Moves the committed offsets of an inactive group (Kafka refuses it while members are active;
   * callers check `describeGroup` first to say so in plain words).
   */
  async setGroupOffsets(groupId: string, topic: string, offsets: ReadonlyMap<number, bigint>): Promise<void> {
    const partitions = [...offsets].map(([partition, offset]) => ({ partition, offset: offset.toString() }));
    if (partitions.length === 0) return;
    await this.call(`setting the offsets of group ${groupId} on ${topic}`, () => this.admin.setOffsets({ groupId, topic, partitions }));
  }

  async deleteGroup(groupId: string): Promise<void> {
    await this.call(`deleting group ${groupId}`, () => this.admin.deleteGroups([groupId]));
  }

  private async call<T>(what: string, op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (e) {
      throw toKafkaError(e, what);
    }
  }
}

/** A half-open range of offsets `[from, to)` of one partition. */
export interface PartitionRange {
  readonly partition: number;
  readonly from: bigint;
  readonly to: bigint;
}

/**
 * Reads the records of `topic` in the given ranges, in offset order per partition, through a
 * throw-away consumer group that commits nothing and is deleted afterwards. Records after a range's
 * end (written meanwhile) are not read: a bounded read of "what was there when we looked".
 *
 * `onRecords` receives one partition's records at a time; it may be slow (the fetch waits).
 * Throws a `TransientError` when Kafka fails, or when the ranges are not read within `timeoutMs`.
 */
export async function readTopicRanges(
  kafka: Kafka,
  opts: {
    readonly topic: string;
    readonly groupId: string;
    readonly ranges: readonly PartitionRange[];
    readonly onRecords: (records: readonly SourceMessage[]) => Promise<void>;
    readonly timeoutMs?: number;
  },
): Promise<void> {
  const pending = new Map(opts.ranges.filter((r) => r.from < r.to).map((r) => [r.partition, r]));
  if (pending.size === 0) return;
  const consumer = kafka.consumer({ groupId: opts.groupId, maxWaitTimeInMs: 250, allowAutoTopicCreation: false });
  let failure: unknown;
  try {
    await consumer.connect();
    await consumer.subscribe({ topic: opts.topic, fromBeginning: true });
    const done = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new TransientError('KAFKA_READ_TIMEOUT', `reading ${opts.topic} did not finish within ${opts.timeoutMs ?? 120_000} ms`)),
        opts.timeoutMs ?? 120_000,
      );
      consumer.on(consumer.events.CRASH, (e) => {
        if (!e.payload.restart) {
          clearTimeout(timer);
          reject(e.payload.error);
        }
      });
      consumer
        .run({
          autoCommit: false,
          eachBatch: async ({ batch, pause }) => {
            const range = pending.get(batch.partition);
            if (!range) {
              pause();
              return;
            }
            const records: SourceMessage[] = [];
            for (const m of batch.messages) {
              const offset = BigInt(m.offset);
              if (offset < range.from || offset >= range.to) continue;
              records.push(toSourceMessage(batch.topic, batch.partition, m));
            }
            if (records.length > 0) await opts.onRecords(records);
            const last = batch.messages.length > 0 ? BigInt(batch.lastOffset()) : -1n;
            if (last + 1n >= range.to) {
              pending.delete(batch.partition);
              pause();
              if (pending.size === 0) {
                clearTimeout(timer);
                resolve();
              }
            }
          },
        })
        .catch((e: unknown) => {
          clearTimeout(timer);
          reject(e);
        });
      // Seeks must follow run(); kafkajs applies them once the partitions are assigned.
      for (const r of pending.values()) consumer.seek({ topic: opts.topic, partition: r.partition, offset: r.from.toString() });
    });
    await done;
  } catch (e) {
    failure = e;
  } finally {
    await consumer.disconnect().catch(() => undefined);
  }
  // The group committed nothing; delete it so it does not linger in `kafka-consumer-groups --list`.
  const admin = kafka.admin();
  await admin
    .connect()
    .then(() => admin.deleteGroups([opts.groupId]))
    .catch(() => undefined)
    .finally(() => admin.disconnect().catch(() => undefined));
  if (failure !== undefined) throw toKafkaError(failure, `reading ${opts.topic}`);
}

/**
 * A `KafkaAdmin` connected on first use and again after a failed connection: for background readers
 * (the lag metric) that must not fail the bridge's start when Kafka blinks.
 */
export class LazyKafkaAdmin {
  private admin: Promise<KafkaAdmin> | undefined;

  constructor(private readonly kafka: Kafka) {}

  get(): Promise<KafkaAdmin> {
    this.admin ??= KafkaAdmin.connect(this.kafka).catch((e: unknown) => {
      this.admin = undefined;
      throw e;
    });
    return this.admin;
  }

  async close(): Promise<void> {
    const admin = this.admin;
    this.admin = undefined;
    await admin?.then((a) => a.disconnect()).catch(() => undefined);
  }
}
