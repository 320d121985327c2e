import type { TicketTrace } from '../contracts/report';
import { aTicketTrace } from '../store/ticket-trace.fixtures';
import { DigestPlanner, failedRecords, formatDuration, renderDigest, safeCode, type Digest } from './digest';

const MIN = 60_000;
const policy = { windowMs: 15 * MIN, gatherMs: 2000 };
const rejected = (role: string, codes: Record<string, number>, organization = 'ORG1') => ({
  kind: 'rejected' as const,
  role,
  count: Object.values(codes).reduce((a, b) => a + b, 0),
  codes,
  byOrganization: { [organization]: codes },
});
const none = { count: 0, codes: {}, byOrganization: {} };

describe('notify/digest', () => {
  describe('DigestPlanner', () => {
    it('mails the first incident of a quiet role after the gathering delay, with what came meanwhile', () => {
      const p = new DigestPlanner(policy);
      p.add(rejected('inject', { TIXNGO_INVALID_SEAT: 2 }), 0);
      p.add({ kind: 'dead-lettered', role: 'inject', count: 1, codes: { AVRO_BAD_FRAME: 1 }, byOrganization: { '': { AVRO_BAD_FRAME: 1 } } }, 500);
      expect(p.nextDueAt()).toBe(2000);
      expect(p.takeDue(1999)).toEqual([]);
      const [d] = p.takeDue(2000);
      expect(d).toMatchObject({ role: 'inject', firstAt: 0, lastAt: 500, rejected: { count: 2 }, deadLettered: { count: 1, codes: { AVRO_BAD_FRAME: 1 } } });
      expect(p.nextDueAt()).toBeUndefined();
    });

    it('sends at most one mail per role per window and summarises the rest in the next one', () => {
      const p = new DigestPlanner(policy);
      p.add(rejected('inject', { A: 1 }), 0);
      expect(p.takeDue(2000)).toHaveLength(1);
      p.add(rejected('inject', { A: 3 }), 3000);
      p.add(rejected('inject', { B: 1 }), 10 * MIN);
      expect(p.nextDueAt()).toBe(2000 + 15 * MIN);
      expect(p.takeDue(14 * MIN)).toEqual([]);
      const [d] = p.takeDue(2000 + 15 * MIN);
      expect(d!.rejected).toEqual({ count: 4, codes: { A: 3, B: 1 }, byOrganization: { ORG1: { A: 3, B: 1 } } });
      expect(d!.firstAt).toBe(3000);
    });

    it('throttles each role on its own', () => {
      const p = new DigestPlanner(policy);
      p.add(rejected('inject', { A: 1 }), 0);
      p.takeDue(2000);
      p.add(rejected('cancel', { A: 1 }), 3000);
      p.add(rejected('inject', { A: 1 }), 3000);
      expect(p.takeDue(5000).map((d) => d.role)).toEqual(['cancel']);
    });

    it('keeps the longest duration of a transient failure and counts the reports', () => {
      const p = new DigestPlanner(policy);
      p.add({ kind: 'transient', role: 'inject', code: 'TIXNGO_HTTP_503', failingForMs: 6 * MIN }, 0);
      p.add({ kind: 'transient', role: 'inject', code: 'TIXNGO_HTTP_503', failingForMs: 7 * MIN }, 1000);
      expect(p.takeDue(2000)[0]!.transient).toEqual({ TIXNGO_HTTP_503: { longestMs: 7 * MIN, reports: 2 } });
    });

    it('gives everything pending at shutdown, whatever the window', () => {
      const p = new DigestPlanner(policy);
      p.add(rejected('inject', { A: 1 }), 0);
      p.takeDue(2000);
      p.add({ kind: 'role-stopped', role: 'inject', code: 'DLQ_LIMIT_EXCEEDED' }, 3000);
      p.add({ kind: 'role-stopped', role: 'inject', code: 'DLQ_LIMIT_EXCEEDED' }, 3001);
      const all = p.takeAll(3002);
      expect(all).toHaveLength(1);
      expect(all[0]!.stopped).toEqual(['DLQ_LIMIT_EXCEEDED']);
    });

    it('adds up the counts of each organization and code across incidents', () => {
      const p = new DigestPlanner(policy);
      p.add(rejected('inject', { TIXNGO_INVALID_SEAT: 2 }, 'ORG_A'), 0);
      p.add(rejected('inject', { TIXNGO_INVALID_SEAT: 1, TIXNGO_HTTP_400: 1 }, 'ORG_B'), 100);
      p.add(rejected('inject', { TIXNGO_INVALID_SEAT: 1 }, 'ORG_A'), 200);
      expect(p.takeDue(2000)[0]!.rejected).toEqual({
        count: 5,
        codes: { TIXNGO_INVALID_SEAT: 4, TIXNGO_HTTP_400: 1 },
        byOrganization: { ORG_A: { TIXNGO_INVALID_SEAT: 3 }, ORG_B: { TIXNGO_INVALID_SEAT: 1, TIXNGO_HTTP_400: 1 } },
      });
    });

    it('puts back a digest that could not be sent, merged with what came since, for the next window', () => {
      const p = new DigestPlanner(policy);
      p.add(rejected('inject', { A: 2 }), 0);
      const [d] = p.takeDue(2000);
      p.add({ kind: 'poller-error', role: 'inject', code: 'TIXNGO_HTTP_500' }, 2500);
      p.putBack(d!);
      expect(p.takeDue(2000 + 15 * MIN - 1)).toEqual([]);
      const [again] = p.takeDue(2000 + 15 * MIN);
      expect(again).toMatchObject({
        firstAt: 0,
        rejected: { count: 2, codes: { A: 2 }, byOrganization: { ORG1: { A: 2 } } },
        pollerErrors: { TIXNGO_HTTP_500: 1 },
      });
    });
  });

  describe('renderDigest', () => {
    const base: Digest = {
      role: 'inject',
      firstAt: Date.parse('2026-01-01T10:00:00Z'),
      lastAt: Date.parse('2026-01-01T10:05:00Z'),
      rejected: none,
      deadLettered: none,
      transient: {},
      pollerErrors: {},
      stopped: [],
    };
    const ctx = { instanceId: 'pod-1', windowMs: 15 * MIN, cli: 'node dist/cli/main.js' };

    it('summarises rejections and dead letters by code and names the commands to investigate', () => {
      const { subject, text } = renderDigest(
        {
          ...base,
          rejected: { ...none, count: 3, codes: { TIXNGO_INVALID_SEAT: 2, TIXNGO_HTTP_400: 1 } },
          deadLettered: { ...none, count: 1, codes: { AVRO_BAD_FRAME: 1 } },
        },
        ctx,
      );
      expect(subject).toBe('[tixngo-bridge] inject: 3 rejected by TIXnGO, 1 dead-lettered');
      expect(text).toContain('3 ticket(s) rejected by TIXnGO, now in the dead-letter topic: TIXNGO_INVALID_SEAT x2, TIXNGO_HTTP_400 x1');
      expect(text).toContain('dlq list --role inject --code TIXNGO_INVALID_SEAT');
      expect(text).toContain('dlq list --role inject --code AVRO_BAD_FRAME');
      expect(text).toContain('status --role inject');
      expect(text).toContain('dlq replay --role inject --code <code>');
      expect(text).toContain('At most one mail per role every 15 min');
    });

    it('puts a stopped role first and says a long transient failure loses nothing', () => {
      const { subject, text } = renderDigest(
        { ...base, stopped: ['DLQ_LIMIT_EXCEEDED'], transient: { TIXNGO_HTTP_503: { longestMs: 372_000, reports: 9 } } },
        ctx,
      );
      expect(subject).toBe('[tixngo-bridge] inject: role stopped (DLQ_LIMIT_EXCEEDED), TIXNGO_HTTP_503 failing for 6 min 12 s');
      expect(text).toContain('The role STOPPED: DLQ_LIMIT_EXCEEDED');
      expect(text).toContain('failing for 6 min 12 s (TIXNGO_HTTP_503)');
      expect(text).toContain('  doctor');
    });

    it('says which organization(s) the failed tickets belong to, by code, records of unknown organization last', () => {
      const { subject, text } = renderDigest(
        {
          ...base,
          rejected: { count: 3, codes: { TIXNGO_INVALID_SEAT: 3 }, byOrganization: { ORG_B: { TIXNGO_INVALID_SEAT: 1 }, ORG_A: { TIXNGO_INVALID_SEAT: 2 } } },
          deadLettered: {
            count: 2,
            codes: { AVRO_BAD_FRAME: 1, EVENT_MISSING_FIELD: 1 },
            byOrganization: { '': { AVRO_BAD_FRAME: 1 }, ORG_B: { EVENT_MISSING_FIELD: 1 } },
          },
        },
        ctx,
      );
      expect(subject).toBe('[tixngo-bridge] inject: 3 rejected by TIXnGO, 2 dead-lettered');
      expect(text).toContain(
        [
          '- 3 ticket(s) rejected by TIXnGO, now in the dead-letter topic: TIXNGO_INVALID_SEAT x3',
          '    organization ORG_A: 2 (TIXNGO_INVALID_SEAT x2)',
          '    organization ORG_B: 1 (TIXNGO_INVALID_SEAT x1)',
          '- 2 record(s) could not be processed (invalid input) and were dead-lettered: AVRO_BAD_FRAME x1, EVENT_MISSING_FIELD x1',
          '    organization ORG_B: 1 (EVENT_MISSING_FIELD x1)',
          '    organization unknown (not decoded): 1 (AVRO_BAD_FRAME x1)',
        ].join('\n'),
      );
      expect(text).toContain('trace <ticketId> [--organization <code>]');
    });

    it('never renders anything but codes: other characters are replaced', () => {
      const { subject, text } = renderDigest(
        {
          ...base,
          rejected: { count: 1, codes: { 'Jane Doe <jane@x.test>': 1 }, byOrganization: { 'Jane Doe <jane@x.test>': { 'Jane Doe <jane@x.test>': 1 } } },
        },
        ctx,
      );
      expect(`${subject}\n${text}`).not.toMatch(/jane@x\.test|Jane Doe/);
    });
  });

  describe('failedRecords', () => {
    const rec = (outcome: TicketTrace['outcome'], reason: string, organization?: string) =>
      aTicketTrace(outcome, { reason, ...(organization ? { organization } : {}) });

    it('counts the records of one fate by code and by organization, those of unknown organization under ""', () => {
      const tickets = [
        rec('rejected', 'TIXNGO_INVALID_SEAT', 'ORG_A'),
        rec('rejected', 'TIXNGO_INVALID_SEAT', 'ORG_B'),
        rec('dead-lettered', 'AVRO_BAD_FRAME'),
        rec('skipped', 'FILTER_TARIFF', 'ORG_A'),
        rec('rejected', 'TIXNGO_HTTP_400', 'ORG_A'),
      ];
      expect(failedRecords(tickets, 'rejected')).toEqual({
        count: 3,
        codes: { TIXNGO_INVALID_SEAT: 2, TIXNGO_HTTP_400: 1 },
        byOrganization: { ORG_A: { TIXNGO_INVALID_SEAT: 1, TIXNGO_HTTP_400: 1 }, ORG_B: { TIXNGO_INVALID_SEAT: 1 } },
      });
      expect(failedRecords(tickets, 'dead-lettered')).toEqual({ count: 1, codes: { AVRO_BAD_FRAME: 1 }, byOrganization: { '': { AVRO_BAD_FRAME: 1 } } });
    });
  });

  describe('safeCode', () => {
    it('keeps codes and replaces the rest', () => expect(safeCode('TIXNGO_HTTP_503')).toBe('TIXNGO_HTTP_503'));
    it('caps the length', () => expect(safeCode('A'.repeat(200))).toHaveLength(80));
  });

  describe('formatDuration', () => {
    it.each([
      [5000, '5 s'],
      [15 * MIN, '15 min'],
      [372_000, '6 min 12 s'],
      [90 * MIN, '1 h 30 min'],
    ])('%d ms is %s', (ms, text) => expect(formatDuration(ms)).toBe(text));
  });
});
