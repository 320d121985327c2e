import type { PartitionOffsets } from '../kafka/admin';

/**
 * Offset planning for `offsets reset` and `replay` (pure). Offsets are bigints; a partition's log
 * holds the offsets `[low, high)`.
 */

export interface ResetPlanRow {
  readonly partition: number;
  /** The group's committed offset; null when it never committed there (it would start at `low`). */
  readonly current: bigint | null;
  readonly target: bigint;
  readonly low: bigint;
  readonly high: bigint;
  /** Records already read that the role reads again (and the ledger mostly skips). */
  readonly reRead: bigint;
  /** Records never read that the role would jump over (moving forward loses them for this role). */
  readonly skipped: bigint;
}

const clamp = (v: bigint, low: bigint, high: bigint) => (v < low ? low : v > high ? high : v);

/**
 * Per partition: where the group is, where the reset puts it, and what that means. A target past
 * the log (no record at or after the time) is the end of the log; one before the first retained
 * record is that record.
 */
export function planReset(
  ends: readonly PartitionOffsets[],
  committed: ReadonlyMap<number, bigint | null>,
  targets: ReadonlyMap<number, bigint>,
): ResetPlanRow[] {
  return ends.map((p) => {
    const current = committed.get(p.partition) ?? null;
    const target = clamp(targets.get(p.partition) ?? p.high, p.low, p.high);
    const from = current === null ? p.low : clamp(current, p.low, p.high);
    return {
      partition: p.partition,
      current,
      target,
      low: p.low,
      high: p.high,
      reRead: from > target ? from - target : 0n,
      skipped: target > from ? target - from : 0n,
    };
  });
}

export interface ReplayRange {
  readonly partition: number;
  readonly from: bigint;
  /** Exclusive. */
  readonly to: bigint;
  readonly count: bigint;
}

/**
 * Per partition, the records a replay reads: from the first offset at `--from` up to the end taken
 * at start (or the first offset at `--to`).
 */
export function planReplay(ends: readonly PartitionOffsets[], starts: ReadonlyMap<number, bigint>, stops?: ReadonlyMap<number, bigint>): ReplayRange[] {
  return ends.map((p) => {
    const from = clamp(starts.get(p.partition) ?? p.high, p.low, p.high);
    const to = clamp(stops?.get(p.partition) ?? p.high, p.low, p.high);
    return { partition: p.partition, from, to, count: to > from ? to - from : 0n };
  });
}

export function sum(values: readonly bigint[]): bigint {
  return values.reduce((a, b) => a + b, 0n);
}
