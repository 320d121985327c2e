/**
 * Soak test (not part of the default test run): `npm run soak`. Needs the local stack
 * (`scripts/stack.sh up`, then `source .stack/env`). The three consumer roles run as separate
 * processes over SOAK_TICKETS tickets with reprints (generations 1 and 2), cancellations and controls
 * interleaved on the three topics (some before their injection), TIXnGO answering in 20–80 ms, and
 * SOAK_KILLS kill -9s of random roles at random moments, each followed by a restart. Once every group's
 * lag is 0 it prints, from the simulator's per-ticket records judged against the scenario: tickets,
 * expected pushes, pushed once, lost, pushed twice, deleted after a newer generation. Exit code 0 when
 * all but "pushed once" are 0, 1 otherwise.
 *
 * Settings: SOAK_TICKETS (10000), SOAK_SEED (1), SOAK_KILLS (20), SOAK_WAVES (40), SOAK_WAVE_GAP_MS (1500),
 * SOAK_KILL_GAP_MS (`4000-12000`), SOAK_BATCH_SIZE (200), SOAK_SETTLE_TIMEOUT_S (900). The scenario and
 * the kill schedule follow from the seed (the moments a kill lands in the roles' work do not).
 */
import { formatVerdict, runSoak } from '../support/soak';

const num = (name: string, def: number) => {
  const v = process.env[name];
  if (v === undefined || v === '') return def;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a non-negative number, got ${v}`);
  return n;
};

async function main(): Promise<void> {
  for (const k of ['KAFKA_BROKERS', 'SCHEMA_REGISTRY_URL', 'MONGODB_URI']) {
    if (!process.env[k]) throw new Error(`${k} is not set: start the stack (scripts/stack.sh up) and source .stack/env`);
  }
  const [min, max] = (process.env.SOAK_KILL_GAP_MS ?? '4000-12000').split('-').map(Number);
  const result = await runSoak({
    tickets: num('SOAK_TICKETS', 10_000),
    seed: num('SOAK_SEED', 1),
    kills: num('SOAK_KILLS', 20),
    waves: num('SOAK_WAVES', 40),
    waveGapMs: num('SOAK_WAVE_GAP_MS', 1500),
    killGapMs: [min ?? 4000, max ?? min ?? 12000],
    batchSize: num('SOAK_BATCH_SIZE', 200),
    settleTimeoutMs: num('SOAK_SETTLE_TIMEOUT_S', 900) * 1000,
    log: (line) => process.stderr.write(`${new Date().toISOString()} ${line}\n`),
  });
  process.stdout.write(`${formatVerdict(result)}\n`);
  const v = result.verdict;
  const ok = result.lagZero && v.lost === 0 && v.pushedTwice === 0 && v.deletedAfterNewerGeneration === 0 && v.misordered === 0;
  if (!ok && process.env.SOAK_SHOW_LOGS) for (const [role, out] of Object.entries(result.outputs)) process.stderr.write(`----- ${role}\n${out}\n`);
  process.exit(ok ? 0 : 1);
}

main().catch((e: unknown) => {
  process.stderr.write(`soak failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(2);
});
