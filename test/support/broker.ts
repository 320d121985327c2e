import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { services } from './harness';

const ROOT = join(__dirname, '..', '..');

/**
 * The pid of the Kafka broker of the local stack (`scripts/stack.sh up`), from `.stack/kafka/pid`
 * (or `STACK_KAFKA_PID_FILE`), only when it is certainly the broker the tests use: the process is a
 * `kafka.Kafka` and the stack recorded the port that `KAFKA_BROKERS` names. Otherwise undefined (e.g.
 * testcontainers or a shared broker): tests that stall the broker are skipped then, never aimed at
 * somebody else's broker.
 */
export function stackBrokerPid(): number | undefined {
  const pidFile = process.env.STACK_KAFKA_PID_FILE ?? join(ROOT, '.stack', 'kafka', 'pid');
  const portFile = join(pidFile, '..', 'port');
  if (!existsSync(pidFile) || !existsSync(portFile)) return undefined;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  const port = readFileSync(portFile, 'utf8').trim();
  if (!Number.isInteger(pid) || pid <= 1) return undefined;
  let cmdline: string;
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return undefined;
  }
  if (!cmdline.includes('kafka.Kafka')) return undefined;
  const brokers = services().brokers;
  if (brokers.length !== 1 || !/^(127\.0\.0\.1|localhost):\d+$/.test(brokers[0]!) || brokers[0]!.split(':')[1] !== port) return undefined;
  return pid;
}

let stopped: number | undefined;
process.once('exit', () => {
  // Never leave the broker frozen behind a failed test.
  if (stopped !== undefined) {
    try {
      process.kill(stopped, 'SIGCONT');
    } catch {
      /* gone */
    }
  }
});

/** Freezes the broker (SIGSTOP): connections stay open, nothing is answered. Always `resumeBroker` in a finally. */
export function stallBroker(pid: number): void {
  stopped = pid;
  process.kill(pid, 'SIGSTOP');
}

export function resumeBroker(pid: number): void {
  process.kill(pid, 'SIGCONT');
  stopped = undefined;
}

/** Runs `fn` with the broker stalled, resuming it whatever happens. */
export async function withBrokerStalled<T>(pid: number, fn: () => Promise<T>): Promise<T> {
  stallBroker(pid);
  try {
    return await fn();
  } finally {
    resumeBroker(pid);
  }
}
