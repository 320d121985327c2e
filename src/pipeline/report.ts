import type { CloseReason } from './batch-builder';

export type TicketOutcomeKind = 'pushed' | 'skipped' | 'rejected' | 'dead-lettered';

/** One record's fate, for the trace and the batch report. */
export interface TicketTrace {
  readonly ticketId?: string;
  /** The S-360 organization that owns the ticket. */
  readonly organization?: string;
  /** The record's key (the ticket id, by contract) when the record could not be decoded into an event. */
  readonly key?: string;
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly outcome: TicketOutcomeKind;
  /** Skip reason, or the error code of a rejected or dead-lettered record. */
  readonly reason?: string;
  /** The TIXnGO request (its `Idempotency-Key`) that carried the ticket. */
  readonly requestId?: string;
  readonly simulated?: boolean;
}

/** A closed batch, S-360's "execution": counts, duration and a status. */
export interface BatchReport {
  readonly role: string;
  readonly batchId: string;
  readonly closedBy: CloseReason;
  readonly startedAt: Date;
  readonly finishedAt: Date;
  readonly received: number;
  readonly pushed: number;
  readonly simulated: boolean;
  readonly skipped: Readonly<Record<string, number>>;
  readonly rejected: number;
  readonly deadLettered: number;
  readonly errorCodes: Readonly<Record<string, number>>;
  readonly requests: number;
  readonly retries: number;
  /** OK: clean; WARNING: transient failures were retried; ERROR: tickets rejected or records dead-lettered. */
  readonly status: 'OK' | 'WARNING' | 'ERROR';
  readonly tickets: readonly TicketTrace[];
  /** Milliseconds spent per stage (decode, wait, settle, enrich, push, reconcile, dead-letter, commit). */
  readonly stagesMs?: Readonly<Record<string, number>>;
}

export interface PipelineEvents {
  /** A batch is fully handled and its offsets committed (or about to be). Must not throw. */
  onBatch?(report: BatchReport): void | Promise<void>;
  /** A transient failure is being retried (first attempt and every later one). */
  onRetry?(info: { role: string; code: string; attempt: number; delayMs: number; failingForMs: number }): void;
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
