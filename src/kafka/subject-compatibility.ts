import { COMPATIBILITY } from '@kafkajs/confluent-schema-registry';
import type { RegistrySettings } from './avro-codec';

/**
 * The compatibility level of a Schema Registry subject, through the Confluent REST API that both
 * Confluent's registry and Apicurio's `ccompat` API serve.
 *
 * Which level protects the bridge as a *reader* (README, "Input subjects guard the reader"): the
 * bridge decodes every record into the reader schema of its release, and producers register new
 * writer schemas. The registry must therefore refuse a producer schema that the bridge's registered
 * version cannot read: that is FORWARD (the old schema reads data of the new one). FULL adds
 * BACKWARD, so the bridge's own next version must also read every record still in the topic
 * (replays, `offsets reset`). Plain FORWARD and FULL compare with the latest version only, and a
 * field can then be removed in two steps (give it a default, then drop it) that the bridge's
 * version, which has no default for it, cannot read: only the TRANSITIVE levels close that.
 */
export const INPUT_SUBJECT_COMPATIBILITY = COMPATIBILITY.FULL_TRANSITIVE;

/** Does `level` make the registry refuse any producer schema a version registered earlier cannot read? */
export function protectsReader(level: string): boolean {
  return level === 'FULL_TRANSITIVE' || level === 'FORWARD_TRANSITIVE';
}

/**
 * The level that applies to a subject. `own` is false when the subject has none of its own and the
 * registry's global level applies, true when it has one, and undefined when the registry does not
 * say: Apicurio answers `GET /config/{subject}` for a subject without its own level with 200 and the
 * global level, where Confluent answers 404 with error code 40408.
 */
export interface SubjectCompatibility {
  readonly level: string;
  readonly own: boolean | undefined;
}

const JSON_TYPE = 'application/vnd.schemaregistry.v1+json';
/** Confluent: "Subject … does not have subject-level compatibility configured"; older versions and Apicurio: subject not found. */
const NO_SUBJECT_LEVEL = new Set([40408, 40401]);

export class SubjectCompatibilityClient {
  private readonly url: string;
  private readonly headers: Record<string, string>;

  constructor(settings: RegistrySettings, private readonly timeoutMs = 10_000) {
    this.url = settings.url.replace(/\/+$/, '');
    const auth = settings.auth;
    this.headers = auth ? { authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}` } : {};
  }

  /** The level that applies to `subject`: its own, else the registry's global level. */
  async effective(subject: string): Promise<SubjectCompatibility> {
    const own = await this.get(`/config/${encodeURIComponent(subject)}`, true);
    if (own !== undefined) return { level: own, own: undefined };
    const global = await this.get('/config', false);
    return { level: global!, own: false };
  }

  /** Gives `subject` its own level (the subject need not exist yet). */
  async set(subject: string, level: string): Promise<void> {
    const res = await this.request(`/config/${encodeURIComponent(subject)}`, { method: 'PUT', body: JSON.stringify({ compatibility: level }) });
    if (!res.ok) throw registryError(`PUT /config/${subject}`, res.status, await errorCode(res));
  }

  /** The level in a config answer; undefined for a subject without its own level (when `subjectLevel`). */
  private async get(path: string, subjectLevel: boolean): Promise<string | undefined> {
    const res = await this.request(path, { method: 'GET' });
    if (res.status === 404 && subjectLevel) {
      const code = await errorCode(res);
      if (code !== undefined && NO_SUBJECT_LEVEL.has(code)) return undefined;
      throw registryError(`GET ${path}`, res.status, code);
    }
    if (!res.ok) throw registryError(`GET ${path}`, res.status, await errorCode(res));
    const body = (await res.json()) as { compatibilityLevel?: unknown; compatibility?: unknown };
    const level = body.compatibilityLevel ?? body.compatibility;
    if (typeof level !== 'string') throw new Error(`GET ${path}: the registry's answer names no compatibility level`);
    return level;
  }

  private async request(path: string, init: { method: string; body?: string }): Promise<Response> {
    try {
      return await fetch(`${this.url}${path}`, {
        ...init,
        headers: { ...this.headers, accept: JSON_TYPE, ...(init.body ? { 'content-type': JSON_TYPE } : {}) },
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (e) {
      throw new Error(`${init.method} ${path}: the schema registry did not answer`, { cause: e });
    }
  }
}

async function errorCode(res: Response): Promise<number | undefined> {
  try {
    const code = ((await res.json()) as { error_code?: unknown }).error_code;
    return typeof code === 'number' ? code : undefined;
  } catch {
    return undefined;
  }
}

function registryError(what: string, status: number, code: number | undefined): Error {
  return new Error(`${what}: the schema registry answered HTTP ${status}${code === undefined ? '' : ` (error code ${code})`}`);
}
