import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { API_KEY } from './harness';

const ROOT = join(__dirname, '..', '..');

export interface CliResult {
  readonly code: number | null;
  /** The signal that ended the process, if one did. */
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Every output of the CLI runs of this test file, for the secrets and holder-data assertions. */
export const cliOutputs: string[] = [];

/**
 * Runs the support CLI as its own process (`node --import tsx src/cli/main.ts …`) with exactly `env`
 * (plus PATH), as an operator would in a pod. `onSpawn` gets the process (to watch or kill it);
 * `stdinFile` is fed to its standard input (`kubectl exec -i … < file`).
 */
export function runCli(
  args: readonly string[],
  env: Record<string, string>,
  opts: { timeoutMs?: number; onSpawn?: (child: ChildProcess) => void; stdinFile?: string } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const stdin = opts.stdinFile === undefined ? 'ignore' : openSync(opts.stdinFile, 'r');
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'cli', 'main.ts'), ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: [stdin, 'pipe', 'pipe'],
    });
    if (typeof stdin === 'number') closeSync(stdin);
    opts.onSpawn?.(child);
    let stdout = '';
    let stderr = '';
    // Both are pipes (stdio above); the types cannot tell once stdin may be a descriptor.
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`cli ${args.join(' ')} did not finish within ${opts.timeoutMs ?? 90_000} ms\n${stdout}\n${stderr}`));
    }, opts.timeoutMs ?? 90_000);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      cliOutputs.push(stdout, stderr);
      // CLI_TRANSCRIPT=<file>: append every run to a file, to read what operators would see.
      if (process.env.CLI_TRANSCRIPT) appendFileSync(process.env.CLI_TRANSCRIPT, `$ ${args.join(' ')}  (exit ${code})\n${stdout}${stderr}\n`);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Runs one of the deployment tools (`src/tools/<name>.ts`) in its own process with exactly `env` (plus PATH). */
export function runTool(name: string, env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'tools', `${name}.ts`)], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The sample buyers are "Alex Buyer<n>" with e-mails at example.test; the key is the harness's. */
export function expectNoSecretOrHolderData(text: string): void {
  expect(text).not.toContain(API_KEY);
  expect(text).not.toMatch(/Buyer\d|@example\.test/);
}
