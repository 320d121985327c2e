/**
 * Injection benchmark (not a test): `npm run bench`. Needs the local stack (`scripts/stack.sh up`,
 * then `source .stack/env`). Everything is measured in one run on this machine and reported as
 * ratios against baselines measured in the same run, because the machines are noisy.
 *
 *  (a) ceiling: a plain kafkajs consumer that only decodes Avro and commits (in this process; its CPU
 *      per event is this process's `process.cpuUsage()` while it runs, nothing else runs here then);
 *  (b) the inject role pushing to the simulator (no added latency), ledger and outbox included, run
 *      as the image runs it (its own process, the production build, the image's NODE_OPTIONS and MALLOC_ARENA_MAX);
 *  (c) naive: one ticket per TIXnGO request, committing after each (push only, as the issue words it);
 *  (c') naive doing the role's work per ticket: validate, map, push, ledger, write-back, commit.
 * During (b): the CPU per ticket (user + system, /proc/<pid>/stat) of the role, the simulator, Kafka,
 * the store (FerretDB) and the registry (their pids from `.stack/<service>/pid`, children included),
 * the machine's total (/proc/stat), and the role's store work per ticket as the role counts it from
 * the driver's command monitoring (`tixngo_bridge_store_*` on its /metrics, read before and after):
 * documents written and read per ticket, round trips per batch, by collection and command.
 * Then the p99 event-to-push latency at a steady 1,000 events/s, the peak RSS of the role working
 * through a 1,000,000-event backlog, the stadium (80,000 tickets of one performance produced at once:
 * wall time from the first produce to the last ticket the simulator accepted), and (b) again with
 * TIXnGO 100 ms away, one batch in flight against the default. A summary table with the targets ends
 * the run.
 *
 * Last, holder-sync: the change-feed poller storing the states of BENCH_HOLDER_TICKETS new tickets,
 * then one change of each of them (tickets the store already knows), with both rates.
 *
 * Sizes: BENCH_EVENTS (default 200000), BENCH_NAIVE_EVENTS (5000), BENCH_STEADY_SECONDS (20),
 * BENCH_BACKLOG (1000000), BENCH_BACKLOG_SECONDS (60), BENCH_STADIUM (80000), BENCH_LATENCY_EVENTS
 * (20000), BENCH_HOLDER_TICKETS (100000), BENCH_HOLDER_SECONDS (600, the most one holder-sync phase may
 * take). BENCH_PARTS picks parts: `throughput,steady,backlog,stadium,latency,holder-sync`.
 * BENCH_ROLE_ENV, BENCH_NODE_OPTIONS and BENCH_NODE_ARGS change how the role runs (see `startRole`).
 */
import { ticketKey } from '../../src/shared/ticket-key';
import { execFileSync, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import axios, { type AxiosInstance } from 'axios';
import { MongoClient, type Db } from 'mongodb';
import { toInjectPayload, type PayloadSettings } from '../../src/injection/payload';
import { parseEligible } from '../../src/injection/ticket-event';
import { AvroCodec } from '../../src/kafka/avro-codec';
import { decodePaginationKey } from '../../src/simulator/feed';
import { startSimulator } from '../../src/simulator/simulator';
import type { ReceivedSummary } from '../../src/simulator/state';
import { factId, TicketLedger } from '../../src/store/ticket-ledger';
import { aPrintedTicket } from '../../src/tools/sample-events';
import { spawnBridge, type BridgeProcess } from '../support/bridge-process';
import { API_KEY, bridgeEnv, createTestTopics, kafkaClient, services, type TestTopics } from '../support/harness';
import { freePort, IMAGE_RUNTIME_ENV } from '../support/role-processes';
import { unique } from '../support/unique';

const N = Number(process.env.BENCH_EVENTS ?? 200_000);
const NAIVE = Number(process.env.BENCH_NAIVE_EVENTS ?? 5_000);
const STEADY_S = Number(process.env.BENCH_STEADY_SECONDS ?? 20);
const BACKLOG = Number(process.env.BENCH_BACKLOG ?? 1_000_000);
const BACKLOG_S = Number(process.env.BENCH_BACKLOG_SECONDS ?? 60);
const PARTITIONS = 6;
const LOG_LEVEL = process.env.BENCH_LOG_LEVEL ?? 'warn'; // `info` shows each batch's stagesMs
/** The role as deployed by default, except for what BENCH_ROLE_ENV (`KEY=value,...`) sets, e.g. `INJECT_BATCHES_IN_FLIGHT=1`. */
const ROLE_ENV: Record<string, string> = {
  LOG_LEVEL,
  INJECT_LINGER_MS: '1000',
  ...Object.fromEntries(
    (process.env.BENCH_ROLE_ENV ?? '')
      .split(',')
      .filter(Boolean)
      .map((kv) => kv.split('=', 2) as [string, string]),
  ),
};
const LATENCY_N = Number(process.env.BENCH_LATENCY_EVENTS ?? 20_000);
const HOLDER_TICKETS = Number(process.env.BENCH_HOLDER_TICKETS ?? 100_000);
const HOLDER_S = Number(process.env.BENCH_HOLDER_SECONDS ?? 600);
const STADIUM = Number(process.env.BENCH_STADIUM ?? 80_000);
const PARTS = new Set((process.env.BENCH_PARTS ?? 'throughput,steady,backlog,stadium,latency,holder-sync').split(','));
const ROOT = join(__dirname, '..', '..');

const log = (s: string) => process.stdout.write(`${s}\n`);
const rate = (n: number, ms: number) => Math.round((n / ms) * 1000);

/**
 * The TIXnGO simulator in its own process (src/simulator/main.ts), as TIXnGO is remote in production:
 * its request parsing and bookkeeping are not charged to the role being measured.
 */
interface SimProcess {
  readonly url: string;
  readonly pid: number;
  setFaults(faults: unknown): Promise<void>;
  accepted(): Promise<number>;
  received(): Promise<ReceivedSummary>;
  close(): Promise<void>;
}

async function startSimulatorProcess(): Promise<SimProcess> {
  const child = spawn(process.execPath, [...nodeArgs('BENCH_SIM_NODE_ARGS'), '--import', 'tsx', join(__dirname, '..', '..', 'src', 'simulator', 'main.ts')], {
    env: { PATH: process.env.PATH ?? '', SIMULATOR_PORT: '0', SIMULATOR_API_KEY: API_KEY },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /"url":"([^"]+)"/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`simulator exited with ${code}: ${out}`)));
  });
  const origin = new URL(url).origin;
  return {
    url,
    pid: child.pid!,
    setFaults: async (faults) => void (await axios.post(`${origin}/_sim/faults`, faults)),
    accepted: async () => (await axios.get(`${origin}/_sim/totals`)).data.byEndpoint.inject.ticketsAccepted as number,
    received: async () => (await axios.get(`${origin}/_sim/received?payloads=false`, { maxContentLength: Infinity })).data as ReceivedSummary,
    close: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * The role in its own process, as the image runs it: the production build (`npm run bench` builds
 * it first) with the image's NODE_OPTIONS (its heap caps), unless BENCH_NODE_OPTIONS says otherwise, and
 * its MALLOC_ARENA_MAX (glibc's allocator arenas).
 * BENCH_NODE_ARGS adds options for `node` itself, space-separated, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`
 * or `--trace-gc` (which NODE_OPTIONS does not accept), BENCH_SIM_NODE_ARGS the same for the simulator;
 * BENCH_SHOW_ROLE_OUTPUT=1 prints what the role wrote.
 */
const NODE_OPTIONS = process.env.BENCH_NODE_OPTIONS ?? IMAGE_RUNTIME_ENV.NODE_OPTIONS;
const RUNTIME_ENV = { ...IMAGE_RUNTIME_ENV, NODE_OPTIONS };

/**
 * CPU time the hypervisor gave to other machines (`steal` in /proc/stat) while a part ran: a ratio
 * is only as good as the machine was steady across both of its measures.
 */
function stealMeter(): () => string {
  const read = () => {
    const [, ...f] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
    const n = f.map(Number);
    return { steal: n[7] ?? 0, total: n.reduce((x, y) => x + y, 0) };
  };
  const start = read();
  return () => {
    const end = read();
    const total = end.total - start.total;
    return `CPU steal ${total > 0 ? Math.round(((end.steal - start.steal) / total) * 100) : 0}%`;
  };
}

const nodeArgs = (variable: string) => (process.env[variable] ?? '').split(' ').filter(Boolean);

/** The role's process, and its ops port (/metrics). */
type Role = BridgeProcess & { readonly opsPort: number };

async function startRole(topics: TestTopics, sim: SimProcess, env: Record<string, string> = {}): Promise<Role> {
  const opsPort = await freePort();
  const role = spawnBridge(bridgeEnv(topics, sim, { ...RUNTIME_ENV, ...ROLE_ENV, HTTP_PORT: String(opsPort), ...env }), [], {
    built: true,
    nodeArgs: nodeArgs('BENCH_NODE_ARGS'),
  });
  return Object.assign(role, { opsPort });
}

async function stopRole(role: BridgeProcess): Promise<void> {
  if (role.child.exitCode === null) role.child.kill('SIGTERM');
  const { code } = await role.exited;
  if (code !== 0) log(`the role exited with code ${code}; its last output:\n${role.output().slice(-3000)}`);
  else if (process.env.BENCH_SHOW_ROLE_OUTPUT) log(`the role's output:\n${role.output()}`);
}

/** Waits for the simulator to have accepted `n` tickets; fails early if the role died. */
async function waitForAccepted(sim: SimProcess, n: number, role?: BridgeProcess, pollMs = 100): Promise<void> {
  while ((await sim.accepted()) < n) {
    if (role && role.child.exitCode !== null) throw new Error(`the role exited (code ${role.child.exitCode}):\n${role.output().slice(-3000)}`);
    await sleep(pollMs);
  }
}

async function preload(topic: string, count: number, firstTicket = 1): Promise<void> {
  const codec = new AvroCodec({ url: services().registryUrl });
  const producer = kafkaClient().producer();
  await producer.connect();
  const template = aPrintedTicket({}, firstTicket);
  // Encode once per ticket id change only; the body differs by ticket id, barcode and tax number.
  const pending: Promise<unknown>[] = [];
  for (let i = 0; i < count; i += 2000) {
    const messages = [];
    for (let j = i; j < Math.min(i + 2000, count); j++) {
      const n = firstTicket + j;
      const t = { ...template, ticketId: String(100_000_000 + n), taxNumber: String(5_000_000 + n), barcode: `BC${n}` };
      messages.push({ key: t.ticketId, value: await codec.encode(topic, 'ticket-printed-eligible', t) });
    }
    pending.push(producer.send({ topic, messages, acks: 1 }));
    if (pending.length >= 8) await Promise.all(pending.splice(0));
  }
  await Promise.all(pending);
  await producer.disconnect();
}

/**
 * (a) decode + commit only, in this process: its CPU is this process's `process.cpuUsage()` from the
 * first record to the last (nothing else of the benchmark runs meanwhile).
 */
async function ceiling(topic: string, count: number): Promise<{ ms: number; cpuSeconds: number }> {
  const codec = new AvroCodec({ url: services().registryUrl });
  const consumer = kafkaClient().consumer({ groupId: unique('bench-ceiling'), maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let seen = 0;
  let started: number | undefined; // from the first record, like (b): the group join is not throughput
  let cpuAtStart: NodeJS.CpuUsage | undefined;
  let cpu: NodeJS.CpuUsage | undefined;
  await new Promise<void>((resolve) => {
    void consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: PARTITIONS,
      eachBatch: async ({ batch, resolveOffset }) => {
        started ??= Date.now();
        cpuAtStart ??= process.cpuUsage();
        for (const m of batch.messages) await codec.decode(m.value, 'ticket-printed-eligible');
        resolveOffset(batch.lastOffset());
        await consumer.commitOffsets([{ topic, partition: batch.partition, offset: String(Number(batch.lastOffset()) + 1) }]);
        seen += batch.messages.length;
        if (seen >= count && !cpu) {
          cpu = process.cpuUsage(cpuAtStart);
          resolve();
        }
      },
    });
  });
  const ms = Date.now() - started!;
  await consumer.disconnect();
  return { ms, cpuSeconds: (cpu!.user + cpu!.system) / 1e6 };
}

/** What a naive consumer does with one record, after decoding it; `http` talks to the simulator. */
type PerTicket = (decoded: unknown, http: AxiosInstance) => Promise<void>;

/** (c) one ticket per request, commit after each; `perTicket` is the work per record. */
async function naive(topic: string, count: number, sim: SimProcess, perTicket: PerTicket): Promise<number> {
  const codec = new AvroCodec({ url: services().registryUrl });
  const http = axios.create({ baseURL: sim.url, headers: { 'x-api-key': API_KEY } });
  const consumer = kafkaClient().consumer({ groupId: unique('bench-naive'), maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let seen = 0;
  let started: number | undefined;
  await new Promise<void>((resolve) => {
    void consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        if (seen >= count) return;
        started ??= Date.now();
        await perTicket(await codec.decode(message.value, 'ticket-printed-eligible'), http);
        await consumer.commitOffsets([{ topic, partition, offset: String(Number(message.offset) + 1) }]);
        if (++seen >= count) resolve();
      },
    });
  });
  const ms = Date.now() - started!;
  await consumer.disconnect();
  return ms;
}

/** (c) as the issue words it: decode, push the one ticket, commit. No store, no write-back. */
const pushOnly: PerTicket = async (decoded, http) => {
  await http.post('/organizer/tickets', { tickets: [aPrintedTicketPayload((decoded as { ticketId: string }).ticketId)] });
};

/**
 * (c') the inject role's work, one ticket at a time: validate, map, push, record in the ledger,
 * publish ticket-printed, commit. Like for like with (b), minus the batching.
 */
async function sameWork(db: Db, printedTopic: string): Promise<{ perTicket: PerTicket; close(): Promise<void> }> {
  const codec = new AvroCodec({ url: services().registryUrl });
  const ledger = new TicketLedger(db);
  await ledger.ensureIndexes();
  const producer = kafkaClient().producer({ idempotent: true });
  await producer.connect();
  const settings: PayloadSettings = {
    barcodePrefix: '',
    barcodePostfix: '',
    activationMethod: 'online',
    template: undefined,
    overlayLastOwner: false,
    resetInvalidationReasons: [],
  };
  return {
    perTicket: async (decoded, http) => {
      const t = parseEligible(decoded);
      await http.post('/organizer/tickets', { tickets: [toInjectPayload(t, undefined, settings).payload] });
      const at = new Date();
      await ledger.record([
        {
          _id: factId(ticketKey(t.organizationCode, t.ticketId), 'inject', t.reprintGeneration),
          ticketId: t.ticketId,
          organization: t.organizationCode,
          kind: 'inject',
          generation: t.reprintGeneration,
          at,
        },
      ]);
      const value = await codec.encode(printedTopic, 'ticket-printed', {
        ticketId: t.ticketId,
        reprintGeneration: t.reprintGeneration,
        printedAt: at,
        salesChannelCode: 'BRIDGE',
        posCode: 'POS-TIXNGO',
        simulated: false,
      });
      await producer.send({ topic: printedTopic, messages: [{ key: t.ticketId, value }] });
    },
    close: () => producer.disconnect(),
  };
}

function aPrintedTicketPayload(ticketId: string) {
  return {
    ticketId,
    event: {
      id: 'EVT',
      name: 'Bench',
      startTime: '2027-06-12T20:00:00+02:00',
      expirationDate: '2027-06-12T22:00:00+02:00',
      address: { site: 'S', city: 'C', zip: '1', countryCode: 'CH' },
    },
    activationParameters: { method: 'online' },
    purchaseDetails: { purchaseDate: new Date().toISOString(), fileNumber: 'F', purchasePrice: 1, purchaseCurrency: 'CHF' },
    security: { barcode: `BC${ticketId}` },
    spectatorDetails: { email: 'bench@example.test', mainApplicant: false },
  };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

// ----- CPU per process ---------------------------------------------------------------------------

const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** /proc/<pid>/stat after the command name: [state, ppid, …]; utime and stime are fields 14 and 15 of the whole line. */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** User + system CPU seconds of one process. */
function cpuSeconds(pid: number): number {
  const f = statFields(pid);
  return f ? (Number(f[11]) + Number(f[12])) / CLOCK_TICKS : 0;
}

/** User + system CPU seconds of a process and of its live descendants (a wrapper script and its java). */
function treeCpuSeconds(pid: number): number {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const f = statFields(Number(name));
    if (!f) continue;
    const ppid = Number(f[1]);
    const list = children.get(ppid) ?? [];
    list.push(Number(name));
    children.set(ppid, list);
  }
  let ticks = 0;
  const todo = [pid];
  while (todo.length > 0) {
    const p = todo.pop()!;
    const f = statFields(p);
    if (f) ticks += Number(f[11]) + Number(f[12]);
    todo.push(...(children.get(p) ?? []));
  }
  return ticks / CLOCK_TICKS;
}

/** The pid of a service of the local stack: its pid file (`scripts/stack.sh`), else `pgrep -f`. */
function stackPid(service: 'kafka' | 'ferretdb' | 'registry', pattern: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(ROOT, '.stack', service, 'pid'), 'utf8').trim());
    if (pid > 0 && statFields(pid)) return pid;
  } catch {
    // no pid file: a stack started some other way
  }
  try {
    const pid = Number(execFileSync('pgrep', ['-o', '-f', pattern], { encoding: 'utf8' }).trim().split('\n')[0]);
    return pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Busy and steal CPU seconds of the whole machine (/proc/stat: user, nice, system, irq, softirq; steal apart). */
function machineCpu(): { busy: number; steal: number; total: number } {
  const n = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = n;
  return {
    busy: (user + nice + system + irq + softirq) / CLOCK_TICKS,
    steal: steal / CLOCK_TICKS,
    total: (user + nice + system + idle + iowait + irq + softirq + steal) / CLOCK_TICKS,
  };
}

interface CpuReport {
  /** CPU seconds per process over the window; `machine` is every process of the machine. */
  readonly seconds: Readonly<Record<string, number>>;
  readonly stealPct: number;
  readonly wallMs: number;
}

/**
 * CPU of these processes (and of the machine) from now until the returned function is called: the
 * node processes alone (the benchmark's own children are the role and the simulator, counted apart),
 * the stack's services with their children (a wrapper and what it started).
 */
function cpuMeter(nodes: Readonly<Record<string, number | undefined>>, services: Readonly<Record<string, number | undefined>>): () => CpuReport {
  const known = [
    ...Object.entries(nodes).map(([name, pid]) => [name, pid, cpuSeconds] as const),
    ...Object.entries(services).map(([name, pid]) => [name, pid, treeCpuSeconds] as const),
  ].filter((e): e is readonly [string, number, (pid: number) => number] => e[1] !== undefined);
  const start = new Map(known.map(([name, pid, read]) => [name, read(pid)]));
  const m0 = machineCpu();
  const t0 = Date.now();
  return () => {
    const seconds: Record<string, number> = {};
    for (const [name, pid, read] of known) seconds[name] = read(pid) - start.get(name)!;
    const m1 = machineCpu();
    seconds.machine = m1.busy - m0.busy;
    const total = m1.total - m0.total;
    return { seconds, stealPct: total > 0 ? Math.round(((m1.steal - m0.steal) / total) * 100) : 0, wallMs: Date.now() - t0 };
  };
}

/** The stack's processes beside the role whose CPU a ticket costs. */
function stackPids(): Record<string, number | undefined> {
  return {
    kafka: stackPid('kafka', 'kafka.Kafka'),
    store: stackPid('ferretdb', 'ferretdb'),
    registry: stackPid('registry', 'apicurio'),
  };
}

const us = (seconds: number, n: number) => (n > 0 ? (seconds * 1e6) / n : NaN);
const fmtUs = (v: number) => (Number.isFinite(v) ? `${Math.round(v)} µs` : 'n/a');

function cpuLine(r: CpuReport, tickets: number): string {
  return Object.entries(r.seconds)
    .map(([name, sec]) => `${name} ${fmtUs(us(sec, tickets))}`)
    .join(', ');
}

// ----- store work, as the role counts it (its /metrics) ------------------------------------------

type Counters = Map<string, number>;

async function roleCounters(role: Role): Promise<Counters> {
  const body = (await axios.get<string>(`http://127.0.0.1:${role.opsPort}/metrics`, { responseType: 'text' })).data;
  const out: Counters = new Map();
  for (const line of body.split('\n')) {
    if (!line.startsWith('tixngo_bridge_store_') && !line.startsWith('tixngo_bridge_batch_size_count') && !line.startsWith('tixngo_bridge_pushed_total'))
      continue;
    const sp = line.lastIndexOf(' ');
    out.set(line.slice(0, sp), Number(line.slice(sp + 1)));
  }
  return out;
}

/** Waits until the role's /metrics answers. */
async function waitForOps(role: Role): Promise<Counters> {
  for (;;) {
    if (role.child.exitCode !== null) throw new Error(`the role exited (code ${role.child.exitCode}):\n${role.output().slice(-3000)}`);
    try {
      return await roleCounters(role);
    } catch {
      await sleep(100);
    }
  }
}

/** The counters once the role has finished its last batch's bookkeeping (two equal readings in a row). */
async function settledCounters(role: Role): Promise<Counters> {
  let last = await roleCounters(role);
  for (let i = 0; i < 20; i++) {
    await sleep(300);
    const now = await roleCounters(role);
    if ([...now].every(([k, v]) => last.get(k) === v) && now.size === last.size) return now;
    last = now;
  }
  return last;
}

interface StoreWork {
  readonly written: number;
  readonly read: number;
  readonly commands: number;
  readonly batches: number;
  /** `name{labels}` → delta, for the breakdown. */
  readonly detail: Map<string, number>;
}

function storeWork(before: Counters, after: Counters): StoreWork {
  const detail = new Map<string, number>();
  let written = 0;
  let read = 0;
  let commands = 0;
  let batches = 0;
  for (const [k, v] of after) {
    const d = v - (before.get(k) ?? 0);
    if (d === 0) continue;
    detail.set(k, d);
    if (k.startsWith('tixngo_bridge_store_documents_written_total')) written += d;
    else if (k.startsWith('tixngo_bridge_store_documents_read_total')) read += d;
    else if (k.startsWith('tixngo_bridge_store_commands_total')) commands += d;
    else if (k.startsWith('tixngo_bridge_batch_size_count') && k.includes('role="inject"')) batches += d;
  }
  return { written, read, commands, batches, detail };
}

function storeLines(w: StoreWork, tickets: number): string[] {
  const per = (v: number, n: number) => (n > 0 ? (v / n).toFixed(3) : 'n/a');
  const lines = [
    `store, counted by the role: ${per(w.written, tickets)} documents written and ${per(w.read, tickets)} read per ticket; ` +
      `${w.commands} round trips in ${w.batches} batches (${per(w.commands, w.batches)} per batch, ${per(tickets, w.batches)} tickets per batch)`,
  ];
  const group = (prefix: string, label: (k: string) => string, denominator: number, unit: string) => {
    const rows = [...w.detail].filter(([k]) => k.startsWith(prefix)).sort((a, b) => b[1] - a[1]);
    if (rows.length > 0) lines.push(`  ${unit}: ${rows.map(([k, v]) => `${label(k)} ${per(v, denominator)}`).join(', ')}`);
  };
  const labels = (k: string) => (/\{(.*)\}/.exec(k)?.[1] ?? '').replace(/[a-z]+="([^"]*)"/g, '$1').replace(/,/g, ' ');
  group('tixngo_bridge_store_documents_written_total', labels, tickets, 'written per ticket');
  group('tixngo_bridge_store_documents_read_total', labels, tickets, 'read per ticket');
  group('tixngo_bridge_store_commands_total', labels, w.batches, 'round trips per batch');
  return lines;
}

// ----- the summary ---------------------------------------------------------------------------------

interface Row {
  readonly measure: string;
  readonly figure: string;
  readonly target: string;
  /** undefined: no target, a figure for the record. */
  readonly met?: boolean;
}
const summary: Row[] = [];

function printSummary(): void {
  if (summary.length === 0) return;
  const cells = summary.map((r) => [r.measure, r.figure, r.target, r.met === undefined ? '' : r.met ? 'met' : 'NOT MET']);
  const head = ['Measure', 'Figure', 'Target', ''];
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => `| ${c.map((x, i) => x.padEnd(widths[i]!)).join(' | ')} |`;
  log('');
  log('Summary (one run, this machine)');
  log(line(head));
  log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const c of cells) log(line(c));
}

async function main(): Promise<void> {
  log(`tixngo-bridge injection benchmark: ${N} events, ${PARTITIONS} partitions, node ${process.version}, parts ${[...PARTS].join(',')}`);
  try {
    if (PARTS.has('throughput')) await throughput();
    if (PARTS.has('steady')) await steadyLatency();
    if (PARTS.has('backlog')) await backlogMemory();
    if (PARTS.has('stadium')) await stadium();
    if (PARTS.has('latency')) await batchesInFlightUnderLatency();
    if (PARTS.has('holder-sync')) await holderSync();
  } finally {
    printSummary();
  }
}

async function throughput(): Promise<void> {
  const sim = await startSimulatorProcess();
  const topics = await createTestTopics(PARTITIONS);
  const t0 = Date.now();
  await preload(topics.printedEligible, N);
  log(`preloaded ${N} events in ${Date.now() - t0} ms`);

  const { ms: aMs, cpuSeconds: aCpu } = await ceiling(topics.printedEligible, N);
  const a = rate(N, aMs);
  const aUs = us(aCpu, N);
  log(`(a) decode + commit ceiling:        ${a} events/s (${aMs} ms), ${fmtUs(aUs)} CPU per event (this process)`);

  const role = await startRole(topics, sim);
  const storeBefore = await waitForOps(role);
  // Timed from the first accepted ticket: the start-up (connections, the group join) is not throughput.
  const bBoot = Date.now();
  await waitForAccepted(sim, 1, role, 20);
  const bStart = Date.now();
  const bCpu = cpuMeter({ role: role.child.pid, simulator: sim.pid, bench: process.pid }, stackPids());
  const bFirst = await sim.accepted();
  await waitForAccepted(sim, N, role);
  const bMs = Date.now() - bStart;
  const cpu = bCpu();
  const work = storeWork(storeBefore, await settledCounters(role));
  await stopRole(role);
  const bTickets = N - bFirst;
  const b = rate(bTickets, bMs);
  log(
    `(b) inject role, batched:           ${b} tickets/s (${bTickets} tickets in ${bMs} ms after the first ${bFirst}; start-up ${bStart - bBoot} ms; CPU steal ${cpu.stealPct}%)`,
  );
  log(`    CPU per ticket: ${cpuLine(cpu, bTickets)}`);
  for (const l of storeLines(work, N)) log(`    ${l}`);
  const roleUs = us(cpu.seconds.role ?? NaN, bTickets);

  const sim2 = await startSimulatorProcess();
  const cSteal = stealMeter();
  const cMs = await naive(topics.printedEligible, NAIVE, sim2, pushOnly);
  await sim2.close();
  const c = rate(NAIVE, cMs);
  log(`(c) naive, one ticket per request:  ${c} tickets/s (${NAIVE} events, ${cMs} ms; push only: no ledger, no write-back; ${cSteal()})`);

  const sim3 = await startSimulatorProcess();
  const mongo = await MongoClient.connect(services().mongoUri);
  const same = await sameWork(mongo.db(unique('bench').replace(/-/g, '_')), topics.printed);
  const c2Ms = await naive(topics.printedEligible, NAIVE, sim3, same.perTicket);
  await same.close();
  await mongo.close();
  await sim3.close();
  const c2 = rate(NAIVE, c2Ms);
  log(`(c') naive, the role's work per ticket: ${c2} tickets/s (${NAIVE} events, ${c2Ms} ms; validate, map, push, ledger, write-back)`);
  log(
    `ratio b/a = ${(b / a).toFixed(2)}, b/c = ${(b / c).toFixed(1)} (target >= 10), b/c' = ${(b / c2).toFixed(1)}, role CPU per ticket / ceiling CPU per event = ${(roleUs / aUs).toFixed(1)} (target <= 10)`,
  );
  await sim.close();

  const perTicket = (name: string) => fmtUs(us(cpu.seconds[name] ?? NaN, bTickets));
  summary.push(
    { measure: `(a) ceiling, ${N} events`, figure: `${a} events/s, ${fmtUs(aUs)} CPU per event`, target: '' },
    { measure: `(b) inject role, ${N} events`, figure: `${b} tickets/s (CPU steal ${cpu.stealPct}%)`, target: '' },
    { measure: `(c) naive push only, ${NAIVE} events`, figure: `${c} tickets/s`, target: '' },
    { measure: `(c') naive, the role's work, ${NAIVE} events`, figure: `${c2} tickets/s (b/c' = ${(b / c2).toFixed(1)})`, target: '' },
    { measure: 'b/c', figure: (b / c).toFixed(1), target: '>= 10', met: b / c >= 10 },
    {
      measure: 'role CPU per ticket / ceiling CPU per event',
      figure: `${fmtUs(roleUs)} / ${fmtUs(aUs)} = ${(roleUs / aUs).toFixed(1)}`,
      target: '<= 10',
      met: roleUs / aUs <= 10,
    },
    {
      measure: 'CPU per ticket during (b): simulator, Kafka, store, registry, machine',
      figure: `${perTicket('simulator')}, ${perTicket('kafka')}, ${perTicket('store')}, ${perTicket('registry')}, ${perTicket('machine')}`,
      target: '',
    },
    { measure: 'store documents written per ticket, (b)', figure: (work.written / N).toFixed(3), target: '<= 1', met: work.written / N <= 1 },
    {
      measure: 'store documents read per ticket, round trips per batch, (b)',
      figure: `${(work.read / N).toFixed(3)}, ${work.batches > 0 ? (work.commands / work.batches).toFixed(1) : 'n/a'} (${work.batches} batches)`,
      target: '',
    },
  );
}

async function steadyLatency(): Promise<void> {
  // p99 event-to-push at a steady 1,000 events/s
  const sim3 = await startSimulatorProcess();
  const steadyTopics = await createTestTopics(PARTITIONS);
  const role = await startRole(steadyTopics, sim3);
  const codec = new AvroCodec({ url: services().registryUrl });
  const producer = kafkaClient().producer();
  await producer.connect();
  // One ticket first, so that the timed stream starts once the role has joined its group.
  const warmUp = aPrintedTicket({}, 899_999);
  await producer.send({
    topic: steadyTopics.printedEligible,
    messages: [{ key: warmUp.ticketId, value: await codec.encode(steadyTopics.printedEligible, 'ticket-printed-eligible', warmUp) }],
  });
  await waitForAccepted(sim3, 1, role);
  const storeBefore = await roleCounters(role);
  const producedAt = new Map<string, number>();
  const total = STEADY_S * 1000;
  const start = Date.now();
  for (let i = 0; i < total; i += 50) {
    const due = start + i; // 50 events every 50 ms = 1,000/s
    if (due > Date.now()) await sleep(due - Date.now());
    const messages = [];
    for (let j = i; j < i + 50; j++) {
      const t = aPrintedTicket({}, 900_000 + j);
      messages.push({ key: t.ticketId, value: await codec.encode(steadyTopics.printedEligible, 'ticket-printed-eligible', t) });
      producedAt.set(t.ticketId, Date.now());
    }
    await producer.send({ topic: steadyTopics.printedEligible, messages });
  }
  await producer.disconnect();
  await waitForAccepted(sim3, total + 1, role);
  const work = storeWork(storeBefore, await settledCounters(role));
  const latencies: number[] = [];
  for (const t of (await sim3.received()).tickets) {
    const injected = t.operations.find((o) => o.op === 'inject');
    const p = producedAt.get(t.ticketId);
    if (injected && p !== undefined) latencies.push(Date.parse(injected.at) - p);
  }
  latencies.sort((x, y) => x - y);
  const p99 = percentile(latencies, 99);
  log(`steady 1000 events/s for ${STEADY_S} s: event-to-push p50 ${percentile(latencies, 50)} ms, p99 ${p99} ms (target <= 100 ms)`);
  for (const l of storeLines(work, total)) log(`    ${l}`);
  await stopRole(role);
  await sim3.close();
  summary.push(
    {
      measure: `event-to-push at 1,000 events/s for ${STEADY_S} s`,
      figure: `p50 ${percentile(latencies, 50)} ms, p99 ${p99} ms`,
      target: 'p99 <= 100 ms',
      met: p99 <= 100,
    },
    {
      measure: 'store documents written per ticket at 1,000 events/s',
      figure: `${(work.written / total).toFixed(3)} (${work.batches > 0 ? Math.round(total / work.batches) : 'n/a'} tickets per batch)`,
      target: '',
    },
  );
}

async function backlogMemory(): Promise<void> {
  // peak RSS with a 1,000,000-event backlog, role in its own process
  const sim4 = await startSimulatorProcess();
  const backlogTopics = await createTestTopics(PARTITIONS);
  const b0 = Date.now();
  await preload(backlogTopics.printedEligible, BACKLOG, 2_000_000);
  log(`preloaded a backlog of ${BACKLOG} events in ${Date.now() - b0} ms`);
  const proc = await startRole(backlogTopics, sim4);
  let peakKb = 0;
  const until = Date.now() + BACKLOG_S * 1000;
  while (Date.now() < until && proc.child.exitCode === null) {
    try {
      const status = readFileSync(`/proc/${proc.child.pid}/status`, 'utf8');
      peakKb = Math.max(peakKb, Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0));
    } catch {
      break;
    }
    await sleep(500);
  }
  const done = await sim4.accepted();
  await stopRole(proc);
  const mb = Math.round(peakKb / 1024);
  log(
    `backlog ${BACKLOG}: ${done} pushed in ${BACKLOG_S} s, peak RSS ${mb} MB with NODE_OPTIONS='${NODE_OPTIONS}' MALLOC_ARENA_MAX=${RUNTIME_ENV.MALLOC_ARENA_MAX} (target <= 250 MB)`,
  );
  await sim4.close();
  summary.push({
    measure: `peak RSS, ${BACKLOG}-event backlog, ${BACKLOG_S} s (${done} pushed)`,
    figure: `${mb} MB`,
    target: '<= 250 MB at 1,000,000',
    met: BACKLOG >= 1_000_000 ? mb <= 250 : undefined,
  });
}

/**
 * A stadium: `BENCH_STADIUM` tickets of one performance, produced at once to a role that is up and has
 * joined its group; wall time from the first produce to the last ticket the simulator accepted.
 */
async function stadium(): Promise<void> {
  const sim = await startSimulatorProcess();
  const topics = await createTestTopics(PARTITIONS);
  const role = await startRole(topics, sim);
  const codec = new AvroCodec({ url: services().registryUrl });
  const producer = kafkaClient().producer();
  await producer.connect();
  const warmUp = aPrintedTicket({}, 4_999_999);
  await producer.send({
    topic: topics.printedEligible,
    messages: [{ key: warmUp.ticketId, value: await codec.encode(topics.printedEligible, 'ticket-printed-eligible', warmUp) }],
  });
  await waitForAccepted(sim, 1, role);
  // Encoded beforehand: the wall time is the bridge's, not the Avro encoding of this process.
  const template = aPrintedTicket({}, 5_000_000);
  const chunks: { key: string; value: Buffer }[][] = [];
  for (let i = 0; i < STADIUM; i += 2000) {
    const messages = [];
    for (let j = i; j < Math.min(i + 2000, STADIUM); j++) {
      const t = { ...template, ticketId: String(500_000_000 + j), taxNumber: String(9_000_000 + j), barcode: `ST${j}` };
      messages.push({ key: t.ticketId, value: await codec.encode(topics.printedEligible, 'ticket-printed-eligible', t) });
    }
    chunks.push(messages);
  }
  const storeBefore = await roleCounters(role);
  const cpu = cpuMeter({ role: role.child.pid, simulator: sim.pid, bench: process.pid }, stackPids());
  const start = Date.now();
  const pending: Promise<unknown>[] = [];
  for (const messages of chunks) {
    pending.push(producer.send({ topic: topics.printedEligible, messages, acks: 1 }));
    if (pending.length >= 8) await Promise.all(pending.splice(0));
  }
  await Promise.all(pending);
  const producedMs = Date.now() - start;
  await producer.disconnect();
  await waitForAccepted(sim, STADIUM + 1, role, 50);
  const ms = Date.now() - start;
  const used = cpu();
  const work = storeWork(storeBefore, await settledCounters(role));
  await stopRole(role);
  await sim.close();
  log(
    `stadium: ${STADIUM} tickets of one performance in ${ms} ms from the first produce to the last accepted (produced in ${producedMs} ms; CPU steal ${used.stealPct}%) (target <= 15 s for 80,000)`,
  );
  log(`    CPU per ticket: ${cpuLine(used, STADIUM)}`);
  for (const l of storeLines(work, STADIUM)) log(`    ${l}`);
  summary.push({
    measure: `stadium: ${STADIUM} tickets of one performance at once`,
    figure: `${(ms / 1000).toFixed(1)} s (${rate(STADIUM, ms)} tickets/s)`,
    target: '<= 15 s for 80,000',
    met: STADIUM >= 80_000 ? ms <= 15_000 : undefined,
  });
}

/**
 * TIXnGO is remote in production: with 100 ms added to every inject request, the role with one batch
 * in flight against the default (several; `<R>_BATCHES_IN_FLIGHT`).
 */
async function batchesInFlightUnderLatency(): Promise<void> {
  const sim = await startSimulatorProcess();
  await sim.setFaults({ latency: { ms: 100, endpoints: ['inject'] } });
  const rates: string[] = [];
  for (const [i, inFlight] of [
    [0, '1'],
    [1, ROLE_ENV.INJECT_BATCHES_IN_FLIGHT],
  ] as const) {
    const topics = await createTestTopics(PARTITIONS);
    await preload(topics.printedEligible, LATENCY_N, 3_000_000 + i * LATENCY_N);
    const before = await sim.accepted();
    const role = await startRole(topics, sim, inFlight ? { INJECT_BATCHES_IN_FLIGHT: inFlight } : {});
    await waitForAccepted(sim, before + 1, role, 20);
    const start = Date.now();
    const first = (await sim.accepted()) - before;
    await waitForAccepted(sim, before + LATENCY_N, role);
    const ms = Date.now() - start;
    await stopRole(role);
    rates.push(`${inFlight ?? 'default'} in flight: ${rate(LATENCY_N - first, ms)} tickets/s`);
  }
  log(`TIXnGO 100 ms away, ${LATENCY_N} events: ${rates.join(', ')}`);
  summary.push({ measure: `(b) with TIXnGO 100 ms away, ${LATENCY_N} events`, figure: rates.join('; '), target: '' });
  await sim.close();
}

/**
 * holder-sync: BENCH_HOLDER_TICKETS tickets injected into the simulator give as many feed records for
 * tickets the store does not know; once the poller has stored them, one wallet-side change of each gives
 * as many records for tickets it knows (the poller read or wrote their heads earlier in its term); then,
 * with the role restarted, one more change of each (the new term reads each head from the store). Each rate is timed from the first page the poller stores (the
 * start-up and the lease are not throughput) to the key pointing after the last record, as measured
 * from outside: the key in the store. Each phase gives up after BENCH_HOLDER_SECONDS and reports how
 * far it got. The simulator runs in this process, so that 100,000 tickets are injected and changed
 * without as many HTTP requests; its feed pages are charged to this process, not to the role.
 */
async function holderSync(): Promise<void> {
  const sim = await startSimulator({ apiKey: API_KEY, host: '127.0.0.1', port: 0 });
  const topics = await createTestTopics(PARTITIONS);
  const ids = Array.from({ length: HOLDER_TICKETS }, (_, i) => String(700_000_000 + i));
  const event = { id: 'EV-BENCH', startTime: '2030-06-01T20:00:00+02:00', expirationDate: '2030-06-02T04:00:00+02:00' };
  for (let i = 0; i < ids.length; i += 1000) {
    const entries = ids.slice(i, i + 1000).map((ticketId) => ({
      ticketId,
      event,
      purchaseDetails: {},
      security: {},
      spectatorDetails: { firstName: 'Bea', lastName: 'Bench', email: 'bench@example.test' },
    }));
    if (sim.state.inject(entries, sim.state.nextRequestId()).some((r) => r.status !== 'OK')) throw new Error('the simulator refused a bench ticket');
  }
  const env = bridgeEnv(topics, sim, {
    ...RUNTIME_ENV,
    ...ROLE_ENV,
    BRIDGE_ROLE: 'holder-sync',
    HOLDER_SYNC_ORGANIZER_ID: 'bench',
    HOLDER_SYNC_PAGE_LIMIT: '1000',
    HOLDER_SYNC_MAX_REQUESTS_PER_SECOND: '1000',
    HOLDER_SYNC_POLL_INTERVAL_MS: '200',
  });
  const mongo = await MongoClient.connect(services().mongoUri);
  const db = mongo.db(env.MONGODB_DATABASE!);
  const lastSeq = () => sim.state.feed()[sim.state.feed().length - 1]!.seq;
  let role = spawnBridge(env, [], { built: true, nodeArgs: nodeArgs('BENCH_NODE_ARGS') });
  try {
    const fresh = await feedPhase(db, role, 0, lastSeq());
    log(`holder-sync, ${HOLDER_TICKETS} new tickets:   ${fresh.summary}`);
    let from = lastSeq();
    for (const id of ids) if (!sim.state.holderAction(id, { action: 'download' }).ok) throw new Error('the simulator refused a bench change');
    const known = await feedPhase(db, role, from, lastSeq());
    log(`holder-sync, ${HOLDER_TICKETS} known tickets: ${known.summary}`);
    // The same again after a restart: a new term knows no head and reads each ticket's from the store once.
    await stopRole(role);
    from = lastSeq();
    for (const id of ids) {
      if (!sim.state.holderAction(id, { action: 'assign', person: { firstName: 'Gus', lastName: 'Guest' } }).ok)
        throw new Error('the simulator refused a bench change');
    }
    role = spawnBridge(env, [], { built: true, nodeArgs: nodeArgs('BENCH_NODE_ARGS') });
    const cold = await feedPhase(db, role, from, lastSeq());
    log(`holder-sync, ${HOLDER_TICKETS} known tickets after a restart: ${cold.summary}`);
    summary.push(
      { measure: `holder-sync, ${HOLDER_TICKETS} new tickets`, figure: `${fresh.perSecond} records/s`, target: '' },
      {
        measure: `holder-sync, changes to ${HOLDER_TICKETS} known tickets`,
        figure: `${known.perSecond} records/s`,
        target: '>= 3,000 records/s at 100,000',
        met: HOLDER_TICKETS >= 100_000 ? known.perSecond >= 3000 : undefined,
      },
      {
        measure: `holder-sync, changes to ${HOLDER_TICKETS} known tickets, first after a restart`,
        figure: `${cold.perSecond} records/s`,
        target: '>= 3,000 records/s at 100,000',
        met: HOLDER_TICKETS >= 100_000 ? cold.perSecond >= 3000 : undefined,
      },
    );
  } finally {
    await stopRole(role);
    await mongo.close();
    await sim.close();
  }
}

/** Times the poller from the first page it stores after `fromSeq` to the key pointing after `toSeq`. */
async function feedPhase(db: Db, role: BridgeProcess, fromSeq: number, toSeq: number): Promise<{ perSecond: number; summary: string }> {
  const startedAt = Date.now();
  const deadline = startedAt + HOLDER_S * 1000;
  let seq = fromSeq;
  while ((seq = await storedSeq(db)) <= fromSeq && Date.now() < deadline) {
    if (role.child.exitCode !== null) throw new Error(`the role exited (code ${role.child.exitCode}):\n${role.output().slice(-3000)}`);
    await sleep(20);
  }
  seq = Math.max(seq, fromSeq);
  const first = { seq, at: Date.now() };
  const steal = stealMeter();
  const cpu = cpuMeter({ role: role.child.pid }, { store: stackPids().store });
  const quarter = first.seq + Math.ceil((toSeq - first.seq) / 4);
  const lastQuarterFrom = toSeq - Math.ceil((toSeq - first.seq) / 4);
  let atQuarter: { seq: number; at: number } | undefined;
  let atLastQuarter: { seq: number; at: number } | undefined;
  while (seq < toSeq && Date.now() < deadline) {
    if (role.child.exitCode !== null) throw new Error(`the role exited (code ${role.child.exitCode}):\n${role.output().slice(-3000)}`);
    await sleep(50);
    seq = await storedSeq(db);
    if (!atQuarter && seq >= quarter) atQuarter = { seq, at: Date.now() };
    if (!atLastQuarter && seq >= lastQuarterFrom) atLastQuarter = { seq, at: Date.now() };
  }
  const ms = Date.now() - first.at;
  const done = seq - first.seq;
  const part = (a: { seq: number; at: number }, b: { seq: number; at: number }) => `${rate(b.seq - a.seq, Math.max(1, b.at - a.at))}/s`;
  const end = { seq, at: Date.now() };
  const flat = atQuarter && atLastQuarter && seq >= toSeq ? `; first quarter ${part(first, atQuarter)}, last quarter ${part(atLastQuarter, end)}` : '';
  if (seq < toSeq) {
    // Cut short: count what was stored instead (one scan, once). States carry when their page was read.
    const stored = await db.collection('ticket_holders').countDocuments({ observedAt: { $gte: new Date(startedAt) } });
    return {
      perSecond: rate(stored, Date.now() - startedAt),
      summary: `${rate(stored, Date.now() - startedAt)} records/s (stopped after ${HOLDER_S} s: ${stored} of ${toSeq - fromSeq} states stored, the key at ${seq - fromSeq}; ${steal()})`,
    };
  }
  return {
    perSecond: rate(done, ms),
    summary: `${rate(done, ms)} records/s (${done} records in ${ms} ms after the first page${flat}; ${steal()}; CPU per record: ${cpuLine(cpu(), done)})`,
  };
}

/** How far the stored pagination key points, as a feed sequence (0 before the first page). */
async function storedSeq(db: Db): Promise<number> {
  const docs = await db.collection<{ term?: number; paginationKey: string | null }>('poller_leases').find({ organizerId: 'bench' }).toArray();
  const latest = docs.sort((a, b) => (b.term ?? 0) - (a.term ?? 0))[0];
  return latest?.paginationKey ? (decodePaginationKey(latest.paginationKey) ?? 0) : 0;
}

main().then(
  () => process.exit(0),
  (e) => {
    process.stderr.write(`benchmark failed: ${(e as Error).stack}\n`);
    process.exit(1);
  },
);
