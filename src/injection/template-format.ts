import { daysInMonth, parseCalendarDate, parseRfc3339 } from '../shared/dates';
import { toLocalRfc3339 } from './event-time';

/**
 * The `format=` option of a ticket-template placeholder, as S-360's ticket template editor offers it
 * (`${Performance_startDate;format=EEEE d MMMM yyyy;language=de}`, `${Amount_unitAmount;format=#,##0.00}`):
 * Java `SimpleDateFormat` patterns for dates and `DecimalFormat` patterns for numbers, rendered with
 * `Intl` (CLDR names, as Java 9+ uses). Pure: patterns are compiled once at start-up, values rendered
 * per ticket.
 *
 * Dates are rendered in the venue's time zone; a date without time (`YYYY-MM-DD`) as that very day.
 * Digits are always Latin (0–9), whatever the language.
 */
export type ValueFormat = DateFormat | NumberFormat;

export interface DateFormat {
  readonly kind: 'date';
  readonly fields: readonly DateField[];
}

/** A run of one pattern letter (`MMMM`: letter `M`, width 4), or literal text. */
type DateField = { readonly text: string } | { readonly letter: DateLetter; readonly width: number };

export interface NumberFormat {
  readonly kind: 'number';
  readonly prefix: string;
  readonly suffix: string;
  readonly minIntegerDigits: number;
  readonly minFractionDigits: number;
  readonly maxFractionDigits: number;
  readonly grouping: boolean;
  /** A pattern ending its digits in "." (`#,##0.--`): the decimal separator is shown even without decimals. */
  readonly decimalAlways: boolean;
}

/** The SimpleDateFormat letters the bridge renders, with what each means (for error messages and the README). */
export const DATE_LETTERS = {
  G: 'era',
  y: 'year',
  M: 'month',
  L: 'month, stand-alone form',
  d: 'day of the month',
  D: 'day of the year',
  E: 'day of the week (name)',
  u: 'day of the week (1 = Monday … 7 = Sunday)',
  a: 'AM/PM',
  H: 'hour 0–23',
  k: 'hour 1–24',
  K: 'hour 0–11',
  h: 'hour 1–12',
  m: 'minute',
  s: 'second',
  S: 'millisecond',
  z: 'time zone name',
  Z: 'UTC offset, -0800',
  X: 'UTC offset, ISO 8601 (Z, -08, -0800, -08:00)',
} as const;
type DateLetter = keyof typeof DATE_LETTERS;

/** SimpleDateFormat letters the bridge does not render: week-based fields depend on locale rules Intl does not expose. */
const UNSUPPORTED_DATE_LETTERS: Readonly<Record<string, string>> = {
  Y: 'week year',
  w: 'week in year',
  W: 'week in month',
  F: 'day of week in month',
};

export type CompiledFormat = { readonly ok: true; readonly format: ValueFormat } | { readonly ok: false; readonly problem: string };

/**
 * Compiles a `format=` pattern. A pattern with an unquoted `0` or `#` is a number pattern, any other
 * a date pattern (as S-360 decides by the variable's type, which a template does not name).
 */
export function compileFormat(pattern: string): CompiledFormat {
  if (pattern.trim() === '') return { ok: false, problem: 'format= is empty' };
  const pieces = splitQuoted(pattern);
  if (!pieces.ok) return pieces;
  return pieces.parts.some((p) => !p.quoted && /[0#]/.test(p.text)) ? compileNumber(pieces.parts) : compileDate(pieces.parts);
}

type Piece = { readonly text: string; readonly quoted: boolean };

/** Splits a pattern into unquoted text and quoted literals (`'at'`; `''` is one quote, inside or outside quotes). */
function splitQuoted(pattern: string): { ok: true; parts: Piece[] } | { ok: false; problem: string } {
  const parts: Piece[] = [];
  let plain = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c !== "'") {
      plain += c;
      continue;
    }
    if (pattern[i + 1] === "'") {
      parts.push({ text: plain, quoted: false }, { text: "'", quoted: true });
      plain = '';
      i++;
      continue;
    }
    let quoted = '';
    let j = i + 1;
    for (; j < pattern.length; j++) {
      if (pattern[j] !== "'") {
        quoted += pattern[j];
      } else if (pattern[j + 1] === "'") {
        quoted += "'";
        j++;
      } else {
        break;
      }
    }
    if (j >= pattern.length) return { ok: false, problem: 'a quote in the format is not closed' };
    parts.push({ text: plain, quoted: false }, { text: quoted, quoted: true });
    plain = '';
    i = j;
  }
  parts.push({ text: plain, quoted: false });
  return { ok: true, parts: parts.filter((p) => p.text !== '') };
}

function compileDate(pieces: readonly Piece[]): CompiledFormat {
  const fields: DateField[] = [];
  for (const piece of pieces) {
    if (piece.quoted) {
      fields.push({ text: piece.text });
      continue;
    }
    for (const run of piece.text.match(/([A-Za-z])\1*|[^A-Za-z]+/g) ?? []) {
      const letter = run[0]!;
      if (!/[A-Za-z]/.test(letter)) {
        fields.push({ text: run });
        continue;
      }
      if (letter in UNSUPPORTED_DATE_LETTERS) {
        return { ok: false, problem: `date pattern letter "${letter}" (${UNSUPPORTED_DATE_LETTERS[letter]}) is not supported` };
      }
      if (!(letter in DATE_LETTERS)) {
        return {
          ok: false,
          problem: `"${letter}" is not a date pattern letter (letters: ${Object.keys(DATE_LETTERS).join(' ')}; put text in single quotes)`,
        };
      }
      fields.push({ letter: letter as DateLetter, width: run.length });
    }
  }
  return { ok: true, format: { kind: 'date', fields } };
}

const NUMBER_BODY = /^([#0,]*[0#])(?:\.(0*#*))?$/;

function compileNumber(pieces: readonly Piece[]): CompiledFormat {
  // A literal prefix, the digits (a run of unquoted # 0 , .), a literal suffix.
  const chars = pieces.flatMap((p) => [...p.text].map((c) => ({ c, quoted: p.quoted })));
  const inDigits = (x: { c: string; quoted: boolean }) => !x.quoted && '#0,.'.includes(x.c);
  const first = chars.findIndex(inDigits);
  let last = first;
  while (last + 1 < chars.length && inDigits(chars[last + 1]!)) last++;
  const digits = chars
    .slice(first, last + 1)
    .map((x) => x.c)
    .join('');
  const text = (xs: readonly { c: string }[]) => xs.map((x) => x.c).join('');
  const around = [...chars.slice(0, first), ...chars.slice(last + 1)];
  const stray = around.find((x) => !x.quoted && /[0#,.%‰¤]/.test(x.c))?.c;
  if (stray !== undefined) {
    const what = '%‰¤'.includes(stray) ? `"${stray}" (percent, per mille, currency sign) is not supported` : `a second "${stray}" outside the digits`;
    return { ok: false, problem: `number format: ${what}; put literal text in single quotes` };
  }
  const m = NUMBER_BODY.exec(digits);
  if (!m) return { ok: false, problem: `number format "${digits}" is not #,##0.00-style (#s, then 0s, an optional "." with 0s then #s)` };
  const integer = m[1]!;
  if (!/^[#,]*[0,]*$/.test(integer)) return { ok: false, problem: `number format "${digits}": a # after a 0 in the integer part` };
  const grouping = integer.includes(',');
  // As in Java, the interval after the last "," is the grouping size (#,##,##0 groups by three).
  if (grouping && integer.length - integer.lastIndexOf(',') - 1 !== 3) {
    return { ok: false, problem: `number format "${digits}": only thousands grouping (#,##0) is supported` };
  }
  const fraction = m[2] ?? '';
  return {
    ok: true,
    format: {
      kind: 'number',
      prefix: text(chars.slice(0, first)),
      suffix: text(chars.slice(last + 1)),
      minIntegerDigits: Math.max(1, integer.replace(/[#,]/g, '').length),
      minFractionDigits: fraction.replace(/#/g, '').length,
      maxFractionDigits: fraction.length,
      grouping,
      decimalAlways: digits.endsWith('.'),
    },
  };
}

// ----- rendering ----------------------------------------------------------------------------------

/** Why a value could not be rendered with its format (never contains the value: it may be personal data). */
export type Rendered = { readonly ok: true; readonly text: string } | { readonly ok: false; readonly problem: string };

/**
 * Renders `value` (a variable's text) with `format` in `locale` (a BCP 47 tag, see `toLocale`).
 * Dates: an RFC 3339 date-time with offset, rendered in `timeZone`, or a `YYYY-MM-DD` day.
 * Numbers: a plain decimal (`1234.5`, `-3`), rounded half-even as Java's DecimalFormat does.
 */
export function renderFormatted(value: string, format: ValueFormat, locale: string, timeZone: string): Rendered {
  if (format.kind === 'number') {
    if (!/^[+-]?\d+(\.\d+)?$/.test(value)) return { ok: false, problem: 'is not a number' };
    const digits = numberFormat(format, locale).format(value as `${number}`);
    const decimal = format.decimalAlways ? decimalSeparator(locale) : '';
    return { ok: true, text: `${format.prefix}${digits}${decimal}${format.suffix}` };
  }
  const instant = parseRfc3339(value);
  if (instant) return { ok: true, text: renderDate(format, zoned(instant, timeZone), locale) };
  const day = parseCalendarDate(value);
  if (day !== undefined) return { ok: true, text: renderDate(format, zoned(new Date(day * 86_400_000), 'UTC'), locale) };
  return { ok: false, problem: 'is not a date (RFC 3339 date-time with offset, or YYYY-MM-DD)' };
}

/**
 * A language tag (`de`, `fr-CH`, and Java's `de_CH`) as a locale `Intl` can render, or `undefined`
 * when it is malformed or not one this runtime has data for.
 */
export function toLocale(tag: string): string | undefined {
  // Per ticket when the language comes from a variable: remembered, as the lookup is not cheap.
  if (locales.has(tag)) return locales.get(tag);
  let locale: string | undefined;
  const t = tag.trim().replace(/_/g, '-');
  try {
    const [canonical] = t === '' ? [] : Intl.getCanonicalLocales(t);
    locale = canonical !== undefined && Intl.DateTimeFormat.supportedLocalesOf(canonical).length > 0 ? canonical : undefined;
  } catch {
    locale = undefined;
  }
  if (locales.size >= FORMATTERS_MAX) locales.clear();
  locales.set(tag, locale);
  return locale;
}

/** The calendar fields of an instant in a zone, read off its venue-local RFC 3339 form. */
interface Zoned {
  readonly instant: Date;
  readonly timeZone: string;
  readonly y: number;
  readonly mo: number;
  readonly d: number;
  readonly h: number;
  readonly mi: number;
  readonly s: number;
  readonly offsetMin: number;
}

function zoned(instant: Date, timeZone: string): Zoned {
  const local = toLocalRfc3339(instant, timeZone); // 2026-06-12T20:00:00+02:00
  const n = (from: number, to: number) => Number(local.slice(from, to));
  const sign = local[19] === '-' ? -1 : 1;
  return { instant, timeZone, y: n(0, 4), mo: n(5, 7), d: n(8, 10), h: n(11, 13), mi: n(14, 16), s: n(17, 19), offsetMin: sign * (n(20, 22) * 60 + n(23, 25)) };
}

function renderDate(format: DateFormat, z: Zoned, locale: string): string {
  return format.fields.map((f) => ('text' in f ? f.text : renderField(f.letter, f.width, z, locale))).join('');
}

function renderField(letter: DateLetter, width: number, z: Zoned, locale: string): string {
  const num = (n: number) => String(n).padStart(width, '0');
  const text = (options: Intl.DateTimeFormatOptions, part: Intl.DateTimeFormatPartTypes) => textPart(locale, z, options, part);
  switch (letter) {
    case 'G':
      return text({ era: width >= 4 ? 'long' : 'short', year: 'numeric' }, 'era');
    case 'y':
      return width === 2 ? String(z.y % 100).padStart(2, '0') : num(z.y);
    case 'M':
    case 'L':
      if (width <= 2) return num(z.mo);
      // M is the form used inside a date ("9 апреля"), L the stand-alone one ("апрель").
      return text(letter === 'M' ? { day: 'numeric', month: width === 3 ? 'short' : 'long' } : { month: width === 3 ? 'short' : 'long' }, 'month');
    case 'd':
      return num(z.d);
    case 'D':
      return num(dayOfYear(z));
    case 'E':
      // With the day, for the form used inside a date (German "Mi.", not the stand-alone "Mi").
      return text({ weekday: width >= 4 ? 'long' : 'short', day: 'numeric' }, 'weekday');
    case 'u':
      return num(((weekday(z) + 6) % 7) + 1);
    case 'a':
      return text({ hour: 'numeric', hour12: true }, 'dayPeriod');
    case 'H':
      return num(z.h);
    case 'k':
      return num(z.h === 0 ? 24 : z.h);
    case 'K':
      return num(z.h % 12);
    case 'h':
      return num(z.h % 12 === 0 ? 12 : z.h % 12);
    case 'm':
      return num(z.mi);
    case 's':
      return num(z.s);
    case 'S':
      return num(z.instant.getUTCMilliseconds());
    case 'z':
      return text({ timeZoneName: width >= 4 ? 'long' : 'short' }, 'timeZoneName');
    case 'Z':
      return offset(z.offsetMin, 'hhmm');
    case 'X':
      return z.offsetMin === 0 ? 'Z' : offset(z.offsetMin, width === 1 ? 'hh' : width === 2 ? 'hhmm' : 'hh:mm');
  }
}

function offset(minutes: number, form: 'hh' | 'hhmm' | 'hh:mm'): string {
  const sign = minutes < 0 ? '-' : '+';
  const hh = String(Math.floor(Math.abs(minutes) / 60)).padStart(2, '0');
  const mm = String(Math.abs(minutes) % 60).padStart(2, '0');
  return form === 'hh' ? `${sign}${hh}` : form === 'hhmm' ? `${sign}${hh}${mm}` : `${sign}${hh}:${mm}`;
}

/** 0 = Sunday … 6 = Saturday, of the zoned calendar day. */
function weekday(z: Zoned): number {
  return new Date(Date.UTC(z.y, z.mo - 1, z.d)).getUTCDay();
}

function dayOfYear(z: Zoned): number {
  let n = z.d;
  for (let m = 1; m < z.mo; m++) n += daysInMonth(z.y, m);
  return n;
}

// Building an Intl formatter costs far more than using one: one per locale, zone and options.
const FORMATTERS_MAX = 512;
const dateFormatters = new Map<string, Intl.DateTimeFormat>();
const numberFormatters = new WeakMap<NumberFormat, Map<string, Intl.NumberFormat>>();

function textPart(locale: string, z: Zoned, options: Intl.DateTimeFormatOptions, part: Intl.DateTimeFormatPartTypes): string {
  const key = `${locale}|${z.timeZone}|${JSON.stringify(options)}`;
  let f = dateFormatters.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(locale, { ...options, timeZone: z.timeZone, numberingSystem: 'latn' });
    if (dateFormatters.size >= FORMATTERS_MAX) dateFormatters.clear();
    dateFormatters.set(key, f);
  }
  return f.formatToParts(z.instant).find((p) => p.type === part)?.value ?? '';
}

const decimalSeparators = new Map<string, string>();
const locales = new Map<string, string | undefined>();

function decimalSeparator(locale: string): string {
  let d = decimalSeparators.get(locale);
  if (d === undefined) {
    d = new Intl.NumberFormat(locale).formatToParts(1.5).find((p) => p.type === 'decimal')?.value ?? '.';
    decimalSeparators.set(locale, d);
  }
  return d;
}

function numberFormat(format: NumberFormat, locale: string): Intl.NumberFormat {
  let byLocale = numberFormatters.get(format);
  if (!byLocale) numberFormatters.set(format, (byLocale = new Map()));
  let f = byLocale.get(locale);
  if (!f) {
    f = new Intl.NumberFormat(locale, {
      minimumIntegerDigits: format.minIntegerDigits,
      minimumFractionDigits: format.minFractionDigits,
      maximumFractionDigits: format.maxFractionDigits,
      useGrouping: format.grouping,
      roundingMode: 'halfEven',
      numberingSystem: 'latn',
    });
    byLocale.set(locale, f);
  }
  return f;
}
