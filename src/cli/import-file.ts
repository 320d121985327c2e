import { isOrganizationCode } from '../config/organizations';
import { fields, TICKET_ID } from '../shared/event-fields';
import { FatalError } from '../shared/errors';
import { parseZonedDateTime } from './datetime';

/**
 * The file `ledger import` reads (pure): tickets injected into TIXnGO before go-live, one per line,
 * as CSV with a header row or as NDJSON (one JSON object per line).
 *
 * | Column / field     | Required | Meaning |
 * |--------------------|----------|---------|
 * | `ticketId`         | yes      | the S-360 ticket id, as TIXnGO knows it (1–256 of `a-z A-Z 0-9`, space, `*.-_+/()`) |
 * | `generation`       | no       | the reprint generation TIXnGO holds, a whole number 0–10,000; empty: 0 |
 * | `injectedAt`       | no       | when it was injected, ISO-8601 with a zone; empty: the import's start |
 * | `organizationCode` | no       | the S-360 organization; empty: `--organization` (or the release's only one) |
 *
 * What stops the import (`ImportFileError`, naming the line) and what is only an invalid line:
 *
 * - The file as a whole: not UTF-8 (UTF-16, Latin-1 bytes, NUL bytes: `line-reader.ts`), a line longer
 *   than 64 KiB, neither a CSV header with a `ticketId` column nor a JSON object on its first line, a
 *   header with an unknown, unnamed or repeated column (a misspelt `generaton` would otherwise default
 *   every generation to 0), content that contradicts the extension (`.csv` holding JSON), no
 *   header at all. Nothing can be read reliably after such a problem.
 * - One line: a wrong number of fields, broken quoting, a line that is not a JSON object, an unknown
 *   field, a missing or malformed value, an organization the release does not serve. It is counted,
 *   listed by line number and reason (never its content), and the rest of the file is imported.
 */

export const IMPORT_COLUMNS = ['ticketId', 'generation', 'injectedAt', 'organizationCode'] as const;
export type ImportColumn = (typeof IMPORT_COLUMNS)[number];

export type ImportFormat =
  | { readonly kind: 'csv'; readonly delimiter: ',' | ';' | '\t'; readonly columns: readonly ImportColumn[] }
  | { readonly kind: 'ndjson' };

/** One ticket of the file: what it says, with the defaults applied. */
export interface ImportRow {
  readonly ticketId: string;
  readonly generation: number;
  readonly organizationCode: string;
  /** Undefined: the file does not say (the import's start is used). */
  readonly injectedAt: Date | undefined;
}

/** Why a line is not imported (stable codes: the output and the README list them). */
export type InvalidLineCode =
  | 'BAD_CSV_QUOTING'
  | 'WRONG_FIELD_COUNT'
  | 'NOT_JSON'
  | 'NOT_AN_OBJECT'
  | 'UNKNOWN_FIELD'
  | 'MISSING_TICKET_ID'
  | 'BAD_TICKET_ID'
  | 'BAD_GENERATION'
  | 'BAD_INJECTED_AT'
  | 'MISSING_ORGANIZATION'
  | 'BAD_ORGANIZATION'
  | 'ORGANIZATION_NOT_SERVED';

export type LineResult =
  /** A blank line, or the CSV header. */
  | { readonly kind: 'skip'; readonly header: boolean }
  | { readonly kind: 'row'; readonly row: ImportRow }
  | { readonly kind: 'invalid'; readonly code: InvalidLineCode; readonly problem: string };

/** The file cannot be imported: `line` (1-based; 0: the file as a whole) says where. */
export class ImportFileError extends FatalError {
  constructor(
    readonly line: number,
    readonly problem: string,
    /** 2 when the command line, not the file, has to change (the CLI's "bad usage"). */
    readonly exitCode: 1 | 2 = 1,
  ) {
    super('IMPORT_FILE_INVALID', line > 0 ? `line ${line}: ${problem}` : problem);
  }
}

export interface ImportRules {
  /** The organization of lines that name none: `--organization`, or the release's only one. */
  readonly defaultOrganization: string | undefined;
  /** Undefined when the release serves `code`; else why not (a phrase). */
  readonly refuseOrganization: (code: string) => string | undefined;
  /** The import's start: a later `injectedAt` is refused (these tickets were injected before go-live). */
  readonly now: Date;
}

/** The code of a line whose `column` holds a value of the wrong kind. */
const BAD_VALUE: Readonly<Record<ImportColumn, InvalidLineCode>> = {
  ticketId: 'BAD_TICKET_ID',
  generation: 'BAD_GENERATION',
  injectedAt: 'BAD_INJECTED_AT',
  organizationCode: 'BAD_ORGANIZATION',
};
const COLUMN_BY_NAME = new Map<string, ImportColumn>(IMPORT_COLUMNS.map((c) => [c.toLowerCase(), c]));
const DELIMITERS = [',', ';', '\t'] as const;
const DELIMITER_NAMES: Readonly<Record<string, string>> = { ',': 'comma', ';': 'semicolon', '\t': 'tab' };
const GENERATION_TEXT = /^\d{1,6}$/;
const DATE_TIME_SHAPE = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}/;
const HAS_ZONE = /(?:[Zz]|[+-]\d{2}(?::?\d{2})?)$/;

/** `CSV, comma-separated` / `NDJSON`. */
export function describeFormat(f: ImportFormat): string {
  return f.kind === 'ndjson' ? 'NDJSON' : `CSV, ${DELIMITER_NAMES[f.delimiter]}-separated`;
}

/**
 * Reads an import file line by line (`line`, in order, from line 1). The first non-blank line decides
 * the format: a JSON object starts NDJSON, anything else must be a CSV header. The extension only
 * has to agree (`.csv` / `.ndjson`, `.jsonl`); any other name is judged by content alone.
 */
export class ImportFileParser {
  private fmt: ImportFormat | undefined;

  constructor(
    private readonly fileName: string,
    private readonly rules: ImportRules,
  ) {}

  /** The format, once the first non-blank line is read. */
  get format(): ImportFormat | undefined {
    return this.fmt;
  }

  line(text: string, lineNo: number): LineResult {
    if (text.trim() === '') return { kind: 'skip', header: false };
    if (!this.fmt) {
      this.fmt = detectFormat(text, lineNo, this.fileName, this.rules);
      if (this.fmt.kind === 'csv') return { kind: 'skip', header: true };
    }
    return this.fmt.kind === 'csv' ? this.csvLine(this.fmt, text) : this.jsonLine(text);
  }

  private csvLine(f: Extract<ImportFormat, { kind: 'csv' }>, text: string): LineResult {
    const cells = splitCsvLine(text, f.delimiter);
    if (!cells) return invalid('BAD_CSV_QUOTING', 'a quote that does not open or close a field (no column allows a quote or a line break)');
    // Spreadsheets write rows of empty cells (`,,,`) after the data: blank lines.
    if (cells.every((c) => c === '')) return { kind: 'skip', header: false };
    if (cells.length !== f.columns.length) return invalid('WRONG_FIELD_COUNT', `${cells.length} field(s), the header has ${f.columns.length}`);
    const values: Partial<Record<ImportColumn, string>> = {};
    f.columns.forEach((c, i) => (values[c] = cells[i]!));
    return toRow(values, this.rules);
  }

  private jsonLine(text: string): LineResult {
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      return invalid('NOT_JSON', 'not a JSON value');
    }
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return invalid('NOT_AN_OBJECT', 'not a JSON object');
    const values: Partial<Record<ImportColumn, string>> = {};
    for (const [key, value] of Object.entries(doc)) {
      const column = IMPORT_COLUMNS.find((c) => c === key);
      if (!column) return invalid('UNKNOWN_FIELD', `a field other than ${IMPORT_COLUMNS.join(', ')}`);
      if (value === null) continue;
      if (typeof value === 'string') values[column] = value;
      else if (typeof value === 'number' && (column === 'generation' || column === 'ticketId')) {
        // Numeric ids and generations as JSON numbers: exact only as safe integers.
        if (!Number.isSafeInteger(value) || value < 0) {
          return invalid(BAD_VALUE[column], 'a number that is not a whole number from 0 (write ids as strings)');
        }
        values[column] = String(value);
      } else return invalid(BAD_VALUE[column], `${column} is not a string`);
    }
    return toRow(values, this.rules);
  }
}

function invalid(code: InvalidLineCode, problem: string): LineResult {
  return { kind: 'invalid', code, problem };
}

function detectFormat(text: string, lineNo: number, fileName: string, rules: ImportRules): ImportFormat {
  const first = text.trimStart();
  const ext = /\.([A-Za-z0-9]+)$/.exec(fileName)?.[1]?.toLowerCase();
  if (first.startsWith('[')) throw new ImportFileError(lineNo, 'a JSON array: write one JSON object per line (NDJSON)');
  if (first.startsWith('{')) {
    if (ext === 'csv') throw new ImportFileError(lineNo, 'the file is named .csv but holds JSON: name it .ndjson, or export it as CSV with a header row');
    return { kind: 'ndjson' };
  }
  if (ext === 'ndjson' || ext === 'jsonl') throw new ImportFileError(lineNo, `the file is named .${ext} but this line is not a JSON object`);
  return readHeader(text, lineNo, rules);
}

/** The CSV header: the delimiter that yields a `ticketId` column, every column known, none twice. */
function readHeader(text: string, lineNo: number, rules: ImportRules): ImportFormat {
  const expected = `a CSV header naming the columns (${IMPORT_COLUMNS.join(', ')}; ticketId required) or an NDJSON object`;
  for (const delimiter of DELIMITERS) {
    const cells = splitCsvLine(text, delimiter);
    const names = cells?.map((c) => c.trim().toLowerCase());
    if (!names?.includes('ticketid')) continue;
    const columns: ImportColumn[] = [];
    names.forEach((name, i) => {
      const column = COLUMN_BY_NAME.get(name);
      const shown = /^[\w .-]{1,40}$/.test(cells![i]!.trim()) ? `"${cells![i]!.trim()}"` : `number ${i + 1}`;
      if (name === '') throw new ImportFileError(lineNo, `column number ${i + 1} has no name; expected ${expected}`);
      if (!column) throw new ImportFileError(lineNo, `unknown column ${shown}; the columns are ${IMPORT_COLUMNS.join(', ')} (remove any other)`);
      if (columns.includes(column)) throw new ImportFileError(lineNo, `column ${column} appears twice`);
      columns.push(column);
    });
    if (!columns.includes('organizationCode') && rules.defaultOrganization === undefined) {
      throw new ImportFileError(
        lineNo,
        'the file has no organizationCode column and the release serves several organizations: name the organization with --organization <code>',
        2,
      );
    }
    return { kind: 'csv', delimiter, columns };
  }
  throw new ImportFileError(lineNo, `not ${expected}`);
}

/**
 * One CSV line split into fields (RFC 4180 quoting: `"a ""b"""`), or undefined when a quote is out of
 * place: inside an unquoted field, not followed by a delimiter after closing, or never closed (no
 * column allows a line break, so a record is one line).
 */
export function splitCsvLine(line: string, delimiter: string): string[] | undefined {
  const cells: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let value = '';
      let j = i + 1;
      for (;;) {
        const q = line.indexOf('"', j);
        if (q === -1) return undefined;
        value += line.slice(j, q);
        if (line[q + 1] === '"') {
          value += '"';
          j = q + 2;
          continue;
        }
        i = q + 1;
        break;
      }
      cells.push(value);
      if (i === line.length) return cells;
      if (line[i] !== delimiter) return undefined;
      i++;
    } else {
      const end = line.indexOf(delimiter, i);
      const value = end === -1 ? line.slice(i) : line.slice(i, end);
      if (value.includes('"')) return undefined;
      cells.push(value);
      if (end === -1) return cells;
      i = end + 1;
    }
  }
}

function toRow(v: Partial<Record<ImportColumn, string>>, rules: ImportRules): LineResult {
  const ticketId = v.ticketId ?? '';
  if (ticketId === '') return invalid('MISSING_TICKET_ID', 'no ticketId');
  if (ticketId.trim() !== ticketId)
    return invalid('BAD_TICKET_ID', 'spaces before or after the ticketId (a space is a ticket id character, so they would name another ticket)');
  if (!TICKET_ID.test(ticketId)) return invalid('BAD_TICKET_ID', "not 1–256 characters of a-z A-Z 0-9 space *.-_+/() (TIXnGO's ticket ids)");

  const generationText = v.generation?.trim() ?? '';
  const generation = generationText === '' ? 0 : GENERATION_TEXT.test(generationText) ? Number(generationText) : NaN;
  if (!fields.generation.safeParse(generation).success) return invalid('BAD_GENERATION', 'not a whole number from 0 to 10,000');

  const at = v.injectedAt?.trim() ?? '';
  let injectedAt: Date | undefined;
  if (at !== '') {
    const parsed = parseZonedDateTime(at);
    if (!parsed.ok) {
      const why = !DATE_TIME_SHAPE.test(at)
        ? 'not an ISO-8601 date-time'
        : !HAS_ZONE.test(at)
          ? 'no time zone (add Z or the offset, e.g. +01:00)'
          : 'not a real date or time (e.g. 30 February, 24:00)';
      return invalid('BAD_INJECTED_AT', why);
    }
    injectedAt = new Date(parsed.ms);
    if (!fields.instant.safeParse(injectedAt).success) return invalid('BAD_INJECTED_AT', 'outside the years 2000–2100');
    if (injectedAt.getTime() > rules.now.getTime()) return invalid('BAD_INJECTED_AT', 'later than the import (these tickets were injected before go-live)');
  }

  const organizationCode = v.organizationCode?.trim() || rules.defaultOrganization;
  if (organizationCode === undefined)
    return invalid('MISSING_ORGANIZATION', 'no organizationCode, and the release serves several organizations (or give --organization)');
  if (!isOrganizationCode(organizationCode)) return invalid('BAD_ORGANIZATION', 'not an S-360 organization code (letters, digits, _ . -)');
  const refused = rules.refuseOrganization(organizationCode);
  if (refused !== undefined) return invalid('ORGANIZATION_NOT_SERVED', refused);

  return { kind: 'row', row: { ticketId, generation, organizationCode, injectedAt } };
}
