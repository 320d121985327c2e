import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Outbox } from '../contracts/outbox';
import type { DeliveryRecorder } from '../contracts/recorder';
import type { CloseReason, TicketTrace } from '../contracts/report';
import type { BatchContext, OffsetToCommit, SourceBatch, SourceMessage, TopicPartition } from '../contracts/source';
import type { DeadLetter, DeadLetterSink } from '../kafka/dead-letter';
import type { Health } from '../ops/health';
import type { Logger } from '../ops/logger';
import type { Metrics } from '../ops/metrics';
import { dependencyRetry, type DependencyRetry } from '../ops/dependency-retry';
import { AbortedError, BridgeError, errorCode, FatalError, PoisonMessageError } from '../shared/errors';
import type { BackoffPolicy } from '../shared/retry';
import type { TixngoApi } from '../tixngo/tixngo-api';
import { BatchBuilder, type BatchLimits } from './batch-builder';
import { CommitPlanner } from './commit-plan';
import { DlqLimit, type DlqLimitSettings } from './dlq-limit';
import { InFlight, type Dependency, type OutboxTiming, type OwnIntent } from './in-flight';
import { summarize, type PipelineEvents } from './report';
import type { Decision, RoleSpec } from './role-spec';
import { decideTickets } from './steps/decide';
import { Deliverer, type Push } from './steps/deliver';
import { selectAndGroup, type Candidate } from './steps/select';
import { TicketClaims } from './ticket-claims';
import { compareTicketIds } from './ticket-order';
import { ticketKey } from '../shared/ticket-key';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export interface Decoder {
  decode(value: Buffer | null, as: RoleSpec<unknown, unknown, unknown>['schema']): Promise<unknown>;
}

export interface PipelineSettings {
  readonly batch: BatchLimits;
  readonly maxTicketsPerRequest: number;
  readonly retry: BackoffPolicy;
  readonly dlq: DlqLimitSettings;
  /** This process; with the role and a random suffix it names the pipeline's intents. */
  readonly instanceId: string;
  /** When an intent belongs to a process that stopped and is taken over; how often ours are renewed, and others looked at again. */
  readonly outbox: OutboxTiming;
  /** Closed batches delivered at the same time (1 = one after another); a ticket is never in two at once. */
  readonly batchesInFlight: number;
  /** How often the consumer group is told we are alive while a batch waits. */
  readonly heartbeatMs: number;
}

/** An organization's TIXnGO account. */
export interface Account {
  readonly tixngo: TixngoApi;
  /** A request body above this is split in two (a single ticket goes as it is). */
  readonly maxRequestBytes: number;
}

export interface PipelineDeps {
  readonly decoder: Decoder;
  readonly deadLetters: DeadLetterSink;
  readonly outbox: Outbox;
  /** The TIXnGO account of an S-360 organization the release serves; undefined for any other. */
  readonly accounts: (organizationCode: string) => Account | undefined;
  readonly recorder: DeliveryRecorder;
  readonly commit: (offsets: readonly OffsetToCommit[]) => Promise<void>;
  readonly metrics: Metrics;
  readonly health: Health;
  readonly log: Logger;
  readonly events: PipelineEvents;
  readonly now?: () => number;
}

/** A record decoded and validated, or why it could not be. */
type Prepared<E> = { readonly event: E; readonly ticketId: string; readonly organization: string } | { readonly error: unknown };

/**
 * The records of one hand-over (`accept`), each settled once its batch ends: handled, or released
 * unhandled. One object per hand-over, rather than a promise per record gathered by `allSettled`.
 */
class HandOver {
  private added = 0;
  private settled = 0;
  private sealed = false;
  /** The slot of the first record released unhandled. */
  private firstUnhandled = Number.POSITIVE_INFINITY;
  private wake!: () => void;
  /** Resolves once it is sealed and every record added is settled. */
  readonly done = new Promise<void>((resolve) => (this.wake = resolve));

  /** A slot for the next record. */
  add(): number {
    return this.added++;
  }

  settle(slot: number, handled: boolean): void {
    this.settled++;
    if (!handled && slot < this.firstUnhandled) this.firstUnhandled = slot;
    this.check();
  }

  /** No more records come. */
  seal(): void {
    this.sealed = true;
    this.check();
  }

  get size(): number {
    return this.added;
  }

  /** How many leading records were handled (once `done`). */
  get leadingHandled(): number {
    return Math.min(this.added, this.firstUnhandled);
  }

  private check(): void {
    if (this.sealed && this.settled === this.added) this.wake();
  }
}

/**
 * A record accepted into the open batch. Decoding starts on arrival, so it overlaps the batches in
 * flight. Settled once (later calls do nothing), in its hand-over.
 */
class Accepted<E> {
  private settled = false;

  constructor(
    readonly msg: SourceMessage,
    readonly bytes: number,
    readonly prepared: Promise<Prepared<E>>,
    private readonly handOver: HandOver,
    private readonly slot: number,
  ) {}

  /** Handled: pushed and recorded, skipped, or dead-lettered. */
  resolve(): void {
    this.settle(true);
  }

  /** Released unhandled (the role stops, or is stopping): it stays uncommitted. */
  reject(_reason: unknown): void {
    this.settle(false);
  }

  private settle(handled: boolean): void {
    if (this.settled) return;
    this.settled = true;
    this.handOver.settle(this.slot, handled);
  }
}

/** A decode or parse failure, as the batch reads it. */
const failedPreparing = (error: unknown): { readonly error: unknown } => ({ error });

/** Too many records dead-lettered in a row or in the window: something upstream is wrong; the role stops. */
export class DlqLimitExceeded extends FatalError {
  constructor(message: string) {
    super('DLQ_LIMIT_EXCEEDED', message);
  }
}

/** Per batch: what the report counts besides the records, and the time each stage took. */
class BatchRun {
  retries = 0;
  requests = 0;
  readonly stages: Record<string, number> = {};
  private mark: number;

  constructor(
    readonly startedAt: number,
    private readonly now: () => number,
  ) {
    this.mark = startedAt;
  }

  lap(stage: string): void {
    const t = this.now();
    this.stages[stage] = (this.stages[stage] ?? 0) + (t - this.mark);
    this.mark = t;
  }
}

/**
 * The engine the three consumer roles share: it accepts records, applies backpressure, closes batches
 * (size, bytes, linger, idle) and runs each closed batch through the steps, in this order:
 *
 *   decode + validate → select + group by ticket → claim the tickets in this process
 *   → write what the core did (`seen`) and the batch's intent → settle other batches' intents (wait,
 *   take over) → enrich (read) → decide → deliver + record → remove the intent → reconcile
 *   → dead-letter → commit
 *
 * Invariants, and where they are enforced:
 * - Memory is bounded whatever the backlog: one batch open, `batchesInFlight` being delivered; the
 *   source's hand-over (`accept`) waits for room (backpressure), which holds Kafka fetching.
 * - A ticket is in at most one batch in flight of this process (`TicketClaims`), and in no batch of
 *   another process while an intent names it (`InFlight.settle`).
 * - Per partition, the committed watermark never passes a record that is not handled
 *   (`CommitPlanner`); gaps (transaction markers, aborted and compacted records) are passed; a commit
 *   that fails is retried with the same or a higher watermark, never forgotten (`commitHandled`).
 * - Every record ends pushed and recorded, skipped with a counted reason, or dead-lettered, before its
 *   offset is committed; an intent never outlives its batch's commit (it is removed before).
 * - Past the dead-letter limit, or on any bug, the role stops for good: every record it holds is
 *   released uncommitted, `onFatal` is told once, and the health turns not live.
 */
export class Pipeline<E, S, W> {
  private readonly builder: BatchBuilder<Accepted<E>>;
  private readonly planner = new CommitPlanner();
  private readonly dlqLimit: DlqLimit;
  private readonly abort = new AbortController();
  private readonly now: () => number;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly claims = new TicketClaims();
  private readonly outboxes: InFlight;
  private readonly deliverer: Deliverer;
  private readonly retrier: DependencyRetry;
  /** Offset commits, one after another, so a later watermark never lands before an earlier one. */
  private commits: Promise<void> = Promise.resolve();
  private commitQueued = false;
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
    this.builder = new BatchBuilder<Accepted<E>>(settings.batch);
    this.dlqLimit = new DlqLimit(settings.dlq);
    this.now = deps.now ?? Date.now;
    const { health, metrics, log, events } = deps;
    this.retrier = dependencyRetry({ role: spec.role, policy: settings.retry, heartbeatMs: settings.heartbeatMs, health, metrics, log, events, now: this.now });
    const retry = <T>(dependency: Dependency, op: () => Promise<T>) => this.retry(undefined, dependency, op);
    this.outboxes = new InFlight(
      {
        outbox: deps.outbox,
        tixngo: (organization) => deps.accounts(organization)?.tixngo,
        recorder: deps.recorder,
        retry,
        log: deps.log,
        now: this.now,
        sleep: (ms) => this.sleep(ms),
        beat: () => deps.health.beat(spec.role),
      },
      {
        role: spec.role,
        owner: `${settings.instanceId}/${spec.role}/${randomUUID().slice(0, 8)}`,
        ...settings.outbox,
      },
    );
    this.deliverer = new Deliverer(
      {
        outbox: deps.outbox,
        destination: (organization) => {
          const account = deps.accounts(organization);
          const route = spec.route(organization);
          return account && route ? { ...account, ...route } : undefined;
        },
        recorder: deps.recorder,
        now: this.now,
        signal: this.abort.signal,
        onAnswered: ({ ms }) => deps.metrics.pushLatency.observe({ role: spec.role }, ms / 1000),
      },
      { endpoint: spec.endpoint, maxTicketsPerRequest: settings.maxTicketsPerRequest },
    );
    this.outboxes.start();
  }

  get role(): string {
    return this.spec.role;
  }

  /** Whether the role stopped for good (DLQ limit, a bug). */
  get stopped(): boolean {
    return this.failed !== undefined;
  }

  /**
   * Takes one partition's fetch; resolves with how many leading records are handled. Called
   * concurrently for different partitions, never concurrently for the same one. Throws once the role
   * failed: the records are not handled.
   */
  readonly accept = async (batch: SourceBatch, ctx: BatchContext): Promise<number> => {
    if (this.failed) throw this.failed;
    const handOver = new HandOver();
    let complete = false;
    this.adding += 1;
    try {
      complete = await this.add(batch.messages, ctx, handOver);
    } finally {
      this.adding -= 1;
    }
    // Every record of the fetch is tracked: offsets up to its end that it did not hand over are gaps.
    if (complete && ctx.isActive()) this.planner.covered(batch, BigInt(batch.endOffset));
    if (batch.messages.length === 0) {
      if (complete) void this.commitHandled().catch(() => undefined);
      return 0;
    }
    // The other partitions of the same fetch are handed over in the same turn of the event loop;
    // once they are in, the open batch is all the source will give before it is handled.
    if (this.adding === 0) setImmediate(() => this.pump());
    return this.countHandled(handOver, ctx);
  };

  /** Resolves once the commits asked for so far have been made (or given up at a stop). */
  idle(): Promise<void> {
    return this.commits;
  }

  /** The member's partitions after a (re)join: see `CommitPlanner.assigned`. */
  onAssigned(partitions: readonly TopicPartition[]): void {
    this.planner.assigned(partitions);
  }

  /**
   * Stops accepting records, delivers what is open, and waits for it up to `deadlineMs`; past the
   * deadline the batches in flight are abandoned (their offsets stay uncommitted and are re-read later).
   */
  async stop(deadlineMs: number): Promise<void> {
    this.stopping = true;
    this.pump();
    this.wakeCapacityWaiters();
    const timer = setTimeout(() => this.abort.abort(new AbortedError('PIPELINE_DRAIN_DEADLINE', 'drain deadline reached')), deadlineMs);
    try {
      while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
      // The last watermark, before the retries are stopped (a commit still failing at the deadline is
      // abandoned: its records are read again and skipped by the ledger).
      await this.commits;
    } finally {
      clearTimeout(timer);
    }
    this.abort.abort(new AbortedError('PIPELINE_STOPPED', 'stopped'));
    this.releaseOpen(new AbortedError('PIPELINE_STOPPED', 'stopped'));
    this.outboxes.stop();
  }

  // ----- accepting and batching ------------------------------------------------------------------

  private prepare(msg: SourceMessage): Promise<Prepared<E>> {
    return this.deps.decoder.decode(msg.value, this.spec.schema).then(this.parsed, failedPreparing);
  }

  /** A decoded record validated (`parse`), or why it is not valid. */
  private readonly parsed = (decoded: unknown): Prepared<E> => {
    try {
      const event = this.spec.parse(decoded);
      return { event, ticketId: this.spec.ticketId(event), organization: this.spec.organization(event) };
    } catch (error) {
      return { error };
    }
  };

  /** Adds the records (waiting for room); true when every one of them was added. */
  private async add(messages: readonly SourceMessage[], ctx: BatchContext, handOver: HandOver): Promise<boolean> {
    // Counted as they are added, told to the counter before any wait and at the end (not once a record).
    let received = 0;
    const count = () => {
      if (received > 0) this.deps.metrics.received.inc({ role: this.spec.role }, received);
      received = 0;
    };
    try {
      for (const msg of messages) {
        if (this.stopping || this.failed || !ctx.isActive()) return false;
        const bytes = (msg.value?.length ?? 0) + (msg.key?.length ?? 0);
        const full = () => !this.stopping && !this.failed && (this.builder.size >= this.settings.batch.maxItems || this.builder.wouldOverflow(bytes));
        while (full()) {
          this.pump();
          if (full()) {
            count();
            await this.waitForCapacity(ctx);
          }
        }
        if (this.stopping || this.failed || !ctx.isActive()) return false;
        this.planner.track(msg, BigInt(msg.offset));
        this.builder.add(new Accepted(msg, bytes, this.prepare(msg), handOver, handOver.add()), bytes, this.now());
        received++;
        this.pump();
      }
      return true;
    } finally {
      count();
    }
  }

  private pump(): void {
    if (this.inFlight.size >= this.settings.batchesInFlight || this.failed) return;
    const reason: CloseReason | undefined = this.stopping && !this.builder.isEmpty ? 'drain' : this.builder.closeReason(this.now(), this.adding === 0);
    if (!reason) {
      this.scheduleLinger();
      return;
    }
    this.clearLinger();
    const entries = this.builder.drain();
    this.wakeCapacityWaiters();
    if (this.abort.signal.aborted) {
      for (const e of entries) e.reject(new AbortedError('PIPELINE_STOPPED', 'stopped'));
      return;
    }
    const claim = this.claims.open(); // in the order batches close (see TicketClaims)
    const batch: Promise<void> = this.process(entries, reason, claim)
      .catch((e) => this.fail(e, entries))
      .finally(() => {
        claim.release();
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

  private async countHandled(handOver: HandOver, ctx: BatchContext): Promise<number> {
    handOver.seal();
    await this.withHeartbeat(handOver.done, ctx);
    const n = handOver.leadingHandled;
    if (this.failed && n < handOver.size) throw this.failed;
    return n;
  }

  /** Keeps the consumer group membership alive while waiting on a long batch or a retry. */
  private async withHeartbeat<T>(p: Promise<T>, ctx: BatchContext): Promise<T> {
    let done = false;
    const beat = async () => {
      while (!done) {
        await sleep(this.settings.heartbeatMs);
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

  /** Releases, uncommitted, every record still waiting in the open batch. */
  private releaseOpen(error: Error): void {
    this.clearLinger();
    for (const e of this.builder.drain()) e.reject(error);
    this.wakeCapacityWaiters();
  }

  private fail(e: unknown, entries: readonly Accepted<E>[]): void {
    const error = e instanceof Error ? e : new Error(String(e));
    for (const entry of entries) entry.reject(error);
    if (this.failed) return; // a batch in flight next to the one that failed: already reported
    if (error instanceof AbortedError) {
      this.deps.log.warn({ records: entries.length }, 'in-flight batch abandoned at shutdown; its records will be read again');
      return;
    }
    // The role stops for good: nothing more is accepted, the open batch is released, every caller of
    // `accept` returns (so the consumer can leave), and the process is told to exit.
    this.failed = error;
    this.deps.health.markStopped(this.spec.role, errorCode(error));
    this.releaseOpen(error);
    this.abort.abort(error);
    this.outboxes.stop();
    this.deps.events.onFatal(error);
  }

  private sleep(ms: number): Promise<void> {
    return sleep(ms, undefined, { signal: this.abort.signal }).catch(() => {
      throw new AbortedError('PIPELINE_STOPPED', 'stopped while waiting');
    });
  }

  /** Runs `op`, retrying transient failures without limit (until the role stops). */
  private retry<T>(run: BatchRun | undefined, dependency: Dependency | 'commit', op: () => Promise<T>): Promise<T> {
    return this.retrier(dependency, op, { signal: this.abort.signal, onRetry: () => void (run && run.retries++) }).catch((e: unknown) => {
      if (this.abort.signal.aborted && !(e instanceof BridgeError && e.kind !== 'transient'))
        throw new AbortedError('PIPELINE_STOPPED', 'stopped while retrying');
      throw e;
    });
  }

  // ----- one batch ------------------------------------------------------------------------------

  private async process(entries: Accepted<E>[], closedBy: CloseReason, claim: ReturnType<TicketClaims['open']>): Promise<void> {
    const run = new BatchRun(this.now(), this.now);
    const traces: (TicketTrace | undefined)[] = new Array(entries.length);
    const letters: DeadLetter[] = [];
    const organizationOf: (string | undefined)[] = new Array(entries.length);
    /** Record `i`'s trace, its optional fields present only when set (one object a record, built in place). */
    const trace = (i: number, ticketId: string | undefined, outcome: TicketTrace['outcome'], reason?: string, requestId?: string, simulated?: boolean) => {
      const m = entries[i]!.msg;
      const organization = organizationOf[i];
      const t = (ticketId ? { ticketId } : m.key ? { key: m.key.toString('utf8').slice(0, 256) } : {}) as Mutable<TicketTrace>;
      if (organization) t.organization = organization;
      t.topic = m.topic;
      t.partition = m.partition;
      t.offset = m.offset;
      t.outcome = outcome;
      if (reason !== undefined) t.reason = reason;
      if (requestId) t.requestId = requestId;
      if (simulated) t.simulated = true;
      traces[i] = t;
    };
    const deadLetter = (i: number, error: BridgeError, outcome: 'rejected' | 'dead-lettered', ticketId?: string, requestId?: string) => {
      letters.push({ message: entries[i]!.msg, error, attempts: 1, ...(ticketId ? { ticketId } : {}) });
      trace(i, ticketId, outcome, error.code, requestId);
    };

    // 1. decode + validate (started on arrival): poison goes to the dead-letter topic; anything else
    //    (the registry away) is retried here.
    const decoded: Candidate<E>[] = [];
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i]!;
      let prepared = await entry.prepared;
      if ('error' in prepared && !(prepared.error instanceof PoisonMessageError)) {
        prepared = await this.retry(run, 'schema-registry', async () => {
          const again = await this.prepare(entry.msg);
          if ('error' in again && !(again.error instanceof PoisonMessageError)) throw again.error;
          return again;
        });
      }
      if ('error' in prepared) deadLetter(i, prepared.error as PoisonMessageError, 'dead-lettered');
      else {
        organizationOf[i] = prepared.organization;
        decoded.push({
          index: i,
          event: prepared.event,
          ticketId: prepared.ticketId,
          organization: prepared.organization,
          key: ticketKey(prepared.organization, prepared.ticketId),
          partition: entry.msg.partition,
          offset: entry.msg.offset,
        });
      }
    }
    run.lap('decode');

    // 2. select + group by ticket (pure)
    const selection = selectAndGroup(this.spec, decoded);
    for (const d of decoded) {
      const reason = selection.skipped.get(d.index);
      if (reason) trace(d.index, d.ticketId, 'skipped', reason);
    }
    const tickets = [...selection.tickets.keys()];

    // 3. claim: wait for this process's earlier batches holding one of these tickets
    await claim.claim(tickets);
    if (this.failed) throw this.failed;
    if (this.abort.signal.aborted) throw new AbortedError('PIPELINE_STOPPED', 'stopped');
    run.lap('wait');

    // 4. write what the core did, and the intent; then 5. settle the other batches' intents (read)
    let simulated = false;
    const retry = <T>(dependency: Dependency, op: () => Promise<T>) => this.retry(run, dependency, op);
    let intent: OwnIntent | undefined;
    let inFlight = new Map<string, Set<string>>();
    try {
      await Promise.all([
        this.spec.seen && decoded.length > 0 ? this.retry(run, 'store', () => this.spec.seen!(decoded, new Date(this.now()))) : undefined,
        tickets.length > 0 ? this.outboxes.open(tickets, retry).then((i) => (intent = i)) : undefined,
      ]);
      if (intent) inFlight = await this.outboxes.settle(intent, tickets, this.spec.waitsFor, retry);
      run.lap('settle');

      // 6. enrich (read) and 7. decide (pure)
      const selected: E[] = [];
      for (const group of selection.tickets.values()) for (const r of group) selected.push(r.event);
      const state = selected.length > 0 ? await this.retry(run, 'store', () => this.spec.enrich(selected)) : (undefined as S);
      run.lap('enrich');
      const decisions = decideTickets(this.spec, selection.tickets, state, inFlight);
      const pushes: Push<W>[] = [];
      for (const d of decoded) {
        const decision: Decision<W> | undefined = decisions.get(d.index);
        if (!decision) continue;
        if (decision.kind === 'skip') trace(d.index, d.ticketId, 'skipped', decision.reason);
        else if (decision.kind === 'dead-letter') deadLetter(d.index, decision.error, 'dead-lettered', d.ticketId);
        else pushes.push({ index: d.index, ticketId: d.ticketId, organization: d.organization, work: decision.work, item: this.spec.item(d.event) });
      }
      pushes.sort((a, b) => compareTicketIds(a.ticketId, b.ticketId));

      // 8. deliver + record
      const { outcomes, requests } = await this.deliverer.deliver(intent?.id ?? randomUUID(), pushes, retry);
      run.requests += requests;
      const pushedAt = this.now();
      /** Tickets pushed, by simulated and organization: one counter update each, not one a ticket. */
      const pushed = new Map<string, { simulated: boolean; organization: string; n: number }>();
      const eventToPush = this.deps.metrics.eventToPush.labels({ role: this.spec.role });
      for (const p of pushes) {
        const o = outcomes.get(p.index)!;
        if (o.kind === 'pushed') {
          simulated ||= o.simulated;
          trace(p.index, p.ticketId, 'pushed', undefined, o.requestId, o.simulated);
          const k = `${o.simulated}\u0000${p.organization}`;
          const c = pushed.get(k);
          if (c) c.n++;
          else pushed.set(k, { simulated: o.simulated, organization: p.organization, n: 1 });
          if (!o.simulated) eventToPush.observe((pushedAt - Number(entries[p.index]!.msg.timestamp)) / 1000);
        } else if (o.kind === 'skipped') {
          trace(p.index, p.ticketId, 'skipped', o.reason, o.requestId);
        } else deadLetter(p.index, o.error, 'rejected', p.ticketId, o.requestId);
      }
      for (const c of pushed.values()) {
        this.deps.metrics.pushed.inc({ role: this.spec.role, simulated: String(c.simulated), organization: c.organization }, c.n);
      }
      run.lap('push');

      // 9. the intent goes once everything it sent is recorded; then 10. reconcile
      if (intent) {
        await this.outboxes.close(intent, retry);
        intent = undefined;
      }
      if (this.spec.reconcile && tickets.length > 0) {
        await this.retry(run, 'store', () => this.spec.reconcile!(tickets));
        run.lap('reconcile');
      }
    } finally {
      // A batch that did not get this far leaves its intent: it is completed by a takeover (this
      // process is stopping, or the failure stops it).
      if (intent) this.outboxes.abandon(intent);
    }

    // 11. Past the dead-letter limit, stop before dead-lettering or committing anything of this batch:
    //     the records stay in Kafka for after the fix, instead of all going to the dead-letter topic.
    let limit: string | undefined;
    for (const t of traces) limit = this.dlqLimit.record(t?.outcome === 'dead-lettered' || t?.outcome === 'rejected') ?? limit;
    if (limit) throw new DlqLimitExceeded(limit);
    if (letters.length > 0) await this.retry(run, 'kafka', () => this.deps.deadLetters.write(letters));
    run.lap('dead-letter');

    // 12. commit the watermark of every partition in the batch, on the commits' own chain. The batch
    //     does not wait for it: its records are handled (durable, and planned for the next commit), so
    //     the source may have them back. Waiting would deadlock a rebalance: kafkajs rejoins a group only
    //     once every `eachBatch` has returned, and a commit cannot succeed before the member has rejoined
    //     (seen after a 20 s broker stall: the group moved on while this batch retried its commit, and
    //     the role stood still). The watermark is never forgotten: a failed commit is retried, and the
    //     next batch's commit carries the planner's latest watermark anyway.
    for (const e of entries) this.planner.handled(e.msg, BigInt(e.msg.offset));
    this.commitInBackground();

    const report = {
      ...summarize(this.spec.role, traces as TicketTrace[], {
        batchId: randomUUID(),
        closedBy,
        startedAt: new Date(run.startedAt),
        finishedAt: new Date(this.now()),
        requests: run.requests,
        retries: run.retries,
        simulated,
      }),
      stagesMs: run.stages,
    };
    this.observe(report);
    for (const e of entries) e.resolve();
    await this.deps.events.onBatch?.(report);
  }

  /**
   * Commits every partition's watermark, after the commits of batches that completed earlier. A commit
   * that fails is retried (with the watermark as it is then) until the broker acknowledges it or the
   * role stops: the planner forgets nothing, so a later batch never commits past an earlier one.
   */
  private commitHandled(): Promise<void> {
    // One commit waiting behind the running one is enough: it plans the watermark as it is when it runs.
    if (this.commitQueued) return this.commits;
    this.commitQueued = true;
    const next = this.commits.then(() => {
      this.commitQueued = false;
      return this.retry(undefined, 'commit', async () => {
        const offsets = this.planner.plan();
        if (offsets.length === 0) return;
        await this.deps.commit(offsets);
        this.planner.confirm(offsets);
      });
    });
    this.commits = next.catch(() => undefined);
    return next;
  }

  /** `commitHandled` without waiting: a commit that fails for good (not transient) stops the role. */
  private commitInBackground(): void {
    this.commitHandled().catch((e: unknown) => {
      if (!(e instanceof AbortedError)) this.fail(e, []);
    });
  }

  private observe(r: ReturnType<typeof summarize> & { stagesMs: Record<string, number> }): void {
    const m = this.deps.metrics;
    m.batchSize.observe({ role: r.role }, r.received);
    // Counted by organization (records that could not be decoded have none).
    const counts = new Map<string, { metric: 'skipped' | 'rejected' | 'deadLettered'; labels: Record<string, string>; n: number }>();
    const count = (metric: 'skipped' | 'rejected' | 'deadLettered', labels: Record<string, string>) => {
      const k = `${metric}\u0000${labels.reason ?? labels.code}\u0000${labels.organization ?? ''}`;
      const c = counts.get(k);
      if (c) c.n++;
      else counts.set(k, { metric, labels, n: 1 });
    };
    for (const t of r.tickets) {
      const org: Record<string, string> = t.organization ? { organization: t.organization } : {};
      if (t.outcome === 'skipped') count('skipped', { role: r.role, reason: t.reason!, ...org });
      if (t.outcome === 'rejected') count('rejected', { role: r.role, code: t.reason!, ...org });
      if (t.outcome === 'rejected' || t.outcome === 'dead-lettered') count('deadLettered', { role: r.role, code: t.reason!, ...org });
    }
    for (const c of counts.values()) (m[c.metric] as typeof m.skipped).inc(c.labels, c.n);
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
