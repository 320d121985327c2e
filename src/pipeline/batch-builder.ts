import type { CloseReason } from '../contracts/report';
/**
 * Decides when a batch closes: on item count, on accumulated bytes, when the oldest item has lingered
 * long enough, or as soon as the source is idle, whichever comes first. Pure: time and idleness are
 * passed in, nothing is scheduled here.
 *
 * Idle means nothing more can arrive before this batch is handled: the consumer hands over what it
 * fetched and fetches again only once that is handled (see `Pipeline.accept`). Lingering on then
 * would not add a record to the batch, only delay every record in it.
 */
export interface BatchLimits {
  readonly maxItems: number;
  readonly maxBytes: number;
  readonly lingerMs: number;
}

export class BatchBuilder<T> {
  private items: T[] = [];
  private bytes = 0;
  private openedAtMs: number | undefined;

  constructor(private readonly limits: BatchLimits) {
    if (limits.maxItems < 1) throw new RangeError('maxItems must be at least 1');
  }

  get size(): number {
    return this.items.length;
  }

  get isEmpty(): boolean {
    return this.items.length === 0;
  }

  /** Whether `bytes` more would overflow a non-empty batch (the caller closes first, then adds). */
  wouldOverflow(bytes: number): boolean {
    return this.items.length > 0 && this.bytes + bytes > this.limits.maxBytes;
  }

  add(item: T, bytes: number, nowMs: number): void {
    if (this.items.length === 0) this.openedAtMs = nowMs;
    this.items.push(item);
    this.bytes += bytes;
  }

  /** Why the batch should close now, or `undefined` to keep filling. */
  closeReason(nowMs: number, sourceIdle = false): CloseReason | undefined {
    if (this.items.length === 0) return undefined;
    if (this.items.length >= this.limits.maxItems) return 'size';
    if (this.bytes >= this.limits.maxBytes) return 'bytes';
    if (nowMs - this.openedAtMs! >= this.limits.lingerMs) return 'linger';
    if (sourceIdle) return 'idle';
    return undefined;
  }

  /** Milliseconds until the linger deadline of the open batch; `undefined` when empty. */
  msUntilLinger(nowMs: number): number | undefined {
    if (this.openedAtMs === undefined || this.items.length === 0) return undefined;
    return Math.max(0, this.openedAtMs + this.limits.lingerMs - nowMs);
  }

  drain(): T[] {
    const out = this.items;
    this.items = [];
    this.bytes = 0;
    this.openedAtMs = undefined;
    return out;
  }
}

/** Splits `items` into consecutive chunks of at most `size` (S-360's `ticketIterationSize`). */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  if (size < 1) throw new RangeError('chunk size must be at least 1');
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
