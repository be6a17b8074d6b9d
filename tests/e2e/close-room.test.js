// close-room.test.js - a room's owner closes it from the room settings: a second click is needed,
// then the owner and a listener in the room are both back in the lobby, told the room was closed,
// and the room is gone from the lobby and answers 404.
// SPDX-License-Identifier: GPL-3.0-or-later
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, ownerAndGuestInRoom } from './harness.js';

const ROOM = 'Last call';
let server;
let browser;
let owner;
let guest;

before(async () => {
  server = await startServer('close-room');
  browser = await launchBrowser();
  ({ owner, guest } = await ownerAndGuestInRoom(browser, server.url, ROOM, ['Cleo', 'Gus']));
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('the owner closes the room; owner and listener are back in the lobby and the room is gone', async () => {
  const o = owner.page;
  const g = guest.page;
  const id = await o.evaluate(() => window.__soundroom.client.room.id);
  await o.getByRole('button', { name: 'Room settings' }).click();
  await o.getByRole('button', { name: 'Close this room for good' }).click();
  // the first click only asks
  await o.getByRole('button', { name: 'Confirm: close this room for good' }).waitFor({ timeout: 5000 });
  assert.equal((await fetch(`${server.url}/api/rooms/${id}`)).status, 200, 'still open after one click');
  await o.getByRole('button', { name: 'Confirm: close this room for good' }).click();
  for (const p of [o, g]) {
    await p.getByText('This room was closed.').waitFor({ timeout: 5000 });
    await p.locator('sr-lobby').waitFor({ timeout: 5000 });
  }
  assert.equal((await fetch(`${server.url}/api/rooms/${id}`)).status, 404);
  await g.waitForTimeout(1200); // lobby_update goes out at most every 500 ms
  assert.equal(await g.locator('sr-lobby a.room').filter({ hasText: ROOM }).count(), 0, 'gone from the lobby');
  for (const p of [owner, guest]) assert.deepEqual(await p.page.evaluate(() => window.__cspViolations), [], 'no CSP violations');
  assert.deepEqual([...owner.seen.pageErrors, ...guest.seen.pageErrors], [], 'no uncaught errors');
});
