/**
 * ISO-8601 date-times with an explicit zone (pure). Offsets are moved by instants, and the same
 * wall-clock time is a different instant in every zone: Kafka's own `--to-datetime` silently reads a
 * time without zone as UTC (older versions as the machine's zone), a classic source of 8-hour
 * surprises. So a zone is required: `Z`, `±hh:mm`, `±hhmm` or `±hh`.
 */

import { isRealDay } from '../shared/dates';

export type ParsedDateTime = { readonly ok: true; readonly ms: number; readonly iso: string } | { readonly ok: false; readonly problem: string };

const FULL = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)?$/;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

export function parseZonedDateTime(input: string): ParsedDateTime {
  const text = input.trim();
  const example = 'e.g. 2025-03-01T08:00:00Z (UTC) or 2025-03-01T09:00:00+01:00';
  if (DATE_ONLY.test(text)) {
    return { ok: false, problem: `"${text}" is a date without a time and a time zone; write a date-time with its zone, ${example}` };
  }
  const m = FULL.exec(text);
  if (!m) return { ok: false, problem: `"${text.slice(0, 60)}" is not an ISO-8601 date-time; ${example}` };
  const [, y, mo, d, h, mi, s, frac, z, sign, oh, om] = m;
  if (!z && !sign) {
    return {
      ok: false,
      problem:
        `"${text}" has no time zone. Add "Z" for UTC or the offset of the zone you mean (${example}):` +
        ' the same clock time is a different moment in every zone.',
    };
  }
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s ?? 0);
  const millis = frac ? Number(frac.padEnd(3, '0').slice(0, 3)) : 0;
  if (!isRealDay(year, month, day) || hour > 23 || minute > 59 || second > 59) {
    return { ok: false, problem: `"${text}" is not a valid date-time (check the month, day and time)` };
  }
  let offsetMin = 0;
  if (sign) {
    const oHours = Number(oh);
    const oMinutes = Number(om ?? 0);
    if (oHours > 18 || oMinutes > 59) return { ok: false, problem: `"${text}" has an invalid UTC offset` };
    offsetMin = (sign === '-' ? -1 : 1) * (oHours * 60 + oMinutes);
  }
  const ms = Date.UTC(year, month - 1, day, hour, minute, second, millis) - offsetMin * 60_000;
  return { ok: true, ms, iso: new Date(ms).toISOString() };
}
