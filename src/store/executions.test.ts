import type { BatchReport } from '../pipeline/report';
import { toExecution } from './executions';
import { toTraceEntries } from './ticket-trace';

const report: BatchReport = {
  role: 'inject',
  batchId: 'b-1',
  closedBy: 'size',
  startedAt: new Date('2026-01-01T00:00:00.000Z'),
  finishedAt: new Date('2026-01-01T00:00:01.250Z'),
  received: 4,
  pushed: 1,
  simulated: false,
  skipped: { 'FILTER.TARIFF': 1 },
  rejected: 1,
  deadLettered: 1,
  errorCodes: { TIXNGO_INVALID_SEAT: 1, AVRO_BAD_FRAME: 1 },
  requests: 1,
  retries: 0,
  status: 'ERROR',
  tickets: [
    { ticketId: '1', topic: 't', partition: 0, offset: '10', outcome: 'pushed', requestId: 'r-1' },
    { ticketId: '2', topic: 't', partition: 0, offset: '11', outcome: 'skipped', reason: 'FILTER.TARIFF' },
    { ticketId: '3', topic: 't', partition: 1, offset: '5', outcome: 'rejected', reason: 'TIXNGO_INVALID_SEAT', requestId: 'r-1' },
    { key: '4', topic: 't', partition: 1, offset: '6', outcome: 'dead-lettered', reason: 'AVRO_BAD_FRAME' },
    { topic: 't', partition: 1, offset: '7', outcome: 'dead-lettered', reason: 'AVRO_BAD_FRAME' },
  ],
};

describe('store/executions', () => {
  describe('toExecution', () => {
    it('keeps the counts, the duration and the status, not the tickets; reasons never become field names', () => {
      const e = toExecution(report, { mode: 'live', instanceId: 'pod-1' });
      expect(e).toMatchObject({
        _id: 'b-1',
        role: 'inject',
        mode: 'live',
        durationMs: 1250,
        received: 4,
        skipped: [{ reason: 'FILTER.TARIFF', count: 1 }],
        errorCodes: [
          { code: 'TIXNGO_INVALID_SEAT', count: 1 },
          { code: 'AVRO_BAD_FRAME', count: 1 },
        ],
        status: 'ERROR',
      });
      expect(e).not.toHaveProperty('tickets');
    });
  });

  describe('toTraceEntries', () => {
    it('gives one entry per record with a ticket id (or a key), stamped with the batch', () => {
      const entries = toTraceEntries(report, 'replay');
      expect(entries.map((t) => [t.ticketId, t.outcome, t.reason ?? null, t.requestId ?? null])).toEqual([
        ['1', 'pushed', null, 'r-1'],
        ['2', 'skipped', 'FILTER.TARIFF', null],
        ['3', 'rejected', 'TIXNGO_INVALID_SEAT', 'r-1'],
        ['4', 'dead-lettered', 'AVRO_BAD_FRAME', null],
      ]);
      expect(entries[0]).toMatchObject({ role: 'inject', mode: 'replay', batchId: 'b-1', at: report.finishedAt, topic: 't', partition: 0, offset: '10' });
    });
  });
});
