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

async function get(settings: RegistrySettings, path: string, timeoutMs: number): Promise<Response> {
  return fetch(`${base(settings)}${path}`, { headers: registryHeaders(settings), signal: AbortSignal.timeout(timeoutMs) });
}

/**
 * The compatibility level the registry applies to `subject`: its own level, else the global one.
 * Read-only.
 */
export async function effectiveCompatibility(settings: RegistrySettings, subject: string, timeoutMs = 10_000): Promise<Compatibility> {
  let res = await get(settings, `/config/${encodeURIComponent(subject)}`, timeoutMs);
  if (res.status === 404) res = await get(settings, '/config', timeoutMs);
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
