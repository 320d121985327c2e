import { COMPATIBILITY } from '@kafkajs/confluent-schema-registry';
import type { RegistrySettings } from './avro-codec';

/**
 * The few Schema Registry REST calls the client library does not offer, written so that Confluent's
 * registry and Apicurio's Confluent-compatible API (`/apis/ccompat/v7`) answer them alike. Where the
 * two differ (measured against Apicurio 3.3.3):
 * - `GET /config/{subject}` for a subject without its own level: Confluent answers 404 (40408),
 *   Apicurio 200 with the global level. Both answer 404 (40401) for a subject that does not exist.
 * - The global level defaults to BACKWARD on Confluent's registry and to NONE on Apicurio's.
 * - `GET /subjects` lists at most `apicurio.ccompat.max-subjects` (1,000 by default) on Apicurio.
 * Errors: a `RegistryRequestError` naming the status for any answer but the ones documented; network
 * failures as thrown by `fetch`.
 */

export type Compatibility = (typeof COMPATIBILITY)[keyof typeof COMPATIBILITY];
const LEVELS = new Set<string>(Object.values(COMPATIBILITY));

export class RegistryRequestError extends Error {
  override readonly name = 'RegistryRequestError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export function registryHeaders(settings: RegistrySettings): Record<string, string> {
  const headers: Record<string, string> = { accept: 'application/vnd.schemaregistry.v1+json, application/json' };
  if (settings.auth) {
    headers.authorization = `Basic ${Buffer.from(`${settings.auth.username}:${settings.auth.password}`).toString('base64')}`;
  }
  return headers;
}

const base = (settings: RegistrySettings) => settings.url.replace(/\/+$/, '');

/**
 * The level the subjects the bridge reads get (`register-schemas`), and why: the bridge decodes every
 * record into the reader schema of its release, and producers register new writer schemas. The
 * registry must refuse a producer schema the bridge's registered version cannot read: that is FORWARD
 * (the old schema reads data of the new one). FULL adds BACKWARD, so the bridge's own next version also
 * reads every record still in the topic (replays, `offsets reset`). Plain FORWARD and FULL compare with
 * the latest version only, and a field can then be removed in two steps (give it a default, then drop
 * it) that the bridge's version, which has no default for it, cannot read: only the transitive levels
 * close that.
 */
export const INPUT_SUBJECT_COMPATIBILITY = COMPATIBILITY.FULL_TRANSITIVE;

/** Does `level` make the registry refuse any producer schema a version registered earlier cannot read? */
export function protectsReader(level: string): boolean {
  return level === 'FULL_TRANSITIVE' || level === 'FORWARD_TRANSITIVE';
}

async function get(settings: RegistrySettings, path: string, timeoutMs: number): Promise<Response> {
  return fetch(`${base(settings)}${path}`, { headers: registryHeaders(settings), signal: AbortSignal.timeout(timeoutMs) });
}

/**
 * The compatibility level the registry applies to `subject`: its own level, else the global one
 * (Confluent answers 404 for a subject without a level of its own, Apicurio the global level).
 * Read-only.
 */
export async function effectiveCompatibility(settings: RegistrySettings, subject: string, timeoutMs = 10_000): Promise<Compatibility> {
  let res = await get(settings, `/config/${encodeURIComponent(subject)}`, timeoutMs);
  if (res.status === 404) {
    await res.body?.cancel();
    res = await get(settings, '/config', timeoutMs);
  }
  if (res.status !== 200) throw new RegistryRequestError(res.status, `reading the compatibility level of ${subject} answered HTTP ${res.status}`);
  const level = String(((await res.json()) as { compatibilityLevel?: unknown }).compatibilityLevel ?? '').toUpperCase();
  if (!LEVELS.has(level)) throw new RegistryRequestError(res.status, `the registry named an unknown compatibility level for ${subject}`);
  return level as Compatibility;
}

/**
 * Whether `subject` has at least one version: asked per subject, because a listing of every subject
 * may be capped (Apicurio). Read-only.
 */
export async function subjectExists(settings: RegistrySettings, subject: string, timeoutMs = 10_000): Promise<boolean> {
  const res = await get(settings, `/subjects/${encodeURIComponent(subject)}/versions`, timeoutMs);
  if (res.status === 200) return true;
  if (res.status === 404) return false;
  throw new RegistryRequestError(res.status, `looking up ${subject} answered HTTP ${res.status}`);
}

/** Gives `subject` a compatibility level of its own (the subject need not have a version yet). */
export async function setCompatibility(settings: RegistrySettings, subject: string, level: Compatibility, timeoutMs = 10_000): Promise<void> {
  const res = await fetch(`${base(settings)}/config/${encodeURIComponent(subject)}`, {
    method: 'PUT',
    headers: { ...registryHeaders(settings), 'content-type': 'application/vnd.schemaregistry.v1+json' },
    body: JSON.stringify({ compatibility: level }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  await res.body?.cancel();
  if (res.status !== 200) throw new RegistryRequestError(res.status, `setting the compatibility level of ${subject} answered HTTP ${res.status}`);
}
