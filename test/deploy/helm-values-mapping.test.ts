/**
 * values.yaml mirrors the service's configuration (src/config/load-config.ts) one to one, by one
 * mechanical rule, config|secrets.<group>.<key> -> <GROUP>_<KEY>; and what the chart renders is
 * accepted by the real `loadConfig`, with the same defaults as the service's own.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, SECRET_KEYS, type Config } from '../../src/config/load-config';
import { OrganizationRouter } from '../../src/config/organizations';
import { effectiveEnv, ofKind, roleOf } from './support/manifests';
import { FIXTURES, PROFILES, REPO, envNameOf, parseManifests, removeScratchDir, renderChart, type K8sObject, type Profile } from './support/tools';
import { defaultValues, effectiveValues, type Values } from './support/values';

afterAll(removeScratchDir);

/** Every environment variable load-config.ts reads, from its source (its EnvSchema is not exported). */
function serviceEnvNames(): Set<string> {
  const src = readFileSync(join(REPO, 'src', 'config', 'load-config.ts'), 'utf8');
  const schemaStart = src.indexOf('const EnvSchema = z.object({');
  const schemaEnd = src.indexOf('\n});', schemaStart);
  const shapeStart = src.indexOf('const shape = {');
  const shapeEnd = src.indexOf('\n  };', shapeStart);
  if (schemaStart < 0 || schemaEnd < 0 || shapeStart < 0 || shapeEnd < 0) {
    throw new Error('load-config.ts changed shape: update serviceEnvNames() in this test to read it');
  }
  const schema = src.slice(schemaStart, schemaEnd);
  const names = new Set([...schema.matchAll(/^ {2}([A-Z][A-Z0-9_]*):/gm)].map((m) => m[1]!));
  const shapeKeys = [...src.slice(shapeStart, shapeEnd).matchAll(/^ {4}([A-Z][A-Z0-9_]*):/gm)].map((m) => m[1]!);
  for (const [, prefix] of schema.matchAll(/\.\.\.pipelineSettings\('([A-Z_]+)'/g)) {
    for (const k of shapeKeys) names.add(`${prefix}_${k}`);
  }
  if (names.size < 50) throw new Error(`only ${names.size} variables found in load-config.ts: parsing failed`);
  return names;
}

/** Variables the chart sets itself instead of taking them from values. */
const CHART_MANAGED = ['BRIDGE_ROLE', 'BRIDGE_ORGANIZATIONS_FILE'];

function mappedNames(values: Values): { config: Map<string, string>; secrets: Map<string, string> } {
  const config = new Map<string, string>();
  for (const [group, keys] of Object.entries(values.config as Values)) {
    for (const key of Object.keys(keys)) config.set(envNameOf(group, key), `config.${group}.${key}`);
  }
  const secrets = new Map<string, string>();
  for (const [group, entries] of Object.entries(values.secrets as Values)) {
    if (typeof entries !== 'object') continue;
    for (const key of Object.keys(entries)) secrets.set(envNameOf(group, key), `secrets.${group}.${key}`);
  }
  return { config, secrets };
}

describe('values.yaml <-> load-config.ts', () => {
  const service = serviceEnvNames();
  const { config, secrets } = mappedNames(defaultValues());

  test('every variable the service reads is settable through values (or set by the chart), and nothing else is', () => {
    const fromValues = new Set([...config.keys(), ...secrets.keys(), ...CHART_MANAGED]);
    expect([...service].filter((n) => !fromValues.has(n)).sort()).toEqual([]);
    expect([...fromValues].filter((n) => !service.has(n)).sort()).toEqual([]);
  });

  test('no variable is both a config value and a secret; every secret the service names is a secret reference', () => {
    expect([...config.keys()].filter((n) => secrets.has(n))).toEqual([]);
    for (const k of SECRET_KEYS) expect(secrets.get(k)).toBeDefined();
    for (const k of SECRET_KEYS) expect(config.get(k)).toBeUndefined();
  });

  test('the chart applies the same rule: the default ConfigMap holds exactly the non-empty defaults', () => {
    const objs = parseManifests(renderChart(PROFILES.default));
    const cm = ofKind(objs, 'ConfigMap')[0]!;
    const expected: Record<string, string> = {};
    for (const [group, keys] of Object.entries(effectiveValues(PROFILES.default).config as Values)) {
      for (const [key, v] of Object.entries(keys as Values)) {
        const s = Array.isArray(v) ? v.join(',') : String(v);
        if (s !== '') expected[envNameOf(group, key)] = s;
      }
    }
    expect(cm.data).toEqual(expected);
  });
});

/** Stand-ins for the contents of the Secrets the chart references. */
const FAKE_SECRETS: Record<string, string> = {
  TIXNGO_API_KEY: 'fake-api-key-0001',
  MONGODB_URI: 'mongodb://mongo.test:27017',
  KAFKA_SASL_USERNAME: 'bridge',
  KAFKA_SASL_PASSWORD: 'fake-password',
  SCHEMA_REGISTRY_USERNAME: 'bridge',
  SCHEMA_REGISTRY_PASSWORD: 'fake-password',
  NOTIFY_SMTP_URL: 'smtp://mail.test:25',
};
const secretValue = (envName: string): string => {
  const v = FAKE_SECRETS[envName];
  if (v === undefined) throw new Error(`unexpected secret variable ${envName}`);
  return v;
};

/** The organizations file the several-organizations profile's Secret holds (fake API keys). */
const ORGANIZATIONS_FILE = readFileSync(join(FIXTURES, 'organizations.yaml'), 'utf8');

/** loadConfig on a rendered Deployment's environment; files can only be read under the pod's mounts. */
function configOf(objs: K8sObject[], d: K8sObject, extra: Record<string, string> = {}): Config {
  const pod = d.spec.template.spec;
  const env = { ...effectiveEnv(objs, pod.containers[0], secretValue), ...extra };
  const mounts: string[] = pod.containers[0].volumeMounts.map((m: any) => m.mountPath);
  const readFile = (path: string): string => {
    if (!mounts.some((m) => path.startsWith(`${m}/`))) throw new Error(`${path} is not under a volume mount`);
    if (path.startsWith('/etc/tixngo-bridge/organizations/')) return ORGANIZATIONS_FILE;
    return path.endsWith('.crt') ? '-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n' : '{}';
  };
  return loadConfig(env, readFile);
}

/** What values.yaml leaves empty on purpose (site-specific): supplied here to compare the rest. */
const SITE = {
  KAFKA_BROKERS: 'kafka:9092',
  BRIDGE_ORGANIZATIONS: 'ORG1',
  SCHEMA_REGISTRY_URL: 'http://schema-registry:8081',
  TIXNGO_BASE_URL: 'https://tixngo.test/v3',
  INJECT_SALES_CHANNEL_CODE: 'WEB',
  INJECT_POS_CODE: 'TIXNGO',
  CANCEL_SHIPMENT_MODES: 'TIXNGO',
  CONTROL_SHIPMENT_MODES: 'TIXNGO',
};

describe('the rendered environment is a valid configuration for the service', () => {
  test.each(['minimal', 'full', 'organizations'] as Profile[])('every role of the %s profile passes loadConfig', (profile) => {
    const objs = parseManifests(renderChart(PROFILES[profile]));
    const deployments = ofKind(objs, 'Deployment');
    expect(deployments.length).toBeGreaterThan(0);
    for (const d of deployments) {
      const cfg = configOf(objs, d);
      expect(cfg.roles).toEqual([roleOf(d)]);
    }
  });

  test('the full profile reaches the service as configured: TLS with the mounted CA, SASL, template, groups', () => {
    const objs = parseManifests(renderChart(PROFILES.full));
    const inject = ofKind(objs, 'Deployment').find((d) => roleOf(d) === 'inject')!;
    const cfg = configOf(objs, inject);
    expect(cfg.kafka.ssl).toEqual({ ca: expect.stringContaining('BEGIN CERTIFICATE'), rejectUnauthorized: true });
    expect(cfg.kafka.sasl).toEqual({ mechanism: 'scram-sha-512', username: 'bridge', password: 'fake-password' });
    expect(cfg.schemaRegistry.auth).toEqual({ username: 'bridge', password: 'fake-password' });
    expect(cfg.organizations.entries[0]!.inject.template?.path).toBe('/etc/tixngo-bridge/template/ticket-template.json');
    expect(cfg.inject.groupId).toBe('tixngo-bridge-prod-injection');
    expect(cfg.cancel.groupId).toBe('tixngo-bridge-prod-cancel');
    expect(cfg.holderSync.maxRequestsPerSecond).toBe(2.5);
    expect(cfg.shutdown.drainDeadlineMs).toBe(45000);
    expect(cfg.notify.smtpUrl).toBe('smtp://mail.test:25');
  });

  test('values.yaml defaults are the service defaults (same Config as with those variables unset)', () => {
    const objs = parseManifests(renderChart(PROFILES.default));
    const served = (effectiveValues(PROFILES.default).config.bridge.organizations as string[]).join(',');
    for (const d of ofKind(objs, 'Deployment')) {
      const role = roleOf(d);
      const { BRIDGE_ORGANIZATIONS: _siteServes, ...site } = SITE; // whom it serves comes from the chart here
      const fromChart = configOf(objs, d, site);
      const bare = loadConfig({
        BRIDGE_ROLE: role,
        ...FAKE_SECRETS,
        ...site,
        BRIDGE_ORGANIZATIONS: served,
        KAFKA_SASL_USERNAME: '',
        KAFKA_SASL_PASSWORD: '',
        SCHEMA_REGISTRY_USERNAME: '',
        SCHEMA_REGISTRY_PASSWORD: '',
        NOTIFY_SMTP_URL: '',
      });
      expect({ ...fromChart, instanceId: '' }).toEqual({ ...bare, instanceId: '' });
    }
  });

  test('one organization per release: whom it serves reaches the service, into the one TIXnGO account of the values', () => {
    const objs = parseManifests(renderChart(PROFILES.full));
    for (const d of ofKind(objs, 'Deployment')) {
      const cfg = configOf(objs, d);
      expect(cfg.organizations.mode).toBe('list');
      expect(cfg.organizations.entries.map((e) => e.codes)).toEqual([['ORG1', 'ORG2']]);
      expect(cfg.organizations.entries[0]!.tixngo).toEqual(
        expect.objectContaining({ baseUrl: 'https://tixngo.example.com/v3', apiKey: FAKE_SECRETS.TIXNGO_API_KEY }),
      );
      expect(cfg.organizations.entries[0]!.organizerId).toBe('organizer-42');
    }
  });

  test('several organizations in one release: each gets the TIXnGO account and rules of its entry in the mounted file, the values as defaults', () => {
    const objs = parseManifests(renderChart(PROFILES.organizations));
    for (const d of ofKind(objs, 'Deployment')) {
      const cfg = configOf(objs, d);
      expect(cfg.organizations.mode).toBe('file');
      const [a, b] = cfg.organizations.entries;
      expect([a!.codes, b!.codes]).toEqual([['ORG_A'], ['ORG_B', 'ORG_B_SHOP']]);
      expect([a!.tixngo.baseUrl, b!.tixngo.baseUrl]).toEqual(['https://org-a.tixngo.test/v3', 'https://org-b.tixngo.test/v3']);
      expect([a!.tixngo.apiKey, b!.tixngo.apiKey]).toEqual(['fake-api-key-of-org-a', 'fake-api-key-of-org-b']);
      // What an entry does not give comes from the values; what it gives is its own.
      expect([a!.inject.salesChannelCode, a!.inject.posCode, b!.inject.posCode]).toEqual(['WEB', 'POS-A', 'POS-B']);
      expect([a!.cancel.shipmentModes, b!.cancel.shipmentModes]).toEqual([['MOBILE'], ['MOBILE', 'PRINT_AT_HOME']]);
    }
    // The one holder-sync pod polls each TIXnGO organizer of the file, one lease each.
    const hs = ofKind(objs, 'Deployment').find((d) => roleOf(d) === 'holder-sync')!;
    const organizers = new OrganizationRouter(configOf(objs, hs).organizations).organizers();
    expect(organizers.map((o) => [o.organizerId, o.organizations])).toEqual([
      ['organizer-a', ['ORG_A']],
      ['organizer-b', ['ORG_B,ORG_B_SHOP']],
    ]);
  });
});
