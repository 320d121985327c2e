/**
 * `register-schemas` against the registry named by SCHEMA_REGISTRY_URL (Apicurio in the local stack and in
 * containers, Confluent's registry in docker-compose): it registers the contracts and leaves the registry's
 * compatibility settings as the registry's owners made them.
 */
import { readSchema, valueSubject } from '../../src/kafka/avro-codec';
import { effectiveCompatibility } from '../../src/kafka/registry-rest';
import { registerSchemas, subjects } from '../../src/tools/register-schemas';
import { services } from '../support/harness';
import { unique } from '../support/unique';

const CONTENT_TYPE = { 'content-type': 'application/vnd.schemaregistry.v1+json' };

/** Topic settings naming five fresh topics, as TOPIC_* would in a deployment. */
function freshTopics(): Record<string, string> {
  const p = unique('rs');
  return {
    TOPIC_TICKET_PRINTED_ELIGIBLE: `${p}.ticket-printed-eligible`,
    TOPIC_TICKET_CANCELLED: `${p}.ticket-cancelled`,
    TOPIC_TICKET_CONTROLLED: `${p}.ticket-controlled`,
    TOPIC_TICKET_PRINTED: `${p}.ticket-printed`,
    TOPIC_HOLDER_UPDATED: `${p}.holder-updated`,
  };
}

async function registry(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${services().registryUrl.replace(/\/+$/, '')}${path}`, {
    method,
    headers: CONTENT_TYPE,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: await res.json() };
}

describe('register-schemas (SCHEMA_REGISTRY_URL)', () => {
  it('registers every contract under <topic>-value, once: a second run returns the same ids', async () => {
    const env = freshTopics();

    const first = await registerSchemas(services().registryUrl, env);
    const second = await registerSchemas(services().registryUrl, env);

    expect(first.map((r) => r.subject)).toEqual(subjects(env).map((s) => valueSubject(s.topic)));
    expect(second.map((r) => r.id)).toEqual(first.map((r) => r.id));
    for (const r of first) {
      const versions = await registry('GET', `/subjects/${encodeURIComponent(r.subject)}/versions`);
      expect({ subject: r.subject, versions: versions.body }).toEqual({ subject: r.subject, versions: [1] });
    }
  });

  it('registers under a subject its owners set to FULL, keeping FULL (the client library alone refuses: "BACKWARD != FULL")', async () => {
    const env = freshTopics();
    const subject = valueSubject(env.TOPIC_TICKET_CANCELLED!);
    // The core's team registered the subject first and chose FULL for it.
    const own = await registry('POST', `/subjects/${encodeURIComponent(subject)}/versions`, {
      schema: JSON.stringify(readSchema('ticket-cancelled')),
    });
    expect(own.status).toBe(200);
    expect((await registry('PUT', `/config/${encodeURIComponent(subject)}`, { compatibility: 'FULL' })).status).toBe(200);

    const rows = await registerSchemas(services().registryUrl, env);

    expect(rows.find((r) => r.subject === subject)).toEqual({ subject, id: (own.body as { id: number }).id, compatibility: 'FULL' });
    expect(await effectiveCompatibility({ url: services().registryUrl }, subject)).toBe('FULL');
  });

  it('reports the level the registry applies to subjects without one of their own: the global level', async () => {
    const env = freshTopics();
    const global = (await registry('GET', '/config')).body as { compatibilityLevel: string };

    const rows = await registerSchemas(services().registryUrl, env);

    expect(new Set(rows.map((r) => r.compatibility))).toEqual(new Set([global.compatibilityLevel]));
  });
});
