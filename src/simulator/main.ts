import { z } from 'zod';
import { startSimulator } from './simulator';

/**
 * Standalone TIXnGO simulator (`npm run simulator`), for the local demo, docker-compose and
 * benchmarks. Settings (all optional):
 *   SIMULATOR_HOST (127.0.0.1), SIMULATOR_PORT (8090), SIMULATOR_API_KEY (local-dev-api-key),
 *   SIMULATOR_API_KEY_HEADER (x-api-key), SIMULATOR_BASE_PATH (/v3),
 *   SIMULATOR_MAX_TICKETS_PER_REQUEST (10000), SIMULATOR_MAX_FEED_LIMIT (1000),
 *   SIMULATOR_FAULTS (a JSON fault configuration applied at start, as for POST /_sim/faults).
 * Logs one JSON line when listening; SIGTERM / SIGINT close it and the process exits 0.
 */

const EnvSchema = z.object({
  SIMULATOR_HOST: z.string().min(1).default('127.0.0.1'),
  SIMULATOR_PORT: z.coerce.number().int().min(0).max(65535).default(8090),
  SIMULATOR_API_KEY: z.string().min(1).default('local-dev-api-key'),
  SIMULATOR_API_KEY_HEADER: z
    .string()
    .regex(/^[A-Za-z0-9-]+$/)
    .default('x-api-key'),
  SIMULATOR_BASE_PATH: z.string().default('/v3'),
  SIMULATOR_MAX_TICKETS_PER_REQUEST: z.coerce.number().int().positive().default(10_000),
  SIMULATOR_MAX_FEED_LIMIT: z.coerce.number().int().positive().default(1000),
  SIMULATOR_FAULTS: z.string().optional(),
});

function line(fields: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), service: 'tixngo-simulator', ...fields })}\n`);
}

async function main(): Promise<void> {
  const parsed = EnvSchema.safeParse(process.env);
  if (!parsed.success) {
    line({ level: 'fatal', msg: 'invalid simulator settings', issues: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) });
    process.exitCode = 2;
    return;
  }
  const env = parsed.data;
  const sim = await startSimulator({
    host: env.SIMULATOR_HOST,
    port: env.SIMULATOR_PORT,
    apiKey: env.SIMULATOR_API_KEY,
    apiKeyHeader: env.SIMULATOR_API_KEY_HEADER,
    basePath: env.SIMULATOR_BASE_PATH,
    maxTicketsPerRequest: env.SIMULATOR_MAX_TICKETS_PER_REQUEST,
    maxFeedLimit: env.SIMULATOR_MAX_FEED_LIMIT,
    // A restarted simulator forgets its feed, while holder-sync keeps its pagination key (MongoDB outlives
    // it in the local stack and in compose). Sequences counted on from the clock (microseconds) stay above any
    // key an earlier run handed out, so the poller reads the new feed from its start instead of waiting
    // for the sequence to pass the old key.
    feedSeqStart: Date.now() * 1000,
  });
  if (env.SIMULATOR_FAULTS !== undefined && env.SIMULATOR_FAULTS.trim() !== '') {
    sim.state.faults.set(JSON.parse(env.SIMULATOR_FAULTS));
  }
  line({ level: 'info', msg: 'tixngo simulator listening', url: sim.url, inspect: `${sim.origin}/_sim/received` });

  const stop = (signal: NodeJS.Signals) => {
    line({ level: 'info', msg: 'tixngo simulator stopping', signal });
    void sim.close().then(() => {
      process.exitCode = 0;
    });
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((e: unknown) => {
  line({ level: 'fatal', msg: 'tixngo simulator failed', error: e instanceof Error ? e.message : String(e) });
  process.exitCode = 1;
});
