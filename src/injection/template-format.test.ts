import { compileFormat, renderFormatted, toLocale, type ValueFormat } from './template-format';

/** The compiled format (fails the test when the pattern is refused). */
function compiled(pattern: string): ValueFormat {
  const c = compileFormat(pattern);
  if (!c.ok) throw new Error(`expected ${pattern} to compile, got: ${c.problem}`);
  return c.format;
}

/** The rendered text (fails the test when the value is refused). */
function rendered(value: string, pattern: string, locale = 'en', timeZone = 'Europe/Zurich'): string {
  const r = renderFormatted(value, compiled(pattern), locale, timeZone);
  if (!r.ok) throw new Error(`expected ${value} to render, got: ${r.problem}`);
  return r.text;
}

/** Wednesday 11 April 2018, 20:30:05.007 in Zurich (CEST, UTC+2). */
const KICK_OFF = '2018-04-11T18:30:05.007Z';

describe('template-format', () => {
  describe('dates (SimpleDateFormat patterns through Intl)', () => {
    it.each([
      // The examples of S-360's "Ticket Template Designer - Useful Tips".
      ['EEEE d MMMM yyyy', 'en', 'Wednesday 11 April 2018'],
      ['EE d MMMM yyyy', 'en', 'Wed 11 April 2018'],
      ['EE d MMMM yy', 'en', 'Wed 11 April 18'],
      // The example, and other languages.
      ['dd.MM.yyyy HH:mm', 'de', '11.04.2018 20:30'],
      ['EEEE d MMMM yyyy', 'de', 'Mittwoch 11 April 2018'],
      ['EEE d MMM', 'de', 'Mi. 11 Apr.'],
      ['EEEE d MMMM yyyy', 'fr', 'mercredi 11 avril 2018'],
      ['EEEE d MMMM yyyy', 'fr-CH', 'mercredi 11 avril 2018'],
      ['d MMMM', 'ru', '11 апреля'],
      ['LLLL', 'ru', 'апрель'],
      ['d MMMM yyyy', 'pl', '11 kwietnia 2018'],
      // Every letter.
      ['y yy yyy yyyy yyyyy', 'en', '2018 18 2018 2018 02018'],
      ['M MM MMM MMMM', 'en', '4 04 Apr April'],
      ['d dd D DDD', 'en', '11 11 101 101'],
      ['E EEE EEEE u', 'en', 'Wed Wed Wednesday 3'],
      ['H HH k K h hh a', 'en', '20 20 20 8 8 08 PM'],
      ['m mm s ss S SSS', 'en', '30 30 5 05 7 007'],
      ['Z X XX XXX', 'en', '+0200 +02 +0200 +02:00'],
      ['z', 'en', 'GMT+2'],
      ['zzzz', 'en', 'Central European Summer Time'],
      ['zzzz', 'de', 'Mitteleuropäische Sommerzeit'],
      ['G yyyy', 'en', 'AD 2018'],
      // Literal text: punctuation as is, letters in quotes, '' for a quote.
      ["yyyy-MM-dd'T'HH:mm:ss.SSSXXX", 'en', '2018-04-11T20:30:05.007+02:00'],
      ["'Kick-off' HH'h'mm", 'en', 'Kick-off 20h30'],
      ["HH 'o''clock'", 'en', "20 o'clock"],
      ["''yy", 'en', "'18"],
      ['dd/MM — HH:mm', 'en', '11/04 — 20:30'],
    ])('%s in %s → %s', (pattern, locale, text) => {
      expect(rendered(KICK_OFF, pattern, locale)).toBe(text);
    });

    it.each([
      ['Europe/Zurich', '11.04.2018 20:30 +02:00'],
      ['America/New_York', '11.04.2018 14:30 -04:00'],
      ['Asia/Tokyo', '12.04.2018 03:30 +09:00'],
      ['UTC', '11.04.2018 18:30 Z'],
    ])('renders the instant in the venue zone %s: %s', (zone, text) => {
      expect(rendered(KICK_OFF, 'dd.MM.yyyy HH:mm XXX', 'en', zone)).toBe(text);
    });

    it.each([
      ['2018-03-25T00:30:00Z', '01:30 +01:00'],
      ['2018-03-25T01:30:00Z', '03:30 +02:00'],
      ['2018-10-28T00:30:00Z', '02:30 +02:00'],
      ['2018-10-28T01:30:00Z', '02:30 +01:00'],
    ])('follows daylight saving time: %s is %s in Zurich', (instant, text) => {
      expect(rendered(instant, 'HH:mm XXX')).toBe(text);
    });

    it.each([
      ['midnight', '2018-04-11T22:00:00Z', '00 24 0 12 AM'],
      ['noon', '2018-04-11T10:00:00Z', '12 12 0 12 PM'],
    ])('counts hours at %s as Java does (H k K h a)', (_, instant, text) => {
      expect(rendered(instant, 'HH k K h a')).toBe(text);
    });

    it('reads the offset a value carries (the venue-local start time) and renders in the venue zone', () => {
      expect(rendered('2018-04-11T20:30:00+02:00', 'dd.MM.yyyy HH:mm', 'en', 'Europe/Zurich')).toBe('11.04.2018 20:30');
      expect(rendered('2018-04-11T20:30:00+02', 'HH:mm', 'en', 'Europe/London')).toBe('19:30');
    });

    it.each(['Europe/Zurich', 'Asia/Tokyo', 'Pacific/Pago_Pago'])('renders a date without time (YYYY-MM-DD) as that very day, in %s too', (zone) => {
      expect(rendered('2018-04-11', 'EEEE d MMMM yyyy', 'en', zone)).toBe('Wednesday 11 April 2018');
    });

    it.each([
      ['words', 'tomorrow'],
      ['an impossible day', '2018-02-30'],
      ['an impossible date-time', '2018-02-30T20:00:00Z'],
      ['a date-time without offset', '2018-04-11T20:30:00'],
      ['another date style', '11.04.2018'],
      ['a number', '1523471405'],
    ])('refuses %s as a date, without quoting it', (_, value) => {
      const r = renderFormatted(value, compiled('dd.MM.yyyy'), 'en', 'Europe/Zurich');
      expect(r).toEqual({ ok: false, problem: 'is not a date (RFC 3339 date-time with offset, or YYYY-MM-DD)' });
    });
  });

  describe('numbers (DecimalFormat patterns through Intl)', () => {
    it.each([
      ['#,##0.00', '1234.5', 'en', '1,234.50'],
      ['#,##0.00', '1234.5', 'de', '1.234,50'],
      ['#,##0.00', '1234.5', 'de-CH', "1'234.50"],
      ['#,##0.00', '1234.5', 'fr', '1\u202f234,50'],
      ['0.00', '95', 'en', '95.00'],
      ['0.00', '95.00', 'de', '95,00'],
      ['0', '95.00', 'en', '95'],
      ['#', '0', 'en', '0'],
      ['000', '7', 'en', '007'],
      ['#,##0', '1234567.89', 'en', '1,234,568'],
      ['#,###', '999', 'en', '999'],
      ['#,##,##0', '1234567', 'en', '1,234,567'],
      ['0.0#', '2.5', 'en', '2.5'],
      ['0.0#', '2', 'en', '2.0'],
      ['0.0#', '2.125', 'en', '2.12'],
      ['0.00', '-3.5', 'en', '-3.50'],
      ['0.00', '+3.5', 'en', '3.50'],
      // Java's DecimalFormat rounds half-even.
      ['0', '94.5', 'en', '94'],
      ['0', '95.5', 'en', '96'],
      ['0.00', '1.005', 'en', '1.00'],
      ['0.00', '1.015', 'en', '1.02'],
      // Exact: the value is never a floating-point number.
      ['#,##0.00', '12345678901234567.995', 'en', '12,345,678,901,234,568.00'],
      // Prefix and suffix: literal text, quoted or not.
      ['£#,##0.00', '40', 'en', '£40.00'],
      ["'CHF' #,##0.00", '1234.5', 'en', 'CHF 1,234.50'],
      ['#,##0.00 CHF', '1234.5', 'de-CH', "1'234.50 CHF"],
      ["#,##0.-- 'Fr.'", '12', 'en', '12.-- Fr.'],
      ['#,##0.--', '1234', 'de', '1.234,--'],
    ])('%s of %s in %s → %s', (pattern, value, locale, text) => {
      expect(rendered(value, pattern, locale)).toBe(text);
    });

    it.each(['1,234.50', 'abc', '12.', '.5', '1e3', '', ' 12'])('refuses %j as a number', (value) => {
      expect(renderFormatted(value, compiled('0.00'), 'en', 'UTC')).toEqual({ ok: false, problem: 'is not a number' });
    });
  });

  describe('compileFormat', () => {
    it('tells a number pattern (an unquoted 0 or #) from a date pattern', () => {
      expect(compiled('#,##0.00').kind).toBe('number');
      expect(compiled("'#'yyyy").kind).toBe('date');
      expect(compiled('dd.MM.yyyy').kind).toBe('date');
    });

    it.each([
      ['', 'format= is empty'],
      ['   ', 'format= is empty'],
      ['yyyy-ww', 'date pattern letter "w" (week in year) is not supported'],
      ['YYYY', 'date pattern letter "Y" (week year) is not supported'],
      ['dd Q', '"Q" is not a date pattern letter'],
      ['dd at HH', '"t" is not a date pattern letter'],
      ["dd 'open", 'a quote in the format is not closed'],
      ['#,##0.00%', '"%" (percent, per mille, currency sign) is not supported'],
      ['¤#,##0', '"¤" (percent, per mille, currency sign) is not supported'],
      ['#,##0 .', 'a second "." outside the digits'],
      ['0 0', 'a second "0" outside the digits'],
      ['#,#0', 'only thousands grouping'],
      ['#,##0,00', 'only thousands grouping'],
      ['0#', 'a # after a 0'],
      ['#.#0', 'is not #,##0.00-style'],
      ['0.00.0', 'is not #,##0.00-style'],
    ])('refuses %j: %s', (pattern, problem) => {
      const c = compileFormat(pattern);
      expect(c.ok).toBe(false);
      if (!c.ok) expect(c.problem).toContain(problem);
    });
  });

  describe('toLocale', () => {
    it.each([
      ['de', 'de'],
      ['DE', 'de'],
      ['fr-ch', 'fr-CH'],
      ['de_CH', 'de-CH'],
      [' it ', 'it'],
      ['', undefined],
      ['12', undefined],
      ['klingon', undefined],
      ['de--CH', undefined],
    ])('%j → %s', (tag, locale) => {
      expect(toLocale(tag)).toBe(locale);
    });
  });
});
