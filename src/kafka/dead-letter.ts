import type { IHeaders } from 'kafkajs';
import type { BridgeError } from '../shared/errors';
import type { SourceMessage } from '../contracts/source';
import type { EventPublisher, OutgoingMessage } from './producer';

/** Header names of dead-letter records: part of the bridge's public contract (README). */
export const DLQ_HEADERS = {
  sourceTopic: 'x-dlq-source-topic',
  sourcePartition: 'x-dlq-source-partition',
  sourceOffset: 'x-dlq-source-offset',
  sourceTimestamp: 'x-dlq-source-timestamp',
  role: 'x-dlq-role',
  errorCode: 'x-dlq-error-code',
  errorKind: 'x-dlq-error-kind',
  errorMessage: 'x-dlq-error-message',
  attempts: 'x-dlq-attempts',
  ticketId: 'x-dlq-ticket-id',
  failedAt: 'x-dlq-failed-at',
} as const;

export interface DeadLetter {
  readonly message: SourceMessage;
  readonly error: BridgeError;
  readonly attempts: number;
  readonly ticketId?: string;
}

/** Pure: the original key, value and headers, plus headers that say where it came from and why. */
export function toDeadLetterRecord(role: string, d: DeadLetter, now: Date): OutgoingMessage {
  const headers: IHeaders = { ...d.message.headers } as IHeaders;
  headers[DLQ_HEADERS.sourceTopic] = d.message.topic;
  headers[DLQ_HEADERS.sourcePartition] = String(d.message.partition);
  headers[DLQ_HEADERS.sourceOffset] = d.message.offset;
  headers[DLQ_HEADERS.sourceTimestamp] = d.message.timestamp;
  headers[DLQ_HEADERS.role] = role;
  headers[DLQ_HEADERS.errorCode] = d.error.code;
  headers[DLQ_HEADERS.errorKind] = d.error.kind;
  headers[DLQ_HEADERS.errorMessage] = d.error.message.slice(0, 1000);
  headers[DLQ_HEADERS.attempts] = String(d.attempts);
  headers[DLQ_HEADERS.failedAt] = now.toISOString();
  if (d.ticketId) headers[DLQ_HEADERS.ticketId] = d.ticketId;
  // A tombstone stays a tombstone: its copy keeps the null value.
  return { key: d.message.key, value: d.message.value, headers };
}

/** Port: parks records that can never succeed, durably, before their offsets are committed. */
export interface DeadLetterSink {
  write(letters: readonly DeadLetter[]): Promise<void>;
}

export class KafkaDeadLetterSink implements DeadLetterSink {
  constructor(
    private readonly publisher: EventPublisher,
    private readonly role: string,
    private readonly dlqTopicOf: (sourceTopic: string) => string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async write(letters: readonly DeadLetter[]): Promise<void> {
    const byTopic = new Map<string, OutgoingMessage[]>();
    const now = this.now();
    for (const d of letters) {
      const topic = this.dlqTopicOf(d.message.topic);
      const list = byTopic.get(topic) ?? [];
      list.push(toDeadLetterRecord(this.role, d, now));
      byTopic.set(topic, list);
    }
    for (const [topic, records] of byTopic) await this.publisher.publish(topic, records);
  }
}
