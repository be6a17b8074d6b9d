// mobile.test.js - on a 360 px wide phone the room view (each of its tabs, and the library sheet), the lobby,
// the favourites drawer and an owner's room fit: no horizontal scrolling.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, newPage, joinDemoRoom, waitForPlayback, signUpAs } from './harness.js';

const WIDTH = 360;
let server;
let browser;

const PHONE = { viewport: { width: WIDTH, height: 740 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };

/** The page cannot scroll sideways, nothing sticks out past the 360 px screen, and no box scrolls sideways. */
async function assertFits(page, what) {
  const m = await page.evaluate(() => {
    const before = window.scrollX;
    window.scrollTo(10000, window.scrollY);
    const after = window.scrollX;
    window.scrollTo(before, window.scrollY);
    return { scrollWidth: document.documentElement.scrollWidth, bodyScrollWidth: document.body.scrollWidth,
      innerWidth: window.innerWidth, scrolledTo: after };
  });
  assert.equal(m.innerWidth, WIDTH, 'the layout viewport is 360 px (the page sets a proper viewport)');
  assert.ok(m.scrollWidth <= WIDTH, `${what}: document is ${m.scrollWidth} px wide`);
  assert.ok(m.bodyScrollWidth <= WIDTH, `${what}: body is ${m.bodyScrollWidth} px wide`);
  assert.equal(m.scrolledTo, 0, `${what}: the page cannot be scrolled sideways`);

  // Nothing sticks out past the screen's edge, and no box scrolls sideways (a chat line
  // that only fits with a sideways scrollbar is as bad as a page that scrolls).
  const offenders = await page.evaluate((width) => {
    const bad = [];
    const name = (el) => el.tagName.toLowerCase() + (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\s+/).join('.') : '');
    const walk = (root) => {
      for (const el of root.querySelectorAll('*')) {
        const r = el.getBoundingClientRect();
        const cs = getComputedStyle(el);
        if (r.width > 0 && r.height > 0 && cs.visibility !== 'hidden' && (r.left < -0.5 || r.right > width + 0.5)) {
          bad.push(`${name(el)} spans ${r.left.toFixed(0)}..${r.right.toFixed(0)}`);
        }
        if (['auto', 'scroll'].includes(cs.overflowX) && el.scrollWidth > el.clientWidth + 1) {
          bad.push(`${name(el)} scrolls sideways (${el.scrollWidth} > ${el.clientWidth})`);
        }
        if (el.shadowRoot) walk(el.shadowRoot);
      }
    };
    walk(document);
    return bad;
  }, WIDTH);
  assert.deepEqual(offenders, [], `${what}: every element stays within the 360 px screen`);
}

/** Each locator is rendered, visible and inside the screen's width. */
async function assertOnScreen(controls) {
  for (const [what, loc] of Object.entries(controls)) {
    const box = await loc.boundingBox();
    assert.ok(box, `${what} is rendered`);
    assert.ok(box.x >= 0 && box.x + box.width <= WIDTH + 0.5,
      `${what} spans x ${box.x.toFixed(1)}..${(box.x + box.width).toFixed(1)}, outside 0..${WIDTH}`);
    assert.ok(box.width > 0 && box.height > 0, `${what} is visible`);
  }
}

before(async () => {
  server = await startServer('mobile');
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('the room view at 360×740 has no horizontal scroll and every control is on screen, tab by tab', async () => {
  const { page, seen, context } = await newPage(browser, PHONE);
  await joinDemoRoom(page, server.url, 'Ada with a rather long name for a phone');
  await waitForPlayback(page);
  const tab = (name) => page.getByRole('tab', { name: new RegExp(name) });

  // Fill the room with the things that tend to overflow: a queued track (added from the
  // library sheet) and long chat lines.
  await tab('Queue').tap();
  await page.getByRole('button', { name: /Add tracks/ }).tap();
  const first = page.locator('sr-track-search li').first();
  await first.waitFor({ timeout: 5000 });
  await assertFits(page, 'the library sheet');
  await assertOnScreen({ 'search box': page.getByPlaceholder('Search title, artist or album') });
  await first.getByRole('button', { name: /^Add/ }).tap();
  await page.getByRole('button', { name: 'Done' }).tap();
  await page.locator('sr-queue-list li').first().waitFor({ timeout: 5000 });
  await assertFits(page, 'the queue tab');
  const queue = {
    'vote up': page.locator('sr-queue-list').getByRole('button', { name: /^Vote up/ }).first(),
    'vote down': page.locator('sr-queue-list').getByRole('button', { name: /^Vote down/ }).first(),
    'remove': page.locator('sr-queue-list').getByRole('button', { name: /^Remove/ }).first(),
  };
  await assertOnScreen(queue);

  await tab('Chat').tap();
  for (const text of ['x'.repeat(300), 'https://example.com/' + 'very-long-path/'.repeat(20), 'a normal sentence, for a change']) {
    await page.getByLabel('Message', { exact: true }).fill(text);
    await page.getByRole('button', { name: 'Send' }).tap();
    await page.locator('sr-chat-panel li.msg').filter({ hasText: text }).waitFor({ timeout: 5000 });
  }
  await assertFits(page, 'the chat tab');
  const chat = {
    'chat input': page.getByLabel('Message', { exact: true }),
    'send button': page.getByRole('button', { name: 'Send' }),
    'long chat line': page.locator('sr-chat-panel li.msg .text').first(),
  };
  await assertOnScreen(chat);

  await tab('People').tap();
  await assertFits(page, 'the people tab');
  await assertOnScreen({ 'listeners': page.locator('sr-listener-list li').first() });

  await tab('Now playing').tap();
  await assertFits(page, 'the now playing tab');
  const now = {
    'room name': page.getByRole('heading', { level: 1 }),
    'track title': page.locator('sr-now-playing .title'),
    'progress bar': page.locator('sr-now-playing progress'),
    'skip button': page.getByRole('button', { name: /Vote to skip/ }),
  };
  await assertOnScreen(now);
  // Tap targets are big enough for a finger.
  const targets = { 'skip button': now['skip button'], 'send button': chat['send button'] };
  await tab('Queue').tap();
  targets['vote up'] = queue['vote up'];
  targets['vote down'] = queue['vote down'];
  for (const [what, loc] of Object.entries(targets)) {
    if (!(await loc.isVisible())) await tab(what === 'send button' ? 'Chat' : what === 'skip button' ? 'Now playing' : 'Queue').tap();
    const box = await loc.boundingBox();
    assert.ok(box.height >= 32 && box.width >= 32, `${what} is ${box.width}×${box.height}`);
  }
  assert.deepEqual(seen.pageErrors, [], 'no uncaught errors');
  await context.close();
});

test('the lobby, the favourites drawer and an owner\'s room at 360×740 fit without horizontal scroll', async () => {
  const { page, seen, context } = await newPage(browser, PHONE);
  const long = 'A room with a name far too long to fit on one line of a phone';
  await signUpAs(page, server.url, { username: `phone_${Date.now().toString(36)}`, name: 'Somebody with a very long display name' });

  // An owner's room: the moderation tools, the settings form, the statistics tabs.
  await page.getByLabel('Name', { exact: true }).fill(long);
  await page.getByLabel('Description (optional)').fill('word '.repeat(40) + 'https://example.com/' + 'path/'.repeat(30));
  await page.getByLabel('Tags (comma separated, optional)').fill('extraordinarilylongtagname, ambient, late night, lo-fi');
  await page.getByRole('button', { name: 'Create room' }).tap();
  await page.getByRole('heading', { level: 1, name: long }).waitFor({ timeout: 10000 });
  await page.getByRole('button', { name: 'Room settings' }).tap();
  await page.getByRole('button', { name: 'Save settings' }).waitFor({ timeout: 5000 });
  await page.getByRole('tab', { name: 'History' }).tap();
  await page.waitForTimeout(500);
  await assertFits(page, "the owner's room");
  await assertOnScreen({
    'lock button': page.getByRole('button', { name: /Lock queue/ }),
    'favourite star': page.getByRole('button', { name: /to favourites$/ }),
    'like button': page.locator('sr-now-playing sr-like-button').getByRole('button'),
    'skip now': page.getByRole('button', { name: /Skip now/ }),
    'save settings': page.getByRole('button', { name: 'Save settings' }),
    'history tab': page.getByRole('tab', { name: 'History' }),
  });

  // The lobby: search, rooms with long texts, trending, friends, create.
  await page.getByRole('link', { name: 'Lobby', exact: true }).tap();
  const card = page.locator('sr-room-card').filter({ has: page.locator('a.room', { hasText: long }) });
  await card.waitFor({ timeout: 10000 });
  await card.getByRole('button', { name: /to favourites$/ }).tap();
  await card.getByRole('button', { name: /^Remove .* from favourites$/ }).waitFor({ timeout: 5000 });
  await page.locator('sr-lobby a.pick').first().waitFor({ timeout: 10000 });
  await assertFits(page, 'the lobby');
  await assertOnScreen({
    'room search': page.getByPlaceholder('Search rooms by name, tag or what plays'),
    'room name': card.locator('.name'),
    'favourite star': card.getByRole('button', { name: /favourites$/ }),
    'trending room': page.locator('sr-lobby a.pick').first(),
    'friends': page.locator('sr-friends-list section'),
    'create button': page.getByRole('button', { name: 'Create room' }),
    'my music': page.getByRole('link', { name: 'My music' }),
    'favourites button': page.getByRole('button', { name: /Favourites/ }),
    'sign out': page.getByRole('button', { name: 'Sign out' }),
  });

  // A search narrows the list.
  await page.getByPlaceholder('Search rooms by name, tag or what plays').fill('extraordinarilylongtagname');
  await page.locator('sr-lobby h2').filter({ hasText: 'Rooms found' }).waitFor({ timeout: 5000 });
  await page.locator('sr-lobby a.room').filter({ hasText: long }).waitFor({ timeout: 5000 });
  assert.equal(await page.locator('sr-lobby a.room').count(), 1, 'only the matching room is listed');
  await assertFits(page, 'the search results');

  // The favourites drawer covers the screen and no more.
  await page.getByRole('button', { name: /Favourites/ }).tap();
  const drawer = page.getByRole('dialog', { name: 'Favourite rooms' });
  await drawer.locator('a.fav-room', { hasText: long }).waitFor({ timeout: 5000 });
  await assertFits(page, 'the favourites drawer');
  await assertOnScreen({ 'close button': page.getByRole('button', { name: 'Close favourites' }) });
  assert.deepEqual(seen.pageErrors, [], 'no uncaught errors');
  await context.close();
});
