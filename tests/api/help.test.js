// help.test.js - `soundroom --help` as a person reads it in an 80-column terminal: no line
// wider than 80, every option's name set apart from its text by at least two spaces, every
// option's text starting in the same column, and every option in the README's table.
// SPDX-License-Identifier: GPL-3.0-or-later
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { BIN, ROOT, test } from './harness.js';

const help = (...args) => execFileSync(BIN, args, { encoding: 'utf8', timeout: 10000 });

test('serve --help fits 80 columns, with aligned and separated option texts', () => {
  const out = help('serve', '--help');
  assert.equal(help('--help'), out, 'the same text either way');
  const lines = out.split('\n');
  for (const l of lines) assert.ok(l.length <= 80, `over 80 columns (${l.length}): ${l}`);
  const options = lines.filter((l) => /^ {2}--/.test(l));
  assert.ok(options.length > 25, `only ${options.length} option lines`);
  const columns = new Set();
  for (const l of options) {
    // the name and its placeholder, then at least two spaces, then the text (or nothing: the
    // text then starts on the next line, in the same column)
    const m = /^( {2}--[a-z-]+ [A-Z]+)( {2,}\S|$)/.exec(l);
    assert.ok(m, `option not set apart from its text: "${l}"`);
    const at = m[2] ? m[0].length - 1 : lines[lines.indexOf(l) + 1].search(/\S/);
    columns.add(at);
  }
  assert.equal(columns.size, 1, `texts start in columns ${[...columns].join(', ')}`);
  const col = [...columns][0];
  // continuation lines (wrapped text) start in that column too
  for (let i = 1; i < lines.length; i++) {
    if (/^ {2}--/.test(lines[i - 1]) && /^ {3,}\S/.test(lines[i])) assert.equal(lines[i].search(/\S/), col, lines[i]);
  }
  // no option's text ran into its name ("--allow-origin VALUEextra")
  assert.doesNotMatch(out, /--[a-z-]+ (VALUE|N|X)[a-z]/);
  // every option is documented in the README's table
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  for (const l of options) {
    const name = /--[a-z-]+/.exec(l)[0];
    assert.ok(readme.includes(`\`${name}`), `${name} is not in README.md`);
  }
});
