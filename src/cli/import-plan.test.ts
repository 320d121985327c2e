import { TicketFacts, type Fact, type FactKind } from '../store/ticket-ledger';
import { FingerprintSet, ImportChunker, importedFact, planChunk } from './import-plan';

const IMPORTED_AT = new Date('2026-12-01T12:00:00Z');
const factOf = (ticketId: string, generation = 0, organizationCode = 'ORG1') =>
  importedFact({ ticketId, generation, organizationCode, injectedAt: undefined }, IMPORTED_AT);

/** The ledger as `getMany` returns it: facts by ticket key. */
function ledgerWith(facts: readonly { ticketId: string; generation: number; kind?: FactKind; source?: Fact['source'] }[]): Map<string, TicketFacts> {
  const out = new Map<string, Fact[]>();
  for (const f of facts) {
    const key = `ORG1:${f.ticketId}`;
    const fact: Fact = { ...factOf(f.ticketId, f.generation), kind: f.kind ?? 'inject', source: f.source };
    out.set(key, [...(out.get(key) ?? []), fact]);
  }
  return new Map([...out].map(([k, v]) => [k, new TicketFacts(v)]));
}

/** Feeds `ids` (`id` or `id@generation`) through a chunker of `capacity`, returning the chunks taken when full and at the end. */
function chunksOf(ids: readonly string[], capacity: number) {
  const chunker = new ImportChunker(capacity);
  const chunks: ReturnType<ImportChunker['take']>[] = [];
  ids.forEach((id, i) => {
    const [ticketId, generation] = id.split('@');
    chunker.add(i + 2, factOf(ticketId!, Number(generation ?? 0)));
    if (chunker.isFull) chunks.push(chunker.take());
  });
  chunks.push(chunker.take());
  return chunks;
}

describe('cli/import-plan', () => {
  describe('importedFact', () => {
    it('is an inject fact of that generation, under the id the roles write (so known whoever wrote it), marked imported', () => {
      expect(importedFact({ ticketId: 'T 1', generation: 2, organizationCode: 'ORG2', injectedAt: new Date('2026-11-30T17:00:00Z') }, IMPORTED_AT)).toEqual({
        _id: 'ORG2:T 1|inject|2',
        ticketId: 'T 1',
        organization: 'ORG2',
        kind: 'inject',
        generation: 2,
        at: new Date('2026-11-30T17:00:00Z'),
        source: 'imported',
        data: { importedAt: '2026-12-01T12:00:00.000Z' },
      });
    });

    it('is dated at the import when the file does not say when', () => {
      expect(factOf('T1').at).toEqual(IMPORTED_AT);
    });
  });

  describe('FingerprintSet', () => {
    it('says whether a string was added before, past many growths', () => {
      const set = new FingerprintSet();
      const n = 100_000;
      const keys = Array.from({ length: n }, (_, i) => `ORG1:${i}|inject|0`);
      expect(keys.filter((k) => !set.add(k))).toEqual([]);
      expect(keys.filter((k) => set.add(k))).toEqual([]);
      expect(set.add('ORG1:0|inject|1')).toBe(true);
      expect(set.size).toBe(n + 1);
    });
  });

  describe('ImportChunker', () => {
    it('closes a chunk at its capacity in distinct facts', () => {
      expect(chunksOf(['1', '2', '3', '4', '5'], 2).map((c) => c.entries.map((e) => e.fact.ticketId))).toEqual([['1', '2'], ['3', '4'], ['5']]);
    });

    it('counts a repeat within a chunk exactly and keeps the first line', () => {
      const [chunk] = chunksOf(['1', '2', '1', '1'], 10);
      expect(chunk!.repeats).toBe(2);
      expect(chunk!.entries.map((e) => [e.line, e.fact.ticketId, e.repeated])).toEqual([
        [2, '1', false],
        [3, '2', false],
      ]);
    });

    it('marks a repeat of a line of an earlier chunk; another generation is not a repeat', () => {
      const chunks = chunksOf(['1', '2', '1', '2@1'], 2);
      expect(chunks[1]!.entries.map((e) => [e.fact._id, e.repeated])).toEqual([
        ['ORG1:1|inject|0', true],
        ['ORG1:2|inject|1', false],
      ]);
    });
  });

  describe('planChunk', () => {
    const entry = (ticketId: string, generation: number, repeated = false) => ({
      line: 2,
      fact: factOf(ticketId, generation),
      key: `ORG1:${ticketId}`,
      repeated,
    });
    const ledger = ledgerWith([
      { ticketId: 'bridge', generation: 0 },
      { ticketId: 'imported', generation: 1, source: 'imported' },
      { ticketId: 'core', generation: 0, source: 'core' },
      { ticketId: 'simulated', generation: 0, kind: 'inject-simulated' },
      { ticketId: 'newer', generation: 2 },
    ]);
    it.each([
      ['a ticket the ledger does not know', 'unknown', 0, false, 'write'],
      ['the bridge pushed that generation', 'bridge', 0, false, 'known'],
      ['an earlier import', 'imported', 1, false, 'known'],
      ['the core printed it through TIXnGO', 'core', 0, false, 'known'],
      ['only a simulated injection (never delivered)', 'simulated', 0, false, 'write'],
      ['another generation than the one known', 'newer', 1, false, 'write'],
      ['a repeat of a line the ledger has (written by this import, or known)', 'bridge', 0, true, 'duplicate'],
    ])('%s → %s', (_, ticketId, generation, repeated, expected) => {
      for (const apply of [false, true]) {
        const plan = planChunk([entry(ticketId, generation, repeated)], ledger, apply);
        expect(plan.write.length > 0 ? 'write' : plan.known > 0 ? 'known' : 'duplicate').toBe(expected);
      }
    });

    it('a repeat the ledger lacks is a duplicate in a dry run (its first line was not written) and written with --apply (a fingerprint collision)', () => {
      expect(planChunk([entry('unknown', 0, true)], ledger, false)).toEqual({ write: [], known: 0, duplicates: 1 });
      expect(planChunk([entry('unknown', 0, true)], ledger, true)).toEqual({ write: [factOf('unknown', 0)], known: 0, duplicates: 0 });
    });
  });
});
