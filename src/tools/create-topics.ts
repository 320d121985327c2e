import { KafkaAdmin } from '../kafka/admin';
import { createPlainKafka } from '../kafka/kafka-client';
import { createLogger } from '../ops/logger';
import { subjects } from './register-schemas';

/**
 * Creates the bridge's topics and their dead-letter topics when missing (idempotent). Partitions and
 * replication come from TOPIC_PARTITIONS (default 6) and TOPIC_REPLICATION_FACTOR (default 1).
 */
export async function createTopics(brokers: string[], env: Readonly<Record<string, string | undefined>>): Promise<string[]> {
  const admin = await KafkaAdmin.connect(createPlainKafka(brokers, 'tixngo-bridge-create-topics', createLogger({ level: 'warn' })));
  try {
    const partitions = Number(env.TOPIC_PARTITIONS ?? 6);
    const replicationFactor = Number(env.TOPIC_REPLICATION_FACTOR ?? 1);
    const dlq = env.TOPIC_DLQ_SUFFIX || '.dlq';
    const names = subjects(env).map((s) => s.topic);
    const inputs = subjects(env)
      .filter((s) => s.input)
      .map((s) => s.topic);
    const wanted = [...names, ...inputs.map((n) => `${n}${dlq}`), `${env.TOPIC_HOLDER_UPDATED || 'holder-updated'}${dlq}`];
    return await admin.createMissingTopics(wanted.map((topic) => ({ topic, numPartitions: partitions, replicationFactor })));
  } finally {
    await admin.disconnect();
  }
}

if (require.main === module) {
  const brokers = (process.env.KAFKA_BROKERS ?? '')
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
  if (brokers.length === 0) {
    process.stderr.write('create-topics: KAFKA_BROKERS must be set (host:port,...)\n');
    process.exit(2);
  }
  createTopics(brokers, process.env).then(
    (created) => process.stdout.write(created.length ? `created ${created.join(', ')}\n` : 'all topics exist\n'),
    (e: Error) => {
      process.stderr.write(`create-topics: ${e.message}\n`);
      process.exit(1);
    },
  );
}
