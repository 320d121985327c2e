import { hash } from 'node:crypto';
import { foreignInjectFact, type Fact, type TicketFacts } from '../store/ticket-ledger';
import { ticketKey } from '../shared/ticket-key';
import type { ImportRow } from './import-file';

/**
 * What `ledger import` decides for each ticket of the file (pure): new, already known, or a repeat of
 * an earlier line. The command reads the ledger and writes facts chunk by chunk; this module says
 * what to write.
 */

/** The fact an import line stands for: TIXnGO had this generation of the ticket before go-live. */
export function importedFact(row: ImportRow, importedAt: Date): Fact {
  return foreignInjectFact(row.organizationCode, row.ticketId, row.generation, row.injectedAt ?? importedAt, 'imported', {
    importedAt: importedAt.toISOString(),
  });
}

/**
 * A set of 64-bit fingerprints (the first 8 bytes of a string's SHA-1) in two typed arrays with open
 * addressing: at most 16 bytes per entry, outside the JavaScript heap, where a `Set<string>` of a
 * million ticket keys takes about 70 MB. Two different strings share a fingerprint with a
 * probability of about n²/2⁶⁵ (3 in 100 million for a million lines); `planChunk` makes that
 * harmless when facts are written (see there).
 */
export class FingerprintSet {
  private hi = new Uint32Array(1024);
  private lo = new Uint32Array(1024);
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Adds the fingerprint of `key`; false when it was there already. */
  add(key: string): boolean {
    const digest = hash('sha1', key, 'buffer');
    const h = digest.readUInt32LE(0);
    // (0, 0) marks an empty slot.
    const l = digest.readUInt32LE(4) || 1;
    if (!this.insert(h, l)) return false;
    this.count++;
    if (this.count * 2 > this.hi.length) this.grow();
    return true;
  }

  private insert(h: number, l: number): boolean {
    const mask = this.hi.length - 1;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      if (this.hi[i] === 0 && this.lo[i] === 0) {
        this.hi[i] = h;
        this.lo[i] = l;
        return true;
      }
      if (this.hi[i] === h && this.lo[i] === l) return false;
    }
  }

  private grow(): void {
    const [hi, lo] = [this.hi, this.lo];
    this.hi = new Uint32Array(hi.length * 2);
    this.lo = new Uint32Array(lo.length * 2);
    for (let i = 0; i < hi.length; i++) if (hi[i] !== 0 || lo[i] !== 0) this.insert(hi[i]!, lo[i]!);
  }
}

export interface ChunkEntry {
  readonly line: number;
  readonly fact: Fact;
  /** The ticket's store key (`ticketKey`), for the ledger read. */
  readonly key: string;
  /** An earlier line of the file had the same fingerprint (most likely the same ticket and generation). */
  readonly repeated: boolean;
}

/** How a chunk's lines were judged; `write` are the facts to record (with `--apply`). */
export interface ChunkPlan {
  readonly write: readonly Fact[];
  readonly known: number;
  readonly duplicates: number;
}

/**
 * Collects the file's facts into chunks of up to `capacity` distinct facts, each judged with one
 * ledger read and written with one `record`. Repeats are found in two steps: within the chunk exactly
 * (by fact id), across the file by fingerprint (`FingerprintSet`, so memory stays small);
 * `planChunk` settles the fingerprint matches.
 */
export class ImportChunker {
  private readonly entries = new Map<string, ChunkEntry>();
  private readonly seen = new FingerprintSet();
  /** Exact repeats found within the chunk since the last `take`. */
  private repeatsInChunk = 0;

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.entries.size;
  }

  get isFull(): boolean {
    return this.entries.size >= this.capacity;
  }

  add(line: number, fact: Fact): void {
    if (this.entries.has(fact._id)) {
      this.repeatsInChunk++;
      return;
    }
    const repeated = !this.seen.add(fact._id);
    this.entries.set(fact._id, { line, fact, key: ticketKey(fact.organization, fact.ticketId), repeated });
  }

  /** The chunk's entries and in-chunk repeats; the chunk starts empty again (the fingerprints stay). */
  take(): { entries: ChunkEntry[]; repeats: number } {
    const out = { entries: [...this.entries.values()], repeats: this.repeatsInChunk };
    this.entries.clear();
    this.repeatsInChunk = 0;
    return out;
  }
}

/**
 * Judges a chunk against the ledger's `inject` facts of its tickets (read before anything of the
 * chunk is written). A fact the ledger has (that generation, from any source: the bridge's push, an
 * import, the core) is known. A fingerprint repeat is a duplicate of an earlier line when the ledger
 * has it (with `apply`, the earlier line wrote it) or, in a dry run, always (nothing was written, so
 * a fingerprint collision counts as a duplicate there); with `apply`, a repeat the ledger does not have
 * can only be a collision and is written: a fact is never lost to a fingerprint.
 */
export function planChunk(entries: readonly ChunkEntry[], ledger: ReadonlyMap<string, TicketFacts>, apply: boolean): ChunkPlan {
  const write: Fact[] = [];
  let known = 0;
  let duplicates = 0;
  for (const e of entries) {
    const has = ledger.get(e.key)?.has('inject', e.fact.generation) ?? false;
    if (e.repeated && (has || !apply)) duplicates++;
    else if (has) known++;
    else write.push(e.fact);
  }
  return { write, known, duplicates };
}
