import { feedRecordSchema, isPushResponse, isRfc3339WithOffset, pushResponseSchema, TICKET_ID_PATTERN } from './wire-schemas';

describe('wire-schemas', () => {
  describe('TICKET_ID_PATTERN', () => {
    it.each([
      ['123456789', true],
      ['A-1 b.2_c+3/(4)*', true],
      ['x'.repeat(256), true],
      ['x'.repeat(257), false],
      ['', false],
      ['T#1', false],
      ['T,1', false],
      ['tické', false],
    ])('%j is valid: %s', (id, valid) => {
      expect(TICKET_ID_PATTERN.test(id)).toBe(valid);
    });
  });

  describe('isRfc3339WithOffset', () => {
    it.each([
      ['2022-12-12T16:11:00Z', true],
      ['2020-01-01T20:00:00+01', true],
      ['2020-01-01T20:00:00+01:00', true],
      ['2020-01-01T20:00:00.123-0530', true],
      ['2020-01-01T20:00:00', false],
      ['2020-01-01', false],
      ['2020-01-01T20:00Z', false],
      ['2020-13-01T20:00:00Z', false],
      ['2030-02-30T20:00:00Z', false],
      ['2030-04-31T20:00:00+02:00', false],
      ['2030-01-01T24:00:00Z', false],
      ['tomorrow', false],
      [12345, false],
    ])('%j → %s', (value, valid) => {
      expect(isRfc3339WithOffset(value)).toBe(valid);
    });
  });

  describe('feedRecordSchema', () => {
    const record = {
      ticketId: 'T-1',
      status: 'TRANSFERRED',
      version: 3,
      updatedAt: '2030-01-01T10:00:00.000Z',
      walletOwner: { firstName: 'Grace', birthDate: '1906-12-09' },
      ticketHolder: null,
      previousOwner: { email: 'ada@example.org' },
    };

    it('accepts a full record and unknown statuses', () => {
      expect(feedRecordSchema.safeParse(record).success).toBe(true);
      expect(feedRecordSchema.safeParse({ ...record, status: 'SOME_V4_STATUS' }).success).toBe(true);
    });

    it.each([
      ['no ticketId', { ...record, ticketId: undefined }],
      ['a string version', { ...record, version: '3' }],
      ['a date without offset', { ...record, updatedAt: '2030-01-01T10:00:00' }],
      ['a birth date with time', { ...record, walletOwner: { birthDate: '1906-12-09T00:00:00Z' } }],
      ['a birth date on 31 June', { ...record, walletOwner: { birthDate: '1906-06-31' } }],
      ['an updatedAt on 30 February', { ...record, updatedAt: '2030-02-30T10:00:00Z' }],
    ])('rejects a record with %s', (_name, bad) => {
      expect(feedRecordSchema.safeParse(bad).success).toBe(false);
    });
  });

  describe('isPushResponse', () => {
    const ok = { ticketId: 'T1', index: 0, status: 'OK' };
    const rejected = { ticketId: 'T2', status: 'REJECTED', errorCode: 'INVALID_FIELD', message: 'bad' };
    const results = (...r: unknown[]) => ({ results: r });
    it.each<[string, unknown]>([
      ['results', results(ok, rejected)],
      ['no results', results()],
      ['a null ticket id', results({ ...ok, ticketId: null })],
      ['extra fields', { ...results({ ...ok, extra: 1 }), more: true }],
      ['no index', results({ ticketId: 'T1', status: 'OK' })],
      ['a missing ticket id', results({ status: 'OK' })],
      ['a numeric ticket id', results({ ...ok, ticketId: 7 })],
      ['an unknown status', results({ ...ok, status: 'MAYBE' })],
      ['no status', results({ ticketId: 'T1' })],
      ['a negative index', results({ ...ok, index: -1 })],
      ['a fractional index', results({ ...ok, index: 1.5 })],
      ['an unsafe index', results({ ...ok, index: 2 ** 53 })],
      ['a string index', results({ ...ok, index: '1' })],
      ['a null error code', results({ ...rejected, errorCode: null })],
      ['a numeric message', results({ ...rejected, message: 3 })],
      ['a result that is no object', results('OK')],
      ['a null result', results(null)],
      ['an array result', results([ok])],
      ['results that are no array', { results: ok }],
      ['no results field', {}],
      ['an array', [ok]],
      ['null', null],
    ])('agrees with pushResponseSchema on %s', (_, json) => {
      expect(isPushResponse(json)).toBe(pushResponseSchema.safeParse(json).success);
    });
  });
});
