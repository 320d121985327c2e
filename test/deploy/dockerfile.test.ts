/**
 * Static checks of the Dockerfile and .dockerignore (no engine here to build the image): multi-stage,
 * production dependencies only, non-root numeric user, exec-form node ENTRYPOINT (node is PID 1 and gets
 * SIGTERM), a health check that needs no curl.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { REPO, readRepoFile } from './support/tools';

interface Instruction {
  readonly op: string;
  readonly args: string;
  readonly stage: number;
}

/** Instructions with line continuations joined and comments dropped; `stage` counts FROMs from 0. */
function parseDockerfile(text: string): Instruction[] {
  const logical: string[] = [];
  let current = '';
  for (const line of text.split('\n')) {
    if (/^\s*#/.test(line) && current === '') continue;
    if (/\\\s*$/.test(line)) {
      current += line.replace(/\\\s*$/, ' ');
      continue;
    }
    current += line;
    if (current.trim()) logical.push(current.trim());
    current = '';
  }
  let stage = -1;
  return logical.map((l) => {
    const [, op = '', args = ''] = /^(\S+)\s*(.*)$/s.exec(l) ?? [];
    if (op.toUpperCase() === 'FROM') stage += 1;
    return { op: op.toUpperCase(), args, stage };
  });
}

describe('Dockerfile', () => {
  const instructions = parseDockerfile(readRepoFile('Dockerfile'));
  const froms = instructions.filter((i) => i.op === 'FROM');
  const last = froms.length - 1;
  const final = instructions.filter((i) => i.stage === last);
  const one = (op: string) => {
    const all = final.filter((i) => i.op === op);
    expect({ op, count: all.length }).toEqual({ op, count: 1 });
    return all[0]!;
  };

  test('is multi-stage: a build stage with dev dependencies, a runtime stage with production ones only', () => {
    expect(froms.length).toBeGreaterThanOrEqual(2);
    for (const f of froms) expect(f.args).toMatch(/\sAS\s+[a-z-]+$/i);
    const runs = instructions.filter((i) => i.op === 'RUN').map((i) => i.args);
    expect(runs.some((r) => /\bnpm ci\b/.test(r) && !/--omit=dev/.test(r))).toBe(true); // build
    expect(runs.some((r) => /\bnpm run build\b/.test(r))).toBe(true);
    expect(runs.some((r) => /\bnpm ci\b.*--omit=dev/.test(r))).toBe(true); // runtime dependencies
    // The runtime stage installs nothing itself: it copies the pruned node_modules and the compiled dist/.
    expect(final.filter((i) => i.op === 'RUN' && /\bnpm\b/.test(i.args))).toEqual([]);
    const copies = final.filter((i) => i.op === 'COPY').map((i) => i.args);
    expect(copies).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^--from=\S+ \/app\/node_modules /),
        expect.stringMatching(/^--from=\S+ \/app\/dist /),
        expect.stringMatching(/^package\.json /),
        expect.stringMatching(/^schemas /),
      ]),
    );
    const devStage = froms.findIndex((f) => /\sAS\s+build$/i.test(f.args));
    const prodDepsCopy = copies.find((c) => /node_modules/.test(c))!;
    const fromStage = /^--from=(\S+)/.exec(prodDepsCopy)![1]!;
    expect(froms[devStage]!.args).not.toMatch(new RegExp(`AS\\s+${fromStage}$`, 'i')); // not the dev install
  });

  test('runs as a non-root numeric user (what runAsNonRoot can verify)', () => {
    const user = one('USER').args;
    expect(user).toMatch(/^\d+(:\d+)?$/);
    expect(Number(user.split(':')[0])).toBe(10001);
  });

  test('ENTRYPOINT is exec form, starting node on dist/main.js directly (no shell, no npm as PID 1)', () => {
    const entry = JSON.parse(one('ENTRYPOINT').args) as string[];
    expect(entry[0]).toBe('node');
    expect(entry[entry.length - 1]).toBe('dist/main.js');
    expect(entry.join(' ')).not.toMatch(/\b(sh|bash|npm|tini)\b/);
    // The role is an argument (`docker run image inject`) or BRIDGE_ROLE: no CMD fixes it.
    expect(final.filter((i) => i.op === 'CMD')).toEqual([]);
    expect(final.find((i) => i.op === 'STOPSIGNAL')?.args ?? 'SIGTERM').toBe('SIGTERM');
  });

  test("caps the V8 heap well inside the chart's default memory limit", () => {
    const env = final.filter((i) => i.op === 'ENV').map((i) => i.args);
    const options = /^NODE_OPTIONS="?([^"\n]*)"?$/m.exec(env.join('\n'))?.[1] ?? '';
    const heapMb = Number(/--max-old-space-size=(\d+)/.exec(options)?.[1]);
    // Node 24 lets each semi-space grow to 64 MB otherwise (Node 20: 16), ~130 MB more RSS under a backlog.
    expect(options).toMatch(/--max-semi-space-size=16\b/);
    const limit = /^resources:\n(?:\s+.*\n)*?\s+limits:\n\s+memory:\s*(\d+)Mi/m.exec(readRepoFile('helm/tixngo-bridge/values.yaml'))?.[1];
    expect(heapMb).toBeGreaterThan(0);
    // The heap is not all of the process: code, buffers (Kafka fetches) and the young generation come on top.
    expect(heapMb * 2).toBeLessThanOrEqual(Number(limit));
  });

  test("limits glibc's allocator to two arenas (the backlog's peak RSS, docs/benchmarks.md) on a glibc base image", () => {
    const env = final.filter((i) => i.op === 'ENV').map((i) => i.args);
    expect(env).toContain('MALLOC_ARENA_MAX=2');
    // musl (alpine) ignores the variable: the base must stay a glibc one for it to mean anything.
    expect(/^ARG NODE_IMAGE=(\S+)$/m.exec(readRepoFile('Dockerfile'))?.[1]).toMatch(/-(bookworm|trixie|bullseye)(-slim)?$/);
  });

  test('HEALTHCHECK uses node itself against /livez (slim images have no curl)', () => {
    const hc = one('HEALTHCHECK').args;
    const cmd = JSON.parse(hc.slice(hc.indexOf('CMD') + 3).trim()) as string[];
    expect(cmd.slice(0, 2)).toEqual(['node', '-e']);
    expect(cmd[2]).toMatch(/fetch\(.*\/livez/);
    expect(hc).not.toMatch(/curl|wget/);
  });

  test("runs the Node that development, tests and CI run: package.json's `node` dev dependency, in `engines`", () => {
    const pkg = JSON.parse(readRepoFile('package.json')) as { engines: { node: string }; devDependencies: Record<string, string> };
    const image = /^NODE_IMAGE=node:(\d+)\.(\d+)-[a-z]+-slim$/.exec(instructions.find((i) => i.op === 'ARG')!.args);
    const [major, minor] = pkg.devDependencies.node!.split('.');
    expect({ major: image?.[1], minor: image?.[2] }).toEqual({ major, minor });
    expect(pkg.engines.node).toBe(`>=${major}`);
    for (const f of froms) expect(f.args).toMatch(/^\$\{NODE_IMAGE\} AS /);
  });

  test('copies only what the image needs, and those files exist', () => {
    for (const p of ['package.json', 'package-lock.json', 'patches', 'tsconfig.json', 'tsconfig.build.json', 'src', 'schemas']) {
      expect({ p, exists: existsSync(join(REPO, p)) }).toEqual({ p, exists: true });
    }
    expect(instructions.filter((i) => i.op === 'ADD')).toEqual([]);
  });
});

describe('the runtime image has every package the compiled code loads', () => {
  /** Bare module specifiers imported for their value (not `import type`) by non-test sources. */
  function runtimeImports(dir: string, found = new Map<string, string>()): Map<string, string> {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) runtimeImports(path, found);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) {
        const src = readFileSync(path, 'utf8');
        const re = /^\s*import\s+(?!type\b)[^;]*?from\s+'([^']+)'|\brequire\('([^']+)'\)|\bimport\('([^']+)'\)/gm;
        for (const m of src.matchAll(re)) {
          const spec = m[1] ?? m[2] ?? m[3]!;
          if (spec.startsWith('.') || spec.startsWith('node:') || builtinModules.includes(spec)) continue;
          const pkg = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
          if (!found.has(pkg)) found.set(pkg, path.slice(REPO.length + 1));
        }
      }
    }
    return found;
  }

  test('each is in package-lock.json and not dev-only, so `npm ci --omit=dev` installs it', () => {
    const lock = JSON.parse(readRepoFile('package-lock.json')) as { packages: Record<string, { dev?: boolean }> };
    const imports = runtimeImports(join(REPO, 'src'));
    expect(imports.size).toBeGreaterThan(0);
    for (const [pkg, from] of imports) {
      const entry = lock.packages[`node_modules/${pkg}`];
      expect({ pkg, from, inLock: Boolean(entry), devOnly: entry?.dev === true }).toEqual({ pkg, from, inLock: true, devOnly: false });
    }
  });
});

describe('.dockerignore', () => {
  const lines = readRepoFile('.dockerignore')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));

  test('is an allow-list: everything excluded, then only the build inputs re-included', () => {
    expect(lines[0]).toBe('*');
    const allowed = lines.filter((l) => l.startsWith('!')).map((l) => l.slice(1).replace(/\/$/, ''));
    expect(allowed.sort()).toEqual(['package-lock.json', 'package.json', 'patches', 'schemas', 'src', 'tsconfig.build.json', 'tsconfig.json']);
    for (const secretish of ['.env', '.git', 'node_modules', 'dist']) expect(allowed).not.toContain(secretish);
  });
});
