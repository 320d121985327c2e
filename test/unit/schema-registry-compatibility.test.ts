import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  canonicalAvro,
  checkCompatibility,
  InvalidSchemaError,
  type CompatibilityLevel,
  type VersionedSchema,
} from '../support/schema-registry/registry';

type Field = { name: string; type: unknown; default?: unknown; doc?: string };
type RecordSchema = { type: 'record'; name: string; namespace?: string; doc?: string; fields: Field[] };

const ticketControlled = JSON.parse(
  readFileSync(join(__dirname, '..', '..', 'schemas', 'ticket-controlled.avsc'), 'utf8'),
) as RecordSchema;

const text = (s: RecordSchema): string => JSON.stringify(s);
const v = (version: number, s: RecordSchema): VersionedSchema => ({ version, schema: text(s) });
const withField = (s: RecordSchema, f: Field): RecordSchema => ({ ...s, fields: [...s.fields, f] });
const withoutField = (s: RecordSchema, name: string): RecordSchema => ({ ...s, fields: s.fields.filter((f) => f.name !== name) });
const mapField = (s: RecordSchema, name: string, change: (f: Field) => Field): RecordSchema => ({
  ...s,
  fields: s.fields.map((f) => (f.name === name ? change(f) : f)),
});

const base = ticketControlled;
const optionalAdded = withField(base, { name: 'gate', type: ['null', 'string'], default: null });
const requiredAdded = withField(base, { name: 'gate', type: 'string' });
const requiredRemoved = withoutField(base, 'controlledAt'); // no default in the base schema
const defaultedRemoved = withoutField(base, 'reprintGeneration'); // has a default in the base schema
const typeChanged = mapField(base, 'organizationCode', (f) => ({ ...f, type: 'int' }));
const intWidened = mapField(base, 'reprintGeneration', (f) => ({ ...f, type: 'long' }));
const enumSymbolRemoved = mapField(base, 'controlSource', (f) => ({
  ...f,
  type: { type: 'enum', name: 'ControlSource', symbols: ['ACCESS_CONTROL'] },
}));
const renamed: RecordSchema = { ...base, name: 'TicketChecked' };

describe('schema registry test double', () => {
  describe('checkCompatibility', () => {
    // One row per change against the base schema (the registered latest version), for each level.
    // true = accepted, false = refused. BACKWARD: new reads old. FORWARD: old reads new. FULL: both.
    it.each([
      { change: 'identical schema', candidate: base, backward: true, forward: true, full: true },
      { change: 'adds an optional field with default null', candidate: optionalAdded, backward: true, forward: true, full: true },
      { change: 'adds a required field without default', candidate: requiredAdded, backward: false, forward: true, full: false },
      { change: 'removes a required field', candidate: requiredRemoved, backward: true, forward: false, full: false },
      { change: 'removes a field that has a default', candidate: defaultedRemoved, backward: true, forward: true, full: true },
      { change: 'changes a field type string -> int', candidate: typeChanged, backward: false, forward: false, full: false },
      { change: 'widens int -> long (promotion)', candidate: intWidened, backward: true, forward: false, full: false },
      { change: 'removes an enum symbol', candidate: enumSymbolRemoved, backward: false, forward: true, full: false },
      { change: 'renames the record', candidate: renamed, backward: false, forward: false, full: false },
    ])('$change: BACKWARD $backward, FORWARD $forward, FULL $full', ({ candidate, backward, forward, full }) => {
      // Each row is a change against the registered latest version (the base schema); true = accepted.
      // BACKWARD: the new schema reads old data. FORWARD: the old schema reads new data. FULL: both.
      const previous = [v(1, base)];
      expect(checkCompatibility('BACKWARD', text(candidate), previous).compatible).toBe(backward);
      expect(checkCompatibility('FORWARD', text(candidate), previous).compatible).toBe(forward);
      expect(checkCompatibility('FULL', text(candidate), previous).compatible).toBe(full);
      expect(checkCompatibility('NONE', text(candidate), previous).compatible).toBe(true);
    });

    it('accepts anything valid as the first version of a subject, whatever the level', () => {
      for (const level of ['BACKWARD', 'FORWARD', 'FULL_TRANSITIVE'] as CompatibilityLevel[]) {
        expect(checkCompatibility(level, text(requiredAdded), []).compatible).toBe(true);
      }
    });

    it('explains a refusal with the version and the field concerned', () => {
      const result = checkCompatibility('BACKWARD', text(requiredAdded), [v(1, base)]);
      expect(result).toEqual({
        compatible: false,
        messages: [expect.stringMatching(/BACKWARD: the new schema cannot read data written with version 1: .*gate/)],
      });
    });

    it.each<[CompatibilityLevel, boolean]>([
      ['BACKWARD', true],
      ['BACKWARD_TRANSITIVE', false],
    ])('%s looks at the latest version only unless transitive (new field without default): compatible=%s', (level, expected) => {
      // v2 added `gate` with a default; the candidate drops the default. It reads v2 data (which always carries
      // `gate`) but not v1 data (no `gate`, nothing to fill it with).
      const v2 = withField(base, { name: 'gate', type: 'string', default: 'A' });
      const candidate = withField(base, { name: 'gate', type: 'string' });
      expect(checkCompatibility(level, text(candidate), [v(1, base), v(2, v2)]).compatible).toBe(expected);
    });

    it.each<[CompatibilityLevel, boolean]>([
      ['FORWARD', true],
      ['FORWARD_TRANSITIVE', false],
      ['FULL', true],
      ['FULL_TRANSITIVE', false],
    ])('%s looks at the latest version only unless transitive (removed field): compatible=%s', (level, expected) => {
      // v2 gave the required `controlledAt` a default; the candidate removes it. v2 can read candidate data (the
      // default fills the gap), v1 cannot; and the candidate reads both (an extra written field is skipped).
      const v2 = mapField(base, 'controlledAt', (f) => ({ ...f, default: 0 }));
      const candidate = withoutField(base, 'controlledAt');
      expect(checkCompatibility(level, text(candidate), [v(1, base), v(2, v2)]).compatible).toBe(expected);
    });

    it('throws InvalidSchemaError for text that is not an Avro schema', () => {
      expect(() => checkCompatibility('BACKWARD', '{"type":"record","name":"X"}', [])).toThrow(InvalidSchemaError);
      expect(() => checkCompatibility('BACKWARD', 'not json', [])).toThrow(InvalidSchemaError);
    });
  });

  describe('canonicalAvro', () => {
    it('ignores whitespace and key order, so the same schema gets the same id', () => {
      const reordered = JSON.stringify({ fields: base.fields, namespace: base.namespace, name: base.name, doc: base.doc, type: 'record' });
      expect(canonicalAvro(JSON.stringify(base, null, 2))).toBe(canonicalAvro(reordered));
    });

    it('keeps logical types, defaults and docs, so schemas differing only there get distinct ids', () => {
      const noLogical = mapField(base, 'controlledAt', (f) => ({ ...f, type: 'long' }));
      const otherDefault = mapField(base, 'reprintGeneration', (f) => ({ ...f, default: 1 }));
      const otherDoc = { ...base, doc: 'changed' };
      for (const changed of [noLogical, otherDefault, otherDoc]) {
        expect(canonicalAvro(text(changed))).not.toBe(canonicalAvro(text(base)));
      }
      expect(canonicalAvro(text(base))).toContain('"logicalType":"timestamp-millis"');
    });
  });
});
