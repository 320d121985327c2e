import { setTimeout as sleep } from 'node:timers/promises';
import { KafkaAdmin } from '../kafka/admin';
import { AvroCodec, type SchemaName } from '../kafka/avro-codec';
import { createPlainKafka } from '../kafka/kafka-client';
import { KafkaEventPublisher, type OutgoingMessage } from '../kafka/producer';
import { createLogger } from '../ops/logger';
import type { Person } from '../tixngo/wire-schemas';
import { aCancellation, aControl, aPrintedTicket } from './sample-events';

/**
 * The quick start's scripted day (`scripts/dev.sh`, docker-compose): work for each of the four roles,
 * through the same topics and APIs as in production, against a bridge running every role and the
 * TIXnGO simulator.
 *  1. `tickets` printed tickets on ticket-printed-eligible (inject), then it waits until TIXnGO holds them;
 *  2. a cancellation for every tenth ticket (cancel) and a control for every tenth other one (control);
 *  3. in the wallet (the simulator's /_sim/holders API: what a fan does in the app) the first ticket is
 *     downloaded and transferred to someone else; holder-sync reads that from TIXnGO's change feed,
 *     stores the new owner and publishes holder-updated. It waits until holder-sync has read past it;
 *  4. a reprint of that ticket (reprintGeneration 1): inject sends it to the new owner, not the buyer;
 *  5. it waits for the cancellations and controls to reach TIXnGO and reports, per role, what TIXnGO
 *     received in this run.
 * Prints ids, counts and statuses only: no names.
 */

export interface DemoOptions {
  readonly brokers: readonly string[];
  readonly registryUrl: string;
  /** `http://host:port` of the simulator (its organizer API and /_sim/). */
  readonly simulatorOrigin: string;
  readonly topics: { readonly printedEligible: string; readonly cancelled: string; readonly controlled: string; readonly holderUpdated: string };
  readonly tickets: number;
  readonly ratePerSecond: number;
  /** Numeric id of the first ticket (ids are 100,000,000 + n). */
  readonly firstTicket: number;
  /** How long each wait may take before the demo gives up. */
  readonly waitMs: number;
  /** Progress lines. */
  readonly say: (line: string) => void;
}

export interface DemoSummary {
  readonly printed: number;
  readonly transferred: string;
  readonly cancelled: readonly string[];
  readonly controlled: readonly string[];
  /** The reprint's spectator was the new wallet owner. */
  readonly reprintToNewOwner: boolean;
  /** What TIXnGO received during the run, per role: tickets accepted and requests. */
  readonly received: {
    readonly inject: { readonly tickets: number; readonly requests: number };
    readonly cancel: { readonly tickets: number; readonly requests: number };
    readonly control: { readonly tickets: number; readonly requests: number };
    readonly holderSync: { readonly feedReads: number; readonly feedRecords: number; readonly holderUpdated: number };
  };
}

/** The person the ticket is transferred to (made up). */
export const NEW_OWNER: Person = { firstName: 'Robin', lastName: 'Newowner', email: 'robin.newowner@example.test', languageCode: 'en' };

type EndpointTotals = { requests: number; ticketsAccepted: number };
type SimTotals = { byEndpoint: Record<'inject' | 'delete' | 'control' | 'changes', EndpointTotals>; feedRecords: number; feedReadPast: number };

/** The simulator's inspection API (no key: it is not TIXnGO's). */
class SimulatorInspection {
  constructor(private readonly origin: string) {}

  totals(): Promise<SimTotals> {
    return this.call<SimTotals>('GET', '/_sim/totals');
  }

  async ticket(ticketId: string): Promise<{ injectCount: number; lastPayload: { spectatorDetails?: Record<string, unknown> } } | undefined> {
    const r = await this.call<{ tickets: { injectCount: number; lastPayload: { spectatorDetails?: Record<string, unknown> } }[] }>(
      'GET',
      `/_sim/received?ticketId=${encodeURIComponent(ticketId)}`,
    );
    return r.tickets[0];
  }

  async wallet(ticketId: string, action: 'download' | 'transfer', person?: Person): Promise<number> {
    const r = await this.call<{ seq?: number | null }>('POST', `/_sim/holders/${encodeURIComponent(ticketId)}`, { action, ...(person ? { person } : {}) });
    if (r.seq === null) throw new Error(`the wallet action ${action} changed nothing on ticket ${ticketId}`);
    if (typeof r.seq !== 'number') throw new Error('the simulator predates this demo: restart it (scripts/stack.sh down simulator; scripts/stack.sh up)');
    return r.seq;
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.origin}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(10_000),
    });
    if (!res.ok) throw new Error(`simulator ${method} ${path} answered HTTP ${res.status}`);
    return (await res.json()) as T;
  }
}

const ticketId = (n: number) => String(100_000_000 + n);

export async function runDemo(o: DemoOptions): Promise<DemoSummary> {
  const sim = new SimulatorInspection(o.simulatorOrigin.replace(/\/+$/, ''));
  const codec = new AvroCodec({ url: o.registryUrl });
  const kafka = createPlainKafka(o.brokers, 'tixngo-bridge-demo', createLogger({ level: 'warn' }));
  const producer = new KafkaEventPublisher(kafka);
  const admin = await KafkaAdmin.connect(kafka);
  const waitFor = async (what: string, done: () => Promise<boolean>): Promise<void> => {
    const deadline = Date.now() + o.waitMs;
    while (!(await done())) {
      if (Date.now() > deadline)
        throw new Error(`${what} did not happen within ${o.waitMs / 1000} s: is the bridge running with every role (BRIDGE_ROLE=all)?`);
      await sleep(250);
    }
  };
  const encode = async (topic: string, as: SchemaName, events: readonly { ticketId: string }[]): Promise<OutgoingMessage[]> =>
    Promise.all(events.map(async (e) => ({ key: e.ticketId, value: await codec.encode(topic, as, e) })));
  const holderUpdatedCount = async () => (await admin.topicOffsets(o.topics.holderUpdated)).reduce((sum, p) => sum + Number(p.high), 0);

  try {
    const before = await sim.totals();
    const holderUpdatedBefore = await holderUpdatedCount();
    const since = (now: SimTotals, e: keyof SimTotals['byEndpoint']) => ({
      tickets: now.byEndpoint[e].ticketsAccepted - before.byEndpoint[e].ticketsAccepted,
      requests: now.byEndpoint[e].requests - before.byEndpoint[e].requests,
    });

    // 1. Printed tickets, paced, then until TIXnGO holds them all.
    const ns = Array.from({ length: o.tickets }, (_, i) => o.firstTicket + i);
    const perTick = Math.max(1, Math.round(o.ratePerSecond / 10));
    for (let i = 0; i < ns.length; i += perTick) {
      const batch = ns.slice(i, i + perTick).map((n) => aPrintedTicket({}, n));
      await producer.publish(o.topics.printedEligible, await encode(o.topics.printedEligible, 'ticket-printed-eligible', batch));
      await sleep(100);
    }
    o.say(`produced ${ns.length} printed tickets (${ticketId(ns[0]!)} to ${ticketId(ns[ns.length - 1]!)}) to ${o.topics.printedEligible}`);
    await waitFor('the injection of every printed ticket', async () => since(await sim.totals(), 'inject').tickets >= ns.length);

    // 2. Cancellations and controls of tickets TIXnGO holds (the transferred ticket is left alone).
    const cancelled = ns.filter((_, i) => i % 10 === 1).map(ticketId);
    const controlled = ns.filter((_, i) => i % 10 === 2).map(ticketId);
    await producer.publish(
      o.topics.cancelled,
      await encode(
        o.topics.cancelled,
        'ticket-cancelled',
        cancelled.map((id) => aCancellation(id)),
      ),
    );
    await producer.publish(
      o.topics.controlled,
      await encode(
        o.topics.controlled,
        'ticket-controlled',
        controlled.map((id) => aControl(id)),
      ),
    );
    o.say(`produced ${cancelled.length} cancellations to ${o.topics.cancelled} and ${controlled.length} controls to ${o.topics.controlled}`);

    // 3. The wallet side: the buyer downloads the first ticket and transfers it.
    const transferred = ticketId(ns[0]!);
    await sim.wallet(transferred, 'download');
    const seq = await sim.wallet(transferred, 'transfer', NEW_OWNER);
    o.say(`ticket ${transferred} downloaded and transferred in the wallet; waiting for holder-sync to read it from the change feed`);
    await waitFor('holder-sync reading the transfer', async () => (await sim.totals()).feedReadPast >= seq);

    // 4. The reprint: to the new owner.
    await producer.publish(
      o.topics.printedEligible,
      await encode(o.topics.printedEligible, 'ticket-printed-eligible', [aPrintedTicket({ reprintGeneration: 1 }, ns[0]!)]),
    );
    o.say(`holder-sync stored the new owner; produced a reprint of ticket ${transferred}`);
    await waitFor('the injection of the reprint', async () => ((await sim.ticket(transferred))?.injectCount ?? 0) >= 2);
    const spectator = (await sim.ticket(transferred))?.lastPayload.spectatorDetails ?? {};
    const reprintToNewOwner = (['firstName', 'lastName', 'email'] as const).every((k) => spectator[k] === NEW_OWNER[k]);

    // 5. The cancellations and controls, then what TIXnGO received.
    await waitFor('the cancellations and controls', async () => {
      const now = await sim.totals();
      return since(now, 'delete').tickets >= cancelled.length && since(now, 'control').tickets >= controlled.length;
    });
    const after = await sim.totals();
    return {
      printed: ns.length,
      transferred,
      cancelled,
      controlled,
      reprintToNewOwner,
      received: {
        inject: since(after, 'inject'),
        cancel: since(after, 'delete'),
        control: since(after, 'control'),
        holderSync: {
          feedReads: since(after, 'changes').requests,
          feedRecords: after.feedRecords - before.feedRecords,
          holderUpdated: (await holderUpdatedCount()) - holderUpdatedBefore,
        },
      },
    };
  } finally {
    await producer.disconnect().catch(() => undefined);
    await admin.disconnect();
  }
}

export function formatDemoSummary(s: DemoSummary): string[] {
  const r = s.received;
  return [
    `the reprint of ticket ${s.transferred} went to ${s.reprintToNewOwner ? 'its new owner' : 'SOMEONE ELSE than its new owner'}`,
    'what TIXnGO (the simulator) received in this run, per role:',
    `  inject       ${r.inject.tickets} tickets injected in ${r.inject.requests} requests (${s.printed} printed, 1 reprint)`,
    `  cancel       ${r.cancel.tickets} tickets deleted in ${r.cancel.requests} requests`,
    `  control      ${r.control.tickets} tickets controlled in ${r.control.requests} requests`,
    `  holder-sync  ${r.holderSync.feedReads} change-feed reads, ${r.holderSync.feedRecords} new feed records, ${r.holderSync.holderUpdated} holder-updated events published`,
    `tickets to trace: ${s.transferred} (transferred, then reprinted), ${s.cancelled[0] ?? '-'} (cancelled), ${s.controlled[0] ?? '-'} (controlled)`,
  ];
}

if (require.main === module) {
  const env = process.env;
  const brokers = (env.KAFKA_BROKERS ?? '').split(',').filter(Boolean);
  if (brokers.length === 0 || !env.SCHEMA_REGISTRY_URL || !env.TIXNGO_BASE_URL) {
    process.stderr.write('demo-producer: KAFKA_BROKERS, SCHEMA_REGISTRY_URL and TIXNGO_BASE_URL (the simulator) must be set\n');
    process.exit(2);
  }
  const say = (line: string) => process.stdout.write(`demo: ${line}\n`);
  runDemo({
    brokers,
    registryUrl: env.SCHEMA_REGISTRY_URL,
    simulatorOrigin: new URL(env.TIXNGO_BASE_URL).origin,
    topics: {
      printedEligible: env.TOPIC_TICKET_PRINTED_ELIGIBLE || 'ticket-printed-eligible',
      cancelled: env.TOPIC_TICKET_CANCELLED || 'ticket-cancelled',
      controlled: env.TOPIC_TICKET_CONTROLLED || 'ticket-controlled',
      holderUpdated: env.TOPIC_HOLDER_UPDATED || 'holder-updated',
    },
    tickets: Math.max(1, Number(env.DEMO_TICKETS ?? 200)),
    ratePerSecond: Math.max(1, Number(env.DEMO_RATE_PER_SECOND ?? 20)),
    // New ids every run, so that a second run against the same store shows tickets injected, not ALREADY_INJECTED.
    firstTicket: Number(env.DEMO_FIRST_TICKET ?? (Math.floor(Date.now() / 1000) % 100_000) * 1000),
    waitMs: Number(env.DEMO_WAIT_MS ?? 120_000),
    say,
  }).then(
    (summary) => formatDemoSummary(summary).forEach(say),
    (e: Error) => {
      process.stderr.write(`demo-producer: ${e.message}\n`);
      process.exit(1);
    },
  );
}
