import { PoisonMessageError } from '../shared/errors';
import { fromLocal, resolveComfortTime, toLocalRfc3339, type ComfortContext } from './event-time';

const utc = (iso: string) => new Date(iso);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('event-time', () => {
  describe('toLocalRfc3339', () => {
    it.each([
      ['Europe/Zurich in summer', '2027-06-12T18:00:00Z', 'Europe/Zurich', '2027-06-12T20:00:00+02:00'],
      ['Europe/Zurich in winter', '2027-01-15T18:00:00Z', 'Europe/Zurich', '2027-01-15T19:00:00+01:00'],
      ['America/New_York in summer', '2027-06-12T18:00:00Z', 'America/New_York', '2027-06-12T14:00:00-04:00'],
      ['America/New_York in winter', '2027-01-15T18:00:00Z', 'America/New_York', '2027-01-15T13:00:00-05:00'],
      ['UTC', '2027-06-12T18:00:00Z', 'UTC', '2027-06-12T18:00:00+00:00'],
      ['Etc/UTC', '2027-06-12T18:00:00Z', 'Etc/UTC', '2027-06-12T18:00:00+00:00'],
      ['Asia/Kolkata (half-hour offset)', '2027-06-12T18:00:00Z', 'Asia/Kolkata', '2027-06-12T23:30:00+05:30'],
      ['a local date after the UTC date', '2027-06-12T23:30:00Z', 'Europe/Zurich', '2027-06-13T01:30:00+02:00'],
      ['a local date before the UTC date', '2027-06-12T02:00:00Z', 'America/New_York', '2027-06-11T22:00:00-04:00'],
      ['local midnight as 00, never 24', '2027-06-12T22:00:00Z', 'Europe/Zurich', '2027-06-13T00:00:00+02:00'],
      ['seconds kept, milliseconds dropped', '2027-06-12T18:00:05.999Z', 'Europe/Zurich', '2027-06-12T20:00:05+02:00'],
      ['the last second before the spring DST change', '2027-03-28T00:59:59Z', 'Europe/Zurich', '2027-03-28T01:59:59+01:00'],
      ['the first second after the spring DST change', '2027-03-28T01:00:00Z', 'Europe/Zurich', '2027-03-28T03:00:00+02:00'],
      ['the first 02:30 of the autumn DST change', '2027-10-31T00:30:00Z', 'Europe/Zurich', '2027-10-31T02:30:00+02:00'],
      ['the second 02:30 of the autumn DST change', '2027-10-31T01:30:00Z', 'Europe/Zurich', '2027-10-31T02:30:00+01:00'],
    ])('renders %s', (_, instant, zone, expected) => {
      expect(toLocalRfc3339(utc(instant), zone)).toBe(expected);
    });

    it('renders a string that parses back to the same instant (to the second)', () => {
      for (const zone of ['Europe/Zurich', 'America/New_York', 'UTC', 'Asia/Kolkata', 'Australia/Adelaide']) {
        for (const iso of ['2027-01-15T18:00:07Z', '2027-06-12T18:00:00Z', '2027-03-28T01:00:00Z']) {
          expect(Date.parse(toLocalRfc3339(utc(iso), zone))).toBe(Date.parse(iso));
        }
      }
    });
  });

  describe('fromLocal', () => {
    it.each([
      ['Zurich summer', { y: 2027, mo: 6, d: 12, h: 20, mi: 0 }, 'Europe/Zurich', '2027-06-12T18:00:00.000Z'],
      ['Zurich winter', { y: 2027, mo: 1, d: 15, h: 19, mi: 0 }, 'Europe/Zurich', '2027-01-15T18:00:00.000Z'],
      ['New York summer', { y: 2027, mo: 6, d: 12, h: 14, mi: 0 }, 'America/New_York', '2027-06-12T18:00:00.000Z'],
      ['New York winter', { y: 2027, mo: 1, d: 15, h: 13, mi: 0 }, 'America/New_York', '2027-01-15T18:00:00.000Z'],
      ['UTC', { y: 2027, mo: 6, d: 12, h: 18, mi: 0 }, 'UTC', '2027-06-12T18:00:00.000Z'],
      ['Kolkata', { y: 2027, mo: 6, d: 12, h: 23, mi: 30 }, 'Asia/Kolkata', '2027-06-12T18:00:00.000Z'],
      ['the day before the spring DST change', { y: 2027, mo: 3, d: 27, h: 12, mi: 0 }, 'Europe/Zurich', '2027-03-27T11:00:00.000Z'],
      ['the spring DST day, before the change', { y: 2027, mo: 3, d: 28, h: 1, mi: 30 }, 'Europe/Zurich', '2027-03-28T00:30:00.000Z'],
      ['the spring DST day, just after the change', { y: 2027, mo: 3, d: 28, h: 3, mi: 0 }, 'Europe/Zurich', '2027-03-28T01:00:00.000Z'],
      ['the spring DST day, at noon', { y: 2027, mo: 3, d: 28, h: 12, mi: 0 }, 'Europe/Zurich', '2027-03-28T10:00:00.000Z'],
      ['the autumn DST day, before the change', { y: 2027, mo: 10, d: 31, h: 0, mi: 30 }, 'Europe/Zurich', '2027-10-30T22:30:00.000Z'],
      ['the autumn DST day, after the change', { y: 2027, mo: 10, d: 31, h: 4, mi: 0 }, 'Europe/Zurich', '2027-10-31T03:00:00.000Z'],
      ['New York DST day, after the change', { y: 2027, mo: 3, d: 14, h: 12, mi: 0 }, 'America/New_York', '2027-03-14T16:00:00.000Z'],
    ])('finds the instant of a wall-clock time (%s)', (_, local, zone, expected) => {
      expect(fromLocal(local, zone).toISOString()).toBe(expected);
    });

    it('moves a wall-clock time that does not exist (spring gap) forward by the gap', () => {
      const t = fromLocal({ y: 2027, mo: 3, d: 28, h: 2, mi: 30 }, 'Europe/Zurich');
      expect(toLocalRfc3339(t, 'Europe/Zurich')).toBe('2027-03-28T03:30:00+02:00');
    });

    it('picks one of the two instants of a wall-clock time that happens twice (autumn overlap)', () => {
      const t = fromLocal({ y: 2027, mo: 10, d: 31, h: 2, mi: 30 }, 'Europe/Zurich');
      expect(['2027-10-31T00:30:00.000Z', '2027-10-31T01:30:00.000Z']).toContain(t.toISOString());
      expect(toLocalRfc3339(t, 'Europe/Zurich')).toMatch(/^2027-10-31T02:30:00\+0[12]:00$/);
    });

    it('is the inverse of toLocalRfc3339 every hour across both DST changes of a year', () => {
      for (const [from, to] of [
        ['2027-03-27T00:00:00Z', '2027-03-29T00:00:00Z'],
        ['2027-10-30T00:00:00Z', '2027-11-01T00:00:00Z'],
      ] as const) {
        for (let ms = Date.parse(from); ms < Date.parse(to); ms += HOUR) {
          const local = toLocalRfc3339(new Date(ms), 'Europe/Zurich');
          const [, y, mo, d, h, mi] = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(local)!.map(Number) as number[];
          const back = fromLocal({ y: y!, mo: mo!, d: d!, h: h!, mi: mi! }, 'Europe/Zurich');
          // The repeated autumn hour is ambiguous; everything else must come back exactly.
          if (local.startsWith('2027-10-31T02:')) expect(toLocalRfc3339(back, 'Europe/Zurich').slice(0, 19)).toBe(local.slice(0, 19));
          else expect(back.getTime()).toBe(ms);
        }
      }
    });
  });

  describe('resolveComfortTime', () => {
    const reference = utc('2027-06-12T18:00:00Z');
    const ctx: ComfortContext = {
      timeZone: 'Europe/Zurich',
      reference,
      seasonStart: utc('2026-08-01T00:00:00Z'),
      seasonEnd: utc('2027-07-31T00:00:00Z'),
    };

    it.each([
      ['start_of_season', 'start_of_season', '2026-08-01T00:00:00.000Z'],
      ['end_of_season', 'end_of_season', '2027-07-31T00:00:00.000Z'],
      ['a value with surrounding spaces', '  end_of_season ', '2027-07-31T00:00:00.000Z'],
    ])('resolves %s to the season date', (_, value, expected) => {
      expect(resolveComfortTime('TIXStart', value, ctx).toISOString()).toBe(expected);
    });

    it.each([
      ['+1d', DAY],
      ['-1w', -7 * DAY],
      ['2w', 14 * DAY],
      ['+3h', 3 * HOUR],
      ['-3h', -3 * HOUR],
      ['+30m', 30 * 60_000],
      ['0d', 0],
    ])('resolves the relative %s from the reference time', (value, deltaMs) => {
      expect(resolveComfortTime('TIXAct', value, ctx).getTime()).toBe(reference.getTime() + deltaMs);
    });

    it.each([
      ['in summer, in the event zone', '22/10/23 21:15', 'Europe/Zurich', '2023-10-22T19:15:00.000Z'],
      ['in winter, in the event zone', '05/01/27 09:00', 'Europe/Zurich', '2027-01-05T08:00:00.000Z'],
      ['in another event zone', '22/10/23 21:15', 'America/New_York', '2023-10-23T01:15:00.000Z'],
      ['at the first minute of a year', '01/01/27 00:00', 'UTC', '2027-01-01T00:00:00.000Z'],
      ['at the last minute of a year', '31/12/27 23:59', 'UTC', '2027-12-31T23:59:00.000Z'],
      ['on a leap day', '29/02/28 12:00', 'UTC', '2028-02-29T12:00:00.000Z'],
    ])('resolves an absolute dd/mm/yy hh:mm %s', (_, value, timeZone, expected) => {
      expect(resolveComfortTime('TIXExp', value, { ...ctx, timeZone }).toISOString()).toBe(expected);
    });

    it.each<[string, string, Partial<ComfortContext>]>([
      ['garbage', 'soon', {}],
      ['an empty value', '', {}],
      ['an unknown unit', '+1y', {}],
      ['a relative value without a number', '+d', {}],
      ['an ISO date', '2027-06-12T20:00', {}],
      ['a four-digit year', '22/10/2023 21:15', {}],
      ['a date without time', '22/10/23', {}],
      ['month 13', '22/13/23 21:15', {}],
      ['month 0', '22/00/23 21:15', {}],
      ['day 0', '00/10/23 21:15', {}],
      ['day 32', '32/10/23 21:15', {}],
      ['hour 24', '22/10/23 24:00', {}],
      ['minute 60', '22/10/23 21:60', {}],
      ['the 31st of a 30-day month', '31/04/27 10:00', {}],
      ['the 30th of February', '30/02/27 10:00', {}],
      ['the 29th of February of a common year', '29/02/27 10:00', {}],
      ['start_of_season without season dates', 'start_of_season', { seasonStart: null }],
      ['end_of_season without season dates', 'end_of_season', { seasonEnd: null }],
      ['a relative value without a reference time', '+1d', { reference: null }],
    ])('refuses %s with a COMFORT_VARIABLE_INVALID poison error naming the variable', (_, value, over) => {
      let error: unknown;
      try {
        resolveComfortTime('TIXAct', value, { ...ctx, ...over });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(PoisonMessageError);
      expect(error).toMatchObject({ kind: 'poison', code: 'COMFORT_VARIABLE_INVALID' });
      expect((error as Error).message).toContain('TIXAct');
    });
  });
});
