import { DLQ_HEADERS } from '../kafka/dead-letter';
import { PoisonMessageError } from '../shared/errors';
import { FEED_DLQ_ORGANIZER_HEADER, toFeedDeadLetter } from './feed-dead-letter';

describe('feed-dead-letter', () => {
  describe('toFeedDeadLetter', () => {
    const observedAt = new Date('2030-06-01T10:00:05.000Z');
    const now = new Date('2030-06-01T10:00:06.000Z');
    const error = new PoisonMessageError('FEED_RECORD_INVALID', 'change-feed record unusable: version: Invalid input');

    it('keeps the record as received and says where it came from and why, with the usual headers', () => {
      const raw = { ticketId: 'T-1', version: 'three', walletOwner: { email: 'ada@example.test' } };
      const out = toFeedDeadLetter(
        { organizerId: 'org-1', feedPath: '/organizer/tickets/diff', requestKey: 'djE6Nw', index: 3, raw, error, ticketId: 'T-1', observedAt },
        'holder-sync',
        now,
      );
      expect(JSON.parse(out.value!.toString('utf8'))).toEqual(raw);
      expect(out.key?.toString()).toBe('T-1');
      expect(out.headers).toEqual({
        [DLQ_HEADERS.sourceTopic]: '/organizer/tickets/diff',
        [DLQ_HEADERS.sourcePartition]: '0',
        [DLQ_HEADERS.sourceOffset]: 'djE6Nw+3',
        [DLQ_HEADERS.sourceTimestamp]: String(observedAt.getTime()),
        [DLQ_HEADERS.role]: 'holder-sync',
        [DLQ_HEADERS.errorCode]: 'FEED_RECORD_INVALID',
        [DLQ_HEADERS.errorKind]: 'poison',
        [DLQ_HEADERS.errorMessage]: error.message,
        [DLQ_HEADERS.attempts]: '1',
        [DLQ_HEADERS.failedAt]: now.toISOString(),
        [DLQ_HEADERS.ticketId]: 'T-1',
        [FEED_DLQ_ORGANIZER_HEADER]: 'org-1',
      });
    });

    it('has no key and no ticket header for a record without a ticket id, and marks the first page', () => {
      const out = toFeedDeadLetter({ organizerId: 'org-1', feedPath: '/diff', requestKey: null, index: 0, raw: 'oops', error, observedAt }, 'holder-sync', now);
      expect(out.key).toBeNull();
      expect(out.value!.toString()).toBe('"oops"');
      expect(out.headers?.[DLQ_HEADERS.sourceOffset]).toBe('start+0');
      expect(out.headers).not.toHaveProperty(DLQ_HEADERS.ticketId);
    });
  });
});
