/**
 * The Helm chart, checked without a cluster: `helm lint --strict`, `helm template` of the minimal,
 * default and full profiles, kubeconform in strict mode against the schemas committed under
 * test/deploy/schemas (no network), and assertions on the rendered objects.
 */
import { cpSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { loadConfig, SECRET_KEYS, type Organizations } from '../../src/config/load-config';
import { effectiveEnv, ofKind, roleOf, walkStrings, workloadContainers, type Container } from './support/manifests';
import {
  CHART,
  KUBE_VERSION,
  NAMESPACE,
  PROFILES,
  RELEASE,
  SCHEMAS,
  helm,
  parseManifests,
  renderChart,
  renderChartExpectingFailure,
  requireTool,
  removeScratchDir,
  scratchDir,
  run,
  writeTemp,
  type K8sObject,
  type Profile,
} from './support/tools';
import { CONSUMER_ROLES, ROLES, effectiveValues, type Values } from './support/values';

const PROFILE_NAMES = Object.keys(PROFILES) as Profile[];

/** What the service makes of an organizations file (every role, so every per-role rule is judged). */
function buildOrganizationsFromFile(text: string): Organizations {
  const path = '/etc/tixngo-bridge/organizations/organizations.yaml';
  const env = {
    BRIDGE_ROLE: 'all',
    BRIDGE_ORGANIZATIONS_FILE: path,
    KAFKA_BROKERS: 'kafka:9092',
    SCHEMA_REGISTRY_URL: 'http://schema-registry:8081',
    MONGODB_URI: 'mongodb://mongo:27017',
    INJECT_SALES_CHANNEL_CODE: 'WEB',
    CANCEL_SHIPMENT_MODES: 'MOBILE',
    CONTROL_SHIPMENT_MODES: 'MOBILE',
  };
  return loadConfig(env, (p) => {
    if (p !== path) throw new Error(`unexpected file ${p}`);
    return text;
  }).organizations;
}
afterAll(removeScratchDir);

/** Variables that only ever come from Secrets: the service's list plus the SASL/registry user names. */
const SECRET_ENV = new Set<string>([...SECRET_KEYS, 'KAFKA_SASL_USERNAME', 'SCHEMA_REGISTRY_USERNAME']);

/** Shapes of credentials that must never be in a ConfigMap or an env literal. */
const CREDENTIAL_PATTERNS = [/\/\/[^/\s:@]+:[^/\s@]+@/, /SENTINEL/i, /-----BEGIN [A-Z ]*PRIVATE KEY-----/];

function kubeconform(file: string): ReturnType<typeof run> {
  return run(requireTool('kubeconform'), [
    '-strict',
    '-summary',
    '-kubernetes-version',
    KUBE_VERSION,
    '-schema-location',
    join(SCHEMAS, 'kubernetes', '{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}', '{{ .ResourceKind }}{{ .KindSuffix }}.json'),
    '-schema-location',
    join(SCHEMAS, 'crds', '{{ .ResourceKind }}{{ .KindSuffix }}.json'),
    file,
  ]);
}

describe('helm lint --strict', () => {
  test.each(PROFILE_NAMES)('%s profile', (profile) => {
    const r = helm(['lint', '--strict', CHART, ...PROFILES[profile].flatMap((f) => ['--values', f])]);
    expect({ status: r.status, out: r.stdout + r.stderr }).toEqual({ status: 0, out: expect.stringContaining('0 chart(s) failed') });
  });
});

describe('kubeconform rejects what the schemas forbid (the offline schemas are really used)', () => {
  test('an unknown field and a wrong type in a Deployment fail', () => {
    const bad = writeTemp(
      'bad.yaml',
      [
        'apiVersion: apps/v1',
        'kind: Deployment',
        'metadata: {name: bad}',
        'spec:',
        '  replicas: "two"',
        '  selector: {matchLabels: {app: bad}}',
        '  template:',
        '    metadata: {labels: {app: bad}}',
        '    spec:',
        '      containers: [{name: c, image: i, notAField: true}]',
      ].join('\n'),
    );
    const r = kubeconform(bad);
    expect(r.status).not.toBe(0);
    expect(r.stdout).toMatch(/notAField/);
    expect(r.stdout).toMatch(/replicas/);
  });
  test('a kind without a committed schema fails instead of being skipped', () => {
    const r = kubeconform(writeTemp('endpoints.yaml', 'apiVersion: v1\nkind: Endpoints\nmetadata: {name: x}\n'));
    expect(r.status).not.toBe(0);
    expect(r.stdout).toMatch(/could not find schema/);
  });
});

describe.each(PROFILE_NAMES)('chart rendered with the %s profile', (profile) => {
  let text = '';
  let objs: K8sObject[] = [];
  let values: Values = {};
  const deployments = () => ofKind(objs, 'Deployment');
  const enabledRoles = () => ROLES.filter((r) => values.roles[r].enabled);
  const configMap = () => objs.find((o) => o.kind === 'ConfigMap' && o.metadata.name === `${RELEASE}-tixngo-bridge`)!;

  beforeAll(() => {
    text = renderChart(PROFILES[profile]);
    objs = parseManifests(text);
    values = effectiveValues(PROFILES[profile]);
  });

  test('kubeconform -strict validates every rendered object against the in-repo schemas', () => {
    const r = kubeconform(writeTemp(`${profile}.yaml`, text));
    expect(r.stdout + r.stderr).toMatch(
      new RegExp(`Summary: ${objs.length} resources? found in 1 file - Valid: ${objs.length}, Invalid: 0, Errors: 0, Skipped: 0`),
    );
    expect(r.status).toBe(0);
  });

  test('one Deployment per enabled role, whose BRIDGE_ROLE is that role', () => {
    expect(deployments().map(roleOf).sort()).toEqual([...enabledRoles()].sort());
    for (const d of deployments()) {
      const c: Container = d.spec.template.spec.containers[0];
      expect(c.env).toContainEqual({ name: 'BRIDGE_ROLE', value: roleOf(d) });
      // The image's exec-form ENTRYPOINT (node as PID 1) must not be replaced by a shell.
      expect(c.command).toBeUndefined();
    }
  });

  test('no Secret object, no secret in a ConfigMap, secret variables only through secretKeyRef', () => {
    expect(ofKind(objs, 'Secret')).toEqual([]);
    for (const cm of ofKind(objs, 'ConfigMap')) {
      for (const [k, v] of Object.entries(cm.data ?? {})) {
        expect({ configMap: cm.metadata.name, key: k, secretName: SECRET_ENV.has(k) }).toEqual(expect.objectContaining({ secretName: false }));
        for (const p of CREDENTIAL_PATTERNS) expect({ key: k, value: v }).not.toEqual({ key: k, value: expect.stringMatching(p) });
      }
    }
    const seenSecretVars = new Set<string>();
    for (const { owner, container } of workloadContainers(objs)) {
      for (const e of container.env ?? []) {
        if (SECRET_ENV.has(e.name)) {
          seenSecretVars.add(e.name);
          expect({ owner: owner.metadata.name, env: e }).toEqual({
            owner: owner.metadata.name,
            env: { name: e.name, valueFrom: { secretKeyRef: { name: expect.any(String), key: expect.any(String) } } },
          });
        }
        if (e.value !== undefined) {
          for (const p of CREDENTIAL_PATTERNS) expect(`${e.name}=${e.value}`).not.toMatch(p);
        }
      }
    }
    // The mandatory secrets are always wired into the role pods (the organizations file brings each
    // organization's API key instead of TIXNGO_API_KEY: see "whom a release serves").
    expect(seenSecretVars).toContain('MONGODB_URI');
    if (!values.organizationsSecret.name) expect(seenSecretVars).toContain('TIXNGO_API_KEY');
  });

  test('every Deployment: probes on /livez and /readyz, hardened securityContext, /tmp emptyDir, resources', () => {
    for (const d of deployments()) {
      const pod = d.spec.template.spec;
      const c = pod.containers[0];
      const at = d.metadata.name;
      expect({ at, liveness: c.livenessProbe?.httpGet }).toEqual({ at, liveness: { path: '/livez', port: 'http' } });
      expect({ at, readiness: c.readinessProbe?.httpGet }).toEqual({ at, readiness: { path: '/readyz', port: 'http' } });
      expect(c.ports).toContainEqual({ name: 'http', containerPort: Number(configMap().data!.HTTP_PORT), protocol: 'TCP' });
      expect(pod.securityContext).toEqual(expect.objectContaining({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } }));
      expect(c.securityContext).toEqual(
        expect.objectContaining({
          runAsNonRoot: true,
          readOnlyRootFilesystem: true,
          allowPrivilegeEscalation: false,
          capabilities: { drop: ['ALL'] },
          seccompProfile: { type: 'RuntimeDefault' },
        }),
      );
      expect(c.securityContext.runAsUser ?? pod.securityContext.runAsUser).toBeGreaterThan(0);
      const tmpMount = c.volumeMounts.find((m: any) => m.mountPath === '/tmp');
      expect(tmpMount).toBeDefined();
      expect(pod.volumes.find((v: any) => v.name === tmpMount.name)).toEqual(expect.objectContaining({ emptyDir: expect.any(Object) }));
      expect(c.resources.requests).toEqual(expect.objectContaining({ cpu: expect.anything(), memory: expect.anything() }));
      expect(c.resources.limits).toEqual(expect.objectContaining({ memory: expect.anything() }));
      expect(pod.automountServiceAccountToken).toBe(false);
    }
  });

  test('terminationGracePeriodSeconds is longer than SHUTDOWN_DRAIN_MS', () => {
    const drainMs = Number(configMap().data!.SHUTDOWN_DRAIN_MS);
    expect(drainMs).toBe(values.config.shutdown.drainMs);
    for (const d of deployments()) {
      expect(d.spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThan(drainMs / 1000);
    }
  });

  test('each consumer role has its own consumer group, the one its ScaledObject measures', () => {
    const groups = new Map<string, string>();
    for (const d of deployments().filter((x) => (CONSUMER_ROLES as readonly string[]).includes(roleOf(x)))) {
      const role = roleOf(d);
      const envName = `${role.toUpperCase()}_GROUP_ID`;
      const env = effectiveEnv(objs, d.spec.template.spec.containers[0], () => 'secret');
      const group = env[envName]!;
      expect(group).toBe(values.config[role].groupId || `${values.config.kafka.groupIdPrefix}-${role}`);
      expect(groups.has(group)).toBe(false);
      groups.set(group, role);
      const so = ofKind(objs, 'ScaledObject').find((s) => roleOf(s) === role);
      if (so) expect(so.spec.triggers[0].metadata.consumerGroup).toBe(group);
    }
    expect(groups.size).toBe(enabledRoles().filter((r) => r !== 'holder-sync').length);
  });

  test("a PodDisruptionBudget per role, selecting exactly that role's pods", () => {
    for (const d of deployments()) {
      const pdb = ofKind(objs, 'PodDisruptionBudget').find((p) => roleOf(p) === roleOf(d));
      expect(pdb).toBeDefined();
      expect(pdb!.spec.selector.matchLabels).toEqual(d.spec.selector.matchLabels);
    }
  });

  test('the metrics Service selects the role pods and not the hook Job', () => {
    const svc = ofKind(objs, 'Service')[0]!;
    const selects = (labels: Record<string, string>) => Object.entries(svc.spec.selector as Record<string, string>).every(([k, v]) => labels[k] === v);
    for (const d of deployments()) expect(selects(d.spec.template.metadata.labels)).toBe(true);
    for (const j of ofKind(objs, 'Job')) expect(selects(j.spec.template.metadata.labels)).toBe(false);
    expect(svc.spec.ports).toEqual([expect.objectContaining({ name: 'metrics', targetPort: 'http' })]);
  });

  test('holder-sync runs at most one replica, never two at once', () => {
    const hs = deployments().find((d) => roleOf(d) === 'holder-sync');
    if (!values.roles['holder-sync'].enabled) return expect(hs).toBeUndefined();
    expect(hs!.spec.replicas).toBeLessThanOrEqual(1);
    expect(hs!.spec.strategy).toEqual({ type: 'Recreate' });
    expect(ofKind(objs, 'ScaledObject').find((s) => roleOf(s) === 'holder-sync')).toBeUndefined();
  });

  test('autoscaled roles: a ScaledObject per role, never above the partition count, no fixed replicas', () => {
    for (const role of CONSUMER_ROLES) {
      const r = values.roles[role];
      const so = ofKind(objs, 'ScaledObject').find((s) => roleOf(s) === role);
      const d = deployments().find((x) => roleOf(x) === role);
      if (!(r.enabled && r.autoscaling.enabled)) {
        expect(so).toBeUndefined();
        continue;
      }
      expect(so!.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: d!.metadata.name });
      expect(so!.spec.maxReplicaCount).toBeLessThanOrEqual(r.partitions);
      expect(so!.spec.triggers[0].type).toBe('kafka');
      expect(d!.spec.replicas).toBeUndefined();
    }
  });
});

describe('whom a release serves: one organization (a list), or several (the organizations file from a Secret)', () => {
  const ORGANIZATIONS_MOUNT = '/etc/tixngo-bridge/organizations';
  /** Names of the release's own TIXnGO account: the service refuses them beside the organizations file. */
  const ACCOUNT = ['TIXNGO_BASE_URL', 'TIXNGO_API_KEY', 'HOLDER_SYNC_ORGANIZER_ID'];
  const envOf = (objs: K8sObject[], o: K8sObject) => effectiveEnv(objs, o.spec.template.spec.containers[0], (name) => `secret:${name}`);

  test('one organization: BRIDGE_ORGANIZATIONS and the TIXnGO account come from the values and their Secret, no file is mounted', () => {
    const objs = parseManifests(renderChart(PROFILES.full));
    for (const d of ofKind(objs, 'Deployment')) {
      const env = envOf(objs, d);
      expect({ at: d.metadata.name, env }).toEqual({
        at: d.metadata.name,
        env: expect.objectContaining({
          BRIDGE_ORGANIZATIONS: 'ORG1,ORG2',
          TIXNGO_BASE_URL: 'https://tixngo.example.com/v3',
          TIXNGO_API_KEY: 'secret:TIXNGO_API_KEY',
          HOLDER_SYNC_ORGANIZER_ID: 'organizer-42',
        }),
      });
      expect(env.BRIDGE_ORGANIZATIONS_FILE).toBeUndefined();
      expect(d.spec.template.spec.volumes.map((v: any) => v.name)).not.toContain('organizations');
    }
  });

  test("several organizations: every role pod mounts the file read-only from the Secret and BRIDGE_ORGANIZATIONS_FILE points at it; no account of the release's own", () => {
    const objs = parseManifests(renderChart(PROFILES.organizations));
    const deployments = ofKind(objs, 'Deployment');
    expect(deployments.map(roleOf).sort()).toEqual([...ROLES].sort());
    for (const d of deployments) {
      const pod = d.spec.template.spec;
      const at = d.metadata.name;
      expect({ at, volume: pod.volumes.find((v: any) => v.name === 'organizations') }).toEqual({
        at,
        volume: {
          name: 'organizations',
          secret: { secretName: 'tixngo-bridge-organizations', defaultMode: 0o440, items: [{ key: 'organizations.yaml', path: 'organizations.yaml' }] },
        },
      });
      expect({ at, mount: pod.containers[0].volumeMounts.find((m: any) => m.name === 'organizations') }).toEqual({
        at,
        mount: { name: 'organizations', mountPath: ORGANIZATIONS_MOUNT, readOnly: true },
      });
      const env = envOf(objs, d);
      expect({ at, file: env.BRIDGE_ORGANIZATIONS_FILE }).toEqual({ at, file: `${ORGANIZATIONS_MOUNT}/organizations.yaml` });
      expect({ at, set: [...ACCOUNT, 'BRIDGE_ORGANIZATIONS'].filter((k) => env[k] !== undefined) }).toEqual({ at, set: [] });
    }
  });

  test('several organizations: holder-sync stays one replica (one process polls every organizer of the file), even when asked for 3', () => {
    const objs = parseManifests(renderChart(PROFILES.organizations, ['roles.holder-sync.replicaCount=3']));
    const hs = ofKind(objs, 'Deployment').find((d) => roleOf(d) === 'holder-sync')!;
    expect(hs.spec.replicas).toBe(1);
    expect(hs.spec.strategy).toEqual({ type: 'Recreate' });
  });

  test('several organizations: the schema-registration hook neither mounts nor names the file, nor any TIXnGO account', () => {
    const objs = parseManifests(renderChart(PROFILES.organizations, ['schemaRegistration.enabled=true']));
    const job = ofKind(objs, 'Job')[0]!;
    const pod = job.spec.template.spec;
    expect(pod.volumes.map((v: any) => v.name)).not.toContain('organizations');
    const names = pod.containers[0].env.map((e: any) => e.name);
    expect([...ACCOUNT, 'BRIDGE_ORGANIZATIONS_FILE'].filter((k) => names.includes(k))).toEqual([]);
  });

  test.each([
    [
      'neither (values.yaml alone): the release must say whom it serves',
      [] as string[],
      [] as string[],
      /'\/config\/bridge\/organizations': minItems: got 0, want 1/,
    ],
    [
      'both a list and the organizations file',
      PROFILES.organizations,
      ['config.bridge.organizations={ORG_A}'],
      /'\/config\/bridge\/organizations': maxItems: got 1, want 0/,
    ],
    [
      'a TIXnGO base URL of the release beside the file',
      PROFILES.organizations,
      ['config.tixngo.baseUrl=https://tixngo.example.com/v3'],
      /config\.tixngo\.baseUrl: organizationsSecret is set/,
    ],
    [
      'a TIXnGO organizer of the release beside the file',
      PROFILES.organizations,
      ['config.holderSync.organizerId=organizer-42'],
      /config\.holderSync\.organizerId: organizationsSecret is set/,
    ],
    ['an organization code the service would refuse', PROFILES.default, ['config.bridge.organizations={ORG 1}'], /config\/bridge\/organizations\/0/],
    ['a Secret name Kubernetes would refuse', PROFILES.organizations, ['organizationsSecret.name=Org_Secret'], /organizationsSecret\/name/],
  ])('refused: %s', (_what, files, sets, message) => {
    expect(renderChartExpectingFailure(files, sets)).toMatch(message);
  });
});

describe('the values examples of docs/deployment.md', () => {
  /** The YAML blocks of the section under `heading`, in order. */
  const yamlBlocks = (heading: string): string[] => {
    const doc = readFileSync(join(__dirname, '..', '..', 'docs', 'deployment.md'), 'utf8');
    const start = doc.indexOf(heading);
    expect(start).toBeGreaterThanOrEqual(0);
    const section = doc.slice(start, doc.indexOf('\n### ', start + heading.length));
    return [...section.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);
  };

  const renderValid = (values: string): K8sObject[] => {
    const text = renderChart([writeTemp('values-prod.yaml', values)]);
    const r = kubeconform(writeTemp('docs-example.yaml', text));
    expect(r.stdout).toMatch(/Invalid: 0, Errors: 0, Skipped: 0/);
    expect(r.status).toBe(0);
    return parseManifests(text);
  };

  test('one organization: renders (schema included) and passes kubeconform, with every role', () => {
    const objs = renderValid(yamlBlocks('### 2. Write the values')[0]!);
    expect(ofKind(objs, 'Deployment').map(roleOf).sort()).toEqual([...ROLES].sort());
  });

  test('several organizations: the organizations file is one the service accepts, and the values render, mounting it', () => {
    const [file, values] = yamlBlocks('### Whom the release serves');
    const organizations = buildOrganizationsFromFile(file!);
    expect(organizations.entries.map((e) => [e.name, e.organizerId])).toEqual([
      ['ORG_A', 'organizer-a'],
      ['ORG_B,ORG_B_SHOP', 'organizer-b'],
    ]);
    const objs = renderValid(values!);
    for (const d of ofKind(objs, 'Deployment')) {
      expect(d.spec.template.spec.volumes).toContainEqual(
        expect.objectContaining({ name: 'organizations', secret: expect.objectContaining({ secretName: 'tixngo-bridge-organizations' }) }),
      );
    }
  });
});

describe('the schema-registration hook Job (full profile)', () => {
  test('runs before install/upgrade and only references objects that exist before the release', () => {
    const objs = parseManifests(renderChart(PROFILES.full));
    const job = ofKind(objs, 'Job')[0]!;
    expect(job.metadata.annotations).toEqual(
      expect.objectContaining({ 'helm.sh/hook': 'pre-install,pre-upgrade', 'helm.sh/hook-delete-policy': 'before-hook-creation,hook-succeeded' }),
    );
    const pod = job.spec.template.spec;
    const c = pod.containers[0];
    expect(c.command).toEqual(['node', 'dist/tools/register-schemas.js']);
    // Hooks run before the release's own objects exist: no envFrom of the chart ConfigMap, no chart
    // ServiceAccount, no volume from a chart-made ConfigMap.
    expect(c.envFrom).toBeUndefined();
    expect(pod.serviceAccountName).toBeUndefined();
    const chartMade = new Set(objs.filter((o) => o.kind !== 'Job').map((o) => `${o.kind}/${o.metadata.name}`));
    for (const v of pod.volumes) {
      if (v.configMap) expect(chartMade.has(`ConfigMap/${v.configMap.name}`)).toBe(false);
    }
    const env = Object.fromEntries(c.env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
    expect(env.SCHEMA_REGISTRY_URL).toBe('https://schema-registry.example.com');
    expect(env.INJECT_TEMPLATE_FILE).toBeUndefined();
    expect(env.SCHEMA_REGISTRY_PASSWORD).toEqual({ secretKeyRef: { name: 'tixngo-bridge-schema-registry', key: 'password' } });
  });
});

describe('values that must change the rendering', () => {
  test('holder-sync asked for 3 replicas still gets exactly 1', () => {
    const objs = parseManifests(renderChart(PROFILES.default, ['roles.holder-sync.replicaCount=3']));
    const hs = ofKind(objs, 'Deployment').find((d) => roleOf(d) === 'holder-sync');
    expect(hs!.spec.replicas).toBe(1);
  });

  test('a longer drain deadline lengthens the grace period', () => {
    const objs = parseManifests(renderChart(PROFILES.default, ['config.shutdown.drainMs=90500']));
    for (const d of ofKind(objs, 'Deployment')) expect(d.spec.template.spec.terminationGracePeriodSeconds).toBe(91 + 15);
  });
});

describe('values.schema.json and the chart refuse bad values', () => {
  test.each([
    ['an unknown role', ['roles.bogus.enabled=true'], /bogus|additional/i],
    ['an unknown log level', ['config.log.level=verbose'], /level/],
    ['an unknown SASL mechanism', ['config.kafka.saslMechanism=gssapi'], /saslMechanism/],
    ['an unknown activation method', ['config.inject.activationMethod=sms'], /activationMethod/],
    ['a broker without port', ['config.kafka.brokers={kafka}'], /brokers/],
    ['a non-integer batch size', ['config.inject.batchSize=lots'], /batchSize/],
    ['an unknown top-level key', ['replicas=3'], /additional/i],
    ['an unknown config key', ['config.kafka.bogus=1'], /additional/i],
    [
      'no role enabled',
      ['roles.inject.enabled=false', 'roles.cancel.enabled=false', 'roles.control.enabled=false', 'roles.holder-sync.enabled=false'],
      /at least one/,
    ],
    ['more replicas than partitions', ['roles.cancel.replicaCount=7'], /exceeds roles\.cancel\.partitions/],
    [
      'KEDA max above the partition count',
      ['roles.inject.autoscaling.enabled=true', 'roles.inject.autoscaling.maxReplicaCount=7'],
      /maxReplicaCount \(7\) exceeds/,
    ],
    ['two roles sharing a consumer group', ['config.cancel.groupId=shared', 'config.control.groupId=shared'], /share the consumer group/],
    ['a SASL mechanism without credential references', ['config.kafka.saslMechanism=plain'], /secrets\.kafka\.saslUsername/],
    ['a grace period not longer than the drain', ['terminationGracePeriodExtraSeconds=0'], /terminationGracePeriodExtraSeconds/],
  ])('%s', (_what, sets, message) => {
    expect(renderChartExpectingFailure(PROFILES.default, sets)).toMatch(message);
  });
});

describe('secret values cannot get into the chart (sentinels)', () => {
  const SENTINEL = 'SENTINEL-s3cr3t-7f3a9c';

  // Every place a secret *value* might be pasted is refused, whatever variable it is.
  test.each([
    ['config.tixngo.apiKey', `config.tixngo.apiKey=${SENTINEL}`],
    ['config.mongodb.uri', `config.mongodb.uri=mongodb://u:${SENTINEL}@h:27017`],
    ['config.kafka.saslPassword', `config.kafka.saslPassword=${SENTINEL}`],
    ['config.schemaRegistry.password', `config.schemaRegistry.password=${SENTINEL}`],
    ['config.notify.smtpUrl', `config.notify.smtpUrl=smtp://u:${SENTINEL}@mail:25`],
    ['secrets.tixngo.apiKey.value', `secrets.tixngo.apiKey.value=${SENTINEL}`],
    ['organizationsSecret.content', `organizationsSecret.content=${SENTINEL}`],
    ['extraEnv literal', `extraEnv[0].name=TIXNGO_API_KEY`, `extraEnv[0].value=${SENTINEL}`],
    ['role extraEnv literal', `roles.inject.extraEnv[0].name=KAFKA_SASL_PASSWORD`, `roles.inject.extraEnv[0].value=${SENTINEL}`],
  ])('%s is refused', (_where, ...sets) => {
    const err = renderChartExpectingFailure([PROFILES.full[0]], sets);
    expect(err).not.toContain(SENTINEL);
  });

  test('secret references (names and keys) only ever land in secretKeyRef / secretTargetRef', () => {
    const objs = parseManifests(renderChart([join(__dirname, 'fixtures', 'sentinel-values.yaml')]));
    let hits = 0;
    for (const o of objs) {
      walkStrings(o, (path, value) => {
        if (!value.includes('SENTINEL')) return;
        hits += 1;
        expect({ kind: o.kind, path }).toEqual({
          kind: o.kind,
          path: expect.stringMatching(/(secretKeyRef\.(name|key)|secretTargetRef\[\d+\]\.(name|key))$/),
        });
      });
    }
    // 7 secret variables x (Secret name, key) in each of the 4 Deployments, plus the Job's 2 and KEDA's 2.
    expect(hits).toBe(7 * 2 * 4 + 2 * 2 + 2 * 2);
  });
});

describe('NOTES.txt', () => {
  /** NOTES.txt is not rendered by `helm template`: render a copy of the chart where it is a ConfigMap. */
  function renderNotes(valueFiles: readonly string[]): string {
    const dir = mkdtempSync(join(scratchDir(), 'notes-'));
    const copy = join(dir, 'tixngo-bridge');
    cpSync(CHART, copy, { recursive: true });
    const notes = readFileSync(join(copy, 'templates', 'NOTES.txt'), 'utf8');
    writeFileSync(join(copy, 'templates', '_notes.tpl'), `{{- define "test.notes" -}}\n${notes}\n{{- end -}}\n`);
    renameSync(join(copy, 'templates', 'NOTES.txt'), join(dir, 'NOTES.txt.orig'));
    writeFileSync(
      join(copy, 'templates', 'notes.yaml'),
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: notes\ndata:\n  NOTES: |\n{{ include "test.notes" . | indent 4 }}\n',
    );
    const r = helm([
      'template',
      RELEASE,
      copy,
      '--namespace',
      NAMESPACE,
      '--kube-version',
      KUBE_VERSION,
      '--show-only',
      'templates/notes.yaml',
      ...valueFiles.flatMap((f) => ['--values', f]),
    ]);
    if (r.status !== 0) throw new Error(r.stderr);
    return (parse(r.stdout) as { data: { NOTES: string } }).data.NOTES;
  }

  test.each(PROFILE_NAMES)('tells how to run the support CLI and that an offset reset needs the role at 0 (%s)', (profile) => {
    const notes = renderNotes(PROFILES[profile]);
    expect(notes).toMatch(/MUST BE SCALED TO 0/);
    expect(notes).toMatch(/kubectl -n ticketing exec -it deploy\/bridge-tixngo-bridge-\S+ -- node dist\/cli\/main\.js status/);
    expect(notes).toMatch(/offsets reset --role \S+ --to-datetime \S+ --dry-run/);
    expect(notes).toMatch(/kubectl -n ticketing run tixngo-bridge-cli --rm -it --restart=Never/);
    // The one-off pod's spec is valid JSON and reads secrets by reference only.
    const overrides = /--overrides='([^']+)'/.exec(notes)![1]!;
    const pod = JSON.parse(overrides);
    expect(pod.spec.containers[0].envFrom).toEqual([{ configMapRef: { name: 'bridge-tixngo-bridge' } }]);
    expect(notes).not.toMatch(/SENTINEL/);
  });

  test('says whom the release serves; with several organizations, names the Secret of their file, how to create it, and no TIXnGO key to set', () => {
    expect(renderNotes(PROFILES.full)).toContain('Serves: S-360 organization(s) ORG1, ORG2, into the TIXnGO account of config.tixngo.');
    const notes = renderNotes(PROFILES.organizations);
    expect(notes).toContain('Serves: the S-360 organizations of the organizations file (secret tixngo-bridge-organizations');
    expect(notes).toContain('BRIDGE_ORGANIZATIONS_FILE <- secret tixngo-bridge-organizations, key organizations.yaml');
    expect(notes).toContain('kubectl -n ticketing create secret generic tixngo-bridge-organizations --from-file=organizations.yaml=./organizations.yaml');
    expect(notes).not.toMatch(/TIXNGO_API_KEY|config\.tixngo\.baseUrl|WARNING/);
    // The support CLI's one-off pod reads the same file (doctor checks each organization's account).
    const pod = JSON.parse(/--overrides='([^']+)'/.exec(notes)![1]!);
    expect(pod.spec.volumes).toContainEqual(
      expect.objectContaining({ name: 'organizations', secret: expect.objectContaining({ secretName: 'tixngo-bridge-organizations' }) }),
    );
    expect(pod.spec.containers[0].volumeMounts).toContainEqual({ name: 'organizations', mountPath: '/etc/tixngo-bridge/organizations', readOnly: true });
  });

  test('with KEDA, the role is paused through the ScaledObject rather than scaled by hand', () => {
    expect(renderNotes(PROFILES.full)).toMatch(/annotate scaledobject\/bridge-tixngo-bridge-inject autoscaling\.keda\.sh\/paused-replicas="0"/);
  });
});
