import { MongoClient } from 'mongodb';
import { LEASES_COLLECTION, MongoLeaseStore, type LeaseTerm } from '../../src/store/lease-store';
import { services } from '../support/harness';
import { unique } from '../support/unique';

describe('holder-sync lease (real MongoDB-compatible store)', () => {
  const database = () => unique('db').replace(/-/g, '_');

  /** One connection each, as separate replicas have. */
  async function replicas(n: number, db: string): Promise<{ stores: MongoLeaseStore[]; close(): Promise<void> }> {
    const clients = await Promise.all(Array.from({ length: n }, () => new MongoClient(services().mongoUri, { maxPoolSize: 1 }).connect()));
    return {
      stores: clients.map((c) => new MongoLeaseStore(c.db(db))),
      close: async () => {
        await clients[0]!.db(db).dropDatabase();
        await Promise.all(clients.map((c) => c.close()));
      },
    };
  }

  it('many processes racing for an expired lease: exactly one holds each term, and every earlier holder knows it lost', async () => {
    const { stores, close } = await replicas(8, database());
    try {
      const ttlMs = 1_000;
      const holders: { index: number; lease: LeaseTerm }[] = [];
      const wrong: string[] = [];
      for (let round = 0; round < 20; round++) {
        // Every round is two TTLs after the last: whoever held the lease before has let it expire.
        const now = new Date(Date.UTC(2030, 0, 1) + round * 2 * ttlMs);
        const got = await Promise.all(stores.map((s, i) => s.claim('org-race', `p${i}`, now, ttlMs)));
        const won = got.flatMap((lease, index) => (lease ? [{ index, lease }] : []));
        if (won.length !== 1) {
          wrong.push(`round ${round}: ${won.length} holders`);
          continue;
        }
        const [winner] = won;
        // The key travels from term to term.
        if (winner!.lease.paginationKey !== (round === 0 ? null : `key-${round - 1}`))
          wrong.push(`round ${round}: started from ${winner!.lease.paginationKey}`);
        const lost = await Promise.all(holders.map((h) => stores[h.index]!.holds(h.lease)));
        if (lost.some(Boolean)) wrong.push(`round ${round}: an earlier holder still believes it holds the lease`);
        if (!(await stores[winner!.index]!.holds(winner!.lease))) wrong.push(`round ${round}: the winner does not hold the lease`);
        await stores[winner!.index]!.prune(winner!.lease);
        await stores[winner!.index]!.commitPage(winner!.lease, { paginationKey: `key-${round}`, keyMoved: true, now, ttlMs });
        holders.push(winner!);
      }
      expect(wrong).toEqual([]);
      expect((await stores[0]!.current('org-race'))!.term).toBe(20);
    } finally {
      await close();
    }
  });

  it('a live term is not claimed; a released one is at once, and its holder can no longer renew it', async () => {
    const db = database();
    const { stores, close } = await replicas(2, db);
    try {
      const [a, b] = stores as [MongoLeaseStore, MongoLeaseStore];
      const t0 = new Date(Date.UTC(2030, 0, 1));
      const first = (await a.claim('org-1', 'a', t0, 30_000))!;
      expect(first).toMatchObject({ term: 1, owner: 'a', paginationKey: null });
      expect(await b.claim('org-1', 'b', new Date(t0.getTime() + 29_000), 30_000)).toBeNull();
      expect(await a.renew(first, new Date(t0.getTime() + 10_000), 30_000)).toBe(true);
      // The renewal moved the expiry: still held at 39 s, free after 40 s.
      expect(await b.claim('org-1', 'b', new Date(t0.getTime() + 39_000), 30_000)).toBeNull();
      await a.commitPage(first, { paginationKey: 'k-1', keyMoved: true, now: new Date(t0.getTime() + 11_000), ttlMs: 30_000 });
      await a.release(first, new Date(t0.getTime() + 12_000));

      const second = (await b.claim('org-1', 'b', new Date(t0.getTime() + 12_500), 30_000))!;
      expect(second).toMatchObject({ term: 2, owner: 'b', paginationKey: 'k-1' });
      expect(await a.renew(first, new Date(t0.getTime() + 13_000), 30_000)).toBe(false);
      await b.prune(second);
      // One document per organizer once the old term is pruned; other organizers are apart.
      expect(await a.claim('org-2', 'a', t0, 30_000)).toMatchObject({ term: 1, organizerId: 'org-2' });
      const docs = await new MongoClient(services().mongoUri).connect().then(async (c) => {
        try {
          return await c.db(db).collection(LEASES_COLLECTION).find({}).sort({ _id: 1 }).toArray();
        } finally {
          await c.close();
        }
      });
      expect(docs.map((d) => d._id)).toEqual(['holder-sync:org-1#2', 'holder-sync:org-2#1']);
    } finally {
      await close();
    }
  });
});
