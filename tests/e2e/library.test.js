// library.test.js - a room plays a library track in a real browser: the <audio> element seeks
// into the file through an HTTP Range request (206) and lands where the room is; a queued track
// whose file disappears is skipped with a notice the listener sees, and the room plays on.
// SPDX-License-Identifier: GPL-3.0-or-later
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, launchBrowser, newPage, joinDemoRoom, waitForPlayback, nowPlaying, sleep } from './harness.js';

let server, browser, lib, t0;
const FF = ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y'];

before(async () => {
  lib = mkdtempSync(join(tmpdir(), 'soundroom-e2e-lib-'));
  // A big file (an 8-channel 192 kHz 32-bit WAV, 6 MB per second of audio), so that the position
  // the room is at when the page opens lies some 60 MB into it, past what the browser reads
  // ahead: it must ask for it with a Range request instead of reading it from the start.
  execFileSync('ffmpeg', [...FF, '-f', 'lavfi', '-i', 'sine=f=220:sample_rate=192000:d=30', '-ac', '8', '-c:a', 'pcm_s32le',
    '-metadata', 'title=Long Sine', '-metadata', 'artist=Test Tones', join(lib, 'long.wav')]);
  execFileSync('ffmpeg', [...FF, '-f', 'lavfi', '-i', 'sine=f=660:d=20', '-c:a', 'libvorbis',
    '-metadata:s:a:0', 'title=Doomed Song', '-metadata:s:a:0', 'artist=Test Tones', join(lib, 'doomed.ogg')]);
  // the demo room starts with the fallback; with doomed.ogg possible, wait for the long one
  process.env.E2E_LIBRARY = lib;
  for (let i = 0; ; i++) {
    server = await startServer('library');
    const np = (await (await fetch(`${server.url}/api/rooms/1`)).json()).room.now_playing;
    if (np.track.title === 'Long Sine') break;
    await server.stop();
    assert.ok(i < 10, 'the demo room never started with the long track');
  }
  t0 = Date.now();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  delete process.env.E2E_LIBRARY;
  rmSync(lib, { recursive: true, force: true });
});

test('the audio element seeks into the playing track with a Range request (206)', async () => {
  await sleep(Math.max(0, 10000 - (Date.now() - t0))); // the room is now ~10 s (~60 MB) into the file
  const { page, seen } = await newPage(browser);
  const media = [];
  page.on('response', async (res) => {
    if (!res.url().includes('/media/')) return;
    media.push({ status: res.status(), range: (await res.allHeaders())['content-range'] ?? null,
      asked: res.request().headers().range ?? null });
  });
  await joinDemoRoom(page, server.url, 'Seeker');
  await waitForPlayback(page);
  const np = await nowPlaying(page);
  assert.equal(np.title, 'Long Sine');
  await sleep(1500); // let the player settle
  const r = await page.evaluate(() => {
    const h = window.__soundroom;
    return { pos: h.audio.currentTime, expected: h.expectedPosition(), paused: h.audio.paused };
  });
  assert.equal(r.paused, false);
  assert.ok(r.expected > 9, `the room is ${r.expected} s into the track`);
  assert.ok(Math.abs(r.pos - r.expected) < 0.5, `audio at ${r.pos.toFixed(2)} s, room at ${r.expected.toFixed(2)} s`);
  // the bytes came from the middle of the file: a 206 whose range starts megabytes in
  const mid = media.filter((m) => m.status === 206 && m.range && Number(/bytes (\d+)-/.exec(m.range)[1]) > 32 << 20);
  assert.ok(mid.length >= 1, `no 206 from the middle of the file; media responses: ${JSON.stringify(media)}`);
  assert.match(mid[0].asked, /^bytes=\d+-/);
  // the elapsed time shown matches
  const shown = await page.locator('sr-now-playing .elapsed').textContent();
  const [m, s] = shown.trim().split(':').map(Number);
  assert.ok(Math.abs(m * 60 + s - r.pos) <= 1.5, `elapsed shows ${shown}, audio is at ${r.pos.toFixed(1)} s`);
  assert.deepEqual(seen.pageErrors, []);
  await page.context().close();
});

test('a queued track whose file disappears is skipped with a visible notice; the room plays on', async () => {
  const { page, seen } = await newPage(browser);
  await joinDemoRoom(page, server.url, 'Listener');
  await waitForPlayback(page);
  const before = await nowPlaying(page);
  const doomed = (await (await fetch(`${server.url}/api/tracks?q=doomed`)).json()).tracks[0];
  assert.equal(doomed.title, 'Doomed Song');
  await page.evaluate((id) => window.__soundroom.client.addTrack(id), doomed.id);
  await page.locator('sr-queue-list').getByText('Doomed Song').waitFor({ timeout: 5000 });
  rmSync(join(lib, 'doomed.ogg'));
  // inotify makes the scanner notice; the track leaves the library's search
  for (const end = Date.now() + 5000; ;) {
    const left = (await (await fetch(`${server.url}/api/tracks?q=doomed`)).json()).tracks;
    if (!left.length) break;
    assert.ok(Date.now() < end, 'the scanner did not notice the file is gone');
    await sleep(100);
  }
  await page.getByRole('button', { name: /Vote to skip/ }).click();
  // the listener sees why the queued track did not play
  await page.getByRole('status').filter({ hasText: /Doomed Song.*could not be played/ }).waitFor({ timeout: 5000 });
  // and the room plays on with something else
  await page.waitForFunction((prev) => {
    const np = window.__soundroom.client.room.nowPlaying;
    return np && np.track && np.track.title !== 'Doomed Song' && np.started_at !== prev;
  }, before.startedAt, { timeout: 5000 });
  await waitForPlayback(page);
  const after = await nowPlaying(page);
  assert.equal(after.title, 'Long Sine');
  await page.locator('sr-now-playing .title').filter({ hasText: 'Long Sine' }).waitFor({ timeout: 2000 });
  assert.equal(await page.locator('sr-queue-list').getByText('Doomed Song').count(), 0, 'gone from the queue');
  assert.deepEqual(seen.pageErrors, []);
  await page.context().close();
});
