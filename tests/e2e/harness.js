// harness.js - shared e2e plumbing: the demo library, a real server process, Debian's chromium,
// and helpers that drive the web client the way a person would.
import assert from 'node:assert/strict';
import { spawn, execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, createWriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const OUT = join(ROOT, 'tests', 'out');
const BIN = process.env.SOUNDROOM_BIN || join(ROOT, 'build', 'soundroom');
const WEB = join(ROOT, 'web', 'dist');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
export const DEMO_ROOM = { id: 1, name: 'Demo room' };

/**
 * The demo library in tests/out/library, made by scripts/demo-library.sh (which leaves a
 * directory that already holds audio alone). E2E_LIBRARY=DIR uses another library instead.
 */
export async function demoLibrary() {
  if (process.env.E2E_LIBRARY) return resolve(process.env.E2E_LIBRARY);
  const lib = join(OUT, 'library');
  mkdirSync(OUT, { recursive: true });
  await promisify(execFile)('bash', [join(ROOT, 'scripts', 'demo-library.sh'), lib], { cwd: ROOT, maxBuffer: 16 << 20 });
  return lib;
}

function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.on('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

/**
 * Starts `soundroom serve` on a free port with a fresh data dir; resolves once /api/health
 * answers. `stop()` sends SIGTERM and resolves with {code, signal}; it throws if the server
 * needs SIGKILL or exits with an error. With `admin: {username, password}` that account is made
 * and promoted to server admin (`soundroom user add|promote`) before the server starts. With
 * `port`, it listens there (a server started again where a page expects it), else on a free port.
 */
export async function startServer(name, { admin, port: wanted } = {}) {
  assert.ok(existsSync(BIN), `no server binary at ${BIN} (make build/soundroom)`);
  assert.ok(existsSync(join(WEB, 'app.js')), 'no web/dist/app.js (make web)');
  const library = await demoLibrary();
  const data = mkdtempSync(join(tmpdir(), 'soundroom-e2e-'));
  if (admin) {
    const run = promisify(execFile);
    const opts = { cwd: ROOT, env: { ...process.env, SOUNDROOM_PASSWORD: admin.password } };
    await run(BIN, ['user', 'add', admin.username, '--data', data, '--pw-mem-kib', '1024', '--pw-ops', '1'], opts);
    await run(BIN, ['user', 'promote', admin.username, '--data', data], opts);
  }
  const port = wanted || await freePort();
  mkdirSync(OUT, { recursive: true });
  const logPath = join(OUT, `e2e-${name}.log`);
  const log = createWriteStream(logPath);
  let tail = '';
  // Cheap password hashing: sign-ups in the browser tests take milliseconds, not seconds.
  const proc = spawn(BIN, ['serve', '--port', String(port), '--host', '127.0.0.1', '--data', data,
    '--library', library, '--web', WEB, '--pw-mem-kib', '1024', '--pw-ops', '1',
    // streams come from servers of the tests' own on loopback
    '--allow-private-urls', '1'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const keep = (chunk) => {
    log.write(chunk);
    tail = (tail + chunk).slice(-4000);
  };
  proc.stdout.on('data', keep);
  proc.stderr.on('data', keep);
  const exited = new Promise((ok) => proc.on('exit', (code, signal) => ok({ code, signal })));
  let gone = null;
  exited.then((r) => { gone = r; });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20000;
  for (;;) {
    if (gone) throw new Error(`server exited early (${JSON.stringify(gone)}); log ${logPath}:\n${tail}`);
    try {
      const res = await fetch(`${url}/api/health`);
      if (res.ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`server did not answer /api/health within 20 s; log ${logPath}:\n${tail}`);
    }
    await sleep(100);
  }
  return {
    url,
    port,
    logs: () => tail,
    async stop() {
      if (!gone) proc.kill('SIGTERM');
      let timer;
      const timeout = new Promise((ok) => { timer = setTimeout(() => ok(null), 10000); });
      const r = await Promise.race([exited, timeout]);
      clearTimeout(timer);
      log.end();
      rmSync(data, { recursive: true, force: true });
      if (!r) {
        proc.kill('SIGKILL');
        throw new Error(`server still running 10 s after SIGTERM; log ${logPath}`);
      }
      if (r.code !== 0) throw new Error(`server exited with ${JSON.stringify(r)} after SIGTERM; log ${logPath}:\n${tail}`);
      return r;
    },
  };
}

/** Debian's chromium; `autoplay` is its --autoplay-policy (by default sound may start unprompted). */
export function launchBrowser({ autoplay = 'no-user-gesture-required' } = {}) {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', `--autoplay-policy=${autoplay}`],
  });
}

/**
 * Debian's chromium with a profile in `dir`: a persistent context (not incognito), which is what
 * chromium needs before it will call a web app installable. Resolves with the context.
 */
export function launchPersistent(dir) {
  return chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run'],
  });
}

export const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));

/**
 * A fresh browser context (its own localStorage, so its own guest) with one page that records
 * uncaught errors, dialogs, console messages and CSP violations.
 */
export async function newPage(browser, contextOptions = {}) {
  const context = await browser.newContext(contextOptions);
  const page = await context.newPage();
  const seen = { pageErrors: [], dialogs: [], console: [] };
  page.on('pageerror', (e) => seen.pageErrors.push(e.message));
  page.on('console', (m) => seen.console.push(`${m.type()}: ${m.text()}`));
  page.on('dialog', (d) => {
    seen.dialogs.push(`${d.type()}: ${d.message()}`);
    d.dismiss().catch(() => {});
  });
  await page.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || '(inline)'} at ${e.sourceFile}:${e.lineNumber}`);
    });
  });
  return { context, page, seen };
}

/**
 * Opens `hash` (default the demo room) and answers the name prompt as `name`: a room asks for a
 * name on the way in; elsewhere (the lobby) the guest asks for the prompt with "Choose a name".
 */
export async function enterAs(page, baseUrl, name, hash = `#/room/${DEMO_ROOM.id}`) {
  const res = await page.goto(`${baseUrl}/${hash}`);
  if (!hash.startsWith('#/room/')) await page.getByRole('button', { name: 'Choose a name' }).click();
  await page.getByLabel('Your name').fill(name);
  await page.getByRole('button', { name: 'Continue' }).click();
  return res;
}

/** Opens the demo room as `name` and waits until its heading shows. */
export async function joinDemoRoom(page, baseUrl, name) {
  const res = await enterAs(page, baseUrl, name);
  await page.getByRole('heading', { level: 1, name: DEMO_ROOM.name }).waitFor({ timeout: 15000 });
  return res;
}

/**
 * Creates an account through the web client's sign-up form and waits until the header shows the
 * display name. Resolves with the page.
 */
export async function signUpAs(page, baseUrl, { username, name, password = 'correct horse battery' }) {
  await page.goto(`${baseUrl}/#/signup`);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Display name (optional)').fill(name);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.locator('header a.name').filter({ hasText: name }).waitFor({ timeout: 10000 });
  return page;
}

/** Signs an existing account in through the web client's form; waits for the header to show it. */
export async function signInAs(page, baseUrl, { username, password }) {
  await page.goto(`${baseUrl}/#/signin`);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('header a.name').waitFor({ timeout: 10000 });
  return page;
}

/**
 * Two new pages with new accounts ("owner" and "guest" named by `names`): the owner creates a
 * room called `room` from the lobby and the guest enters it from the lobby. Resolves with both
 * pages (as newPage gives them), each showing the room.
 */
export async function ownerAndGuestInRoom(browser, baseUrl, room, names = ['Owner', 'Guest']) {
  const owner = await newPage(browser);
  const guest = await newPage(browser);
  const tag = Date.now().toString(36);
  const [o, g] = names;
  await signUpAs(owner.page, baseUrl, { username: `${o.toLowerCase()}_${tag}`, name: o });
  await signUpAs(guest.page, baseUrl, { username: `${g.toLowerCase()}_${tag}`, name: g });
  await owner.page.getByLabel('Name', { exact: true }).fill(room);
  await owner.page.getByRole('button', { name: 'Create room' }).click();
  await owner.page.getByRole('heading', { level: 1, name: room }).waitFor({ timeout: 10000 });
  await guest.page.locator('sr-lobby a.room').filter({ hasText: room }).click();
  await guest.page.getByRole('heading', { level: 1, name: room }).waitFor({ timeout: 10000 });
  return { owner, guest };
}

/** Waits until the page's <audio> is really playing (not paused, data buffered, clock moving). */
export async function waitForPlayback(page, timeout = 15000) {
  await page.waitForFunction(() => {
    const a = window.__soundroom && window.__soundroom.audio;
    return a && a.src && !a.paused && a.readyState >= 3 && a.currentTime > 0;
  }, null, { timeout });
}

/** What the page's room says is playing, from the SDK state: {trackId, title, startedAt, durationMs, remainingMs}. */
export function nowPlaying(page) {
  return page.evaluate(() => {
    const c = window.__soundroom.client;
    const np = c.room && c.room.nowPlaying;
    if (!np || !np.track) return null;
    return { trackId: np.track.id, title: np.track.title, url: np.track.url, startedAt: np.started_at,
      durationMs: np.track.duration_ms, remainingMs: np.started_at + np.track.duration_ms - c.now() };
  });
}

/**
 * If the current track ends within `minMs`, waits for the next one, so a test that needs a few
 * quiet seconds is not cut by a track change. Returns what is then playing.
 */
export async function waitForTrackWithTime(page, minMs) {
  const deadline = Date.now() + 90000;
  let np = await nowPlaying(page);
  while (!np || np.remainingMs < minMs) {
    assert.ok(Date.now() < deadline, `no track with ${minMs} ms left came up within 90 s`);
    await sleep(np ? Math.max(200, np.remainingMs + 300) : 300);
    np = await nowPlaying(page);
  }
  return np;
}

/** Counts elements matching `selector` anywhere in the page, inside shadow roots too. */
export function countDeep(page, selector) {
  return page.evaluate((sel) => {
    let n = 0;
    const walk = (root) => {
      n += root.querySelectorAll(sel).length;
      for (const el of root.querySelectorAll('*')) if (el.shadowRoot) walk(el.shadowRoot);
    };
    walk(document);
    return n;
  }, selector);
}
