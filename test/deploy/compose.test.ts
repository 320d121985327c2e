/**
 * docker-compose.yml, checked without a container engine: `docker-compose config` (Compose v2+, built
 * by scripts/install-tools.sh; parses, interpolates and validates exactly as `docker compose up` would),
 * the compose-spec JSON schema (committed copy), and assertions on the start-up wiring.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config/load-config';
import { REPO, SCHEMAS, findTool, removeScratchDir, requireTool, run } from './support/tools';

const COMPOSE_FILE = join(REPO, 'docker-compose.yml');
afterAll(removeScratchDir);
const ONE_SHOT = ['init', 'demo-producer'];

/** A clean environment, so that variables of the machine running the tests do not change the file. */
const cleanEnv = (): NodeJS.ProcessEnv => ({ PATH: process.env.PATH, HOME: process.env.HOME });

/**
 * The compose model: from `docker-compose config --format json` (interpolated, defaults filled in),
 * or, where the binary was deliberately not installed (TIXNGO_TOOLS_COMPOSE=0), from the YAML itself.
 */
function composeModel(): { model: any; source: string } {
  const bin = process.env.TIXNGO_TOOLS_COMPOSE === '0' ? findTool('docker-compose') : requireTool('docker-compose');
  if (bin) {
    const r = run(bin, ['--file', COMPOSE_FILE, '--project-directory', REPO, 'config', '--format', 'json'], cleanEnv());
    if (r.status !== 0) throw new Error(`docker-compose config failed:\n${r.stderr}`);
    return { model: JSON.parse(r.stdout), source: 'docker-compose config' };
  }
  console.warn('docker-compose not installed (TIXNGO_TOOLS_COMPOSE=0): compose checked against the JSON schema only');
  return { model: interpolate(parse(readFileSync(COMPOSE_FILE, 'utf8'), { merge: true })), source: 'yaml' };
}

/** The subset of compose interpolation the file uses, `${VAR:-default}`, with no variable set. */
function interpolate(node: any): any {
  if (typeof node === 'string') return node.replace(/\$\{[A-Z0-9_]+(?::-([^}]*))?\}/g, (_m, def: string | undefined) => def ?? '');
  if (Array.isArray(node)) return node.map(interpolate);
  if (node && typeof node === 'object') return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, interpolate(v)]));
  return node;
}

describe('docker-compose.yml', () => {
  const raw = parse(readFileSync(COMPOSE_FILE, 'utf8'), { merge: true });
  let model: any;
  let services: Record<string, any>;

  beforeAll(() => {
    model = composeModel().model;
    services = model.services;
  });

  test('is valid against the compose-spec JSON schema (compose-go, committed copy)', () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    const validate = ajv.compile(JSON.parse(readFileSync(join(SCHEMAS, 'compose-spec.json'), 'utf8')));
    const ok = validate(raw);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  test('docker-compose config accepts it (unless the binary was deliberately not installed)', () => {
    const bin = findTool('docker-compose');
    if (!bin && process.env.TIXNGO_TOOLS_COMPOSE === '0') return;
    const r = run(requireTool('docker-compose'), ['--file', COMPOSE_FILE, '--project-directory', REPO, 'config', '--quiet'], cleanEnv());
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  test('has the whole demo stack', () => {
    expect(Object.keys(services).sort()).toEqual(['bridge', 'demo-producer', 'init', 'kafka', 'mongo', 'schema-registry', 'simulator'].sort());
    expect(services.kafka.image).toMatch(/^apache\/kafka:3\.9\.\d+$/);
    expect(services.kafka.environment.KAFKA_PROCESS_ROLES).toBe('broker,controller'); // KRaft, no ZooKeeper
    expect(services.kafka.environment.CLUSTER_ID).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(services['schema-registry'].image).toMatch(/^confluentinc\/cp-schema-registry:/);
    expect(services.mongo.image).toMatch(/^mongo:7(\.|$)/);
  });

  test('every long-running service has a health check; one-shots run once', () => {
    for (const [name, svc] of Object.entries(services)) {
      if (ONE_SHOT.includes(name)) {
        expect({ name, restart: svc.restart ?? 'no' }).toEqual({ name, restart: 'no' });
      } else {
        expect({ name, test: svc.healthcheck?.test }).toEqual({ name, test: expect.arrayContaining([expect.any(String)]) });
        expect(svc.healthcheck.disable ?? false).toBe(false);
      }
    }
  });

  test('start order is expressed with depends_on conditions that match the services', () => {
    const condition = (svc: string, dep: string) => services[svc].depends_on?.[dep]?.condition;
    expect(condition('schema-registry', 'kafka')).toBe('service_healthy');
    expect(condition('init', 'kafka')).toBe('service_healthy');
    expect(condition('init', 'schema-registry')).toBe('service_healthy');
    expect(condition('bridge', 'init')).toBe('service_completed_successfully');
    expect(condition('bridge', 'mongo')).toBe('service_healthy');
    expect(condition('bridge', 'simulator')).toBe('service_healthy');
    expect(condition('demo-producer', 'bridge')).toBe('service_healthy');
    for (const [name, svc] of Object.entries(services)) {
      for (const [dep, d] of Object.entries((svc.depends_on ?? {}) as Record<string, any>)) {
        expect(services[dep]).toBeDefined();
        const expected = ONE_SHOT.includes(dep) ? 'service_completed_successfully' : 'service_healthy';
        expect({ name, dep, condition: d.condition }).toEqual({ name, dep, condition: expected });
      }
    }
  });

  test('the bridge images are built from the Dockerfile and run like in Kubernetes', () => {
    for (const name of ['init', 'simulator', 'bridge', 'demo-producer']) {
      const svc = services[name];
      expect(svc.build.dockerfile).toBe('Dockerfile');
      expect(existsSync(join(REPO, 'Dockerfile'))).toBe(true);
      expect({ name, read_only: svc.read_only }).toEqual({ name, read_only: true });
      expect(JSON.stringify(svc.tmpfs)).toContain('/tmp');
    }
    expect(services.bridge.entrypoint ?? null).toBeNull(); // the image's ENTRYPOINT: node dist/main.js
    expect(services.simulator.entrypoint).toEqual(['node', 'dist/simulator/main.js']);
    expect(services['demo-producer'].entrypoint).toEqual(['node', 'dist/tools/demo-producer.js']);
    expect(services.init.entrypoint.join(' ')).toMatch(/dist\/tools\/create-topics\.js.*dist\/tools\/register-schemas\.js/);
  });

  test('the bridge environment is a valid configuration for the service (all roles)', () => {
    const env = Object.fromEntries(Object.entries(services.bridge.environment).map(([k, v]) => [k, String(v)]));
    const cfg = loadConfig(env);
    expect(cfg.roles).toEqual(['inject', 'cancel', 'control', 'holder-sync']);
    expect(cfg.organizations.entries[0]!.tixngo.baseUrl).toBe('http://simulator:8090/v3');
    expect(env.TIXNGO_API_KEY).toBe(services.simulator.environment.SIMULATOR_API_KEY);
    // docker stop waits longer than the drain deadline before SIGKILL.
    const grace = String(services.bridge.stop_grace_period);
    const graceSeconds = /^\d+s$/.test(grace) ? Number(grace.slice(0, -1)) : Number(grace) / 1e9;
    expect(graceSeconds).toBeGreaterThan(cfg.shutdown.drainDeadlineMs / 1000);
  });
});
