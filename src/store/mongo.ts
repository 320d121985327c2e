import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { Binary, MongoClient, MongoError, type Db } from 'mongodb';
import type { Metrics } from '../ops/metrics';
import { TransientError } from '../shared/errors';
import { countStoreCommands } from './command-metrics';

export interface MongoConnection {
  readonly client: MongoClient;
  readonly db: Db;
  close(): Promise<void>;
}

export async function connectMongo(settings: {
  uri: string;
  database: string;
  operationTimeoutMs?: number;
  appName?: string;
  /** Counts every command, and the documents written and read, on these metrics (`countStoreCommands`). */
  metrics?: Pick<Metrics, 'storeCommands' | 'storeDocumentsWritten' | 'storeDocumentsRead'>;
}): Promise<MongoConnection> {
  const operationTimeoutMs = settings.operationTimeoutMs ?? 30_000;
  const client = new MongoClient(settings.uri, {
    appName: settings.appName ?? 'tixngo-bridge',
    serverSelectionTimeoutMS: Math.min(5_000, operationTimeoutMs),
    // Without a deadline, an operation on a half-open connection (a dropped NAT entry, a proxy that
    // vanished) waits forever and the role with it; past it the operation fails and is retried.
    socketTimeoutMS: operationTimeoutMs,
    retryWrites: true,
    // Polling monitors re-check a lost server every heartbeat, whereas a streaming monitor can stay
    // attached to a connection that silently died (seen through a cut TCP path in tests).
    serverMonitoringMode: 'poll',
    heartbeatFrequencyMS: 2_000,
    // The monitor's checks (and new connections) wait this long on a silent peer; the default, 30 s,
    // kept a role failing for 90 s after its store came back (three hung checks in a row through a
    // TCP path that had been cut).
    connectTimeoutMS: Math.min(10_000, operationTimeoutMs),
    monitorCommands: settings.metrics !== undefined,
  });
  if (settings.metrics) countStoreCommands(client, settings.metrics);
  try {
    await client.connect();
  } catch (e) {
    throw toStoreError(e, 'cannot connect to MongoDB');
  }
  const db = client.db(settings.database);
  return { client, db, close: () => client.close() };
}

/**
 * MongoDB failures in the bridge's taxonomy: an unreachable or failing-over server is transient;
 * anything else (a duplicate key we did not expect, a bad query) is a bug and is rethrown as is.
 */
export function toStoreError(e: unknown, what: string): Error {
  if (e instanceof MongoError) {
    const transient =
      /Network|ServerSelection|Timeout|PoolCleared|NotPrimary|Interrupted/i.test(e.name) ||
      e.hasErrorLabel('RetryableWriteError') ||
      e.hasErrorLabel('TransientTransactionError') ||
      e.hasErrorLabel('ResetPool') ||
      // A bulk write that failed as a whole (no per-document error): the connection went away
      // mid-operation; the driver does not always label that case.
      (e.name === 'MongoBulkWriteError' && ((e as { writeErrors?: unknown[] }).writeErrors ?? []).length === 0);
    if (transient) return new TransientError('MONGODB_UNAVAILABLE', `${what}: ${e.name}`, undefined, { cause: e });
  }
  return e instanceof Error ? e : new Error(String(e));
}

/** Runs a store operation and converts its failure once, at the adapter boundary. */
export async function storeOp<T>(what: string, op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (e) {
    throw toStoreError(e, what);
  }
}

/**
 * Indexes of the documents an insert skipped as duplicate keys (empty for a single-document insert), or
 * undefined for any other error. Writes with deterministic ids are made idempotent with it: a
 * duplicate is a document an earlier attempt (or another writer) already stored.
 */
export function duplicateKeyIndexes(e: unknown): number[] | undefined {
  const err = e as { code?: unknown; writeErrors?: { code?: unknown; index?: unknown }[] | { code?: unknown; index?: unknown } };
  const list = Array.isArray(err.writeErrors) ? err.writeErrors : err.writeErrors ? [err.writeErrors] : [];
  if (list.length === 0) return err.code === 11000 ? [] : undefined;
  if (!list.every((w) => w.code === 11000 && typeof w.index === 'number')) return undefined;
  return list.map((w) => w.index as number);
}

/** How `packJson` stores a value (the documents name it beside the field, for the readers). */
export const PACKED_JSON = 'json-deflate-raw';

/**
 * A part of a document that no query looks inside, as one Binary: its JSON, deflated (raw DEFLATE,
 * level 1). FerretDB's SQLite backend encodes every field of every element of an array as typed JSON
 * (and decodes them all to read or delete the document); one Binary costs it next to nothing. Only for
 * JSON values (no Date, Buffer or undefined inside).
 */
export function packJson(value: unknown): Binary {
  return new Binary(deflateRawSync(JSON.stringify(value), { level: 1 }));
}

/** The value `packJson` stored. */
export function unpackJson<T>(packed: Binary): T {
  return JSON.parse(inflateRawSync(packed.buffer).toString('utf8')) as T;
}

/** How `jsonBinary` stores a value (the documents name it beside the field, for the readers). */
export const JSON_BINARY = 'json';

/**
 * A small part of a document that no query looks inside, as one Binary holding its JSON (UTF-8, not
 * deflated). For values of a few hundred bytes, stored once per document: deflating each costs a zlib
 * stream of its own (~100 µs of CPU to write or read), more than it saves; `packJson` is for the large
 * ones. FerretDB's SQLite backend keeps a Binary as one base64 string, whatever it holds. Only for JSON
 * values (no Date, Buffer or undefined inside).
 */
export function jsonBinary(value: unknown): Binary {
  return new Binary(Buffer.from(JSON.stringify(value), 'utf8'));
}

/** The value `jsonBinary` stored. */
export function fromJsonBinary<T>(stored: Binary): T {
  return JSON.parse(Buffer.from(stored.buffer).toString('utf8')) as T;
}

/**
 * A list stored either by `packJson` (`encoding` = `PACKED_JSON`) or as an array (no `encoding`: written
 * by a version before). Anything else throws: a reader never guesses at a form it does not know.
 */
export function unpackList<T>(stored: Binary | readonly T[], encoding: string | undefined, what: string): T[] {
  if (encoding === undefined && Array.isArray(stored)) return [...(stored as readonly T[])];
  if (encoding === PACKED_JSON && stored instanceof Binary) return unpackJson<T[]>(stored);
  throw new Error(`${what} stored in an unknown form (encoding ${String(encoding)})`);
}
