/**
 * Strict parsing of the dates and date-times the bridge reads from its inputs (pure).
 *
 * `Date.parse` is not a validator: V8 reads `2030-02-30T10:00:00Z` as 2 March and `2030-01-01T24:00Z`
 * as the next midnight. A date that names no real day is a broken input, not a nearby one, so every
 * parser here checks each part and returns `undefined` instead of rolling over.
 */

/** Is `y-m-d` a day of the proleptic Gregorian calendar (month 1–12, day within that month)? */
export function isRealDay(y: number, m: number, d: number): boolean {
  return Number.isInteger(y) && m >= 1 && m <= 12 && d >= 1 && d <= daysInMonth(y, m);
}

/** Days of month `m` (1–12) of year `y`. */
export function daysInMonth(y: number, m: number): number {
  // Day 0 of the next month is the last day of this one. setUTCFullYear, not Date.UTC, which reads years 0–99 as 1900+.
  const t = new Date(0);
  t.setUTCFullYear(y, m, 0);
  return t.getUTCDate();
}

const CALENDAR_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** `YYYY-MM-DD` naming a real day, as epoch days (UTC midnight / 86 400 000), else `undefined`. */
export function parseCalendarDate(s: string): number | undefined {
  const m = CALENDAR_DATE.exec(s);
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (!isRealDay(y, mo, d)) return undefined;
  return dayNumber(y, mo, d);
}

/** Is `s` a `YYYY-MM-DD` naming a real day (2023-02-29 is not)? */
export function isCalendarDate(s: string): boolean {
  return parseCalendarDate(s) !== undefined;
}

/**
 * RFC 3339 date-time with an explicit offset: `Z`, `±hh:mm`, and the `±hhmm` / `±hh` forms TIXnGO's
 * documents use; `T`, `t` or a space between date and time; fractional seconds of any length
 * (milliseconds kept).
 */
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)$/;

/** The instant an RFC 3339 date-time with offset names, or `undefined` when it is malformed or names no real moment. */
export function parseRfc3339(s: string): Date | undefined {
  const m = RFC3339.exec(s);
  if (!m) return undefined;
  const [y, mo, d, h, mi, sec] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i]));
  if (!isRealDay(y!, mo!, d!) || h! > 23 || mi! > 59 || sec! > 59) return undefined;
  let offsetMin = 0;
  if (m[9]) {
    const [oh, om] = [Number(m[10]), Number(m[11] ?? 0)];
    if (oh > 23 || om > 59) return undefined;
    offsetMin = (m[9] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const millis = m[7] ? Number(m[7].padEnd(3, '0').slice(0, 3)) : 0;
  return new Date(dayNumber(y!, mo!, d!) * 86_400_000 + ((h! * 60 + mi! - offsetMin) * 60 + sec!) * 1000 + millis);
}

/** Days since 1970-01-01 of a real day. */
function dayNumber(y: number, m: number, d: number): number {
  const t = new Date(0);
  t.setUTCFullYear(y, m - 1, d);
  return t.getTime() / 86_400_000;
}
