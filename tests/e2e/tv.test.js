// tv.test.js - the big screen (/tv/<id>) at 1920×1080 and party mode: the TV shows the room, its QR
// code (zbarimg reads a screenshot) leads a 390×844 phone into the room, the phone adds and votes and
// the TV re-orders its list, only the speaker device plays (remotes stay silent until their
// listener turns sound on). The speaker's one gesture under chromium's default autoplay policy:
// speaker-tap.test.js.
// SPDX-License-Identifier: GPL-3.0-or-later
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, launchBrowser, newPage, signUpAs, waitForPlayback, sleep } from './harness.js';

const TV = { viewport: { width: 1920, height: 1080 } };
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };

let server;
let browser;
let tv; // the owner's big screen: {page, seen, context}
let room;

/** A REST call from a page (its cookie: the account signed in there). */
function pageFetch(page, method, path, body) {
  return page.evaluate(async ([m, p, b]) => {
    const res = await fetch(p, { method: m, headers: b ? { 'content-type': 'application/json' } : {}, body: b ? JSON.stringify(b) : undefined });
    return { status: res.status, body: await res.json().catch(() => null) };
  }, [method, path, body]);
}

/** What zbarimg reads in a PNG screenshot. */
function decodePng(png) {
  const dir = mkdtempSync(join(tmpdir(), 'soundroom-tv-'));
  try {
    writeFileSync(join(dir, 'shot.png'), png);
    return execFileSync('zbarimg', ['-q', '--raw', join(dir, 'shot.png')], { encoding: 'utf8' }).trim();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// The TV view's shadow root, from inside the page (sr-tv-view lives in sr-app's shadow root).
const TV_TITLES = `[...document.querySelector('sr-app').shadowRoot.querySelector('sr-tv-view').shadowRoot
  .querySelectorAll('.next li .t')].map((x) => x.textContent)`;

const party = (page) => page.evaluate(() => window.__soundroom.client.room && window.__soundroom.client.room.party);

before(async () => {
  server = await startServer('tv');
  browser = await launchBrowser();
  tv = await newPage(browser, TV);
  const tag = Date.now().toString(36);
  await signUpAs(tv.page, server.url, { username: `host_${tag}`, name: 'Host' });
  const made = await pageFetch(tv.page, 'POST', '/api/rooms', { name: 'Party on the big screen' });
  assert.equal(made.status, 201);
  room = made.body.room;
  const on = await pageFetch(tv.page, 'PUT', `/api/rooms/${room.id}/party`, {});
  assert.equal(on.status, 200);
  room.code = on.body.party.code;
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('the TV shows the room, and its QR code brings a phone into it', async () => {
  const { page, seen } = tv;
  const res = await page.goto(`${server.url}/tv/${room.id}`);
  assert.equal(res.status(), 200);
  await page.locator('sr-tv-view h1').filter({ hasText: 'Party on the big screen' }).waitFor({ timeout: 15000 });
  await page.locator('sr-tv-view .now .title').waitFor({ timeout: 15000 });
  const code = await page.locator('sr-tv-view .code').textContent();
  assert.equal(code.replace(/\s/g, ''), room.code, 'the join code is on screen');
  // the host's big screen takes the speaker by itself
  await page.waitForFunction(() => window.__soundroom.client.room?.party?.speaker?.device, null, { timeout: 10000 });
  // no cursor, and a screen that stays awake where the API exists
  assert.equal(await page.locator('sr-tv-view').evaluate((el) => getComputedStyle(el).cursor), 'none');
  await page.locator('sr-tv-view .qr img').evaluate((img) => img.decode());
  const url = decodePng(await page.screenshot());
  assert.equal(url, `${server.url}/#/join/${room.code}`);
  assert.deepEqual(seen.pageErrors, []);
  assert.deepEqual(await page.evaluate(() => window.__cspViolations), []);

  const phone = await newPage(browser, PHONE);
  await phone.page.goto(url);
  await phone.page.getByLabel('Your name').fill('Pocket');
  await phone.page.getByRole('button', { name: 'Continue' }).click();
  await phone.page.getByRole('heading', { level: 1, name: 'Party on the big screen' }).waitFor({ timeout: 15000 });
  assert.equal(await phone.page.evaluate(() => window.__soundroom.client.room.id), room.id);
  // the TV lists the phone, marked as a guest
  await page.locator('sr-tv-view .people li').filter({ hasText: 'Pocket' }).locator('.guest-badge').waitFor({ timeout: 5000 });
  tv.phone = phone;
});

test('a phone adds and votes; the TV re-orders its list', async () => {
  const { page } = tv.phone;
  const tracks = await page.evaluate(async () => (await (await fetch('/api/tracks?limit=100')).json()).tracks);
  const np = await party(page).then(() => page.evaluate(() => window.__soundroom.client.room.nowPlaying.track.id));
  const [a, b] = tracks.filter((t) => t.id !== np).sort((x, y) => y.duration_ms - x.duration_ms);
  const ea = await page.evaluate((id) => window.__soundroom.client.addTrack(id), a.id);
  await sleep(20); // b is added later: with equal scores it stands second
  const eb = await page.evaluate((id) => window.__soundroom.client.addTrack(id), b.id);
  const order = () => tv.page.locator('sr-tv-view .next li .t').allTextContents();
  await tv.page.waitForFunction(([ta, tb, js]) => {
    const t = eval(js); // eslint-disable-line no-eval
    return t.indexOf(ta) >= 0 && t.indexOf(ta) < t.indexOf(tb);
  }, [a.title, b.title, TV_TITLES], { timeout: 5000 });
  const entryB = typeof eb === 'object' ? eb.entry ?? eb.id : eb;
  assert.ok(ea && entryB, 'both were queued');
  await page.evaluate((id) => window.__soundroom.client.vote(id, 1), entryB);
  await tv.page.waitForFunction(([ta, tb, js]) => {
    const t = eval(js); // eslint-disable-line no-eval
    return t.indexOf(tb) >= 0 && t.indexOf(tb) < t.indexOf(ta);
  }, [a.title, b.title, TV_TITLES], { timeout: 5000 });
  const titles = await order();
  assert.ok(titles.indexOf(b.title) < titles.indexOf(a.title), `the voted track moved up: ${titles}`);
  assert.ok(await tv.page.locator('sr-tv-view .next li').filter({ hasText: b.title }).locator('.score').textContent().then((s) => s.trim() === '+1'));
});

test('party mode: only the speaker plays; a remote plays when its listener turns sound on', async () => {
  await waitForPlayback(tv.page);
  const phone = tv.phone.page;
  await sleep(1500);
  const silent = await phone.evaluate(() => ({ paused: window.__soundroom.audio.paused, src: window.__soundroom.audio.src }));
  assert.ok(silent.paused, `the remote's audio is paused (${JSON.stringify(silent)})`);
  await phone.getByRole('button', { name: 'Listen on this device too' }).click();
  await waitForPlayback(phone);
  await phone.getByRole('button', { name: 'Sound on here' }).click();
  await phone.waitForFunction(() => window.__soundroom.audio.paused, null, { timeout: 5000 });
  // the TV still plays
  assert.equal(await tv.page.evaluate(() => window.__soundroom.audio.paused), false);
});
