import { Kafka, logLevel } from 'kafkajs';
import { MongoClient } from 'mongodb';
import { startBridge, type Bridge } from '../../src/app';
import { loadConfig, type Config } from '../../src/config/load-config';
import { AvroCodec, type SchemaName } from '../../src/kafka/avro-codec';
import { KafkaAdmin } from '../../src/kafka/admin';
import { createLogger, type Logger } from '../../src/ops/logger';
import { startSimulator, type RunningSimulator } from '../../src/simulator/simulator';
import { registerSchemas } from '../../src/tools/register-schemas';
import { unique } from './unique';

export const API_KEY = 'test-api-key-0123456789';

/** Services the integration suite runs against (set by the global setup). */
export function services() {
  const need = (k: string) => {
    const v = process.env[k];
    if (!v) throw new Error(`${k} is not set: the integration global setup should have set it`);
    return v;
  };
  return {
    brokers: need('KAFKA_BROKERS').split(','),
    registryUrl: need('SCHEMA_REGISTRY_URL'),
    mongoUri: need('MONGODB_URI'),
  };
}

export function kafkaClient(clientId = unique('test')): Kafka {
  return new Kafka({ clientId, brokers: services().brokers, logLevel: logLevel.NOTHING });
}

export interface TestTopics {
  readonly printedEligible: string;
  readonly cancelled: string;
  readonly controlled: string;
  readonly printed: string;
  readonly holderUpdated: string;
}

/** Unique topics (and their DLQs) for one test, with the schemas registered under their subjects. */
export async function createTestTopics(partitions = 3): Promise<TestTopics> {
  const topics = testTopicNames(unique('t'));
  const admin = await KafkaAdmin.connect(kafkaClient());
  try {
    const names = Object.values(topics);
    await admin.createTopics([...names, ...names.map((n) => `${n}.dlq`)].map((topic) => ({ topic, numPartitions: partitions, replicationFactor: 1 })));
  } finally {
    await admin.disconnect();
  }
  // As a deployment registers them (register-schemas), input subjects' compatibility level included.
  await registerSchemas(services().registryUrl, topicEnv(topics));
  return topics;
}

/** The bridge's five topics under `prefix` (nothing created). */
export function testTopicNames(prefix: string): TestTopics {
  return {
    printedEligible: `${prefix}.ticket-printed-eligible`,
    cancelled: `${prefix}.ticket-cancelled`,
    controlled: `${prefix}.ticket-controlled`,
    printed: `${prefix}.ticket-printed`,
    holderUpdated: `${prefix}.holder-updated`,
  };
}

/** The TOPIC_* settings naming `topics`. */
export function topicEnv(topics: TestTopics): Record<string, string> {
  return {
    TOPIC_TICKET_PRINTED_ELIGIBLE: topics.printedEligible,
    TOPIC_TICKET_CANCELLED: topics.cancelled,
    TOPIC_TICKET_CONTROLLED: topics.controlled,
    TOPIC_TICKET_PRINTED: topics.printed,
    TOPIC_HOLDER_UPDATED: topics.holderUpdated,
  };
}

/** The environment a bridge under test gets: real services, unique names, the given simulator. */
export function bridgeEnv(topics: TestTopics, simulator: { url: string }, overrides: Record<string, string> = {}): Record<string, string> {
  const s = services();
  return {
    BRIDGE_ROLE: 'inject',
    // The sample events' organization.
    BRIDGE_ORGANIZATIONS: 'ORG1',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
    HTTP_HOST: '127.0.0.1',
    HTTP_PORT: '0',
    KAFKA_BROKERS: s.brokers.join(','),
    KAFKA_GROUP_ID_PREFIX: unique('g'),
    SCHEMA_REGISTRY_URL: s.registryUrl,
    MONGODB_URI: s.mongoUri,
    MONGODB_DATABASE: unique('db').replace(/-/g, '_'),
    TIXNGO_BASE_URL: simulator.url,
    TIXNGO_API_KEY: API_KEY,
    TIXNGO_REQUEST_TIMEOUT_MS: '5000',
    ...topicEnv(topics),
    INJECT_SALES_CHANNEL_CODE: 'BRIDGE',
    INJECT_POS_CODE: 'POS-TIXNGO',
    INJECT_LINGER_MS: '200',
    RETRY_BASE_MS: '50',
    RETRY_MAX_MS: '1000',
    SHUTDOWN_DRAIN_MS: '5000',
    ...overrides,
  };
}

export function testLogger(): Logger {
  return createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'warn', name: 'bridge-under-test' });
}

/** Starts the bridge in this process; a fatal role error fails the test through `fatal`. */
export async function startTestBridge(env: Record<string, string>): Promise<{ bridge: Bridge; config: Config; fatal: Error[] }> {
  const config = loadConfig(env);
  const fatal: Error[] = [];
  const bridge = await startBridge(config, testLogger(), (e) => fatal.push(e));
  return { bridge, config, fatal };
}

export function startTestSimulator(): Promise<RunningSimulator> {
  return startSimulator({ apiKey: API_KEY, host: '127.0.0.1', port: 0 });
}

/** Produces Avro records (key = ticket id) through the registry, as the core would. */
export async function produceAvro(topic: string, schema: SchemaName, records: readonly { ticketId: string }[], kafka = kafkaClient()): Promise<void> {
  const codec = new AvroCodec({ url: services().registryUrl });
  const producer = kafka.producer();
  await producer.connect();
  try {
    for (let i = 0; i < records.length; i += 500) {
      const slice = records.slice(i, i + 500);
      const messages = await Promise.all(slice.map(async (r) => ({ key: r.ticketId, value: await codec.encode(topic, schema, r) })));
      await producer.send({ topic, messages });
    }
  } finally {
    await producer.disconnect();
  }
}

/** Produces raw bytes (for poison tests). */
export async function produceRaw(topic: string, messages: { key: string; value: Buffer | null }[]): Promise<void> {
  const producer = kafkaClient().producer();
  await producer.connect();
  try {
    await producer.send({ topic, messages });
  } finally {
    await producer.disconnect();
  }
}

/** Reads every record currently in `topic` (from the beginning) into memory. */
export async function readAll(
  topic: string,
  expected: number,
  timeoutMs = 30_000,
): Promise<{ key: string | null; value: Buffer | null; headers: Record<string, string> }[]> {
  const consumer = kafkaClient().consumer({ groupId: unique('reader'), maxWaitTimeInMs: 200 });
  const out: { key: string | null; value: Buffer | null; headers: Record<string, string> }[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const done = new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    void consumer.run({
      eachMessage: async ({ message }) => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(message.headers ?? {})) headers[k] = String(v);
        out.push({ key: message.key?.toString() ?? null, value: message.value, headers });
        if (out.length >= expected) {
          clearTimeout(timer);
          resolve();
        }
      },
    });
  });
  await done;
  await consumer.disconnect();
  return out;
}

export async function withMongo<T>(database: string, fn: (db: import('mongodb').Db) => Promise<T>): Promise<T> {
  const client = new MongoClient(services().mongoUri);
  await client.connect();
  try {
    return await fn(client.db(database));
  } finally {
    await client.close();
  }
}

/** Committed offsets of `groupId` on `topic`, summed over partitions. */
export async function committedTotal(groupId: string, topic: string): Promise<number> {
  const admin = kafkaClient().admin();
  await admin.connect();
  try {
    const [res] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return (res?.partitions ?? []).reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
  } finally {
    await admin.disconnect();
  }
}

/** How many records `topic` holds (sum of high watermarks minus low). */
export async function topicSize(topic: string): Promise<number> {
  const admin = kafkaClient().admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
  } finally {
    await admin.disconnect();
  }
}

/**
 * The usual integration fixture: a fresh simulator and unique topics before each test; after it, the
 * registered cleanups (bridges, proxies, processes) in reverse order, then the simulator.
 */
export function useStackFixture(partitions = 3): {
  readonly simulator: RunningSimulator;
  readonly topics: TestTopics;
  /** Registers something to stop after the test. */
  cleanup(fn: () => Promise<unknown>): void;
} {
  let simulator: RunningSimulator | undefined;
  let topics: TestTopics | undefined;
  const cleanups: (() => Promise<unknown>)[] = [];
  beforeEach(async () => {
    simulator = await startTestSimulator();
    topics = await createTestTopics(partitions);
  });
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
    await simulator?.close();
  });
  return {
    get simulator() {
      return simulator!;
    },
    get topics() {
      return topics!;
    },
    cleanup: (fn) => void cleanups.push(fn),
  };
}

/** Replaces the simulator's fault configuration (docs/tixngo-api.md §7.4); `{}` clears it. */
export async function setFaults(sim: RunningSimulator, faults: unknown): Promise<void> {
  const res = await fetch(`${sim.origin}/_sim/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(faults),
  });
  if (!res.ok) throw new Error(`setting faults failed: ${res.status} ${await res.text()}`);
}
