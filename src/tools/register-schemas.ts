import { SchemaType } from '@kafkajs/confluent-schema-registry';
import { z } from 'zod';
import { AvroCodec, readSchema, valueSubject, type SchemaName } from '../kafka/avro-codec';

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
 * its id; an incompatible change is refused by the registry and reported).
 */
export async function registerSchemas(
  registryUrl: string,
  env: Readonly<Record<string, string | undefined>>,
  auth?: { username: string; password: string },
): Promise<{ subject: string; id: number }[]> {
  const codec = new AvroCodec({ url: registryUrl, ...(auth ? { auth } : {}) });
  const out: { subject: string; id: number }[] = [];
  for (const { topic, schema } of subjects(env)) {
    const subject = valueSubject(topic);
    const { id } = await codec.registry.register(
      { type: SchemaType.AVRO, schema: JSON.stringify(readSchema(schema)) },
      { subject },
    );
    out.push({ subject, id });
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
      for (const r of rows) process.stdout.write(`registered ${r.subject} as schema id ${r.id}\n`);
    },
    (e: Error) => {
      process.stderr.write(`register-schemas: ${e.message}\n`);
      process.exit(1);
    },
  );
}
