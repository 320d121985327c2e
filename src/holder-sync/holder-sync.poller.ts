import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Config, TixngoSettings } from '../config/load-config';
import type { AvroCodec } from '../kafka/avro-codec';
import type { EventPublisher, OutgoingMessage } from '../kafka/producer';
import type { Health } from '../ops/health';
import type { Logger } from '../ops/logger';
import type { Metrics } from '../ops/metrics';
import type { RunningRole } from '../consumer-role';
import { DlqLimit } from '../pipeline/dlq-limit';
import { DlqLimitExceeded } from '../pipeline/engine';
import type { PipelineEvents } from '../pipeline/report';
import { AbortedError, BridgeError, PoisonMessageError, toSafeError, type TransientError } from '../shared/errors';
import { withRetry } from '../shared/retry';
import type { HolderState, HolderStore } from '../store/holder-store';
import type { LeaseDocument, LeaseStore } from '../store/lease-store';
import type { TixngoApi } from '../tixngo/tixngo-api';
import { toFeedDeadLetter } from './feed-dead-letter';
import { parseFeedRecord, toHolderUpdated, type HolderRecord, type ParsedFeedRecord } from './feed-record';
import { planPage, type RecordOutcome, type StateWrite } from './holder-state';
import { nextPollDelayMs } from './pacing';
import { isSkipped, parseSkipList, type SkipList } from './skip-list';

export const HOLDER_SYNC_ROLE = 'holder-sync';

/** Outcomes counted in `tixngo_bridge_poller_records_total{outcome}`. */
export type PollerRecordOutcome = RecordOutcome | 'skipped' | 'dead-lettered';

/** The TIXnGO organizer whose change feed a poller reads (organizations sharing it share one poller). */
export interface Organizer {
  readonly organizerId: string;
  readonly tixngo: TixngoSettings;
  readonly skip: readonly string[];
}

export interface HolderSyncDeps {
  readonly config: Config;
  readonly organizer: Organizer;
  readonly tixngo: TixngoApi;
  readonly holders: HolderStore;
  readonly leases: LeaseStore;
  readonly codec: AvroCodec;
  readonly publisher: EventPublisher;
  readonly metrics: Metrics;
  readonly health: Health;
  readonly log: Logger;
  /** `onRetry` (transient failures, for digests) and `onFatal` (a bug or the dead-letter limit: the process stops). */
  readonly events: PipelineEvents;
  /** Told when a page cannot be read or handled for a non-transient reason (by error code, never message). */
  readonly notifier?: { reportPollerError(info: { role?: string; code: string }): void };
  /** Clock, milliseconds since the epoch. Default `Date.now`. */
  readonly now?: () => number;
  /** Jitter source for backoff. Default `Math.random`. */
  readonly random?: () => number;
}

/**
 * Starts the `holder-sync` role (S-360's "Retrieve ticket status from TIXnGO", domain.md §1.4): one
 * active poller per TIXnGO organizer, elected by a lease in MongoDB; the others stand by.
 *
 * Per page: read the feed after the stored key → validate each record (unusable ones are
 * dead-lettered, skip-listed ones ignored) → publish one `holder-updated` event per record newer than
 * the stored state (one acknowledged send) → write the new states (an older record never overwrites a
 * newer state) → store the next key and renew the lease in one update conditioned on still holding
 * it. A crash anywhere repeats the page; no page is ever skipped. See docs/holder-sync.md.
 *
 * Throws at start if the `holder-updated` schema is not registered under the output topic.
 */
export async function startHolderSync(deps: HolderSyncDeps): Promise<RunningRole> {
  await deps.codec.writerId(deps.config.topics.holderUpdated, 'holder-updated');
  const poller = new HolderSyncPoller(deps);
  poller.start();
  deps.health.markStarted(HOLDER_SYNC_ROLE);
  return { role: HOLDER_SYNC_ROLE, stop: (deadlineMs) => poller.stop(deadlineMs) };
}

/** The lease was taken over or could not be renewed in time: stop polling, write nothing more. */
class LeaseLostError extends AbortedError {
  constructor(message: string) {
    super('HOLDER_SYNC_LEASE_LOST', message);
  }
}

/** The stop deadline passed while a page was in flight: it is abandoned and its key not written. */
class PageAbandonedError extends AbortedError {
  constructor(message: string) {
    super('HOLDER_SYNC_PAGE_ABANDONED', message);
  }
}

/** One period of holding the lease. Aborted when the lease is lost or the page must be abandoned. */
class Tenure {
  private readonly controller = new AbortController();
  constructor(public validUntil: number) {}
  get signal(): AbortSignal {
    return this.controller.signal;
  }
  end(reason: Error): void {
    if (!this.controller.signal.aborted) this.controller.abort(reason);
  }
}

interface PageSummary {
  readonly records: number;
  readonly nextKey: string | null;
  readonly keyMoved: boolean;
}

const ROLE = HOLDER_SYNC_ROLE;
const MAX_SILENT_SLEEP_MS = 5_000;

class HolderSyncPoller {
  private readonly s: Config['holderSync'] & { readonly organizerId: string; readonly skip: readonly string[] };
  private readonly owner: string;
  private readonly skip: SkipList;
  private readonly dlqLimit: DlqLimit;
  private readonly topic: string;
  private readonly dlqTopic: string;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly log: Logger;
  /** Aborted by `stop()`: no new page, standby and poll waits end at once. */
  private readonly stopping = new AbortController();
  private tenure: Tenure | undefined;
  private renewing = false;
  private loop: Promise<void> = Promise.resolve();
  private stopped: Promise<void> | undefined;

  constructor(private readonly deps: HolderSyncDeps) {
    const c = deps.config;
    this.s = { ...c.holderSync, organizerId: deps.organizer.organizerId, skip: deps.organizer.skip };
    // The instance id alone is not unique: two bridges in one process (tests) or a restarted
    // container with the same hostname and pid must not both believe they hold the lease.
    this.owner = `${c.instanceId}:${randomBytes(4).toString('hex')}`;
    this.skip = parseSkipList(this.s.skip);
    this.dlqLimit = new DlqLimit(c.dlq);
    this.topic = c.topics.holderUpdated;
    this.dlqTopic = `${c.topics.holderUpdated}${c.topics.dlqSuffix}`;
    this.now = deps.now ?? Date.now;
    this.random = deps.random ?? Math.random;
    this.log = deps.log.child({ role: ROLE, organizerId: this.s.organizerId });
  }

  start(): void {
    this.loop = this.run().catch((e: unknown) => {
      const error = e instanceof Error ? e : new Error(String(e));
      this.log.error({ error: toSafeError(error) }, 'holder-sync stopped on an error');
      this.deps.events.onFatal(error);
    });
  }

  /**
   * Stops polling: a page in flight is finished, or abandoned without writing its key once
   * `deadlineMs` has passed; then the lease is released so a standby replica takes over at once.
   */
  stop(deadlineMs: number): Promise<void> {
    this.stopped ??= this.shutdown(deadlineMs);
    return this.stopped;
  }

  private async shutdown(deadlineMs: number): Promise<void> {
    this.stopping.abort();
    if (!(await settlesWithin(this.loop, deadlineMs))) {
      this.log.warn({ deadlineMs }, 'page in flight abandoned at shutdown; it will be read again');
      this.tenure?.end(new PageAbandonedError('stop deadline passed'));
      await settlesWithin(this.loop, 10_000);
    }
    try {
      if (await this.deps.leases.release(this.s.organizerId, this.owner, new Date(this.now()))) this.log.info('lease released');
    } catch (e) {
      this.log.warn({ error: toSafeError(e) }, 'could not release the lease; it expires on its own');
    }
    this.log.info('role stopped');
  }

  // ----- election ---------------------------------------------------------------------------------

  private async run(): Promise<void> {
    let standingBy = false;
    while (!this.stopping.signal.aborted) {
      this.beat();
      let lease: LeaseDocument | null;
      try {
        lease = await this.retry('mongo', () => this.deps.leases.acquire(this.s.organizerId, this.owner, new Date(this.now()), this.s.leaseTtlMs), this.stopping.signal);
      } catch (e) {
        if (this.stopping.signal.aborted) return;
        throw e;
      }
      if (!lease) {
        if (!standingBy) {
          this.log.info({ owner: this.owner }, 'lease held by another replica; standing by');
          this.deps.metrics.pollerKeyAge.reset();
        }
        standingBy = true;
        await this.pause(this.s.leaseTtlMs / 3);
        continue;
      }
      standingBy = false;
      await this.lead(lease);
    }
  }

  /** Polls while holding the lease; returns when it is lost or the role stops. */
  private async lead(lease: LeaseDocument): Promise<void> {
    const tenure = new Tenure(this.now() + this.s.leaseTtlMs);
    this.tenure = tenure;
    this.log.info({ owner: this.owner, hasKey: lease.paginationKey !== null }, 'lease acquired; polling the change feed');
    const renewer = setInterval(() => void this.renew(tenure), Math.max(100, Math.floor(this.s.leaseTtlMs / 3)));
    let key = lease.paginationKey;
    let keyMovedAt = (lease.keyUpdatedAt ?? lease.acquiredAt ?? new Date(this.now())).getTime();
    let delayMs = 0;
    let lastRequestAt = Number.NEGATIVE_INFINITY;
    try {
      while (!this.stopping.signal.aborted && !tenure.signal.aborted) {
        this.deps.metrics.pollerKeyAge.set({ role: ROLE }, Math.max(0, (this.now() - keyMovedAt) / 1000));
        if (delayMs > 0) await this.pause(delayMs);
        if (this.stopping.signal.aborted || tenure.signal.aborted) break;
        lastRequestAt = this.now();
        let page: PageSummary;
        try {
          page = await this.pollPage(key, tenure);
        } catch (e) {
          if (tenure.signal.aborted || !(e instanceof BridgeError) || e.kind === 'transient' || e.kind === 'fatal' || e.kind === 'aborted') throw e;
          // A non-transient refusal of the whole page (e.g. TIXnGO answers 400 to our key, or 404 to
          // a misconfigured path): no record can be handled and none may be skipped. Keep the lease,
          // report, and try again after the longest backoff; readiness stays false meanwhile.
          this.deps.health.failingSince(`${ROLE}:page`, e.code);
          this.deps.notifier?.reportPollerError({ role: ROLE, code: e.code });
          this.log.error({ error: toSafeError(e), retryInMs: this.deps.config.retry.maxMs }, 'change-feed page could not be handled; retrying later');
          delayMs = this.deps.config.retry.maxMs;
          continue;
        }
        if (page.keyMoved) keyMovedAt = this.now();
        key = page.nextKey;
        delayMs = nextPollDelayMs({
          page: { records: page.records, limit: this.s.pageLimit, keyMoved: page.keyMoved },
          pollIntervalMs: this.s.pollIntervalMs,
          maxRequestsPerSecond: this.s.maxRequestsPerSecond,
          sinceLastRequestMs: this.now() - lastRequestAt,
        });
      }
    } catch (e) {
      if (!tenure.signal.aborted) throw e;
    } finally {
      clearInterval(renewer);
      this.tenure = undefined;
      // A standby has no page to fail: whatever kept this replica's page from being handled is no
      // longer its concern (the new holder reports its own).
      this.deps.health.recovered(`${ROLE}:page`);
    }
    const reason: unknown = tenure.signal.reason;
    if (reason instanceof LeaseLostError) this.log.warn({ reason: reason.message }, 'lease lost; nothing more written, standing by');
  }

  /** Background renewal every TTL/3; ends the tenure once the lease is gone or has run out by our clock. */
  private async renew(tenure: Tenure): Promise<void> {
    if (this.renewing || tenure.signal.aborted) return;
    this.renewing = true;
    const startedAt = this.now();
    try {
      const held = await this.deps.leases.renew(this.s.organizerId, this.owner, new Date(startedAt), this.s.leaseTtlMs);
      if (held) tenure.validUntil = Math.max(tenure.validUntil, startedAt + this.s.leaseTtlMs);
      else tenure.end(new LeaseLostError('another replica holds the lease'));
    } catch (e) {
      this.log.warn({ error: toSafeError(e) }, 'lease renewal failed');
      if (this.now() >= tenure.validUntil) tenure.end(new LeaseLostError('the lease ran out while it could not be renewed'));
    } finally {
      this.renewing = false;
    }
  }

  // ----- one page ---------------------------------------------------------------------------------

  private async pollPage(key: string | null, tenure: Tenure): Promise<PageSummary> {
    const signal = tenure.signal;
    const startedAt = this.now();
    this.beat();
    const page = await this.retry('tixngo', () => this.deps.tixngo.fetchChanges({ paginationKey: key, limit: this.s.pageLimit }, { signal }), signal);
    const observedAt = new Date(this.now());
    this.deps.metrics.pollerPages.inc({ role: ROLE });

    // Validate and sort out every record; unusable ones become dead letters (as values, not throws).
    const valid: HolderRecord[] = [];
    const letters: OutgoingMessage[] = [];
    const deadCodes: string[] = [];
    let skipped = 0;
    const reader = this.deps.codec.reader('holder-updated');
    let dlqLimitReason: string | undefined;
    page.records.forEach((raw, index) => {
      if (isSkipped(raw, this.skip)) {
        skipped++;
        dlqLimitReason = this.dlqLimit.record(false) ?? dlqLimitReason;
        return;
      }
      let parsed: ParsedFeedRecord = parseFeedRecord(raw);
      if (parsed.ok && !reader.isValid(toHolderUpdated(parsed.record, observedAt))) {
        parsed = {
          ok: false,
          ticketId: parsed.record.ticketId,
          error: new PoisonMessageError('FEED_RECORD_UNENCODABLE', 'change-feed record does not fit the holder-updated schema'),
        };
      }
      dlqLimitReason = this.dlqLimit.record(!parsed.ok) ?? dlqLimitReason;
      if (parsed.ok) {
        valid.push(parsed.record);
        return;
      }
      deadCodes.push(parsed.error.code);
      letters.push(
        toFeedDeadLetter(
          { feedPath: this.deps.organizer.tixngo.paths.changes, requestKey: key, index, raw, error: parsed.error, ticketId: parsed.ticketId, observedAt },
          ROLE,
          observedAt,
        ),
      );
    });
    // Past the dead-letter limit, stop before dead-lettering anything or moving the key: after the fix
    // the page is read again, instead of the whole feed ending up in the dead-letter topic.
    if (dlqLimitReason) throw new DlqLimitExceeded(dlqLimitReason);

    const ticketIds = [...new Set(valid.map((r) => r.ticketId))];
    const stored = ticketIds.length > 0 ? await this.retry('mongo', () => this.deps.holders.getMany(ticketIds), signal) : new Map<string, HolderState>();
    const plan = planPage(valid, stored, observedAt, this.s.historyLimit);

    if (letters.length > 0) await this.retry('kafka', () => this.deps.publisher.publish(this.dlqTopic, letters), signal);
    // Events before states: a state in the store means its events were acknowledged, so a page read
    // again after a crash may skip records that are no longer newer than the store without losing one.
    if (plan.events.length > 0) {
      const messages = await this.retry(
        'registry',
        () => Promise.all(plan.events.map(async (r) => ({ key: r.ticketId, value: await this.deps.codec.encode(this.topic, 'holder-updated', toHolderUpdated(r, observedAt)) }))),
        signal,
      );
      await this.retry('kafka', () => this.deps.publisher.publish(this.topic, messages), signal);
    }
    await this.writeStates(plan.writes, valid, observedAt, signal);

    // Only now, with every event of the page acknowledged and every state written: the key.
    const nextKey = page.nextPaginationKey ?? key;
    const keyMoved = nextKey !== key;
    const commitAt = this.now();
    const held = await this.retry(
      'mongo',
      () => this.deps.leases.commitPage(this.s.organizerId, this.owner, { paginationKey: nextKey, keyMoved, now: new Date(commitAt), ttlMs: this.s.leaseTtlMs }),
      signal,
    );
    if (!held) {
      const lost = new LeaseLostError('another replica holds the lease; key not stored');
      tenure.end(lost);
      throw lost;
    }
    tenure.validUntil = Math.max(tenure.validUntil, commitAt + this.s.leaseTtlMs);

    this.count(plan.outcomes, skipped, deadCodes);
    this.deps.health.recovered(`${ROLE}:page`);
    this.beat();
    this.log.debug(
      { records: page.records.length, events: plan.events.length, writes: plan.writes.length, skipped, deadLettered: letters.length, keyMoved, ms: this.now() - startedAt },
      'change-feed page handled',
    );
    return { records: page.records.length, nextKey, keyMoved };
  }

  /**
   * Writes the page's states: new tickets in one insert, known ones each by compare-and-set on the
   * version read. A ticket written meanwhile (a retried write that had succeeded, or a replica that
   * still believed it held the lease) is read again and merged again, so a newer state always wins.
   */
  private async writeStates(writes: readonly StateWrite[], records: readonly HolderRecord[], observedAt: Date, signal: AbortSignal): Promise<void> {
    let pending = writes;
    while (pending.length > 0) {
      const conflicts = new Set<string>();
      const inserts = pending.filter((w) => w.expectedVersion === null).map((w) => w.next);
      if (inserts.length > 0) {
        for (const id of await this.retry('mongo', () => this.deps.holders.insertNew(inserts), signal)) conflicts.add(id);
      }
      for (const w of pending) {
        if (w.expectedVersion === null) continue;
        signal.throwIfAborted();
        this.beat();
        const expected = w.expectedVersion;
        if (!(await this.retry('mongo', () => this.deps.holders.replaceIfVersion(w.next, expected), signal))) conflicts.add(w.next._id);
      }
      if (conflicts.size === 0) return;
      this.log.info({ tickets: conflicts.size }, 'holder states changed while being written; merging again');
      const fresh = await this.retry('mongo', () => this.deps.holders.getMany([...conflicts]), signal);
      pending = planPage(records.filter((r) => conflicts.has(r.ticketId)), fresh, observedAt, this.s.historyLimit).writes;
    }
  }

  private count(outcomes: readonly RecordOutcome[], skipped: number, deadCodes: readonly string[]): void {
    const m = this.deps.metrics;
    const totals = new Map<PollerRecordOutcome, number>();
    for (const o of outcomes) totals.set(o, (totals.get(o) ?? 0) + 1);
    if (skipped > 0) totals.set('skipped', skipped);
    if (deadCodes.length > 0) totals.set('dead-lettered', deadCodes.length);
    for (const [outcome, n] of totals) m.pollerRecords.inc({ role: ROLE, outcome }, n);
    if (skipped > 0) m.skipped.inc({ role: ROLE, reason: 'SKIP_LIST' }, skipped);
    for (const code of deadCodes) m.deadLettered.inc({ role: ROLE, code });
  }

  // ----- plumbing ---------------------------------------------------------------------------------

  /** Retries transient failures without limit (readiness false meanwhile) until `signal` aborts. */
  private async retry<T>(dependency: 'tixngo' | 'kafka' | 'mongo' | 'registry', op: () => Promise<T>, signal: AbortSignal): Promise<T> {
    const component = `${ROLE}:${dependency}`;
    // An operation cut short by our own abort (lease lost, stop deadline) is not a dependency failure.
    const once = async (): Promise<T> => {
      try {
        return await op();
      } catch (e) {
        if (signal.aborted) throw signal.reason;
        throw e;
      }
    };
    let value: T;
    try {
      value = await withRetry(once, this.deps.config.retry, {
        signal,
        random: this.random,
        heartbeat: async () => this.beat(),
        heartbeatMs: 3_000,
        onRetry: ({ attempt, delayMs, error }: { attempt: number; delayMs: number; error: TransientError }) => {
          const since = this.deps.health.failingSince(component, error.code);
          this.beat();
          this.deps.metrics.retries.inc({ role: ROLE, code: error.code });
          this.log.warn({ dependency, attempt, delayMs, error: toSafeError(error) }, 'transient failure, retrying');
          this.deps.events.onRetry?.({ role: ROLE, code: error.code, attempt, delayMs, failingForMs: this.now() - since });
        },
      });
    } catch (e) {
      if (signal.aborted) this.deps.health.recovered(component);
      throw e;
    }
    this.deps.health.recovered(component);
    return value;
  }

  /** Waits `ms`, beating for liveness, and returns early when the role stops. */
  private async pause(ms: number): Promise<void> {
    let left = ms;
    while (left > 0 && !this.stopping.signal.aborted) {
      const step = Math.min(left, MAX_SILENT_SLEEP_MS);
      await sleep(step, undefined, { signal: this.stopping.signal }).catch(() => undefined);
      left -= step;
      this.beat();
    }
  }

  private beat(): void {
    this.deps.health.beat(ROLE);
  }
}

async function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([p.then(() => true, () => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
