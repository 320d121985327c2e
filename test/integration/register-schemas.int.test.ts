/**
 * `register-schemas` as an operator runs it, against the registry named by SCHEMA_REGISTRY_URL, and
 * what the registry then refuses on the subjects the bridge reads. Producers are played by a plain
 * registry client, as the ticketing core would register its schemas.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readSchema, valueSubject } from '../../src/kafka/avro-codec';
import { effectiveCompatibility, INPUT_SUBJECT_COMPATIBILITY } from '../../src/kafka/registry-rest';
import { registerSchemas as registerInProcess, subjects } from '../../src/tools/register-schemas';
import { runTool } from '../support/cli';
import { services, testTopicNames, topicEnv } from '../support/harness';
import { unique } from '../support/unique';

type Field = { name: string; type: unknown; default?: unknown; doc?: string };
type RecordSchema = { type: 'record'; name: string; namespace: string; fields: Field[] };

const ROOT = join(__dirname, '..', '..');
const schema = (name: string) => JSON.parse(readFileSync(join(ROOT, 'schemas', `${name}.avsc`), 'utf8')) as RecordSchema;
const withoutField = (s: RecordSchema, name: string): RecordSchema => ({ ...s, fields: s.fields.filter((f) => f.name !== name) });
const withField = (s: RecordSchema, f: Field): RecordSchema => ({ ...s, fields: [...s.fields, f] });
const withDefault = (s: RecordSchema, name: string, value: unknown): RecordSchema => ({
  ...s,
  fields: s.fields.map((f) => (f.name === name ? { ...f, default: value } : f)),
});

const registryUrl = (): string => {
  const url = process.env.SCHEMA_REGISTRY_URL;
  if (!url) throw new Error('SCHEMA_REGISTRY_URL is not set (globalSetup sets it)');
  return url.replace(/\/+$/, '');
};

/** Runs `register-schemas` in its own process with exactly `env` (plus PATH). */
function registerSchemas(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return runTool('register-schemas', { SCHEMA_REGISTRY_URL: registryUrl(), ...env });
}

async function levelOf(subject: string): Promise<unknown> {
  const res = await fetch(`${registryUrl()}/config/${encodeURIComponent(subject)}`);
  return ((await res.json()) as { compatibilityLevel?: unknown }).compatibilityLevel;
}

/**
 * A producer registers `s` under `subject` (a plain POST, as a serializer that auto-registers does):
 * 'accepted', or the HTTP status of the refusal.
 */
async function producerRegisters(subject: string, s: RecordSchema): Promise<number | 'accepted'> {
  const res = await fetch(`${registryUrl()}/subjects/${encodeURIComponent(subject)}/versions`, {
    method: 'POST',
    headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
    body: JSON.stringify({ schema: JSON.stringify(s) }),
  });
  return res.status === 200 ? 'accepted' : res.status;
}

describe('register-schemas (SCHEMA_REGISTRY_URL)', () => {
  const prefix = unique('rs');
  const topics = {
    TOPIC_TICKET_PRINTED_ELIGIBLE: `${prefix}.ticket-printed-eligible`,
    TOPIC_TICKET_CANCELLED: `${prefix}.ticket-cancelled`,
    TOPIC_TICKET_CONTROLLED: `${prefix}.ticket-controlled`,
    TOPIC_TICKET_PRINTED: `${prefix}.ticket-printed`,
    TOPIC_HOLDER_UPDATED: `${prefix}.holder-updated`,
  };
  const inputs: [string, string, string][] = [
    // subject, its contract, a field the bridge requires (no default in its reader schema)
    [`${topics.TOPIC_TICKET_PRINTED_ELIGIBLE}-value`, 'ticket-printed-eligible', 'barcode'],
    [`${topics.TOPIC_TICKET_CANCELLED}-value`, 'ticket-cancelled', 'reason'],
    [`${topics.TOPIC_TICKET_CONTROLLED}-value`, 'ticket-controlled', 'controlledAt'],
  ];

  beforeAll(async () => {
    const first = await registerSchemas(topics);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    for (const [subject] of inputs)
      expect(first.stdout).toMatch(
        new RegExp(`^registered ${subject.replace(/\./g, '\\.')} as schema id \\d+ \\(compatibility FULL_TRANSITIVE, was [A-Z_]+\\)$`, 'm'),
      );
    // An output subject keeps the level that applies to it (here the registry's global one).
    expect(first.stdout).toMatch(
      new RegExp(`^registered ${topics.TOPIC_HOLDER_UPDATED.replace(/\./g, '\\.')}-value as schema id \\d+ \\(compatibility [A-Z_]+\\)$`, 'm'),
    );
  });

  it('gives the subjects the bridge reads their own FULL_TRANSITIVE level, and running it again changes nothing', async () => {
    for (const [subject] of inputs) expect(await levelOf(subject)).toBe('FULL_TRANSITIVE');
    const before = await registerSchemas(topics);
    const again = await registerSchemas(topics);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe(before.stdout);
    expect(again.stdout).not.toContain('(was');
  });

  it.each(inputs)('then the registry refuses a producer schema of %s that drops a field the bridge requires', async (subject, contract, required) => {
    expect(schema(contract).fields.find((f) => f.name === required)).not.toHaveProperty('default');
    expect(await producerRegisters(subject, withoutField(schema(contract), required))).toBe(409);
  });

  it('refuses it in two steps too (give the field a default, then drop it), which FULL alone lets through', async () => {
    const [subject] = inputs[2]!;
    const controlled = schema('ticket-controlled');
    const defaulted = withDefault(controlled, 'controlledAt', 0);
    expect(await producerRegisters(subject, defaulted)).toBe('accepted');
    expect(await producerRegisters(subject, withoutField(defaulted, 'controlledAt'))).toBe(409);

    // The same steps on a subject at FULL: accepted, and the bridge's version could not read the result.
    const full = unique('full-ticket-controlled-value');
    expect(await producerRegisters(full, controlled)).toBe('accepted');
    const put = await fetch(`${registryUrl()}/config/${encodeURIComponent(full)}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
      body: JSON.stringify({ compatibility: 'FULL' }),
    });
    expect(put.status).toBe(200);
    expect(await producerRegisters(full, defaulted)).toBe('accepted');
    expect(await producerRegisters(full, withoutField(defaulted, 'controlledAt'))).toBe('accepted');
  });

  it('still lets producers add an optional field', async () => {
    const [subject, contract] = inputs[0]!;
    expect(await producerRegisters(subject, withField(schema(contract), { name: 'gateHint', type: ['null', 'string'], default: null }))).toBe('accepted');
  });
});

describe('register-schemas and the levels it leaves alone', () => {
  const CONTENT_TYPE = { 'content-type': 'application/vnd.schemaregistry.v1+json' };
  /** Topic settings naming five fresh topics, as TOPIC_* would in a deployment. */
  function freshTopics(): Record<string, string> {
    return topicEnv(testTopicNames(unique('rs')));
  }
  async function registry(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
    const res = await fetch(`${services().registryUrl.replace(/\/+$/, '')}${path}`, {
      method,
      headers: CONTENT_TYPE,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: await res.json() };
  }

  it('registers every contract under <topic>-value, once: a second run returns the same ids', async () => {
    const env = freshTopics();
    const first = await registerInProcess(services().registryUrl, env);
    const second = await registerInProcess(services().registryUrl, env);
    expect(first.map((r) => r.subject)).toEqual(subjects(env).map((s) => valueSubject(s.topic)));
    expect(second.map((r) => r.id)).toEqual(first.map((r) => r.id));
    for (const r of first) {
      const versions = await registry('GET', `/subjects/${encodeURIComponent(r.subject)}/versions`);
      expect({ subject: r.subject, versions: versions.body }).toEqual({ subject: r.subject, versions: [1] });
    }
  });

  it('registers under an output subject its owners set to FULL, keeping FULL (the client library alone refuses: "BACKWARD != FULL")', async () => {
    const env = freshTopics();
    const subject = valueSubject(env.TOPIC_TICKET_PRINTED!);
    const own = await registry('POST', `/subjects/${encodeURIComponent(subject)}/versions`, { schema: JSON.stringify(readSchema('ticket-printed')) });
    expect(own.status).toBe(200);
    expect((await registry('PUT', `/config/${encodeURIComponent(subject)}`, { compatibility: 'FULL' })).status).toBe(200);

    const rows = await registerInProcess(services().registryUrl, env);

    expect(rows.find((r) => r.subject === subject)).toEqual({ subject, id: (own.body as { id: number }).id, compatibility: { level: 'FULL' } });
    expect(await effectiveCompatibility({ url: services().registryUrl }, subject)).toBe('FULL');
  });

  it('leaves output subjects at the global level and gives input subjects their own', async () => {
    const env = freshTopics();
    const global = (await registry('GET', '/config')).body as { compatibilityLevel: string };
    const rows = await registerInProcess(services().registryUrl, env);
    const inputs = new Set(
      subjects(env)
        .filter((s) => s.input)
        .map((s) => valueSubject(s.topic)),
    );
    for (const r of rows) expect(r.compatibility.level).toBe(inputs.has(r.subject) ? INPUT_SUBJECT_COMPATIBILITY : global.compatibilityLevel);
  });
});
