/**
 * Jest globalSetup of the `integration` project. Finds Kafka, a Schema Registry and a MongoDB-compatible server,
 * in this order:
 *  1. services named by KAFKA_BROKERS, SCHEMA_REGISTRY_URL and MONGODB_URI (all three set): each must answer
 *     within a few seconds, or setup fails naming the variable (the no-Docker path: `scripts/stack.sh up`);
 *  2. otherwise, when a container runtime answers: Kafka (confluentinc/cp-kafka, KRaft), Apicurio Registry (the
 *     same release and settings as the local stack) and mongo:7 containers;
 *  3. otherwise it fails with the commands that start the local stack.
 * The addresses reach the test workers through process.env (workers are forked after globalSetup and inherit
 * it). global-teardown.ts stops whatever this started. The TIXnGO simulator is started by the tests themselves.
 */
import { connect, createServer } from 'node:net';
import { MongoClient } from 'mongodb';
import type { StartedTestContainer } from 'testcontainers';

const ENV_NAMES = ['KAFKA_BROKERS', 'SCHEMA_REGISTRY_URL', 'MONGODB_URI'] as const;
const REACH_TIMEOUT_MS = 5_000;
const KAFKA_IMAGE = 'confluentinc/cp-kafka:7.9.0';
const MONGO_IMAGE = 'mongo:7';
const REGISTRY_IMAGE = 'apicurio/apicurio-registry:3.3.3';
/** Apicurio's Confluent-compatible API (SCHEMA_REGISTRY_URL points here). */
const REGISTRY_API = '/apis/ccompat/v7';
const KAFKA_CLUSTER_ID = 'MkU3OEVBNTcwNTJENDM2Qk';

/** What setup started, for global-teardown.ts (Jest shares globalThis between globalSetup and globalTeardown only). */
export type StartedStack = {
  containers: StartedTestContainer[];
};
export const STARTED_STACK_KEY = '__tixngoBridgeStartedStack';
export type GlobalWithStack = typeof globalThis & { [STARTED_STACK_KEY]?: StartedStack };

function tcpReachable(host: string, port: number, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    const fail = (why: string) => {
      socket.destroy();
      reject(new Error(why));
    };
    socket.setTimeout(timeoutMs, () => fail(`no TCP answer from ${host}:${port} within ${timeoutMs} ms`));
    socket.once('error', (e) => fail(`${host}:${port}: ${e.message}`));
    socket.once('connect', () => {
      socket.end();
      resolve();
    });
  });
}

async function checkKafka(brokers: string): Promise<void> {
  const list = brokers
    .split(',')
    .map((b) => b.trim())
    .filter((b) => b !== '');
  if (list.length === 0) throw new Error('empty broker list');
  // Every listed broker must answer: a half-reachable list makes for confusing test failures later.
  await Promise.all(
    list.map((b) => {
      const m = /^(.*):(\d+)$/.exec(b);
      if (!m) throw new Error(`"${b}" is not host:port`);
      return tcpReachable(m[1]!.replace(/^\[|\]$/g, ''), Number(m[2]), REACH_TIMEOUT_MS);
    }),
  );
}

async function checkRegistry(url: string): Promise<void> {
  const res = await fetch(`${url.replace(/\/+$/, '')}/subjects`, { signal: AbortSignal.timeout(REACH_TIMEOUT_MS) });
  if (res.status !== 200) throw new Error(`GET /subjects answered HTTP ${res.status}`);
}

async function checkMongo(uri: string): Promise<void> {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: REACH_TIMEOUT_MS, connectTimeoutMS: REACH_TIMEOUT_MS });
  try {
    await client.db('admin').command({ ping: 1 });
  } finally {
    await client.close().catch(() => undefined);
  }
}

async function useServicesFromEnv(env: Record<(typeof ENV_NAMES)[number], string>): Promise<void> {
  const checks: [string, string, (v: string) => Promise<void>][] = [
    ['KAFKA_BROKERS', env.KAFKA_BROKERS, checkKafka],
    ['SCHEMA_REGISTRY_URL', env.SCHEMA_REGISTRY_URL, checkRegistry],
    ['MONGODB_URI', env.MONGODB_URI, checkMongo],
  ];
  const results = await Promise.allSettled(checks.map(([, value, check]) => check(value)));
  const problems = results.flatMap((r, i) => {
    if (r.status === 'fulfilled') return [];
    const [name, value] = checks[i]!;
    return [`${name}=${value} is not reachable: ${(r.reason as Error).message}`];
  });
  if (problems.length > 0) {
    throw new Error(
      `integration setup: ${problems.join('; ')}. Start the local stack with \`scripts/stack.sh up\` ` +
        'and `source .stack/env` (or unset the variables to use a container runtime).',
    );
  }
}

async function containerRuntimeAnswers(): Promise<boolean> {
  try {
    // Dynamic import: the env path never loads testcontainers. It throws "Could not find a working container
    // runtime strategy" when there is none.
    const { getContainerRuntimeClient } = await import('testcontainers');
    await getContainerRuntimeClient();
    return true;
  } catch {
    return false;
  }
}

/** A host port that was free a moment ago (Kafka must advertise the port clients use, so it is fixed up front). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function startContainers(started: StartedStack): Promise<void> {
  const { GenericContainer, Wait, getContainerRuntimeClient } = await import('testcontainers');
  const runtimeHost = (await getContainerRuntimeClient()).info.containerRuntime.host;

  // The same port inside and outside the container, so the advertised address works for clients on the host.
  // Inter-broker traffic uses a separate listener on the container's own loopback.
  const kafkaPort = await freePort();
  const kafka = new GenericContainer(KAFKA_IMAGE)
    .withExposedPorts({ container: kafkaPort, host: kafkaPort })
    .withEnvironment({
      CLUSTER_ID: KAFKA_CLUSTER_ID,
      KAFKA_NODE_ID: '1',
      KAFKA_PROCESS_ROLES: 'broker,controller',
      KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:9093',
      KAFKA_LISTENERS: `PLAINTEXT://0.0.0.0:${kafkaPort},BROKER://localhost:9094,CONTROLLER://localhost:9093`,
      KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://${runtimeHost}:${kafkaPort},BROKER://localhost:9094`,
      KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'PLAINTEXT:PLAINTEXT,BROKER:PLAINTEXT,CONTROLLER:PLAINTEXT',
      KAFKA_INTER_BROKER_LISTENER_NAME: 'BROKER',
      KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
      KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false',
      KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
      KAFKA_OFFSETS_TOPIC_NUM_PARTITIONS: '1',
      KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
      KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
      KAFKA_NUM_PARTITIONS: '1',
    })
    .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/))
    .withStartupTimeout(180_000)
    .start();
  const mongo = new GenericContainer(MONGO_IMAGE)
    .withExposedPorts(27017)
    .withWaitStrategy(Wait.forLogMessage(/Waiting for connections/))
    .withStartupTimeout(180_000)
    .start();
  // The settings scripts/stack.sh gives Apicurio (Quarkus reads APICURIO_X_Y for apicurio.x.y): Confluent's
  // default rule (Apicurio's is none), and no cap on subject listings a test run could reach.
  const registry = new GenericContainer(REGISTRY_IMAGE)
    .withExposedPorts(8080)
    .withEnvironment({ APICURIO_RULES_GLOBAL_COMPATIBILITY: 'BACKWARD', APICURIO_CCOMPAT_MAX_SUBJECTS: '1000000' })
    .withWaitStrategy(Wait.forHttp(`${REGISTRY_API}/subjects`, 8080).forStatusCode(200))
    .withStartupTimeout(180_000)
    .start();
  const results = await Promise.allSettled([kafka, mongo, registry]);
  for (const r of results) if (r.status === 'fulfilled') started.containers.push(r.value);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;

  const [kafkaContainer, mongoContainer, registryContainer] = started.containers as [StartedTestContainer, StartedTestContainer, StartedTestContainer];
  process.env.KAFKA_BROKERS = `${kafkaContainer.getHost()}:${kafkaPort}`;
  process.env.MONGODB_URI = `mongodb://${mongoContainer.getHost()}:${mongoContainer.getMappedPort(27017)}/`;
  process.env.SCHEMA_REGISTRY_URL = `http://${registryContainer.getHost()}:${registryContainer.getMappedPort(8080)}${REGISTRY_API}`;
}

/** Stops what setup started; never throws (teardown must get through every item). */
export async function stopStarted(started: StartedStack | undefined): Promise<void> {
  if (!started) return;
  const containers = started.containers.splice(0);
  await Promise.allSettled(containers.map((c) => c.stop()));
}

export async function globalSetup(): Promise<void> {
  const env = Object.fromEntries(ENV_NAMES.map((n) => [n, process.env[n]?.trim() ?? ''])) as Record<(typeof ENV_NAMES)[number], string>;
  const missing = ENV_NAMES.filter((n) => env[n] === '');
  if (missing.length === 0) {
    await useServicesFromEnv(env);
    return;
  }

  if (await containerRuntimeAnswers()) {
    const started: StartedStack = { containers: [] };
    (globalThis as GlobalWithStack)[STARTED_STACK_KEY] = started;
    try {
      await startContainers(started);
    } catch (e) {
      // Jest does not run globalTeardown when globalSetup throws: stop what did start before failing.
      await stopStarted(started);
      throw e;
    }
    return;
  }

  const partial = missing.length < ENV_NAMES.length ? ` (${missing.join(', ')} not set)` : '';
  throw new Error(
    `No KAFKA_BROKERS/SCHEMA_REGISTRY_URL/MONGODB_URI${partial} and no container runtime: ` +
      'run `scripts/stack.sh up` and `source .stack/env` (or `npm run test:local`)',
  );
}

/** Jest loads globalSetup as a module whose default export is the function; the only default export we keep. */
export default globalSetup;
