import { setTimeout as sleep } from 'node:timers/promises';
import type { BatchReport } from '../contracts/report';
import { toSafeError } from '../shared/errors';
import { withRetry, type BackoffPolicy } from '../shared/retry';
import { toExecution, type ExecutionMode, type ExecutionStore } from '../store/executions';
import { toTraceEntries, type TicketTraceStore } from '../store/ticket-trace';
import type { Logger } from '../ops/logger';

export interface BatchHistoryOptions {
  readonly mode: ExecutionMode;
  readonly instanceId: string;
  /** Recorded with each execution (replays run under a temporary group). */
  readonly groupId?: string;
  /** Trace entries older than this are deleted, checked at most once per `pruneIntervalMs`. */
  readonly traceRetentionMs: number;
  readonly pruneIntervalMs?: number;
  /** Reports waiting to be written; past this the oldest are dropped (and said so in the log). */
  readonly maxQueued?: number;
  /** A few quick retries for a store that blinks; a longer outage drops the reports (see the class doc). */
  readonly retry?: BackoffPolicy & { readonly maxAttempts: number };
  readonly now?: () => number;
}

/** About 6 s of retries at the most: attempts waiting up to 0.4, 0.8, 1.6 and 3.2 s (full jitter). */
const HISTORY_RETRY = { baseMs: 400, maxMs: 3_200, maxAttempts: 5 };

/**
 * The pipeline observer that keeps the batch history (`executions`) and the per-ticket trace
 * (`ticket_trace`) for the support CLI's `status` and `trace`.
 *
 * It never slows delivery down: `record` only queues the report, and a background writer drains the
 * queue (all waiting reports in one insert per collection). The history is an operator's aid, not part
 * of the delivery guarantee: when MongoDB stays away, reports beyond `maxQueued` are dropped with a
 * warning instead of holding memory or the pipeline.
 */
export class BatchHistory {
  private queue: BatchReport[] = [];
  private writing: Promise<void> | undefined;
  private lastPruneAt: number | undefined;
  private stopped = false;
  private readonly stopping = new AbortController();
  private readonly now: () => number;

  constructor(
    private readonly executions: ExecutionStore,
    private readonly trace: TicketTraceStore,
    private readonly opts: BatchHistoryOptions,
    private readonly log: Logger,
  ) {
    this.now = opts.now ?? Date.now;
  }

  /** Queues the report; returns at once. Never throws. */
  record(report: BatchReport): void {
    if (this.stopped) return;
    this.queue.push(report);
    const max = this.opts.maxQueued ?? 100;
    if (this.queue.length > max) {
      const dropped = this.queue.splice(0, this.queue.length - max);
      this.log.warn({ dropped: dropped.length }, 'batch history is behind; oldest reports dropped');
    }
    this.kick();
  }

  private kick(): void {
    this.writing ??= this.drain().finally(() => {
      this.writing = undefined;
      if (this.queue.length > 0) this.kick(); // a report that arrived as the writer was finishing
    });
  }

  /** Waits until everything queued so far is written (or `deadlineMs` passes). */
  async flush(deadlineMs: number): Promise<void> {
    const deadline = this.now() + deadlineMs;
    while (this.writing && this.now() < deadline) {
      const timer = new AbortController();
      await Promise.race([this.writing, sleep(Math.max(1, deadline - this.now()), undefined, { signal: timer.signal }).catch(() => undefined)]);
      timer.abort();
    }
  }

  async stop(deadlineMs = 5000): Promise<void> {
    await this.flush(deadlineMs);
    this.stopped = true;
    this.stopping.abort();
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const reports = this.queue;
      this.queue = [];
      const meta = { mode: this.opts.mode, instanceId: this.opts.instanceId, ...(this.opts.groupId ? { groupId: this.opts.groupId } : {}) };
      try {
        const retry = this.opts.retry ?? HISTORY_RETRY;
        await withRetry(
          async () => {
            await this.executions.insert(reports.map((r) => toExecution(r, meta)));
            await this.trace.insertMany(reports.flatMap((r) => toTraceEntries(r, this.opts.mode)));
          },
          retry,
          { maxAttempts: retry.maxAttempts, signal: this.stopping.signal },
        );
      } catch (e) {
        this.log.warn({ error: toSafeError(e), reports: reports.length }, 'batch history not recorded');
      }
      await this.pruneTrace();
    }
  }

  private async pruneTrace(): Promise<void> {
    const now = this.now();
    if (this.lastPruneAt !== undefined && now - this.lastPruneAt < (this.opts.pruneIntervalMs ?? 3_600_000)) return;
    this.lastPruneAt = now;
    try {
      const deleted = await this.trace.deleteOlderThan(new Date(now - this.opts.traceRetentionMs));
      if (deleted > 0) this.log.info({ documents: deleted }, 'old ticket trace deleted');
    } catch (e) {
      this.log.warn({ error: toSafeError(e) }, 'ticket trace not pruned');
    }
  }
}
