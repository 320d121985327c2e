import pino from 'pino';
import type { RequestItem } from '../../contracts/outbox';
import type { DeliveryRecorder } from '../../contracts/recorder';
import type { BatchReport } from '../../contracts/report';
import type { OffsetToCommit, SourceBatch, SourceMessage, TopicPartition } from '../../contracts/source';
import { Health } from '../../ops/health';
import { createMetrics } from '../../ops/metrics';
import { PoisonMessageError, RejectedError, TransientError } from '../../shared/errors';
import type { PushEndpoint, PushResult, RequestContext, TixngoApi } from '../../tixngo/tixngo-api';
import { Pipeline, type PipelineSettings } from '../engine';
import type { Decision, Located, RoleSpec } from '../role-spec';
import { MemoryOutbox } from './memory-outbox';

/**
 * An in-memory world for the engine's unit tests: no broker, no store, no HTTP. A fake source hands
 * partitions' records (with offsets, gaps and revocations) to `Pipeline.accept` as the Kafka source
 * does; the outbox, the recorder and TIXnGO are in memory; the clock is the test's.
 */

/** The test role's event: one ticket, one generation. */
export interface TestEvent {
  readonly ticketId: string;
  readonly generation: number;
}

export const TOPIC = 'in';

/** A record of `TOPIC` with a JSON value (`null`: a tombstone; `'poison'`: undecodable bytes). */
export function record(partition: number, offset: number, event: TestEvent | 'poison' | null): SourceMessage {
  return {
    topic: TOPIC,
    partition,
    offset: String(offset),
    key: event && event !== 'poison' ? Buffer.from(event.ticketId) : null,
    value: event === null ? null : Buffer.from(event === 'poison' ? '{not json' : JSON.stringify(event)),
    headers: {},
    timestamp: String(Date.now()),
  };
}

/** What TIXnGO was asked and what it applied, per ticket (idempotency keys honoured as documented). */
export class FakeTixngo implements TixngoApi {
  readonly requests: { endpoint: PushEndpoint; key: string | undefined; body: string; ticketIds: string[] }[] = [];
  /** Applied operations, in order. */
  readonly applied: { endpoint: PushEndpoint; ticketId: string; key: string | undefined }[] = [];
  private readonly memory = new Map<string, string>();
  /** Tickets whose presence in a request makes TIXnGO refuse the request as a whole (HTTP 400). */
  poisonTickets = new Set<string>();
  /** Tickets refused one by one (REJECTED in a 200). */
  rejectTickets = new Map<string, string>();
  /** Transient failures to answer before the next requests go through. */
  failNext = 0;
  /** Applies a request and never answers it (the process "dies" waiting); cleared by the test. */
  hangAfterApplying = false;
  /** Waits before answering (a slow TIXnGO). */
  latency: () => Promise<void> = async () => undefined;

  async push(endpoint: PushEndpoint, body: Buffer, ticketIds: readonly string[], ctx?: RequestContext): Promise<PushResult> {
    const text = body.toString('utf8');
    this.requests.push({ endpoint, key: ctx?.idempotencyKey, body: text, ticketIds: [...ticketIds] });
    await this.latency();
    if (this.failNext > 0) {
      this.failNext--;
      throw new TransientError('TIXNGO_HTTP_503', 'tixngo push failed: HTTP 503');
    }
    if (ticketIds.some((t) => this.poisonTickets.has(t))) {
      throw new RejectedError('TIXNGO_HTTP_400', 'tixngo push failed: HTTP 400: request rejected as a whole', [...ticketIds]);
    }
    const key = ctx?.idempotencyKey;
    if (key !== undefined) {
      const before = this.memory.get(`${endpoint}|${key}`);
      if (before !== undefined && before !== text) throw new Error(`Idempotency-Key ${key} reused with other content`);
    }
    const outcomes = ticketIds.map((ticketId) => {
      const rejection = this.rejectTickets.get(ticketId);
      if (rejection) return { ticketId, ok: false, code: rejection };
      const replayed = key !== undefined && this.memory.has(`${endpoint}|${key}`);
      if (!replayed) this.applied.push({ endpoint, ticketId, key });
      return { ticketId, ok: true };
    });
    if (key !== undefined) this.memory.set(`${endpoint}|${key}`, text);
    if (this.hangAfterApplying)
      await new Promise<never>((_, reject) => ctx?.signal?.addEventListener('abort', () => reject(new TransientError('TIXNGO_ABORTED', 'aborted'))));
    return { status: 200, outcomes };
  }

  injectTickets(): Promise<PushResult> {
    throw new Error('not used by the engine');
  }
  deleteTickets(): Promise<PushResult> {
    throw new Error('not used by the engine');
  }
  controlTickets(): Promise<PushResult> {
    throw new Error('not used by the engine');
  }
  fetchChanges(): Promise<never> {
    throw new Error('not used by the engine');
  }

  /** How many times each ticket was applied on `endpoint`. */
  appliedCount(endpoint: PushEndpoint = 'inject'): Map<string, number> {
    const out = new Map<string, number>();
    for (const a of this.applied) if (a.endpoint === endpoint) out.set(a.ticketId, (out.get(a.ticketId) ?? 0) + 1);
    return out;
  }
}

/** Facts as the ledger would hold them: `<endpoint>|<ticket>|<generation>` → request id. */
export class MemoryRecorder implements DeliveryRecorder {
  readonly facts = new Map<string, string>();
  readonly simulatedFacts = new Map<string, string>();

  async delivered(endpoint: PushEndpoint, items: readonly RequestItem[], ctx: { requestId: string }): Promise<void> {
    for (const i of items)
      if (!this.facts.has(`${endpoint}|${i.ticketId}|${i.generation}`)) this.facts.set(`${endpoint}|${i.ticketId}|${i.generation}`, ctx.requestId);
  }

  async simulated(endpoint: PushEndpoint, items: readonly RequestItem[], ctx: { requestId: string }): Promise<void> {
    for (const i of items) this.simulatedFacts.set(`${endpoint}|${i.ticketId}|${i.generation}`, ctx.requestId);
  }
}

/**
 * A minimal role: pushes the newest generation of a ticket unless the recorder shows it delivered;
 * `gate` lets a test hold a batch inside `enrich` (to order batches as it wants).
 */
export function testRole(
  recorder: MemoryRecorder,
  over: Partial<RoleSpec<TestEvent, null, { ticketId: string; generation: number }>> = {},
): RoleSpec<TestEvent, null, { ticketId: string; generation: number }> {
  return {
    role: 'inject',
    topics: [TOPIC],
    schema: 'ticket-printed-eligible',
    endpoint: 'inject',
    waitsFor: ['cancel', 'control'],
    parse: (decoded) => {
      const e = decoded as TestEvent;
      if (typeof e?.ticketId !== 'string') throw new PoisonMessageError('EVENT_INVALID', 'no ticketId');
      return e;
    },
    ticketId: (e) => e.ticketId,
    organization: () => 'ORG1',
    route: () => ({ simulate: false }),
    select: () => undefined,
    enrich: async () => null,
    decide(records: readonly Located<TestEvent>[]): Decision<{ ticketId: string; generation: number }>[] {
      let newest = 0;
      records.forEach((r, i) => {
        if (r.event.generation >= records[newest]!.event.generation) newest = i;
      });
      return records.map((r, i) => {
        if (i !== newest) return { kind: 'skip', reason: 'SUPERSEDED_IN_BATCH' };
        if (recorder.facts.has(`inject|${r.event.ticketId}|${r.event.generation}`)) return { kind: 'skip', reason: 'ALREADY_INJECTED' };
        return { kind: 'push', work: { ticketId: r.event.ticketId, generation: r.event.generation } };
      });
    },
    item: (e) => ({ ticketId: e.ticketId, organization: 'ORG1', generation: e.generation }),
    ...over,
  };
}

export const SETTINGS: PipelineSettings = {
  batch: { maxItems: 10, maxBytes: 1_000_000, lingerMs: 5 },
  maxTicketsPerRequest: 10,
  retry: { baseMs: 1, maxMs: 5 },
  dlq: { maxConsecutive: 1000, maxRatio: 1, ratioMinMessages: 1000 },
  instanceId: 'test',
  outbox: { staleMs: 10_000, renewMs: 2_500, pollMs: 500 },
  batchesInFlight: 2,
  heartbeatMs: 50,
};

/** A test clock: real time plus whatever the test added. */
export class Clock {
  offset = 0;
  readonly now = () => Date.now() + this.offset;
  advance(ms: number): void {
    this.offset += ms;
  }
}

export interface World {
  readonly outbox: MemoryOutbox;
  readonly tixngo: FakeTixngo;
  readonly recorder: MemoryRecorder;
  readonly clock: Clock;
}

export function newWorld(): World {
  return { outbox: new MemoryOutbox(), tixngo: new FakeTixngo(), recorder: new MemoryRecorder(), clock: new Clock() };
}

/** One engine ("a process") in a world, with a fake source in front of it. */
export class Engine {
  readonly pipeline: Pipeline<TestEvent, null, { ticketId: string; generation: number }>;
  readonly commits: OffsetToCommit[][] = [];
  readonly reports: BatchReport[] = [];
  readonly deadLetters: SourceMessage[] = [];
  readonly fatal: Error[] = [];
  readonly health = new Health();
  /** Fails the next commits with a transient error. */
  failCommits = 0;
  private readonly revoked = new Set<string>();

  constructor(
    readonly world: World,
    spec?: RoleSpec<TestEvent, null, { ticketId: string; generation: number }>,
    settings: Partial<PipelineSettings> = {},
  ) {
    this.pipeline = new Pipeline(
      spec ?? testRole(world.recorder),
      {
        decoder: {
          decode: async (value) => {
            if (value === null) throw new PoisonMessageError('TOMBSTONE', 'a record without a value');
            try {
              return JSON.parse(value.toString('utf8'));
            } catch {
              throw new PoisonMessageError('AVRO_UNDECODABLE', 'not decodable');
            }
          },
        },
        deadLetters: { write: async (letters) => void this.deadLetters.push(...letters.map((l) => l.message)) },
        outbox: world.outbox,
        accounts: (organization) => (organization === 'ORG1' ? { tixngo: world.tixngo, maxRequestBytes: 1_000_000 } : undefined),
        recorder: world.recorder,
        commit: async (offsets) => {
          if (this.failCommits > 0) {
            this.failCommits--;
            throw new TransientError('KAFKA_COMMIT_FAILED', 'offset commit failed');
          }
          this.commits.push([...offsets]);
        },
        metrics: createMetrics(),
        health: this.health,
        log: pino({ level: 'silent' }),
        events: { onBatch: (r) => void this.reports.push(r), onFatal: (e) => void this.fatal.push(e) },
        now: world.clock.now,
      },
      { ...SETTINGS, ...settings },
    );
  }

  /**
   * Hands one partition's fetch to the engine; resolves with how many leading records are handled, once
   * the commits they led to are made (the engine commits on its own chain, after releasing the records).
   */
  async accept(partition: number, messages: readonly SourceMessage[], endOffset?: number): Promise<number> {
    const end = endOffset ?? (messages.length > 0 ? Number(messages[messages.length - 1]!.offset) + 1 : 0);
    const batch: SourceBatch = { topic: TOPIC, partition, messages, endOffset: String(end) };
    const handled = await this.pipeline.accept(batch, { heartbeat: async () => undefined, isActive: () => !this.revoked.has(String(partition)) });
    await this.pipeline.idle();
    return handled;
  }

  assign(partitions: readonly number[]): void {
    const tps: TopicPartition[] = partitions.map((partition) => ({ topic: TOPIC, partition }));
    this.revoked.clear();
    this.pipeline.onAssigned(tps);
  }

  /** The last committed offset of a partition. */
  committed(partition: number): string | undefined {
    let last: string | undefined;
    for (const c of this.commits) for (const o of c) if (o.partition === partition) last = o.offset;
    return last;
  }
}

/** Events `tickets` (T1..Tn, generation 0) as records of one partition from `firstOffset`. */
export function records(partition: number, firstOffset: number, events: readonly TestEvent[]): SourceMessage[] {
  return events.map((e, i) => record(partition, firstOffset + i, e));
}

export const tickets = (from: number, to: number, generation = 0): TestEvent[] =>
  Array.from({ length: to - from + 1 }, (_, i) => ({ ticketId: `T${from + i}`, generation }));
