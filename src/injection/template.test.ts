import { ConfigError, PoisonMessageError } from '../shared/errors';
import { applyTemplate, parseTemplate, PROTECTED_PATHS } from './template';

/** The ConfigError `parseTemplate` throws for `text` (fails the test when it does not throw). */
function refusal(text: string): ConfigError {
  try {
    parseTemplate(text);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected parseTemplate to refuse the template');
}

const json = (o: unknown) => JSON.stringify(o);
const ZURICH = { timeZone: 'Europe/Zurich' };

describe('template', () => {
  describe('parseTemplate', () => {
    it('reads paths into segments, numeric segments as indexes, and expressions into text and variables', () => {
      const t = parseTemplate(
        json({
          'event.name': '${Performance_hostTeam} - ${Performance_opposingTeam}',
          'ticketDetails.main.0.key': 'Price',
          'ticketDetails.main.0.value': '£${Amount_unitAmount}',
        }),
      );
      expect(t.fields).toEqual([
        {
          path: ['event', 'name'],
          parts: [
            { variable: 'Performance_hostTeam', source: '${Performance_hostTeam}' },
            { text: ' - ' },
            { variable: 'Performance_opposingTeam', source: '${Performance_opposingTeam}' },
          ],
        },
        { path: ['ticketDetails', 'main', 0, 'key'], parts: [{ text: 'Price' }] },
        { path: ['ticketDetails', 'main', 0, 'value'], parts: [{ text: '£' }, { variable: 'Amount_unitAmount', source: '${Amount_unitAmount}' }] },
      ]);
    });

    it('accepts an empty template and an empty expression', () => {
      expect(parseTemplate('{}').fields).toEqual([]);
      expect(parseTemplate(json({ 'event.website': '' })).fields).toEqual([{ path: ['event', 'website'], parts: [] }]);
    });

    it('trims spaces inside a placeholder', () => {
      expect(parseTemplate(json({ 'event.name': '${ Product_externalName }' })).fields[0]!.parts).toEqual([
        { variable: 'Product_externalName', source: '${ Product_externalName }' },
      ]);
    });

    it.each<[string, string]>([
      ...PROTECTED_PATHS.map((p): [string, string] => [p, p]),
      ['event.startTime.value', 'event.startTime'],
      ['event.id.x', 'event.id'],
      ['ticketId.suffix', 'ticketId'],
      ['event.expirationDate.0', 'event.expirationDate'],
    ])('refuses the protected path %s, naming INJECT_TEMPLATE_FILE and the path', (path, prefix) => {
      const e = refusal(json({ [path]: 'x' }));
      expect(e.code).toBe('CONFIG_INVALID');
      expect(e.issues).toHaveLength(1);
      expect(e.issues[0]!.key).toBe('INJECT_TEMPLATE_FILE');
      expect(e.issues[0]!.problem).toContain(`"${path}"`);
      expect(e.issues[0]!.problem).toContain(prefix);
      expect(e.message).toContain('INJECT_TEMPLATE_FILE');
    });

    it('refuses a parent of protected paths (event would replace event.id and the dates wholesale)', () => {
      const e = refusal(json({ event: '${Performance_hostTeam}' }));
      expect(e.issues).toEqual([{ key: 'INJECT_TEMPLATE_FILE', problem: expect.stringContaining('"event" is protected') }]);
    });

    it.each(['event.startTimeZone', 'eventId', 'ticketIdentifier', 'event.identity', 'event.name', 'event.group.name'])(
      'decides protection by whole segments: %s is an ordinary field',
      (path) => {
        expect(parseTemplate(json({ [path]: 'x' })).fields).toHaveLength(1);
      },
    );

    it('names the setting it was given instead of INJECT_TEMPLATE_FILE', () => {
      expect(() => parseTemplate(json({ 'event.id': 'x' }), 'MY_TEMPLATE')).toThrow(
        expect.objectContaining({ issues: [expect.objectContaining({ key: 'MY_TEMPLATE' })] }),
      );
    });

    it.each([
      ['invalid JSON', '{"event.name": '],
      ['an array', '["event.name"]'],
      ['a string', '"event.name"'],
      ['null', 'null'],
      ['a number', '42'],
    ])('refuses %s as a whole, naming INJECT_TEMPLATE_FILE', (_, text) => {
      const e = refusal(text);
      expect(e.issues).toHaveLength(1);
      expect(e.issues[0]!.key).toBe('INJECT_TEMPLATE_FILE');
    });

    it.each([
      ['a number', 42],
      ['an object', { a: 'b' }],
      ['null', null],
      ['an array', ['${X}']],
    ])('refuses an expression that is %s', (_, expr) => {
      expect(refusal(json({ 'event.name': expr })).issues[0]!.problem).toBe('"event.name" must map to a string expression');
    });

    it.each(['${}', '${1abc}', '${a-b}', '${a.b}'])('refuses %s, which is not a variable name', (expr) => {
      expect(refusal(json({ 'event.name': expr })).issues[0]!.problem).toContain('is not a variable name');
    });

    it.each(['__proto__', '__proto__.polluted', 'event.__proto__.x', 'event.constructor.prototype', 'a..b', '.a', 'a.'])('refuses the path %j', (path) => {
      expect(refusal(`{${JSON.stringify(path)}: "x"}`).issues[0]!.problem).toBe(`"${path}" is not a valid payload path`);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });

    it('reports every problem at once', () => {
      const e = refusal(
        json({
          'event.name': '${Ok}',
          'event.id': 'x',
          'event.startTime': 'x',
          'event.group.name': 7,
          'event.website': '${Date;colour=red}',
          'event.__proto__': 'x',
          'event.address.city': '${not a name}',
        }),
      );
      expect(e.issues.map((i) => i.key)).toEqual(Array(6).fill('INJECT_TEMPLATE_FILE'));
      const problems = e.issues.map((i) => i.problem).join('\n');
      for (const path of ['event.id', 'event.startTime', 'event.group.name', 'event.website', 'event.__proto__', 'event.address.city']) {
        expect(problems).toContain(`"${path}"`);
      }
      expect(problems).not.toContain('"event.name"');
    });
    describe("placeholder options (those of S-360's ticket template editor)", () => {
      const partOf = (expr: string) => parseTemplate(json({ 'event.name': expr })).fields[0]!.parts[0]!;

      it.each([
        ['${Performance_startDate;format=dd.MM.yyyy HH:mm;language=de}', { format: expect.objectContaining({ kind: 'date' }), language: { locale: 'de' } }],
        [
          '${Performance_startDate;format=EEEE d MMMM yyyy;language=${Institution_language}}',
          { format: expect.objectContaining({ kind: 'date' }), language: { variable: 'Institution_language' } },
        ],
        ['${Amount_unitAmount;format=#,##0.00}', { format: expect.objectContaining({ kind: 'number', minFractionDigits: 2 }) }],
        ['${Voucher_identifier;min=4;max=8;upperCase}', { min: 4, max: 8, letterCase: 'upper' }],
        ['${Contact_name;lowerCase}', { letterCase: 'lower' }],
        ['${Contact_name;max=0}', { max: 0 }],
        ['${ Performance_startDate ; format = yyyy ; language = de_CH }', { format: expect.objectContaining({ kind: 'date' }), language: { locale: 'de-CH' } }],
        ['${Performance_startDate;language=fr}', { language: { locale: 'fr' } }],
      ])('reads %s', (expr, options) => {
        expect(partOf(expr)).toEqual({ variable: expect.any(String), source: expr, ...options });
      });

      it.each([
        ['${X;colour=red}', 'unknown option "colour" (the options are format=, language=, min=, max=, upperCase, lowerCase)'],
        ['${X;Format=yyyy}', 'unknown option "Format"'],
        ['${X;uppercase}', 'unknown option "uppercase"'],
        ['${X;}', 'unknown option ""'],
        ['${X;format=yyyy;format=dd}', 'format is given twice'],
        ['${X;upperCase;lowerCase}', 'upperCase/lowerCase is given twice'],
        ['${X;upperCase=yes}', 'upperCase takes no value'],
        ['${X;format}', 'format needs a value (format=…)'],
        ['${X;format=}', 'format= is empty'],
        ['${X;format=dd Q}', '"Q" is not a date pattern letter'],
        ['${X;format=yyyy-ww}', 'date pattern letter "w" (week in year) is not supported'],
        ['${X;format=#,##0.00%}', 'number format: "%" (percent, per mille, currency sign) is not supported'],
        ['${X;format=${Fmt}}', 'format= cannot hold a placeholder'],
        ['${X;language=klingon}', 'language=klingon is not a language code this runtime knows'],
        ['${X;language=12}', 'language=12 is not a language code'],
        ['${X;language=${not a var}}', 'language=${not a var} is not a variable name'],
        ['${X;min=a}', 'min=a is not a character index'],
        ['${X;max=-1}', 'max=-1 is not a character index'],
        ['${X;min=5;max=2}', 'min=5 is after max=2'],
      ])('refuses %s at start-up: %s', (expr, problem) => {
        const e = refusal(json({ 'ticketDetails.main.0.value': `Kick-off ${expr}` }));
        expect(e.issues).toEqual([{ key: 'INJECT_TEMPLATE_FILE', problem: expect.stringContaining(`"ticketDetails.main.0.value": ${expr}: ${problem}`) }]);
        expect(e.message).toContain('INJECT_TEMPLATE_FILE');
      });

      it.each(['${Performance_startDate;format=yyyy', 'Start: ${Performance_startDate', '${A;language=${B}'])(
        'refuses %j, whose placeholder is not closed',
        (expr) => {
          expect(refusal(json({ 'event.name': expr })).issues[0]!.problem).toMatch(/^"event.name": ".*" has no closing "}"$/);
        },
      );
    });
  });

  describe('applyTemplate', () => {
    const vars = { Performance_hostTeam: 'Host FC', Performance_opposingTeam: 'Guest FC', Amount_unitAmount: '95.00' };

    it('concatenates variables with static text', () => {
      const out = applyTemplate({}, parseTemplate(json({ 'event.name': 'Final: ${Performance_hostTeam} - ${Performance_opposingTeam}!' })), vars, ZURICH);
      expect(out).toEqual({ event: { name: 'Final: Host FC - Guest FC!' } });
    });

    it('repeats a variable used twice', () => {
      expect(applyTemplate({}, parseTemplate(json({ x: '${Amount_unitAmount}/${Amount_unitAmount}' })), vars, ZURICH)).toEqual({ x: '95.00/95.00' });
    });

    it('creates arrays for numeric path segments', () => {
      const t = parseTemplate(
        json({
          'ticketDetails.main.0.key': 'Price',
          'ticketDetails.main.0.value': '${Amount_unitAmount}',
          'ticketDetails.main.1.key': 'Home',
          'event.metadata.0.key': 'k',
        }),
      );
      const out = applyTemplate({} as Record<string, unknown>, t, vars, ZURICH);
      expect(out).toEqual({
        ticketDetails: { main: [{ key: 'Price', value: '95.00' }, { key: 'Home' }] },
        event: { metadata: [{ key: 'k' }] },
      });
      expect(Array.isArray((out.ticketDetails as { main: unknown }).main)).toBe(true);
    });

    it('overwrites mapped values and keeps the fields it does not name', () => {
      const payload = {
        ticketId: 'T1',
        event: { id: 'EVT', name: 'Mapped name', address: { city: 'Bern', site: 'Stadium' } },
        ticketDetails: {
          main: [
            { key: 'Gate', value: 'G4' },
            { key: 'Row', value: '7' },
          ],
        },
      };
      const t = parseTemplate(json({ 'event.name': '${Performance_hostTeam}', 'event.address.city': 'Berne', 'ticketDetails.main.1.value': 'Seven' }));
      const out = applyTemplate(payload, t, vars, ZURICH);
      expect(out).toBe(payload);
      expect(out).toEqual({
        ticketId: 'T1',
        event: { id: 'EVT', name: 'Host FC', address: { city: 'Berne', site: 'Stadium' } },
        ticketDetails: {
          main: [
            { key: 'Gate', value: 'G4' },
            { key: 'Row', value: 'Seven' },
          ],
        },
      });
    });

    it('replaces a scalar in the way of a deeper path with an object', () => {
      expect(applyTemplate({ event: { group: 'x' } }, parseTemplate(json({ 'event.group.name': 'Cup' })), {}, ZURICH)).toEqual({
        event: { group: { name: 'Cup' } },
      });
    });

    it.each(['${Unknown_variable}', '${constructor}', '${toString}', '${hasOwnProperty}'])('renders the unknown variable %s empty', (expr) => {
      expect(applyTemplate({}, parseTemplate(json({ 'event.name': `<${expr}>` })), vars, ZURICH)).toEqual({ event: { name: '<>' } });
    });

    it('renders a variable whose value is empty as empty', () => {
      expect(applyTemplate({}, parseTemplate(json({ 'event.name': 'a${Empty}b' })), { Empty: '' }, ZURICH)).toEqual({ event: { name: 'ab' } });
    });

    describe('with placeholder options', () => {
      const render = (expr: string, variables: Record<string, string>, context = ZURICH) =>
        (applyTemplate({}, parseTemplate(json({ 'event.name': expr })), variables, context) as { event: { name: string } }).event.name;
      const start = { Performance_startDate: '2018-04-11T20:30:00+02:00', Amount_unitAmount: '1234.5' };

      it.each([
        ['${Performance_startDate;format=dd.MM.yyyy HH:mm;language=de}', {}, '11.04.2018 20:30'],
        ['${Performance_startDate;format=EEEE d MMMM yyyy;language=${Institution_language}}', { Institution_language: 'de' }, 'Mittwoch 11 April 2018'],
        ['${Performance_startDate;format=EEEE d MMMM yyyy;language=${Institution_language}}', { Institution_language: 'fr_CH' }, 'mercredi 11 avril 2018'],
        ['${Performance_startDate;format=EEEE d MMMM yyyy;language=${Institution_language}}', { Institution_language: '' }, 'Wednesday 11 April 2018'],
        [
          '${Performance_startDate;format=EEEE d MMMM yyyy;language=${Institution_language}}',
          { Institution_language: 'no such language' },
          'Wednesday 11 April 2018',
        ],
        ['${Performance_startDate;format=EEEE d MMMM yyyy;language=${Institution_language}}', {}, 'Wednesday 11 April 2018'],
        ['${Performance_startDate;format=EEEE;upperCase}', {}, 'WEDNESDAY'],
        ['£${Amount_unitAmount;format=#,##0.00}', {}, '£1,234.50'],
        ['${Amount_unitAmount;format=#,##0.00;language=de} €', {}, '1.234,50 €'],
        ['${Amount_unitAmount}', {}, '1234.5'],
        ['${Performance_startDate;language=de}', {}, '2018-04-11T20:30:00+02:00'],
        ['[${Missing;format=dd.MM.yyyy}]', {}, '[]'],
      ])('%s with %j → %s', (expr, more, text) => {
        expect(render(expr, { ...start, ...more })).toBe(text);
      });

      it('renders dates in the venue zone it is given', () => {
        const expr = '${Performance_startDate;format=dd.MM.yyyy HH:mm}';
        expect(render(expr, start, { timeZone: 'Europe/Zurich' })).toBe('11.04.2018 20:30');
        expect(render(expr, start, { timeZone: 'Asia/Tokyo' })).toBe('12.04.2018 03:30');
      });

      it.each([
        ['${Voucher;max=4;upperCase}', 'ab12'.toUpperCase()],
        ['${Voucher;min=4;max=8;upperCase}', 'CD34'],
        ['${Voucher;min=16}', 'z'],
        ['${Voucher;min=40}', ''],
        ['${Voucher;max=40}', 'ab12cd34ef56gh78z'],
        ['${Voucher;lowerCase}', 'ab12cd34ef56gh78z'],
        [
          '${Voucher;max=4;upperCase}-${Voucher;min=4;max=8;upperCase}-${Voucher;min=8;max=12;upperCase}-${Voucher;min=12;max=16;upperCase} ${Voucher;min=16;upperCase}',
          'AB12-CD34-EF56-GH78 Z',
        ],
      ])('cuts and cases: %s → %s', (expr, text) => {
        expect(render(expr, { Voucher: 'ab12cd34EF56gh78z'.toLowerCase() })).toBe(text);
      });

      it.each([
        ['a date format of a value that is no date', '${Match_day;format=dd.MM.yyyy}', { Match_day: 'next Sunday' }],
        ['a date format of an impossible day', '${Match_day;format=dd.MM.yyyy}', { Match_day: '2018-02-30' }],
        ['a number format of a value that is no number', '${Seat_number;format=000}', { Seat_number: 'twelve' }],
      ])('refuses %s with a poison error naming the path and the placeholder, never the value', (_, expr, variables) => {
        let error: unknown;
        try {
          render(expr, variables);
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(PoisonMessageError);
        expect(error).toMatchObject({ kind: 'poison', code: 'TEMPLATE_VALUE_INVALID' });
        expect((error as Error).message).toContain(`template event.name: ${expr}: the value is not a`);
        expect((error as Error).message).not.toContain(Object.values(variables)[0]!);
      });
    });

    it('inserts values literally, without evaluating placeholders inside them', () => {
      const out = applyTemplate({}, parseTemplate(json({ 'event.name': '${A}' })), { A: '${B}', B: 'evaluated' }, ZURICH);
      expect(out).toEqual({ event: { name: '${B}' } });
    });
  });
});
