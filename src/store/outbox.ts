import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { Binary, type Collection, type Db } from 'mongodb';
import type { Intent, Outbox, OutboxRequest, RequestItem, TakeoverClaim } from '../contracts/outbox';
import { duplicateKeyIndexes, PACKED_JSON, packJson, storeOp, unpackList } from './mongo';

/**
 * A request as stored: its body deflated (raw DEFLATE, level 1). The body is the largest thing the store
 * handles (about 1.1 MB of JSON per 1,000 tickets); deflated it is a tenth or less, which the role pays
 * ~1.5 ms per 1,000 tickets for and the store saves far more on the insert and the delete. The bytes
 * sent are always the inflated body, byte for byte what was stored. Absent `bodyEncoding`: stored raw
 * (by the version before).
 *
 * Its `items` likewise, as one JSON array deflated in a Binary (`itemsEncoding`): no query looks inside
 * them (requests are found by `intent` and `_id`), and FerretDB's SQLite backend encodes every field of
 * every item of an array as typed JSON, and decodes them all again to delete the document: ~25 ms of its
 * CPU to insert a 1,000-item request and ~45 ms to delete it, ~1–2 ms each as a blob (measured around
 * single operations on the local stack). The request is still one document written by one insert
 * before it is sent, so nothing in the argument of `in-flight.ts` changes. Absent `itemsEncoding`: an
 * array (written by the version before), read as it is. A release before this one cannot read the
 * blob: should one of its processes take over a request written by this one during a rolling update,
 * it fails on the items before sending anything, and the takeover passes to a process of this release
 * once its claim is stale.
 */
type StoredRequest = Omit<OutboxRequest, 'body' | 'items'> & {
  readonly body: Binary;
  readonly bodyEncoding?: 'deflate-raw';
} & ({ readonly items: Binary; readonly itemsEncoding: typeof PACKED_JSON } | { readonly items: readonly RequestItem[]; readonly itemsEncoding?: undefined });
/**
 * An intent as stored: its tickets as one JSON array deflated in a Binary (`ticketsEncoding`), for the
 * reason given for a request's items. Every batch of every role reads every intent (`intents()`), and
 * FerretDB decoded each ticket of each intent's array on each read, on the delete, and on every renewal
 * (its updates read the document and write it whole): ~4 ms to insert a 1,000-ticket intent, ~14 ms to
 * read it, ~8 ms to delete it, of its CPU on the local stack, every batch, and the read once more for
 * each other batch in flight. The roles match tickets themselves (see `InFlight.settle`); no query
 * looks inside. An intent is still one document written by one insert before its batch reads anything,
 * so the argument of `in-flight.ts` is unchanged. Absent `ticketsEncoding`: an array (written by the
 * version before), read as it is.
 *
 * Mixed releases: a release before this one reads the Binary where it expects an array and fails
 * (`tickets.filter` is not a function) before it decides anything about its batch; it never takes such
 * an intent for one naming none of its tickets. So while an older release's processes still run beside
 * this one (a rolling update), they may stop on such a read and be restarted; nothing is sent or
 * recorded wrongly meanwhile, and their intents are taken over as those of any stopped process.
 */
type StoredIntent = Omit<Intent, 'tickets'> &
  ({ readonly tickets: Binary; readonly ticketsEncoding: typeof PACKED_JSON } | { readonly tickets: readonly string[]; readonly ticketsEncoding?: undefined });

interface StoredTakeover extends TakeoverClaim {
  readonly _id: string;
  readonly intent: string;
  readonly epoch: number;
}

/**
 * The outbox on MongoDB (see `src/contracts/outbox.ts` for what the documents mean and
 * `src/pipeline/in-flight.ts` for the argument that uses them). Three collections, small by design:
 * only what is in flight, and what stopped processes left, lives here.
 *
 * Operations, and what each relies on (checked on FerretDB 1.24 with SQLite as well as MongoDB):
 * - inserts of a fresh `_id` (intents, requests, takeover claims): a duplicate `_id` is refused with
 *   E11000, for exactly one of concurrent inserters (SQLite's primary key). The takeover claim rests
 *   on this alone: FerretDB's findAndModify and filtered updates are not compare-and-set operations
 *   (they read, then write by `_id`), so nothing here uses them as such.
 * - updates by `_id` of one document: last writer wins per document; each process writes only its
 *   own intents (and adopts an intent only after winning its claim), and serialises those writes.
 * - reads and deletes by `_id`; `intents()` reads the whole (small) collection.
 */
export class MongoOutbox implements Outbox {
  readonly intentsCollection: Collection<StoredIntent>;
  readonly requests: Collection<StoredRequest>;
  readonly takeovers: Collection<StoredTakeover>;

  constructor(db: Db) {
    this.intentsCollection = db.collection<StoredIntent>('outbox_intents');
    this.requests = db.collection<StoredRequest>('outbox_requests');
    this.takeovers = db.collection<StoredTakeover>('outbox_takeovers');
  }

  async ensureIndexes(): Promise<void> {
    await storeOp('creating outbox indexes', () => this.requests.createIndex({ intent: 1 }));
  }

  /** Idempotent: an id is new for every intent, so an existing one is this very write, retried. */
  async putIntent(intent: Intent): Promise<void> {
    await insertOnce('writing an intent', this.intentsCollection, { ...intent, tickets: packJson(intent.tickets), ticketsEncoding: PACKED_JSON });
  }

  async intents(): Promise<Intent[]> {
    const docs = await storeOp('reading the intents in flight', () => this.intentsCollection.find({}).toArray());
    return docs.map(({ tickets, ticketsEncoding, ...d }) => ({ ...d, tickets: unpackList<string>(tickets, ticketsEncoding, 'intent tickets') }));
  }

  async touch(ids: readonly string[], at: Date): Promise<void> {
    if (ids.length === 0) return;
    await storeOp('renewing intents', () => this.intentsCollection.updateMany({ _id: { $in: [...ids] } }, { $set: { touchedAt: at } }));
  }

  async yieldTo(id: string, older: readonly string[]): Promise<void> {
    await storeOp('recording a yield', () => this.intentsCollection.updateOne({ _id: id }, { $set: { yieldsTo: [...older] } }));
  }

  async adopt(id: string, owner: string, epoch: number, at: Date): Promise<void> {
    await storeOp('adopting an intent', () => this.intentsCollection.updateOne({ _id: id }, { $set: { owner, epoch, touchedAt: at } }));
  }

  async removeIntent(id: string): Promise<void> {
    await storeOp('removing an intent', () => this.intentsCollection.deleteOne({ _id: id }));
  }

  async putRequest(request: OutboxRequest): Promise<void> {
    await insertOnce('writing a request', this.requests, {
      ...request,
      body: new Binary(deflateRawSync(request.body, { level: 1 })),
      bodyEncoding: 'deflate-raw',
      items: packJson(request.items),
      itemsEncoding: PACKED_JSON,
    });
  }

  async requestsOf(intentId: string): Promise<OutboxRequest[]> {
    const docs = await storeOp('reading unsettled requests', () => this.requests.find({ intent: intentId }).toArray());
    return docs.map(({ bodyEncoding, itemsEncoding, items, ...d }) => {
      const stored = Buffer.from(d.body.buffer);
      return {
        ...d,
        items: unpackList<RequestItem>(items, itemsEncoding, 'request items'),
        body: bodyEncoding === 'deflate-raw' ? inflateRawSync(stored) : stored,
      };
    });
  }

  async removeRequest(id: string): Promise<void> {
    await storeOp('removing a request', () => this.requests.deleteOne({ _id: id }));
  }

  async claimTakeover(intentId: string, epoch: number, claim: TakeoverClaim): Promise<boolean> {
    return storeOp('claiming a takeover', async () => {
      try {
        await this.takeovers.insertOne({ _id: takeoverId(intentId, epoch), intent: intentId, epoch, owner: claim.owner, at: claim.at });
        return true;
      } catch (e) {
        if (!duplicateKeyIndexes(e)) throw e;
        return false;
      }
    });
  }

  takeoverClaim(intentId: string, epoch: number): Promise<TakeoverClaim | null> {
    return storeOp('reading a takeover claim', () => this.takeovers.findOne({ _id: takeoverId(intentId, epoch) }));
  }

  async removeTakeovers(intentId: string, upToEpoch: number): Promise<void> {
    const ids = Array.from({ length: upToEpoch }, (_, i) => takeoverId(intentId, i + 1));
    await storeOp('removing takeover claims', () => this.takeovers.deleteMany({ _id: { $in: ids } }));
  }
}

const takeoverId = (intentId: string, epoch: number) => `${intentId}#${epoch}`;

/**
 * Inserts a document whose `_id` is new for every write; a duplicate can only be this very write, whose
 * earlier attempt reached the server before the connection broke (and is retried).
 */
async function insertOnce<T extends { readonly _id: string }>(what: string, collection: Collection<T>, doc: T): Promise<void> {
  await storeOp(what, async () => {
    try {
      await collection.insertOne(doc as never);
    } catch (e) {
      if (!duplicateKeyIndexes(e)) throw e;
    }
  });
}
