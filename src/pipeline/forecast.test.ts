import type { SourceMessage } from '../contracts/source';
import { PoisonMessageError } from '../shared/errors';
import { forecastRecords } from './forecast';

interface Ev {
  readonly ticketId: string;
  readonly skip?: string;
}

const msg = (value: unknown): SourceMessage => ({
  topic: 't',
  partition: 0,
  offset: '0',
  key: null,
  value: Buffer.from(JSON.stringify(value)),
  headers: {},
  timestamp: '0',
});
const decoder = { decode: async (v: Buffer | null) => JSON.parse(v!.toString('utf8')) as unknown };

describe('pipeline/forecast', () => {
  const reads: string[][] = [];
  const spec = {
    schema: 'ticket-cancelled' as const,
    parse: (d: unknown) => {
      const e = d as Ev;
      if (typeof e.ticketId !== 'string') throw new PoisonMessageError('EVENT_INVALID', 'no ticketId');
      return e;
    },
    select: (e: Ev) => e.skip,
    ticketId: (e: Ev) => e.ticketId,
    enrich: async (events: readonly Ev[]) => {
      reads.push(events.map((e) => e.ticketId));
      return new Set(['delivered']);
    },
    seen: () => {
      throw new Error('a forecast never writes');
    },
  };
  const decide = (e: Ev, delivered: ReadonlySet<string>, forced: boolean) =>
    delivered.has(e.ticketId) && !forced ? { push: false as const, reason: 'ALREADY_DONE' } : { push: true as const };

  it("runs the role's own steps and its read, never its write, settled records first", async () => {
    const out = await forecastRecords(spec, decide, decoder, [
      msg({ ticketId: 'new' }),
      msg({ nope: 1 }),
      msg({ ticketId: 'delivered' }),
      msg({ ticketId: 'f', skip: 'FILTER_X' }),
    ]);
    expect(out).toEqual([
      { kind: 'invalid', code: 'EVENT_INVALID' },
      { kind: 'filtered', ticketId: 'f', reason: 'FILTER_X' },
      { kind: 'decided', ticketId: 'new', normal: { push: true }, forced: { push: true } },
      { kind: 'decided', ticketId: 'delivered', normal: { push: false, reason: 'ALREADY_DONE' }, forced: { push: true } },
    ]);
    expect(reads).toEqual([['new', 'delivered']]);
  });

  it('reads nothing when no record is left to decide', async () => {
    reads.length = 0;
    expect(await forecastRecords(spec, decide, decoder, [msg({ ticketId: 'f', skip: 'FILTER_X' })])).toEqual([
      { kind: 'filtered', ticketId: 'f', reason: 'FILTER_X' },
    ]);
    expect(reads).toEqual([]);
  });
});
