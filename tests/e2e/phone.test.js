// phone.test.js - the room on a 390×844 phone is one part at a time behind a bottom bar of tabs (Now playing,
// Queue, Chat, People): chat is one tap away, the library opens in a sheet, the tabs work by keyboard; on a
// 1366×768 laptop the room keeps its columns and has no tabs.
// SPDX-License-Identifier: GPL-3.0-or-later
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, newPage, joinDemoRoom } from './harness.js';

const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };
const LAPTOP = { viewport: { width: 1366, height: 768 } };

let server;
let browser;

before(async () => {
  server = await startServer('phone');
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** The locator's box lies inside the visible screen (no scrolling needed to see it). */
async function assertInView(loc, what, { width, height }) {
  const box = await loc.boundingBox();
  assert.ok(box, `${what} is rendered`);
  assert.ok(box.x >= 0 && box.y >= 0 && box.x + box.width <= width + 0.5 && box.y + box.height <= height + 0.5,
    `${what} is on screen without scrolling (${JSON.stringify(box)})`);
}

test('at 390×844 the room has tabs; chat is one tap away; the library opens in a sheet', async () => {
  const { page, seen, context } = await newPage(browser, PHONE);
  await joinDemoRoom(page, server.url, 'Thumb');
  const tabs = page.getByRole('tablist', { name: 'Room sections' });
  await tabs.waitFor({ timeout: 5000 });
  const names = await tabs.getByRole('tab').locator('.name').allTextContents();
  assert.deepEqual(names.map((n) => n.replace(/ \(\d+\)$/, '')), ['Now playing', 'Queue', 'Chat', 'People']);
  await assertInView(tabs, 'the tab bar', PHONE.viewport);
  const tab = (name) => page.getByRole('tab', { name: new RegExp(name) });
  assert.equal(await tab('Now playing').getAttribute('aria-selected'), 'true', 'Now playing first');
  await page.locator('sr-now-playing .title').waitFor({ timeout: 5000 });
  const input = page.getByLabel('Message', { exact: true });
  assert.equal(await input.isVisible(), false, 'the chat waits behind its tab');

  // One tap: the chat, its input on screen.
  await tab('Chat').tap();
  await input.waitFor({ state: 'visible', timeout: 5000 });
  await assertInView(input, 'the chat input', PHONE.viewport);
  await assertInView(page.getByRole('button', { name: 'Send' }), 'the send button', PHONE.viewport);
  await input.fill('from my phone');
  await page.getByRole('button', { name: 'Send' }).tap();
  await page.locator('sr-chat-panel li.msg').filter({ hasText: 'from my phone' }).waitFor({ timeout: 5000 });
  assert.equal(await page.locator('sr-now-playing').isVisible(), false, 'one part at a time');

  // The library in a sheet, from the Queue tab.
  await tab('Queue').tap();
  await page.getByRole('button', { name: /Add tracks/ }).tap();
  const sheet = page.getByRole('dialog', { name: 'Add tracks' });
  await sheet.waitFor({ timeout: 5000 });
  const search = sheet.getByPlaceholder('Search title, artist or album');
  await assertInView(search, 'the search box in the sheet', PHONE.viewport);
  await search.fill('a');
  const first = sheet.locator('sr-track-search li').first();
  await first.waitFor({ timeout: 5000 });
  await first.getByRole('button', { name: /^Add/ }).tap();
  await sheet.getByRole('button', { name: 'Done' }).tap();
  await sheet.waitFor({ state: 'hidden', timeout: 5000 });
  await page.locator('sr-queue-list li').filter({ hasText: 'added by you' }).first().waitFor({ timeout: 5000 });
  assert.match(await tab('Queue').textContent(), /Queue \(\d+\)/, 'the tab counts the queue');

  // People; and the tabs by keyboard (arrow keys move between them).
  await tab('People').tap();
  await page.locator('sr-listener-list li').filter({ hasText: 'Thumb' }).waitFor({ timeout: 5000 });
  await tab('People').focus();
  await page.keyboard.press('ArrowLeft');
  assert.equal(await tab('Chat').getAttribute('aria-selected'), 'true');
  assert.equal(await page.evaluate(() => document.querySelector('sr-app').shadowRoot.querySelector('sr-room-view').shadowRoot.activeElement?.id), 'tab-chat', 'focus follows');
  await page.keyboard.press('End');
  assert.equal(await tab('People').getAttribute('aria-selected'), 'true');

  const wide = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(wide <= 390, `no sideways scrolling (${wide} px)`);
  assert.deepEqual(seen.pageErrors, []);
  await context.close();
});

test('at 1366×768 the room keeps its columns and has no tabs', async () => {
  const { page, seen, context } = await newPage(browser, LAPTOP);
  await joinDemoRoom(page, server.url, 'Desk');
  assert.equal(await page.getByRole('tablist', { name: 'Room sections' }).count(), 0, 'no section tabs on a laptop');
  assert.equal(await page.getByRole('tab', { name: /^. Chat/ }).count(), 0);
  const np = page.locator('sr-now-playing');
  const chat = page.getByLabel('Message', { exact: true });
  for (const [what, loc] of Object.entries({ 'now playing': np, queue: page.locator('sr-queue-list'),
    search: page.getByPlaceholder('Search title, artist or album'), chat, people: page.locator('sr-listener-list') })) {
    assert.equal(await loc.isVisible(), true, `${what} is shown at once`);
  }
  const a = await np.boundingBox();
  const b = await page.locator('sr-chat-panel').boundingBox();
  assert.ok(b.x >= a.x + a.width, `the chat is in a column beside now playing (${a.x}+${a.width} / ${b.x})`);
  await assertInView(page.locator('sr-chat-panel h2'), 'the chat heading', LAPTOP.viewport);
  assert.deepEqual(seen.pageErrors, []);
  await context.close();
});
