// sync4.test.js - four listeners of one room hear the same moment of the track within 5 ms
// (p95 over 30 samples). Not part of `make e2e`: `make sync-test` runs it, alone, because a
// loaded machine stretches every browser's timers and would make CI flaky.
//
// Every page's audio position is projected onto the one clock all pages of this machine share,
// performance.timeOrigin + performance.now() (ms since the epoch), never onto a page's own
// estimate of the server clock: a page whose estimate is off plays off, and this test sees it.
// A page's projection is the shared-clock time at which its track's position 0 was (or would
// have been) heard: wall − (currentTime − delay) × 1000, where delay is what the player itself
// adds on top of the schedule for this device (its output-latency compensation and the
// listener's manual offset, both 0 here unless a test sets them).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, newPage, joinDemoRoom, waitForPlayback, waitForTrackWithTime,
  nowPlaying, sleep } from '../e2e/harness.js';

const PAGES = 4;
const SAMPLES = 30;
const EVERY_MS = 250;
const SETTLE_MS = Number(process.env.SYNC_SETTLE_MS || 10000);
const LIMIT_MS = Number(process.env.SYNC_LIMIT_MS || 5);

let server;
let browser;

before(async () => {
  server = await startServer('sync4');
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** One reading, taken in one task: the shared clock, the audio position, the player's own delay. */
function reading(page) {
  return page.evaluate(() => {
    const h = window.__soundroom;
    const wall = performance.timeOrigin + performance.now();
    const pos = h.audio.currentTime;
    const s = h.sync ? h.sync() : null; // {delayMs, driftMs, rate}; absent in an older client
    const np = h.client.room && h.client.room.nowPlaying;
    return { wall, pos, delayMs: s ? s.delayMs : 0, rate: h.audio.playbackRate, paused: h.audio.paused,
      startedAt: np && np.started_at, offset: h.client.offset, rtt: h.client.rtt };
  });
}

const p95 = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(0.95 * s.length) - 1)];
};

test(`${PAGES} listeners stay within ${LIMIT_MS} ms of each other (p95 of ${SAMPLES} samples)`, async (t) => {
  const pages = [];
  for (let i = 0; i < PAGES; i++) pages.push(await newPage(browser));
  for (const [i, p] of pages.entries()) await joinDemoRoom(p.page, server.url, `Listener ${i + 1}`);
  await Promise.all(pages.map((p) => waitForPlayback(p.page)));
  const need = SETTLE_MS + SAMPLES * EVERY_MS * 2 + 4000;
  const np = await waitForTrackWithTime(pages[0].page, need);
  await Promise.all(pages.map((p) => waitForPlayback(p.page)));
  await sleep(SETTLE_MS);

  const spreads = [];
  const lines = [];
  for (let i = 0; i < SAMPLES; i++) {
    const rs = await Promise.all(pages.map((p) => reading(p.page)));
    for (const [k, r] of rs.entries()) {
      assert.equal(r.paused, false, `page ${k + 1} is playing`);
      assert.equal(r.startedAt, np.startedAt, `page ${k + 1} plays the same track`);
    }
    // shared-clock time of the track's position 0 as each page plays it
    const zero = rs.map((r) => r.wall - (r.pos * 1000 - r.delayMs));
    const spread = Math.max(...zero) - Math.min(...zero);
    spreads.push(spread);
    const base = Math.min(...zero);
    lines.push(`${spread.toFixed(1)} [${zero.map((z, k) => `${(z - base).toFixed(1)}@${rs[k].rate.toFixed(3)}`).join(' ')}]`);
    await sleep(EVERY_MS);
  }
  const worst = Math.max(...spreads);
  const q = p95(spreads);
  const clocks = (await Promise.all(pages.map((p) => reading(p.page))))
    .map((r) => `offset ${r.offset.toFixed(1)} rtt ${r.rtt.toFixed(1)}`).join('; ');
  const load = (await import('node:os')).loadavg().map((x) => x.toFixed(2)).join(' ');
  t.diagnostic(`spread across ${PAGES} pages: p95 ${q.toFixed(1)} ms, max ${worst.toFixed(1)} ms (limit ${LIMIT_MS} ms); load ${load}`);
  t.diagnostic(`clocks: ${clocks}`);
  t.diagnostic('samples: spread [each page\'s zero - the earliest @ its playbackRate]');
  for (const l of lines) t.diagnostic(`  ${l}`);
  const still = await nowPlaying(pages[0].page);
  assert.equal(still.startedAt, np.startedAt, 'the track did not change during the measurement');
  for (const [k, p] of pages.entries()) assert.deepEqual(p.seen.pageErrors, [], `page ${k + 1}: no uncaught errors`);
  assert.ok(q <= LIMIT_MS, `p95 spread ${q.toFixed(1)} ms is over ${LIMIT_MS} ms; samples:\n  ${lines.join('\n  ')}`);
  for (const p of pages) await p.context.close();
});
