import { ConfigError } from '../shared/errors';
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
        { path: ['event', 'name'], parts: [{ variable: 'Performance_hostTeam' }, { text: ' - ' }, { variable: 'Performance_opposingTeam' }] },
        { path: ['ticketDetails', 'main', 0, 'key'], parts: [{ text: 'Price' }] },
        { path: ['ticketDetails', 'main', 0, 'value'], parts: [{ text: '£' }, { variable: 'Amount_unitAmount' }] },
      ]);
    });

    it('accepts an empty template and an empty expression', () => {
      expect(parseTemplate('{}').fields).toEqual([]);
      expect(parseTemplate(json({ 'event.website': '' })).fields).toEqual([{ path: ['event', 'website'], parts: [] }]);
    });

    it('trims spaces inside a placeholder', () => {
      expect(parseTemplate(json({ 'event.name': '${ Product_externalName }' })).fields[0]!.parts).toEqual([{ variable: 'Product_externalName' }]);
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
      expect(() => parseTemplate(json({ 'event.id': 'x' }), 'MY_TEMPLATE')).toThrow(expect.objectContaining({ issues: [expect.objectContaining({ key: 'MY_TEMPLATE' })] }));
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

    it.each([
      '${Performance_startDate;format=EEEE d MMMM yyyy}',
      '${Performance_startDate;format=EEEE d MMMM yyyy;language=${Institution_language}}',
    ])('refuses formatting options in %s', (expr) => {
      const e = refusal(json({ 'event.name': expr }));
      expect(e.issues[0]!.problem).toContain('formatting options');
    });

    it.each(['${}', '${1abc}', '${a-b}', '${a.b}'])('refuses %s, which is not a variable name', (expr) => {
      expect(refusal(json({ 'event.name': expr })).issues[0]!.problem).toContain('is not a variable name');
    });

    it.each(['__proto__', '__proto__.polluted', 'event.__proto__.x', 'event.constructor.prototype', 'a..b', '.a', 'a.'])(
      'refuses the path %j',
      (path) => {
        expect(refusal(`{${JSON.stringify(path)}: "x"}`).issues[0]!.problem).toBe(`"${path}" is not a valid payload path`);
        expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
      },
    );

    it('reports every problem at once', () => {
      const e = refusal(
        json({
          'event.name': '${Ok}',
          'event.id': 'x',
          'event.startTime': 'x',
          'event.group.name': 7,
          'event.website': '${Date;format=yyyy}',
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
  });

  describe('applyTemplate', () => {
    const vars = { Performance_hostTeam: 'Host FC', Performance_opposingTeam: 'Guest FC', Amount_unitAmount: '95.00' };

    it('concatenates variables with static text', () => {
      const out = applyTemplate({}, parseTemplate(json({ 'event.name': 'Final: ${Performance_hostTeam} - ${Performance_opposingTeam}!' })), vars);
      expect(out).toEqual({ event: { name: 'Final: Host FC - Guest FC!' } });
    });

    it('repeats a variable used twice', () => {
      expect(applyTemplate({}, parseTemplate(json({ x: '${Amount_unitAmount}/${Amount_unitAmount}' })), vars)).toEqual({ x: '95.00/95.00' });
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
      const out = applyTemplate({} as Record<string, unknown>, t, vars);
      expect(out).toEqual({
        ticketDetails: { main: [{ key: 'Price', value: '95.00' }, { key: 'Home' }] },
        event: { metadata: [{ key: 'k' }] },
      });
      expect(Array.isArray((out['ticketDetails'] as { main: unknown }).main)).toBe(true);
    });

    it('overwrites mapped values and keeps the fields it does not name', () => {
      const payload = {
        ticketId: 'T1',
        event: { id: 'EVT', name: 'Mapped name', address: { city: 'Bern', site: 'Stadium' } },
        ticketDetails: { main: [{ key: 'Gate', value: 'G4' }, { key: 'Row', value: '7' }] },
      };
      const t = parseTemplate(json({ 'event.name': '${Performance_hostTeam}', 'event.address.city': 'Berne', 'ticketDetails.main.1.value': 'Seven' }));
      const out = applyTemplate(payload, t, vars);
      expect(out).toBe(payload);
      expect(out).toEqual({
        ticketId: 'T1',
        event: { id: 'EVT', name: 'Host FC', address: { city: 'Berne', site: 'Stadium' } },
        ticketDetails: { main: [{ key: 'Gate', value: 'G4' }, { key: 'Row', value: 'Seven' }] },
      });
    });

    it('replaces a scalar in the way of a deeper path with an object', () => {
      expect(applyTemplate({ event: { group: 'x' } }, parseTemplate(json({ 'event.group.name': 'Cup' })), {})).toEqual({ event: { group: { name: 'Cup' } } });
    });

    it.each(['${Unknown_variable}', '${constructor}', '${toString}', '${hasOwnProperty}'])('renders the unknown variable %s empty', (expr) => {
      expect(applyTemplate({}, parseTemplate(json({ 'event.name': `<${expr}>` })), vars)).toEqual({ event: { name: '<>' } });
    });

    it('renders a variable whose value is empty as empty', () => {
      expect(applyTemplate({}, parseTemplate(json({ 'event.name': 'a${Empty}b' })), { Empty: '' })).toEqual({ event: { name: 'ab' } });
    });

    it('inserts values literally, without evaluating placeholders inside them', () => {
      const out = applyTemplate({}, parseTemplate(json({ 'event.name': '${A}' })), { A: '${B}', B: 'evaluated' });
      expect(out).toEqual({ event: { name: '${B}' } });
    });
  });
});
