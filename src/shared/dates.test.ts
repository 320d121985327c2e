import { daysInMonth, isCalendarDate, isRealDay, parseCalendarDate, parseRfc3339 } from './dates';

describe('dates', () => {
  describe('isRealDay / daysInMonth', () => {
    it.each<[number, number, number, boolean]>([
      [2030, 1, 31, true],
      [2030, 2, 28, true],
      [2030, 2, 29, false],
      [2032, 2, 29, true],
      [2000, 2, 29, true],
      [1900, 2, 29, false],
      [2030, 4, 30, true],
      [2030, 4, 31, false],
      [2030, 12, 31, true],
      [2030, 0, 1, false],
      [2030, 13, 1, false],
      [2030, 6, 0, false],
      [2030, 6, 32, false],
      [99, 2, 29, false],
      [96, 2, 29, true],
    ])('%i-%i-%i is a real day: %s', (y, m, d, real) => {
      expect(isRealDay(y, m, d)).toBe(real);
    });

    it.each([
      [2030, 2, 28],
      [2032, 2, 29],
      [2030, 9, 30],
      [2030, 12, 31],
    ])('%i-%i has %i days', (y, m, days) => {
      expect(daysInMonth(y, m)).toBe(days);
    });
  });

  describe('parseCalendarDate', () => {
    it.each([
      ['1970-01-01', 0],
      ['1970-01-02', 1],
      ['1969-12-31', -1],
      ['2000-02-29', 11_016],
    ])('reads %s as epoch day %i', (s, day) => {
      expect(parseCalendarDate(s)).toBe(day);
      expect(isCalendarDate(s)).toBe(true);
    });

    it.each(['2030-02-30', '2031-02-29', '2030-04-31', '2030-00-10', '2030-13-01', '2030-06-00', '2030-6-1', '01.06.2030', '2030-06-01T00:00:00Z', ''])(
      'refuses %j',
      (s) => {
        expect(parseCalendarDate(s)).toBeUndefined();
        expect(isCalendarDate(s)).toBe(false);
      },
    );
  });

  describe('parseRfc3339', () => {
    it.each([
      ['2030-06-01T10:00:00Z', '2030-06-01T10:00:00.000Z'],
      ['2030-06-01t10:00:00z', '2030-06-01T10:00:00.000Z'],
      ['2030-06-01 10:00:00Z', '2030-06-01T10:00:00.000Z'],
      ['2030-06-01T10:00:00.123Z', '2030-06-01T10:00:00.123Z'],
      ['2030-06-01T10:00:00.1234567Z', '2030-06-01T10:00:00.123Z'],
      ['2030-06-01T12:00:00+02:00', '2030-06-01T10:00:00.000Z'],
      ['2030-06-01T11:00:00+01', '2030-06-01T10:00:00.000Z'],
      ['2030-06-01T11:30:00+0130', '2030-06-01T10:00:00.000Z'],
      ['2030-06-01T05:00:00-05:00', '2030-06-01T10:00:00.000Z'],
      ['2030-06-01T00:30:00+01:00', '2030-05-31T23:30:00.000Z'],
      ['2032-02-29T23:59:59-12:00', '2032-03-01T11:59:59.000Z'],
      ['1969-12-31T23:59:59Z', '1969-12-31T23:59:59.000Z'],
    ])('reads %s as %s', (s, iso) => {
      expect(parseRfc3339(s)?.toISOString()).toBe(iso);
    });

    it.each([
      ['30 February', '2030-02-30T10:00:00Z'],
      ['29 February of a common year', '2031-02-29T10:00:00Z'],
      ['31 April', '2030-04-31T10:00:00+02:00'],
      ['month 13', '2030-13-01T10:00:00Z'],
      ['day 0', '2030-06-00T10:00:00Z'],
      ['hour 24', '2030-06-01T24:00:00Z'],
      ['minute 60', '2030-06-01T10:60:00Z'],
      ['second 60', '2030-06-01T10:00:60Z'],
      ['an offset of 24 hours', '2030-06-01T10:00:00+24:00'],
      ['offset minutes 60', '2030-06-01T10:00:00+01:60'],
      ['no offset', '2030-06-01T10:00:00'],
      ['no seconds', '2030-06-01T10:00Z'],
      ['a date only', '2030-06-01'],
      ['words', 'tomorrow'],
      ['an empty string', ''],
    ])('refuses %s (%j)', (_name, s) => {
      expect(parseRfc3339(s)).toBeUndefined();
    });
  });
});
