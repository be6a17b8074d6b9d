// room.test.js - what one listener does (queue, vote, chat) shows up for another, and chat is text.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, newPage, joinDemoRoom, waitForTrackWithTime, countDeep, sleep } from './harness.js';

let server;
let browser;
let ada;
let grace;

before(async () => {
  server = await startServer('room');
  browser = await launchBrowser();
  ada = await newPage(browser);
  grace = await newPage(browser);
  await joinDemoRoom(ada.page, server.url, 'Ada');
  await joinDemoRoom(grace.page, server.url, 'Grace');
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const chatLog = (page) => page.locator('sr-chat-panel li.msg');

test('both listeners see each other in the room', async () => {
  for (const [p, other] of [[ada.page, 'Grace'], [grace.page, 'Ada']]) {
    await p.locator('sr-listener-list li').filter({ hasText: other }).waitFor({ timeout: 5000 });
  }
  assert.match(await ada.page.locator('sr-listener-list li.me').textContent(), /Ada guest \(you\)/);
});

test('a chat message and a vote from one listener appear for the other', async () => {
  // A track added now must still be in the queue when the vote lands: avoid a track change.
  await waitForTrackWithTime(ada.page, 15000);

  // Ada adds the first track the library offers.
  const first = ada.page.locator('sr-track-search li').first();
  await first.waitFor({ timeout: 5000 });
  const title = (await first.locator('.title').textContent()).trim();
  await first.getByRole('button', { name: /^Add/ }).click();

  // Grace sees Ada's entry, with Ada's name, in Up next.
  const entryForGrace = grace.page.locator('sr-queue-list li').filter({ hasText: title }).filter({ hasText: 'added by Ada' });
  await entryForGrace.waitFor({ timeout: 5000 });
  const entryForAda = ada.page.locator('sr-queue-list li').filter({ hasText: title }).filter({ hasText: 'added by you' });
  await entryForAda.waitFor({ timeout: 5000 });
  assert.equal((await entryForAda.locator('.score').textContent()).trim(), '0');
  // Only the person who added an entry may remove it.
  assert.equal(await entryForAda.getByRole('button', { name: /^Remove/ }).count(), 1, 'Ada can remove her entry');
  assert.equal(await entryForGrace.getByRole('button', { name: /^Remove/ }).count(), 0, "Grace cannot remove Ada's entry");

  // Grace votes it up: her button shows her vote, and Ada sees the score change.
  const up = entryForGrace.getByRole('button', { name: /^Vote up/ });
  await up.click();
  await assert.doesNotReject(
    entryForAda.locator('.score').filter({ hasText: /^\s*1\s*$/ }).waitFor({ timeout: 5000 }),
    "Ada sees the entry's score become 1");
  // Grace's own list hears the same delta; on a loaded machine it may land a moment after Ada's
  await assert.doesNotReject(
    entryForGrace.locator('.score').filter({ hasText: /^\s*1\s*$/ }).waitFor({ timeout: 5000 }),
    "Grace sees the entry's score become 1");
  assert.equal(await up.getAttribute('aria-pressed'), 'true', "Grace's up vote is highlighted");
  assert.equal(await entryForAda.getByRole('button', { name: /^Vote up/ }).getAttribute('aria-pressed'), 'false',
    "Ada's own vote is not highlighted: she did not vote");

  // Ada chats; Grace reads it, with Ada's name on it.
  const text = `Hello from Ada ${Date.now()}`;
  await ada.page.getByLabel('Message', { exact: true }).fill(text);
  await ada.page.getByRole('button', { name: 'Send' }).click();
  const msg = chatLog(grace.page).filter({ hasText: text });
  await msg.waitFor({ timeout: 5000 });
  assert.equal((await msg.locator('.who').textContent()).trim(), 'Ada');
  assert.equal((await msg.locator('.text').textContent()), text);
  assert.equal(await ada.page.getByLabel('Message', { exact: true }).inputValue(), '', "Ada's input is cleared after sending");

  assert.deepEqual([...ada.seen.pageErrors, ...grace.seen.pageErrors], [], 'no uncaught errors');
});

test('chat with HTML in it shows as literal text, and nothing in it runs', async () => {
  const text = '<img src=x onerror=alert(1)><b>bold</b>';
  const before = await Promise.all([grace, ada].map((w) => chatLog(w.page).count()));
  await ada.page.getByLabel('Message', { exact: true }).fill(text);
  await ada.page.getByRole('button', { name: 'Send' }).click();

  for (const [i, who] of [grace, ada].entries()) {
    // The newest message is Ada's, and it reads exactly as typed.
    await who.page.waitForFunction(([sel, n]) => {
      let count = 0;
      const walk = (root) => {
        count += root.querySelectorAll(sel).length;
        for (const el of root.querySelectorAll('*')) if (el.shadowRoot) walk(el.shadowRoot);
      };
      walk(document);
      return count > n;
    }, ['li.msg', before[i]], { timeout: 5000 });
    const msg = chatLog(who.page).last();
    assert.equal((await msg.locator('.who').textContent()).trim(), 'Ada');
    const p = msg.locator('.text');
    assert.equal(await p.textContent(), text, 'the message reads exactly as typed');
    assert.equal(await p.evaluate((el) => el.childElementCount), 0, 'the message body holds no elements');
    assert.ok(await p.isVisible(), 'the message is visible');
  }
  await sleep(500); // time for an injected onerror to fire, if there were one
  for (const who of [grace, ada]) {
    assert.equal(await countDeep(who.page, 'img[src="x"]'), 0, 'no <img> was created from the message');
    assert.equal(await countDeep(who.page, 'b'), 0, 'no <b> was created from the message');
    assert.deepEqual(who.seen.dialogs, [], 'no dialog fired');
    assert.deepEqual(who.seen.pageErrors, [], 'no uncaught errors');
  }
});
