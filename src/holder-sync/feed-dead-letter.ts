import { toDeadLetterRecord } from '../kafka/dead-letter';
import type { SourceMessage } from '../pipeline/source';
import type { OutgoingMessage } from '../kafka/producer';
import type { BridgeError } from '../shared/errors';

/**
 * Pure: a dead-letter record for a change-feed record that cannot be used. Same `x-dlq-*` headers as
 * every dead letter of the bridge; the "source" is the feed rather than a Kafka topic:
 * - `x-dlq-source-topic`: the feed's path (`TIXNGO_CHANGES_PATH`);
 * - `x-dlq-source-partition`: `0` (the feed has one sequence);
 * - `x-dlq-source-offset`: `<key the page was read after, or "start">+<position in the page>`;
 * - `x-dlq-source-timestamp`: when the page was read (ms since the epoch);
 * - `x-dlq-organizer-id`: the TIXnGO organizer whose feed it came from (a bridge may poll several);
 * - key: the record's ticket id when it has one; value: the record as JSON, exactly as received.
 */
export function toFeedDeadLetter(
  d: {
    readonly organizerId: string;
    readonly feedPath: string;
    readonly requestKey: string | null;
    readonly index: number;
    readonly raw: unknown;
    readonly error: BridgeError;
    readonly ticketId?: string | undefined;
    readonly observedAt: Date;
  },
  role: string,
  now: Date,
): OutgoingMessage {
  const message: SourceMessage = {
    topic: d.feedPath,
    partition: 0,
    offset: `${d.requestKey ?? 'start'}+${d.index}`,
    key: d.ticketId === undefined ? null : Buffer.from(d.ticketId, 'utf8'),
    value: Buffer.from(JSON.stringify(d.raw) ?? 'null', 'utf8'),
    headers: {},
    timestamp: String(d.observedAt.getTime()),
  };
  const letter = toDeadLetterRecord(role, { message, error: d.error, attempts: 1, ...(d.ticketId === undefined ? {} : { ticketId: d.ticketId }) }, now);
  return { ...letter, headers: { ...letter.headers, [FEED_DLQ_ORGANIZER_HEADER]: d.organizerId } };
}

/** The dead-letter header naming the organizer of a change-feed record. */
export const FEED_DLQ_ORGANIZER_HEADER = 'x-dlq-organizer-id';
