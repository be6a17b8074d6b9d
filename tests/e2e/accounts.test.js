// accounts.test.js - people in the web client: uploading an avatar (seen on the profile, in the header and in
// a room's listener list and the friends list, with initials for those without one), a file that is not a picture refused, a
// person's liked tracks on their profile, and the server admin's page disabling an account.
// SPDX-License-Identifier: GPL-3.0-or-later
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, launchBrowser, newPage, signUpAs, signInAs, DEMO_ROOM } from './harness.js';

const ADMIN = { username: 'root', password: 'admin password 1' };
const tag = Date.now().toString(36);
const ADA = { username: `ada_${tag}`, name: 'Ada Lovelace' };
const BOB = { username: `bob_${tag}`, name: 'Bob' };

let server;
let browser;
let ada;
let bob;
let dir;
const files = {};

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'soundroom-e2e-img-'));
  files.png = join(dir, 'me.png');
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=size=400x300', '-frames:v', '1', files.png]);
  files.fake = join(dir, 'evil.png'); // HTML named like a picture
  writeFileSync(files.fake, '<!doctype html><script>alert(document.cookie)</script>');
  files.svg = join(dir, 'drawing.png');
  writeFileSync(files.svg, '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="9" height="9"/></svg>');
  server = await startServer('accounts', { admin: ADMIN });
  browser = await launchBrowser();
  ada = await newPage(browser);
  bob = await newPage(browser);
  await signUpAs(ada.page, server.url, ADA);
  await signUpAs(bob.page, server.url, BOB);
});

after(async () => {
  await browser?.close();
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The decoded size of the <img> inside a page's <sr-avatar> matching `selector`, or null without one. */
function avatarImage(page, selector) {
  return page.locator(selector).first().evaluate((el) => {
    const img = el.shadowRoot.querySelector('img');
    return img && img.complete && img.naturalWidth ? { w: img.naturalWidth, h: img.naturalHeight, src: img.getAttribute('src') } : null;
  });
}

test('a person uploads an avatar and sees it on their profile, in the header and in the listener list', async () => {
  const a = ada.page;
  await a.locator('header a.name').click();
  await a.getByRole('heading', { level: 1, name: ADA.name }).waitFor({ timeout: 5000 });
  // no picture yet: initials
  await a.locator('sr-profile-view sr-avatar .initials').filter({ hasText: 'AL' }).waitFor({ timeout: 5000 });
  await a.getByLabel(/^Picture/).setInputFiles(files.png);
  await a.waitForFunction(() => {
    const el = document.querySelector('sr-app').shadowRoot.querySelector('sr-profile-view').shadowRoot.querySelector('sr-avatar');
    const img = el && el.shadowRoot.querySelector('img');
    return img && img.complete && img.naturalWidth > 0;
  }, null, { timeout: 10000 });
  assert.deepEqual((({ w, h }) => ({ w, h }))(await avatarImage(a, 'sr-profile-view sr-avatar')), { w: 256, h: 256 },
    'the server made a 256x256 square of the 400x300 picture');
  await a.getByRole('button', { name: 'Remove picture' }).waitFor({ timeout: 5000 });
  await a.waitForFunction(() => {
    const el = document.querySelector('sr-app').shadowRoot.querySelector('header sr-avatar');
    return el && el.shadowRoot.querySelector('img');
  }, null, { timeout: 5000 });

  // Bob sees it in the demo room's listener list; Ada sees Bob's initials.
  await a.goto(`${server.url}/#/room/${DEMO_ROOM.id}`);
  await a.getByRole('heading', { level: 1, name: DEMO_ROOM.name }).waitFor({ timeout: 10000 });
  const b = bob.page;
  await b.goto(`${server.url}/#/room/${DEMO_ROOM.id}`);
  await b.getByRole('heading', { level: 1, name: DEMO_ROOM.name }).waitFor({ timeout: 10000 });
  const adaInList = b.locator('sr-listener-list li').filter({ hasText: ADA.name });
  await adaInList.waitFor({ timeout: 5000 });
  await b.waitForFunction((name) => {
    const list = document.querySelector('sr-app').shadowRoot.querySelector('sr-room-view').shadowRoot.querySelector('sr-listener-list');
    const li = [...list.shadowRoot.querySelectorAll('li')].find((x) => x.textContent.includes(name));
    const img = li && li.querySelector('sr-avatar').shadowRoot.querySelector('img');
    return img && img.complete && img.naturalWidth === 256;
  }, ADA.name, { timeout: 10000 });
  await a.locator('sr-listener-list li').filter({ hasText: BOB.name }).locator('sr-avatar .initials').filter({ hasText: 'B' })
    .waitFor({ timeout: 5000 });
  for (const p of [ada, bob]) {
    assert.deepEqual(await p.page.evaluate(() => window.__cspViolations), [], 'no CSP violations');
    assert.deepEqual(p.seen.pageErrors, [], 'no uncaught errors');
  }
});

test('friends show with their avatar (or initials) in the friends list', async () => {
  // Ada and Bob follow each other (through the pages' own session cookies): friends
  const id = (p) => p.evaluate(async () => (await (await fetch('/api/me')).json()).user.id);
  const follow = (p, who) => p.evaluate(async (u) => (await fetch(`/api/users/${u}/follow`, { method: 'POST' })).status, who);
  const [adaId, bobId] = [await id(ada.page), await id(bob.page)];
  assert.equal(await follow(ada.page, bobId), 200);
  assert.equal(await follow(bob.page, adaId), 200);
  const b = bob.page;
  await b.goto(`${server.url}/#/`);
  const adaRow = b.locator('sr-friends-list li').filter({ hasText: ADA.name });
  await adaRow.waitFor({ timeout: 10000 });
  const pic = adaRow.locator('sr-avatar img');
  await pic.waitFor({ timeout: 5000 });
  await b.waitForFunction((img) => img.complete && img.naturalWidth === 256, await pic.elementHandle(), { timeout: 5000 });
  const a = ada.page;
  await a.goto(`${server.url}/#/`);
  await a.locator('sr-friends-list li').filter({ hasText: BOB.name }).locator('sr-avatar .initials').filter({ hasText: 'B' })
    .waitFor({ timeout: 10000 });
  for (const p of [ada, bob]) {
    assert.deepEqual(await p.page.evaluate(() => window.__cspViolations), [], 'no CSP violations');
    assert.deepEqual(p.seen.pageErrors, [], 'no uncaught errors');
  }
});

test('a file that is not a picture (HTML or SVG named .png) is refused and the avatar stays', async () => {
  const a = ada.page;
  await a.locator('header a.name').click();
  await a.getByRole('heading', { level: 1, name: ADA.name }).waitFor({ timeout: 5000 });
  const before = await avatarImage(a, 'sr-profile-view sr-avatar');
  assert.ok(before, 'the avatar from the previous test shows');
  for (const f of [files.fake, files.svg]) {
    await a.getByLabel(/^Picture/).setInputFiles(f);
    await a.locator('sr-profile-view .avatar-error').filter({ hasText: 'not a PNG, JPEG or WebP picture' }).waitFor({ timeout: 5000 });
  }
  assert.equal((await avatarImage(a, 'sr-profile-view sr-avatar')).src, before.src, 'the same picture still shows');
  assert.deepEqual(ada.seen.dialogs, [], 'nothing of the file ran');
});

test('a person\'s liked tracks show on their profile, unless they hide their activity', async () => {
  const b = bob.page;
  const a = ada.page;
  // Ada likes what plays, through the room's like button.
  await a.goto(`${server.url}/#/room/${DEMO_ROOM.id}`);
  await a.getByRole('heading', { level: 1, name: DEMO_ROOM.name }).waitFor({ timeout: 10000 });
  await a.locator('sr-now-playing sr-like-button button').click();
  await a.locator('sr-now-playing sr-like-button button[aria-pressed="true"]').waitFor({ timeout: 5000 });
  // the track she liked (what played when she clicked), as the server recorded it
  const liked = await a.evaluate(() => fetch('/api/me/likes').then((r) => r.json()));
  assert.equal(liked.tracks.length, 1);
  const { title } = liked.tracks[0].track;
  const adaId = await a.evaluate(() => window.__soundroom.client.user.id);
  await b.goto(`${server.url}/#/user/${adaId}`);
  await b.getByRole('heading', { level: 1, name: ADA.name }).waitFor({ timeout: 5000 });
  await b.locator('sr-profile-view ol.likes li').filter({ hasText: title }).waitFor({ timeout: 5000 });
  await b.getByRole('heading', { name: /Liked tracks \(1\)/ }).waitFor({ timeout: 5000 });
  // Ada hides her activity: Bob is told her likes are private.
  await a.locator('header a.name').click();
  await a.getByLabel(/Hide my activity/).check();
  await a.getByRole('button', { name: 'Save profile' }).click();
  await a.locator('sr-profile-view p.ok').filter({ hasText: 'Saved.' }).waitFor({ timeout: 5000 });
  await a.locator('sr-profile-view ol.likes li').filter({ hasText: title }).waitFor({ timeout: 5000 });
  await b.reload();
  await b.locator('sr-profile-view .likes-note').filter({ hasText: 'Their likes are private.' }).waitFor({ timeout: 10000 });
  assert.equal(await b.locator('sr-profile-view ol.likes li').count(), 0);
});

test('the server admin disables an account from the admin page; it can no longer sign in', async () => {
  const admin = await newPage(browser);
  const p = admin.page;
  await signInAs(p, server.url, ADMIN);
  assert.equal(await bob.page.getByRole('link', { name: 'Admin' }).count(), 0, 'no admin link for others');
  await p.getByRole('link', { name: 'Admin' }).click();
  const row = p.locator(`sr-admin-view tr[data-user="${BOB.username}"]`);
  await row.waitFor({ timeout: 5000 });
  await row.getByRole('button', { name: 'Disable' }).click();
  await row.locator('.badge.off').filter({ hasText: 'disabled' }).waitFor({ timeout: 5000 });
  await row.getByRole('button', { name: 'Enable' }).waitFor({ timeout: 5000 });
  // the list read again from the server says the same
  await p.reload();
  await p.locator(`sr-admin-view tr[data-user="${BOB.username}"] .badge.off`).waitFor({ timeout: 10000 });
  const res = await fetch(`${server.url}/api/auth/login`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: BOB.username, password: 'correct horse battery' }),
  });
  assert.equal(res.status, 401, 'a disabled account cannot sign in');
  // Bob's page is signed out (its socket closed with 4003 and the session is gone).
  await bob.page.reload();
  await bob.page.locator('header a.name').filter({ hasText: BOB.name }).waitFor({ state: 'detached', timeout: 10000 });
  assert.deepEqual(await p.evaluate(() => window.__cspViolations), [], 'no CSP violations');
  assert.deepEqual(admin.seen.pageErrors, [], 'no uncaught errors');
  await admin.context.close();
});

test('the server admin closes a room from the admin page; the person in it is back in the lobby', async () => {
  const a = ada.page;
  const ROOM = `Ada's last party ${tag}`;
  await a.goto(`${server.url}/#/`);
  await a.getByLabel('Name', { exact: true }).fill(ROOM);
  await a.getByRole('button', { name: 'Create room' }).click();
  await a.getByRole('heading', { level: 1, name: ROOM }).waitFor({ timeout: 10000 });
  const admin = await newPage(browser);
  const p = admin.page;
  await signInAs(p, server.url, ADMIN);
  await p.getByRole('link', { name: 'Admin' }).click();
  const row = p.locator('sr-admin-view tr[data-room]').filter({ hasText: ROOM });
  await row.waitFor({ timeout: 5000 });
  assert.match(await row.innerText(), /Ada Lovelace/, 'the owner is named');
  await row.getByRole('button', { name: 'Close room' }).click();
  await row.getByRole('button', { name: 'Confirm close' }).click();
  await row.waitFor({ state: 'detached', timeout: 5000 });
  await a.getByText('This room was closed.').waitFor({ timeout: 5000 });
  await a.locator('sr-lobby').waitFor({ timeout: 5000 });
  await a.waitForTimeout(1200); // a lobby_update goes out at most every 500 ms
  assert.equal(await a.locator('sr-lobby a.room').filter({ hasText: ROOM }).count(), 0, 'gone from the lobby');
  await p.reload();
  await p.locator('sr-admin-view tr[data-room]').first().waitFor({ timeout: 10000 });
  assert.equal(await p.locator('sr-admin-view tr[data-room]').filter({ hasText: ROOM }).count(), 0, 'gone from the admin list');
  assert.deepEqual(await p.evaluate(() => window.__cspViolations), [], 'no CSP violations');
  assert.deepEqual([...admin.seen.pageErrors, ...ada.seen.pageErrors], [], 'no uncaught errors');
  await admin.context.close();
});
