import type { Config } from '../../config/load-config';
import { AvroCodec, valueSubject, type SchemaName } from '../../kafka/avro-codec';
import { ROLE_REGISTRY } from '../../role-registry';
import { effectiveCompatibility, INPUT_SUBJECT_COMPATIBILITY, protectsReader, registryHeaders, subjectExists } from '../../kafka/registry-rest';
import { SmtpMailer } from '../../notify/mailer';
import type { Logger } from '../../ops/logger';
import { ROLES, type Role } from '../../roles';
import { toSafeError, type ConfigIssue } from '../../shared/errors';
import { AxiosTixngoApi } from '../../tixngo/axios-tixngo-api';
import { collectConfigIssues, loadCliConfig, type Area } from '../cli-config';
import { CliFailure, CliRuntime, type Output } from '../runtime';

type Verdict = 'OK' | 'FAIL' | 'SKIP';

/** A topic the roles need, and the schema its subject must know (outputs: exactly our version). */
interface NeededTopic {
  readonly topic: string;
  readonly schema?: SchemaName;
  readonly ours: boolean;
  /** A role reads it: its subject's compatibility level must protect the bridge's reader. */
  readonly read: boolean;
}

/**
 * `doctor`: validates the configuration and checks, in plain words, that Kafka, the Schema Registry,
 * MongoDB, TIXnGO (and the SMTP server, when notifications are on) answer and accept our
 * credentials. Exit 1 when anything is wrong.
 *
 * TIXnGO is checked with an authenticated GET of the change feed (`limit=1`, no pagination key):
 * read-only, it moves nothing (the poller's key lives in MongoDB and is not touched) and the record
 * it may return is dropped unread. An empty injection was ruled out: it is a POST to a write
 * endpoint whose answer to zero tickets is undocumented (the simulator accepts it; TIXnGO might
 * answer 400, or log an empty import).
 */
export async function doctor(env: Readonly<Record<string, string | undefined>>, opts: { role?: Role }, log: Logger, out: Output): Promise<void> {
  let failures = 0;
  const report = (verdict: Verdict, what: string, detail: string) => {
    if (verdict === 'FAIL') failures++;
    out.line(`${verdict.padEnd(5)} ${what}: ${detail}`);
  };
  const roleText = opts.role ?? env.BRIDGE_ROLE?.trim() ?? '';
  const roles: Role[] = roleText === '' || roleText === 'all' ? [...ROLES] : (roleText.split(',').map((r) => r.trim()) as Role[]);
  out.line(`tixngo-bridge doctor (roles: ${roles.join(', ')}${roleText === '' ? '; BRIDGE_ROLE not set, so every role is checked' : ''})`);

  // 1. Configuration, as the bridge itself would load it.
  const issues: readonly ConfigIssue[] = collectConfigIssues({ ...env, BRIDGE_ROLE: roleText === '' ? 'all' : roleText });
  if (issues.length === 0) report('OK', 'configuration', 'every setting is valid');
  for (const i of issues) report('FAIL', 'configuration', `${i.key}: ${i.problem}`);
  const broken = new Set(issues.map((i) => areaOf(i.key.split('.')[0]!)));
  const usable = (['kafka', 'registry', 'mongo', 'tixngo', 'notify'] as const).filter((a) => !broken.has(a));
  let config: Config;
  try {
    config = loadCliConfig(env, { ...(opts.role ? { role: opts.role } : {}), needs: [...usable] as Area[] });
  } catch {
    throw new CliFailure('the configuration is too broken to check the services; fix the settings above first');
  }
  const names = { kafka: 'kafka', registry: 'schema registry', mongo: 'mongodb', tixngo: 'tixngo' } as const;
  for (const area of ['kafka', 'registry', 'mongo', 'tixngo'] as const) {
    if (broken.has(area)) report('SKIP', names[area], 'not checked: its settings are invalid (see above)');
  }

  const rt = new CliRuntime(config, log, out, { kafkaLogs: /^(debug|trace)$/.test(env.LOG_LEVEL ?? '') });
  const needed = neededTopics(config, roles);
  try {
    if (!broken.has('kafka')) await check(report, 'kafka', () => checkKafka(rt, needed));
    if (!broken.has('registry')) await check(report, 'schema registry', () => checkRegistry(config, needed));
    if (!broken.has('mongo')) await check(report, 'mongodb', () => checkMongo(rt));
    if (!broken.has('tixngo')) await check(report, 'tixngo', () => checkTixngo(config));
    if (config.notify.recipients.length === 0) report('SKIP', 'notifications', 'NOTIFY_RECIPIENTS is empty: failures are not mailed');
    else if (!broken.has('notify')) await check(report, 'notifications', () => checkSmtp(config));
  } finally {
    await rt.close();
  }
  out.line('');
  if (failures > 0) throw new CliFailure(`${failures} problem(s) found`);
  out.line('No problem found.');
}

function areaOf(key: string): Area | 'other' {
  // Whom the release serves, and (the file) each organization's TIXnGO account: without them no account can be checked.
  if (/^BRIDGE_ORGANIZATIONS/.test(key)) return 'tixngo';
  if (/^KAFKA_/.test(key)) return 'kafka';
  if (/^SCHEMA_REGISTRY_/.test(key)) return 'registry';
  if (/^MONGODB_/.test(key)) return 'mongo';
  if (/^TIXNGO_/.test(key)) return 'tixngo';
  if (/^NOTIFY_/.test(key)) return 'notify';
  return 'other';
}

async function check(report: (v: Verdict, what: string, detail: string) => void, what: string, run: () => Promise<[Verdict, string][]>): Promise<void> {
  try {
    const results = await withTimeout(run(), 30_000, `${what} did not answer within 30 s`);
    for (const [verdict, detail] of results) report(verdict, what, detail);
  } catch (e) {
    report('FAIL', what, toSafeError(e).message);
  }
}

function neededTopics(c: Config, roles: readonly Role[]): NeededTopic[] {
  const out: NeededTopic[] = [];
  for (const role of roles) {
    // An unknown name: the configuration check already said so.
    const d = Object.hasOwn(ROLE_REGISTRY, role) ? ROLE_REGISTRY[role] : undefined;
    if (!d) continue;
    const inputs = d.inputs(c.topics);
    const dlq = (t: string): NeededTopic => ({ topic: `${t}${c.topics.dlqSuffix}`, ours: false, read: false });
    for (const t of inputs) out.push({ ...t, ours: false, read: true }, dlq(t.topic));
    for (const t of d.outputs(c.topics)) out.push({ ...t, ours: true, read: false });
    for (const t of d.deadLetterSources(c.topics)) if (!inputs.some((i) => i.topic === t)) out.push(dlq(t));
  }
  const seen = new Map<string, NeededTopic>();
  for (const t of out) {
    const prev = seen.get(t.topic);
    seen.set(
      t.topic,
      prev ? { ...prev, ours: prev.ours || t.ours, read: prev.read || t.read, ...((prev.schema ?? t.schema) ? { schema: prev.schema ?? t.schema } : {}) } : t,
    );
  }
  return [...seen.values()];
}

async function checkKafka(rt: CliRuntime, needed: readonly NeededTopic[]): Promise<[Verdict, string][]> {
  let admin;
  try {
    admin = await rt.admin();
  } catch (e) {
    return [['FAIL', `${toSafeError(e).message} (brokers ${rt.config.kafka.brokers.join(',')}): check KAFKA_BROKERS, the TLS/SASL settings and the network`]];
  }
  const cluster = await admin.describeCluster();
  const topics = await admin.listTopics();
  const missing = needed.filter((t) => !topics.has(t.topic)).map((t) => t.topic);
  return [
    ['OK', `${cluster.brokers} broker(s) answered, cluster ${cluster.clusterId}`],
    missing.length === 0
      ? ['OK', `the ${needed.length} topic(s) the roles use exist`]
      : ['FAIL', `missing topic(s): ${missing.join(', ')} (create them: node dist/tools/create-topics.js)`],
  ];
}

async function checkRegistry(config: Config, needed: readonly NeededTopic[]): Promise<[Verdict, string][]> {
  const url = config.schemaRegistry.url.replace(/\/+$/, '');
  let res: Response;
  try {
    res = await fetch(`${url}/subjects`, { headers: registryHeaders(config.schemaRegistry), signal: AbortSignal.timeout(10_000) });
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause?.code;
    return [['FAIL', `cannot reach ${url} (${cause ?? toSafeError(e).name}): check SCHEMA_REGISTRY_URL and the network`]];
  }
  if (res.status === 401 || res.status === 403)
    return [['FAIL', `${url} refused our credentials (HTTP ${res.status}): check SCHEMA_REGISTRY_USERNAME and SCHEMA_REGISTRY_PASSWORD`]];
  if (res.status !== 200) return [['FAIL', `GET ${url}/subjects answered HTTP ${res.status}`]];
  await res.body?.cancel();
  const results: [Verdict, string][] = [['OK', `${url} answered`]];
  // One lookup per subject, not the listing: Apicurio caps it (1,000 subjects by default).
  const withSchema = needed.filter((t) => t.schema);
  const present = new Set<string>();
  for (const t of withSchema) if (await subjectExists(config.schemaRegistry, valueSubject(t.topic))) present.add(t.topic);
  const missing = withSchema.filter((t) => !present.has(t.topic)).map((t) => valueSubject(t.topic));
  results.push(
    missing.length === 0
      ? ['OK', 'every subject the roles read or write is registered']
      : ['FAIL', `subject(s) not registered: ${missing.join(', ')} (register: node dist/tools/register-schemas.js)`],
  );
  const codec = new AvroCodec(config.schemaRegistry);
  const notOurs: string[] = [];
  for (const t of needed.filter((x) => x.ours && x.schema && present.has(x.topic))) {
    try {
      await codec.writerId(t.topic, t.schema!);
    } catch {
      notOurs.push(valueSubject(t.topic));
    }
  }
  if (notOurs.length > 0)
    results.push(['FAIL', `this version's output schema is not registered under ${notOurs.join(', ')} (register the schemas of this release)`]);
  results.push(
    ...(await checkInputCompatibility(
      config,
      needed.filter((t) => t.read && t.schema && present.has(t.topic)),
    )),
  );
  return results;
}

/**
 * Does each subject the roles read refuse a producer schema the bridge's version cannot read? Only
 * FULL_TRANSITIVE and FORWARD_TRANSITIVE do (src/kafka/registry-rest.ts says why); under
 * any other level a producer can drop a field the bridge requires and every record is dead-lettered.
 */
async function checkInputCompatibility(config: Config, inputs: readonly NeededTopic[]): Promise<[Verdict, string][]> {
  if (inputs.length === 0) return [];
  const unprotected: string[] = [];
  for (const t of inputs) {
    const subject = valueSubject(t.topic);
    const level = await effectiveCompatibility(config.schemaRegistry, subject);
    if (!protectsReader(level)) unprotected.push(`${subject} (${level})`);
  }
  if (unprotected.length === 0) return [['OK', `the subject(s) the roles read refuse producer schemas the bridge cannot read (${inputs.length} checked)`]];
  return [
    [
      'FAIL',
      `subject(s) whose compatibility lets a producer drop a field the bridge requires (every record would then be dead-lettered, AVRO_SCHEMA_MISMATCH): ${unprotected.join(', ')}; ` +
        `set ${INPUT_SUBJECT_COMPATIBILITY} (node dist/tools/register-schemas.js does)`,
    ],
  ];
}

async function checkMongo(rt: CliRuntime): Promise<[Verdict, string][]> {
  try {
    const { db } = await rt.mongo();
    await db.command({ ping: 1 });
    return [['OK', `ping answered (database ${rt.config.mongo.database})`]];
  } catch (e) {
    return [['FAIL', `${toSafeError(e).message}: check MONGODB_URI (host, credentials, TLS) and the network`]];
  }
}

/**
 * Each organization's TIXnGO account: an authenticated, read-only request (one change-feed record) with
 * that organization's own key, and the pairing of S-360 organizations with TIXnGO organizers that
 * holder-sync uses. A failure names the organization and the setting to check, never the key.
 */
async function checkTixngo(config: Config): Promise<[Verdict, string][]> {
  const out: [Verdict, string][] = [];
  const { mode } = config.organizations;
  for (const o of config.organizations.entries) {
    const who = mode === 'any' ? 'every S-360 organization (BRIDGE_ORGANIZATIONS=*: a single-organization installation)' : `S-360 organization(s) ${o.name}`;
    const pairing = `${who} → ${o.tixngo.baseUrl}, TIXnGO organizer ${o.organizerId}`;
    // In the file, the settings to fix are that entry's.
    const of = mode === 'file' ? ` of ${o.name} in BRIDGE_ORGANIZATIONS_FILE` : '';
    const api = new AxiosTixngoApi({ ...o.tixngo, requestTimeoutMs: Math.min(o.tixngo.requestTimeoutMs, 15_000) });
    try {
      await api.fetchChanges({ paginationKey: null, limit: 1 });
      out.push(['OK', `${pairing} (holder-sync reads its change feed): the API key was accepted (one change-feed record read, nothing changed)`]);
    } catch (e) {
      const s = toSafeError(e);
      if (s.code === 'TIXNGO_AUTH') out.push(['FAIL', `${pairing}: TIXnGO refused the API key: check TIXNGO_API_KEY and TIXNGO_API_KEY_HEADER${of}`]);
      else out.push(['FAIL', `${pairing}: ${s.message} (check TIXNGO_BASE_URL and the TIXNGO_*_PATH settings${of})`]);
    } finally {
      api.close();
    }
  }
  return out;
}

async function checkSmtp(config: Config): Promise<[Verdict, string][]> {
  const mailer = new SmtpMailer(config.notify.smtpUrl!, config.notify.from, config.notify.recipients);
  try {
    await mailer.verify();
    return [['OK', `the SMTP server accepted the connection; digests go to ${config.notify.recipients.length} recipient(s)`]];
  } catch (e) {
    return [['FAIL', `${toSafeError(e).message}: check NOTIFY_SMTP_URL`]];
  } finally {
    mailer.close();
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(message)), ms);
    }),
  ]);
}
