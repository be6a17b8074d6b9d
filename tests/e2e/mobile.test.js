// mobile.test.js - on a 360 px wide phone the room view fits: no horizontal scrolling.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, newPage, joinDemoRoom, waitForPlayback } from './harness.js';

const WIDTH = 360;
let server;
let browser;

before(async () => {
  server = await startServer('mobile');
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('the room view at 360×740 has no horizontal scroll and every control is on screen', async () => {
  const { page, seen, context } = await newPage(browser, {
    viewport: { width: WIDTH, height: 740 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2,
  });
  await joinDemoRoom(page, server.url, 'Ada with a rather long name for a phone');
  await waitForPlayback(page);

  // Fill the room with the things that tend to overflow: a queued track and long chat lines.
  const first = page.locator('sr-track-search li').first();
  await first.waitFor({ timeout: 5000 });
  await first.getByRole('button', { name: /^Add/ }).tap();
  await page.locator('sr-queue-list li').first().waitFor({ timeout: 5000 });
  for (const text of ['x'.repeat(300), 'https://example.com/' + 'very-long-path/'.repeat(20), 'a normal sentence, for a change']) {
    await page.getByLabel('Message', { exact: true }).fill(text);
    await page.getByRole('button', { name: 'Send' }).tap();
    await page.locator('sr-chat-panel li.msg').filter({ hasText: text }).waitFor({ timeout: 5000 });
  }

  const m = await page.evaluate(() => {
    const before = window.scrollX;
    window.scrollTo(10000, window.scrollY);
    const after = window.scrollX;
    window.scrollTo(before, window.scrollY);
    return { scrollWidth: document.documentElement.scrollWidth, bodyScrollWidth: document.body.scrollWidth,
      innerWidth: window.innerWidth, scrolledTo: after };
  });
  assert.equal(m.innerWidth, WIDTH, 'the layout viewport is 360 px (the page sets a proper viewport)');
  assert.ok(m.scrollWidth <= WIDTH, `document is ${m.scrollWidth} px wide`);
  assert.ok(m.bodyScrollWidth <= WIDTH, `body is ${m.bodyScrollWidth} px wide`);
  assert.equal(m.scrolledTo, 0, 'the page cannot be scrolled sideways');

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
  assert.deepEqual(offenders, [], 'every element stays within the 360 px screen');

  // What a person needs is inside the screen's width.
  const controls = {
    'room name': page.getByRole('heading', { level: 1 }),
    'track title': page.locator('sr-now-playing .title'),
    'progress bar': page.locator('sr-now-playing progress'),
    'skip button': page.getByRole('button', { name: /Vote to skip/ }),
    'vote up': page.locator('sr-queue-list').getByRole('button', { name: /^Vote up/ }).first(),
    'vote down': page.locator('sr-queue-list').getByRole('button', { name: /^Vote down/ }).first(),
    'remove': page.locator('sr-queue-list').getByRole('button', { name: /^Remove/ }).first(),
    'search box': page.getByPlaceholder('Search title, artist or album'),
    'chat input': page.getByLabel('Message', { exact: true }),
    'send button': page.getByRole('button', { name: 'Send' }),
    'long chat line': page.locator('sr-chat-panel li.msg .text').first(),
    'listeners': page.locator('sr-listener-list li').first(),
  };
  for (const [what, loc] of Object.entries(controls)) {
    const box = await loc.boundingBox();
    assert.ok(box, `${what} is rendered`);
    assert.ok(box.x >= 0 && box.x + box.width <= WIDTH + 0.5,
      `${what} spans x ${box.x.toFixed(1)}..${(box.x + box.width).toFixed(1)}, outside 0..${WIDTH}`);
    assert.ok(box.width > 0 && box.height > 0, `${what} is visible`);
  }
  // Tap targets are big enough for a finger.
  for (const what of ['skip button', 'vote up', 'vote down', 'send button']) {
    const box = await controls[what].boundingBox();
    assert.ok(box.height >= 32 && box.width >= 32, `${what} is ${box.width}×${box.height}`);
  }
  assert.deepEqual(seen.pageErrors, [], 'no uncaught errors');
  await context.close();
});
