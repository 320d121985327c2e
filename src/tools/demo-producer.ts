import { setTimeout as sleep } from 'node:timers/promises';
import { AvroCodec } from '../kafka/avro-codec';
import { createPlainKafka } from '../kafka/kafka-client';
import { KafkaEventPublisher } from '../kafka/producer';
import { createLogger } from '../ops/logger';
import { aPrintedTicket } from './sample-events';

/**
 * Produces sample `ticket-printed-eligible` events (Avro, through the registry) so that a local stack
 * shows tickets flowing into the simulator. Env: KAFKA_BROKERS, SCHEMA_REGISTRY_URL, DEMO_TICKETS
 * (default 200), DEMO_RATE_PER_SECOND (default 20), DEMO_FIRST_TICKET (default: new ids every run, so
 * that a second run against the same store shows tickets injected rather than ALREADY_INJECTED).
 */
async function main(): Promise<void> {
  const brokers = (process.env.KAFKA_BROKERS ?? '').split(',').filter(Boolean);
  const registry = process.env.SCHEMA_REGISTRY_URL;
  if (brokers.length === 0 || !registry) {
    process.stderr.write('demo-producer: KAFKA_BROKERS and SCHEMA_REGISTRY_URL must be set\n');
    process.exit(2);
  }
  const total = Number(process.env.DEMO_TICKETS ?? 200);
  const rate = Math.max(1, Number(process.env.DEMO_RATE_PER_SECOND ?? 20));
  const first = Number(process.env.DEMO_FIRST_TICKET ?? (Math.floor(Date.now() / 1000) % 100_000) * 1000);
  const topic = process.env.TOPIC_TICKET_PRINTED_ELIGIBLE || 'ticket-printed-eligible';
  const codec = new AvroCodec({ url: registry });
  const producer = new KafkaEventPublisher(createPlainKafka(brokers, 'tixngo-bridge-demo', createLogger({ level: 'warn' })));
  const perTick = Math.max(1, Math.round(rate / 10));
  for (let n = first; n < first + total; n += perTick) {
    const batch = [];
    for (let i = n; i < Math.min(n + perTick, first + total); i++) {
      const t = aPrintedTicket({}, i);
      batch.push({ key: t.ticketId, value: await codec.encode(topic, 'ticket-printed-eligible', t) });
    }
    await producer.publish(topic, batch);
    await sleep(100);
  }
  await producer.disconnect();
  process.stdout.write(`demo-producer: produced ${total} events to ${topic}\n`);
}

main().catch((e: Error) => {
  process.stderr.write(`demo-producer: ${e.message}\n`);
  process.exit(1);
});
