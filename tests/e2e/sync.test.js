// sync.test.js - two listeners in the demo room hear the same track at the same moment.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, newPage, joinDemoRoom, waitForPlayback, waitForTrackWithTime,
  nowPlaying, sleep } from './harness.js';

const TOLERANCE_MS = 50;
const SETTLE_MS = 5000;
const SAMPLES = 5;

let server;
let browser;

before(async () => {
  server = await startServer('sync');
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** One reading of a page's audio clock next to its server-time estimate, taken in the same task. */
function reading(page) {
  return page.evaluate(() => {
    const h = window.__soundroom;
    const a = h.audio;
    const now = h.client.now();
    const pos = a.currentTime;
    const np = h.client.room.nowPlaying;
    return { pos, now, expected: h.expectedPosition(), startedAt: np.started_at, trackId: np.track.id,
      src: a.currentSrc, paused: a.paused, rate: a.playbackRate };
  });
}

test('two listeners play the same track in step with the server clock', async (t) => {
  const a = await newPage(browser);
  const b = await newPage(browser);
  await joinDemoRoom(a.page, server.url, 'Ada');
  await joinDemoRoom(b.page, server.url, 'Grace');
  await Promise.all([waitForPlayback(a.page), waitForPlayback(b.page)]);

  // Leave room for settling plus sampling before the track ends.
  const np = await waitForTrackWithTime(a.page, SETTLE_MS + 8000);
  await Promise.all([waitForPlayback(a.page), waitForPlayback(b.page)]);
  // Let the players settle; keep a trace of their drift (ms) to explain a failure.
  const trace = { A: [], B: [] };
  for (const end = Date.now() + SETTLE_MS; Date.now() < end;) {
    const [ra, rb] = await Promise.all([reading(a.page), reading(b.page)]);
    trace.A.push(Math.round((ra.pos - ra.expected) * 1000));
    trace.B.push(Math.round((rb.pos - rb.expected) * 1000));
    await sleep(500);
  }
  const history = `drift while settling, ms: A [${trace.A}], B [${trace.B}]`;

  // Both pages show the same track to the person looking at them.
  for (const p of [a.page, b.page]) {
    await assert.doesNotReject(
      p.locator('sr-now-playing .title').filter({ hasText: np.title }).waitFor({ timeout: 2000 }),
      'now playing title is shown');
    assert.equal(await p.getByRole('button', { name: /tap to listen/i }).count(), 0, 'no "Tap to listen": autoplay is allowed');
  }

  let worst = 0;
  for (let i = 0; i < SAMPLES; i++) {
    const [ra, rb] = await Promise.all([reading(a.page), reading(b.page)]);
    for (const [who, r] of [['A', ra], ['B', rb]]) {
      assert.equal(r.paused, false, `${who}: audio is playing`);
      assert.equal(r.trackId, np.trackId, `${who}: plays the room's track`);
      assert.ok(r.src.endsWith(np.url), `${who}: audio source ${r.src} is the track's url ${np.url}`);
    }
    assert.equal(ra.startedAt, rb.startedAt, 'both pages have the same started_at');
    // Map each audio position to the server time at which the track would have started.
    const startA = ra.now - ra.pos * 1000;
    const startB = rb.now - rb.pos * 1000;
    const msg = `${history}; sample ${i}: A pos ${ra.pos.toFixed(3)} s (rate ${ra.rate}), B pos ${rb.pos.toFixed(3)} s (rate ${rb.rate})`;
    assert.ok(Math.abs(startA - startB) <= TOLERANCE_MS,
      `${msg}: the two pages are ${(startA - startB).toFixed(1)} ms apart`);
    assert.ok(Math.abs(startA - ra.startedAt) <= TOLERANCE_MS,
      `${msg}: A is ${(ra.startedAt - startA).toFixed(1)} ms off the server schedule`);
    assert.ok(Math.abs(startB - rb.startedAt) <= TOLERANCE_MS,
      `${msg}: B is ${(rb.startedAt - startB).toFixed(1)} ms off the server schedule`);
    worst = Math.max(worst, Math.abs(startA - startB), Math.abs(startA - ra.startedAt), Math.abs(startB - rb.startedAt));
    assert.ok(Math.abs(ra.pos - ra.expected) * 1000 <= TOLERANCE_MS, `${msg}: A vs its expectedPosition() ${ra.expected}`);
    assert.ok(Math.abs(rb.pos - rb.expected) * 1000 <= TOLERANCE_MS, `${msg}: B vs its expectedPosition() ${rb.expected}`);
    await sleep(300);
  }

  t.diagnostic(`largest deviation over ${SAMPLES} samples: ${worst.toFixed(1)} ms (limit ${TOLERANCE_MS} ms); ${history}`);

  // The progress the person sees follows the same clock (m:ss, so within a second).
  const shown = await a.page.locator('sr-now-playing .elapsed').textContent();
  const [m, s] = shown.trim().split(':').map(Number);
  const { pos } = await reading(a.page);
  assert.ok(Math.abs(m * 60 + s - pos) <= 1.5, `elapsed shows ${shown}, audio is at ${pos.toFixed(1)} s`);

  assert.deepEqual([...a.seen.pageErrors, ...b.seen.pageErrors], [], 'no uncaught errors');
  const still = await nowPlaying(a.page);
  assert.equal(still.startedAt, np.startedAt, 'the track did not change during the measurement');
  await a.context.close();
  await b.context.close();
});
