/**
 * `ledger import` at scale (not a test): `npm run bench:ledger-import`. Needs the local stack's
 * MongoDB-compatible store (`scripts/stack.sh up`, then `source .stack/env`).
 *
 * Writes a CSV of LEDGER_IMPORT_LINES tickets (default 1,000,000; generations 0–2, every line with its
 * injectedAt) and runs the CLI on it as an operator would in a pod: the production build
 * (`node dist/cli/main.js`), the image's NODE_OPTIONS (unless BENCH_NODE_OPTIONS says otherwise),
 * a fresh database. Three runs: the dry run, `--apply`, and `--apply` again (which must write nothing).
 * For each: the duration and the CLI's CPU time (the rest is waiting for the store), lines/s, the peak
 * RSS (VmHWM) and the RSS at each quarter of the run, which stays flat when memory does not grow with
 * the file; and, for scale, the CLI's peak RSS on a one-line file. Exits 1 when a count is wrong.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { MongoClient } from 'mongodb';
import { unique } from '../support/unique';

const LINES = Number(process.env.LEDGER_IMPORT_LINES ?? 1_000_000);
const ROOT = join(__dirname, '..', '..');
const IMAGE_NODE_OPTIONS = /^ENV NODE_OPTIONS="?([^"\n]+)"?$/m.exec(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'))?.[1] ?? '';
const NODE_OPTIONS = process.env.BENCH_NODE_OPTIONS ?? IMAGE_NODE_OPTIONS;

const log = (s: string) => process.stdout.write(`${s}\n`);
/** Clock ticks per second of /proc/<pid>/stat's CPU times (USER_HZ, 100 on Linux). */
const USER_HZ = 100;

/**
 * Samples a process from /proc every `intervalMs` until `stop()`: its peak RSS (VmHWM, the kernel's own
 * high-water mark, so a peak between samples is not missed), its RSS over time (flat when memory does
 * not grow with the input), and the CPU time it used (user + system), to tell its own work from
 * waiting for the store.
 */
function sampleProcess(pid: number, intervalMs: number): { stop(): { peakMb: number; samples: { atMs: number; rssMb: number }[]; cpuS: number } } {
  const startedAt = Date.now();
  const samples: { atMs: number; rssMb: number }[] = [];
  let peakKb = 0;
  let cpuTicks = 0;
  const read = () => {
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const [hwm, rss] = [/VmHWM:\s+(\d+)/.exec(status)?.[1], /VmRSS:\s+(\d+)/.exec(status)?.[1]];
      // An exiting process (a zombie) has neither.
      if (hwm !== undefined) peakKb = Math.max(peakKb, Number(hwm));
      if (rss !== undefined) samples.push({ atMs: Date.now() - startedAt, rssMb: Number(rss) / 1024 });
      // Fields 14 and 15 (utime, stime), counted after the command name, which may hold spaces.
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      cpuTicks = Number(fields[11]) + Number(fields[12]);
    } catch {
      // The process has exited.
    }
  };
  read();
  const timer = setInterval(read, intervalMs);
  return {
    stop: () => {
      clearInterval(timer);
      return { peakMb: peakKb / 1024, samples, cpuS: cpuTicks / USER_HZ };
    },
  };
}

async function writeCsv(path: string, lines: number): Promise<void> {
  const out = createWriteStream(path);
  out.write('ticketId,generation,injectedAt\n');
  for (let i = 0; i < lines; i++) {
    const day = String(1 + (i % 28)).padStart(2, '0');
    if (!out.write(`${700_000_000 + i},${i % 3},2026-11-${day}T18:00:00+01:00\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

interface Run {
  readonly ms: number;
  readonly cpuS: number;
  readonly peakMb: number;
  readonly quartersMb: number[];
  readonly stdout: string;
}

function importRun(file: string, env: Record<string, string>, apply: boolean): Promise<Run> {
  return new Promise((resolve, reject) => {
    const startedAt = Date.now();
    const child = spawn(process.execPath, [join(ROOT, 'dist', 'cli', 'main.js'), 'ledger', 'import', file, ...(apply ? ['--apply'] : [])], {
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const sampler = sampleProcess(child.pid!, 250);
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      const ms = Date.now() - startedAt;
      const { peakMb, samples, cpuS } = sampler.stop();
      if (code !== 0) return reject(new Error(`ledger import exited ${code}:\n${stdout}`));
      const at = (share: number) => samples.filter((s) => s.atMs <= ms * share).at(-1)?.rssMb ?? NaN;
      resolve({ ms, cpuS, peakMb, quartersMb: [0.25, 0.5, 0.75, 1].map(at), stdout });
    });
  });
}

const countIn = (stdout: string, label: string) => Number(new RegExp(`${label}:\\s+([\\d,]+)`).exec(stdout)?.[1]?.replace(/,/g, ''));

async function main(): Promise<void> {
  const uri = process.env.MONGODB_URI;
  if (!uri) throw new Error('MONGODB_URI is not set: scripts/stack.sh up, then source .stack/env');
  const database = unique('import_bench').replace(/-/g, '_');
  const env = { PATH: process.env.PATH ?? '', MONGODB_URI: uri, MONGODB_DATABASE: database, BRIDGE_ORGANIZATIONS: 'ORG1', NODE_OPTIONS, LOG_LEVEL: 'warn' };
  const dir = mkdtempSync(join(tmpdir(), 'ledger-import-bench-'));
  try {
    const file = join(dir, 'injected.csv');
    const one = join(dir, 'one.csv');
    await writeCsv(file, LINES);
    await writeCsv(one, 1);
    log(`ledger import benchmark: ${LINES.toLocaleString('en-US')} lines, node ${process.version}, NODE_OPTIONS='${NODE_OPTIONS}', database ${database}`);
    const baseline = await importRun(one, env, false);
    log(`one-line file (dry run): peak RSS ${baseline.peakMb.toFixed(0)} MB`);
    const runs: [string, boolean, (stdout: string) => boolean][] = [
      ['dry run', false, (o) => countIn(o, 'new facts') === LINES],
      ['--apply', true, (o) => countIn(o, 'new facts') === LINES],
      ['--apply again', true, (o) => countIn(o, 'new facts') === 0 && countIn(o, 'already known') === LINES],
    ];
    let failed = false;
    for (const [name, apply, ok] of runs) {
      const r = await importRun(file, env, apply);
      const quarters = r.quartersMb.map((m) => m.toFixed(0)).join(' / ');
      log(
        `${name.padEnd(14)} ${(r.ms / 1000).toFixed(1)} s (CPU ${r.cpuS.toFixed(1)} s), ${Math.round((LINES / r.ms) * 1000).toLocaleString('en-US')} lines/s, ` +
          `peak RSS ${r.peakMb.toFixed(0)} MB, RSS at 25/50/75/100 % of the run ${quarters} MB${ok(r.stdout) ? '' : '  COUNTS WRONG'}`,
      );
      if (!ok(r.stdout)) {
        failed = true;
        log(r.stdout);
      }
    }
    if (failed) process.exitCode = 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
    const client = await new MongoClient(uri).connect();
    await client.db(database).dropDatabase();
    await client.close();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
