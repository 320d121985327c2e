import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import type * as avro from 'avsc';
import { ConfluentSchemaRegistryError } from '@kafkajs/confluent-schema-registry/dist/errors';
import { FatalError, PoisonMessageError, TransientError, type BridgeError } from '../shared/errors';
import { avroType, LOGICAL_TYPES } from './avro-types';

/** The Avro contracts kept in `schemas/`, by file stem. */
export type SchemaName = 'ticket-printed-eligible' | 'ticket-cancelled' | 'ticket-controlled' | 'ticket-printed' | 'holder-updated';

export const SCHEMAS_DIR = join(__dirname, '..', '..', 'schemas');

export function readSchema(name: SchemaName, dir = SCHEMAS_DIR): avro.Schema {
  return JSON.parse(readFileSync(join(dir, `${name}.avsc`), 'utf8')) as avro.Schema;
}

/** Subject naming: Confluent's TopicNameStrategy, `<topic>-value`. */
export const valueSubject = (topic: string) => `${topic}-value`;

const MAGIC_BYTE = 0;

export interface RegistrySettings {
  readonly url: string;
  readonly auth?: { readonly username: string; readonly password: string };
}

/**
 * Confluent wire format (magic byte, 4-byte schema id, Avro body) through the Schema Registry.
 * Decoding resolves the writer's schema into our reader schema, so producers may evolve compatibly.
 *
 * Errors: `PoisonMessageError` for bytes that can never decode (bad framing, unknown schema id,
 * a writer schema that cannot be read as ours, a corrupt body); `TransientError` when the registry
 * itself cannot be reached — that must not dead-letter a healthy message.
 */
export class AvroCodec {
  readonly registry: SchemaRegistry;
  private readonly readers = new Map<SchemaName, avro.Type>();
  private readonly resolvers = new Map<string, avro.Resolver | 'same'>();
  private readonly writerIds = new Map<string, number>();
  /**
   * One lookup per writer schema id. The registry client shares the HTTP request of concurrent cache
   * misses but then builds the Avro type once per caller: at start-up with a backlog that is a
   * thousand type compilations (seconds of CPU) for one schema id.
   */
  private readonly writers = new Map<number, Promise<avro.Type>>();
  /** The writer types `writers` resolved to. */
  private readonly knownWriters = new Map<number, avro.Type>();

  constructor(
    settings: RegistrySettings,
    private readonly schemasDir = SCHEMAS_DIR,
  ) {
    this.registry = new SchemaRegistry(
      { host: settings.url, ...(settings.auth ? { auth: settings.auth } : {}), retry: { retries: 2 } },
      { [SchemaType.AVRO]: { logicalTypes: LOGICAL_TYPES } },
    );
  }

  reader(name: SchemaName): avro.Type {
    let t = this.readers.get(name);
    if (!t) {
      t = avroType(readSchema(name, this.schemasDir));
      this.readers.set(name, t);
    }
    return t;
  }

  /**
   * Decodes one record. Once its writer schema is known (every record after the first of a schema id)
   * nothing is awaited: the promise is settled when it is returned.
   */
  decode(value: Buffer | null, as: SchemaName): Promise<unknown> {
    try {
      const schemaId = schemaIdOf(value);
      const writer = this.knownWriters.get(schemaId);
      if (writer) return Promise.resolve(this.read(value!, schemaId, writer, as));
      return this.writerType(schemaId).then((w) => this.read(value!, schemaId, w, as));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  private read(value: Buffer, schemaId: number, writer: avro.Type, as: SchemaName): unknown {
    const reader = this.reader(as);
    const key = `${as}:${schemaId}`;
    let resolver = this.resolvers.get(key);
    if (!resolver) {
      try {
        resolver = writer.equals(reader) ? 'same' : reader.createResolver(writer);
      } catch {
        throw new PoisonMessageError('AVRO_SCHEMA_MISMATCH', `schema id ${schemaId} cannot be read as ${as} (not a compatible version of that contract)`);
      }
      this.resolvers.set(key, resolver);
    }
    try {
      return resolver === 'same' ? reader.fromBuffer(value.subarray(5)) : reader.fromBuffer(value.subarray(5), resolver);
    } catch (e) {
      // avsc messages name the failing construct, never the decoded values.
      throw new PoisonMessageError('AVRO_DECODE', `body does not decode with schema id ${schemaId}: ${(e as Error).message}`);
    }
  }

  /**
   * The registry id of our own version of `as` under `<topic>-value`, looked up once. Roles call it
   * at start-up so that an unregistered output schema stops the role before it consumes anything.
   */
  async writerId(topic: string, as: SchemaName): Promise<number> {
    const subject = valueSubject(topic);
    let id = this.writerIds.get(subject);
    if (id === undefined) {
      try {
        id = await this.registry.getRegistryIdBySchema(subject, {
          type: SchemaType.AVRO,
          schema: JSON.stringify(readSchema(as, this.schemasDir)),
        });
      } catch (e) {
        throw toRegistryError(e, { ours: true, message: `schema ${as} is not registered under ${subject}; register the schemas first` });
      }
      this.writerIds.set(subject, id);
    }
    return id;
  }

  /** Encodes in the Confluent wire format with our schema version's id for `topic`. */
  async encode(topic: string, as: SchemaName, payload: unknown): Promise<Buffer> {
    return (await this.encoder(topic, as))(payload);
  }

  /**
   * `encode` for many payloads of one topic and schema: the id is looked up once, then each payload
   * is encoded without waiting (the same bytes as `encode`).
   */
  async encoder(topic: string, as: SchemaName): Promise<(payload: unknown) => Buffer> {
    const id = await this.writerId(topic, as);
    const type = this.reader(as);
    return (payload) => {
      const body = type.toBuffer(payload);
      const framed = Buffer.allocUnsafe(5 + body.length);
      framed.writeUInt8(MAGIC_BYTE, 0);
      framed.writeInt32BE(id, 1);
      body.copy(framed, 5);
      return framed;
    };
  }

  private writerType(schemaId: number): Promise<avro.Type> {
    let writer = this.writers.get(schemaId);
    if (!writer) {
      writer = this.registry.getSchema(schemaId).then(
        (schema) => {
          this.knownWriters.set(schemaId, schema as unknown as avro.Type);
          return schema as unknown as avro.Type;
        },
        (e: unknown) => {
          this.writers.delete(schemaId); // unknown now, or the registry away: ask again next time
          throw toRegistryError(e, { ours: false, message: `schema id ${schemaId} is unknown to the registry` });
        },
      );
      this.writers.set(schemaId, writer);
    }
    return writer;
  }
}

/** The schema id of a Confluent Avro frame; a poison error when it is not one. */
function schemaIdOf(value: Buffer | null): number {
  if (!value || value.length < 5) {
    throw new PoisonMessageError('AVRO_BAD_FRAME', `value has ${value?.length ?? 0} bytes, expected a Confluent Avro frame`);
  }
  if (value[0] !== MAGIC_BYTE) {
    throw new PoisonMessageError('AVRO_BAD_FRAME', `value starts with byte ${value[0]}, expected the magic byte 0`);
  }
  return value.readInt32BE(1);
}

/** An output schema is missing from the registry: a deployment step was skipped. */
export class SchemaNotRegisteredError extends FatalError {
  constructor(message: string) {
    super('SCHEMA_NOT_REGISTERED', message);
  }
}

/**
 * The registry's one conversion point. Not found (HTTP 404, or the client library's own error for it,
 * which is exactly its base class: its subclasses name bad arguments) is poison for a record's writer
 * schema and fatal for our own output schema (`ours`: a deployment step was skipped); any other
 * failure means the registry is away: transient.
 */
export function toRegistryError(e: unknown, notFound: { readonly ours: boolean; readonly message: string }): BridgeError {
  const status = (e as { status?: unknown }).status;
  const libraryNotFound = e instanceof ConfluentSchemaRegistryError && Object.getPrototypeOf(e) === ConfluentSchemaRegistryError.prototype;
  if (status === 404 || libraryNotFound) {
    return notFound.ours ? new SchemaNotRegisteredError(notFound.message) : new PoisonMessageError('AVRO_UNKNOWN_SCHEMA', notFound.message);
  }
  return new TransientError(
    'SCHEMA_REGISTRY_UNAVAILABLE',
    `schema registry request failed${typeof status === 'number' ? ` with status ${status}` : ''}`,
    undefined,
    { cause: e },
  );
}
