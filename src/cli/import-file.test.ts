import { ImportFileError, ImportFileParser, splitCsvLine, type ImportRules, type LineResult } from './import-file';
import { readLines } from './line-reader';

const NOW = new Date('2026-12-01T12:00:00Z');
const oneOrganization: ImportRules = {
  defaultOrganization: 'ORG1',
  refuseOrganization: (c) => (c === 'ORG1' || c === 'ORG2' ? undefined : 'not served'),
  now: NOW,
};
const severalOrganizations: ImportRules = { ...oneOrganization, defaultOrganization: undefined };

/** Every line of `content` as the parser judges it, after the line reader (BOM, CRLF, encodings). */
async function parseFile(content: string | Buffer, opts: { fileName?: string; rules?: ImportRules; chunkBytes?: number } = {}): Promise<LineResult[]> {
  const bytes = typeof content === 'string' ? Buffer.from(content) : content;
  const step = opts.chunkBytes ?? bytes.length;
  const chunks = Array.from({ length: Math.ceil(bytes.length / step) }, (_, i) => bytes.subarray(i * step, (i + 1) * step));
  const parser = new ImportFileParser(opts.fileName ?? 'tickets', opts.rules ?? oneOrganization);
  const out: LineResult[] = [];
  for await (const { line, text } of readLines(chunks)) out.push(parser.line(text, line));
  return out;
}

/** The rows' tickets (`id@generation/organization`), invalid lines as `CODE`, skipped as `-`/`header`. */
const summary = (results: readonly LineResult[]) =>
  results.map((r) =>
    r.kind === 'row' ? `${r.row.ticketId}@${r.row.generation}/${r.row.organizationCode}` : r.kind === 'invalid' ? r.code : r.header ? 'header' : '-',
  );

async function fatal(content: string | Buffer, opts: Parameters<typeof parseFile>[1] = {}): Promise<ImportFileError> {
  try {
    await parseFile(content, opts);
  } catch (e) {
    if (e instanceof ImportFileError) return e;
    throw e;
  }
  throw new Error('expected the file to be refused');
}

describe('cli/import-file', () => {
  describe('splitCsvLine', () => {
    it.each([
      ['a,b,c', ',', ['a', 'b', 'c']],
      ['a,,c', ',', ['a', '', 'c']],
      ['a,', ',', ['a', '']],
      ['"a,1",b', ',', ['a,1', 'b']],
      ['"say ""hi""",b', ',', ['say "hi"', 'b']],
      ['""', ',', ['']],
      ['a;b', ';', ['a', 'b']],
      ['a\tb c', '\t', ['a', 'b c']],
    ])('%j with %j → %j', (line, delimiter, cells) => {
      expect(splitCsvLine(line, delimiter)).toEqual(cells);
    });

    it.each([['"open,b'], ['a"b,c'], ['"a"b,c'], ['a, "b"']])('refuses misplaced quotes: %j', (line) => {
      expect(splitCsvLine(line, ',')).toBeUndefined();
    });
  });

  describe('CSV files', () => {
    it('reads a header and rows, with defaults for empty cells', async () => {
      const results = await parseFile('ticketId,generation,injectedAt,organizationCode\n1001,2,2026-11-30T18:00:00+01:00,ORG2\n1002,,,\n');
      expect(summary(results)).toEqual(['header', '1001@2/ORG2', '1002@0/ORG1']);
      expect(results[1]).toMatchObject({ row: { injectedAt: new Date('2026-11-30T17:00:00Z') } });
      expect(results[2]).toMatchObject({ row: { injectedAt: undefined } });
    });

    it.each([
      ['a UTF-8 byte order mark', '\uFEFFticketId\n1001\n'],
      ['CRLF line ends', 'ticketId,generation\r\n1001,0\r\n'],
      ['no line break at the end', 'ticketId,generation\n1001,0'],
      ['header names in any case, with spaces around', ' TICKETID , Generation\n1001,0\n'],
      ['quoted header and cells', '"ticketId","generation"\n"1001","0"\n'],
      ['semicolons (spreadsheets in many European locales)', 'ticketId;generation\n1001;0\n'],
      ['tabs', 'ticketId\tgeneration\n1001\t0\n'],
    ])('reads %s', async (_, content) => {
      expect(summary(await parseFile(content)).filter((s) => s !== 'header' && s !== '-')).toEqual(['1001@0/ORG1']);
    });

    it('skips blank lines, whitespace-only lines and rows of empty cells anywhere, the header is the first non-blank line', async () => {
      expect(summary(await parseFile('\n\nticketId,generation\n\n1001,0\n   \n,\n1002,1\n\n'))).toEqual([
        '-',
        '-',
        'header',
        '-',
        '1001@0/ORG1',
        '-',
        '-',
        '1002@1/ORG1',
        '-',
      ]);
    });

    it('reads ticket ids with every character TIXnGO allows, quoted when they hold the delimiter', async () => {
      expect(summary(await parseFile('ticketId\nAB-12 x*./_+(9)\n"a,b"\n'))).toEqual(['header', 'AB-12 x*./_+(9)@0/ORG1', 'BAD_TICKET_ID']);
    });

    it.each([
      ['1001,0,extra', 'WRONG_FIELD_COUNT'],
      ['1001', 'WRONG_FIELD_COUNT'],
      ['"1001,0', 'BAD_CSV_QUOTING'],
      ['10"01,0', 'BAD_CSV_QUOTING'],
      [',0', 'MISSING_TICKET_ID'],
      ['"",0', 'MISSING_TICKET_ID'],
      [' 1001,0', 'BAD_TICKET_ID'],
      ['1001 ,0', 'BAD_TICKET_ID'],
      ['T:1,0', 'BAD_TICKET_ID'],
      ['T|1,0', 'BAD_TICKET_ID'],
      ['T#1,0', 'BAD_TICKET_ID'],
      ['é1,0', 'BAD_TICKET_ID'],
      [`${'1'.repeat(257)},0`, 'BAD_TICKET_ID'],
      ['1001,-1', 'BAD_GENERATION'],
      ['1001,1.5', 'BAD_GENERATION'],
      ['1001,1e3', 'BAD_GENERATION'],
      ['1001,0x1', 'BAD_GENERATION'],
      ['1001,two', 'BAD_GENERATION'],
      ['1001,10001', 'BAD_GENERATION'],
      ['1001,99999999999999999999', 'BAD_GENERATION'],
      ['1001,+1', 'BAD_GENERATION'],
    ])('counts %j as an invalid line: %s', async (line, code) => {
      expect(summary(await parseFile(`ticketId,generation\n${line}\n1002,0\n`))).toEqual(['header', code, '1002@0/ORG1']);
    });

    it.each([
      ['2026-11-30T18:00:00Z', '2026-11-30T18:00:00.000Z'],
      ['2026-11-30T18:00:00.250+01:00', '2026-11-30T17:00:00.250Z'],
      ['2026-11-30 18:00:00+0100', '2026-11-30T17:00:00.000Z'],
      ['2026-11-30T18:00Z', '2026-11-30T18:00:00.000Z'],
      ['2024-02-29T10:00:00Z', '2024-02-29T10:00:00.000Z'],
      [' 2026-11-30T18:00:00Z ', '2026-11-30T18:00:00.000Z'],
    ])('reads injectedAt %j as %s', async (at, iso) => {
      const [, r] = await parseFile(`ticketId,injectedAt\n1001,${at}\n`);
      expect(r).toMatchObject({ kind: 'row', row: { injectedAt: new Date(iso) } });
    });

    it.each([
      ['2030-02-30T10:00:00Z', 'not a real date'],
      ['2023-02-29T10:00:00Z', 'not a real date'],
      ['2026-11-30T24:00:00Z', 'not a real date'],
      ['2026-13-01T10:00:00Z', 'not a real date'],
      ['2026-11-30T10:60:00Z', 'not a real date'],
      ['2026-11-30T18:00:00', 'no time zone'],
      ['2026-11-30', 'not an ISO-8601'],
      ['30.11.2026 18:00', 'not an ISO-8601'],
      ['yesterday', 'not an ISO-8601'],
      ['1999-12-31T23:00:00Z', 'outside the years'],
      ['2026-12-01T12:00:01Z', 'later than the import'],
    ])('refuses injectedAt %j (%s)', async (at, problem) => {
      const [, r] = await parseFile(`ticketId,injectedAt\n1001,${at}\n`);
      expect(r).toMatchObject({ kind: 'invalid', code: 'BAD_INJECTED_AT' });
      expect((r as { problem: string }).problem).toContain(problem);
    });

    it('never puts the line content in the reason', async () => {
      const results = await parseFile(
        'ticketId,generation,injectedAt,organizationCode\nalex@example.test,0,,\n1001,secret,,\n1002,0,alex@example.test,\n1003,0,,alex@example.test\n',
      );
      const problems = results.flatMap((r) => (r.kind === 'invalid' ? [r.problem] : []));
      expect(problems).toHaveLength(4);
      expect(problems.join('\n')).not.toMatch(/alex|example|secret/);
    });
  });

  describe('organizations', () => {
    it("takes the line's organization, else the default; refuses one the release does not serve", async () => {
      expect(summary(await parseFile('ticketId,organizationCode\n1001,ORG2\n1002,\n1003,OTHER\n1004,bad code\n'))).toEqual([
        'header',
        '1001@0/ORG2',
        '1002@0/ORG1',
        'ORGANIZATION_NOT_SERVED',
        'BAD_ORGANIZATION',
      ]);
    });

    it('without a default, a line must name its organization', async () => {
      expect(summary(await parseFile('ticketId,organizationCode\n1001,ORG2\n1002,\n', { rules: severalOrganizations }))).toEqual([
        'header',
        '1001@0/ORG2',
        'MISSING_ORGANIZATION',
      ]);
      expect(summary(await parseFile('{"ticketId":"1001"}\n', { rules: severalOrganizations }))).toEqual(['MISSING_ORGANIZATION']);
    });

    it('without a default, a CSV header without organizationCode is a usage error (exit 2)', async () => {
      const e = await fatal('ticketId,generation\n1001,0\n', { rules: severalOrganizations });
      expect({ line: e.line, exitCode: e.exitCode }).toEqual({ line: 1, exitCode: 2 });
      expect(e.message).toContain('--organization');
    });
  });

  describe('NDJSON files', () => {
    it('reads one object per line, numbers and strings, null as absent', async () => {
      const content = [
        '{"ticketId":"1001","generation":1,"injectedAt":"2026-11-30T18:00:00Z","organizationCode":"ORG2"}',
        '{"ticketId":1002,"generation":"2"}',
        '{"ticketId":"1003","generation":null,"injectedAt":null,"organizationCode":null}',
        '',
      ].join('\n');
      expect(summary(await parseFile(content))).toEqual(['1001@1/ORG2', '1002@2/ORG1', '1003@0/ORG1']);
    });

    it.each([
      ['{"ticketId":"1001"', 'NOT_JSON'],
      ['["1001"]', 'NOT_AN_OBJECT'],
      ['"1001"', 'NOT_AN_OBJECT'],
      ['{"ticketId":"1001","holder":"x"}', 'UNKNOWN_FIELD'],
      ['{"ticketid":"1001"}', 'UNKNOWN_FIELD'],
      ['{"generation":1}', 'MISSING_TICKET_ID'],
      ['{"ticketId":1.5}', 'BAD_TICKET_ID'],
      ['{"ticketId":12345678901234567890}', 'BAD_TICKET_ID'],
      ['{"ticketId":true}', 'BAD_TICKET_ID'],
      ['{"ticketId":"1001","generation":-1}', 'BAD_GENERATION'],
      ['{"ticketId":"1001","generation":1.5}', 'BAD_GENERATION'],
      ['{"ticketId":"1001","generation":true}', 'BAD_GENERATION'],
      ['{"ticketId":"1001","injectedAt":1764590400000}', 'BAD_INJECTED_AT'],
      ['{"ticketId":"1001","injectedAt":"2030-02-30T10:00:00Z"}', 'BAD_INJECTED_AT'],
      ['{"ticketId":"1001","organizationCode":7}', 'BAD_ORGANIZATION'],
    ])('counts %s as an invalid line: %s', async (line, code) => {
      expect(summary(await parseFile(`{"ticketId":"1000"}\n${line}\n{"ticketId":"1002"}\n`))).toEqual(['1000@0/ORG1', code, '1002@0/ORG1']);
    });
  });

  describe('files that cannot be imported', () => {
    it.each([
      ['no ticketId column', 'ticket,generation\n1001,0\n', 1, 'not a CSV header'],
      ['a data line first', '1001,0\n1002,0\n', 1, 'not a CSV header'],
      ['an unknown column', 'ticketId,generaton\n1001,0\n', 1, 'unknown column "generaton"'],
      ['a column without a name', 'ticketId,,generation\n1001,,0\n', 1, 'column number 2 has no name'],
      ['a column twice', 'ticketId,generation,Generation\n1001,0,0\n', 1, 'column generation appears twice'],
      ['a JSON array', '[\n{"ticketId":"1001"}\n]\n', 1, 'a JSON array'],
      ['a header after blank lines, naming its line', '\n\nticket\n', 3, 'not a CSV header'],
    ])('%s', async (_, content, line, problem) => {
      const e = await fatal(content);
      expect(e.line).toBe(line);
      expect(e.message).toContain(problem);
      expect(e.exitCode).toBe(1);
    });

    it('content that contradicts the extension', async () => {
      expect((await fatal('{"ticketId":"1001"}\n', { fileName: 'tickets.csv' })).message).toContain('named .csv but holds JSON');
      expect((await fatal('ticketId\n1001\n', { fileName: 'tickets.ndjson' })).message).toContain('named .ndjson but this line is not a JSON object');
      expect(summary(await parseFile('ticketId\n1001\n', { fileName: 'tickets.CSV' }))).toEqual(['header', '1001@0/ORG1']);
      expect(summary(await parseFile('{"ticketId":"1001"}\n', { fileName: 'tickets.jsonl' }))).toEqual(['1001@0/ORG1']);
    });

    it.each([
      ['UTF-16 LE with a byte order mark', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('ticketId\n1001\n', 'utf16le')]), 1, 'UTF-16'],
      ['UTF-16 BE with a byte order mark', Buffer.from([0xfe, 0xff, 0x00, 0x74, 0x00, 0x0a]), 1, 'UTF-16'],
      ['UTF-16 LE without a byte order mark', Buffer.from('ticketId\n1001\n', 'utf16le'), 1, 'NUL bytes'],
      ['Latin-1 on line 3', Buffer.concat([Buffer.from('ticketId\n1001\nT'), Buffer.from([0xe9]), Buffer.from('1\n')]), 3, 'not valid UTF-8'],
      ['a truncated UTF-8 character', Buffer.concat([Buffer.from('ticketId\n'), Buffer.from([0xc3])]), 2, 'not valid UTF-8'],
      ['a binary line', Buffer.concat([Buffer.from('ticketId\n'), Buffer.from([0x00, 0x01, 0x02, 0x0a])]), 2, 'NUL bytes'],
      ['a line longer than 64 KiB', Buffer.from(`ticketId\n${'1'.repeat(70_000)}\n`), 2, 'longer than 64 KiB'],
      ['a line longer than 64 KiB without a line break', Buffer.from(`ticketId\n${'1'.repeat(70_000)}`), 2, 'longer than 64 KiB'],
    ])('%s', async (_, bytes, line, problem) => {
      const e = await fatal(bytes, { chunkBytes: 4096 });
      expect(e.line).toBe(line);
      expect(e.message).toContain(problem);
    });
  });

  describe('readLines', () => {
    it('splits lines across chunk boundaries, multi-byte characters included', async () => {
      const text = 'ticketId\r\nÄ-1\n€\n\nlast';
      for (const step of [1, 2, 3, 5, 64]) {
        const bytes = Buffer.from(text);
        const chunks = Array.from({ length: Math.ceil(bytes.length / step) }, (_, i) => bytes.subarray(i * step, (i + 1) * step));
        const lines: string[] = [];
        for await (const l of readLines(chunks)) lines.push(`${l.line}:${l.text}`);
        expect(lines).toEqual(['1:ticketId', '2:Ä-1', '3:€', '4:', '5:last']);
      }
    });
  });
});
