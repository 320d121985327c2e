/**
 * Schema evolution against the registry named by SCHEMA_REGISTRY_URL (Apicurio Registry's Confluent-compatible
 * API in the local stack and in containers, Confluent's registry with docker-compose), through the client the
 * service uses.
 *
 * What each compatibility level refuses (the registered latest version is "old", the candidate is "new"):
 * - BACKWARD (the default): new must read data written with old. Refuses a new field without a default and a changed
 *   type; ACCEPTS removing a field (the reader just ignores it).
 * - FORWARD: old must read data written with new. Refuses removing a field that has no default; accepts a new
 *   required field (old readers skip it).
 * - FULL: both, so it refuses all of the above. Adding or removing a field is only allowed when it has a default.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { COMPATIBILITY, SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { unique } from '../support/unique';

type Field = { name: string; type: unknown; default?: unknown; doc?: string };
type RecordSchema = { type: 'record'; name: string; namespace: string; fields: Field[] };

const TICKET_CONTROLLED_TEXT = readFileSync(join(__dirname, '..', '..', 'schemas', 'ticket-controlled.avsc'), 'utf8');
const ticketControlled = JSON.parse(TICKET_CONTROLLED_TEXT) as RecordSchema;

const avro = (schema: RecordSchema | string): { type: SchemaType.AVRO; schema: string } => ({
  type: SchemaType.AVRO,
  schema: typeof schema === 'string' ? schema : JSON.stringify(schema),
});
const withField = (s: RecordSchema, f: Field): RecordSchema => ({ ...s, fields: [...s.fields, f] });
const withoutField = (s: RecordSchema, name: string): RecordSchema => ({ ...s, fields: s.fields.filter((f) => f.name !== name) });

const registryUrl = (): string => {
  const url = process.env.SCHEMA_REGISTRY_URL;
  if (!url) throw new Error('SCHEMA_REGISTRY_URL is not set (globalSetup sets it)');
  return url.replace(/\/+$/, '');
};

/** A client with an empty cache, as a separate process (the consumer) would have. */
const newClient = () => new SchemaRegistry({ host: registryUrl() });

const aControlledTicket = () => ({
  ticketId: 'T-000123',
  reprintGeneration: 1,
  controlledAt: Date.UTC(2026, 5, 11, 18, 30, 0),
  controlSource: 'ACCESS_CONTROL',
  organizationCode: 'FIFA',
  shipmentMode: 'MOBILE',
  taxNumber: 'TX-42',
  // The optional print-state fields (v2), set so the round trip covers them too.
  printedPosCode: 'TIXNGO',
  printedAt: Date.UTC(2026, 5, 1, 9, 0, 0),
});

describe('schema registry (SCHEMA_REGISTRY_URL)', () => {
  it('registers schemas/ticket-controlled.avsc, returning an id that lookups agree on', async () => {
    const registry = newClient();
    const subject = unique('ticket-controlled-value');

    const { id } = await registry.register(avro(TICKET_CONTROLLED_TEXT), { subject });

    expect(Number.isInteger(id) && id > 0).toBe(true);
    expect(await registry.getLatestSchemaId(subject)).toBe(id);
    expect(await registry.getRegistryIdBySchema(subject, avro(TICKET_CONTROLLED_TEXT))).toBe(id);
    // Registering the identical schema again (even reformatted) is a no-op returning the same id.
    expect((await registry.register(avro(JSON.stringify(ticketControlled)), { subject })).id).toBe(id);
    const versions = (await (await fetch(`${registryUrl()}/subjects/${encodeURIComponent(subject)}/versions`)).json()) as number[];
    expect(versions).toEqual([1]);
  });

  it('encodes and decodes a real message through the registry (Confluent wire format)', async () => {
    const subject = unique('ticket-controlled-value');
    const { id } = await newClient().register(avro(TICKET_CONTROLLED_TEXT), { subject });
    const event = aControlledTicket();

    const encoded = await newClient().encode(id, event);
    // magic byte 0, then the 4-byte big-endian schema id, then the Avro body
    expect(encoded[0]).toBe(0);
    expect(encoded.readInt32BE(1)).toBe(id);

    // A client that never saw the schema fetches it by id (GET /schemas/ids/{id}) to decode.
    expect(await newClient().decode(encoded)).toEqual(event);
  });

  describe('BACKWARD (the default level)', () => {
    it('accepts a new optional field ["null","string"] with default null, and old data decodes with it', async () => {
      const registry = newClient();
      const subject = unique('ticket-controlled-value');
      const v1 = await registry.register(avro(ticketControlled), { subject });
      const oldMessage = await registry.encode(v1.id, aControlledTicket());

      const evolved = withField(ticketControlled, { name: 'gate', type: ['null', 'string'], default: null });
      const v2 = await registry.register(avro(evolved), { subject });

      expect(v2.id).not.toBe(v1.id);
      expect(await registry.getLatestSchemaId(subject)).toBe(v2.id);
      // The point of BACKWARD: a consumer on the new schema reads data produced with the old one.
      const decoded = await newClient().decode(oldMessage, { [SchemaType.AVRO]: { readerSchema: evolved } });
      expect(decoded).toEqual({ ...aControlledTicket(), gate: null });
    });

    it.each([
      ['a new required field without default', withField(ticketControlled, { name: 'gate', type: 'string' })],
      [
        'a changed field type (string -> int)',
        { ...ticketControlled, fields: ticketControlled.fields.map((f) => (f.name === 'shipmentMode' ? { ...f, type: 'int' } : f)) },
      ],
    ])('refuses %s with HTTP 409', async (_change, incompatible) => {
      const registry = newClient();
      const subject = unique('ticket-controlled-value');
      await registry.register(avro(ticketControlled), { subject });

      await expect(registry.register(avro(incompatible), { subject })).rejects.toMatchObject({ status: 409 });

      // The same verdict from the compatibility endpoint, and nothing was registered.
      const check = await fetch(`${registryUrl()}/compatibility/subjects/${encodeURIComponent(subject)}/versions/latest`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/vnd.schemaregistry.v1+json' },
        body: JSON.stringify({ schema: JSON.stringify(incompatible) }),
      });
      expect(check.status).toBe(200);
      expect(await check.json()).toMatchObject({ is_compatible: false });
      const versions = (await (await fetch(`${registryUrl()}/subjects/${encodeURIComponent(subject)}/versions`)).json()) as number[];
      expect(versions).toEqual([1]);
    });

    it('accepts removing a required field: the new reader simply ignores it in old data', async () => {
      const registry = newClient();
      const subject = unique('ticket-controlled-value');
      await registry.register(avro(ticketControlled), { subject });

      const { id } = await registry.register(avro(withoutField(ticketControlled, 'taxNumber')), { subject });

      expect(await registry.getLatestSchemaId(subject)).toBe(id);
    });
  });

  describe('holder-updated, second and third versions', () => {
    const current = JSON.parse(readFileSync(join(__dirname, '..', '..', 'schemas', 'holder-updated.avsc'), 'utf8')) as RecordSchema;
    const addedInSecond = ['transferRecipient', 'action', 'eventId'];
    const addedInThird = ['organizerId'];
    const without = (names: readonly string[]): RecordSchema => ({ ...current, fields: current.fields.filter((f) => !names.includes(f.name)) });
    const first = without([...addedInSecond, ...addedInThird]);
    const second = without(addedInThird);
    const anEvent = (over: Record<string, unknown> = {}) => ({
      ticketId: 'T-1',
      tixngoStatus: 'PENDING_TRANSFER',
      walletOwner: null,
      ticketHolder: null,
      previousOwner: null,
      version: 4,
      changedAt: Date.UTC(2026, 5, 1, 10, 0, 0),
      observedAt: Date.UTC(2026, 5, 1, 10, 0, 5),
      ...over,
    });

    it('the second is accepted over the first (BACKWARD), and each version reads what the other wrote', async () => {
      expect(current.fields.slice(-4).map((f) => [f.name, f.default])).toEqual([...addedInSecond, ...addedInThird].map((name) => [name, null]));
      const registry = newClient();
      const subject = unique('holder-updated-value');
      const v1 = await registry.register(avro(first), { subject });
      const oldEvent = await registry.encode(v1.id, anEvent());

      const v2 = await registry.register(avro(second), { subject });

      expect(v2.id).not.toBe(v1.id);
      expect(await registry.getLatestSchemaId(subject)).toBe(v2.id);
      const recipient = {
        id: null,
        title: null,
        firstName: null,
        lastName: null,
        email: 'next@example.test',
        phone: null,
        birthDate: null,
        nationality: null,
        idNumber: null,
        countryOfResidence: null,
        languageCode: null,
      };
      const newEvent = await registry.encode(v2.id, anEvent({ transferRecipient: recipient, action: 'START_TRANSFER', eventId: 'EV-1' }));
      // A consumer still on the first version reads the new events (it skips the new fields)…
      expect(await newClient().decode(newEvent, { [SchemaType.AVRO]: { readerSchema: first } })).toEqual(anEvent());
      // …and one on the second version reads the old events, with the new fields null.
      expect(await newClient().decode(oldEvent, { [SchemaType.AVRO]: { readerSchema: second } })).toEqual(
        anEvent({ transferRecipient: null, action: null, eventId: null }),
      );
    });

    it('the third (the organizer) is accepted over the first two, and readers of each version read the others', async () => {
      const registry = newClient();
      const subject = unique('holder-updated-value');
      const v1 = await registry.register(avro(first), { subject });
      const v2 = await registry.register(avro(second), { subject });
      const older = await registry.encode(v2.id, anEvent({ transferRecipient: null, action: 'START_TRANSFER', eventId: 'EV-1' }));

      const v3 = await registry.register(avro(current), { subject });

      expect(new Set([v1.id, v2.id, v3.id]).size).toBe(3);
      const newer = await registry.encode(v3.id, anEvent({ transferRecipient: null, action: 'START_TRANSFER', eventId: 'EV-1', organizerId: 'org-1' }));
      expect(await newClient().decode(newer, { [SchemaType.AVRO]: { readerSchema: first } })).toEqual(anEvent());
      expect(await newClient().decode(newer, { [SchemaType.AVRO]: { readerSchema: second } })).toEqual(
        anEvent({ transferRecipient: null, action: 'START_TRANSFER', eventId: 'EV-1' }),
      );
      expect(await newClient().decode(older, { [SchemaType.AVRO]: { readerSchema: current } })).toEqual(
        anEvent({ transferRecipient: null, action: 'START_TRANSFER', eventId: 'EV-1', organizerId: null }),
      );
    });
  });

  describe.each([COMPATIBILITY.FORWARD, COMPATIBILITY.FULL])('%s', (level) => {
    it('refuses removing a required field (old readers could not fill it), with HTTP 409', async () => {
      const registry = newClient();
      const subject = unique('ticket-controlled-value');
      // First registration with `compatibility` makes the client PUT /config/{subject} to this level.
      await registry.register(avro(ticketControlled), { subject, compatibility: level });
      const config = await fetch(`${registryUrl()}/config/${encodeURIComponent(subject)}`);
      expect(await config.json()).toMatchObject({ compatibilityLevel: level });

      const removed = withoutField(ticketControlled, 'controlledAt'); // required: no default in the real schema
      const error = await registry.register(avro(removed), { subject, compatibility: level }).then(
        () => null,
        (e: unknown) => e as { status?: number; message?: string },
      );

      expect(error).toMatchObject({ status: 409 });
      expect(error?.message).toMatch(/incompatible/i);
    });

    it('accepts a new optional field with default null', async () => {
      const registry = newClient();
      const subject = unique('ticket-controlled-value');
      await registry.register(avro(ticketControlled), { subject, compatibility: level });

      const evolved = withField(ticketControlled, { name: 'gate', type: ['null', 'string'], default: null });
      const { id } = await registry.register(avro(evolved), { subject, compatibility: level });

      expect(await registry.getLatestSchemaId(subject)).toBe(id);
    });
  });
});
