import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

export interface BridgeProcess {
  readonly child: ChildProcess;
  /** Everything the process wrote (stdout and stderr), for assertions and post-mortems. */
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface SpawnOptions {
  /** Run the production build (`dist/main.js`, from `npm run build`) as the image does, instead of the sources through tsx. */
  readonly built?: boolean;
  /** Extra options for `node` itself (e.g. `--cpu-prof`, which NODE_OPTIONS does not accept). */
  readonly nodeArgs?: readonly string[];
}

/**
 * Runs the real entry point as a separate Node process, so tests can SIGTERM or kill -9 it:
 * `src/main.ts` through `node --import tsx` (the pid is the Node process itself, no npx wrapper in
 * between), or the build in `dist/`.
 */
export function spawnBridge(env: Record<string, string>, args: string[] = [], opts: SpawnOptions = {}): BridgeProcess {
  const entry = opts.built ? ['--enable-source-maps', join(ROOT, 'dist', 'main.js')] : ['--import', 'tsx', join(ROOT, 'src', 'main.ts')];
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), ...entry, ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, output: () => out, exited };
}
