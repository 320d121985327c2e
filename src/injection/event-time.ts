import { isRealDay } from '../shared/dates';
import { PoisonMessageError } from '../shared/errors';

/** One formatter per time zone: building an Intl.DateTimeFormat costs far more than using one. */
const formats = new Map<string, Intl.DateTimeFormat>();

function localFormat(timeZone: string): Intl.DateTimeFormat {
  let f = formats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
      timeZoneName: 'longOffset',
    });
    formats.set(timeZone, f); // bounded by the IANA zones: an unknown zone throws above
  }
  return f;
}

/** Whether `tz` is a time zone this runtime knows (an IANA name); the formatter it builds is kept. */
export function isTimeZone(tz: string): boolean {
  try {
    localFormat(tz);
    return true;
  } catch {
    return false;
  }
}

/** Recent results by zone and instant: the tickets of one performance share their times. */
const recent = new Map<string, string>();
const RECENT_MAX = 10_000;

/**
 * RFC 3339 in the event's local time with its offset (e.g. `2026-06-12T20:00:00+02:00`): TIXnGO's
 * app shows event times exactly as injected, so they must be venue-local, not UTC.
 */
export function toLocalRfc3339(instant: Date, timeZone: string): string {
  const key = `${timeZone} ${instant.getTime()}`;
  let s = recent.get(key);
  if (s === undefined) {
    s = formatLocal(instant, timeZone);
    if (recent.size >= RECENT_MAX) recent.clear();
    recent.set(key, s);
  }
  return s;
}

function formatLocal(instant: Date, timeZone: string): string {
  const parts = localFormat(timeZone).formatToParts(instant);
  const get = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  const zone = get('timeZoneName'); // "GMT+02:00", or "GMT" for UTC
  const offset = zone === 'GMT' ? '+00:00' : zone.replace('GMT', '');
  return `${get('year')}-${get('month')}-${get('day')}T${get('hour')}:${get('minute')}:${get('second')}${offset}`;
}

/** The instant at which the wall-clock time `local` happens in `timeZone` (DST-aware). */
export function fromLocal(local: { y: number; mo: number; d: number; h: number; mi: number }, timeZone: string): Date {
  const asUtc = Date.UTC(local.y, local.mo - 1, local.d, local.h, local.mi);
  // Two passes settle the offset, also right after a DST change.
  let t = asUtc - offsetMs(new Date(asUtc), timeZone);
  t = asUtc - offsetMs(new Date(t), timeZone);
  return new Date(t);
}

function offsetMs(instant: Date, timeZone: string): number {
  const s = toLocalRfc3339(instant, timeZone);
  const m = /([+-])(\d{2}):(\d{2})$/.exec(s)!;
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) * 60_000;
}

export interface ComfortContext {
  readonly timeZone: string;
  /** What a relative value (`+1d`, `-1w`, `2w`) is counted from. */
  readonly reference: Date | null;
  readonly seasonStart: Date | null;
  readonly seasonEnd: Date | null;
}

const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * Resolves a product comfort variable (`TIXAct`, `TIXStart`, `TIXExp`): `start_of_season`,
 * `end_of_season`, a relative offset such as `+1d`, `-1w` or `2w` (minutes, hours, days, weeks),
 * or an absolute `dd/mm/yy hh:mm` in the event's time zone. A value that cannot be resolved makes
 * the ticket impossible to inject as configured: a poison error naming the variable.
 */
export function resolveComfortTime(name: string, value: string, ctx: ComfortContext): Date {
  const v = value.trim();
  if (v === 'start_of_season' || v === 'end_of_season') {
    const d = v === 'start_of_season' ? ctx.seasonStart : ctx.seasonEnd;
    if (!d) throw new PoisonMessageError('COMFORT_VARIABLE_INVALID', `${name}=${v} but the ticket has no season dates`);
    return d;
  }
  const rel = /^([+-]?)(\d{1,4})([mhdw])$/.exec(v);
  if (rel) {
    if (!ctx.reference) throw new PoisonMessageError('COMFORT_VARIABLE_INVALID', `${name} is relative but the ticket has no reference time`);
    const ms = Number(rel[2]) * UNIT_MS[rel[3]!]!;
    return new Date(ctx.reference.getTime() + (rel[1] === '-' ? -ms : ms));
  }
  const abs = /^(\d{2})\/(\d{2})\/(\d{2}) (\d{2}):(\d{2})$/.exec(v);
  if (abs) {
    const [d, mo, y, h, mi] = abs.slice(1).map(Number) as [number, number, number, number, number];
    // 31/04 or 29/02/27 must not roll over into the next month.
    if (!isRealDay(2000 + y, mo, d) || h > 23 || mi > 59) {
      throw new PoisonMessageError('COMFORT_VARIABLE_INVALID', `${name} is not a valid dd/mm/yy hh:mm date`);
    }
    return fromLocal({ y: 2000 + y, mo, d, h, mi }, ctx.timeZone);
  }
  throw new PoisonMessageError('COMFORT_VARIABLE_INVALID', `${name} must be start_of_season, end_of_season, a relative offset like +1d, or dd/mm/yy hh:mm`);
}
