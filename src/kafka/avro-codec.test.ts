import { ConfluentSchemaRegistryArgumentError, ConfluentSchemaRegistryError } from '@kafkajs/confluent-schema-registry/dist/errors';
import { FatalError, PoisonMessageError, TransientError } from '../shared/errors';
import { AvroCodec, SchemaNotRegisteredError, toRegistryError } from './avro-codec';

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

  describe('encoder', () => {
    it('frames each payload as encode does (magic byte, schema id, Avro body), asking the registry once', async () => {
      const codec = new AvroCodec({ url: 'http://registry.invalid' });
      const lookup = jest.spyOn(codec.registry, 'getRegistryIdBySchema').mockResolvedValue(0x01020304);
      const printed = (ticketId: string) => ({
        ticketId,
        reprintGeneration: 2,
        printedAt: new Date(Date.UTC(2027, 0, 1)),
        salesChannelCode: 'BRIDGE',
        posCode: 'POS',
        simulated: false,
      });
      const encode = await codec.encoder('printed', 'ticket-printed');
      const body = codec.reader('ticket-printed').toBuffer(printed('T1'));
      const framed = Buffer.concat([Buffer.from([0, 1, 2, 3, 4]), body]);
      expect(encode(printed('T1'))).toEqual(framed);
      expect(await codec.encode('printed', 'ticket-printed', printed('T1'))).toEqual(framed);
      expect(encode(printed('T22')).subarray(5)).toEqual(codec.reader('ticket-printed').toBuffer(printed('T22')));
      expect(lookup).toHaveBeenCalledTimes(1);
    });
  });
});
