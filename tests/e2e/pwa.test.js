// pwa.test.js - the installable app: chromium parses the manifest (name, 512 px PNG icon, start_url, standalone)
// and finds nothing that stops installing it; the service worker controls the page; with the server down a
// reload shows the offline page, which brings the app back by itself when the server returns. The Media
// Session and the tab title name the room's track.
// SPDX-License-Identifier: GPL-3.0-or-later
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, launchBrowser, launchPersistent, newPage, joinDemoRoom, nowPlaying, waitForPlayback, DEMO_ROOM } from './harness.js';

let server;
let browser;

before(async () => {
  server = await startServer('pwa');
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('chromium finds the app installable: manifest, icons, service worker', async () => {
  // Chromium installs nothing from an incognito profile: a real one, thrown away afterwards.
  const profile = mkdtempSync(join(tmpdir(), 'soundroom-pwa-'));
  const context = await launchPersistent(profile);
  const page = context.pages()[0] || await context.newPage();
  const seen = { pageErrors: [] };
  page.on('pageerror', (e) => seen.pageErrors.push(e.message));
  await page.goto(`${server.url}/`);
  await page.getByRole('heading', { level: 1, name: 'Listening rooms' }).waitFor({ timeout: 10000 });
  // The service worker is active and controls the page (it claims it on activation).
  const sw = await page.evaluate(async () => {
    const reg = await navigator.serviceWorker.ready;
    if (!navigator.serviceWorker.controller) await new Promise((ok) => navigator.serviceWorker.addEventListener('controllerchange', ok, { once: true }));
    return { scope: reg.scope, script: reg.active.scriptURL };
  });
  assert.equal(sw.scope, `${server.url}/`, 'the worker controls the whole app');
  assert.equal(sw.script, `${server.url}/sw.js`);

  const cdp = await context.newCDPSession(page);
  const app = await cdp.send('Page.getAppManifest');
  assert.equal(app.url, `${server.url}/manifest.webmanifest`);
  assert.deepEqual(app.errors, [], 'the manifest parses without errors');
  const manifest = JSON.parse(app.data);
  assert.equal(manifest.name, 'soundroom');
  assert.equal(manifest.start_url, '/');
  assert.equal(manifest.display, 'standalone');
  const big = manifest.icons.find((i) => i.type === 'image/png' && i.sizes === '512x512' && (i.purpose || 'any').includes('any'));
  assert.ok(big, 'a 512 px PNG icon');
  // The icon is a real 512×512 PNG.
  const size = await page.evaluate(async (src) => {
    const res = await fetch(src);
    const bmp = await createImageBitmap(await res.blob());
    return [res.headers.get('content-type'), bmp.width, bmp.height];
  }, big.src);
  assert.deepEqual(size, ['image/png', 512, 512]);
  // What chromium itself says would stop installing the app: nothing.
  const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
  assert.deepEqual(installabilityErrors, [], `installable (${JSON.stringify(installabilityErrors)})`);
  assert.deepEqual(seen.pageErrors, []);
  await context.close();
  rmSync(profile, { recursive: true, force: true });
});

test('the tab title and the Media Session name the room and its track', async () => {
  const { page, seen, context } = await newPage(browser);
  await joinDemoRoom(page, server.url, 'Listener');
  await waitForPlayback(page);
  const np = await nowPlaying(page);
  const track = await page.evaluate(() => window.__soundroom.client.room.nowPlaying.track);
  await page.waitForFunction((t) => navigator.mediaSession.metadata && navigator.mediaSession.metadata.title === t, np.title, { timeout: 10000 });
  const ms = await page.evaluate(() => {
    const m = navigator.mediaSession.metadata;
    return { title: m.title, artist: m.artist, artwork: m.artwork.map((a) => a.src), state: navigator.mediaSession.playbackState };
  });
  assert.equal(ms.artist, track.artist || '');
  assert.ok(ms.artwork.length >= 1 && ms.artwork[0].startsWith(server.url), `artwork ${ms.artwork}`);
  assert.equal(ms.state, 'playing');
  const title = await page.title();
  assert.ok(title.includes(np.title) && title.includes(DEMO_ROOM.name), `the tab title "${title}" names the track and the room`);

  // Mute from the page: the Media Session says paused; the lobby's title names no track.
  await page.getByRole('button', { name: 'Mute' }).click();
  await page.waitForFunction(() => navigator.mediaSession.playbackState === 'paused', null, { timeout: 5000 });
  await page.getByRole('link', { name: 'soundroom' }).click();
  await page.waitForFunction(() => document.title === 'soundroom', null, { timeout: 5000 });
  assert.deepEqual(seen.pageErrors, []);
  await context.close();
});

test('with the server down a reload shows the offline page, which brings the app back when the server returns', async () => {
  const { page, seen, context } = await newPage(browser);
  await page.goto(`${server.url}/`);
  await page.getByRole('heading', { level: 1, name: 'Listening rooms' }).waitFor({ timeout: 10000 });
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
    if (!navigator.serviceWorker.controller) await new Promise((ok) => navigator.serviceWorker.addEventListener('controllerchange', ok, { once: true }));
  });

  const port = server.port;
  await server.stop();
  server = null;
  await page.reload();
  await page.getByRole('heading', { level: 1, name: "soundroom can't reach its server" }).waitFor({ timeout: 10000 });
  assert.equal(page.url(), `http://127.0.0.1:${port}/`, 'the address stays the page the person wanted');
  // Styled by the cached style.css, scripted by the cached offline.js (no inline code: the CSP holds).
  await page.getByRole('status').filter({ hasText: /Still no answer|Checking|comes back by itself/ }).waitFor({ timeout: 10000 });
  await page.getByRole('status').filter({ hasText: 'Still no answer' }).waitFor({ timeout: 15000 });

  server = await startServer('pwa-again', { port });
  // No click: the page finds the server again and the app loads.
  await page.getByRole('heading', { level: 1, name: 'Listening rooms' }).waitFor({ timeout: 30000 });
  await page.locator('sr-lobby a.room').filter({ hasText: DEMO_ROOM.name }).waitFor({ timeout: 10000 });
  assert.deepEqual(seen.pageErrors, []);
  await context.close();
});
