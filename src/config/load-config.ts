import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { z } from 'zod';
import { ConfigError, type ConfigIssue } from '../shared/errors';
import { ROLES, type Role } from '../roles';
import { buildOrganizations, missingOrganizationSettings } from './organizations';

/**
 * Configuration is a pure function of the environment: `loadConfig(env)` validates every variable
 * at once and throws one `ConfigError` naming each bad key and why. Secret values are never echoed.
 * The README's configuration reference and the Helm chart's values mirror this schema one to one.
 */

const list = z.string().transform((s) =>
  s
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v.length > 0),
);
const optionalList = list.optional().transform((v) => v ?? []);
const flag = (def: boolean) =>
  z
    .stringbool()
    .optional()
    .transform((v) => v ?? def);
const int = (def: number, min = 0, max = Number.MAX_SAFE_INTEGER) => z.coerce.number().int().min(min).max(max).default(def);
const ratio = (def: number) => z.coerce.number().min(0).max(1).default(def);
const url = z.url({ protocol: /^https?$/ });
const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

export const MANDATORY_HOLDER_FIELDS = ['FIRSTNAME', 'LASTNAME', 'BIRTHDATE', 'ID_NUMBER', 'COUNTRY_CODE', 'BIRTH_REGION', 'BIRTH_PLACE'] as const;
export type HolderField = (typeof MANDATORY_HOLDER_FIELDS)[number];

/** Names of environment variables whose values must never appear in an error or a log line. */
export const SECRET_KEYS = ['TIXNGO_API_KEY', 'MONGODB_URI', 'KAFKA_SASL_PASSWORD', 'SCHEMA_REGISTRY_PASSWORD', 'NOTIFY_SMTP_URL'] as const;

function pipelineSettings<P extends string>(prefix: P, batchSize: number) {
  const shape = {
    GROUP_ID: optionalString,
    BATCH_SIZE: int(batchSize, 1, 100_000),
    LINGER_MS: int(1000, 0, 600_000),
    /** Defaults to the batch size: one request per batch. */
    MAX_TICKETS_PER_REQUEST: z.coerce.number().int().min(1).max(100_000).optional(),
    MAX_BATCH_BYTES: int(16 * 1024 * 1024, 1024),
    BATCHES_IN_FLIGHT: int(2, 1, 16),
    SIMULATE: flag(false),
    FORCE: optionalList,
    SKIP: optionalList,
  };
  return Object.fromEntries(Object.entries(shape).map(([k, v]) => [`${prefix}_${k}`, v])) as {
    [K in keyof typeof shape as `${P}_${K}`]: (typeof shape)[K];
  };
}

export const EnvSchema = z.object({
  BRIDGE_ROLE: list.pipe(z.array(z.enum([...ROLES, 'all'])).min(1, 'name at least one role')),
  BRIDGE_INSTANCE_ID: optionalString,
  /** The S-360 organization code(s) this release serves, or `*` for a single-organization installation. */
  BRIDGE_ORGANIZATIONS: optionalList,
  /** Several organizations, each with its own TIXnGO account: a YAML or JSON file (see organizations.ts). */
  BRIDGE_ORGANIZATIONS_FILE: optionalString,
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  HTTP_HOST: z.string().default('0.0.0.0'),
  HTTP_PORT: int(8080, 0, 65535),
  SHUTDOWN_DRAIN_MS: int(20_000, 0, 600_000),

  KAFKA_BROKERS: list.pipe(z.array(z.string().regex(/^[^\s:]+:\d+$/, 'expected host:port')).min(1)),
  KAFKA_CLIENT_ID: z.string().min(1).default('tixngo-bridge'),
  KAFKA_GROUP_ID_PREFIX: z.string().min(1).default('tixngo-bridge'),
  KAFKA_SSL: flag(false),
  KAFKA_SSL_CA_FILE: optionalString,
  KAFKA_SSL_REJECT_UNAUTHORIZED: flag(true),
  KAFKA_SASL_MECHANISM: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']).optional(),
  KAFKA_SASL_USERNAME: optionalString,
  KAFKA_SASL_PASSWORD: optionalString,
  KAFKA_SESSION_TIMEOUT_MS: int(30_000, 6_000, 300_000),
  KAFKA_CONNECTION_TIMEOUT_MS: int(3_000, 100, 60_000),
  /** Default: a tenth of the session timeout, at least one second. */
  KAFKA_HEARTBEAT_MS: z.coerce.number().int().min(100).max(60_000).optional(),
  /** Default: twice the session timeout, at least a minute. */
  KAFKA_REBALANCE_TIMEOUT_MS: z.coerce.number().int().min(6_000).max(600_000).optional(),
  KAFKA_PARTITIONS_CONCURRENTLY: int(64, 1, 1024),
  KAFKA_MAX_WAIT_MS: int(500, 1, 60_000),

  SCHEMA_REGISTRY_URL: url,
  SCHEMA_REGISTRY_USERNAME: optionalString,
  SCHEMA_REGISTRY_PASSWORD: optionalString,

  MONGODB_URI: z.string().regex(/^mongodb(\+srv)?:\/\//, 'expected a mongodb:// or mongodb+srv:// URI'),
  MONGODB_OPERATION_TIMEOUT_MS: int(30_000, 100, 600_000),
  MONGODB_DATABASE: z
    .string()
    .regex(/^[^/\\. "$]{1,63}$/, 'expected a MongoDB database name')
    .default('tixngo_bridge'),

  // Required unless BRIDGE_ORGANIZATIONS_FILE gives them per organization (checked in organizations.ts).
  TIXNGO_BASE_URL: url.optional(),
  TIXNGO_API_KEY: z.string().min(8, 'expected the organizer ADMIN API key (8 characters at least)').optional(),
  TIXNGO_API_KEY_HEADER: z
    .string()
    .regex(/^[A-Za-z0-9-]+$/, 'expected an HTTP header name')
    .default('x-api-key'),
  TIXNGO_INJECT_PATH: z.string().startsWith('/').default('/organizer/tickets'),
  TIXNGO_DELETE_PATH: z.string().startsWith('/').default('/organizer/tickets/delete'),
  TIXNGO_CONTROL_PATH: z.string().startsWith('/').default('/organizer/tickets/control'),
  TIXNGO_CHANGES_PATH: z.string().startsWith('/').default('/organizer/tickets/diff'),
  TIXNGO_REQUEST_TIMEOUT_MS: int(30_000, 100, 600_000),
  TIXNGO_MAX_REQUEST_BYTES: int(8 * 1024 * 1024, 1024, 256 * 1024 * 1024),
  OUTBOX_STALE_MS: int(30_000, 500, 3_600_000),
  /** Default: a quarter of OUTBOX_STALE_MS, at least 50 ms. */
  OUTBOX_RENEW_MS: z.coerce.number().int().min(50).max(3_600_000).optional(),
  /** Default: a tenth of OUTBOX_STALE_MS, between 20 and 500 ms. */
  OUTBOX_POLL_MS: z.coerce.number().int().min(10).max(60_000).optional(),

  TOPIC_TICKET_PRINTED_ELIGIBLE: z.string().min(1).default('ticket-printed-eligible'),
  TOPIC_TICKET_CANCELLED: z.string().min(1).default('ticket-cancelled'),
  TOPIC_TICKET_CONTROLLED: z.string().min(1).default('ticket-controlled'),
  TOPIC_TICKET_PRINTED: z.string().min(1).default('ticket-printed'),
  TOPIC_HOLDER_UPDATED: z.string().min(1).default('holder-updated'),
  TOPIC_DLQ_SUFFIX: z.string().min(1).default('.dlq'),

  RETRY_BASE_MS: int(500, 1, 60_000),
  RETRY_MAX_MS: int(30_000, 1, 3_600_000),
  DLQ_MAX_CONSECUTIVE: int(1000, 1),
  DLQ_MAX_RATIO: ratio(0.5),
  DLQ_RATIO_MIN_MESSAGES: int(1000, 1),

  ...pipelineSettings('INJECT', 1000),
  INJECT_FILTER_SALES_CHANNELS: optionalList,
  INJECT_FILTER_SEASONS: optionalList,
  INJECT_FILTER_PRODUCT_FAMILIES: optionalList,
  INJECT_FILTER_PRODUCTS: optionalList,
  INJECT_FILTER_PERFORMANCES: optionalList,
  INJECT_FILTER_TARIFFS: optionalList,
  INJECT_FILTER_SEAT_CATEGORIES: optionalList,
  INJECT_FILTER_FILE_NUMBERS: optionalList,
  INJECT_MANDATORY_HOLDER_FIELDS: optionalList.pipe(z.array(z.enum(MANDATORY_HOLDER_FIELDS))),
  INJECT_SALES_CHANNEL_CODE: optionalString,
  INJECT_POS_CODE: optionalString,
  INJECT_BARCODE_PREFIX: z.string().default(''),
  INJECT_BARCODE_POSTFIX: z.string().default(''),
  INJECT_TEMPLATE_FILE: optionalString,
  INJECT_OVERLAY_LAST_OWNER: flag(true),
  INJECT_RESET_INVALIDATION_REASONS: optionalList,
  INJECT_ACTIVATION_METHOD: z.enum(['online', 'offline']).default('online'),

  ...pipelineSettings('CANCEL', 1000),
  CANCEL_SHIPMENT_MODES: optionalList,
  CANCEL_NOTIFY_SPECTATOR: flag(false),
  CANCEL_VISIBILITY_OVERRIDE_REASONS: optionalList,
  CANCEL_VISIBILITY_DEFAULT: flag(false),

  ...pipelineSettings('CONTROL', 10_000),
  CONTROL_SHIPMENT_MODES: optionalList,

  HOLDER_SYNC_ORGANIZER_ID: z.string().min(1).default('default'),
  HOLDER_SYNC_PAGE_LIMIT: int(1000, 1, 10_000),
  HOLDER_SYNC_POLL_INTERVAL_MS: int(30_000, 100, 3_600_000),
  HOLDER_SYNC_MAX_REQUESTS_PER_SECOND: z.coerce.number().positive().max(1000).default(5),
  HOLDER_SYNC_LEASE_TTL_MS: int(30_000, 1_000, 600_000),
  HOLDER_SYNC_HISTORY_LIMIT: int(50, 1, 1000),
  HOLDER_SYNC_SKIP: optionalList,

  NOTIFY_SMTP_URL: optionalString,
  NOTIFY_FROM: z.string().default('tixngo-bridge@localhost'),
  NOTIFY_RECIPIENTS: optionalList.pipe(z.array(z.email())),
  NOTIFY_WINDOW_MS: int(15 * 60_000, 1_000),
  NOTIFY_TRANSIENT_AFTER_MS: int(5 * 60_000, 1_000),

  STATUS_HISTORY_LIMIT: int(500, 10, 100_000),
  /** Per-ticket trace entries (`trace <ticketId>`) older than this are deleted. */
  STATUS_TRACE_RETENTION_DAYS: int(30, 1, 3650),
  /** How often consumer lag is read for `tixngo_bridge_consumer_lag`; 0 turns it off. */
  STATUS_LAG_INTERVAL_MS: int(30_000, 0, 3_600_000),
  HEALTH_KAFKA_PROBE_MS: int(2_000, 0, 600_000),
});

export type Env = z.infer<typeof EnvSchema>;

/** How a role's consumer group batches: one setting per role for the whole release. */
export interface PipelineConfig {
  readonly groupId: string;
  readonly batchSize: number;
  readonly lingerMs: number;
  readonly maxTicketsPerRequest: number;
  readonly maxBatchBytes: number;
  /** Closed batches delivered at the same time; a ticket is never in two of them. */
  readonly batchesInFlight: number;
}

/** What a role does with one organization's tickets: set per organization. */
export interface RoleSelection {
  readonly simulate: boolean;
  readonly force: readonly string[];
  readonly skip: readonly string[];
}

export interface InjectFilters {
  readonly salesChannels: readonly string[];
  readonly seasons: readonly string[];
  readonly productFamilies: readonly string[];
  readonly products: readonly string[];
  readonly performances: readonly string[];
  readonly tariffs: readonly string[];
  readonly seatCategories: readonly string[];
  readonly fileNumbers: readonly string[];
}

export interface Config {
  readonly roles: readonly Role[];
  readonly instanceId: string;
  readonly log: { readonly level: Env['LOG_LEVEL'] };
  readonly http: { readonly host: string; readonly port: number };
  readonly shutdown: { readonly drainDeadlineMs: number };
  readonly kafka: {
    readonly brokers: readonly string[];
    readonly clientId: string;
    readonly groupIdPrefix: string;
    readonly ssl?: { readonly ca?: string; readonly rejectUnauthorized: boolean };
    readonly sasl?: {
      readonly mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512';
      readonly username: string;
      readonly password: string;
    };
    readonly sessionTimeoutMs: number;
    /** How often a consumer tells its group it is alive (also while a batch waits). */
    readonly heartbeatMs: number;
    /** How long the group waits for its members to rejoin in a rebalance. */
    readonly rebalanceTimeoutMs: number;
    /** How many partitions a consumer hands to its role at once (batches are built across all of them). */
    readonly partitionsConcurrently: number;
    /** How long a fetch waits for records before it answers with what it has. */
    readonly maxWaitMs: number;
    readonly connectionTimeoutMs: number;
  };
  readonly schemaRegistry: {
    readonly url: string;
    readonly auth?: { readonly username: string; readonly password: string };
  };
  readonly mongo: { readonly uri: string; readonly database: string; readonly operationTimeoutMs: number };
  /** Whom the release serves, and each organization's TIXnGO account and rules (organizations.ts). */
  readonly organizations: Organizations;
  /**
   * The outbox: an intent untouched for `staleMs` belongs to a process that stopped, and is taken over;
   * a live process renews its intents every `renewMs`; a batch waiting for another one looks again every `pollMs`.
   */
  readonly outbox: { readonly staleMs: number; readonly renewMs: number; readonly pollMs: number };
  readonly topics: {
    readonly printedEligible: string;
    readonly cancelled: string;
    readonly controlled: string;
    readonly printed: string;
    readonly holderUpdated: string;
    readonly dlqSuffix: string;
  };
  readonly retry: { readonly baseMs: number; readonly maxMs: number };
  readonly dlq: { readonly maxConsecutive: number; readonly maxRatio: number; readonly ratioMinMessages: number };
  readonly inject: PipelineConfig;
  readonly cancel: PipelineConfig;
  readonly control: PipelineConfig;
  readonly holderSync: {
    readonly pageLimit: number;
    readonly pollIntervalMs: number;
    readonly maxRequestsPerSecond: number;
    readonly leaseTtlMs: number;
    readonly historyLimit: number;
  };
  readonly notify: {
    readonly smtpUrl: string | undefined;
    readonly from: string;
    readonly recipients: readonly string[];
    readonly windowMs: number;
    readonly transientAfterMs: number;
  };
  readonly status: { readonly historyLimit: number; readonly traceRetentionDays: number; readonly lagIntervalMs: number };
  /** How often readiness asks the brokers for metadata (0: never). */
  readonly health: { readonly kafkaProbeMs: number };
}

/** A ticket template as loaded from `INJECT_TEMPLATE_FILE`; validated by the injection role at start-up. */
export interface TemplateSource {
  readonly path: string;
  readonly text: string;
}

export type ReadFile = (path: string) => string;

/** The TIXnGO account of an organization (organizer API). */
export interface TixngoSettings {
  readonly baseUrl: string;
  readonly apiKey: string;
  readonly apiKeyHeader: string;
  readonly paths: {
    readonly inject: string;
    readonly delete: string;
    readonly control: string;
    readonly changes: string;
  };
  readonly requestTimeoutMs: number;
  /** A request body above this is split in two (a single ticket goes as it is). */
  readonly maxRequestBytes: number;
}

export interface InjectSettings extends RoleSelection {
  readonly filters: InjectFilters;
  readonly mandatoryHolderFields: readonly HolderField[];
  readonly salesChannelCode: string;
  readonly posCode: string;
  readonly barcodePrefix: string;
  readonly barcodePostfix: string;
  readonly template: TemplateSource | undefined;
  readonly overlayLastOwner: boolean;
  readonly resetInvalidationReasons: readonly string[];
  readonly activationMethod: 'online' | 'offline';
}

export interface CancelSettings extends RoleSelection {
  readonly shipmentModes: readonly string[];
  readonly notifySpectator: boolean;
  readonly visibilityOverrideReasons: readonly string[];
  readonly visibilityDefault: boolean;
}

export interface ControlSettings extends RoleSelection {
  readonly shipmentModes: readonly string[];
}

/** One TIXnGO account and the rules of the S-360 organization(s) that inject into it. */
export interface OrganizationConfig {
  /** For logs, metrics and errors: the codes, or `*`. */
  readonly name: string;
  /** The S-360 organization codes this entry serves; `undefined`: every one (a single-organization installation). */
  readonly codes: readonly string[] | undefined;
  readonly tixngo: TixngoSettings;
  /** The TIXnGO organizer whose change feed holder-sync reads for these organizations. */
  readonly organizerId: string;
  readonly holderSyncSkip: readonly string[];
  readonly inject: InjectSettings;
  readonly cancel: CancelSettings;
  readonly control: ControlSettings;
}

export interface Organizations {
  /**
   * `list`: BRIDGE_ORGANIZATIONS names the codes, one TIXnGO account from the environment; `any`:
   * BRIDGE_ORGANIZATIONS=* (a single-organization installation); `file`: BRIDGE_ORGANIZATIONS_FILE,
   * one entry (and TIXnGO account) per organization or group of organizations.
   */
  readonly mode: 'list' | 'any' | 'file';
  readonly entries: readonly OrganizationConfig[];
}

/**
 * Validates `env` and returns the typed configuration, or throws a `ConfigError` listing every
 * problem. `readFile` is a parameter so that tests need no file system.
 */
export function loadConfig(env: Readonly<Record<string, string | undefined>>, readFile: ReadFile = (p) => readFileSync(p, 'utf8')): Config {
  const raw = normalise(env);
  const parsed = EnvSchema.safeParse(raw);
  const issues: ConfigIssue[] = [];
  if (!parsed.success) {
    for (const i of parsed.error.issues) {
      issues.push({ key: i.path.map(String).join('.') || '(environment)', problem: describe(i) });
    }
    // Whom the release serves is judged on a valid environment; its missing settings are named now too.
    issues.push(...missingOrganizationSettings(raw).filter((m) => !issues.some((i) => i.key === m.key)));
    throw new ConfigError(issues);
  }
  const e = parsed.data;
  const roles = expandRoles(e.BRIDGE_ROLE);

  if (e.KAFKA_SASL_MECHANISM && (!e.KAFKA_SASL_USERNAME || !e.KAFKA_SASL_PASSWORD)) {
    issues.push({
      key: 'KAFKA_SASL_USERNAME',
      problem: 'KAFKA_SASL_MECHANISM is set, so KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD are required',
    });
  }
  if (!e.KAFKA_SASL_MECHANISM && (e.KAFKA_SASL_USERNAME || e.KAFKA_SASL_PASSWORD)) {
    issues.push({ key: 'KAFKA_SASL_MECHANISM', problem: 'SASL credentials are set but no mechanism is' });
  }
  if (Boolean(e.SCHEMA_REGISTRY_USERNAME) !== Boolean(e.SCHEMA_REGISTRY_PASSWORD)) {
    issues.push({
      key: 'SCHEMA_REGISTRY_USERNAME',
      problem: 'set both SCHEMA_REGISTRY_USERNAME and SCHEMA_REGISTRY_PASSWORD, or neither',
    });
  }
  if (e.OUTBOX_RENEW_MS !== undefined && e.OUTBOX_RENEW_MS >= e.OUTBOX_STALE_MS) {
    issues.push({ key: 'OUTBOX_RENEW_MS', problem: 'must be smaller than OUTBOX_STALE_MS (a live intent would be taken over)' });
  }
  if (e.RETRY_MAX_MS < e.RETRY_BASE_MS) {
    issues.push({ key: 'RETRY_MAX_MS', problem: 'must not be smaller than RETRY_BASE_MS' });
  }
  for (const prefix of ['INJECT', 'CANCEL', 'CONTROL'] as const) {
    if ((e[`${prefix}_MAX_TICKETS_PER_REQUEST`] ?? 0) > e[`${prefix}_BATCH_SIZE`]) {
      issues.push({ key: `${prefix}_MAX_TICKETS_PER_REQUEST`, problem: `must not exceed ${prefix}_BATCH_SIZE` });
    }
  }
  if (e.NOTIFY_RECIPIENTS.length > 0 && !e.NOTIFY_SMTP_URL) {
    issues.push({ key: 'NOTIFY_SMTP_URL', problem: 'NOTIFY_RECIPIENTS is set, so an SMTP server is required' });
  }
  if (e.NOTIFY_SMTP_URL && !/^smtps?:\/\//.test(e.NOTIFY_SMTP_URL)) {
    issues.push({ key: 'NOTIFY_SMTP_URL', problem: 'expected an smtp:// or smtps:// URL' });
  }
  let ca: string | undefined;
  if (e.KAFKA_SSL_CA_FILE) {
    try {
      ca = readFile(e.KAFKA_SSL_CA_FILE);
    } catch {
      issues.push({ key: 'KAFKA_SSL_CA_FILE', problem: `cannot read ${e.KAFKA_SSL_CA_FILE}` });
    }
  }
  const organizations = buildOrganizations(e, raw, roles, readFile, issues);
  if (issues.length > 0) throw new ConfigError(issues);

  const groupId = (prefix: 'INJECT' | 'CANCEL' | 'CONTROL', role: Role) => e[`${prefix}_GROUP_ID`] ?? `${e.KAFKA_GROUP_ID_PREFIX}-${role}`;
  const pipeline = (prefix: 'INJECT' | 'CANCEL' | 'CONTROL', role: Role): PipelineConfig => ({
    groupId: groupId(prefix, role),
    batchSize: e[`${prefix}_BATCH_SIZE`],
    lingerMs: e[`${prefix}_LINGER_MS`],
    maxTicketsPerRequest: e[`${prefix}_MAX_TICKETS_PER_REQUEST`] ?? e[`${prefix}_BATCH_SIZE`],
    maxBatchBytes: e[`${prefix}_MAX_BATCH_BYTES`],
    batchesInFlight: e[`${prefix}_BATCHES_IN_FLIGHT`],
  });

  return {
    roles,
    instanceId: e.BRIDGE_INSTANCE_ID ?? `${hostname()}-${process.pid}`,
    log: { level: e.LOG_LEVEL },
    http: { host: e.HTTP_HOST, port: e.HTTP_PORT },
    shutdown: { drainDeadlineMs: e.SHUTDOWN_DRAIN_MS },
    kafka: {
      brokers: e.KAFKA_BROKERS,
      clientId: e.KAFKA_CLIENT_ID,
      groupIdPrefix: e.KAFKA_GROUP_ID_PREFIX,
      ...(e.KAFKA_SSL ? { ssl: { ...(ca ? { ca } : {}), rejectUnauthorized: e.KAFKA_SSL_REJECT_UNAUTHORIZED } } : {}),
      ...(e.KAFKA_SASL_MECHANISM
        ? {
            sasl: {
              mechanism: e.KAFKA_SASL_MECHANISM,
              username: e.KAFKA_SASL_USERNAME!,
              password: e.KAFKA_SASL_PASSWORD!,
            },
          }
        : {}),
      sessionTimeoutMs: e.KAFKA_SESSION_TIMEOUT_MS,
      heartbeatMs: e.KAFKA_HEARTBEAT_MS ?? Math.max(1000, Math.floor(e.KAFKA_SESSION_TIMEOUT_MS / 10)),
      rebalanceTimeoutMs: e.KAFKA_REBALANCE_TIMEOUT_MS ?? Math.max(60_000, e.KAFKA_SESSION_TIMEOUT_MS * 2),
      partitionsConcurrently: e.KAFKA_PARTITIONS_CONCURRENTLY,
      maxWaitMs: e.KAFKA_MAX_WAIT_MS,
      connectionTimeoutMs: e.KAFKA_CONNECTION_TIMEOUT_MS,
    },
    schemaRegistry: {
      url: e.SCHEMA_REGISTRY_URL,
      ...(e.SCHEMA_REGISTRY_USERNAME && e.SCHEMA_REGISTRY_PASSWORD
        ? { auth: { username: e.SCHEMA_REGISTRY_USERNAME, password: e.SCHEMA_REGISTRY_PASSWORD } }
        : {}),
    },
    mongo: { uri: e.MONGODB_URI, database: e.MONGODB_DATABASE, operationTimeoutMs: e.MONGODB_OPERATION_TIMEOUT_MS },
    organizations: organizations!,
    outbox: {
      staleMs: e.OUTBOX_STALE_MS,
      renewMs: e.OUTBOX_RENEW_MS ?? Math.max(50, Math.floor(e.OUTBOX_STALE_MS / 4)),
      pollMs: e.OUTBOX_POLL_MS ?? Math.min(500, Math.max(20, Math.floor(e.OUTBOX_STALE_MS / 10))),
    },
    topics: {
      printedEligible: e.TOPIC_TICKET_PRINTED_ELIGIBLE,
      cancelled: e.TOPIC_TICKET_CANCELLED,
      controlled: e.TOPIC_TICKET_CONTROLLED,
      printed: e.TOPIC_TICKET_PRINTED,
      holderUpdated: e.TOPIC_HOLDER_UPDATED,
      dlqSuffix: e.TOPIC_DLQ_SUFFIX,
    },
    retry: { baseMs: e.RETRY_BASE_MS, maxMs: e.RETRY_MAX_MS },
    dlq: { maxConsecutive: e.DLQ_MAX_CONSECUTIVE, maxRatio: e.DLQ_MAX_RATIO, ratioMinMessages: e.DLQ_RATIO_MIN_MESSAGES },
    inject: pipeline('INJECT', 'inject'),
    cancel: pipeline('CANCEL', 'cancel'),
    control: pipeline('CONTROL', 'control'),
    holderSync: {
      pageLimit: e.HOLDER_SYNC_PAGE_LIMIT,
      pollIntervalMs: e.HOLDER_SYNC_POLL_INTERVAL_MS,
      maxRequestsPerSecond: e.HOLDER_SYNC_MAX_REQUESTS_PER_SECOND,
      leaseTtlMs: e.HOLDER_SYNC_LEASE_TTL_MS,
      historyLimit: e.HOLDER_SYNC_HISTORY_LIMIT,
    },
    notify: {
      smtpUrl: e.NOTIFY_SMTP_URL,
      from: e.NOTIFY_FROM,
      recipients: e.NOTIFY_RECIPIENTS,
      windowMs: e.NOTIFY_WINDOW_MS,
      transientAfterMs: e.NOTIFY_TRANSIENT_AFTER_MS,
    },
    status: {
      historyLimit: e.STATUS_HISTORY_LIMIT,
      traceRetentionDays: e.STATUS_TRACE_RETENTION_DAYS,
      lagIntervalMs: e.STATUS_LAG_INTERVAL_MS,
    },
    health: {
      kafkaProbeMs: e.HEALTH_KAFKA_PROBE_MS,
    },
  };
}

/** Empty strings mean "unset", as they do in Kubernetes manifests and shell exports. */
export function normalise(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v !== '') out[k] = v;
  return out;
}

function expandRoles(roles: readonly (Role | 'all')[]): Role[] {
  return roles.includes('all') ? [...ROLES] : [...new Set(roles as Role[])];
}

export function describe(issue: z.core.$ZodIssue): string {
  const key = String(issue.path[0] ?? '');
  if (issue.code === 'invalid_type' && issue.input === undefined) return 'required but not set';
  // Never echo the offending value: for secrets it would leak, for the rest the operator has it.
  if ((SECRET_KEYS as readonly string[]).includes(key)) return `invalid (${issue.code}); value not shown`;
  return issue.message;
}
