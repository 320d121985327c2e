import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DeadLetter, DeadLetterSink } from '../kafka/dead-letter';
import type { BatchContext, SourceMessage } from '../kafka/message-source';
import type { Health } from '../ops/health';
import type { Logger } from '../ops/logger';
import type { Metrics } from '../ops/metrics';
import { BridgeError, PoisonMessageError, RejectedError, toSafeError, type TransientError } from '../shared/errors';
import { withRetry, type BackoffPolicy } from '../shared/retry';
import type { Outbox } from '../store/outbox';
import type { PushResult } from '../tixngo/tixngo-api';
import { compareTicketIds } from './ticket-order';
import { BatchBuilder, chunk, type BatchLimits, type CloseReason } from './batch-builder';
import { CommitPlanner, type OffsetToCommit } from './commit-plan';
import { DlqLimit, type DlqLimitSettings } from './dlq-limit';
import { TicketClaims } from './ticket-claims';
import type { Delivered, Handled, RoleSpec } from './role-spec';

export interface Decoder {
  decode(value: Buffer | null, as: RoleSpec<unknown, unknown, unknown>['schema']): Promise<unknown>;
}

export type TicketOutcomeKind = 'pushed' | 'skipped' | 'rejected' | 'dead-lettered';

/** One record's fate, for the trace and the batch report. */
export interface TicketTrace {
  readonly ticketId?: string;
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
  /** Milliseconds spent per stage (decode, wait, outbox, enrich, outbox-write, push, record, reconcile, dead-letter, commit). */
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

export interface PipelineSettings {
  readonly batch: BatchLimits;
  readonly maxTicketsPerRequest: number;
  readonly simulate: boolean;
  readonly retry: BackoffPolicy;
  readonly dlq: DlqLimitSettings;
  readonly instanceId: string;
  /** An outbox request untouched this long belongs to a dead process and is recovered. */
  readonly outboxStaleMs: number;
  /**
   * Closed batches delivered at the same time (1 = one after another). Each waits on TIXnGO and
   * MongoDB most of its time, so a few overlap well; a ticket is still never in two at once.
   */
  readonly batchesInFlight: number;
}

export interface PipelineDeps {
  readonly decoder: Decoder;
  readonly deadLetters: DeadLetterSink;
  readonly outbox: Outbox;
  readonly commit: (offsets: readonly OffsetToCommit[]) => Promise<void>;
  readonly metrics: Metrics;
  readonly health: Health;
  readonly log: Logger;
  readonly events: PipelineEvents;
  readonly now?: () => number;
}

/** A record decoded and validated, or why it could not be. */
type Prepared<E> = { readonly event: E; readonly ticketId: string } | { readonly error: unknown };

interface Entry<E> {
  readonly msg: SourceMessage;
  readonly bytes: number;
  /**
   * Started when the record joins the open batch, so decoding (CPU) overlaps the waits of the batch
   * being delivered; never rejects.
   */
  readonly prepared: Promise<Prepared<E>>;
  event?: E;
  ticketId?: string;
  trace?: TicketTrace;
  resolve(): void;
  reject(e: unknown): void;
}

/** A batch being handled: what the batch report counts besides the records. */
interface BatchRun {
  retries: number;
}

class AbortedError extends Error {
  override readonly name = 'AbortedError';
}

/**
 * The one consume → decode → validate → select → enrich → map → batch → deliver → record → commit
 * engine that the consumer roles share. A role supplies a `RoleSpec`; everything else is here.
 *
 * Invariants:
 * - At most one batch is open and `batchesInFlight` are being delivered: memory is bounded whatever
 *   the backlog, and Kafka fetching waits (the source holds its fetch until records are accepted).
 * - A ticket is in at most one batch in flight: a batch whose ticket is still in an earlier one
 *   waits for that batch before it reads the store (see `TicketClaims`), so every decision sees the
 *   ledger as the earlier batch left it, and a ticket is never in two TIXnGO requests at once.
 * - Batches may complete out of order; per partition, offsets are committed only up to the first
 *   record not yet handled (`CommitPlanner`), and commits are sent one after another.
 * - Every record ends pushed-and-recorded, skipped with a reason, or dead-lettered, before commit.
 */
export class Pipeline<E, S, W> {
  private readonly builder: BatchBuilder<Entry<E>>;
  private planner = new CommitPlanner();
  private readonly dlqLimit: DlqLimit;
  private readonly abort = new AbortController();
  private readonly now: () => number;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly claims = new TicketClaims();
  /** Offset commits, one after another, so a later watermark never lands before an earlier one. */
  private commits: Promise<void> = Promise.resolve();
  private capacityWaiters: (() => void)[] = [];
  private lingerTimer: NodeJS.Timeout | undefined;
  /** accept() calls still adding records; at zero the source has handed over all it fetched. */
  private adding = 0;
  private stopping = false;
  private failed: Error | undefined;

  constructor(
    private readonly spec: RoleSpec<E, S, W>,
    private readonly deps: PipelineDeps,
    private readonly settings: PipelineSettings,
  ) {
    this.builder = new BatchBuilder<Entry<E>>(settings.batch);
    this.dlqLimit = new DlqLimit(settings.dlq);
    this.now = deps.now ?? Date.now;
  }

  get role(): string {
    return this.spec.role;
  }

  /**
   * Takes one partition's fetched records; resolves with how many leading records are handled.
   * Called concurrently for different partitions; never concurrently for the same one.
   */
  readonly accept = async (messages: readonly SourceMessage[], ctx: BatchContext): Promise<number> => {
    const handled: Promise<void>[] = [];
    this.adding += 1;
    try {
      await this.add(messages, ctx, handled);
    } finally {
      this.adding -= 1;
    }
    // The other partitions of the same fetch are handed over in the same turn of the event loop;
    // once they are in, the open batch is all the source will give before it is handled.
    if (this.adding === 0) setImmediate(() => this.pump());
    return this.countHandled(handled, ctx);
  };

  private prepare(msg: SourceMessage): Promise<Prepared<E>> {
    return this.deps.decoder.decode(msg.value, this.spec.schema).then(
      (decoded) => {
        const event = this.spec.parse(decoded);
        return { event, ticketId: this.spec.ticketId(event) };
      },
    ).catch((error: unknown) => ({ error }));
  }

  private async add(messages: readonly SourceMessage[], ctx: BatchContext, handled: Promise<void>[]): Promise<void> {
    for (const msg of messages) {
      if (this.stopping || this.failed || !ctx.isActive()) break;
      const bytes = (msg.value?.length ?? 0) + (msg.key?.length ?? 0);
      const full = () =>
        !this.stopping && !this.failed && (this.builder.size >= this.settings.batch.maxItems || this.builder.wouldOverflow(bytes));
      while (full()) {
        this.pump();
        if (full()) await this.waitForCapacity(ctx);
      }
      if (this.stopping || this.failed) break;
      this.planner.track(msg, BigInt(msg.offset));
      handled.push(
        new Promise<void>((resolve, reject) => {
          this.builder.add({ msg, bytes, resolve, reject, prepared: this.prepare(msg) }, bytes, this.now());
        }),
      );
      this.deps.metrics.received.inc({ role: this.spec.role });
      this.pump();
    }
  }

  /**
   * The consumer group was rebalanced: offsets tracked so far may belong to partitions another member
   * now owns and has moved on. Start the bookkeeping afresh; records in flight are committed only for
   * partitions this member still owns, and re-read ones are skipped by the ledger.
   */
  onRebalance(): void {
    this.planner = new CommitPlanner();
  }

  /**
   * Stops accepting records, delivers what is open, and waits for it up to `deadlineMs`; past the
   * deadline the batches in flight are abandoned (their offsets stay uncommitted and are re-read later).
   */
  async stop(deadlineMs: number): Promise<void> {
    this.stopping = true;
    this.pump();
    this.wakeCapacityWaiters();
    if (this.inFlight.size === 0) return;
    const timer = setTimeout(() => this.abort.abort(new AbortedError('drain deadline reached')), deadlineMs);
    try {
      while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Finds requests that a stopped process left unfinished for these tickets (see `Outbox`). A
   * stale one is taken over: its tickets in this batch are sent again under its original key, so
   * TIXnGO recognises them instead of applying them twice. A live one (another replica mid-request,
   * e.g. across a rebalance) is waited for, so the same ticket is never in flight twice.
   * Returns the original request id of each ticket to resend.
   */
  private async settleOutbox(ticketIds: readonly string[], run: BatchRun): Promise<Map<string, string>> {
    const resend = new Map<string, string>();
    for (;;) {
      const pending = await this.retry(run, 'store', () => this.deps.outbox.findContaining(this.spec.role, ticketIds));
      const staleBefore = new Date(this.now() - this.settings.outboxStaleMs);
      let waiting = false;
      for (const p of pending) {
        const mine = p.owner === this.settings.instanceId;
        if (!mine && p.touchedAt >= staleBefore) {
          waiting = true;
          continue;
        }
        const claimed = mine ? p : await this.retry(run, 'store', () => this.deps.outbox.claim(p, this.settings.instanceId, new Date(this.now())));
        if (!claimed) continue;
        const inBatch = new Set(ticketIds);
        for (const id of claimed.ticketIds) if (inBatch.has(id)) resend.set(id, claimed._id);
        if (!mine) this.deps.log.warn({ requestId: claimed._id, tickets: claimed.ticketIds.length }, 'taking over a request a stopped process left unfinished');
      }
      if (!waiting) return resend;
      this.deps.health.beat(this.spec.role);
      await sleep(500, undefined, { signal: this.abort.signal }).catch(() => {
        throw new AbortedError('stopped while waiting for another replica');
      });
    }
  }

  private pump(): void {
    if (this.inFlight.size >= this.settings.batchesInFlight || this.failed) return;
    const reason: CloseReason | undefined =
      this.stopping && !this.builder.isEmpty ? 'drain' : this.builder.closeReason(this.now(), this.adding === 0);
    if (!reason) {
      this.scheduleLinger();
      return;
    }
    this.clearLinger();
    const entries = this.builder.drain();
    this.wakeCapacityWaiters();
    if (this.abort.signal.aborted) {
      for (const e of entries) e.reject(new AbortedError('stopped'));
      return;
    }
    const batch: Promise<void> = this.process(entries, reason)
      .catch((e) => this.fail(e, entries))
      .finally(() => {
        this.inFlight.delete(batch);
        this.wakeCapacityWaiters();
        this.pump();
      });
    this.inFlight.add(batch);
    // Under a backlog the next batch may already be full.
    if (this.inFlight.size < this.settings.batchesInFlight) setImmediate(() => this.pump());
  }

  private scheduleLinger(): void {
    const ms = this.builder.msUntilLinger(this.now());
    if (ms === undefined || this.lingerTimer) return;
    this.lingerTimer = setTimeout(() => {
      this.lingerTimer = undefined;
      this.pump();
    }, ms + 1);
    this.lingerTimer.unref?.();
  }

  private clearLinger(): void {
    if (this.lingerTimer) clearTimeout(this.lingerTimer);
    this.lingerTimer = undefined;
  }

  private waitForCapacity(ctx: BatchContext): Promise<void> {
    return this.withHeartbeat(new Promise<void>((resolve) => this.capacityWaiters.push(resolve)), ctx);
  }

  private wakeCapacityWaiters(): void {
    const waiters = this.capacityWaiters;
    this.capacityWaiters = [];
    for (const w of waiters) w();
  }

  private async countHandled(handled: readonly Promise<void>[], ctx: BatchContext): Promise<number> {
    const settled = await this.withHeartbeat(Promise.allSettled(handled), ctx);
    let n = 0;
    while (n < settled.length && settled[n]!.status === 'fulfilled') n++;
    if (this.failed && n < settled.length) throw this.failed;
    return n;
  }

  /** Keeps the consumer group membership alive while waiting on a long batch or a retry. */
  private async withHeartbeat<T>(p: Promise<T>, ctx: BatchContext): Promise<T> {
    let done = false;
    const beat = async () => {
      while (!done) {
        await sleep(2000);
        if (!done) {
          this.deps.health.beat(this.spec.role);
          await ctx.heartbeat();
        }
      }
    };
    void beat();
    try {
      return await p;
    } finally {
      done = true;
    }
  }

  private fail(e: unknown, entries: readonly Entry<E>[]): void {
    const error = e instanceof Error ? e : new Error(String(e));
    for (const entry of entries) entry.reject(error);
    if (this.failed) return; // a batch in flight next to the one that failed: already reported
    if (error instanceof AbortedError) {
      this.deps.log.warn({ records: entries.length }, 'in-flight batch abandoned at shutdown; its records will be read again');
      return;
    }
    this.failed = error;
    this.wakeCapacityWaiters();
    this.deps.events.onFatal(error);
  }

  /** Runs `op`, retrying transient failures without limit (until shutdown aborts). */
  private retry<T>(run: BatchRun, dependency: string, op: () => Promise<T>, onAttempt?: () => Promise<void>): Promise<T> {
    const component = `${this.spec.role}:${dependency}`;
    return withRetry(op, this.settings.retry, {
      signal: this.abort.signal,
      onRetry: async ({ attempt, delayMs, error }: { attempt: number; delayMs: number; error: TransientError }) => {
        run.retries++;
        const since = this.deps.health.failingSince(component, error.code);
        this.deps.health.beat(this.spec.role);
        this.deps.metrics.retries.inc({ role: this.spec.role, code: error.code });
        this.deps.log.warn({ dependency, attempt, delayMs, error: toSafeError(error) }, 'transient failure, retrying');
        this.deps.events.onRetry?.({ role: this.spec.role, code: error.code, attempt, delayMs, failingForMs: this.now() - since });
        await onAttempt?.();
      },
      onRecovered: () => this.deps.health.recovered(component),
    }).then(
      (v) => {
        this.deps.health.recovered(component);
        return v;
      },
      (e: unknown) => {
        if (this.abort.signal.aborted) throw new AbortedError('stopped while retrying');
        throw e;
      },
    );
  }

  /** Handles one closed batch next to the others in flight (see `TicketClaims`). */
  private process(entries: Entry<E>[], closedBy: CloseReason): Promise<void> {
    const claim = this.claims.open();
    const claimTickets = async (ticketIds: Iterable<string>) => {
      await claim.claim(ticketIds);
      if (this.failed) throw this.failed; // an earlier batch failed: the role is stopping
      if (this.abort.signal.aborted) throw new AbortedError('stopped');
    };
    return this.handle(entries, closedBy, claimTickets).finally(() => claim.release());
  }

  private async handle(entries: Entry<E>[], closedBy: CloseReason, claimTickets: (ticketIds: Iterable<string>) => Promise<void>): Promise<void> {
    const startedAt = this.now();
    const stages: Record<string, number> = {};
    let mark = startedAt;
    const lap = (stage: string) => {
      const t = this.now();
      stages[stage] = (stages[stage] ?? 0) + (t - mark);
      mark = t;
    };
    const run: BatchRun = { retries: 0 };
    const letters: DeadLetter[] = [];
    const deadLetter = (entry: Entry<E>, error: BridgeError, outcome: 'rejected' | 'dead-lettered', requestId?: string) => {
      letters.push({ message: entry.msg, error, attempts: 1, ...(entry.ticketId ? { ticketId: entry.ticketId } : {}) });
      entry.trace = { ...this.traceBase(entry), outcome, reason: error.code, ...(requestId ? { requestId } : {}) };
    };
    const skip = (entry: Entry<E>, reason: string) => {
      entry.trace = { ...this.traceBase(entry), outcome: 'skipped', reason };
    };

    // decode + validate (started on arrival): poison goes straight to the dead-letter topic;
    // anything else (the registry away) is retried here
    for (const entry of entries) {
      let prepared = await entry.prepared;
      if ('error' in prepared && !(prepared.error instanceof PoisonMessageError)) {
        prepared = await this.retry(run, 'schema-registry', async () => {
          const again = await this.prepare(entry.msg);
          if ('error' in again && !(again.error instanceof PoisonMessageError)) throw again.error;
          return again;
        });
      }
      if ('error' in prepared) deadLetter(entry, prepared.error as PoisonMessageError, 'dead-lettered');
      else {
        entry.event = prepared.event;
        entry.ticketId = prepared.ticketId;
      }
    }

    lap('decode');
    // select (pure), then keep only the last record of each ticket in the batch
    const candidates = new Map<string, Entry<E>>();
    for (const entry of entries) {
      if (entry.trace || !entry.event) continue;
      const reason = this.spec.select(entry.event);
      if (reason) {
        skip(entry, reason);
        continue;
      }
      const earlier = candidates.get(entry.ticketId!);
      if (earlier) skip(earlier, 'SUPERSEDED_IN_BATCH');
      candidates.set(entry.ticketId!, entry);
    }
    await claimTickets(candidates.keys());
    lap('wait');

    // enrich (one round trip per store) and decide (pure)
    const ticketIds = [...candidates.keys()];
    const resend = ticketIds.length > 0 && !this.settings.simulate ? await this.settleOutbox(ticketIds, run) : new Map<string, string>();
    lap('outbox');
    const events = [...candidates.values()].map((c) => c.event!);
    const state = events.length > 0 ? await this.retry(run, 'store', () => this.spec.enrich(events)) : (undefined as S);
    lap('enrich');
    const toPush: { entry: Entry<E>; work: W }[] = [];
    for (const entry of candidates.values()) {
      const decision = this.spec.decide(entry.event!, state);
      if (decision.kind === 'skip') skip(entry, decision.reason);
      else if (decision.kind === 'dead-letter') deadLetter(entry, decision.error, 'dead-lettered');
      else toPush.push({ entry, work: decision.work });
    }

    // deliver: ordered by ticket id, at most maxTicketsPerRequest per TIXnGO request; tickets of a
    // request a stopped process left unfinished go again under that request's key
    toPush.sort((a, b) => compareTicketIds(a.entry.ticketId!, b.entry.ticketId!));
    const groups = new Map<string | undefined, { entry: Entry<E>; work: W }[]>();
    for (const p of toPush) {
      const key = resend.get(p.entry.ticketId!);
      const list = groups.get(key);
      if (list) list.push(p);
      else groups.set(key, [p]);
    }
    let requests = 0;
    for (const [originalId, group] of groups) {
      for (const part of chunk(group, this.settings.maxTicketsPerRequest)) {
        const requestId = originalId ?? randomUUID();
        requests++;
        const { rejected } = await this.sendAndRecord(requestId, part, originalId !== undefined, stages, run);
        for (const p of part) {
          const rejection = rejected.get(p.entry.ticketId!);
          if (rejection) deadLetter(p.entry, rejection, 'rejected', requestId);
          else p.entry.trace = { ...this.traceBase(p.entry), outcome: 'pushed', requestId, ...(this.settings.simulate ? { simulated: true } : {}) };
        }
      }
    }
    // Taken-over requests: every ticket of theirs in this batch is now decided one way or another.
    for (const requestId of new Set(resend.values())) {
      await this.retry(run, 'store', () => this.deps.outbox.release(requestId, [...resend].filter(([, r]) => r === requestId).map(([t]) => t)));
    }

    mark = this.now(); // sendAndRecord accounted its own stages (outbox-write, push, record)
    if (this.spec.reconcile && !this.settings.simulate) {
      const handled: Handled<E>[] = [];
      for (const entry of candidates.values()) {
        const t = entry.trace;
        if (t?.outcome === 'pushed' || t?.outcome === 'skipped') {
          handled.push({ event: entry.event!, outcome: t.outcome, ...(t.reason ? { reason: t.reason } : {}) });
        }
      }
      if (handled.length > 0) await this.retry(run, 'store', () => this.spec.reconcile!(handled, state));
      lap('reconcile');
    }
    // Past the dead-letter limit, stop before dead-lettering or committing anything of this batch:
    // the records stay in Kafka for after the fix, instead of all going to the dead-letter topic.
    let limit: string | undefined;
    for (const entry of entries) limit = this.dlqLimit.record(entry.trace?.outcome === 'dead-lettered' || entry.trace?.outcome === 'rejected') ?? limit;
    if (limit) throw new DlqLimitExceeded(limit);

    if (letters.length > 0) await this.retry(run, 'kafka', () => this.deps.deadLetters.write(letters));
    lap('dead-letter');

    // commit the contiguous watermark of every partition in the batch
    for (const entry of entries) this.planner.handled(entry.msg, BigInt(entry.msg.offset));
    await this.commitHandled();
    lap('commit');

    const report = { ...this.report(entries, closedBy, startedAt, requests, run.retries), stagesMs: stages };
    this.observe(report);
    for (const entry of entries) entry.resolve();
    await this.deps.events.onBatch?.(report);
  }

  /**
   * Sends one request (or simulates it) and records what TIXnGO accepted. The request's id and
   * tickets are written to the outbox first and removed once recorded, so a crash in between leaves
   * it there and the tickets are sent again under the same `Idempotency-Key` (see `settleOutbox`).
   */
  private async sendAndRecord(
    requestId: string,
    part: readonly { entry: Entry<E>; work: W }[],
    resent: boolean,
    stages: Record<string, number>,
    run: BatchRun,
  ): Promise<{ rejected: Map<string, RejectedError> }> {
    let mark = this.now();
    const lap = (stage: string) => {
      const t = this.now();
      stages[stage] = (stages[stage] ?? 0) + (t - mark);
      mark = t;
    };
    const rejected = new Map<string, RejectedError>();
    const items: Delivered<E, W>[] = part.map((p) => ({ event: p.entry.event!, work: p.work }));
    const at = new Date(this.now());
    if (this.settings.simulate) {
      await this.retry(run, 'store', () => this.spec.record(items, { simulated: true, requestId, at }));
      this.deps.metrics.pushed.inc({ role: this.spec.role, simulated: 'true' }, items.length);
      return { rejected };
    }
    const ticketIds = part.map((p) => p.entry.ticketId!);
    if (!resent) {
      await this.retry(run, 'store', () =>
        this.deps.outbox.put({ _id: requestId, role: this.spec.role, ticketIds, createdAt: at, touchedAt: at, owner: this.settings.instanceId }),
      );
    }
    lap('outbox-write');
    const started = this.now();
    let result: PushResult;
    try {
      result = await this.retry(
        run,
        'tixngo',
        () => this.spec.deliver(items.map((i) => i.work), { idempotencyKey: requestId, signal: this.abort.signal }),
        () => this.deps.outbox.touch(requestId, new Date(this.now())).catch(() => undefined),
      );
    } catch (e) {
      if (!(e instanceof RejectedError)) throw e;
      result = { status: 400, outcomes: e.ticketIds.map((ticketId) => ({ ticketId, ok: false, code: e.code, reason: e.message })) };
    }
    const pushedAt = this.now();
    lap('push');
    this.deps.metrics.pushLatency.observe({ role: this.spec.role }, (pushedAt - started) / 1000);

    const byId = new Map(result.outcomes.map((o) => [o.ticketId, o]));
    const delivered: Delivered<E, W>[] = [];
    for (const item of items) {
      const id = this.spec.ticketId(item.event);
      const o = byId.get(id);
      if (o?.ok) delivered.push(item);
      else {
        const code = o?.code ? `TIXNGO_${o.code}`.replace(/^TIXNGO_TIXNGO_/, 'TIXNGO_') : 'TIXNGO_NO_OUTCOME';
        rejected.set(id, new RejectedError(code, o?.reason ?? 'TIXnGO returned no outcome for this ticket', [id]));
      }
    }
    await this.retry(run, 'store', () => this.spec.record(delivered, { simulated: false, requestId, at: new Date(pushedAt) }));
    lap('record');
    if (!resent) await this.retry(run, 'store', () => this.deps.outbox.remove(requestId));
    lap('outbox-write');
    for (const p of part) {
      if (!rejected.has(p.entry.ticketId!)) this.deps.metrics.eventToPush.observe({ role: this.spec.role }, (pushedAt - Number(p.entry.msg.timestamp)) / 1000);
    }
    this.deps.metrics.pushed.inc({ role: this.spec.role, simulated: 'false' }, delivered.length);
    return { rejected };
  }

  /** Commits every partition's watermark, after the commits of batches that completed earlier. */
  private commitHandled(): Promise<void> {
    this.commits = this.commits.then(() => this.commit(this.planner.plan()));
    return this.commits;
  }

  private async commit(offsets: readonly OffsetToCommit[]): Promise<void> {
    if (offsets.length === 0) return;
    try {
      await withRetry(() => this.deps.commit(offsets), this.settings.retry, {
        signal: this.abort.signal,
        onRetry: ({ attempt, error }) => {
          if (attempt > 3) throw error;
        },
      });
    } catch (e) {
      // The records are handled and recorded; if the commit is lost (rebalance, broker away), the next
      // owner re-reads them and the ledger skips them. Nothing is lost, at worst work is re-checked.
      this.deps.log.warn({ error: toSafeError(e), partitions: offsets.length }, 'offset commit failed; records will be re-read and skipped');
      this.planner.forget(offsets);
    }
  }

  private traceBase(entry: Entry<E>): Omit<TicketTrace, 'outcome'> {
    return {
      ...(entry.ticketId ? { ticketId: entry.ticketId } : entry.msg.key ? { key: entry.msg.key.toString('utf8').slice(0, 256) } : {}),
      topic: entry.msg.topic,
      partition: entry.msg.partition,
      offset: entry.msg.offset,
    };
  }

  private report(entries: readonly Entry<E>[], closedBy: CloseReason, startedAt: number, requests: number, retries: number): BatchReport {
    const skipped: Record<string, number> = {};
    const errorCodes: Record<string, number> = {};
    let pushed = 0;
    let rejected = 0;
    let deadLettered = 0;
    const tickets: TicketTrace[] = [];
    for (const e of entries) {
      const t = e.trace!;
      tickets.push(t);
      if (t.outcome === 'pushed') pushed++;
      else if (t.outcome === 'skipped') skipped[t.reason!] = (skipped[t.reason!] ?? 0) + 1;
      else {
        if (t.outcome === 'rejected') rejected++;
        else deadLettered++;
        errorCodes[t.reason!] = (errorCodes[t.reason!] ?? 0) + 1;
      }
    }
    return {
      role: this.spec.role,
      batchId: randomUUID(),
      closedBy,
      startedAt: new Date(startedAt),
      finishedAt: new Date(this.now()),
      received: entries.length,
      pushed,
      simulated: this.settings.simulate,
      skipped,
      rejected,
      deadLettered,
      errorCodes,
      requests,
      retries,
      status: rejected + deadLettered > 0 ? 'ERROR' : retries > 0 ? 'WARNING' : 'OK',
      tickets,
    };
  }

  private observe(r: BatchReport): void {
    const m = this.deps.metrics;
    m.batchSize.observe({ role: r.role }, r.received);
    for (const [reason, n] of Object.entries(r.skipped)) m.skipped.inc({ role: r.role, reason }, n);
    for (const t of r.tickets) {
      if (t.outcome === 'rejected') m.rejected.inc({ role: r.role, code: t.reason! });
      if (t.outcome === 'rejected' || t.outcome === 'dead-lettered') m.deadLettered.inc({ role: r.role, code: t.reason! });
    }
    this.deps.health.beat(r.role);
    this.deps.log.info(
      {
        closedBy: r.closedBy,
        received: r.received,
        pushed: r.pushed,
        skipped: r.skipped,
        rejected: r.rejected,
        deadLettered: r.deadLettered,
        requests: r.requests,
        retries: r.retries,
        status: r.status,
        simulated: r.simulated,
        durationMs: r.finishedAt.getTime() - r.startedAt.getTime(),
        stagesMs: r.stagesMs,
      },
      'batch handled',
    );
  }
}

export class DlqLimitExceeded extends Error {
  override readonly name = 'DlqLimitExceeded';
  readonly code = 'DLQ_LIMIT_EXCEEDED';
}
