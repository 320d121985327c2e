import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative, sep } from 'node:path';

/**
 * The floors of `src/`, lowest first. A module may import from its own unit (a top-level folder, with
 * its subfolders, or a file at the top of `src/`) and from units on a lower floor; never from a unit on
 * its own floor or above. Adding a folder means placing it here.
 *
 * Tests (`*.test.ts`) are not held to it: they are outside the build and may use the sample events of
 * `tools/` whatever floor they test. Fixtures and the pipeline's test harness are held to it.
 */
const FLOORS: readonly (readonly string[])[] = [
  // Pure helpers (error taxonomy, backoff, dates, ticket keys) and the role names every floor may read.
  ['shared', 'roles.ts'],
  // Process-level helpers the pipeline and adapters use: logger, metrics, health, the ops server, retries of a dependency.
  ['ops'],
  ['config'],
  // The TIXnGO API (port, HTTP client, outcome classification).
  ['tixngo'],
  // What the engine and its adapters share: records and offsets, the outbox, the delivery recorder, the batch report.
  ['contracts'],
  // Adapters of the other dependencies.
  ['kafka', 'store'],
  // The engine the consumer roles share.
  ['pipeline'],
  // The recorder of deliveries (ledger and write-back), and the runner of a role as a Kafka consumer.
  ['delivery', 'consumer-role.ts'],
  ['cancellation', 'control'],
  // Injection reads the cancellation and control decisions; the poller and the notifier sit beside it.
  ['injection', 'holder-sync', 'notify'],
  // Observers of the running roles (batch history, consumer lag), and the registry of every role's descriptor.
  ['observe', 'role-registry.ts'],
  // The composition root.
  ['app.ts'],
  // Programs: the bridge's entry point, the support CLI, the tools, the TIXnGO simulator.
  ['main.ts', 'cli', 'tools', 'simulator'],
];

const SRC = __dirname;

/** `cli/commands/dlq.ts` → `cli`; `app.ts` → `app.ts`. */
function unitOf(file: string): string {
  return relative(SRC, file).split(sep)[0]!;
}

function floorOf(unit: string): number {
  const floor = FLOORS.findIndex((units) => units.includes(unit));
  if (floor < 0) throw new Error(`src/${unit} is on no floor: place it in FLOORS (src/layers.test.ts)`);
  return floor;
}

/** Every TypeScript file of `src/` (tests and fixtures too), but this one: it quotes imports as examples. */
function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') && join(dir, e.name) !== __filename ? [join(dir, e.name)] : [],
  );
}

/** The relative module specifiers a file imports or re-exports (static, dynamic and `require`). */
function importsOf(text: string): string[] {
  const specs = [
    ...text.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s*['"]([^'"]+)['"]/gms),
    ...text.matchAll(/^\s*import\s*['"]([^'"]+)['"]/gm),
    ...text.matchAll(/\b(?:import|require)\s*\(\s*['"]([^'"]+)['"]\s*\)/g),
  ].map((m) => m[1]!);
  return specs.filter((s) => s.startsWith('.'));
}

/** The imports of `file` that point to its own floor (another unit) or above. */
function upwardImports(file: string): string[] {
  const from = unitOf(file);
  return importsOf(readFileSync(file, 'utf8')).flatMap((spec) => {
    const target = normalize(join(dirname(file), spec));
    const targetPath = relative(SRC, target);
    if (targetPath.startsWith('..')) return []; // outside src (schemas, package.json)
    const to = unitOf(target.endsWith('.ts') ? target : `${target}.ts`);
    return to !== from && floorOf(to) >= floorOf(from) ? [`${relative(SRC, file)} → ${spec} (${from} imports ${to})`] : [];
  });
}

describe('layers: every import points down', () => {
  it('reads static, re-exported, dynamic and required imports, relative ones only', () => {
    const text = [
      "import { a } from '../kafka/admin';",
      "import type {\n  B,\n  C,\n} from './b';",
      "export { d } from '../d';",
      "import 'node:fs';",
      "const e = await import('../e');",
      "const f = require('./f');",
      "import pino from 'pino';",
    ].join('\n');
    expect(importsOf(text)).toEqual(['../kafka/admin', './b', '../d', '../e', './f']);
  });

  it('places every unit of src on one floor', () => {
    const units = new Set(
      sourceFiles(SRC)
        .filter((f) => !f.endsWith('.test.ts'))
        .map(unitOf),
    );
    for (const unit of units) expect(() => floorOf(unit)).not.toThrow();
    expect(FLOORS.flat().length).toBe(new Set(FLOORS.flat()).size);
  });

  it('finds no import from a unit on the same floor or a higher one', () => {
    const modules = sourceFiles(SRC).filter((f) => !f.endsWith('.test.ts'));
    expect(modules.length).toBeGreaterThan(100);
    expect(modules.flatMap(upwardImports)).toEqual([]);
  });
});
