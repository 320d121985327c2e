import { Binary } from 'mongodb';
import { HolderStore, holderStateId, type HolderDocument } from '../../src/store/holder-store';
import { withMongo } from '../support/harness';
import { unique } from '../support/unique';

const at = new Date(Date.UTC(2030, 5, 1, 10, 0));

function aState(organizerId: string, ticketId: string, version: number): HolderDocument {
  return {
    _id: holderStateId(organizerId, ticketId),
    organizerId,
    ticketId,
    status: version === 1 ? 'INJECTED' : 'DOWNLOADED',
    version,
    changedAt: at,
    walletOwner: null,
    ticketHolder: null,
    previousOwner: null,
    observedAt: at,
    history: Array.from({ length: version }, (_, i) => ({ status: i === 0 ? 'INJECTED' : 'DOWNLOADED', version: i + 1, changedAt: at })),
  };
}

describe('holder store (real MongoDB-compatible store)', () => {
  it('keeps states per organizer, says which inserts found a state already, and replaces hundreds in one call', async () => {
    const database = unique('db').replace(/-/g, '_');
    await withMongo(database, async (db) => {
      const holders = new HolderStore(db);
      const ids = Array.from({ length: 300 }, (_, i) => `T-${i}`);
      expect(await holders.insertNew(ids.map((id) => aState('org-a', id, 1)))).toEqual(new Set());
      expect(await holders.insertNew([aState('org-b', 'T-1', 1), aState('org-a', 'T-2', 2)])).toEqual(new Set(['T-2']));

      // More statements than the local server's update command can hold at once (about 100).
      await holders.replace(ids.map((id) => aState('org-a', id, 2)));

      const a = await holders.getMany('org-a', ['T-1', 'T-299', 'T-unknown']);
      expect([...a.values()].map((s) => [s.ticketId, s.version, s.organizerId])).toEqual([
        ['T-1', 2, 'org-a'],
        ['T-299', 2, 'org-a'],
      ]);
      expect((await holders.getMany('org-b', ['T-1', 'T-2'])).get('T-1')).toMatchObject({ organizerId: 'org-b', version: 1 });
      expect([...(await holders.heads('org-a', ['T-7'])).entries()]).toEqual([['T-7', { version: 2, history: aState('org-a', 'T-7', 2).history }]]);
      // More ids than one read takes: several reads at once, one answer.
      expect([...(await holders.heads('org-a', ids)).keys()].sort()).toEqual([...ids].sort());
      // As stored: the history packed (one Binary), everything else as fields, the people too; read back whole.
      const raw = await holders.collection.findOne({ _id: holderStateId('org-a', 'T-7') });
      expect(raw).toMatchObject({ version: 2, status: 'DOWNLOADED', historyEncoding: 'json', walletOwner: aState('org-a', 'T-7', 2).walletOwner });
      expect(raw!.history).toBeInstanceOf(Binary);
      expect((await holders.getMany('org-a', ['T-7'])).get('T-7')).toEqual(aState('org-a', 'T-7', 2));
      await db.dropDatabase();
    });
  });

  it('reads a state the version before organizers stored (bare ticket id) when the organizer has none of its own', async () => {
    const database = unique('db').replace(/-/g, '_');
    await withMongo(database, async (db) => {
      const holders = new HolderStore(db);
      const { organizerId: _o, ticketId: _t, ...legacy } = aState('old', 'T-9', 3);
      await holders.collection.insertMany([
        { ...legacy, _id: 'T-9' },
        { ...legacy, _id: 'T-8' },
      ] as unknown as HolderDocument[]);
      await holders.insertNew([aState('org-a', 'T-8', 5)]);

      const states = await holders.getStates([
        { organizerId: 'org-a', ticketId: 'T-9' },
        { organizerId: 'org-a', ticketId: 'T-8' },
        { organizerId: 'org-a', ticketId: 'T-7' },
      ]);
      expect([...states.entries()].map(([id, s]) => [id, s.version, s.organizerId, s.ticketId])).toEqual([
        [holderStateId('org-a', 'T-9'), 3, 'org-a', 'T-9'], // the old state, read as the organizer's
        [holderStateId('org-a', 'T-8'), 5, 'org-a', 'T-8'], // its own state wins over the old one
      ]);
      // The old form (history an array) read as it was stored.
      expect(states.get(holderStateId('org-a', 'T-9'))).toMatchObject({ walletOwner: null, history: legacy.history });
      await db.dropDatabase();
    });
  });
});
