// lobby.test.js - two people sign up in the browser and follow each other; one favourites a room and, without
// reloading, sees the other arrive there (favourites drawer, friends list, room card); likes the playing track
// and finds it in "My music". Hostile bios show as text.
// SPDX-License-Identifier: GPL-3.0-or-later
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, newPage, signUpAs, waitForTrackWithTime, countDeep, DEMO_ROOM } from './harness.js';

const ROOM = 'Ada’s den';
const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const HOSTILE_BIO = '<img src=x onerror=alert(1)> "><svg onload=alert(2)>';

let server;
let browser;
let ada;
let bob;
let adaUsername;

before(async () => {
  server = await startServer('lobby');
  browser = await launchBrowser();
  ada = await newPage(browser);
  bob = await newPage(browser);
  const tag = Date.now().toString(36);
  adaUsername = `ada_${tag}`;
  await signUpAs(ada.page, server.url, { username: adaUsername, name: 'Ada' });
  await signUpAs(bob.page, server.url, { username: `bob_${tag}`, name: 'Bob' });
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** Opens a room from the lobby's list and waits for its heading. */
async function openRoom(page, name) {
  await page.locator('sr-lobby a.room').filter({ hasText: name }).click();
  await page.getByRole('heading', { level: 1, name }).waitFor({ timeout: 10000 });
}

/** From a room, opens a listener's profile by clicking their name. */
async function openProfileOf(page, name) {
  await page.locator('sr-listener-list a.who').filter({ hasText: name }).waitFor({ timeout: 10000 });
  await page.locator('sr-listener-list a.who').filter({ hasText: name }).click();
  await page.getByRole('heading', { level: 1, name }).waitFor({ timeout: 10000 });
}

test('both sign up, meet in a room and follow each other from its listener list', async () => {
  await openRoom(ada.page, DEMO_ROOM.name);
  await openRoom(bob.page, DEMO_ROOM.name);

  // Ada clicks Bob's name and follows him.
  await openProfileOf(ada.page, 'Bob');
  await ada.page.getByRole('button', { name: 'Follow', exact: true }).click();
  await ada.page.getByRole('button', { name: 'Unfollow' }).waitFor({ timeout: 5000 });
  assert.equal((await ada.page.locator('sr-profile-view .followers').textContent()).trim(), '1 follower');

  // Bob writes a hostile bio on his own profile, then follows Ada back.
  await bob.page.locator('header a.name').click();
  await bob.page.getByRole('heading', { level: 1, name: 'Bob' }).waitFor({ timeout: 5000 });
  await bob.page.getByLabel('Bio').fill(HOSTILE_BIO);
  await bob.page.getByRole('button', { name: 'Save profile' }).click();
  await bob.page.locator('sr-profile-view .bio').filter({ hasText: 'onerror' }).waitFor({ timeout: 5000 });
  await bob.page.goBack(); // back in the Demo room
  await bob.page.getByRole('heading', { level: 1, name: DEMO_ROOM.name }).waitFor({ timeout: 10000 });
  await ada.page.goBack();
  await ada.page.getByRole('heading', { level: 1, name: DEMO_ROOM.name }).waitFor({ timeout: 10000 });
  await openProfileOf(bob.page, 'Ada');
  await bob.page.getByRole('button', { name: 'Follow', exact: true }).click();
  await bob.page.getByRole('button', { name: 'Unfollow' }).waitFor({ timeout: 5000 });
  await bob.page.locator('sr-profile-view .badge.friend').waitFor({ timeout: 5000 });

  // Ada finds Bob among her friends in the lobby, and his bio reads as the literal text it is.
  await ada.page.getByRole('link', { name: 'Lobby', exact: true }).click();
  const friend = ada.page.locator('sr-friends-list li').filter({ hasText: 'Bob' });
  await friend.waitFor({ timeout: 10000 });
  await friend.getByRole('link', { name: 'Bob' }).click();
  await ada.page.getByRole('heading', { level: 1, name: 'Bob' }).waitFor({ timeout: 10000 });
  await ada.page.locator('sr-profile-view .badge.friend').waitFor({ timeout: 5000 });
  assert.equal(await ada.page.locator('sr-profile-view .bio').textContent(), HOSTILE_BIO, 'the bio reads exactly as written');
  assert.equal(await countDeep(ada.page, 'img[src="x"], svg[onload]'), 0, 'no element was made from the bio');
  assert.deepEqual(ada.seen.dialogs, [], 'no dialog fired');
  assert.deepEqual(await ada.page.evaluate(() => window.__cspViolations), [], 'no CSP violation');
});

test('Ada favourites a room; when Bob goes in she sees him there, live, in the drawer and the friends list', async () => {
  // Ada makes a room, goes back to the lobby and stars it there.
  await ada.page.getByRole('link', { name: 'Lobby', exact: true }).click();
  await ada.page.getByLabel('Name', { exact: true }).fill(ROOM);
  await ada.page.getByRole('button', { name: 'Create room' }).click();
  await ada.page.getByRole('heading', { level: 1, name: ROOM }).waitFor({ timeout: 10000 });
  await ada.page.getByRole('link', { name: 'Lobby', exact: true }).click();
  const card = ada.page.locator('sr-room-card').filter({ has: ada.page.locator('a.room', { hasText: ROOM }) });
  await card.waitFor({ timeout: 10000 });
  await card.getByRole('button', { name: `Add ${ROOM} to favourites` }).click();
  await card.getByRole('button', { name: `Remove ${ROOM} from favourites` }).waitFor({ timeout: 5000 });

  // The drawer lists it, with what plays there and nobody in it.
  await ada.page.getByRole('button', { name: /Favourites/ }).click();
  const drawer = ada.page.getByRole('dialog', { name: 'Favourite rooms' });
  await drawer.waitFor({ timeout: 5000 });
  const fav = drawer.locator('li').filter({ has: ada.page.locator('a.fav-room', { hasText: ROOM }) });
  await fav.waitFor({ timeout: 5000 });
  await fav.locator('.listeners').filter({ hasText: '0 listeners' }).waitFor({ timeout: 10000 });
  assert.match(await fav.textContent(), /♪ \S/, 'the drawer says what plays there');
  assert.equal(await fav.locator('.friends').count(), 0, 'no friend is there yet');
  await ada.page.evaluate(() => { window.__noReload = true; });

  // Bob goes from Ada's profile to the lobby and into her room.
  await bob.page.getByRole('link', { name: 'Lobby', exact: true }).click();
  await openRoom(bob.page, ROOM);

  // Without a reload, Ada's drawer shows Bob in her favourite room and its listener count.
  await fav.locator('.friends').filter({ hasText: 'Bob is here' }).waitFor({ timeout: 10000 });
  await fav.locator('.listeners').filter({ hasText: '1 listener' }).waitFor({ timeout: 10000 });
  await ada.page.getByRole('button', { name: 'Close favourites' }).click();
  await drawer.waitFor({ state: 'detached', timeout: 5000 });
  // ... and so do her friends list and the room's card in the lobby.
  const friend = ada.page.locator('sr-friends-list li').filter({ hasText: 'Bob' });
  await friend.filter({ hasText: `in ${ROOM}` }).waitFor({ timeout: 5000 });
  await card.locator('.friends').filter({ hasText: 'Bob is here' }).waitFor({ timeout: 5000 });
  await card.locator('.listeners').filter({ hasText: '1 listener' }).waitFor({ timeout: 5000 });
  assert.equal(await ada.page.evaluate(() => window.__noReload), true, 'the page was not reloaded');

  // Bob leaves for the lobby: Ada's friends list says so.
  await bob.page.getByRole('link', { name: 'Lobby', exact: true }).click();
  await friend.filter({ hasText: 'not listening' }).waitFor({ timeout: 10000 });
  assert.deepEqual([...ada.seen.pageErrors, ...bob.seen.pageErrors], [], 'no uncaught errors');
});

test('Ada likes the playing track; Bob sees the count; the track is in her likes in My music', async () => {
  // Both in Ada's room, through the drawer and the lobby.
  await ada.page.getByRole('button', { name: /Favourites/ }).click();
  await ada.page.getByRole('dialog', { name: 'Favourite rooms' }).getByRole('link', { name: ROOM }).click();
  await ada.page.getByRole('heading', { level: 1, name: ROOM }).waitFor({ timeout: 10000 });
  await openRoom(bob.page, ROOM);
  await waitForTrackWithTime(ada.page, 15000);
  const title = (await ada.page.locator('sr-now-playing .title').textContent()).trim();

  const heart = ada.page.locator('sr-now-playing sr-like-button').getByRole('button');
  assert.equal(await heart.getAttribute('aria-pressed'), 'false');
  await heart.click();
  await ada.page.locator('sr-now-playing sr-like-button').getByRole('button', { name: new RegExp(`^Unlike ${escape(title)}`) })
    .waitFor({ timeout: 5000 });
  assert.equal(await heart.getAttribute('aria-pressed'), 'true', 'the heart shows Ada likes it');
  await ada.page.locator('sr-now-playing sr-like-button .count').filter({ hasText: /^1$/ }).waitFor({ timeout: 5000 });
  // Bob, listening too, sees that one listener likes it.
  await bob.page.locator('sr-now-playing sr-like-button .count').filter({ hasText: /^1$/ }).waitFor({ timeout: 5000 });
  assert.equal(await bob.page.locator('sr-now-playing sr-like-button').getByRole('button').getAttribute('aria-pressed'), 'false',
    'Bob himself does not like it');

  // My music lists it, with export links that carry it too.
  await ada.page.getByRole('link', { name: 'My music' }).click();
  const likes = ada.page.locator('sr-my-music section.likes li');
  await likes.filter({ hasText: title }).waitFor({ timeout: 5000 });
  assert.equal(await likes.count(), 1, 'one liked track');
  const m3u = ada.page.getByRole('link', { name: 'Export M3U' });
  assert.equal(await m3u.getAttribute('href'), '/api/me/likes.m3u');
  const res = await ada.page.request.get(`${server.url}/api/me/likes.m3u`);
  assert.equal(res.status(), 200);
  assert.ok((await res.text()).includes(title), 'the M3U export names the track');
  assert.equal(await ada.page.getByRole('link', { name: 'Export JSON' }).getAttribute('href'), '/api/me/likes');

  assert.deepEqual([...ada.seen.pageErrors, ...bob.seen.pageErrors], [], 'no uncaught errors');
  assert.deepEqual(await ada.page.evaluate(() => window.__cspViolations), [], 'no CSP violation');
});

test('signing out in another tab signs this one out too; signing in again brings the favourites back', async () => {
  const page = ada.page;
  await page.getByRole('link', { name: 'Lobby', exact: true }).click();
  // A second tab of the same browser signs out: this tab's socket is closed (4003) and it says so.
  const other = await ada.context.newPage();
  await other.goto(`${server.url}/#/`);
  await other.locator('header a.name').filter({ hasText: 'Ada' }).waitFor({ timeout: 10000 });
  await other.getByRole('button', { name: 'Sign out' }).click();
  await page.getByText('You were signed out.').waitFor({ timeout: 10000 });
  // Never a guest in this browser: the lobby stays, offering a guest name or signing in.
  await page.getByRole('button', { name: 'Choose a name' }).waitFor({ timeout: 5000 });
  await page.locator('sr-lobby a.room').first().waitFor({ timeout: 10000 });
  assert.equal(await page.getByRole('button', { name: 'Sign out' }).count(), 0);
  await other.close();

  // Signing in again (a new socket carries the new cookie) brings back her account and favourites.
  await page.getByRole('link', { name: 'Sign in', exact: true }).click();
  await page.getByLabel('Username').fill(adaUsername);
  await page.getByLabel('Password').fill('wrong password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText('Wrong username or password.').waitFor({ timeout: 5000 });
  await page.getByLabel('Password').fill('correct horse battery');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('header a.name').filter({ hasText: 'Ada' }).waitFor({ timeout: 10000 });
  // the socket is the account's (the app opens it once the sign-in answered)
  await page.waitForFunction(() => window.__soundroom.client?.account === true, null, { timeout: 10000 });
  await page.getByRole('button', { name: /Favourites/ }).click();
  await page.getByRole('dialog', { name: 'Favourite rooms' }).locator('a.fav-room', { hasText: ROOM }).waitFor({ timeout: 5000 });
  await page.getByRole('button', { name: 'Close favourites' }).click();

  // Signing out here leaves a guest in the lobby, and the socket is a guest's once a name is given.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('button', { name: 'Choose a name' }).click();
  await page.getByLabel('Your name').fill('Ada as a guest');
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.locator('header .name').filter({ hasText: 'Ada as a guest' }).waitFor({ timeout: 10000 });
  await page.locator('sr-lobby a.room').first().waitFor({ timeout: 10000 });
  assert.equal(await page.evaluate(() => window.__soundroom.client?.account), false, 'the socket is a guest\'s');
  assert.equal(await page.getByRole('button', { name: /Favourites/ }).count(), 0, 'guests have no favourites drawer');
  assert.deepEqual(ada.seen.pageErrors, [], 'no uncaught errors');
});
