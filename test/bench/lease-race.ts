/**
 * Races lease acquisitions through the real store: `replicas` connections (one each, as separate
 * replicas have) try to take an expired lease at the same instant, `rounds` times, and the winners of
 * each round are counted. A lease that may be relied on has exactly one winner every round.
 *
 *   node --import tsx test/bench/lease-race.ts [module] [method] [replicas] [rounds]
 *
 * `module` defaults to src/store/lease-store.ts and `method` to `claim`. The compare-and-set lease
 * this replaced can be raced too, from a copy of its file next to this one's imports:
 *
 *   git show <commit>:src/store/lease-store.ts > src/store/lease-store.old.ts
 *   node --import tsx test/bench/lease-race.ts src/store/lease-store.old.ts acquire
 *
 * Uses MONGODB_URI (`source .stack/env`); works in a database of its own and drops it.
 */
import { resolve } from 'node:path';
import { MongoClient, type Db } from 'mongodb';

type Acquire = (organizerId: string, owner: string, now: Date, ttlMs: number) => Promise<unknown>;

async function main(): Promise<void> {
  const [modulePath = 'src/store/lease-store.ts', method = 'claim', n = '8', r = '20'] = process.argv.slice(2);
  const replicas = Number(n);
  const rounds = Number(r);
  const mod = (await import(resolve(modulePath))) as { MongoLeaseStore: new (db: Db) => Record<string, Acquire> };
  const uri = process.env.MONGODB_URI ?? 'mongodb://127.0.0.1:27017/';
  const database = `lease_race_${process.pid}`;
  const clients = await Promise.all(Array.from({ length: replicas }, () => new MongoClient(uri, { maxPoolSize: 1 }).connect()));
  try {
    const stores = clients.map((c) => new mod.MongoLeaseStore(c.db(database)));
    const ttlMs = 1_000;
    const winners: number[] = [];
    for (let round = 0; round < rounds; round++) {
      // Two TTLs after the last round: whoever won it has let the lease expire.
      const now = new Date(Date.UTC(2030, 0, 1) + round * 2 * ttlMs);
      const got = await Promise.all(stores.map((s, i) => s[method]!.call(s, 'race', `replica-${i}`, now, ttlMs)));
      winners.push(got.filter((g) => g !== null && g !== undefined).length);
    }
    const wrong = winners.filter((w) => w !== 1).length;
    console.log(`${modulePath} ${method}: winners per round ${winners.join(' ')}`);
    console.log(`${wrong} of ${rounds} rounds without exactly one winner; at most ${Math.max(...winners)} replicas believed they held the lease at once`);
    process.exitCode = wrong === 0 ? 0 : 1;
  } finally {
    await clients[0]!.db(database).dropDatabase();
    await Promise.all(clients.map((c) => c.close()));
  }
}

void main();
