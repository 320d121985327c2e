import type { SourceMessage } from '../../contracts/source';
import { describeValue, toOriginal, toView } from './dlq';

const letter: SourceMessage = {
  topic: 't.dlq',
  partition: 1,
  offset: '7',
  key: Buffer.from('100000001'),
  value: Buffer.from([0, 0, 0, 0, 42, 1, 2, 3]),
  timestamp: '1767225600000',
  headers: {
    traceparent: Buffer.from('00-abc-def-01'),
    'x-dlq-source-topic': Buffer.from('t'),
    'x-dlq-source-partition': Buffer.from('2'),
    'x-dlq-source-offset': Buffer.from('99'),
    'x-dlq-role': Buffer.from('inject'),
    'x-dlq-error-code': Buffer.from('TIXNGO_INVALID_SEAT'),
    'x-dlq-error-kind': Buffer.from('rejected'),
    'x-dlq-failed-at': Buffer.from('2026-01-01T00:00:00.000Z'),
  },
};

describe('cli/commands/dlq', () => {
  describe('toView', () => {
    it('reads role, code, source and ticket from the x-dlq headers (ticket from the key when absent)', () => {
      expect(toView('t.dlq', letter)).toMatchObject({
        role: 'inject',
        code: 'TIXNGO_INVALID_SEAT',
        kind: 'rejected',
        ticketId: '100000001',
        sourceTopic: 't',
        sourcePartition: '2',
        sourceOffset: '99',
      });
    });
  });

  describe('toOriginal', () => {
    it('gives back the original key, value and headers without the x-dlq ones', () => {
      const o = toOriginal(letter);
      expect(o.key).toEqual(letter.key);
      expect(o.value).toEqual(letter.value);
      expect(Object.keys(o.headers ?? {})).toEqual(['traceparent']);
    });
  });

  describe('describeValue', () => {
    it('shows size and schema id of an Avro frame, never the bytes', () => {
      expect(describeValue(letter.value)).toBe('8 bytes, Confluent Avro frame with schema id 42 (content not shown)');
      expect(describeValue(Buffer.from('Jane Doe'))).toBe('8 bytes, not a Confluent Avro frame (content not shown)');
      expect(describeValue(null)).toBe('(none)');
    });
  });
});
