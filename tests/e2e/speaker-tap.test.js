// speaker-tap.test.js - the party's speaker (the host's big screen, /tv/<id>) in a chromium with its
// default autoplay policy (no --autoplay-policy flag: sound may not start before a user gesture):
// the screen shows a "Start the sound" button and its audio stands still; one tap (a mouse click)
// or one Enter starts it; when the track changes the next one plays with no further gesture.
//
// Playwright runs every evaluate and locator query with userGesture: true, and chromium lets a page
// play when the same origin had a gesture before the navigation. So nothing here touches the TV's
// page through Playwright before the gesture: the account is made by the context's request API,
// and the page is read through a CDP Runtime.evaluate without a gesture (peek).
// SPDX-License-Identifier: GPL-3.0-or-later
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { startServer, newPage, sleep } from './harness.js';

const TV = { viewport: { width: 1920, height: 1080 } };
const TV_ROOT = "document.querySelector('sr-app').shadowRoot.querySelector('sr-tv-view').shadowRoot";

let server;
let browser;

before(async () => {
  server = await startServer('speaker-tap');
  // Debian's chromium as it comes: no --autoplay-policy.
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** A value from the page's main world, evaluated without a user gesture. */
async function peeker(context, page) {
  const cdp = await context.newCDPSession(page);
  return async (expr) => {
    const r = await cdp.send('Runtime.evaluate', { expression: expr, returnByValue: true });
    if (r.exceptionDetails) throw new Error(`${expr}: ${r.exceptionDetails.exception?.description || r.exceptionDetails.text}`);
    return r.result.value;
  };
}

/** Polls peek(expr) until it is truthy; resolves with that value. */
async function until(peek, expr, what, ms = 15000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await peek(expr).catch(() => null);
    if (v) return v;
    assert.ok(Date.now() < deadline, `${what} within ${ms} ms (last: ${JSON.stringify(v)})`);
    await sleep(150);
  }
}

const AUDIO = '(() => { const a = window.__soundroom.audio; return { paused: a.paused, t: a.currentTime, src: a.src, state: window.__soundroom.playback.state }; })()';

/** True when the audio's clock moves over a second. */
async function advancing(peek) {
  const a = await peek(AUDIO);
  await sleep(1000);
  const b = await peek(AUDIO);
  return !b.paused && b.src === a.src && b.t - a.t > 0.5;
}

/**
 * A host with a room in party mode and a big screen showing it (nothing clicked): resolves with
 * {tv: newPage's, peek, room}.
 */
async function bigScreen(name) {
  const tv = await newPage(browser, TV);
  const api = tv.context.request; // shares the context's cookies, and is no gesture on any page
  const up = await api.post(`${server.url}/api/auth/signup`, { data: { username: `${name}_${Date.now().toString(36)}`, password: 'correct horse battery' } });
  assert.equal(up.status(), 201);
  const made = await api.post(`${server.url}/api/rooms`, { data: { name: `Speaker ${name}` } });
  assert.equal(made.status(), 201);
  const room = (await made.json()).room;
  assert.equal((await api.put(`${server.url}/api/rooms/${room.id}/party`, { data: {} })).status(), 200);
  await tv.page.goto(`${server.url}/tv/${room.id}`);
  const peek = await peeker(tv.context, tv.page);
  return { tv, peek, room };
}

/** The host's phone (the same account, another context): skips the track; resolves with its id before. */
async function skipFromPhone(tv, room) {
  const phone = await newPage(browser, { viewport: { width: 390, height: 844 } });
  try {
    await phone.context.addCookies(await tv.context.cookies());
    // a browser that signed in before (the web client then asks the server who it is)
    await phone.context.addInitScript(() => localStorage.setItem('soundroom.account', '1'));
    await phone.page.goto(`${server.url}/#/room/${room.id}`);
    await phone.page.waitForFunction((id) => window.__soundroom.client?.room?.id === id && window.__soundroom.client.room.nowPlaying?.track,
      room.id, { timeout: 15000 });
    const before = await phone.page.evaluate(() => window.__soundroom.client.room.nowPlaying.track.id);
    await phone.page.evaluate(() => window.__soundroom.client.mod('skip'));
    return before;
  } finally {
    await phone.context.close();
  }
}

async function startsOnOneGesture(name, gesture) {
  const { tv, peek, room } = await bigScreen(name);
  try {
    await until(peek, `window.__soundroom.client?.room?.party?.speaker?.device`, 'the big screen takes the speaker');
    await until(peek, `window.__soundroom.playback.state === 'blocked'`, 'the browser refuses to start the sound');
    const box = await until(peek, `(() => { const b = ${TV_ROOT}.querySelector('.overlay.start button');
      if (!b) return null; const r = b.getBoundingClientRect(); return { x: r.x + r.width / 2, y: r.y + r.height / 2, text: b.textContent,
      focused: ${TV_ROOT}.activeElement === b }; })()`, 'a "Start the sound" button');
    assert.match(box.text, /start the sound/i);
    assert.ok(box.focused, 'the button has the focus, so a remote\'s OK presses it');
    // Standing still: paused, its clock not moving.
    const a = await peek(AUDIO);
    await sleep(1500);
    const b = await peek(AUDIO);
    assert.equal(a.paused, true, 'no sound before the gesture');
    assert.equal(b.paused, true, 'still no sound 1.5 s later');
    assert.ok(Math.abs(b.t - a.t) < 0.01, `the audio clock stands still (${a.t} -> ${b.t})`);

    if (gesture === 'tap') await tv.page.mouse.click(box.x, box.y);
    else await tv.page.keyboard.press('Enter');

    await until(peek, `!${TV_ROOT}.querySelector('.overlay.start')`, 'the start button goes', 5000);
    await until(peek, `(() => { const a = window.__soundroom.audio; return !a.paused && a.readyState >= 3 && a.currentTime > 0; })()`,
      'the audio plays after the gesture');
    assert.ok(await advancing(peek), 'the audio clock moves');
    const first = await peek(AUDIO);

    // The track changes (the host skips from a phone): the next one plays with no gesture.
    const skipped = await skipFromPhone(tv, room);
    await until(peek, `window.__soundroom.client.room.nowPlaying.track.id !== ${skipped}`, 'the next track comes');
    const next = await until(peek, `(() => { const a = window.__soundroom.audio; const t = window.__soundroom.client.room.nowPlaying.track;
      return a.src.endsWith(t.url) && !a.paused && a.readyState >= 3 && a.currentTime > 0 ? { src: a.src } : null; })()`,
    'the next track plays by itself');
    assert.notEqual(next.src, first.src, 'it is another file');
    assert.ok(await advancing(peek), 'its clock moves');
    assert.equal(await peek(`!!${TV_ROOT}.querySelector('.overlay.start')`), false, 'no second "Start the sound"');
    assert.equal(await peek('window.__soundroom.playback.state'), 'playing');
    assert.deepEqual(tv.seen.pageErrors, []);
  } finally {
    await tv.context.close();
  }
}

test('the speaker starts on one tap, then plays the next track by itself', () => startsOnOneGesture('tap', 'tap'));

test('the speaker starts on one Enter (a remote\'s OK), then plays the next track by itself', () => startsOnOneGesture('enter', 'enter'));
