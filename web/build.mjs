// build.mjs - bundle the web client (web/src/main.js -> web/dist/app.js) and copy static files.
// Usage: node web/build.mjs [--dev]   (--dev: no minification)
import * as esbuild from 'esbuild';
import { cp, mkdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, 'dist');
const dev = process.argv.includes('--dev');
const STATIC = ['index.html', 'style.css', 'icon.svg'];

await rm(dist, { recursive: true, force: true });
await mkdir(dist, { recursive: true });

const result = await esbuild.build({
  entryPoints: [join(here, 'src', 'main.js')],
  outfile: join(dist, 'app.js'),
  bundle: true,
  format: 'esm',
  target: ['chrome100', 'firefox100', 'safari15.4'],
  minify: !dev,
  sourcemap: true,
  legalComments: 'linked',
  logLevel: 'warning',
  metafile: true,
});

for (const f of STATIC) await cp(join(here, f), join(dist, f));

const bytes = result.metafile.outputs[Object.keys(result.metafile.outputs).find((k) => k.endsWith('app.js'))].bytes;
console.log(`web: built ${join('web', 'dist', 'app.js')} (${(bytes / 1024).toFixed(1)} KiB) + ${STATIC.join(', ')}`);
