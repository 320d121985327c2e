import { Outbox } from '../../src/store/outbox';
import { withMongo } from '../support/harness';
import { unique } from '../support/unique';

describe('outbox (real MongoDB-compatible store)', () => {
  it('a put retried after its first attempt reached the server succeeds, and keeps one entry', async () => {
    // What happens when the connection breaks between the insert and its reply: the pipeline retries
    // the put. The first version of this failed the role with E11000 (found by the MongoDB-cut test).
    const database = unique('db').replace(/-/g, '_');
    await withMongo(database, async (db) => {
      const outbox = new Outbox(db);
      const at = new Date();
      const entry = { _id: unique('req'), role: 'inject', ticketIds: ['1', '2'], createdAt: at, touchedAt: at, owner: 'pod-1' };
      await outbox.put(entry);
      await expect(outbox.put(entry)).resolves.toBeUndefined();
      expect(await outbox.findContaining('inject', ['2'])).toHaveLength(1);
      await db.dropDatabase();
    });
  });
});
