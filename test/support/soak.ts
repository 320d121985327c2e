import { seededRandom } from '../../src/simulator/faults';
import type { RunningSimulator } from '../../src/simulator/simulator';
import type { TicketHistory } from '../../src/simulator/state';
import { AvroCodec } from '../../src/kafka/avro-codec';
import { createTestTopics, kafkaClient, services, setFaults, startTestSimulator, type TestTopics } from './harness';
import { lagReport, settleLag } from './kafka-inspect';
import { crashEnv, groupOf, pause, RoleProcesses, type ConsumerRole } from './role-processes';
import { controlOf, idOf, isDeleted, opsLine, ticketAt, voidOf } from './tickets';

/**
 * The soak scenario of issue 12, shared by `npm run soak` (test/soak/soak.ts) and its short fixed-seed
 * version in the integration suite: the three consumer roles as separate processes; tickets with
 * reprints (generations 1 and 2, each older generation invalidated), cancellations and controls
 * interleaved on the three topics, some arriving before their injection; TIXnGO answering in 20–80 ms;
 * kill -9 of random roles at random moments, each followed by a restart. At the end, once every group's
 * lag is 0, each ticket's story in the simulator is judged against what the core asked for.
 */
export interface SoakOptions {
  readonly tickets: number;
  readonly seed: number;
  readonly kills: number;
  /** The input is produced in this many waves, `waveGapMs` apart (while roles are being killed). */
  readonly waves: number;
  readonly waveGapMs: number;
  /** Pause before each kill, drawn in [min, max]. */
  readonly killGapMs: readonly [number, number];
  readonly settleTimeoutMs: number;
  readonly reprintRate?: number;
  readonly cancelRate?: number;
  readonly controlRate?: number;
  /** Share of cancellations and controls produced before the eligible record of their generation. */
  readonly earlyRate?: number;
  readonly batchSize?: number;
  readonly log?: (line: string) => void;
  /** Given, once started, what stops every process and the simulator (a test's afterEach calls it if the run is cut short). */
  readonly onCleanup?: (stop: () => Promise<void>) => void;
}

/** What the core asked for, per ticket. */
export interface TicketPlan {
  readonly n: number;
  readonly id: string;
  /** Newest eligible generation. */
  readonly newest: number;
  /** The core cancelled the newest generation (older ones are always invalidated by their reprint). */
  readonly cancelled: boolean;
  /** Controlled at the gate (live tickets only). */
  readonly controlled: boolean;
}

interface PlannedEvent {
  readonly topic: 'eligible' | 'cancelled' | 'controlled';
  readonly at: number;
  readonly record: { ticketId: string };
}

export const FINAL_CANCEL_REASON = 'ORDER_CANCELLED';
/** Each older generation is invalidated with its own reason, so a delete says which generation it meant. */
export const reprintReason = (g: number) => `REPRINT_G${g}`;

export function planScenario(opts: Pick<SoakOptions, 'tickets' | 'seed' | 'reprintRate' | 'cancelRate' | 'controlRate' | 'earlyRate'>): {
  tickets: TicketPlan[];
  events: PlannedEvent[];
} {
  const rnd = seededRandom(opts.seed);
  const reprintRate = opts.reprintRate ?? 0.2;
  const cancelRate = opts.cancelRate ?? 0.25;
  const controlRate = opts.controlRate ?? 0.35;
  const earlyRate = opts.earlyRate ?? 0.15;
  const base = Date.UTC(2026, 0, 1);
  const when = (at: number) => new Date(base + Math.round(at * 86_400_000));
  const tickets: TicketPlan[] = [];
  const events: PlannedEvent[] = [];
  for (let n = 1; n <= opts.tickets; n++) {
    const id = idOf(n);
    let newest = 0;
    if (rnd() < reprintRate) newest = rnd() < 0.3 ? 2 : 1;
    const times = [rnd()];
    for (let g = 1; g <= newest; g++) times.push(times[g - 1]! + 0.005 + rnd() * 0.05);
    for (let g = 0; g <= newest; g++) {
      events.push({ topic: 'eligible', at: times[g]!, record: ticketAt(n, g) });
      // The reprint invalidates the generation before it, just before the new one is eligible.
      if (g > 0)
        events.push({ topic: 'cancelled', at: times[g]! - 0.001, record: voidOf(id, g - 1, reprintReason(g - 1), when(times[g]! - 0.001), 'INVALIDATED') });
    }
    const cancelled = rnd() < cancelRate;
    const controlled = !cancelled && rnd() < controlRate;
    const later = (early: boolean) => (early ? times[newest]! - 0.0005 : times[newest]! + 0.002 + rnd() * 0.05);
    if (cancelled) {
      const at = later(rnd() < earlyRate);
      events.push({ topic: 'cancelled', at, record: voidOf(id, newest, FINAL_CANCEL_REASON, when(at)) });
    }
    if (controlled) {
      const at = later(rnd() < earlyRate);
      events.push({ topic: 'controlled', at, record: controlOf(id, newest, when(at)) });
    }
    tickets.push({ n, id, newest, cancelled, controlled });
  }
  events.sort((a, b) => a.at - b.at);
  return { tickets, events };
}

export interface SoakVerdict {
  readonly tickets: number;
  readonly expectedPushes: number;
  readonly pushedOnce: number;
  readonly lost: number;
  readonly pushedTwice: number;
  readonly deletedAfterNewerGeneration: number;
  /** A control applied to another generation than the one controlled (pushed before its injection). */
  readonly misordered: number;
  /** Up to 20 offending tickets with their story, for diagnosis. */
  readonly examples: readonly string[];
}

/**
 * Judges each ticket's accepted operations (simulator history) against the plan:
 * - live (not cancelled): the newest generation injected exactly once and held at the end (an older
 *   one applied after it, or a deletion, is lost); controlled tickets controlled exactly once;
 * - cancelled: if TIXnGO ever had it, deleted at the end, no deletion reason applied twice;
 * - a deletion meant for generation g (its reason says which) applied on a newer payload is a
 *   deletion after a newer generation.
 */
export function judge(plans: readonly TicketPlan[], histories: readonly TicketHistory[]): SoakVerdict {
  const byId = new Map(histories.map((h) => [h.ticketId, h]));
  let expectedPushes = 0;
  let pushedOnce = 0;
  let lost = 0;
  let pushedTwice = 0;
  let deletedAfterNewer = 0;
  let misordered = 0;
  const examples: string[] = [];
  const note = (p: TicketPlan, why: string, h: TicketHistory | undefined) => {
    if (examples.length < 20)
      examples.push(`${p.id} (newest ${p.newest}${p.cancelled ? ', cancelled' : ''}${p.controlled ? ', controlled' : ''}) ${why}: ${opsLine(h)}`);
  };
  for (const p of plans) {
    const h = byId.get(p.id);
    const ops = h?.ops ?? [];
    for (const o of ops) {
      if (o.op !== 'delete') continue;
      const meant = o.reason === FINAL_CANCEL_REASON ? p.newest : Number(/^REPRINT_G(\d+)$/.exec(o.reason ?? '')?.[1] ?? NaN);
      if (o.generation !== null && Number.isInteger(meant) && o.generation > meant) {
        deletedAfterNewer++;
        note(p, `delete meant for gen ${meant} applied on gen ${o.generation}`, h);
      }
    }
    const injectsPerGen = new Map<number | null, number>();
    for (const o of ops) if (o.op === 'inject') injectsPerGen.set(o.generation, (injectsPerGen.get(o.generation) ?? 0) + 1);
    const injectedTwice = [...injectsPerGen.values()].some((c) => c > 1);
    if (!p.cancelled) {
      expectedPushes++;
      const live = h !== undefined && !isDeleted(h.status) && h.generation === p.newest;
      if (!live || (injectsPerGen.get(p.newest) ?? 0) === 0) {
        lost++;
        note(p, 'not live with its newest generation', h);
      } else if (injectedTwice) {
        pushedTwice++;
        note(p, 'a generation injected twice', h);
      } else pushedOnce++;
      if (p.controlled) {
        expectedPushes++;
        const controls = ops.filter((o) => o.op === 'control');
        if (controls.length === 0) {
          lost++;
          note(p, 'control lost', h);
        } else if (controls.length > 1) {
          pushedTwice++;
          note(p, 'controlled twice', h);
        } else pushedOnce++;
        if (controls.some((c) => c.generation !== p.newest)) {
          misordered++;
          note(p, 'control applied to another generation', h);
        }
      }
    } else if (h !== undefined) {
      expectedPushes++;
      const reasons = ops.filter((o) => o.op === 'delete').map((o) => o.reason);
      if (!isDeleted(h.status)) {
        lost++;
        note(p, 'cancelled but live', h);
      } else if (reasons.length !== new Set(reasons).size || injectedTwice) {
        pushedTwice++;
        note(p, 'a deletion (or injection) applied twice', h);
      } else pushedOnce++;
    }
  }
  return { tickets: plans.length, expectedPushes, pushedOnce, lost, pushedTwice, deletedAfterNewerGeneration: deletedAfterNewer, misordered, examples };
}

export interface SoakResult {
  readonly verdict: SoakVerdict;
  readonly kills: readonly { role: string; at: number }[];
  readonly lagZero: boolean;
  readonly lag: Record<string, string>;
  readonly seconds: number;
  readonly outputs: Record<string, string>;
}

const ROLES: readonly ConsumerRole[] = ['inject', 'cancel', 'control'];

/** Runs the soak scenario against the stack named by the environment, with its own simulator and topics. */
export async function runSoak(opts: SoakOptions): Promise<SoakResult> {
  const log = opts.log ?? (() => undefined);
  const started = Date.now();
  const simulator: RunningSimulator = await startTestSimulator();
  let roles: RoleProcesses | undefined;
  try {
    const topics: TestTopics = await createTestTopics(3);
    await setFaults(simulator, { seed: opts.seed, latency: { ms: 20, maxMs: 80 } });
    const batch = String(opts.batchSize ?? 200);
    const env = crashEnv(topics, simulator, { INJECT_BATCH_SIZE: batch, CANCEL_BATCH_SIZE: batch, CONTROL_BATCH_SIZE: batch, LOG_LEVEL: 'warn' });
    roles = new RoleProcesses(env);
    const running = roles;
    opts.onCleanup?.(async () => {
      await running.killAll();
      await simulator.close();
    });
    const { tickets, events } = planScenario(opts);
    log(`soak: ${tickets.length} tickets, ${events.length} events, seed ${opts.seed}, ${opts.kills} kills`);
    await Promise.all(ROLES.map((r) => roles!.start(r)));

    const topicOf = { eligible: topics.printedEligible, cancelled: topics.cancelled, controlled: topics.controlled } as const;
    const schemaOf = { eligible: 'ticket-printed-eligible', cancelled: 'ticket-cancelled', controlled: 'ticket-controlled' } as const;
    // One producer and one codec for the whole run (a codec per call would ask the registry per record).
    const codec = new AvroCodec({ url: services().registryUrl });
    const producer = kafkaClient().producer();
    await producer.connect();
    let firstWave!: () => void;
    const firstWaveProduced = new Promise<void>((r) => (firstWave = r));
    const produceWaves = async () => {
      const per = Math.ceil(events.length / opts.waves);
      try {
        for (let w = 0; w < opts.waves; w++) {
          const wave = events.slice(w * per, (w + 1) * per);
          for (const t of ['eligible', 'cancelled', 'controlled'] as const) {
            const records = wave.filter((e) => e.topic === t).map((e) => e.record);
            if (records.length === 0) continue;
            await codec.encode(topicOf[t], schemaOf[t], records[0]!); // one registry lookup, then the cache
            const messages = await Promise.all(records.map(async (r) => ({ key: r.ticketId, value: await codec.encode(topicOf[t], schemaOf[t], r) })));
            await producer.send({ topic: topicOf[t], messages });
          }
          log(`soak: wave ${w + 1}/${opts.waves} produced (${wave.length} events)`);
          if (w === 0) firstWave();
          await pause(opts.waveGapMs);
        }
      } finally {
        firstWave();
        await producer.disconnect();
      }
    };
    const rnd = seededRandom(opts.seed ^ 0x2545f491);
    const killLoop = async () => {
      await firstWaveProduced;
      for (let k = 0; k < opts.kills; k++) {
        const [min, max] = opts.killGapMs;
        await pause(min + Math.floor(rnd() * (max - min + 1)));
        const role = ROLES[Math.floor(rnd() * ROLES.length)]!;
        await roles!.kill(role);
        const t = simulator.state.totals().byEndpoint;
        log(
          `soak: kill -9 ${role} (${k + 1}/${opts.kills}); so far ${t.inject.ticketsAccepted} injections, ${t.delete.ticketsAccepted} deletions, ${t.control.ticketsAccepted} controls accepted`,
        );
        await roles!.start(role);
      }
    };
    await Promise.all([produceWaves(), killLoop()]);
    const pairs = ROLES.map((r) => [groupOf(env, r), r === 'inject' ? topics.printedEligible : r === 'cancel' ? topics.cancelled : topics.controlled] as const);
    log('soak: waiting until every group has lag 0');
    const lagZero = await settleLag(pairs, { timeoutMs: opts.settleTimeoutMs, stableMs: 5000 });
    const verdict = judge(tickets, simulator.state.history());
    return {
      verdict,
      kills: roles.kills,
      lagZero,
      lag: await lagReport(pairs),
      seconds: Math.round((Date.now() - started) / 1000),
      outputs: roles.tails(3000),
    };
  } finally {
    await roles?.killAll();
    await simulator.close();
  }
}

/** The figures as the issue asks for them, one per line. */
export function formatVerdict(r: SoakResult): string {
  const v = r.verdict;
  return [
    `tickets:                         ${v.tickets}`,
    `expected pushes:                 ${v.expectedPushes}`,
    `pushed once:                     ${v.pushedOnce}`,
    `lost:                            ${v.lost}`,
    `pushed twice:                    ${v.pushedTwice}`,
    `deleted after newer generation:  ${v.deletedAfterNewerGeneration}`,
    `control on another generation:   ${v.misordered}`,
    `kills:                           ${r.kills.length} (${['inject', 'cancel', 'control'].map((role) => `${role} ${r.kills.filter((k) => k.role === role).length}`).join(', ')})`,
    `lag 0 at the end:                ${r.lagZero ? 'yes' : `no (${JSON.stringify(r.lag)})`}`,
    `duration:                        ${r.seconds} s`,
    ...(v.examples.length > 0 ? ['examples:', ...v.examples.map((e) => `  ${e}`)] : []),
  ].join('\n');
}
