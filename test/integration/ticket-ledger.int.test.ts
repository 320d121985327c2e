import { factId, TicketLedger, type Fact, type FactKind } from '../../src/store/ticket-ledger';
import { ticketKey } from '../../src/shared/ticket-key';
import { withMongo } from '../support/harness';
import { unique } from '../support/unique';

const fact = (ticketId: string, kind: FactKind, generation: number): Fact => ({
  _id: factId(ticketKey('ORG1', ticketId), kind, generation),
  ticketId,
  organization: 'ORG1',
  kind,
  generation,
  at: new Date(),
});

describe('ticket ledger (real MongoDB-compatible store)', () => {
  it('reads every fact whatever the slots read first, and tells which tickets have any of some kinds', async () => {
    await withMongo(unique('db').replace(/-/g, '_'), async (db) => {
      const ledger = new TicketLedger(db);
      // T1: three injections (slots 0, 1, 2); T2: one cancellation; T3: nothing.
      await ledger.record([fact('T1', 'inject', 0), fact('T1', 'inject', 1), fact('T1', 'inject', 2), fact('T2', 'cancel-seen', 0)]);
      const keys = ['T1', 'T2', 'T3'].map((t) => ticketKey('ORG1', t));
      const generations = (m: Map<string, { facts: readonly Fact[] }>) =>
        Object.fromEntries([...m].map(([k, f]) => [k, f.facts.map((x) => `${x.kind}:${x.generation}`).sort()]));
      const all = generations(await ledger.getMany(keys, ['inject', 'cancel-seen']));
      expect(all).toEqual({ [keys[0]!]: ['inject:0', 'inject:1', 'inject:2'], [keys[1]!]: ['cancel-seen:0'] });
      expect(generations(await ledger.getMany(keys, ['inject', 'cancel-seen'], 1))).toEqual(all);
      expect([...(await ledger.keysWithAny(keys, ['cancel-seen', 'control-seen']))]).toEqual([keys[1]]);
      expect([...(await ledger.keysWithAny(keys, ['inject'])).values()].sort()).toEqual([keys[0]]);
      expect((await ledger.keysWithAny([], ['inject'])).size).toBe(0);
      await db.dropDatabase();
    });
  });
});
