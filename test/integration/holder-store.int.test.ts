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
      await db.dropDatabase();
    });
  });
});
