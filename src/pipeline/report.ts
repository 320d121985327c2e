import type { BatchReport, CloseReason, TicketTrace } from '../contracts/report';
import type { RetryEvent } from '../ops/dependency-retry';

export interface PipelineEvents {
  /** A batch is fully handled and its offsets committed (or about to be). Must not throw. */
  onBatch?(report: BatchReport): void | Promise<void>;
  /** A transient failure is being retried (first attempt and every later one). */
  onRetry?(info: RetryEvent): void;
  /** The role cannot go on (DLQ limit, a bug); the caller stops the process. */
  onFatal(error: Error): void;
}

/** Pure: the counts and status of a batch from its records' fates. */
export function summarize(
  role: string,
  traces: readonly TicketTrace[],
  run: { batchId: string; closedBy: CloseReason; startedAt: Date; finishedAt: Date; requests: number; retries: number; simulated: boolean },
): BatchReport {
  const skipped: Record<string, number> = {};
  const errorCodes: Record<string, number> = {};
  let pushed = 0;
  let rejected = 0;
  let deadLettered = 0;
  for (const t of traces) {
    if (t.outcome === 'pushed') pushed++;
    else if (t.outcome === 'skipped') skipped[t.reason!] = (skipped[t.reason!] ?? 0) + 1;
    else {
      if (t.outcome === 'rejected') rejected++;
      else deadLettered++;
      errorCodes[t.reason!] = (errorCodes[t.reason!] ?? 0) + 1;
    }
  }
  return {
    role,
    ...run,
    received: traces.length,
    pushed,
    skipped,
    rejected,
    deadLettered,
    errorCodes,
    status: rejected + deadLettered > 0 ? 'ERROR' : run.retries > 0 ? 'WARNING' : 'OK',
    tickets: traces,
  };
}
