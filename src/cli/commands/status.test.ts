import type { Execution, OrganizationCounts } from '../../store/executions';
import { executionRow, executionRowOf, organizationRows, organizationStatus } from './status';

const counts = (organization: string | undefined, c: Partial<OrganizationCounts> = {}): OrganizationCounts => ({
  ...(organization ? { organization } : {}),
  received: 0,
  pushed: 0,
  skipped: [],
  rejected: 0,
  deadLettered: 0,
  errorCodes: [],
  ...c,
});

/** A batch of 6 records: ORG_A's 3 pushed, ORG_B's 1 pushed and 1 rejected, 1 record not decoded. */
const anExecution = (over: Partial<Execution> = {}): Execution => ({
  _id: 'b-1',
  role: 'inject',
  mode: 'live',
  instanceId: 'pod-1',
  closedBy: 'size',
  startedAt: new Date('2026-01-01T10:00:00.000Z'),
  finishedAt: new Date('2026-01-01T10:00:01.500Z'),
  durationMs: 1500,
  received: 6,
  pushed: 4,
  simulated: false,
  skipped: [],
  rejected: 1,
  deadLettered: 1,
  errorCodes: [
    { code: 'TIXNGO_INVALID_SEAT', count: 1 },
    { code: 'AVRO_BAD_FRAME', count: 1 },
  ],
  requests: 2,
  retries: 0,
  status: 'ERROR',
  organizations: [
    counts('ORG_A', { received: 3, pushed: 3 }),
    counts('ORG_B', { received: 2, pushed: 1, rejected: 1, errorCodes: [{ code: 'TIXNGO_INVALID_SEAT', count: 1 }] }),
    counts(undefined, { received: 1, deadLettered: 1, errorCodes: [{ code: 'AVRO_BAD_FRAME', count: 1 }] }),
  ],
  ...over,
});

describe('cli/commands/status', () => {
  describe('executionRow', () => {
    it('shows the batch: time, duration, counts, skips by reason and status', () => {
      expect(
        executionRow(
          anExecution({
            skipped: [
              { reason: 'FILTER_TARIFF', count: 2 },
              { reason: 'ORGANIZATION_NOT_SERVED', count: 5 },
            ],
          }),
        ),
      ).toEqual(['2026-01-01T10:00:01Z', '2 s', 6, 4, '7 (ORGANIZATION_NOT_SERVED 5, FILTER_TARIFF 2)', 1, 1, 'ERROR']);
    });
  });

  describe('organizationRows', () => {
    it('gives each organization of a batch that held several its own counts and status, under the batch', () => {
      expect(organizationRows(anExecution())).toEqual([
        ['  ORG_A', '', 3, 3, '0', 0, 0, 'OK'],
        ['  ORG_B', '', 2, 1, '0', 1, 0, 'ERROR'],
        ['  (not decoded)', '', 1, 0, '0', 0, 1, 'ERROR'],
      ]);
    });

    it.each([
      ['one organization', [counts('ORG_A', { received: 6 })]],
      ['none recorded (an execution from before they were)', undefined],
    ])('adds nothing for a batch of %s', (_what, organizations) => {
      const e = anExecution();
      expect(organizationRows({ ...e, ...(organizations ? { organizations } : { organizations: undefined }) })).toEqual([]);
    });
  });

  describe('executionRowOf', () => {
    it("counts only the organization's records, with its own status", () => {
      expect(executionRowOf(anExecution(), 'ORG_A')).toEqual(['2026-01-01T10:00:01Z', '2 s', 3, 3, '0', 0, 0, 'OK']);
      expect(executionRowOf(anExecution({ mode: 'replay' }), 'ORG_B')).toEqual(['2026-01-01T10:00:01Z', '2 s', 2, 1, '0', 1, 0, 'ERROR (replay)']);
    });

    it('is undefined for a batch without its records', () => {
      expect(executionRowOf(anExecution(), 'ORG_C')).toBeUndefined();
    });
  });

  describe('organizationStatus', () => {
    it.each([
      ['its own tickets rejected', { rejected: 1 }, 0, 'ERROR'],
      ['its own records dead-lettered', { deadLettered: 1 }, 0, 'ERROR'],
      ['clean, in a batch that retried (retries are counted per batch)', {}, 2, 'WARNING'],
      ["clean, in a batch whose errors were another organization's", {}, 0, 'OK'],
    ] as const)('%s', (_what, own, retries, expected) => {
      expect(organizationStatus(anExecution({ retries }), counts('ORG_A', own))).toBe(expected);
    });
  });
});
