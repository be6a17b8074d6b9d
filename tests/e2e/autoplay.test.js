// autoplay.test.js - when the browser refuses to start sound by itself, a "Tap to listen"
// button appears, and tapping it starts the room's track in step with the server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, newPage, DEMO_ROOM } from './harness.js';

let server;
let browser;

before(async () => {
  server = await startServer('autoplay');
  // Sound needs a user gesture, as on most phones and on a first visit on desktop.
  browser = await launchBrowser({ autoplay: 'document-user-activation-required' });
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('a refused autoplay shows "Tap to listen", and tapping starts synced playback', async () => {
  const { page, seen, context } = await newPage(browser);
  // A returning visitor: the name is remembered, so nothing is clicked before the room loads
  // (any click would count as the gesture that allows sound). Playwright's own queries count
  // as gestures too, so nothing touches the page until the player has asked to play: it
  // logs one console line when the browser says no.
  await context.addInitScript(() => localStorage.setItem('soundroom.name', 'Returning Ada'));
  const refused = page.waitForEvent('console', { predicate: (m) => /tap/i.test(m.text()), timeout: 15000 });
  await page.goto(`${server.url}/#/room/${DEMO_ROOM.id}`);
  await assert.doesNotReject(refused, 'the player tried to play and was refused');

  await page.getByRole('heading', { level: 1, name: DEMO_ROOM.name }).waitFor({ timeout: 5000 });
  const tap = page.getByRole('button', { name: /tap to listen/i });
  await assert.doesNotReject(tap.waitFor({ timeout: 5000 }), 'a "Tap to listen" button appears');
  assert.ok(await tap.isVisible(), 'the button is visible');
  assert.equal(await page.evaluate(() => window.__soundroom.audio.paused), true, 'no sound before the tap');

  await tap.click();
  await tap.waitFor({ state: 'detached', timeout: 5000 });
  // After the tap the audio plays, and settles onto the server's schedule.
  await assert.doesNotReject(page.waitForFunction(() => {
    const h = window.__soundroom;
    const a = h.audio;
    return !a.paused && a.readyState >= 3 && Math.abs(a.currentTime - h.expectedPosition()) < 0.05;
  }, null, { timeout: 10000, polling: 250 }), 'the audio plays within 50 ms of the expected position');
  assert.deepEqual(seen.pageErrors, [], 'no uncaught errors');
  await context.close();
});
