import { SchemaType } from '@kafkajs/confluent-schema-registry';
import { z } from 'zod';
import { AvroCodec, readSchema, valueSubject, type RegistrySettings, type SchemaName } from '../kafka/avro-codec';
import { effectiveCompatibility, type Compatibility } from '../kafka/registry-rest';

/** Topic (from the environment, with the service's defaults) and contract of every subject. */
export function subjects(env: Readonly<Record<string, string | undefined>>): { topic: string; schema: SchemaName }[] {
  const t = (key: string, def: string) => env[key] || def;
  return [
    { topic: t('TOPIC_TICKET_PRINTED_ELIGIBLE', 'ticket-printed-eligible'), schema: 'ticket-printed-eligible' },
    { topic: t('TOPIC_TICKET_CANCELLED', 'ticket-cancelled'), schema: 'ticket-cancelled' },
    { topic: t('TOPIC_TICKET_CONTROLLED', 'ticket-controlled'), schema: 'ticket-controlled' },
    { topic: t('TOPIC_TICKET_PRINTED', 'ticket-printed'), schema: 'ticket-printed' },
    { topic: t('TOPIC_HOLDER_UPDATED', 'holder-updated'), schema: 'holder-updated' },
  ];
}

/**
 * Registers the contracts in schemas/ under `<topic>-value` (idempotent: an identical schema keeps
 * its id; an incompatible change is refused by the registry and reported). The registry's
 * compatibility settings are read, never changed: the client library would otherwise refuse any
 * subject whose level is not the one it was given (Apicurio reports the global level for every
 * subject, whose default there is NONE), and set a level of its own on subjects that had none
 * (`updateConfig: false`). Returns each subject's id and the level the registry applies to it.
 */
export async function registerSchemas(
  registryUrl: string,
  env: Readonly<Record<string, string | undefined>>,
  auth?: { username: string; password: string },
): Promise<{ subject: string; id: number; compatibility: Compatibility }[]> {
  const settings: RegistrySettings = { url: registryUrl, ...(auth ? { auth } : {}) };
  const codec = new AvroCodec(settings);
  const out: { subject: string; id: number; compatibility: Compatibility }[] = [];
  for (const { topic, schema } of subjects(env)) {
    const subject = valueSubject(topic);
    const compatibility = await effectiveCompatibility(settings, subject);
    const { id } = await codec.registry.register(
      { type: SchemaType.AVRO, schema: JSON.stringify(readSchema(schema)) },
      { subject, compatibility, updateConfig: false },
    );
    out.push({ subject, id, compatibility });
  }
  return out;
}

if (require.main === module) {
  const url = z.url().safeParse(process.env.SCHEMA_REGISTRY_URL);
  if (!url.success) {
    process.stderr.write('register-schemas: SCHEMA_REGISTRY_URL must be set to the registry URL\n');
    process.exit(2);
  }
  const user = process.env.SCHEMA_REGISTRY_USERNAME;
  const password = process.env.SCHEMA_REGISTRY_PASSWORD;
  registerSchemas(url.data, process.env, user && password ? { username: user, password } : undefined).then(
    (rows) => {
      for (const r of rows) {
        process.stdout.write(`registered ${r.subject} as schema id ${r.id} (compatibility ${r.compatibility})\n`);
        if (r.compatibility === 'NONE') {
          process.stderr.write(`register-schemas: the registry checks no compatibility for ${r.subject}: set BACKWARD or stricter (Apicurio's default is NONE)\n`);
        }
      }
    },
    (e: Error) => {
      process.stderr.write(`register-schemas: ${e.message}\n`);
      process.exit(1);
    },
  );
}
