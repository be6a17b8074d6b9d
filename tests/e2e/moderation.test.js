// moderation.test.js - a room's owner moderates from the web client: removes and moves queue entries, deletes
// chat, locks the queue, skips, mutes and kicks a listener, and changes the room's settings; the listener sees it.
// The owner's ban list and audit log follow another moderator's actions without a reload.
// SPDX-License-Identifier: GPL-3.0-or-later
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { connect, signup } from '../../sdk/soundroom.js';
import { startServer, launchBrowser, ownerAndGuestInRoom, waitForTrackWithTime } from './harness.js';

const ROOM = 'Moderated room';

let server;
let browser;
let owner;
let guest;

before(async () => {
  server = await startServer('moderation');
  browser = await launchBrowser();
  ({ owner, guest } = await ownerAndGuestInRoom(browser, server.url, ROOM, ['Olga', 'Pete']));
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('the owner sees the owner tools; the listener does not', async () => {
  const o = owner.page;
  await o.locator('.role').filter({ hasText: 'owner' }).waitFor({ timeout: 5000 });
  for (const name of ['Lock queue', 'Room settings', 'Skip now']) {
    assert.equal(await o.getByRole('button', { name }).count(), 1, `the owner has "${name}"`);
    assert.equal(await guest.page.getByRole('button', { name }).count(), 0, `the listener has no "${name}"`);
  }
  await o.locator('sr-listener-list li').filter({ hasText: 'Pete' }).waitFor({ timeout: 5000 });
  assert.equal(await o.getByRole('button', { name: 'Moderate Pete' }).count(), 1);
  assert.equal(await guest.page.getByRole('button', { name: /^Moderate / }).count(), 0);
});

test('queue entries and chat lines of a listener can be removed, moved and deleted by the owner', async () => {
  const o = owner.page;
  const g = guest.page;
  await waitForTrackWithTime(g, 20000);
  // Pete queues two tracks.
  const results = g.locator('sr-track-search li');
  await results.nth(1).waitFor({ timeout: 5000 });
  const titles = [];
  for (const i of [0, 1]) {
    titles.push((await results.nth(i).locator('.title').textContent()).trim());
    await results.nth(i).getByRole('button', { name: /^Add/ }).click();
    await g.locator('sr-queue-list li').filter({ hasText: titles[i] }).waitFor({ timeout: 5000 });
  }
  // Olga moves the second to the top, then removes the first.
  const second = o.locator('sr-queue-list li').filter({ hasText: titles[1] });
  await second.getByRole('button', { name: `Move ${titles[1]} to the top` }).click();
  await g.locator('sr-queue-list li').first().filter({ hasText: titles[1] }).filter({ hasText: 'pinned' }).waitFor({ timeout: 5000 });
  await o.locator('sr-queue-list li').filter({ hasText: titles[0] }).getByRole('button', { name: `Remove ${titles[0]} from the queue` }).click();
  await g.locator('sr-queue-list li').filter({ hasText: titles[0] }).waitFor({ state: 'detached', timeout: 5000 });

  // Pete chats; Olga deletes the line and it goes for Pete too.
  const line = `rude words ${Date.now()}`;
  await g.getByLabel('Message', { exact: true }).fill(line);
  await g.getByRole('button', { name: 'Send' }).click();
  const msg = o.locator('sr-chat-panel li.msg').filter({ hasText: line });
  await msg.waitFor({ timeout: 5000 });
  await msg.getByRole('button', { name: 'Delete this message by Pete' }).click();
  await g.locator('sr-chat-panel li.msg').filter({ hasText: line }).waitFor({ state: 'detached', timeout: 5000 });
});

test('a locked queue refuses additions; skip now moves the room on', async () => {
  const o = owner.page;
  const g = guest.page;
  await o.getByRole('button', { name: 'Lock queue' }).click();
  await g.getByText('A moderator locked the queue').waitFor({ timeout: 5000 });
  assert.ok(await g.locator('sr-track-search li').first().getByRole('button', { name: /^Add/ }).isDisabled(), 'Add is disabled');
  await o.getByRole('button', { name: 'Unlock queue' }).click();
  await g.getByText('A moderator locked the queue').waitFor({ state: 'detached', timeout: 5000 });

  const before = (await g.locator('sr-now-playing .title').textContent()).trim();
  const startedBefore = await g.evaluate(() => window.__soundroom.client.room.nowPlaying.started_at);
  await o.getByRole('button', { name: 'Skip now' }).click();
  await g.waitForFunction((t) => window.__soundroom.client.room.nowPlaying.started_at !== t, startedBefore, { timeout: 5000 });
  assert.ok(before, 'something played before the skip');
});

test('a muted listener cannot chat; a kicked one is back in the lobby with a notice', async () => {
  const o = owner.page;
  const g = guest.page;
  await o.getByRole('button', { name: 'Moderate Pete' }).click();
  const bar = o.getByRole('group', { name: 'Moderate Pete' });
  await bar.getByRole('button', { name: 'Mute 10 min' }).click();
  await o.getByText('Pete is muted for 10 minutes.').waitFor({ timeout: 5000 });
  await g.getByLabel('Message', { exact: true }).fill('can I still talk?');
  await g.getByRole('button', { name: 'Send' }).click();
  await g.locator('sr-chat-panel p.error').filter({ hasText: /muted/i }).waitFor({ timeout: 5000 });

  await bar.getByRole('button', { name: 'Kick' }).click();
  await bar.getByRole('button', { name: 'Confirm kick' }).click();
  await g.getByText(/You were removed from the room/).waitFor({ timeout: 5000 });
  await g.locator('sr-lobby a.room').first().waitFor({ timeout: 5000 });
  await o.locator('sr-listener-list li').filter({ hasText: 'Pete' }).waitFor({ state: 'detached', timeout: 5000 });
});

test('the owner changes the room settings: a new name, top-tracks mode, only members add', async () => {
  const o = owner.page;
  await o.getByRole('button', { name: 'Room settings' }).click();
  await o.getByLabel('Room name').fill(`${ROOM} (renamed)`);
  await o.getByLabel('Plays', { exact: true }).selectOption('top');
  await o.getByLabel('Who may add tracks').selectOption('members');
  await o.getByRole('button', { name: 'Save settings' }).click();
  await o.getByText('Saved.').waitFor({ timeout: 5000 });
  await o.getByRole('heading', { level: 1, name: `${ROOM} (renamed)` }).waitFor({ timeout: 5000 });
  const settings = await o.evaluate(() => window.__soundroom.client.room.settings);
  assert.equal(settings.mode, 'top');
  assert.equal(settings.who_add, 'members');
  // Pete (kicked, not banned) goes back in: the room has its new name, and only members may add now.
  // (The lobby card keeps the old name until the room's listeners or track change: a rename
  // does not make the server send a lobby_update.)
  await guest.page.locator('sr-lobby a.room').filter({ hasText: ROOM }).click();
  await guest.page.getByRole('heading', { level: 1, name: `${ROOM} (renamed)` }).waitFor({ timeout: 10000 });
  await guest.page.locator('sr-track-search li').first().getByRole('button', { name: /^Add/ }).click();
  await guest.page.locator('sr-toasts [role=alert]').filter({ hasText: /^Could not add/ }).waitFor({ timeout: 5000 });
  await o.locator('sr-listener-list li').filter({ hasText: 'Pete' }).waitFor({ timeout: 5000 });
  assert.deepEqual([...owner.seen.pageErrors, ...guest.seen.pageErrors], [], 'no uncaught errors');
});

test('the owner bans a listener, finds them in the ban list, unbans them and reads it all in the audit log', async () => {
  const o = owner.page;
  const g = guest.page;
  await o.getByRole('button', { name: 'Moderate Pete' }).click();
  const bar = o.getByRole('group', { name: 'Moderate Pete' });
  await bar.getByRole('button', { name: 'Ban' }).click();
  await bar.getByRole('button', { name: 'Confirm ban' }).click();
  await g.getByText('You were removed from the room: banned.').waitFor({ timeout: 5000 });
  const toggle = o.getByRole('button', { name: 'Room settings' });
  if ((await toggle.getAttribute('aria-expanded')) !== 'true') await toggle.click();
  const bans = o.locator('sr-room-moderation section.bans');
  const pete = bans.locator('li').filter({ hasText: 'Pete' });
  await pete.waitFor({ timeout: 5000 });
  assert.match(await pete.textContent(), /no end/);
  await pete.getByRole('button', { name: 'Unban Pete' }).click();
  await bans.getByText('Nobody is banned.').waitFor({ timeout: 5000 });
  const audit = o.locator('sr-room-moderation section.audit li.entry');
  await audit.filter({ hasText: 'Olga unbanned Pete' }).waitFor({ timeout: 5000 });
  await audit.filter({ hasText: 'Olga banned Pete' }).waitFor({ timeout: 5000 });
  assert.match(await audit.first().textContent(), /unbanned Pete/, 'newest first');
  // Pete may come back in.
  await g.locator('sr-lobby a.room').filter({ hasText: ROOM }).click();
  await g.getByRole('heading', { level: 1, name: `${ROOM} (renamed)` }).waitFor({ timeout: 10000 });
  assert.deepEqual([...owner.seen.pageErrors, ...guest.seen.pageErrors], [], 'no uncaught errors');
  assert.deepEqual(await o.evaluate(() => window.__cspViolations), [], 'no CSP violations');
});

test("another moderator's ban, lock and unban show in the owner's ban list and audit log without a Refresh", async () => {
  const o = owner.page;
  const roomId = await o.evaluate(() => window.__soundroom.client.room.id);
  const peteId = await guest.page.evaluate(() => window.__soundroom.client.user.id);
  const wsUrl = server.url.replace(/^http/, 'ws') + '/ws';
  const mo = await signup(wsUrl, { username: `mo_${Date.now().toString(36)}`, password: 'correct horse battery', name: 'Mo' });
  const modClient = await connect(wsUrl, { session: mo.token, WebSocket, reconnect: false });
  try {
    await modClient.join(roomId);
    const toggle = o.getByRole('button', { name: 'Room settings' });
    if ((await toggle.getAttribute('aria-expanded')) !== 'true') await toggle.click();
    const audit = o.locator('sr-room-moderation section.audit li.entry');
    await audit.first().waitFor({ timeout: 5000 });
    // Olga's client (not her page's buttons) makes Mo a moderator: the role delta brings it in
    await o.evaluate((id) => window.__soundroom.client.mod('set_role', { user: id, role: 'moderator' }), mo.user.id);
    await audit.filter({ hasText: 'Olga set the role of Mo (moderator)' }).waitFor({ timeout: 5000 });

    await modClient.mod('ban', { user: peteId, seconds: 3600 });
    await guest.page.waitForFunction(() => window.__soundroom.client.room === null, null, { timeout: 5000 });
    const pete = o.locator('sr-room-moderation section.bans li').filter({ hasText: 'Pete' });
    await pete.waitFor({ timeout: 5000 });
    assert.match(await pete.textContent(), /until/);
    await audit.filter({ hasText: 'Mo banned Pete (3600 s)' }).waitFor({ timeout: 5000 });

    await modClient.mod('lock');
    await audit.first().filter({ hasText: 'Mo locked the queue' }).waitFor({ timeout: 5000 });
    await modClient.mod('unlock');
    await audit.first().filter({ hasText: 'Mo unlocked the queue' }).waitFor({ timeout: 5000 });
    // an unban changes nothing the room sees: the owner's page hears of it by its own message
    await modClient.mod('unban', { user: peteId });
    await audit.first().filter({ hasText: 'Mo unbanned Pete' }).waitFor({ timeout: 5000 });
    await pete.waitFor({ state: 'detached', timeout: 5000 });
  } finally {
    await modClient.close();
  }
  assert.deepEqual(owner.seen.pageErrors, [], 'no uncaught errors');
});
