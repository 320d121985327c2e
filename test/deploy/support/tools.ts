/**
 * Helpers of the deployment checks: locating the pinned binaries installed by scripts/install-tools.sh,
 * rendering the Helm chart, parsing multi-document YAML. Local processes and files only.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';

export const REPO = resolve(__dirname, '..', '..', '..');
export const CHART = join(REPO, 'helm', 'tixngo-bridge');
export const SCHEMAS = join(REPO, 'test', 'deploy', 'schemas');
/** The Kubernetes version the chart is rendered for and the committed schemas describe. */
export const KUBE_VERSION = '1.30.0';

export const toolsBinDir = (): string => join(process.env.TIXNGO_TOOLS_DIR || join(homedir(), '.cache', 'tixngo-bridge-tools'), 'bin');

/**
 * Finds a tool: first in the install-tools cache (the pinned versions), then on PATH. Returns
 * undefined when absent; `requireTool` turns that into a failure that says how to fix it.
 */
export function findTool(name: string): string | undefined {
  const dirs = [toolsBinDir(), ...(process.env.PATH ?? '').split(delimiter).filter(Boolean)];
  for (const dir of dirs) {
    const candidate = join(dir, name);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

export function requireTool(name: string): string {
  const found = findTool(name);
  if (!found) {
    throw new Error(
      `${name} not found in ${toolsBinDir()} nor on PATH. Install the pinned deployment tools with ` +
        '`bash scripts/install-tools.sh` (it prints the bin directory; TIXNGO_TOOLS_DIR moves the cache).',
    );
  }
  return found;
}

export interface RunResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function run(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): RunResult {
  const r = spawnSync(cmd, args, { cwd: REPO, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw r.error;
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** One scratch directory per test file; each file removes it in afterAll (removeScratchDir). */
let scratch: string | undefined;
export function scratchDir(): string {
  if (!scratch) scratch = mkdtempSync(join(tmpdir(), 'tixngo-deploy-'));
  return scratch;
}
export function removeScratchDir(): void {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  scratch = undefined;
  helmHome = undefined;
}

/** Helm state (cache, config, plugins) kept out of the user's home. */
let helmHome: string | undefined;
function helmEnv(): NodeJS.ProcessEnv {
  if (!helmHome) {
    helmHome = mkdtempSync(join(scratchDir(), 'helm-'));
    for (const d of ['cache', 'config', 'data']) mkdirSync(join(helmHome, d));
  }
  return {
    ...process.env,
    HELM_CACHE_HOME: join(helmHome, 'cache'),
    HELM_CONFIG_HOME: join(helmHome, 'config'),
    HELM_DATA_HOME: join(helmHome, 'data'),
    KUBECONFIG: join(helmHome, 'no-kubeconfig'),
  };
}

export function helm(args: readonly string[]): RunResult {
  return run(requireTool('helm'), args, helmEnv());
}

/** Test fixtures (values files, the organizations file). */
export const FIXTURES = join(REPO, 'test', 'deploy', 'fixtures');

/**
 * Values profiles of the tests. `default` is values.yaml with the one value it cannot default: whom the
 * release serves (values.schema.json refuses values.yaml alone). `organizations` is the other shape:
 * several organizations, each with its own TIXnGO account, from the organizations file in a Secret.
 */
export const PROFILES = {
  minimal: [join(CHART, 'ci', 'minimal-values.yaml')],
  default: [join(FIXTURES, 'default-values.yaml')],
  full: [join(CHART, 'ci', 'full-values.yaml')],
  organizations: [join(CHART, 'ci', 'organizations-values.yaml')],
} as const;
export type Profile = keyof typeof PROFILES;

export const RELEASE = 'bridge';
export const NAMESPACE = 'ticketing';

export function templateArgs(valueFiles: readonly string[], sets: readonly string[] = []): string[] {
  return [
    'template',
    RELEASE,
    CHART,
    '--namespace',
    NAMESPACE,
    '--kube-version',
    KUBE_VERSION,
    ...valueFiles.flatMap((f) => ['--values', f]),
    ...sets.flatMap((s) => ['--set', s]),
  ];
}

/** `helm template`, failing the test with helm's own message when rendering fails. */
export function renderChart(valueFiles: readonly string[], sets: readonly string[] = []): string {
  const r = helm(templateArgs(valueFiles, sets));
  if (r.status !== 0) throw new Error(`helm template failed (${r.status}):\n${r.stderr}`);
  return r.stdout;
}

/** Like renderChart, but for values that must be refused: returns helm's error output. */
export function renderChartExpectingFailure(valueFiles: readonly string[], sets: readonly string[] = []): string {
  const r = helm(templateArgs(valueFiles, sets));
  if (r.status === 0) throw new Error(`helm template accepted values it must refuse: ${sets.join(' ')}`);
  return r.stderr;
}

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: any;
  data?: Record<string, string>;
  [k: string]: unknown;
}

export function parseManifests(text: string): K8sObject[] {
  const docs = parseAllDocuments(text);
  const out: K8sObject[] = [];
  for (const doc of docs) {
    if (doc.errors.length > 0) throw new Error(`rendered YAML does not parse: ${doc.errors[0]!.message}`);
    const value = doc.toJS() as K8sObject | null;
    if (value) out.push(value);
  }
  return out;
}

export function writeTemp(name: string, text: string): string {
  const dir = mkdtempSync(join(scratchDir(), 'f-'));
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

export const readRepoFile = (...parts: string[]): string => readFileSync(join(REPO, ...parts), 'utf8');

/** camelCase -> UPPER_SNAKE_CASE: the chart's values -> environment rule (sprig `snakecase | upper`). */
export const upperSnake = (camel: string): string => camel.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
export const envNameOf = (group: string, key: string): string => `${upperSnake(group)}_${upperSnake(key)}`;
