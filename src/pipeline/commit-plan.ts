/**
 * Offset bookkeeping per topic-partition. An offset may be committed only when every message before
 * it is handled (pushed and recorded, skipped with a reason, or dead-lettered); Kafka's committed
 * offset is the next offset to read, hence `+ 1`.
 */
export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

export interface OffsetToCommit extends TopicPartition {
  /** The next offset to consume, as Kafka expects it (a decimal string). */
  readonly offset: string;
}

const key = (tp: TopicPartition) => `${tp.topic}\u0000${tp.partition}`;

/**
 * Tracks handled offsets that may arrive out of order and yields, per partition, the highest
 * contiguous watermark above the last commit.
 */
export class CommitPlanner {
  private readonly partitions = new Map<
    string,
    { tp: TopicPartition; next: bigint | undefined; handled: Set<bigint>; committed: bigint | undefined }
  >();

  /** Declares that `offset` was fetched, so gaps are detected from the first offset seen. */
  track(tp: TopicPartition, offset: bigint): void {
    const p = this.entry(tp);
    if (p.next === undefined || offset < p.next) p.next = offset;
  }

  handled(tp: TopicPartition, offset: bigint): void {
    this.entry(tp).handled.add(offset);
  }

  /** Offsets that can be committed now (only partitions whose watermark moved since the last call). */
  plan(): OffsetToCommit[] {
    const out: OffsetToCommit[] = [];
    for (const p of this.partitions.values()) {
      if (p.next === undefined) continue;
      const from = p.next;
      let next = from;
      while (p.handled.delete(next)) next += 1n;
      p.next = next;
      // Before the first commit, "moved" means past the first tracked offset: nothing handled, nothing to commit.
      if (next > (p.committed ?? from)) {
        p.committed = next;
        out.push({ topic: p.tp.topic, partition: p.tp.partition, offset: next.toString() });
      }
    }
    return out;
  }

  /** Forgets partitions that were revoked: their messages will be re-read by the new owner. */
  forget(tps: readonly TopicPartition[]): void {
    for (const tp of tps) this.partitions.delete(key(tp));
  }

  private entry(tp: TopicPartition) {
    let p = this.partitions.get(key(tp));
    if (!p) {
      p = { tp: { topic: tp.topic, partition: tp.partition }, next: undefined, handled: new Set(), committed: undefined };
      this.partitions.set(key(tp), p);
    }
    return p;
  }
}
