// tv-4k.test.js - the big screen (/tv/<id>) on a 4K TV: 3840×2160 at device scale 1 and 1920×1080 at
// device scale 2 (the two ways a 4K set shows a page). With a full room (8 queued tracks, long
// titles, a chat, people), nothing reaches past the screen's edges and nothing scrolls, the text is
// as large a part of the screen as at 1080p (so twice the pixels at 3840×2160), and zbarimg reads
// the QR code in a screenshot as the party's join URL.
// SPDX-License-Identifier: GPL-3.0-or-later
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, launchBrowser, newPage, signUpAs, sleep } from './harness.js';

let server;
let browser;
let host;
let room;

/** What zbarimg reads in a PNG screenshot. */
function decodePng(png) {
  const dir = mkdtempSync(join(tmpdir(), 'soundroom-tv4k-'));
  try {
    writeFileSync(join(dir, 'shot.png'), png);
    return execFileSync('zbarimg', ['-q', '--raw', join(dir, 'shot.png')], { encoding: 'utf8' }).trim();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function pageFetch(page, method, path, body) {
  return page.evaluate(async ([m, p, b]) => {
    const res = await fetch(p, { method: m, headers: b ? { 'content-type': 'application/json' } : {}, body: b ? JSON.stringify(b) : undefined });
    return { status: res.status, body: await res.json().catch(() => null) };
  }, [method, path, body]);
}

before(async () => {
  server = await startServer('tv-4k');
  browser = await launchBrowser();
  host = await newPage(browser, { viewport: { width: 1366, height: 768 } });
  const tag = Date.now().toString(36);
  await signUpAs(host.page, server.url, { username: `host_${tag}`, name: 'A host with a rather long display name' });
  const made = await pageFetch(host.page, 'POST', '/api/rooms', { name: 'The longest-named listening party on the biggest screen in the house tonight' });
  assert.equal(made.status, 201);
  room = made.body.room;
  const on = await pageFetch(host.page, 'PUT', `/api/rooms/${room.id}/party`, {});
  assert.equal(on.status, 200);
  room.code = on.body.party.code;
  // a full room: the host in it, 8 tracks queued, a few lines of chat
  await host.page.goto(`${server.url}/#/room/${room.id}`);
  await host.page.waitForFunction((id) => window.__soundroom.client?.room?.id === id, room.id, { timeout: 15000 });
  await host.page.evaluate(async () => {
    const c = window.__soundroom.client;
    const np = c.room.nowPlaying && c.room.nowPlaying.track && c.room.nowPlaying.track.id;
    const tracks = (await (await fetch('/api/tracks?limit=100')).json()).tracks.filter((t) => t.id !== np).slice(0, 8);
    for (const t of tracks) await c.addTrack(t.id);
    for (const line of ['Hello from the sofa!', 'This one next please — it is the best song on the whole album, trust me on this',
      'x'.repeat(300), 'Turn it up']) await c.chat(line);
  });
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** Every box in the TV view that reaches past the viewport, and what scrolls. */
const LAYOUT = () => {
  const tv = document.querySelector('sr-app').shadowRoot.querySelector('sr-tv-view');
  const w = innerWidth;
  const h = innerHeight;
  const out = [];
  const walk = (root) => {
    for (const el of root.querySelectorAll('*')) {
      const r = el.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) continue;
      if (r.left < -0.5 || r.top < -0.5 || r.right > w + 0.5 || r.bottom > h + 0.5) {
        out.push(`${el.tagName.toLowerCase()}.${el.className} ${Math.round(r.left)},${Math.round(r.top)}-${Math.round(r.right)},${Math.round(r.bottom)}`);
      }
      if (el.shadowRoot) walk(el.shadowRoot);
    }
  };
  walk(tv.shadowRoot);
  const px = (sel) => parseFloat(getComputedStyle(tv.shadowRoot.querySelector(sel)).fontSize);
  return {
    outside: out,
    scroll: { x: document.documentElement.scrollWidth - w, y: document.documentElement.scrollHeight - h },
    queued: tv.shadowRoot.querySelectorAll('.next li').length,
    chat: tv.shadowRoot.querySelectorAll('.ticker li').length,
    font: { h1: px('h1'), title: px('.now .title'), code: px('.code'), next: px('.next li .t') },
    qr: tv.shadowRoot.querySelector('.qr img').getBoundingClientRect().width,
    dpr: devicePixelRatio,
  };
};

async function showTv(options) {
  const tv = await newPage(browser, options);
  await tv.page.goto(`${server.url}/tv/${room.id}`);
  await tv.page.locator('sr-tv-view .now .title').waitFor({ timeout: 15000 });
  await tv.page.waitForFunction(() => {
    const r = document.querySelector('sr-app').shadowRoot.querySelector('sr-tv-view').shadowRoot;
    return r.querySelectorAll('.next li').length >= 8 && r.querySelectorAll('.ticker li').length >= 4;
  }, null, { timeout: 10000 });
  await tv.page.locator('sr-tv-view .qr img').evaluate((img) => img.decode());
  await sleep(600); // the re-ordering animation (450 ms) has ended
  return tv;
}

let hd; // the 1920×1080 layout at scale 1: what the 4K ones are compared with

test('1920×1080 (scale 1): the reference layout fits', async () => {
  const tv = await showTv({ viewport: { width: 1920, height: 1080 } });
  hd = await tv.page.evaluate(LAYOUT);
  assert.deepEqual(hd.outside, [], 'nothing reaches past the screen');
  assert.deepEqual(hd.scroll, { x: 0, y: 0 }, 'nothing scrolls');
  await tv.context.close();
});

for (const [name, options, physical] of [
  ['3840×2160 at scale 1', { viewport: { width: 3840, height: 2160 }, deviceScaleFactor: 1 }, 2],
  ['1920×1080 at scale 2', { viewport: { width: 1920, height: 1080 }, deviceScaleFactor: 2 }, 2],
]) {
  test(`4K TV, ${name}: nothing overflows, the text scales with the screen, the QR code reads`, async () => {
    assert.ok(hd, 'the 1080p reference ran');
    const tv = await showTv(options);
    const k = await tv.page.evaluate(LAYOUT);
    assert.equal(k.queued, 8, 'the next 8 tracks are shown');
    assert.deepEqual(k.outside, [], 'nothing reaches past the screen');
    assert.deepEqual(k.scroll, { x: 0, y: 0 }, 'nothing scrolls');
    // As large a part of the screen as at 1080p: twice the device pixels of the 1080p set.
    for (const key of Object.keys(hd.font)) {
      const ratio = (k.font[key] * k.dpr) / hd.font[key];
      assert.ok(Math.abs(ratio - physical) < 0.05, `${key}: ${k.font[key]} CSS px at ×${k.dpr} is ${ratio.toFixed(2)}× the 1080p ${hd.font[key]} px`);
    }
    assert.ok(Math.abs((k.qr * k.dpr) / hd.qr - physical) < 0.05, `the QR code grows with the screen (${k.qr} px at ×${k.dpr}, ${hd.qr} at 1080p)`);
    const shot = await tv.page.screenshot();
    assert.equal(shot.readUInt32BE(16), 3840, 'a 3840 pixel wide screenshot');
    assert.equal(shot.readUInt32BE(20), 2160, 'and 2160 high');
    assert.equal(decodePng(shot), `${server.url}/#/join/${room.code}`, 'zbarimg reads the join URL');
    assert.deepEqual(tv.seen.pageErrors, []);
    await tv.context.close();
  });
}
