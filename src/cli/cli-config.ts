import { loadConfig, type Config } from '../config/load-config';
import type { Role } from '../roles';
import { ConfigError, type ConfigIssue } from '../shared/errors';

/**
 * The support CLI reads the same environment as the bridge (in a pod it has the same ConfigMap and
 * secret references) and validates it with the same `loadConfig`. A command needs only some of it:
 * `trace` needs MongoDB, `offsets reset` Kafka, neither needs the TIXnGO key. So a command names the
 * areas it uses, and problems with settings of the other areas are not its business:
 *
 * 1. `BRIDGE_ROLE` is the command's `--role` (else the environment's, else a stand-in);
 * 2. `loadConfig` runs; its issues about keys of areas the command does not use are set aside;
 * 3. what remains is reported as the bridge reports it (exit 2), naming every bad key;
 * 4. otherwise the set-aside keys are replaced by inert stand-ins (e.g. `http://unset.invalid`) or
 *    dropped to their defaults, and `loadConfig` runs again. The stand-ins are never contacted: only
 *    the areas the command named are used.
 */
export type Area = 'kafka' | 'registry' | 'mongo' | 'tixngo' | 'notify' | 'role' | 'organizations';

const AREA_KEYS: Record<Exclude<Area, 'role' | 'organizations'>, RegExp> = {
  kafka: /^KAFKA_/,
  registry: /^SCHEMA_REGISTRY_/,
  mongo: /^MONGODB_/,
  tixngo: /^TIXNGO_/,
  notify: /^NOTIFY_/,
};

const ROLE_KEYS: Record<Role, RegExp> = {
  inject: /^INJECT_/,
  cancel: /^CANCEL_/,
  control: /^CONTROL_/,
  'holder-sync': /^HOLDER_SYNC_/,
};

/** Whom the release serves: a matter for the commands that use a role, TIXnGO or the organizations themselves. */
const ORGANIZATION_KEYS = /^BRIDGE_ORGANIZATIONS/;

/** Inert values for required settings of areas a command does not use. */
const STAND_INS: Readonly<Record<string, string>> = {
  BRIDGE_ORGANIZATIONS: '*',
  KAFKA_BROKERS: 'unset.invalid:9092',
  SCHEMA_REGISTRY_URL: 'http://unset.invalid',
  MONGODB_URI: 'mongodb://unset.invalid',
  TIXNGO_BASE_URL: 'http://unset.invalid',
  TIXNGO_API_KEY: 'unset-not-used',
  INJECT_SALES_CHANNEL_CODE: 'UNSET',
  INJECT_POS_CODE: 'UNSET',
  CANCEL_SHIPMENT_MODES: 'UNSET',
  CONTROL_SHIPMENT_MODES: 'UNSET',
  NOTIFY_SMTP_URL: 'smtp://unset.invalid',
};

export interface CliConfigRequest {
  /** The role the command is about (`--role`); else the environment's `BRIDGE_ROLE`. */
  readonly role?: Role;
  /**
   * The areas the command uses; `role` means the settings of the role(s) (`INJECT_*`, …),
   * `organizations` whom the release serves (`BRIDGE_ORGANIZATIONS*`; otherwise a stand-in serving every one).
   */
  readonly needs: readonly Area[];
}

/** Throws `ConfigError` with the issues that matter to the command. */
export function loadCliConfig(env: Readonly<Record<string, string | undefined>>, req: CliConfigRequest): Config {
  const given = env.BRIDGE_ROLE?.trim();
  const roleText = req.role ?? (given ? given : undefined);
  // Without any role, role settings cannot be judged: the stand-in role's issues are set aside.
  const needs = new Set<Area>(roleText ? req.needs : req.needs.filter((a) => a !== 'role'));
  const base: Record<string, string | undefined> = { ...env, BRIDGE_ROLE: roleText ?? 'inject' };
  const matters = (key: string) => isNeeded(key, needs, roleText);
  let attempt: Record<string, string | undefined> = base;
  // loadConfig reports in two phases (types first, then cross-setting rules): two rounds at most.
  for (let round = 0; ; round++) {
    try {
      return loadConfig(attempt);
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      const relevant = e.issues.filter((i) => matters(envKey(i)));
      if (relevant.length > 0 || round >= 3) throw new ConfigError(relevant.length > 0 ? relevant : e.issues);
      const patched = { ...attempt };
      for (const i of e.issues) {
        const key = envKey(i);
        if (STAND_INS[key] !== undefined) patched[key] = STAND_INS[key];
        else delete patched[key];
        // A broken organizations file the command does not need: judge the rest with the stand-in.
        if (key.startsWith('BRIDGE_ORGANIZATIONS_FILE')) {
          delete patched.BRIDGE_ORGANIZATIONS_FILE;
          patched.BRIDGE_ORGANIZATIONS = STAND_INS.BRIDGE_ORGANIZATIONS;
        }
      }
      attempt = patched;
    }
  }
}

/**
 * Every configuration problem, including those `loadConfig` only reports once the first ones are
 * fixed (it checks types first, then rules across settings), for `doctor`.
 */
export function collectConfigIssues(env: Readonly<Record<string, string | undefined>>): ConfigIssue[] {
  const all: ConfigIssue[] = [];
  let attempt: Record<string, string | undefined> = { ...env };
  for (let round = 0; round < 4; round++) {
    try {
      loadConfig(attempt);
      break;
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      const fresh = e.issues.filter((i) => !all.some((a) => a.key === i.key && a.problem === i.problem));
      if (fresh.length === 0) break;
      all.push(...fresh);
      const patched = { ...attempt };
      for (const i of e.issues) {
        const key = envKey(i);
        if (STAND_INS[key] !== undefined) patched[key] = STAND_INS[key];
        else if (key !== 'BRIDGE_ROLE') delete patched[key];
      }
      attempt = patched;
    }
  }
  return all;
}

/** The variable an issue is about (`KAFKA_BROKERS.0` → `KAFKA_BROKERS`). */
function envKey(i: ConfigIssue): string {
  return i.key.split('.')[0]!;
}

/** Whether a problem with `key` concerns a command that uses `needs`. Keys of no area always do. */
function isNeeded(key: string, needs: ReadonlySet<Area>, roleText: string | undefined): boolean {
  if (ORGANIZATION_KEYS.test(key)) return needs.has('tixngo') || needs.has('organizations') || (needs.has('role') && roleText !== undefined);
  for (const [area, pattern] of Object.entries(AREA_KEYS) as [Exclude<Area, 'role' | 'organizations'>, RegExp][]) {
    if (pattern.test(key)) return needs.has(area);
  }
  for (const [role, pattern] of Object.entries(ROLE_KEYS) as [Role, RegExp][]) {
    if (pattern.test(key)) {
      if (!needs.has('role') || !roleText) return false;
      const roles = roleText.split(',').map((r) => r.trim());
      return roles.includes(role) || roles.includes('all');
    }
  }
  return true;
}
