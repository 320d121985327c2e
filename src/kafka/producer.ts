import type { IHeaders, Kafka, Producer } from 'kafkajs';
import { toKafkaError } from './kafka-client';
import { JavaCompatiblePartitioner } from './partitioner';

export interface OutgoingMessage {
  readonly key: Buffer | string | null;
  /** `null` for a tombstone. */
  readonly value: Buffer | null;
  readonly headers?: IHeaders;
  /** An explicit partition (a hand-back goes where its original was); else the key's partition. */
  readonly partition?: number;
}

/** Port: publishes records and resolves only once every in-sync replica has them (acks = all). */
export interface EventPublisher {
  publish(topic: string, messages: readonly OutgoingMessage[]): Promise<void>;
}

/** An idempotent kafkajs producer: broker retries never duplicate a record within a session. */
export class KafkaEventPublisher implements EventPublisher {
  private readonly producer: Producer;
  private connected: Promise<void> | undefined;

  constructor(kafka: Kafka) {
    // The Java client's murmur2 partitioner, so a ticket's records land where the core's producers put them
    // (kafkajs's DefaultPartitioner, computed without its 64-bit emulation: see partitioner.ts).
    this.producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: JavaCompatiblePartitioner,
    });
  }

  async connect(): Promise<void> {
    this.connected ??= this.producer.connect();
    try {
      await this.connected;
    } catch (e) {
      this.connected = undefined;
      throw toKafkaError(e, 'cannot connect the producer');
    }
  }

  async publish(topic: string, messages: readonly OutgoingMessage[]): Promise<void> {
    if (messages.length === 0) return;
    await this.connect();
    try {
      await this.producer.send({
        topic,
        acks: -1,
        messages: messages.map((m) => ({
          key: m.key,
          value: m.value,
          ...(m.headers ? { headers: m.headers } : {}),
          ...(m.partition !== undefined ? { partition: m.partition } : {}),
        })),
      });
    } catch (e) {
      throw toKafkaError(e, `publishing ${messages.length} records to ${topic} failed`);
    }
  }

  async disconnect(): Promise<void> {
    if (this.connected) await this.producer.disconnect();
    this.connected = undefined;
  }
}
