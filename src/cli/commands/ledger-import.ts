import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Organizations } from '../../config/load-config';
import { OrganizationRouter } from '../../config/organizations';
import { toSafeError } from '../../shared/errors';
import { TicketLedger } from '../../store/ticket-ledger';
import { formatCount, formatCounts, formatMs } from '../format';
import { describeFormat, ImportFileError, ImportFileParser, type ImportRules, type InvalidLineCode } from '../import-file';
import { ImportChunker, importedFact, planChunk } from '../import-plan';
import { readLines } from '../line-reader';
import { CliFailure, type CliRuntime } from '../runtime';

export interface LedgerImportOptions {
  /** A path, or `-`: standard input (a pod's root filesystem is read-only: `kubectl exec -i … < file`). */
  readonly file: string;
  /** The S-360 organization of lines that name none. */
  readonly organization?: string;
  /** Write; otherwise a dry run that only counts. */
  readonly apply: boolean;
  /** How many invalid lines to list (all are counted). */
  readonly showInvalid: number;
}

/** Facts judged with one ledger read and written with one `record` call. */
export const IMPORT_CHUNK_SIZE = 1000;

const PROGRESS_EVERY_MS = 250;

interface Counts {
  lines: number;
  header: number;
  blank: number;
  new: number;
  known: number;
  duplicates: number;
  invalid: number;
  readonly invalidByCode: Record<string, number>;
  readonly listed: { readonly line: number; readonly code: InvalidLineCode; readonly problem: string }[];
}

/**
 * `ledger import <file>`: seeds `inject` facts (source `imported`) for tickets injected into TIXnGO
 * before go-live, so that the cancel and control roles delete and control them. Dry run by default.
 *
 * - Streaming: the file is read line by line (`readLines`) and judged in chunks of
 *   `IMPORT_CHUNK_SIZE` facts, one `getMany` and one `record` per chunk; memory holds one chunk, plus
 *   16 bytes per ticket for the duplicate check (`FingerprintSet`).
 * - Idempotent: a fact the ledger has (that ticket's injection of that generation, from any source)
 *   is counted as known and not written; `record` is insert-only by fact id, so an import cut off
 *   anywhere and run again writes exactly what is missing.
 * - The file's format and what stops it versus what is one invalid line: `import-file.ts`.
 */
export async function ledgerImport(rt: CliRuntime, opts: LedgerImportOptions): Promise<void> {
  const startedAt = new Date();
  const rules = importRules(rt.config.organizations, opts.organization, startedAt);
  const fromStdin = opts.file === '-';
  if (fromStdin && process.stdin.isTTY) throw new CliFailure('- reads the file from standard input: redirect it (< injected.csv) or pipe it', 2);
  const name = fromStdin ? 'standard input' : basename(opts.file);
  const handle = fromStdin
    ? undefined
    : await open(opts.file).catch((e: unknown) => {
        throw new CliFailure(`cannot read ${opts.file}: ${openProblem(e)}`);
      });
  const counts: Counts = { lines: 0, header: 0, blank: 0, new: 0, known: 0, duplicates: 0, invalid: 0, invalidByCode: {}, listed: [] };
  let stream: (NodeJS.ReadableStream & { readonly bytesRead?: number; destroy(): void }) | undefined;
  let stop: string | undefined;
  const onSigint = () => (stop = 'SIGINT');
  const onSigterm = () => (stop = 'SIGTERM');
  try {
    // The size, for the share read and the ETA; unknown on standard input.
    let size: number | undefined;
    if (handle) {
      const stat = await handle.stat();
      if (!stat.isFile()) throw new CliFailure(`cannot read ${opts.file}: not a file`);
      size = stat.size;
      stream = handle.createReadStream({ autoClose: false });
    } else stream = process.stdin;
    const ledger = new TicketLedger((await rt.mongo()).db);
    if (opts.apply) await ledger.ensureIndexes();
    // On standard input the format is judged by content alone (no extension to agree with).
    const parser = new ImportFileParser(fromStdin ? '' : name, rules);
    const chunker = new ImportChunker(IMPORT_CHUNK_SIZE);
    const flush = async () => {
      const { entries, repeats } = chunker.take();
      counts.duplicates += repeats;
      if (entries.length === 0) return;
      const plan = planChunk(
        entries,
        await ledger.getMany(
          entries.map((e) => e.key),
          ['inject'],
        ),
        opts.apply,
      );
      counts.known += plan.known;
      counts.duplicates += plan.duplicates;
      if (!opts.apply) {
        counts.new += plan.write.length;
        return;
      }
      const created = plan.write.length > 0 ? await ledger.record(plan.write) : new Set<string>();
      counts.new += created.size;
      // Recorded between the read and the write by another writer (a role, a second import).
      counts.known += plan.write.length - created.size;
    };

    process.once('SIGINT', onSigint);
    process.once('SIGTERM', onSigterm);
    let shownAt = 0;
    try {
      for await (const { line, text } of readLines(stream)) {
        counts.lines = line;
        const r = parser.line(text, line);
        if (r.kind === 'skip') counts[r.header ? 'header' : 'blank']++;
        else if (r.kind === 'invalid') countInvalid(counts, line, r.code, r.problem, opts.showInvalid);
        else chunker.add(line, importedFact(r.row, startedAt));
        if (chunker.isFull) await flush();
        if (stop) break;
        if (Date.now() - shownAt >= PROGRESS_EVERY_MS) {
          shownAt = Date.now();
          rt.out.progress(progressLine(counts, stream.bytesRead, size, Date.now() - startedAt.getTime(), opts.apply));
        }
      }
      await flush();
    } catch (e) {
      rt.out.endProgress();
      if (e instanceof ImportFileError) throw new CliFailure(`${name}: ${e.message}; ${writtenSoFar(opts.apply, counts.new)}`, e.exitCode);
      throw new CliFailure(`stopped at line ${counts.lines}: ${toSafeError(e).message}; ${writtenSoFar(opts.apply, counts.new)}`);
    }
    rt.out.endProgress();
    if (!parser.format) throw new CliFailure(`${name}: the file is empty (no header, no tickets)`);
    printSummary(rt, name, opts, describeFormat(parser.format), rules.defaultOrganization, counts, Date.now() - startedAt.getTime(), stop !== undefined);
    if (stop) throw new CliFailure(`interrupted (${stop}) after line ${counts.lines}; ${writtenSoFar(opts.apply, counts.new)}`, 130);
  } finally {
    process.removeListener('SIGINT', onSigint);
    process.removeListener('SIGTERM', onSigterm);
    if (handle) {
      stream?.destroy();
      await handle.close().catch(() => undefined);
    }
  }
}

/**
 * The organization rules of an import (pure): `--organization` (its form checked when the command
 * line is parsed) must be one the release serves
 * (`OrganizationRouter`); it is required with `BRIDGE_ORGANIZATIONS=*`, which does not say which
 * organization that is (the store keys every ticket by it). Without it, lines that name no
 * organization belong to the release's only one, if it has only one.
 */
export function importRules(organizations: Organizations, option: string | undefined, now: Date): ImportRules {
  const router = new OrganizationRouter(organizations);
  const served = organizations.entries.flatMap((e) => e.codes ?? []);
  if (option !== undefined) {
    if (organizations.mode !== 'any' && !router.of(option)) {
      throw new CliFailure(`--organization ${option}: this release does not serve it (it serves ${served.join(', ')})`, 2);
    }
  } else if (organizations.mode === 'any') {
    throw new CliFailure(
      '--organization <code> is required: BRIDGE_ORGANIZATIONS=* does not say which S-360 organization the tickets belong to, and the ledger keys every ticket by it',
      2,
    );
  }
  return {
    defaultOrganization: option ?? (served.length === 1 ? served[0] : undefined),
    refuseOrganization:
      organizations.mode === 'any'
        ? (code) => (code === option ? undefined : `not ${option}, the organization named by --organization (BRIDGE_ORGANIZATIONS=*)`)
        : (code) => (router.of(code) ? undefined : 'an organization this release does not serve'),
    now,
  };
}

function countInvalid(counts: Counts, line: number, code: InvalidLineCode, problem: string, limit: number): void {
  counts.invalid++;
  counts.invalidByCode[code] = (counts.invalidByCode[code] ?? 0) + 1;
  if (counts.listed.length < limit) counts.listed.push({ line, code, problem });
}

/** What an import that stopped early leaves behind. */
function writtenSoFar(apply: boolean, written: number): string {
  if (!apply) return 'nothing was written (dry run)';
  return written === 0
    ? 'nothing was written'
    : `${formatCount(written)} fact(s) were written before it; run the import again (after fixing the cause): they count as already known and the rest is written`;
}

/** `bytesRead` and `size` are unknown on standard input: no share of the file, no ETA. */
function progressLine(c: Counts, bytesRead: number | undefined, size: number | undefined, elapsedMs: number, apply: boolean): string {
  const rate = elapsedMs > 0 ? (c.lines / elapsedMs) * 1000 : 0;
  let where = '';
  if (size !== undefined && bytesRead !== undefined) {
    const share = size > 0 ? Math.min(100, (bytesRead / size) * 100) : 100;
    const eta = bytesRead > 0 && share < 100 ? formatMs((elapsedMs * (size - bytesRead)) / bytesRead) : '-';
    where = ` (${share.toFixed(1)}% of the file), ETA ${eta}`;
  }
  return (
    `${formatCount(c.lines)} lines${where}, ${formatCount(Math.round(rate))} lines/s; ` +
    `${apply ? 'written' : 'new'} ${formatCount(c.new)}, known ${formatCount(c.known)}, invalid ${formatCount(c.invalid)}`
  );
}

function printSummary(
  rt: CliRuntime,
  name: string,
  opts: LedgerImportOptions,
  format: string,
  defaultOrganization: string | undefined,
  c: Counts,
  elapsedMs: number,
  interrupted: boolean,
): void {
  const out = rt.out;
  out.line(`ledger import ${name} (${format}): ${opts.apply ? 'applied' : 'dry run, nothing written (--apply writes)'}`);
  if (defaultOrganization) out.line(`Organization of lines without one: ${defaultOrganization}`);
  out.line(`Lines read:      ${formatCount(c.lines)} (${formatCount(c.header)} header, ${formatCount(c.blank)} blank)`);
  out.line(`  new facts:     ${formatCount(c.new)} ${opts.apply ? 'written' : 'would be written'}`);
  out.line(`  already known: ${formatCount(c.known)}`);
  out.line(`  duplicates:    ${formatCount(c.duplicates)}`);
  out.line(`  invalid:       ${formatCount(c.invalid)}${c.invalid > 0 ? ` (${formatCounts(c.invalidByCode)})` : ''}`);
  if (c.invalid > 0) {
    out.line(
      `Invalid lines (${c.listed.length < c.invalid ? `the first ${formatCount(c.listed.length)} of ${formatCount(c.invalid)}` : formatCount(c.invalid)}):`,
    );
    for (const l of c.listed) out.line(`  line ${l.line}: ${l.code}: ${l.problem}`);
  }
  out.line(`${interrupted ? 'Interrupted after' : 'Done in'} ${formatMs(elapsedMs)}.`);
}

/** Why a file cannot be opened, in plain words (never the system's message, which may quote paths). */
function openProblem(e: unknown): string {
  switch ((e as { code?: string }).code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'a directory, not a file';
    default:
      return 'cannot open it';
  }
}
