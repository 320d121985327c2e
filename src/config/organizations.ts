import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { ConfigIssue } from '../shared/errors';
import type { Role } from '../roles';
import { describe, EnvSchema, type Env, type OrganizationConfig, type Organizations, type ReadFile, type TemplateSource } from './load-config';

/**
 * Whom a release serves. One S-360 platform serves many organizations on shared topics, and each
 * organization has its own TIXnGO account (URL and API key), filters, codes and lists. A release must
 * know which organizations are its own, or it would push another organization's tickets (names,
 * e-mails) into its TIXnGO account:
 *
 * - `BRIDGE_ORGANIZATIONS=ORG_A[,ORG_B]`: the release serves these S-360 organizations, all into the one
 *   TIXnGO account of the `TIXNGO_*` settings (several S-360 organizations may inject into one TIXnGO
 *   organizer). Events of any other organization are skipped (`ORGANIZATION_NOT_SERVED`).
 * - `BRIDGE_ORGANIZATIONS=*`: the operator states that the S-360 installation has a single
 *   organization: every event is the release's. A deliberate value; an unset setting is refused.
 * - `BRIDGE_ORGANIZATIONS_FILE=<path>` (a file mounted from a Secret): several organizations in one
 *   release, each entry with its own TIXnGO account and rules:
 *
 *   ```yaml
 *   organizations:
 *     - codes: [ORG_A]                # the S-360 organization code(s) of this entry
 *       settings:                     # the per-organization settings, named as in the environment
 *         TIXNGO_BASE_URL: https://…/v3
 *         TIXNGO_API_KEY: …
 *         HOLDER_SYNC_ORGANIZER_ID: org-a
 *         INJECT_SALES_CHANNEL_CODE: BRIDGE
 *         INJECT_POS_CODE: POS-A
 *         CANCEL_SHIPMENT_MODES: [MOBILE]
 *   ```
 *
 *   A setting an entry does not give is taken from the environment, except the TIXnGO account itself
 *   (`TIXNGO_BASE_URL`, `TIXNGO_API_KEY`, `HOLDER_SYNC_ORGANIZER_ID`), which every entry must give and the
 *   environment must not: no organization ever falls back on another's account.
 */

/** The settings an organization has of its own (the rest is the release's: Kafka, batching, …). */
export const ORGANIZATION_KEYS =
  /^(TIXNGO_(BASE_URL|API_KEY|API_KEY_HEADER|INJECT_PATH|DELETE_PATH|CONTROL_PATH|CHANGES_PATH|REQUEST_TIMEOUT_MS|MAX_REQUEST_BYTES)|HOLDER_SYNC_(ORGANIZER_ID|SKIP)|INJECT_(FILTER_[A-Z_]+|MANDATORY_HOLDER_FIELDS|SALES_CHANNEL_CODE|POS_CODE|BARCODE_PREFIX|BARCODE_POSTFIX|TEMPLATE_FILE|OVERLAY_LAST_OWNER|RESET_INVALIDATION_REASONS|ACTIVATION_METHOD|FORCE|SKIP|SIMULATE)|CANCEL_(SHIPMENT_MODES|NOTIFY_SPECTATOR|VISIBILITY_OVERRIDE_REASONS|VISIBILITY_DEFAULT|FORCE|SKIP|SIMULATE)|CONTROL_(SHIPMENT_MODES|FORCE|SKIP|SIMULATE))$/;

/** The TIXnGO account: given by every entry of the file, never inherited. */
const ACCOUNT_KEYS = ['TIXNGO_BASE_URL', 'TIXNGO_API_KEY', 'HOLDER_SYNC_ORGANIZER_ID'] as const;

/** An S-360 organization code. */
const CODE = /^[A-Za-z0-9_.-]{1,64}$/;

/** Whether `s` has the form of an S-360 organization code. */
export const isOrganizationCode = (s: string): boolean => CODE.test(s);

const FileSchema = z
  .object({
    organizations: z
      .array(
        z
          .object({
            codes: z.array(z.string().regex(CODE, 'expected S-360 organization codes (letters, digits, _ . -)')).min(1, 'name at least one organization code'),
            settings: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.array(z.union([z.string(), z.number()]))])).default({}),
          })
          .strict(),
      )
      .min(1, 'name at least one organization'),
  })
  .strict();

/** The organization settings an environment lacks, judged on its raw values (when it does not parse). */
export function missingOrganizationSettings(raw: Readonly<Record<string, string>>): ConfigIssue[] {
  if (raw.BRIDGE_ORGANIZATIONS_FILE !== undefined) return [];
  return ['BRIDGE_ORGANIZATIONS', 'TIXNGO_API_KEY', 'TIXNGO_BASE_URL']
    .filter((k) => raw[k] === undefined)
    .map((key) => ({ key, problem: 'required but not set' }));
}

/**
 * Builds the release's organizations from the parsed environment `e` (and the raw one, `raw`, from
 * which a file entry's settings inherit), pushing every problem to `issues`. Undefined when there are
 * problems.
 */
export function buildOrganizations(
  e: Env,
  raw: Readonly<Record<string, string>>,
  roles: readonly Role[],
  readFile: ReadFile,
  issues: ConfigIssue[],
): Organizations | undefined {
  const before = issues.length;
  if (e.BRIDGE_ORGANIZATIONS_FILE) {
    if (e.BRIDGE_ORGANIZATIONS.length > 0) {
      issues.push({ key: 'BRIDGE_ORGANIZATIONS', problem: 'set it or BRIDGE_ORGANIZATIONS_FILE, not both (the file names the organizations)' });
    }
    for (const key of ACCOUNT_KEYS) {
      if (raw[key] !== undefined)
        issues.push({ key, problem: "set per organization in BRIDGE_ORGANIZATIONS_FILE, not here: no organization may fall back on another's account" });
    }
    const entries = fromFile(e.BRIDGE_ORGANIZATIONS_FILE, raw, roles, readFile, issues);
    return issues.length > before || !entries ? undefined : { mode: 'file', entries };
  }
  const codes = e.BRIDGE_ORGANIZATIONS;
  if (codes.length === 0) {
    issues.push({
      key: 'BRIDGE_ORGANIZATIONS',
      problem:
        'required: the S-360 organization code(s) this release serves (events of other organizations are skipped), ' +
        'or * if the S-360 installation has a single organization; several organizations with their own TIXnGO accounts: BRIDGE_ORGANIZATIONS_FILE',
    });
    return undefined;
  }
  const any = codes.includes('*');
  if (any && codes.length > 1) issues.push({ key: 'BRIDGE_ORGANIZATIONS', problem: '* (every organization) stands alone' });
  for (const c of codes)
    if (c !== '*' && !CODE.test(c)) issues.push({ key: 'BRIDGE_ORGANIZATIONS', problem: `"${c.slice(0, 40)}" is not an S-360 organization code` });
  for (const key of ['TIXNGO_BASE_URL', 'TIXNGO_API_KEY'] as const) if (e[key] === undefined) issues.push({ key, problem: 'required but not set' });
  const entry = organization(e, any ? undefined : codes, roles, readFile, (key) => key, issues);
  return issues.length > before || !entry ? undefined : { mode: any ? 'any' : 'list', entries: [entry] };
}

function fromFile(
  path: string,
  raw: Readonly<Record<string, string>>,
  roles: readonly Role[],
  readFile: ReadFile,
  issues: ConfigIssue[],
): OrganizationConfig[] | undefined {
  const key = 'BRIDGE_ORGANIZATIONS_FILE';
  let doc: unknown;
  try {
    doc = parseYaml(readFile(path));
  } catch (err) {
    // The parser's message may quote the file (secrets): only whether it could be read or parsed.
    issues.push({
      key,
      problem:
        (err as { code?: string }).code === 'ENOENT' || !(err instanceof Error && err.name.startsWith('YAML'))
          ? `cannot read ${path}`
          : `${path} is not valid YAML or JSON`,
    });
    return undefined;
  }
  const parsed = FileSchema.safeParse(doc);
  if (!parsed.success) {
    for (const i of parsed.error.issues) {
      const where = i.path.map(String).join('.');
      // Never echo a value: the file holds API keys.
      issues.push({
        key: `${key}: ${where || '(file)'}`,
        problem: i.code === 'invalid_type' && i.input === undefined ? 'required but not set' : i.message.replace(/received .*/i, '').trim(),
      });
    }
    return undefined;
  }
  const inherited = Object.fromEntries(Object.entries(raw).filter(([k]) => !(ACCOUNT_KEYS as readonly string[]).includes(k)));
  const entries: OrganizationConfig[] = [];
  const seen = new Map<string, string>();
  parsed.data.organizations.forEach((o, index) => {
    const name = o.codes.join(',');
    const at = (k: string) => `${key}: organizations[${index}] (${name}): ${k}`;
    for (const c of o.codes) {
      const other = seen.get(c);
      if (other !== undefined) issues.push({ key: at('codes'), problem: `${c} is also in entry ${other}: an organization has one TIXnGO account` });
      seen.set(c, name);
    }
    const own: Record<string, string> = {};
    for (const [k, v] of Object.entries(o.settings)) {
      if (!ORGANIZATION_KEYS.test(k)) {
        issues.push({ key: at(k), problem: "not a per-organization setting (the release's own settings go in the environment)" });
        continue;
      }
      own[k] = Array.isArray(v) ? v.join(',') : String(v);
    }
    for (const k of ACCOUNT_KEYS)
      if (own[k] === undefined || own[k] === '') issues.push({ key: at(k), problem: 'required: every organization names its own TIXnGO account' });
    const result = EnvSchema.safeParse({ ...inherited, ...own });
    if (!result.success) {
      for (const i of result.error.issues) {
        const k = String(i.path[0] ?? '');
        if (ORGANIZATION_KEYS.test(k)) issues.push({ key: at(k), problem: describe(i) });
      }
      return;
    }
    const entry = organization(result.data, o.codes, roles, readFile, at, issues);
    if (entry) entries.push(entry);
  });
  // Organizations sharing a TIXnGO organizer share one change feed: it must be one account.
  const byOrganizer = new Map<string, OrganizationConfig>();
  for (const entry of entries) {
    const first = byOrganizer.get(entry.organizerId);
    if (!first) byOrganizer.set(entry.organizerId, entry);
    else if (first.tixngo.baseUrl !== entry.tixngo.baseUrl || first.tixngo.apiKey !== entry.tixngo.apiKey) {
      issues.push({
        key: `${key}: ${entry.name}: HOLDER_SYNC_ORGANIZER_ID`,
        problem: `shared with ${first.name}, so TIXNGO_BASE_URL and TIXNGO_API_KEY must be the same too (one organizer, one account; values not shown)`,
      });
    }
  }
  return entries;
}

/** One organization's settings from a parsed environment (the release's own, or a file entry's). */
function organization(
  o: Env,
  codes: readonly string[] | undefined,
  roles: readonly Role[],
  readFile: ReadFile,
  at: (key: string) => string,
  issues: ConfigIssue[],
): OrganizationConfig | undefined {
  const before = issues.length;
  if (roles.includes('inject') && !o.INJECT_SIMULATE) {
    for (const k of ['INJECT_SALES_CHANNEL_CODE', 'INJECT_POS_CODE'] as const) {
      if (!o[k]) issues.push({ key: at(k), problem: 'required: injected tickets are marked printed through it' });
    }
  }
  for (const [prefix, role] of [
    ['CANCEL', 'cancel'],
    ['CONTROL', 'control'],
  ] as const) {
    if (roles.includes(role) && o[`${prefix}_SHIPMENT_MODES`].length === 0) {
      issues.push({ key: at(`${prefix}_SHIPMENT_MODES`), problem: 'required: only tickets with these shipment modes are pushed (S-360 makes it mandatory)' });
    }
  }
  let template: TemplateSource | undefined;
  if (o.INJECT_TEMPLATE_FILE) {
    try {
      template = { path: o.INJECT_TEMPLATE_FILE, text: readFile(o.INJECT_TEMPLATE_FILE) };
    } catch {
      issues.push({ key: at('INJECT_TEMPLATE_FILE'), problem: `cannot read ${o.INJECT_TEMPLATE_FILE}` });
    }
  }
  if (issues.length > before || !o.TIXNGO_BASE_URL || !o.TIXNGO_API_KEY) return undefined;
  return {
    name: codes ? codes.join(',') : '*',
    codes,
    tixngo: {
      baseUrl: o.TIXNGO_BASE_URL.replace(/\/+$/, ''),
      apiKey: o.TIXNGO_API_KEY,
      apiKeyHeader: o.TIXNGO_API_KEY_HEADER,
      paths: { inject: o.TIXNGO_INJECT_PATH, delete: o.TIXNGO_DELETE_PATH, control: o.TIXNGO_CONTROL_PATH, changes: o.TIXNGO_CHANGES_PATH },
      requestTimeoutMs: o.TIXNGO_REQUEST_TIMEOUT_MS,
      maxRequestBytes: o.TIXNGO_MAX_REQUEST_BYTES,
    },
    organizerId: o.HOLDER_SYNC_ORGANIZER_ID,
    holderSyncSkip: o.HOLDER_SYNC_SKIP,
    inject: {
      simulate: o.INJECT_SIMULATE,
      force: o.INJECT_FORCE,
      skip: o.INJECT_SKIP,
      filters: {
        salesChannels: o.INJECT_FILTER_SALES_CHANNELS,
        seasons: o.INJECT_FILTER_SEASONS,
        productFamilies: o.INJECT_FILTER_PRODUCT_FAMILIES,
        products: o.INJECT_FILTER_PRODUCTS,
        performances: o.INJECT_FILTER_PERFORMANCES,
        tariffs: o.INJECT_FILTER_TARIFFS,
        seatCategories: o.INJECT_FILTER_SEAT_CATEGORIES,
        fileNumbers: o.INJECT_FILTER_FILE_NUMBERS,
      },
      mandatoryHolderFields: o.INJECT_MANDATORY_HOLDER_FIELDS,
      salesChannelCode: o.INJECT_SALES_CHANNEL_CODE ?? '',
      posCode: o.INJECT_POS_CODE ?? '',
      barcodePrefix: o.INJECT_BARCODE_PREFIX,
      barcodePostfix: o.INJECT_BARCODE_POSTFIX,
      template,
      overlayLastOwner: o.INJECT_OVERLAY_LAST_OWNER,
      resetInvalidationReasons: o.INJECT_RESET_INVALIDATION_REASONS,
      activationMethod: o.INJECT_ACTIVATION_METHOD,
    },
    cancel: {
      simulate: o.CANCEL_SIMULATE,
      force: o.CANCEL_FORCE,
      skip: o.CANCEL_SKIP,
      shipmentModes: o.CANCEL_SHIPMENT_MODES,
      notifySpectator: o.CANCEL_NOTIFY_SPECTATOR,
      visibilityOverrideReasons: o.CANCEL_VISIBILITY_OVERRIDE_REASONS,
      visibilityDefault: o.CANCEL_VISIBILITY_DEFAULT,
    },
    control: { simulate: o.CONTROL_SIMULATE, force: o.CONTROL_FORCE, skip: o.CONTROL_SKIP, shipmentModes: o.CONTROL_SHIPMENT_MODES },
  };
}

/** Finds the entry that serves an S-360 organization code. */
export class OrganizationRouter {
  private readonly byCode = new Map<string, OrganizationConfig>();
  private readonly any: OrganizationConfig | undefined;

  constructor(readonly organizations: Organizations) {
    this.any = organizations.mode === 'any' ? organizations.entries[0] : undefined;
    for (const entry of organizations.entries) for (const c of entry.codes ?? []) this.byCode.set(c, entry);
  }

  /** The entry serving `code`, or undefined: the release does not serve that organization. */
  of(code: string): OrganizationConfig | undefined {
    return this.any ?? this.byCode.get(code);
  }

  /** Every TIXnGO organizer of the release, once, with the account its holder-sync poller uses. */
  organizers(): { organizerId: string; tixngo: OrganizationConfig['tixngo']; skip: readonly string[]; organizations: string[] }[] {
    const out = new Map<string, { organizerId: string; tixngo: OrganizationConfig['tixngo']; skip: readonly string[]; organizations: string[] }>();
    for (const e of this.organizations.entries) {
      const o = out.get(e.organizerId);
      if (o) o.organizations.push(e.name);
      else out.set(e.organizerId, { organizerId: e.organizerId, tixngo: e.tixngo, skip: e.holderSyncSkip, organizations: [e.name] });
    }
    return [...out.values()];
  }
}
