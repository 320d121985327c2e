import { parseZonedDateTime } from './datetime';

describe('cli/datetime', () => {
  describe('parseZonedDateTime', () => {
    it.each([
      ['2025-03-01T08:00:00Z', '2025-03-01T08:00:00.000Z'],
      ['2025-03-01T08:00Z', '2025-03-01T08:00:00.000Z'],
      ['2025-03-01 08:00:00z', '2025-03-01T08:00:00.000Z'],
      ['2025-03-01T09:00:00+01:00', '2025-03-01T08:00:00.000Z'],
      ['2025-03-01T09:00:00+0100', '2025-03-01T08:00:00.000Z'],
      ['2025-03-01T09:00:00+01', '2025-03-01T08:00:00.000Z'],
      ['2025-03-01T03:30:00-04:30', '2025-03-01T08:00:00.000Z'],
      ['2025-03-01T08:00:00.5Z', '2025-03-01T08:00:00.500Z'],
      ['2025-03-01T08:00:00.123456789Z', '2025-03-01T08:00:00.123Z'],
      ['2024-02-29T00:00:00Z', '2024-02-29T00:00:00.000Z'],
      ['2025-01-01T00:30:00+01:00', '2024-12-31T23:30:00.000Z'],
    ])('reads %s as the instant %s', (text, iso) => {
      const r = parseZonedDateTime(text);
      expect(r).toEqual({ ok: true, ms: Date.parse(iso), iso });
    });

    it.each([
      ['2025-03-01T08:00:00', /no time zone/],
      ['2025-03-01T08:00', /no time zone/],
      ['2025-03-01', /date without a time and a time zone/],
      ['yesterday', /not an ISO-8601 date-time/],
      ['2025-03-01T08:00:00 UTC', /not an ISO-8601 date-time/],
      ['2025-02-29T08:00:00Z', /not a valid date-time/],
      ['2025-13-01T08:00:00Z', /not a valid date-time/],
      ['2025-03-01T24:00:00Z', /not a valid date-time/],
      ['2025-03-01T08:60:00Z', /not a valid date-time/],
      ['2025-03-01T08:00:00+19:00', /invalid UTC offset/],
    ])('refuses %s', (text, problem) => {
      const r = parseZonedDateTime(text);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.problem).toMatch(problem);
    });

    it('tells how to write the zone when it is missing', () => {
      const r = parseZonedDateTime('2025-03-01T08:00:00');
      expect(!r.ok && r.problem).toContain('Add "Z" for UTC');
    });
  });
});
