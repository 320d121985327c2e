import { readFileSync } from 'node:fs';
import { KafkaAdmin } from '../../src/kafka/admin';
import type { RunningSimulator } from '../../src/simulator/simulator';
import { spawnBridge, type BridgeProcess } from '../support/bridge-process';
import { bridgeEnv, createTestTopics, kafkaClient, startTestSimulator, type TestTopics } from '../support/harness';
import { freePort, pause, probe } from '../support/role-processes';
import { unique } from '../support/unique';
import { waitFor } from '../support/wait-for';

/** Bytes the process has read through read(2) and the like, sockets included (`/proc/<pid>/io`). */
function bytesRead(pid: number): number {
  return Number(/^rchar:\s*(\d+)/m.exec(readFileSync(`/proc/${pid}/io`, 'utf8'))![1]);
}

/**
 * The Kafka readiness probe runs every few seconds for the life of every pod. Its request must cost the
 * same on a cluster of ten topics and on the shared cluster of a platform with thousands: it asks about
 * the role's own topics, never for the whole cluster's metadata.
 */
describe('the Kafka readiness probe (a real bridge process)', () => {
  let simulator: RunningSimulator;
  let topics: TestTopics;
  let proc: BridgeProcess | undefined;
  const extra: string[] = [];

  beforeEach(async () => {
    simulator = await startTestSimulator();
    topics = await createTestTopics(1);
  });

  afterEach(async () => {
    if (proc && proc.child.exitCode === null && proc.child.signalCode === null) {
      proc.child.kill('SIGKILL');
      await proc.exited;
    }
    await simulator.close();
    if (extra.length > 0) {
      const admin = kafkaClient().admin();
      await admin.connect();
      await admin.deleteTopics({ topics: extra.splice(0) }).catch(() => undefined);
      await admin.disconnect();
    }
  });

  it('reads no more from Kafka on a cluster with 400 more topics', async () => {
    const port = await freePort();
    // A probe every 200 ms: 15 in the 3 s measured.
    proc = spawnBridge(bridgeEnv(topics, simulator, { HTTP_PORT: String(port), HEALTH_KAFKA_PROBE_MS: '200', STATUS_LAG_INTERVAL_MS: '0' }));
    const pid = proc.child.pid!;
    await waitFor(async () => (await probe(port, '/readyz').catch(() => ({ status: 0 }))).status === 200, {
      timeoutMs: 60_000,
      describe: () => proc!.output().slice(-2000),
    });
    const idleRead = async () => {
      await pause(1_000);
      const before = bytesRead(pid);
      await pause(3_000);
      return bytesRead(pid) - before;
    };
    const small = await idleRead();

    const prefix = unique('probe-extra');
    extra.push(...Array.from({ length: 400 }, (_, i) => `${prefix}-${i}`));
    const admin = await KafkaAdmin.connect(kafkaClient());
    await admin.createTopics(extra.map((topic) => ({ topic, numPartitions: 1, replicationFactor: 1 }))).finally(() => admin.disconnect());
    const large = await idleRead();

    // Whole-cluster metadata for 400 more topics is ~25 KB a request; 15 probes would read ~400 KB more.
    expect({ small, large, same: large - small < 64 * 1024 }).toEqual({ small, large, same: true });
    expect((await probe(port, '/readyz')).status).toBe(200);
  });
});
