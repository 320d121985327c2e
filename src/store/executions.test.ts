import type { BatchReport, TicketTrace } from '../contracts/report';
import { countByOrganization, toExecution } from './executions';
import { aTicketTrace } from './ticket-trace.fixtures';
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

  describe('countByOrganization', () => {
    const rec = (organization: string | undefined, outcome: TicketTrace['outcome'], reason?: string) =>
      aTicketTrace(outcome, { ...(organization ? { organization } : {}), ...(reason ? { reason } : {}) });

    it("counts each organization's records on their own, codes in order, records without an organization last", () => {
      const counts = countByOrganization([
        rec('ORG_B', 'pushed'),
        rec(undefined, 'dead-lettered', 'AVRO_BAD_FRAME'),
        rec('ORG_A', 'skipped', 'ORGANIZATION_NOT_SERVED'),
        rec('ORG_B', 'rejected', 'TIXNGO_INVALID_SEAT'),
        rec('ORG_A', 'skipped', 'ORGANIZATION_NOT_SERVED'),
        rec('ORG_B', 'skipped', 'FILTER_TARIFF'),
        rec('ORG_B', 'dead-lettered', 'EVENT_MISSING_FIELD'),
      ]);
      expect(counts).toEqual([
        {
          organization: 'ORG_A',
          received: 2,
          pushed: 0,
          skipped: [{ reason: 'ORGANIZATION_NOT_SERVED', count: 2 }],
          rejected: 0,
          deadLettered: 0,
          errorCodes: [],
        },
        {
          organization: 'ORG_B',
          received: 4,
          pushed: 1,
          skipped: [{ reason: 'FILTER_TARIFF', count: 1 }],
          rejected: 1,
          deadLettered: 1,
          errorCodes: [
            { code: 'TIXNGO_INVALID_SEAT', count: 1 },
            { code: 'EVENT_MISSING_FIELD', count: 1 },
          ],
        },
        { received: 1, pushed: 0, skipped: [], rejected: 0, deadLettered: 1, errorCodes: [{ code: 'AVRO_BAD_FRAME', count: 1 }] },
      ]);
    });

    it('counts every record of the batch once, and toExecution records it', () => {
      const e = toExecution(
        { ...report, tickets: report.tickets.map((t, i) => (t.ticketId ? { ...t, organization: i % 2 ? 'ORG_B' : 'ORG_A' } : t)) },
        { mode: 'live', instanceId: 'pod-1' },
      );
      const sum = (f: (o: NonNullable<typeof e.organizations>[number]) => number) => e.organizations!.reduce((n, o) => n + f(o), 0);
      expect(e.organizations!.map((o) => o.organization)).toEqual(['ORG_A', 'ORG_B', undefined]);
      expect([sum((o) => o.received), sum((o) => o.pushed), sum((o) => o.rejected), sum((o) => o.deadLettered)]).toEqual([5, 1, 1, 2]);
    });
  });

  describe('toTraceEntries', () => {
    it('keeps the organization of each record that has one', () => {
      const entries = toTraceEntries({ ...report, tickets: [{ ...report.tickets[0]!, organization: 'ORG_A' }, report.tickets[3]!] }, 'live');
      expect(entries.map((e) => [e.ticketId, e.organization])).toEqual([
        ['1', 'ORG_A'],
        ['4', undefined],
      ]);
      expect(entries[1]).not.toHaveProperty('organization');
    });

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
