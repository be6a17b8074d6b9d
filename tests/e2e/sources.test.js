// sources.test.js - tracks the server does not serve, in a real browser: an external service's
// track played through the SDK's tone adapter (WebAudio oscillators, no network) at the room's
// position; a browser with no player for it says so while the room plays on; a live stream
// (internet radio from a loopback HTTP server) played from its live point, never seeked.
// SPDX-License-Identifier: GPL-3.0-or-later
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { connect, signup } from '../../sdk/soundroom.js';
import { startServer, launchBrowser, newPage, enterAs, joinDemoRoom, signUpAs, waitForPlayback, waitForTrackWithTime, sleep, DEMO_ROOM } from './harness.js';

let server, browser, owner, roomId, radio, radioUrl;
const FF = ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y'];

before(async () => {
  server = await startServer('sources');
  browser = await launchBrowser();
  const wsUrl = server.url.replace(/^http/, 'ws') + '/ws';
  const { token } = await signup(wsUrl, { username: `dj${process.pid}`, password: 'correct horse battery' });
  owner = await connect(wsUrl, { session: token, WebSocket, reconnect: false });
  roomId = (await owner.createRoom({ name: 'Other sources' })).id;
  await owner.join(roomId);
  // an "internet radio": an endless MP3 on loopback; every listener gets it from where it is now
  const mp3 = join(tmpdir(), `e2e-radio-${process.pid}.mp3`);
  execFileSync('ffmpeg', [...FF, '-f', 'lavfi', '-i', 'sine=f=330:d=2', '-c:a', 'libmp3lame', '-b:a', '64k', mp3]);
  const chunk = readFileSync(mp3);
  rmSync(mp3);
  radio = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'audio/mpeg', 'cache-control': 'no-cache' });
    res.write(chunk);
    const timer = setInterval(() => res.write(chunk), 1000); // 2 s of audio a second: ahead
    req.on('close', () => clearInterval(timer));
  });
  await new Promise((r) => radio.listen(0, '127.0.0.1', r));
  radioUrl = `http://127.0.0.1:${radio.address().port}/live.mp3`;
});

after(async () => {
  await owner?.close();
  await browser?.close();
  radio?.closeAllConnections?.();
  await new Promise((r) => (radio ? radio.close(r) : r()));
  await server?.stop();
});

/** Queues a track through `add` and skips to it; resolves with the room's now-playing. */
async function playNow(add) {
  const { entry, track } = await add();
  for (const e of owner.room.queue) if (e.id !== entry) await owner.removeEntry(e.id);
  const started = new Promise((ok) => {
    const off = owner.on('now_playing', (d) => {
      if (d.entry === entry) off(), ok(d);
    });
  });
  await owner.voteSkip(true);
  const np = await started;
  assert.equal(np.track.source, track.source);
  return np;
}

/** Records every oscillator the page's WebAudio starts: {freq, type}. */
function recordOscillators(page) {
  return page.addInitScript(() => {
    window.__oscillators = [];
    const make = AudioContext.prototype.createOscillator;
    AudioContext.prototype.createOscillator = function () {
      const o = make.call(this);
      const start = o.start;
      o.start = function (...a) {
        window.__oscillators.push({ freq: o.frequency.value, type: o.type, ctx: this.context.state });
        return start.apply(this, a);
      };
      return o;
    };
  });
}

test('an external track plays through the tone adapter at the room position; without a player the page says so and the room plays on', { timeout: 60000 }, async () => {
  const np = await playNow(() => owner.addExternal({ source: 'tone', ref: '440+660/triangle@20000', title: 'Perfect Fifth', artist: 'Oscillators' }));
  assert.equal(np.track.url, null);
  await sleep(2000); // the room is ~2 s into it when the listeners arrive
  const { page, seen } = await newPage(browser);
  await recordOscillators(page);
  const deaf = await newPage(browser);
  // a browser without WebAudio: the tone adapter cannot play here
  await deaf.page.addInitScript(() => {
    delete window.AudioContext;
    delete window.webkitAudioContext;
  });
  await enterAs(page, server.url, 'Listener', `#/room/${roomId}`);
  await enterAs(deaf.page, server.url, 'Deaf', `#/room/${roomId}`);
  await page.locator('sr-now-playing .title').filter({ hasText: 'Perfect Fifth' }).waitFor({ timeout: 10000 });
  await page.waitForFunction(() => window.__soundroom.playback.state === 'playing', null, { timeout: 5000 });
  const at = await page.evaluate(() => ({ ...window.__soundroom.playback, expected: window.__soundroom.expectedPosition() }));
  assert.equal(at.mode, 'adapter');
  assert.ok(at.expected > 1.5, `the room was ${at.expected} s in`);
  assert.ok(Math.abs(at.positionMs / 1000 - at.expected) < 0.5, `started at the room's position: ${JSON.stringify(at)}`);
  const oscs = await page.evaluate(() => window.__oscillators);
  assert.deepEqual(oscs.map((o) => [o.freq, o.type]).sort(), [[440, 'triangle'], [660, 'triangle']]);
  await sleep(1000);
  const later = await page.evaluate(() => window.__soundroom.playback.positionMs);
  assert.ok(later - at.positionMs > 700, `the tone plays on: ${at.positionMs} -> ${later} ms`);
  assert.equal(await page.evaluate(() => window.__soundroom.audio.getAttribute('src')), null, 'not through <audio>');

  const note = deaf.page.locator('sr-now-playing .status.unsupported');
  await note.waitFor({ timeout: 5000 });
  assert.match(await note.innerText(), /Can't play this here.*tone/);
  // the tone ends (20 s; long enough for a busy machine to open both pages) and the next
  // track plays for both, the note gone
  await waitForPlayback(deaf.page, 30000);
  assert.equal(await note.count(), 0);
  assert.notEqual(await deaf.page.locator('sr-now-playing .title').innerText(), 'Perfect Fifth');
  await page.waitForFunction(() => window.__soundroom.playback.mode === 'file', null, { timeout: 5000 });
  assert.deepEqual(seen.pageErrors, []);
  assert.deepEqual(deaf.seen.pageErrors, []);
  await page.context().close();
  await deaf.context.close();
});

test('a live stream plays from its live point and is never seeked or nudged', async () => {
  const np = await playNow(() => owner.addStream({ url: radioUrl, title: 'Loopback FM' }));
  assert.equal(np.track.live, true);
  await sleep(3000); // the slot began 3 s before the listener arrives
  const { page, seen } = await newPage(browser);
  await page.addInitScript(() => {
    // every write to currentTime or playbackRate of any media element, and every seek
    window.__moves = [];
    for (const prop of ['currentTime', 'playbackRate']) {
      const d = Object.getOwnPropertyDescriptor(HTMLMediaElement.prototype, prop);
      Object.defineProperty(HTMLMediaElement.prototype, prop, {
        get() { return d.get.call(this); },
        set(v) { window.__moves.push(`${prop}=${v}`); d.set.call(this, v); },
        configurable: true,
      });
    }
    const add = document.createElement;
    document.createElement = function (name, ...rest) {
      const el = add.call(this, name, ...rest);
      if (String(name).toLowerCase() === 'audio') el.addEventListener('seeking', () => window.__moves.push('seeking'));
      return el;
    };
  });
  await enterAs(page, server.url, 'Radio fan', `#/room/${roomId}`);
  await page.locator('sr-now-playing .title').filter({ hasText: 'Loopback FM' }).waitFor({ timeout: 10000 });
  await waitForPlayback(page);
  const first = await page.evaluate(() => ({ t: window.__soundroom.audio.currentTime, src: window.__soundroom.audio.src,
    mode: window.__soundroom.playback.mode, expected: window.__soundroom.expectedPosition() }));
  assert.equal(first.src, radioUrl);
  assert.equal(first.mode, 'live');
  assert.ok(first.expected > 3, 'the slot is more than 3 s old');
  assert.ok(first.t < first.expected - 1.5, `played from the live point, not the slot's position: ${JSON.stringify(first)}`);
  await sleep(2500);
  const then = await page.evaluate(() => ({ t: window.__soundroom.audio.currentTime, paused: window.__soundroom.audio.paused,
    rate: window.__soundroom.audio.playbackRate, moves: window.__moves }));
  assert.equal(then.paused, false);
  assert.ok(then.t - first.t > 1.5, `it plays on: ${first.t} -> ${then.t}`);
  assert.equal(then.rate, 1);
  // the old player set playbackRate=1 on every track change; what must never happen is a seek
  assert.deepEqual(then.moves.filter((m) => m !== 'playbackRate=1'), [], 'never seeked or nudged');
  assert.equal(await page.locator('sr-now-playing .duration').innerText(), 'Live');
  assert.deepEqual(seen.pageErrors, []);
  assert.deepEqual(await page.evaluate(() => window.__cspViolations), [], 'the stream is allowed by the CSP');
  await page.context().close();
});

test('a signed-in person adds a stream URL through the room form; another listener sees it queued; bad URLs and guests get readable errors', async () => {
  const dj = await newPage(browser);
  await signUpAs(dj.page, server.url, { username: `radio${process.pid}`, name: 'Radio DJ' });
  await dj.page.goto(`${server.url}/#/room/${DEMO_ROOM.id}`);
  await dj.page.getByRole('heading', { level: 1, name: DEMO_ROOM.name }).waitFor({ timeout: 15000 });
  const ear = await newPage(browser);
  await joinDemoRoom(ear.page, server.url, 'Ear');
  const form = dj.page.locator('sr-add-stream');
  const add = form.getByRole('button', { name: 'Add', exact: true });

  // not http(s): the server's reason, in words, and nothing queued
  await form.getByLabel('Stream URL', { exact: true }).fill('ftp://radio.example/live.mp3');
  await add.click();
  await form.getByRole('alert').filter({ hasText: 'That is not a stream URL: only http:// and https:// URLs can be played.' })
    .waitFor({ timeout: 5000 });

  // the queued stream must not start playing (and so leave the queue) before the other page looks
  await waitForTrackWithTime(ear.page, 10000);
  await form.getByLabel('Stream URL', { exact: true }).fill('http://127.0.0.1:9/night.mp3');
  await form.getByText('Title, artist, other services').click();
  await form.getByLabel('Title (optional)').fill('Night FM');
  await add.click();
  await form.getByRole('status').filter({ hasText: 'Added “Night FM” to the queue.' }).waitFor({ timeout: 5000 });
  assert.equal(await form.getByRole('alert').count(), 0, 'the old error is gone');
  assert.equal(await form.getByLabel('Stream URL', { exact: true }).inputValue(), '', 'the form is ready for the next one');
  // the other browser's queue shows it, added by the DJ
  const row = ear.page.locator('sr-queue-list li').filter({ hasText: 'Night FM' });
  await row.waitFor({ timeout: 5000 });
  assert.match(await row.innerText(), /Radio DJ/);
  // another service's track (the tone adapter the web client registers): a title is needed
  await form.getByLabel('Source').selectOption('tone');
  await form.getByLabel('Reference', { exact: true }).fill('523/square@4000');
  await form.getByLabel('Title', { exact: true }).fill('High C');
  await add.click();
  await form.getByRole('status').filter({ hasText: 'Added “High C” to the queue.' }).waitFor({ timeout: 5000 });
  await ear.page.locator('sr-queue-list li').filter({ hasText: 'High C' }).waitFor({ timeout: 5000 });

  // a guest may not add streams: the form says so before it is filled, and cannot be sent
  const guestForm = ear.page.locator('sr-add-stream');
  await guestForm.locator('.needs-account').filter({ hasText: 'needs an' }).waitFor({ timeout: 5000 });
  assert.equal(await guestForm.getByLabel('Stream URL', { exact: true }).isDisabled(), true);
  assert.equal(await guestForm.getByRole('button', { name: 'Add', exact: true }).isDisabled(), true);
  assert.equal(await ear.page.locator('sr-queue-list li').filter({ hasText: 'radio.example' }).count(), 0);

  for (const p of [dj, ear]) {
    assert.deepEqual(p.seen.pageErrors, []);
    assert.deepEqual(await p.page.evaluate(() => window.__cspViolations), []);
    await p.context.close();
  }
});

test('a stream nobody can play: the page says so and reports it, and the room moves on at once when everyone has', async () => {
  const closed = await new Promise((ok) => {
    const s = http.createServer();
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => ok(port)); });
  });
  const { page, seen } = await newPage(browser);
  await enterAs(page, server.url, 'Dead air', `#/room/${roomId}`);
  await page.getByRole('heading', { level: 1 }).waitFor({ timeout: 10000 });
  const np = await playNow(() => owner.addStream({ url: `http://127.0.0.1:${closed}/dead.mp3`, title: 'Dead FM' }));
  const note = page.locator('sr-now-playing .status.error');
  await note.waitFor({ timeout: 10000 });
  assert.match(await note.innerText(), /moves on/);
  // two listeners: the page (it reported when its player failed) and the owner's SDK client.
  // Without the page's report, the owner's alone would wait 10 s.
  const moved = new Promise((ok) => {
    const off = owner.on('now_playing', (d) => { off(); ok(d); });
  });
  const t0 = Date.now();
  assert.equal((await owner.reportCannotPlay(np.track.id)).counted, true);
  const next = await Promise.race([moved, sleep(4000).then(() => null)]);
  assert.ok(next, `the room was still on Dead FM ${Date.now() - t0} ms after the last report`);
  assert.notEqual(next.track.id, np.track.id);
  await page.locator('sr-now-playing .title').filter({ hasNotText: 'Dead FM' }).waitFor({ timeout: 5000 });
  await note.waitFor({ state: 'detached', timeout: 10000 });
  assert.deepEqual(seen.pageErrors, []);
  await page.context().close();
});
