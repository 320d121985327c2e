/**
 * TEST DOUBLE of a Confluent Schema Registry: a small Node `http` server speaking the Confluent REST API subset
 * that `@kafkajs/confluent-schema-registry` uses, plus subject listing, deletion and global config. It exists because
 * neither Confluent's registry (not on Maven Central), Karapace (not on PyPI) nor Apicurio (no runnable jar on Maven
 * Central) installs on machines without Docker; `docker-compose.yml` and CI with a container runtime use the real one.
 *
 * What is real: global schema ids, subject versions, the error codes (40401, 40402, 40403, 40408, 409, 42201,
 * 42202, 42203) and the `application/vnd.schemaregistry.v1+json` content type; compatibility is ENFORCED with avsc's
 * schema resolution (default BACKWARD), so schema-evolution tests mean something. What is not: Avro only (JSON
 * Schema and Protobuf are refused with 42201), no schema references, no modes/contexts, deletes are permanent (no
 * soft delete), and compatibility messages are avsc's, not Confluent's wording.
 */
import { readFileSync, writeFileSync, renameSync, mkdirSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { dirname } from 'node:path';
import { Type, types, type Schema } from 'avsc';

export type CompatibilityLevel =
  | 'NONE'
  | 'BACKWARD'
  | 'BACKWARD_TRANSITIVE'
  | 'FORWARD'
  | 'FORWARD_TRANSITIVE'
  | 'FULL'
  | 'FULL_TRANSITIVE';

export const COMPATIBILITY_LEVELS: readonly CompatibilityLevel[] = [
  'NONE',
  'BACKWARD',
  'BACKWARD_TRANSITIVE',
  'FORWARD',
  'FORWARD_TRANSITIVE',
  'FULL',
  'FULL_TRANSITIVE',
];

export function isCompatibilityLevel(value: unknown): value is CompatibilityLevel {
  return typeof value === 'string' && (COMPATIBILITY_LEVELS as readonly string[]).includes(value);
}

/** A registered version of a subject, oldest first in `previous` lists. */
export type VersionedSchema = { readonly version: number; readonly schema: string };

export type CompatibilityResult = { readonly compatible: true } | { readonly compatible: false; readonly messages: readonly string[] };

/** Thrown by the pure helpers for text that is not a valid Avro schema (HTTP 422, error code 42201). */
export class InvalidSchemaError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InvalidSchemaError';
  }
}

/** Parses Avro schema text. Logical types stay on their underlying type, which is what schema resolution compares. */
export function parseAvroSchema(text: string): Type {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new InvalidSchemaError(`Invalid schema: not JSON (${(e as Error).message})`, { cause: e });
  }
  try {
    return Type.forSchema(raw as Schema);
  } catch (e) {
    throw new InvalidSchemaError(`Invalid schema: ${(e as Error).message}`, { cause: e });
  }
}

/**
 * Identity-preserving logical type for canonicalisation: avsc drops logical types it has no implementation for,
 * so without this `{"type":"long","logicalType":"timestamp-millis"}` and `"long"` would share an id.
 */
class KeptLogicalType extends types.LogicalType {
  private readonly extraAttrs: Record<string, unknown>;
  constructor(schema: Schema, opts?: unknown) {
    super(schema, opts);
    const structural = new Set(['type', 'logicalType', 'name', 'namespace', 'aliases', 'doc', 'size', 'default']);
    this.extraAttrs = Object.fromEntries(Object.entries(schema as object).filter(([k]) => !structural.has(k)));
  }
  protected override _fromValue(value: unknown): unknown {
    return value;
  }
  protected override _toValue(value: unknown): unknown {
    return value;
  }
  protected override _export(attrs: Schema): void {
    Object.assign(attrs as object, this.extraAttrs);
  }
}

const LOGICAL_TYPE_NAMES = [
  'decimal', 'uuid', 'date', 'time-millis', 'time-micros', 'timestamp-millis', 'timestamp-micros',
  'local-timestamp-millis', 'local-timestamp-micros', 'duration',
];
const KEEP_LOGICAL_TYPES = Object.fromEntries(LOGICAL_TYPE_NAMES.map((n) => [n, KeptLogicalType]));

/**
 * The form two schemas are compared in to decide "same schema, same id": avsc's re-export with fully qualified
 * names, docs, defaults, aliases and logical types kept, whitespace and key order normalised.
 */
export function canonicalAvro(text: string): string {
  parseAvroSchema(text); // same validation and error as everywhere else
  const type = Type.forSchema(JSON.parse(text) as Schema, {
    logicalTypes: KEEP_LOGICAL_TYPES,
  });
  return JSON.stringify(type.schema({ exportAttrs: true }));
}

/** `null` when data written with `writer` can be read with `reader` (Avro schema resolution), else the reason. */
export function resolutionError(reader: Type, writer: Type): string | null {
  try {
    reader.createResolver(writer);
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

/**
 * Decides whether `candidate` may be registered after `previous` (oldest first) under `level`:
 * - BACKWARD: the candidate (as reader) reads data written with the latest version. Refuses e.g. a new field
 *   without default, a changed type, a removed enum symbol. Removing a field is allowed.
 * - FORWARD: the latest version (as reader) reads data written with the candidate. Refuses e.g. removing a field
 *   that has no default. Adding a required field is allowed.
 * - FULL: both. *_TRANSITIVE: against every previous version instead of the latest only. NONE: anything valid.
 * Pure; throws InvalidSchemaError when a schema text is not valid Avro.
 */
export function checkCompatibility(
  level: CompatibilityLevel,
  candidate: string,
  previous: readonly VersionedSchema[],
): CompatibilityResult {
  const reader = parseAvroSchema(candidate);
  if (level === 'NONE' || previous.length === 0) return { compatible: true };
  const transitive = level.endsWith('_TRANSITIVE');
  const base = level.replace('_TRANSITIVE', '') as 'BACKWARD' | 'FORWARD' | 'FULL';
  const against = transitive ? previous : previous.slice(-1);
  const messages: string[] = [];
  for (const old of against) {
    const oldType = parseAvroSchema(old.schema);
    if (base === 'BACKWARD' || base === 'FULL') {
      const why = resolutionError(reader, oldType);
      if (why) messages.push(`${level}: the new schema cannot read data written with version ${old.version}: ${why}`);
    }
    if (base === 'FORWARD' || base === 'FULL') {
      const why = resolutionError(oldType, reader);
      if (why) messages.push(`${level}: version ${old.version} cannot read data written with the new schema: ${why}`);
    }
  }
  return messages.length === 0 ? { compatible: true } : { compatible: false, messages };
}

// ---------------------------------------------------------------------------------------------------------------
// State

export type StoredSchema = { readonly id: number; readonly schema: string; readonly canonical: string };
export type SubjectVersion = { readonly version: number; readonly id: number };

export type RegistryState = {
  nextId: number;
  /** By global id. */
  schemas: Record<string, StoredSchema>;
  /** Subject → versions, ascending. */
  subjects: Record<string, SubjectVersion[]>;
  globalCompatibility: CompatibilityLevel;
  subjectCompatibility: Record<string, CompatibilityLevel>;
};

const DATA_FORMAT = 'tixngo-bridge/schema-registry-test-double/v1';

function emptyState(globalCompatibility: CompatibilityLevel): RegistryState {
  return { nextId: 1, schemas: {}, subjects: {}, globalCompatibility, subjectCompatibility: {} };
}

function loadState(dataFile: string | undefined, globalCompatibility: CompatibilityLevel): RegistryState {
  if (!dataFile) return emptyState(globalCompatibility);
  let text: string;
  try {
    text = readFileSync(dataFile, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return emptyState(globalCompatibility);
    throw e;
  }
  const parsed = JSON.parse(text) as { format?: string; state?: RegistryState };
  if (parsed.format !== DATA_FORMAT || !parsed.state) {
    throw new Error(`${dataFile} is not a ${DATA_FORMAT} data file`);
  }
  return parsed.state;
}

function saveState(dataFile: string | undefined, state: RegistryState): void {
  if (!dataFile) return;
  mkdirSync(dirname(dataFile), { recursive: true });
  const tmp = `${dataFile}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify({ format: DATA_FORMAT, state }, null, 1));
  renameSync(tmp, dataFile); // atomic: a crash never leaves a half-written file
}

// ---------------------------------------------------------------------------------------------------------------
// HTTP

const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: number,
    message: string,
  ) {
    super(message);
  }
}

const subjectNotFound = (s: string) => new HttpError(404, 40401, `Subject '${s}' not found.`);
const versionNotFound = (v: string | number) => new HttpError(404, 40402, `Version ${v} not found.`);
const schemaNotFound = (what = 'Schema not found') => new HttpError(404, 40403, what);
const invalidSchema = (m: string) => new HttpError(422, 42201, m);

export type SchemaRegistryDouble = {
  readonly server: Server;
  /** Live state (mutated by requests); read it in tests, do not write it. */
  readonly state: RegistryState;
  /** Listens and resolves with the base URL, e.g. `http://127.0.0.1:40123`. */
  listen(port: number, host?: string): Promise<string>;
  close(): Promise<void>;
};

export type SchemaRegistryOptions = {
  /** JSON file the state is loaded from and saved to after every change (ids survive a restart). */
  dataFile?: string;
  /** Global compatibility level when the data file does not say otherwise. Default BACKWARD, as Confluent. */
  defaultCompatibility?: CompatibilityLevel;
};

export function createSchemaRegistry(options: SchemaRegistryOptions = {}): SchemaRegistryDouble {
  const { dataFile } = options;
  const state = loadState(dataFile, options.defaultCompatibility ?? 'BACKWARD');

  const levelOf = (subject: string): CompatibilityLevel => state.subjectCompatibility[subject] ?? state.globalCompatibility;

  function versionsOf(subject: string): SubjectVersion[] {
    const versions = state.subjects[subject];
    if (!versions || versions.length === 0) throw subjectNotFound(subject);
    return versions;
  }

  function schemaById(id: number): StoredSchema {
    const s = state.schemas[String(id)];
    if (!s) throw schemaNotFound(`Schema ${id} not found`);
    return s;
  }

  function findVersion(subject: string, versionParam: string): SubjectVersion {
    const versions = versionsOf(subject);
    if (versionParam === 'latest' || versionParam === '-1') return versions[versions.length - 1]!;
    if (!/^[1-9][0-9]*$/.test(versionParam)) {
      throw new HttpError(422, 42202, `The specified version '${versionParam}' is not a valid version id. Allowed values are between [1, 2^31-1] and the string "latest"`);
    }
    const found = versions.find((v) => v.version === Number(versionParam));
    if (!found) throw versionNotFound(versionParam);
    return found;
  }

  function versionBody(subject: string, v: SubjectVersion) {
    return { subject, version: v.version, id: v.id, schema: schemaById(v.id).schema };
  }

  /** Reads `{schema, schemaType?, references?}`; returns the schema text and its canonical form. */
  function schemaFromBody(body: unknown): { schema: string; canonical: string } {
    const b = (body ?? {}) as { schema?: unknown; schemaType?: unknown; references?: unknown };
    if (b.schemaType !== undefined && b.schemaType !== null && b.schemaType !== 'AVRO') {
      throw invalidSchema(`Invalid schema: schemaType ${String(b.schemaType)} is not supported by this test double (AVRO only)`);
    }
    if (Array.isArray(b.references) && b.references.length > 0) {
      throw invalidSchema('Invalid schema: schema references are not supported by this test double');
    }
    if (typeof b.schema !== 'string' || b.schema.trim() === '') throw invalidSchema('Invalid schema: "schema" must be a non-empty string');
    try {
      // Stored and served compact, as Confluent serves its canonical string; identity uses `canonical`.
      return { schema: JSON.stringify(JSON.parse(b.schema)), canonical: canonicalAvro(b.schema) };
    } catch (e) {
      if (e instanceof InvalidSchemaError) throw invalidSchema(e.message);
      throw e;
    }
  }

  function previousOf(subject: string): VersionedSchema[] {
    return (state.subjects[subject] ?? []).map((v) => ({ version: v.version, schema: schemaById(v.id).schema }));
  }

  function register(subject: string, body: unknown): { id: number } {
    const { schema, canonical } = schemaFromBody(body);
    const versions = state.subjects[subject] ?? [];
    const same = versions.find((v) => schemaById(v.id).canonical === canonical);
    if (same) return { id: same.id }; // already registered under this subject: same id, no new version
    const level = levelOf(subject);
    const result = checkCompatibility(level, schema, previousOf(subject));
    if (!result.compatible) {
      throw new HttpError(
        409,
        409,
        `Schema being registered is incompatible with an earlier schema for subject "${subject}", details: ${JSON.stringify(result.messages)}`,
      );
    }
    let stored = Object.values(state.schemas).find((s) => s.canonical === canonical);
    if (!stored) {
      stored = { id: state.nextId++, schema, canonical };
      state.schemas[String(stored.id)] = stored;
    }
    const version = (versions[versions.length - 1]?.version ?? 0) + 1;
    state.subjects[subject] = [...versions, { version, id: stored.id }];
    saveState(dataFile, state);
    return { id: stored.id };
  }

  function lookup(subject: string, body: unknown) {
    const versions = versionsOf(subject);
    const { canonical } = schemaFromBody(body);
    const found = versions.find((v) => schemaById(v.id).canonical === canonical);
    if (!found) throw schemaNotFound();
    return versionBody(subject, found);
  }

  function testCompatibility(subject: string, versionParam: string | undefined, body: unknown, verbose: boolean) {
    const { schema } = schemaFromBody(body);
    const level = levelOf(subject);
    let previous: VersionedSchema[];
    if (versionParam === undefined || versionParam === 'latest' || versionParam === '-1') {
      versionsOf(subject);
      previous = previousOf(subject); // the level decides latest-only or all (transitive)
    } else {
      const v = findVersion(subject, versionParam);
      previous = [{ version: v.version, schema: schemaById(v.id).schema }];
    }
    const result = checkCompatibility(level, schema, previous);
    const out: { is_compatible: boolean; messages?: readonly string[] } = { is_compatible: result.compatible };
    if (verbose) out.messages = result.compatible ? [] : result.messages;
    return out;
  }

  function parseLevel(body: unknown): CompatibilityLevel {
    const level = (body as { compatibility?: unknown } | null)?.compatibility;
    if (typeof level === 'string' && isCompatibilityLevel(level.toUpperCase())) return level.toUpperCase() as CompatibilityLevel;
    throw new HttpError(422, 42203, `Invalid compatibility level. Valid values are ${COMPATIBILITY_LEVELS.join(', ')}`);
  }

  function deleteSubject(subject: string): number[] {
    const versions = versionsOf(subject);
    delete state.subjects[subject];
    delete state.subjectCompatibility[subject];
    saveState(dataFile, state);
    return versions.map((v) => v.version);
  }

  function deleteVersion(subject: string, versionParam: string): number {
    const v = findVersion(subject, versionParam);
    const rest = versionsOf(subject).filter((x) => x.version !== v.version);
    if (rest.length === 0) delete state.subjects[subject];
    else state.subjects[subject] = rest;
    saveState(dataFile, state);
    return v.version;
  }

  /** Routes one request; returns the JSON body of a 200 response or throws HttpError. */
  function route(method: string, path: string, query: URLSearchParams, body: unknown): unknown {
    const parts = path.split('/').filter((p) => p !== '').map((p) => decodeURIComponent(p));
    const [a, b, c, d, e] = parts;
    const n = parts.length;
    const is = (m: string) => method === m;

    if (n === 0 && is('GET')) return {};
    if (a === 'schemas') {
      if (n === 2 && b === 'types' && is('GET')) return ['AVRO'];
      if (b === 'ids' && c !== undefined && /^[0-9]+$/.test(c) && is('GET')) {
        const s = schemaById(Number(c));
        if (n === 3) return { schema: s.schema };
        if (n === 4 && d === 'schema') return JSON.parse(s.schema) as unknown;
        if (n === 4 && d === 'versions') {
          return Object.entries(state.subjects).flatMap(([subject, vs]) =>
            vs.filter((v) => v.id === s.id).map((v) => ({ subject, version: v.version })),
          );
        }
      }
    }
    if (a === 'subjects') {
      if (n === 1 && is('GET')) return Object.keys(state.subjects).filter((s) => state.subjects[s]!.length > 0).sort();
      if (b !== undefined && n === 2) {
        if (is('POST')) return lookup(b, body);
        if (is('DELETE')) return deleteSubject(b);
      }
      if (b !== undefined && c === 'versions') {
        if (n === 3 && is('GET')) return versionsOf(b).map((v) => v.version);
        if (n === 3 && is('POST')) return register(b, body);
        if (n === 4 && d !== undefined && is('GET')) return versionBody(b, findVersion(b, d));
        if (n === 4 && d !== undefined && is('DELETE')) return deleteVersion(b, d);
        if (n === 5 && d !== undefined && e === 'schema' && is('GET')) return JSON.parse(schemaById(findVersion(b, d).id).schema) as unknown;
      }
    }
    if (a === 'config') {
      if (n === 1 && is('GET')) return { compatibilityLevel: state.globalCompatibility };
      if (n === 1 && is('PUT')) {
        state.globalCompatibility = parseLevel(body);
        saveState(dataFile, state);
        return { compatibility: state.globalCompatibility };
      }
      if (n === 2 && b !== undefined) {
        if (is('GET')) {
          const level = state.subjectCompatibility[b];
          if (level) return { compatibilityLevel: level };
          if (query.get('defaultToGlobal') === 'true') return { compatibilityLevel: state.globalCompatibility };
          // What @kafkajs/confluent-schema-registry's register() relies on to detect a first registration.
          throw new HttpError(404, 40408, `Subject '${b}' does not have subject-level compatibility configured`);
        }
        if (is('PUT')) {
          state.subjectCompatibility[b] = parseLevel(body);
          saveState(dataFile, state);
          return { compatibility: state.subjectCompatibility[b] };
        }
        if (is('DELETE')) {
          const previous = levelOf(b);
          delete state.subjectCompatibility[b];
          saveState(dataFile, state);
          return { compatibilityLevel: previous };
        }
      }
    }
    if (a === 'compatibility' && b === 'subjects' && c !== undefined && d === 'versions' && is('POST')) {
      const verbose = query.get('verbose') === 'true';
      if (n === 4) return testCompatibility(c, undefined, body, verbose);
      if (n === 5 && e !== undefined) return testCompatibility(c, e, body, verbose);
    }
    throw new HttpError(404, 404, 'HTTP 404 Not Found');
  }

  function send(res: ServerResponse, status: number, payload: unknown): void {
    const text = JSON.stringify(payload);
    res.writeHead(status, { 'Content-Type': CONTENT_TYPE, 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://registry.invalid');
    try {
      let body: unknown = undefined;
      if (raw.trim() !== '') {
        try {
          body = JSON.parse(raw);
        } catch {
          throw new HttpError(400, 400, 'Unrecognized request body: not JSON');
        }
      }
      send(res, 200, route(req.method ?? 'GET', url.pathname, url.searchParams, body));
    } catch (err) {
      if (err instanceof HttpError) {
        send(res, err.status, { error_code: err.errorCode, message: err.message });
      } else {
        send(res, 500, { error_code: 50001, message: `Error in the backend data store: ${(err as Error).message}` });
      }
    }
  }

  const server = createServer((req, res) => {
    void handle(req, res);
  });

  return {
    server,
    state,
    listen(port, host = '127.0.0.1') {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          const address = server.address();
          if (address === null || typeof address === 'string') return reject(new Error('unexpected server address'));
          resolve(`http://${host}:${address.port}`);
        });
      });
    },
    close() {
      return new Promise((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      });
    },
  };
}
