import { SchemaType } from '@kafkajs/confluent-schema-registry';
import { z } from 'zod';
import { AvroCodec, readSchema, valueSubject, type SchemaName } from '../kafka/avro-codec';
import { INPUT_SUBJECT_COMPATIBILITY, SubjectCompatibilityClient } from '../kafka/subject-compatibility';

/**
 * Topic (from the environment, with the service's defaults) and contract of every subject; `input`:
 * the bridge reads it (the core produces it), so its compatibility level must protect the bridge's reader.
 */
export function subjects(env: Readonly<Record<string, string | undefined>>): { topic: string; schema: SchemaName; input: boolean }[] {
  const t = (key: string, def: string) => env[key] || def;
  return [
    { topic: t('TOPIC_TICKET_PRINTED_ELIGIBLE', 'ticket-printed-eligible'), schema: 'ticket-printed-eligible', input: true },
    { topic: t('TOPIC_TICKET_CANCELLED', 'ticket-cancelled'), schema: 'ticket-cancelled', input: true },
    { topic: t('TOPIC_TICKET_CONTROLLED', 'ticket-controlled'), schema: 'ticket-controlled', input: true },
    { topic: t('TOPIC_TICKET_PRINTED', 'ticket-printed'), schema: 'ticket-printed', input: false },
    { topic: t('TOPIC_HOLDER_UPDATED', 'holder-updated'), schema: 'holder-updated', input: false },
  ];
}

export interface Registered {
  readonly subject: string;
  readonly id: number;
  /** Input subjects: the level they now have, and the one that applied before when it changed. */
  readonly compatibility?: { readonly level: string; readonly was?: string };
}

/**
 * Registers the contracts in schemas/ under `<topic>-value` (idempotent: an identical schema keeps
 * its id; an incompatible change is refused by the registry and reported). The subjects the bridge
 * reads first get their own compatibility level, INPUT_SUBJECT_COMPATIBILITY, so that the registry
 * refuses a producer schema the bridge's version cannot read (and checks the bridge's own version
 * against every one registered before it).
 */
export async function registerSchemas(
  registryUrl: string,
  env: Readonly<Record<string, string | undefined>>,
  auth?: { username: string; password: string },
): Promise<Registered[]> {
  const settings = { url: registryUrl, ...(auth ? { auth } : {}) };
  const codec = new AvroCodec(settings);
  const levels = new SubjectCompatibilityClient(settings);
  const out: Registered[] = [];
  for (const { topic, schema, input } of subjects(env)) {
    const subject = valueSubject(topic);
    let compatibility: Registered['compatibility'];
    if (input) {
      // The level first (both registries take it for a subject not registered yet), so the bridge's own
      // version is checked against every version before it too. Set even when it already applies: a
      // level of the subject's own, not the global one, which may change.
      const before = await levels.effective(subject);
      await levels.set(subject, INPUT_SUBJECT_COMPATIBILITY);
      compatibility = before.level === INPUT_SUBJECT_COMPATIBILITY ? { level: before.level } : { level: INPUT_SUBJECT_COMPATIBILITY, was: before.level };
    }
    // The client refuses to register unless the subject's level is the one named here (its default,
    // BACKWARD, which it also gives a subject registered for the first time on Confluent's registry).
    const { id } = await codec.registry.register(
      { type: SchemaType.AVRO, schema: JSON.stringify(readSchema(schema)) },
      { subject, ...(input ? { compatibility: INPUT_SUBJECT_COMPATIBILITY } : {}) },
    );
    out.push({ subject, id, ...(compatibility ? { compatibility } : {}) });
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
        const level = r.compatibility && (r.compatibility.was ? `; compatibility ${r.compatibility.level} (was ${r.compatibility.was})` : `; compatibility ${r.compatibility.level}`);
        process.stdout.write(`registered ${r.subject} as schema id ${r.id}${level ?? ''}\n`);
      }
    },
    (e: Error) => {
      process.stderr.write(`register-schemas: ${e.message}\n`);
      process.exit(1);
    },
  );
}
