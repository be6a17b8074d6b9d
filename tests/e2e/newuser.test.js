// newuser.test.js - what a new user hit (issue 12) and the lobby before a name (issue 13): the lobby shows
// before anyone is asked for a name, and forms that need an account say so first; a private room's invite
// link takes a guest into the room; after a skip passes the next track's skip button shows no vote; chat
// over 500 characters shows its count and why it is not sent (never cut), and blank chat is not sent; a
// room without listeners has no green "live" dot.
// SPDX-License-Identifier: GPL-3.0-or-later
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { connect } from '../../sdk/client.js';
import { signup, createInvite, updateRoom } from '../../sdk/account.js';
import { startServer, launchBrowser, newPage, joinDemoRoom, enterAs, nowPlaying, waitForTrackWithTime, DEMO_ROOM } from './harness.js';

let server;
let browser;
let owner; // {token}: an account made over the SDK

before(async () => {
  server = await startServer('newuser');
  browser = await launchBrowser();
  owner = await signup(server.url, { username: `owner_${Date.now().toString(36)}`, password: 'correct horse battery' });
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** Makes a room over REST as the owner; resolves with it. */
async function makeRoom(name) {
  const res = await fetch(`${server.url}/api/rooms`, {
    method: 'POST',
    headers: { authorization: `Bearer ${owner.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name }),
  });
  assert.equal(res.status, 201);
  return (await res.json()).room;
}

test('the lobby shows before a name is asked; a room asks for one; account-only forms say so before they are filled', async () => {
  const { page, seen, context } = await newPage(browser);
  await page.goto(`${server.url}/`);
  await page.getByRole('heading', { level: 1, name: 'Listening rooms' }).waitFor({ timeout: 10000 });
  const card = page.locator('sr-lobby a.room').filter({ hasText: DEMO_ROOM.name });
  await card.waitFor({ timeout: 10000 });
  assert.equal(await page.getByLabel('Your name').count(), 0, 'nobody is asked for a name to look at the lobby');

  // Creating a room needs an account: the form says so, and cannot be filled in as a guest.
  const create = page.locator('sr-create-room');
  assert.match(await create.locator('.needs-account').textContent(), /Creating a room needs an account/);
  assert.equal(await create.getByLabel('Name', { exact: true }).isDisabled(), true, 'the room name field is disabled for guests');
  assert.equal(await create.getByRole('button', { name: 'Create room' }).isDisabled(), true);

  // The name is asked on the way into a room; "Back to the lobby" declines.
  await card.click();
  await page.getByText('Pick a name to enter the room.').waitFor({ timeout: 5000 });
  await page.getByRole('button', { name: 'Back to the lobby' }).click();
  await card.waitFor({ timeout: 5000 });
  await card.click();
  await page.getByLabel('Your name').fill('Newcomer');
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByRole('heading', { level: 1, name: DEMO_ROOM.name }).waitFor({ timeout: 10000 });
  await page.locator('sr-listener-list li').filter({ hasText: 'Newcomer' }).waitFor({ timeout: 5000 });

  // Streams need an account too: said before the form, which is disabled.
  const stream = page.locator('sr-add-stream');
  assert.match(await stream.locator('.needs-account').textContent(), /needs an\s+account/);
  assert.equal(await stream.getByLabel('Stream URL', { exact: true }).isDisabled(), true);
  assert.deepEqual(seen.pageErrors, []);
  await context.close();
});

test("a private room's invite link takes a guest into the room", async () => {
  const room = await makeRoom('Invite only');
  await updateRoom(server.url, owner.token, room.id, { visibility: 'private' });
  const invite = await createInvite(server.url, owner.token, room.id);
  assert.match(invite.url, /^\/#\/room\/\d+\?invite=/, `the invite link is ${invite.url}`);

  // Without the invite the room is closed to a guest...
  const { page, seen, context } = await newPage(browser);
  await enterAs(page, server.url, 'Invited', `#/room/${room.id}`);
  await page.getByText('Could not join this room').waitFor({ timeout: 10000 });

  // ...and the link lets the same guest in.
  await page.goto(`${server.url}${invite.url}`);
  await page.getByRole('heading', { level: 1, name: 'Invite only' }).waitFor({ timeout: 10000 });
  await page.locator('sr-listener-list li').filter({ hasText: 'Invited' }).waitFor({ timeout: 5000 });

  // A first visit by the link: the name prompt, then straight into the room.
  const fresh = await newPage(browser);
  await fresh.page.goto(`${server.url}${invite.url}`);
  await fresh.page.getByLabel('Your name').fill('Friend of a friend');
  await fresh.page.getByRole('button', { name: 'Continue' }).click();
  await fresh.page.getByRole('heading', { level: 1, name: 'Invite only' }).waitFor({ timeout: 10000 });
  assert.deepEqual(seen.pageErrors, []);
  assert.deepEqual(fresh.seen.pageErrors, []);
  await fresh.context.close();
  await context.close();
});

test("after a skip passes, the next track's skip button does not show my vote", async () => {
  const { page, seen, context } = await newPage(browser);
  await joinDemoRoom(page, server.url, 'Skipper');
  // Alone in the room, one vote is enough: the vote passes at once.
  const before = await waitForTrackWithTime(page, 8000);
  const skip = page.locator('sr-skip-button button');
  assert.equal(await skip.getAttribute('aria-pressed'), 'false');
  await skip.click();
  await page.waitForFunction((b) => {
    const np = window.__soundroom.client.room.nowPlaying;
    return np && (np.started_at !== b.startedAt || np.track.id !== b.trackId);
  }, before, { timeout: 10000 });
  // Wait for the vote's answer (the button is busy until then), then look.
  await page.locator('sr-skip-button button[aria-disabled="false"]').waitFor({ timeout: 5000 });
  const after = await nowPlaying(page);
  assert.notDeepEqual([after.trackId, after.startedAt], [before.trackId, before.startedAt], 'the next track plays');
  assert.equal(await skip.getAttribute('aria-pressed'), 'false', 'the new track has no vote of mine');
  assert.match(await skip.textContent(), /^\s*Vote to skip\s+0\/1\s*$/);
  assert.equal(await page.evaluate(() => window.__soundroom.client.room.mySkip), false);
  assert.deepEqual(seen.pageErrors, []);
  await context.close();
});

test('chat over 500 characters shows the count and why, never cuts; blank chat is not sent', async () => {
  const { page, seen, context } = await newPage(browser);
  await joinDemoRoom(page, server.url, 'Chatter');
  const input = page.getByLabel('Message', { exact: true });
  const send = page.getByRole('button', { name: 'Send' });
  const counter = page.locator('sr-chat-panel #chat-count');
  const lines = page.locator('sr-chat-panel li.msg');

  // 300 emoji are 600 UTF-16 units but 300 characters to the server: sent whole.
  const emoji = '🎵'.repeat(300);
  await input.fill(emoji);
  assert.equal(await counter.isVisible(), false, 'no counter far from the limit');
  await send.click();
  await lines.filter({ hasText: '🎵🎵🎵' }).waitFor({ timeout: 5000 });
  assert.equal([...(await lines.filter({ hasText: '🎵🎵🎵' }).locator('.text').textContent())].length, 300, 'all 300 arrived');

  // Near the limit the count shows; past it, the reason; the text is kept whole.
  await input.fill('a'.repeat(480));
  assert.equal((await counter.textContent()).trim(), '480/500');
  const long = 'b'.repeat(520);
  await input.fill(long);
  assert.equal((await counter.textContent()).trim(), '520/500 — too long by 20');
  assert.equal(await input.inputValue(), long, 'the pasted text is not cut');
  await send.click();
  await page.locator('sr-chat-panel [role=alert]').filter({ hasText: 'Not sent: 520 characters' }).waitFor({ timeout: 5000 });
  assert.equal(await lines.filter({ hasText: 'bbbb' }).count(), 0, 'nothing was sent');

  // Only spaces: not sent, and it says so.
  const count = await lines.count();
  await input.fill('   ');
  await send.click();
  await page.locator('sr-chat-panel [role=alert]').filter({ hasText: 'Only spaces: nothing to send.' }).waitFor({ timeout: 5000 });
  assert.equal(await lines.count(), count);
  assert.deepEqual(seen.pageErrors, []);
  await context.close();
});

test('a room with no listeners shows no green live dot; one with listeners does', async () => {
  await makeRoom('Empty hall');
  const listener = await connect(`${server.url.replace(/^http/, 'ws')}/ws`, { name: 'Somebody', WebSocket, reconnect: false });
  await listener.join(DEMO_ROOM.id);
  const { page, context } = await newPage(browser);
  try {
    await page.goto(`${server.url}/`);
    const empty = page.locator('sr-room-card').filter({ has: page.locator('a.room', { hasText: 'Empty hall' }) });
    const busy = page.locator('sr-room-card').filter({ has: page.locator('a.room', { hasText: DEMO_ROOM.name }) });
    await empty.locator('.listeners').waitFor({ timeout: 10000 });
    await busy.locator('.listeners.live').waitFor({ timeout: 10000 });
    assert.equal((await empty.locator('.listeners').textContent()).trim(), 'No listeners');
    assert.equal(await empty.locator('.listeners.live').count(), 0, 'no live mark on an empty room');
    assert.match(await busy.locator('.listeners').textContent(), /●\s*1 listener/);
    const colors = await page.evaluate(() => {
      const cards = [...document.querySelector('sr-app').shadowRoot.querySelector('sr-lobby').shadowRoot.querySelectorAll('sr-room-card')];
      const color = (name) => {
        const card = cards.find((c) => c.shadowRoot.querySelector('a.room .name').textContent === name);
        return getComputedStyle(card.shadowRoot.querySelector('.listeners')).color;
      };
      return { empty: color('Empty hall'), busy: color('Demo room'), up: getComputedStyle(document.documentElement).getPropertyValue('--up').trim() };
    });
    assert.notEqual(colors.empty, colors.busy, `an empty room's count is not coloured as live (${JSON.stringify(colors)})`);
  } finally {
    await context.close();
    await listener.close();
  }
});
