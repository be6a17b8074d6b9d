// a11y.test.js - axe-core finds no serious or critical violation on any view (lobby, name prompt, sign-in and
// sign-up, room as a guest and as its owner with the settings open, the phone's room with the library sheet,
// a profile, my music and playlists, admin), in the light and the dark theme; the theme menu is remembered.
// SPDX-License-Identifier: GPL-3.0-or-later
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { startServer, launchBrowser, newPage, signInAs, DEMO_ROOM } from './harness.js';

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const ADMIN = { username: 'admin_a11y', password: 'correct horse battery' };
const SCHEMES = ['light', 'dark'];

let server;
let browser;

before(async () => {
  server = await startServer('a11y', { admin: ADMIN });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/**
 * Runs axe-core on the page as it is (shadow roots included) and returns the serious and critical
 * violations as readable lines. The script is evaluated by the test driver, so the page's CSP
 * (no inline script) stays as it is.
 */
async function violations(page) {
  await page.evaluate(AXE);
  const found = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.impact}): ${v.help}\n${v.nodes.slice(0, 6).map((n) => `    ${JSON.stringify(n.target)} ${n.failureSummary.replace(/\s+/g, ' ').slice(0, 240)}`).join('\n')}`);
  });
  return found;
}

/** Checks the page in both colour schemes (the theme menu on "System", the system's scheme emulated). */
async function check(page, view, results) {
  for (const scheme of SCHEMES) {
    await page.emulateMedia({ colorScheme: scheme });
    // Let transitions and the next frame settle before colours are measured.
    await page.evaluate(() => new Promise((ok) => requestAnimationFrame(() => requestAnimationFrame(ok))));
    for (const v of await violations(page)) results.push(`[${view}, ${scheme}] ${v}`);
  }
}

test('every view has no serious or critical axe violation, light and dark', async () => {
  const results = [];
  const { page, seen, context } = await newPage(browser);

  // A first visit: the lobby, then the name prompt on the way into a room.
  await page.goto(`${server.url}/`);
  await page.locator('sr-lobby a.room').filter({ hasText: DEMO_ROOM.name }).waitFor({ timeout: 10000 });
  await check(page, 'lobby (guest)', results);
  await page.locator('sr-lobby a.room').filter({ hasText: DEMO_ROOM.name }).click();
  await page.getByLabel('Your name').waitFor({ timeout: 5000 });
  await check(page, 'name prompt', results);
  await page.getByLabel('Your name').fill('Axel');
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByRole('heading', { level: 1, name: DEMO_ROOM.name }).waitFor({ timeout: 10000 });
  await page.getByPlaceholder('Search title, artist or album').fill('a');
  await page.locator('sr-track-search li').first().getByRole('button', { name: /^Add/ }).click();
  await page.locator('sr-queue-list li').first().waitFor({ timeout: 5000 });
  await page.getByLabel('Message', { exact: true }).fill('hello');
  await page.getByRole('button', { name: 'Send' }).click();
  await page.locator('sr-chat-panel li.msg').first().waitFor({ timeout: 5000 });
  await check(page, 'room (guest)', results);

  // The sign-in and sign-up forms.
  await page.goto(`${server.url}/#/signup`);
  await page.getByRole('button', { name: 'Create account' }).waitFor({ timeout: 5000 });
  await check(page, 'sign up', results);
  await page.goto(`${server.url}/#/signin`);
  await page.getByRole('button', { name: 'Sign in' }).last().waitFor({ timeout: 5000 });
  await check(page, 'sign in', results);

  // The server admin: lobby, own room with settings and moderation, profile, my music, admin.
  await signInAs(page, server.url, ADMIN);
  await page.getByRole('link', { name: 'Lobby', exact: true }).click();
  await page.getByRole('heading', { level: 1, name: 'Listening rooms' }).waitFor({ timeout: 10000 });
  await page.locator('sr-lobby a.pick').first().waitFor({ timeout: 10000 });
  await check(page, 'lobby (account)', results);
  await page.getByLabel('Name', { exact: true }).fill('Accessible room');
  await page.getByRole('button', { name: 'Create room' }).click();
  await page.getByRole('heading', { level: 1, name: 'Accessible room' }).waitFor({ timeout: 10000 });
  await page.getByRole('button', { name: 'Room settings' }).click();
  await page.getByRole('button', { name: 'Save settings' }).waitFor({ timeout: 5000 });
  await check(page, 'room (owner, settings)', results);
  await page.locator('header a.name').click();
  await page.locator('sr-profile-view h1').waitFor({ timeout: 5000 });
  await check(page, 'profile', results);
  await page.getByRole('link', { name: 'My music' }).click();
  await page.locator('sr-my-music h1, sr-my-music h2').first().waitFor({ timeout: 5000 });
  await page.locator('sr-my-playlists').waitFor({ timeout: 5000 });
  await check(page, 'my music and playlists', results);
  await page.getByRole('link', { name: 'Admin', exact: true }).click();
  await page.getByLabel('Find an account').waitFor({ timeout: 5000 });
  await check(page, 'admin', results);
  await page.getByRole('button', { name: /Favourites/ }).click();
  await page.getByRole('dialog', { name: 'Favourite rooms' }).waitFor({ timeout: 5000 });
  await check(page, 'favourites drawer', results);

  assert.deepEqual(results, [], `axe found:\n${results.join('\n')}`);
  assert.deepEqual(seen.pageErrors, []);
  await context.close();
});

test("the phone's room, its tabs and the library sheet have no serious or critical axe violation", async () => {
  const results = [];
  const { page, context } = await newPage(browser, { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  await page.goto(`${server.url}/#/room/${DEMO_ROOM.id}`);
  await page.getByLabel('Your name').fill('Pocket');
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByRole('heading', { level: 1, name: DEMO_ROOM.name }).waitFor({ timeout: 10000 });
  await check(page, 'phone: now playing', results);
  await page.getByRole('tab', { name: /Chat/ }).tap();
  await check(page, 'phone: chat', results);
  await page.getByRole('tab', { name: /Queue/ }).tap();
  await page.getByRole('button', { name: /Add tracks/ }).tap();
  await page.getByRole('dialog', { name: 'Add tracks' }).waitFor({ timeout: 5000 });
  await check(page, 'phone: library sheet', results);
  assert.deepEqual(results, [], `axe found:\n${results.join('\n')}`);
  await context.close();
});

test('the theme menu switches light and dark over the system, and is remembered', async () => {
  const { page, context } = await newPage(browser);
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.goto(`${server.url}/`);
  await page.getByRole('heading', { level: 1, name: 'Listening rooms' }).waitFor({ timeout: 10000 });
  const bg = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  const dark = await bg();
  const theme = page.getByLabel('Theme');
  assert.equal(await theme.inputValue(), '', 'the system theme by default');
  await theme.selectOption('light');
  assert.notEqual(await bg(), dark, 'light over a dark system');
  const light = await bg();
  await page.reload();
  await page.getByRole('heading', { level: 1, name: 'Listening rooms' }).waitFor({ timeout: 10000 });
  assert.equal(await bg(), light, 'still light after a reload');
  assert.equal(await page.getByLabel('Theme').inputValue(), 'light');
  // By keyboard: focus the menu, pick "System" again: the dark system shows.
  await page.getByLabel('Theme').focus();
  await page.keyboard.press('Home');
  await page.getByLabel('Theme').selectOption('');
  assert.equal(await bg(), dark, 'back to the system theme');
  await context.close();
});
