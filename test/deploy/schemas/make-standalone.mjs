#!/usr/bin/env node
// Turns the "-local-strict" Kubernetes JSON schemas bundled in the PyPI package kubernetes-validate
// (one file per kind, all $refs pointing into a shared `_definitions.json` by an absolute URL) into
// self-contained ("standalone") files that kubeconform can load from disk with no network: every
// referenced definition is copied into the file's own `$defs` and each $ref rewritten to `#/$defs/…`.
//
// usage: node make-standalone.mjs <kubernetes-validate schema dir> <out dir> <file>...
//   e.g. node make-standalone.mjs …/v1.30.0-local-strict kubernetes/v1.30.0-standalone-strict deployment-apps-v1.json
// Called by regenerate.sh; the output is committed, so tests never need this script.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

const [srcDir, outDir, ...files] = process.argv.slice(2);
if (!srcDir || !outDir || files.length === 0) {
  console.error('usage: make-standalone.mjs <src dir> <out dir> <file>...');
  process.exit(2);
}
const shared = JSON.parse(readFileSync(join(srcDir, '_definitions.json'), 'utf8'));
const allDefs = shared.$defs;
// Refs are either into the shared file (`/api/_definitions.json#/$defs/X`) or, inside it, local (`#/$defs/X`).
const REF = /^(?:(?:.*\/)?_definitions\.json)?#\/\$defs\/(.+)$/;

mkdirSync(outDir, { recursive: true });
for (const file of files) {
  const root = JSON.parse(readFileSync(join(srcDir, file), 'utf8'));
  const needed = new Map();
  const rewrite = (node) => {
    if (Array.isArray(node)) return node.map(rewrite);
    if (node === null || typeof node !== 'object') return node;
    const out = {};
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string') {
        const m = REF.exec(v);
        if (!m) throw new Error(`${file}: unexpected $ref ${v}`);
        const name = decodeURIComponent(m[1]);
        if (!(name in allDefs)) throw new Error(`${file}: unknown definition ${name}`);
        if (!needed.has(name)) {
          needed.set(name, null); // placeholder first: definitions may be recursive
          needed.set(name, rewrite(allDefs[name]));
        }
        out.$ref = `#/$defs/${m[1]}`;
      } else {
        out[k] = rewrite(v);
      }
    }
    return out;
  };
  const body = rewrite(root);
  delete body.$id; // the upstream absolute $id would make kubeconform resolve refs over the network
  body.$defs = Object.fromEntries([...needed.entries()].sort(([a], [b]) => a.localeCompare(b)));
  writeFileSync(join(outDir, file), JSON.stringify(body) + '\n');
  console.log(`${join(outDir, file)}: ${needed.size} definitions`);
}
