// build.mjs - bundle the web client (web/src/main.js -> web/dist/app.js) and copy static files: the page, its
// theme, the installable app's manifest and icons, the service worker (at the root, so it controls the whole
// app) and the offline page it shows.
// Usage: [SOURCEMAP=1] node web/build.mjs [--dev]   (--dev: no minification)
// No source map unless SOURCEMAP=1: the server serves every file of web/dist to anyone, and the
// map would hand out the client's whole unminified source with its comments. With SOURCEMAP=1
// (for debugging) app.js.map is written beside app.js, linked from it, and served like the rest.
// The icons in web/icons/ are made from icon.svg by `node web/make-icons.mjs` and committed.
import * as esbuild from 'esbuild';
import { createHash } from 'node:crypto';
import { cp, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, 'dist');
const dev = process.argv.includes('--dev');
const sourcemap = process.env.SOURCEMAP === '1';
const STATIC = ['index.html', 'style.css', 'icon.svg', 'manifest.webmanifest', 'offline.html', 'offline.js'];

await rm(dist, { recursive: true, force: true });
await mkdir(dist, { recursive: true });

const result = await esbuild.build({
  entryPoints: [join(here, 'src', 'main.js')],
  outfile: join(dist, 'app.js'),
  bundle: true,
  format: 'esm',
  target: ['chrome100', 'firefox100', 'safari15.4'],
  minify: !dev,
  sourcemap,
  legalComments: 'linked',
  logLevel: 'warning',
  metafile: true,
});

for (const f of STATIC) await cp(join(here, f), join(dist, f));
// The big screen, /tv/<room id>: the same page one level down (the server serves tv.html for every
// /tv/<id>), its relative links pointing one level up (the policy allows no <base>).
const page = await readFile(join(here, 'index.html'), 'utf8');
await writeFile(join(dist, 'tv.html'), page.replace(/\b(href|src)="(?![a-z]+:|\/|#)/g, '$1="../'));
const icons = (await readdir(join(here, 'icons'))).filter((f) => f.endsWith('.png'));
await mkdir(join(dist, 'icons'));
for (const f of icons) await cp(join(here, 'icons', f), join(dist, 'icons', f));

// The service worker names its cache after the shell it keeps: a new build, a new cache.
const hash = createHash('sha256');
for (const f of ['app.js', 'tv.html', ...STATIC]) hash.update(await readFile(join(dist, f)));
const sw = (await readFile(join(here, 'sw.js'), 'utf8')).replace('__SHELL_VERSION__', hash.digest('hex').slice(0, 16));
await writeFile(join(dist, 'sw.js'), sw);

const bytes = result.metafile.outputs[Object.keys(result.metafile.outputs).find((k) => k.endsWith('app.js'))].bytes;
console.log(`web: built ${join('web', 'dist', 'app.js')} (${(bytes / 1024).toFixed(1)} KiB${sourcemap ? ', app.js.map' : ''}) + ${[...STATIC, 'tv.html', 'sw.js'].join(', ')}, ${icons.length} icons`);
