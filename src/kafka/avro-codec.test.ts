import { ConfluentSchemaRegistryArgumentError, ConfluentSchemaRegistryError } from '@kafkajs/confluent-schema-registry/dist/errors';
import { FatalError, PoisonMessageError, TransientError } from '../shared/errors';
import { SchemaNotRegisteredError, toRegistryError } from './avro-codec';

/** An HTTP answer as the client library rejects it. */
const answered = (status: number) => Object.assign(new Error(`Error, status ${status}`), { status });

describe('avro-codec', () => {
  describe('toRegistryError', () => {
    it.each<[string, unknown, boolean, abstract new (...args: never[]) => Error, string]>([
      ["a record's writer schema answered 404", answered(404), false, PoisonMessageError, 'AVRO_UNKNOWN_SCHEMA'],
      [
        'our output schema not found by the client library',
        new ConfluentSchemaRegistryError(answered(404)),
        true,
        SchemaNotRegisteredError,
        'SCHEMA_NOT_REGISTERED',
      ],
      ['our output schema answered 404', answered(404), true, SchemaNotRegisteredError, 'SCHEMA_NOT_REGISTERED'],
      ['the registry answering 503', answered(503), false, TransientError, 'SCHEMA_REGISTRY_UNAVAILABLE'],
      ['the registry answering 503 for our schema', answered(503), true, TransientError, 'SCHEMA_REGISTRY_UNAVAILABLE'],
      ['the registry unreachable', Object.assign(new Error('fetch failed'), { code: 'ECONNREFUSED' }), false, TransientError, 'SCHEMA_REGISTRY_UNAVAILABLE'],
      [
        "a subclass of the library's error (not a 404)",
        new ConfluentSchemaRegistryArgumentError('Invalid buffer'),
        false,
        TransientError,
        'SCHEMA_REGISTRY_UNAVAILABLE',
      ],
    ])('%s', (_, error, ours, type, code) => {
      const converted = toRegistryError(error, { ours, message: 'not there' });
      expect(converted).toBeInstanceOf(type);
      expect(converted.code).toBe(code);
    });

    it('makes a missing output schema fatal: the role stops', () => {
      expect(toRegistryError(answered(404), { ours: true, message: 'register the schemas first' })).toBeInstanceOf(FatalError);
    });
  });
});
