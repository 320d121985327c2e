import { PoisonMessageError, RejectedError } from '../shared/errors';
import { DLQ_HEADERS, toDeadLetterRecord, type DeadLetter } from './dead-letter';
import type { SourceMessage } from '../contracts/source';

const NOW = new Date('2027-06-12T18:00:00.000Z');

function message(over: Partial<SourceMessage> = {}): SourceMessage {
  return {
    topic: 'ticket-printed-eligible',
    partition: 3,
    offset: '1234567',
    key: Buffer.from('100000001'),
    value: Buffer.from([0, 0, 0, 0, 7, 1, 2, 3]),
    headers: { traceparent: '00-abc-def-01', 'x-binary': Buffer.from([1, 2]), multi: ['a', Buffer.from('b')] },
    timestamp: '1812345678901',
    ...over,
  };
}

const letter = (over: Partial<DeadLetter> = {}): DeadLetter => ({
  message: message(),
  error: new PoisonMessageError('EVENT_INVALID_FIELD', '1 invalid field(s), first: price: must be a non-negative amount below 10^10'),
  attempts: 1,
  ticketId: '100000001',
  ...over,
});

describe('dead-letter', () => {
  describe('toDeadLetterRecord', () => {
    it('keeps the original key, value and headers byte for byte', () => {
      const d = letter();
      const r = toDeadLetterRecord('inject', d, NOW);
      expect(r.key).toEqual(Buffer.from('100000001'));
      expect(r.value).toEqual(Buffer.from([0, 0, 0, 0, 7, 1, 2, 3]));
      expect(r.headers).toMatchObject({ traceparent: '00-abc-def-01', 'x-binary': Buffer.from([1, 2]), multi: ['a', Buffer.from('b')] });
    });

    it('adds every x-dlq-* header', () => {
      const r = toDeadLetterRecord('inject', letter({ attempts: 4 }), NOW);
      expect(r.headers).toMatchObject({
        'x-dlq-source-topic': 'ticket-printed-eligible',
        'x-dlq-source-partition': '3',
        'x-dlq-source-offset': '1234567',
        'x-dlq-source-timestamp': '1812345678901',
        'x-dlq-role': 'inject',
        'x-dlq-error-code': 'EVENT_INVALID_FIELD',
        'x-dlq-error-kind': 'poison',
        'x-dlq-error-message': '1 invalid field(s), first: price: must be a non-negative amount below 10^10',
        'x-dlq-attempts': '4',
        'x-dlq-ticket-id': '100000001',
        'x-dlq-failed-at': '2027-06-12T18:00:00.000Z',
      });
      for (const name of Object.values(DLQ_HEADERS)) expect(r.headers).toHaveProperty([name]);
      expect(
        Object.keys(r.headers!)
          .filter((k) => k.startsWith('x-dlq-'))
          .sort(),
      ).toEqual(Object.values(DLQ_HEADERS).sort());
    });

    it('names the kind and code of a rejected ticket', () => {
      const r = toDeadLetterRecord('inject', letter({ error: new RejectedError('TIXNGO_INVALID_FIELD', 'bad seat', ['100000001']) }), NOW);
      expect(r.headers).toMatchObject({ 'x-dlq-error-code': 'TIXNGO_INVALID_FIELD', 'x-dlq-error-kind': 'rejected' });
    });

    it('leaves out the ticket id header when the ticket id is unknown (undecodable record)', () => {
      const { ticketId: _ticketId, ...withoutId } = letter();
      const r = toDeadLetterRecord('cancel', withoutId, NOW);
      expect(r.headers).not.toHaveProperty([DLQ_HEADERS.ticketId]);
      expect(r.headers).toHaveProperty([DLQ_HEADERS.role], 'cancel');
    });

    it('keeps a null key and a null value (a tombstone stays a tombstone)', () => {
      const r = toDeadLetterRecord('inject', letter({ message: message({ key: null, value: null }) }), NOW);
      expect(r.key).toBeNull();
      expect(r.value).toBeNull();
    });

    it('cuts the error message to 1000 characters', () => {
      const r = toDeadLetterRecord('inject', letter({ error: new PoisonMessageError('X', 'y'.repeat(5000)) }), NOW);
      expect(r.headers![DLQ_HEADERS.errorMessage]).toBe('y'.repeat(1000));
    });

    it('replaces the x-dlq-* headers of a record that was dead-lettered before', () => {
      const r = toDeadLetterRecord('inject', letter({ message: message({ headers: { 'x-dlq-error-code': 'OLD', 'x-dlq-attempts': '9' } }) }), NOW);
      expect(r.headers).toMatchObject({ 'x-dlq-error-code': 'EVENT_INVALID_FIELD', 'x-dlq-attempts': '1' });
    });

    it('does not touch the source message headers', () => {
      const m = message();
      const before = { ...m.headers };
      toDeadLetterRecord('inject', letter({ message: m }), NOW);
      expect(m.headers).toEqual(before);
      expect(Object.keys(m.headers).some((k) => k.startsWith('x-dlq-'))).toBe(false);
    });
  });
});
