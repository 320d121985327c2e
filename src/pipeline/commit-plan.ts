import { partitionKey, type OffsetToCommit, type TopicPartition } from '../contracts/source';

interface PartitionState {
  readonly tp: TopicPartition;
  /** Offsets handed to the pipeline and not yet passed by the watermark, ascending from `head`. */
  pending: bigint[];
  head: number;
  /** Handled offsets at or above the head (counted: a re-delivered record may be pending twice). */
  readonly done: Map<bigint, number>;
  /** Everything below it was fetched: handed over, or filtered by the source (a gap). */
  coveredEnd: bigint | undefined;
  /** The first offset handed over (nothing to commit before the watermark passes it). */
  start: bigint | undefined;
  /** The last watermark the broker acknowledged. */
  confirmed: bigint | undefined;
  revoked: boolean;
}

/**
 * Offset bookkeeping per topic-partition: which offset may be committed.
 *
 * Invariant (the one the whole delivery guarantee rests on): the watermark of a partition never passes
 * a record that was handed over and is not handled yet. It is the lowest such record's offset, or,
 * when none is pending, the end of what the source covered. Offsets the source never handed over
 * (aborted transactions, transaction markers, compacted records) are gaps: they are never pending, so
 * the watermark passes them.
 *
 * Memory holds only the records in flight: handled offsets are dropped as the watermark passes them.
 *
 * A commit is planned (`plan`) and confirmed (`confirm`) separately: a commit that failed is planned
 * again, from the same or a higher watermark, until the broker acknowledges it. A partition's state is
 * dropped only when the partition was revoked and none of its records is still in flight.
 */
export class CommitPlanner {
  private readonly partitions = new Map<string, PartitionState>();

  /** `offset` was handed to the pipeline. */
  track(tp: TopicPartition, offset: bigint): void {
    const p = this.entry(tp);
    const tail = p.pending.length > p.head ? p.pending[p.pending.length - 1]! : undefined;
    if (tail === undefined || offset >= tail) p.pending.push(offset);
    else p.pending.splice(this.insertionIndex(p, offset), 0, offset); // a re-delivery after a rejoin
    if (p.start === undefined || offset < p.start) p.start = offset;
    if (p.coveredEnd === undefined || offset + 1n > p.coveredEnd) p.coveredEnd = offset + 1n;
  }

  /** The source fetched everything below `end`; offsets it did not hand over are gaps. */
  covered(tp: TopicPartition, end: bigint): void {
    const p = this.entry(tp);
    if (p.coveredEnd === undefined || end > p.coveredEnd) p.coveredEnd = end;
  }

  /** `offset` is handled: pushed and recorded, skipped with a reason, or dead-lettered. */
  handled(tp: TopicPartition, offset: bigint): void {
    const p = this.partitions.get(partitionKey(tp));
    if (!p) return;
    p.done.set(offset, (p.done.get(offset) ?? 0) + 1);
    while (p.head < p.pending.length) {
      const o = p.pending[p.head]!;
      const n = p.done.get(o) ?? 0;
      if (n === 0) break;
      if (n === 1) p.done.delete(o);
      else p.done.set(o, n - 1);
      p.head++;
    }
    if (p.head > 1024 && p.head * 2 > p.pending.length) {
      p.pending = p.pending.slice(p.head);
      p.head = 0;
    }
    if (p.revoked && this.inFlight(p) === 0) this.partitions.delete(partitionKey(tp));
  }

  /** Records of `tp` handed over and not handled. */
  pendingCount(tp: TopicPartition): number {
    const p = this.partitions.get(partitionKey(tp));
    return p ? this.inFlight(p) : 0;
  }

  /** The offset to commit per owned partition whose watermark is past what the broker acknowledged. */
  plan(): OffsetToCommit[] {
    const out: OffsetToCommit[] = [];
    for (const p of this.partitions.values()) {
      if (p.revoked) continue;
      const mark = this.watermark(p);
      if (mark === undefined) continue;
      const floor = p.confirmed ?? p.start;
      if (floor === undefined || mark > floor) out.push({ topic: p.tp.topic, partition: p.tp.partition, offset: mark.toString() });
    }
    return out;
  }

  /** The broker acknowledged these offsets. */
  confirm(offsets: readonly OffsetToCommit[]): void {
    for (const o of offsets) {
      const p = this.partitions.get(partitionKey(o));
      const offset = BigInt(o.offset);
      if (p && (p.confirmed === undefined || offset > p.confirmed)) p.confirmed = offset;
    }
  }

  /**
   * The member's partitions after a group (re)join. Partitions missing from it were revoked: nothing more
   * is planned for them, and their state goes once their records in flight are settled. A partition
   * (re)assigned without records in flight starts afresh: another member may have moved it meanwhile.
   */
  assigned(partitions: readonly TopicPartition[]): void {
    const owned = new Set(partitions.map(partitionKey));
    for (const [key, p] of this.partitions) {
      if (owned.has(key)) {
        if (p.revoked && this.inFlight(p) === 0) this.partitions.delete(key);
        else p.revoked = false;
      } else if (this.inFlight(p) === 0) this.partitions.delete(key);
      else p.revoked = true;
    }
  }

  private watermark(p: PartitionState): bigint | undefined {
    return p.head < p.pending.length ? p.pending[p.head] : p.coveredEnd;
  }

  private inFlight(p: PartitionState): number {
    return p.pending.length - p.head;
  }

  private insertionIndex(p: PartitionState, offset: bigint): number {
    let lo = p.head;
    let hi = p.pending.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (p.pending[mid]! <= offset) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private entry(tp: TopicPartition): PartitionState {
    const key = partitionKey(tp);
    let p = this.partitions.get(key);
    if (!p) {
      p = {
        tp: { topic: tp.topic, partition: tp.partition },
        pending: [],
        head: 0,
        done: new Map(),
        coveredEnd: undefined,
        start: undefined,
        confirmed: undefined,
        revoked: false,
      };
      this.partitions.set(key, p);
    }
    return p;
  }
}
