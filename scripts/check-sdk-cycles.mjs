#!/usr/bin/env node
// check-sdk-cycles.mjs - fails when the SDK's modules import each other in a cycle, or export one name twice.
// SPDX-License-Identifier: GPL-3.0-or-later
//
// Usage: node scripts/check-sdk-cycles.mjs [dir]   (dir defaults to sdk/)
//
// Reads the `import … from './x.js'` and `export … from './x.js'` statements of dir/*.js and
// prints every cycle among them (a module that reaches itself again). It also prints names that
// two modules both export, or that differ only in case (`signUp` beside `signup`): `export *`
// in the index silently drops a name two modules share, and two spellings of one call are one
// too many. Exits 1 when it found anything, 0 otherwise.
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dir = resolve(process.argv[2] ?? join(root, 'sdk'));
const files = readdirSync(dir).filter((f) => f.endsWith('.js')).sort();

// Comments out, so an example in a comment is not taken for an import.
const strip = (src) => src.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');

const edges = new Map(); // file -> [files it imports or re-exports]
const exported = new Map(); // file -> [names it declares and exports]
for (const f of files) {
  const src = strip(readFileSync(join(dir, f), 'utf8'));
  const deps = new Set();
  for (const m of src.matchAll(/(?:^|;|\n)\s*(?:import|export)\b[^;'"]*?(?:\bfrom\s*)?['"](\.\/[^'"]+)['"]/g)) {
    deps.add(m[1].slice(2));
  }
  edges.set(f, [...deps].filter((d) => files.includes(d)));
  const names = [];
  for (const m of src.matchAll(/^\s*export\s+(?:default\s+)?(?:async\s+)?(?:function\*?|class|const|let|var)\s+([A-Za-z_$][\w$]*)/gm)) {
    names.push(m[1]);
  }
  for (const m of src.matchAll(/^\s*export\s*\{([^}]*)\}\s*(?:;|$)/gm)) {
    for (const part of m[1].split(',')) {
      const name = part.trim().split(/\s+as\s+/).pop();
      if (name) names.push(name);
    }
  }
  exported.set(f, names);
}

const problems = [];

// Cycles: a depth-first walk; a module met again while still on the path closes a cycle.
const state = new Map(); // file -> 'open' while on the path, 'done' after
const seen = new Set();
function walk(f, path) {
  state.set(f, 'open');
  path.push(f);
  for (const d of edges.get(f)) {
    if (state.get(d) === 'open') {
      const cycle = [...path.slice(path.indexOf(d)), d];
      const key = [...cycle.slice(0, -1)].sort().join(' ');
      if (!seen.has(key)) {
        seen.add(key);
        problems.push(`import cycle: ${cycle.join(' -> ')}`);
      }
    } else if (!state.has(d)) {
      walk(d, path);
    }
  }
  path.pop();
  state.set(f, 'done');
}
for (const f of files) if (!state.has(f)) walk(f, []);

// One name, one module, one spelling.
const owners = new Map(); // lower-cased name -> [{name, file}]
for (const [f, names] of exported) {
  for (const name of names) {
    const key = name.toLowerCase();
    if (!owners.has(key)) owners.set(key, []);
    owners.get(key).push({ name, file: f });
  }
}
for (const list of owners.values()) {
  if (list.length > 1) problems.push(`exported more than once: ${list.map((o) => `${o.name} (${o.file})`).join(', ')}`);
}

for (const p of problems) console.log(p);
if (problems.length) process.exit(1);
console.log(`sdk: ${files.length} modules, no import cycle, no name exported twice`);
