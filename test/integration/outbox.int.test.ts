import { Binary, MongoClient } from 'mongodb';
import type { Intent } from '../../src/contracts/outbox';
import { MongoOutbox } from '../../src/store/outbox';
import { services, withMongo } from '../support/harness';
import { unique } from '../support/unique';

const anIntent = (over: Partial<Intent> = {}): Intent => {
  const at = new Date();
  return { _id: unique('intent'), role: 'inject', owner: 'pod-1/inject/a', tickets: ['1', '2'], createdAt: at, touchedAt: at, epoch: 0, ...over };
};

describe('outbox (real MongoDB-compatible store)', () => {
  it('a write retried after its first attempt reached the server succeeds, and keeps one document', async () => {
    // What happens when the connection breaks between the insert and its reply: the engine retries.
    const database = unique('db').replace(/-/g, '_');
    await withMongo(database, async (db) => {
      const outbox = new MongoOutbox(db);
      const intent = anIntent();
      await outbox.putIntent(intent);
      await expect(outbox.putIntent(intent)).resolves.toBeUndefined();
      expect((await outbox.intents()).map((i) => i._id)).toEqual([intent._id]);
      const request = {
        _id: `${intent._id}.1`,
        intent: intent._id,
        endpoint: 'inject' as const,
        organization: 'ORG1',
        items: [{ ticketId: '1', organization: 'ORG1', generation: 0 }],
        body: Buffer.from('{"tickets":[]}'),
        createdAt: new Date(),
      };
      await outbox.putRequest(request);
      await expect(outbox.putRequest(request)).resolves.toBeUndefined();
      const [stored] = await outbox.requestsOf(intent._id);
      expect(stored!.body.equals(request.body)).toBe(true); // the exact bytes come back
      await db.dropDatabase();
    });
  });

  it('a request body and items are stored deflated and come back as written; a request stored by the versions before reads back too', async () => {
    const database = unique('db').replace(/-/g, '_');
    await withMongo(database, async (db) => {
      const outbox = new MongoOutbox(db);
      const intent = anIntent();
      const tickets = Array.from({ length: 1000 }, (_, i) => ({
        ticketId: String(i),
        barcode: `B-${i * 7919}`,
        holder: { firstName: 'Ana', lastName: `L${i}` },
      }));
      const body = Buffer.from(JSON.stringify({ tickets }));
      const request = {
        _id: `${intent._id}.1`,
        intent: intent._id,
        endpoint: 'inject' as const,
        organization: 'ORG1',
        items: tickets.map((t, i) => ({
          ticketId: t.ticketId,
          organization: 'ORG1',
          generation: i % 3,
          partition: i % 6,
          ...(i === 7 ? { reason: 'LOST', occurredAt: 1_700_000_000_123 } : {}),
        })),
        body,
        createdAt: new Date(),
      };
      await outbox.putRequest(request);
      const raw = await db.collection('outbox_requests').findOne({ _id: request._id as never });
      expect(raw!.bodyEncoding).toBe('deflate-raw');
      expect(raw!.body.buffer.length).toBeLessThan(body.length / 5);
      expect(raw!.itemsEncoding).toBe('json-deflate-raw');
      expect(raw!.items).toBeInstanceOf(Binary);

      // The versions before: the body raw, the items an array.
      const old = {
        ...request,
        _id: `${intent._id}.0`,
        items: [{ ticketId: '0', organization: 'ORG1', generation: 2 }],
        body: Buffer.from('{"tickets":[{"ticketId":"0"}]}'),
      };
      await db.collection('outbox_requests').insertOne({ ...old, _id: old._id as never, body: new Binary(old.body) });
      const back = new Map((await outbox.requestsOf(intent._id)).map((r) => [r._id, r]));
      expect(back.get(request._id)!.body.equals(body)).toBe(true);
      expect(back.get(request._id)!.items).toEqual(request.items);
      expect(back.get(old._id)!.body.equals(old.body)).toBe(true);
      expect(back.get(old._id)!.items).toEqual(old.items);
      await db.dropDatabase();
    });
  });

  it('a takeover claim is won by exactly one of many concurrent processes, epoch after epoch', async () => {
    // FerretDB's findAndModify is no compare-and-set; the claim rests on a unique `_id` insert only.
    const database = unique('db').replace(/-/g, '_');
    const clients = await Promise.all(Array.from({ length: 8 }, () => new MongoClient(services().mongoUri).connect()));
    try {
      const outboxes = clients.map((c) => new MongoOutbox(c.db(database)));
      for (let epoch = 1; epoch <= 20; epoch++) {
        const wins = await Promise.all(outboxes.map((o, i) => o.claimTakeover('intent-x', epoch, { owner: `p${i}`, at: new Date() })));
        expect(wins.filter(Boolean)).toHaveLength(1);
        const claim = await outboxes[0]!.takeoverClaim('intent-x', epoch);
        expect(claim!.owner).toBe(`p${wins.indexOf(true)}`);
      }
      await outboxes[0]!.removeTakeovers('intent-x', 20);
      expect(await outboxes[0]!.takeoverClaim('intent-x', 7)).toBeNull();
      await clients[0]!.db(database).dropDatabase();
    } finally {
      await Promise.all(clients.map((c) => c.close()));
    }
  });

  it('renewals and yields of one intent keep each other (writes by _id, fields apart)', async () => {
    const database = unique('db').replace(/-/g, '_');
    await withMongo(database, async (db) => {
      const outbox = new MongoOutbox(db);
      const intent = anIntent();
      await outbox.putIntent(intent);
      const later = new Date(intent.touchedAt.getTime() + 5_000);
      await outbox.yieldTo(intent._id, ['older-1']);
      await outbox.touch([intent._id], later);
      await outbox.adopt(intent._id, 'pod-2/inject/b', 1, later);
      const [stored] = await outbox.intents();
      expect(stored).toMatchObject({ owner: 'pod-2/inject/b', epoch: 1, yieldsTo: ['older-1'], tickets: ['1', '2'] });
      expect(stored!.touchedAt.getTime()).toBe(later.getTime());
      await outbox.removeIntent(intent._id);
      expect(await outbox.intents()).toEqual([]);
      await db.dropDatabase();
    });
  });

  it("an intent's tickets are stored deflated and come back as written; an intent stored by the version before reads back too", async () => {
    const database = unique('db').replace(/-/g, '_');
    await withMongo(database, async (db) => {
      const outbox = new MongoOutbox(db);
      const intent = anIntent({ tickets: Array.from({ length: 1000 }, (_, i) => `ORG1:${100_000 + i}`) });
      await outbox.putIntent(intent);
      const raw = await db.collection('outbox_intents').findOne({ _id: intent._id as never });
      expect(raw!.ticketsEncoding).toBe('json-deflate-raw');
      expect(raw!.tickets).toBeInstanceOf(Binary);
      // The version before: the tickets an array.
      const old = anIntent({ tickets: ['ORG1:7', 'ORG1:8'] });
      await db.collection('outbox_intents').insertOne({ ...old, _id: old._id as never });
      await outbox.touch([intent._id, old._id], new Date(intent.touchedAt.getTime() + 1_000));
      const back = new Map((await outbox.intents()).map((i) => [i._id, i]));
      expect(back.get(intent._id)!.tickets).toEqual(intent.tickets);
      expect(back.get(old._id)!.tickets).toEqual(old.tickets);
      expect(back.get(intent._id)).not.toHaveProperty('ticketsEncoding');
      await db.dropDatabase();
    });
  });
});
