/**
 * What a closed batch reports: the pipeline writes it, the store keeps it (executions, ticket trace),
 * the notifier mails it. Plain data, so those floors need not import the pipeline.
 */

/** Why a batch closed: its size, its bytes, its linger time, an idle source, or a drain at stop. */
export type CloseReason = 'size' | 'bytes' | 'linger' | 'idle' | 'drain';

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
