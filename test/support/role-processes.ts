import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { spawnBridge, type BridgeProcess } from './bridge-process';
import { bridgeEnv, kafkaClient, type TestTopics } from './harness';
import { waitFor } from './wait-for';

export type ConsumerRole = 'inject' | 'cancel' | 'control';

const DOCKERFILE = readFileSync(join(__dirname, '..', '..', 'Dockerfile'), 'utf8');
const imageEnv = (name: string) => new RegExp(`^ENV ${name}="?([^"\\n]+)"?$`, 'm').exec(DOCKERFILE)![1]!;

/**
 * The process settings the image runs the service with (the Dockerfile's `ENV`): NODE_OPTIONS (heap
 * and young-generation caps) and MALLOC_ARENA_MAX (glibc's allocator arenas). What a process measured
 * "as the image runs it" gets.
 */
export const IMAGE_RUNTIME_ENV: Readonly<{ NODE_OPTIONS: string; MALLOC_ARENA_MAX: string }> = {
  NODE_OPTIONS: imageEnv('NODE_OPTIONS'),
  MALLOC_ARENA_MAX: imageEnv('MALLOC_ARENA_MAX'),
};

/**
 * The environment of the black-box crash tests: every consumer role configured, small timeouts so a
 * dead process's unfinished request is stale within seconds, short lingers and backoffs. The new
 * engine reads `OUTBOX_STALE_MS`; the old one ignores settings it does not know.
 */
export function crashEnv(topics: TestTopics, simulator: { url: string }, overrides: Record<string, string> = {}): Record<string, string> {
  return bridgeEnv(topics, simulator, {
    LOG_LEVEL: 'info',
    CANCEL_SHIPMENT_MODES: 'MOBILE',
    CONTROL_SHIPMENT_MODES: 'MOBILE',
    TIXNGO_REQUEST_TIMEOUT_MS: '2000',
    OUTBOX_STALE_MS: '4000',
    KAFKA_SESSION_TIMEOUT_MS: '6000',
    INJECT_LINGER_MS: '100',
    CANCEL_LINGER_MS: '100',
    CONTROL_LINGER_MS: '100',
    RETRY_BASE_MS: '50',
    RETRY_MAX_MS: '1000',
    STATUS_LAG_INTERVAL_MS: '0',
    ...overrides,
  });
}

/** The consumer group of a role under `env` (`<prefix>-<role>`). */
export function groupOf(env: Record<string, string>, role: ConsumerRole): string {
  return `${env.KAFKA_GROUP_ID_PREFIX}-${role}`;
}

/**
 * Role processes of one test, one Node process per role (`src/main.ts <role>`), each with its own
 * instance id (hostname-pid). Keeps every output for post-mortems; `killAll` is the test's cleanup.
 */
export class RoleProcesses {
  private readonly procs = new Map<string, BridgeProcess>();
  private readonly logs = new Map<string, string[]>();
  /** Every SIGKILL this test sent: role and when. */
  readonly kills: { role: string; at: number }[] = [];

  constructor(private readonly env: Record<string, string>) {}

  /** Starts `role` (a role or a comma-separated list) with the test's env plus `extra`; waits until it consumes. */
  async start(role: string, extra: Record<string, string> = {}, opts: { waitStarted?: boolean } = {}): Promise<BridgeProcess> {
    if (this.procs.has(role)) throw new Error(`${role} is already running`);
    const proc = spawnBridge({ ...this.env, ...extra }, [role]);
    this.procs.set(role, proc);
    const list = this.logs.get(role) ?? [];
    this.logs.set(role, list);
    const index = list.push('') - 1;
    proc.child.stdout!.on('data', () => (list[index] = proc.output()));
    proc.child.stderr!.on('data', () => (list[index] = proc.output()));
    if (opts.waitStarted !== false) {
      // Started = each role's consumer group is stable with this one member (a killed predecessor has
      // left it, after its session timeout): from outside, without relying on log lines.
      const roles = role.split(',') as ConsumerRole[];
      await waitFor(
        async () => {
          if (proc.child.exitCode !== null) throw new Error(`${role} exited with ${proc.child.exitCode}:\n${proc.output().slice(-3000)}`);
          const groups = await describeGroups(roles.map((r) => groupOf(this.env, r)));
          return groups.every((g) => g.state === 'Stable' && g.members === 1);
        },
        { timeoutMs: 60_000, intervalMs: 200, describe: () => proc.output().slice(-2000) },
      );
    }
    return proc;
  }

  get(role: string): BridgeProcess {
    const p = this.procs.get(role);
    if (!p) throw new Error(`${role} is not running`);
    return p;
  }

  running(role: string): boolean {
    const p = this.procs.get(role);
    return p !== undefined && p.child.exitCode === null && p.child.signalCode === null;
  }

  /** kill -9, and wait until the process is gone. */
  async kill(role: string, opts: { cleanup?: boolean } = {}): Promise<void> {
    const p = this.procs.get(role);
    if (!p) return;
    this.procs.delete(role);
    if (p.child.exitCode === null && p.child.signalCode === null) {
      p.child.kill('SIGKILL');
      if (!opts.cleanup) this.kills.push({ role, at: Date.now() });
    }
    await p.exited;
  }

  async restart(role: string, extra: Record<string, string> = {}): Promise<BridgeProcess> {
    await this.kill(role);
    return this.start(role, extra);
  }

  /** Forgets a process that exited by itself (so it can be started again). */
  forget(role: string): void {
    this.procs.delete(role);
  }

  /** Every output `role` wrote, all its runs, oldest first. */
  output(role: string): string {
    return (this.logs.get(role) ?? []).join('\n----- restart -----\n');
  }

  /** The last lines of every role's output, for failure messages. */
  tails(chars = 1500): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [role] of this.logs) out[role] = this.output(role).slice(-chars);
    return out;
  }

  async killAll(): Promise<void> {
    for (const role of [...this.procs.keys()]) await this.kill(role, { cleanup: true });
  }
}

/** State and member count of consumer groups. */
export async function describeGroups(groupIds: readonly string[]): Promise<{ groupId: string; state: string; members: number }[]> {
  const admin = kafkaClient().admin();
  await admin.connect();
  try {
    const { groups } = await admin.describeGroups([...groupIds]);
    return groups.map((g) => ({ groupId: g.groupId, state: g.state, members: g.members.length }));
  } finally {
    await admin.disconnect();
  }
}

/** A TCP port free on 127.0.0.1 right now (for a process's fixed HTTP_PORT). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** VmRSS of a process, in kB (Linux `/proc/<pid>/status`). */
export function rssKb(pid: number): number {
  const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]);
}

/** GET on a role's ops port: the status code, or 0 when nothing answers. */
export async function probe(port: number, path: '/livez' | '/readyz' | '/metrics'): Promise<{ status: number; body: string }> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(1500) });
    return { status: res.status, body: await res.text() };
  } catch {
    return { status: 0, body: '' };
  }
}

/** `sleep` that reads well in scenarios. */
export const pause = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
