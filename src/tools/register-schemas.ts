import { SchemaType } from '@kafkajs/confluent-schema-registry';
import { z } from 'zod';
import { AvroCodec, readSchema, valueSubject, type RegistrySettings, type SchemaName } from '../kafka/avro-codec';
import { effectiveCompatibility, INPUT_SUBJECT_COMPATIBILITY, setCompatibility, type Compatibility } from '../kafka/registry-rest';

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
  /** The level the registry applies to it now, and the one before when register-schemas changed it. */
  readonly compatibility: { readonly level: Compatibility; readonly was?: Compatibility };
}

/**
 * Registers the contracts in schemas/ under `<topic>-value` (idempotent: an identical schema keeps
 * its id; an incompatible change is refused by the registry and reported). The subjects the bridge
 * reads first get their own compatibility level, INPUT_SUBJECT_COMPATIBILITY, so that the registry
 * refuses a producer schema the bridge's version cannot read (and checks the bridge's own version
 * against every one registered before it). The other subjects' settings are read, never changed: the
 * client library would otherwise refuse any subject whose level is not the one it was given (Apicurio
 * reports the global level for every subject, whose default there is NONE), and set a level of its own
 * on subjects that had none (`updateConfig: false`).
 */
export async function registerSchemas(
  registryUrl: string,
  env: Readonly<Record<string, string | undefined>>,
  auth?: { username: string; password: string },
): Promise<Registered[]> {
  const settings: RegistrySettings = { url: registryUrl, ...(auth ? { auth } : {}) };
  const codec = new AvroCodec(settings);
  const out: Registered[] = [];
  for (const { topic, schema, input } of subjects(env)) {
    const subject = valueSubject(topic);
    const before = await effectiveCompatibility(settings, subject);
    let compatibility: Compatibility = before;
    if (input) {
      // The level first (both registries take it for a subject not registered yet), so the bridge's own
      // version is checked against every version before it too. Set even when it already applies: a
      // level of the subject's own, not the global one, which may change.
      await setCompatibility(settings, subject, INPUT_SUBJECT_COMPATIBILITY);
      compatibility = INPUT_SUBJECT_COMPATIBILITY;
    }
    const { id } = await codec.registry.register(
      { type: SchemaType.AVRO, schema: JSON.stringify(readSchema(schema)) },
      { subject, compatibility, updateConfig: false },
    );
    out.push({ subject, id, compatibility: { level: compatibility, ...(compatibility !== before ? { was: before } : {}) } });
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
        const level = r.compatibility.was ? `${r.compatibility.level}, was ${r.compatibility.was}` : r.compatibility.level;
        process.stdout.write(`registered ${r.subject} as schema id ${r.id} (compatibility ${level})\n`);
        if (r.compatibility.level === 'NONE') {
          process.stderr.write(
            `register-schemas: the registry checks no compatibility for ${r.subject}: set BACKWARD or stricter (Apicurio's default is NONE)\n`,
          );
        }
      }
    },
    (e: Error) => {
      process.stderr.write(`register-schemas: ${e.message}\n`);
      process.exit(1);
    },
  );
}
