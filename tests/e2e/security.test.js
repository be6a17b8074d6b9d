// security.test.js - the page is served with a strict Content-Security-Policy and never violates it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, newPage, enterAs, joinDemoRoom, waitForPlayback, DEMO_ROOM } from './harness.js';

let server;
let browser;

before(async () => {
  server = await startServer('security');
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** "a b; c d e" -> Map{a => [b], c => [d, e]} */
function directives(policy) {
  const m = new Map();
  for (const part of policy.split(';')) {
    const [name, ...values] = part.trim().split(/\s+/);
    if (name) m.set(name.toLowerCase(), values);
  }
  return m;
}

const REQUIRED = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'style-src': ["'self'"],
  'img-src': ["'self'", 'data:'],
  'media-src': ["'self'"],
  'connect-src': ["'self'"],
  'object-src': ["'none'"],
  'base-uri': ["'none'"],
  'frame-ancestors': ["'none'"],
};

const cspConsole = (seen) => seen.console.filter((l) => /content[- ]security[- ]policy/i.test(l));

test('the page carries the CSP header and using the app causes no CSP violation', async () => {
  const { page, seen, context } = await newPage(browser);
  const res = await enterAs(page, server.url, 'Ada', '#/');
  const policy = res.headers()['content-security-policy'];
  assert.ok(policy, 'the page response has a Content-Security-Policy header');
  const d = directives(policy);
  for (const [name, values] of Object.entries(REQUIRED)) {
    assert.deepEqual(d.get(name), values, `${name} is ${values.join(' ')} (policy: ${policy})`);
  }
  assert.doesNotMatch(policy, /unsafe-inline|unsafe-eval/, 'nothing unsafe is allowed');

  // Walk through every view the way a person would.
  await page.locator('sr-lobby a.room').filter({ hasText: DEMO_ROOM.name }).waitFor({ timeout: 10000 });
  await page.locator('sr-lobby a.room').filter({ hasText: DEMO_ROOM.name }).click();
  await page.getByRole('heading', { level: 1, name: DEMO_ROOM.name }).waitFor({ timeout: 10000 });
  await waitForPlayback(page);
  await page.getByPlaceholder('Search title, artist or album').fill('a');
  const first = page.locator('sr-track-search li').first();
  await first.waitFor({ timeout: 5000 });
  await first.getByRole('button', { name: /^Add/ }).click();
  const entry = page.locator('sr-queue-list li').filter({ hasText: 'added by you' }).first();
  await entry.waitFor({ timeout: 5000 });
  await entry.getByRole('button', { name: /^Vote up/ }).click();
  await page.getByLabel('Message', { exact: true }).fill('style check <i style="color:red">x</i>');
  await page.getByRole('button', { name: 'Send' }).click();
  await page.locator('sr-chat-panel li.msg').filter({ hasText: 'style check' }).waitFor({ timeout: 5000 });
  await page.getByRole('button', { name: /Vote to skip/ }).click();
  await page.getByRole('button', { name: 'Rename' }).click();
  await page.getByLabel('Your name').fill('Ada L');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.locator('header .name').filter({ hasText: 'Ada L' }).waitFor({ timeout: 5000 });
  await page.getByRole('link', { name: 'soundroom' }).click();
  await page.getByLabel('Name', { exact: true }).fill('CSP room');
  await page.getByRole('button', { name: 'Create room' }).click();
  // A guest may be refused (rooms can need an account): either outcome shows something.
  await page.getByRole('heading', { level: 1, name: 'CSP room' })
    .or(page.locator('sr-create-room [role=alert]:not([hidden])')).waitFor({ timeout: 10000 });
  await page.waitForTimeout(1000);

  assert.deepEqual(await page.evaluate(() => window.__cspViolations), [], 'no securitypolicyviolation events');
  assert.deepEqual(cspConsole(seen), [], 'no CSP messages on the console');
  assert.deepEqual(seen.pageErrors, [], 'no uncaught errors');

  // The detector itself works: a deliberate inline style is reported.
  await page.evaluate(() => document.body.setAttribute('style', 'color: red'));
  await page.waitForFunction(() => window.__cspViolations.length > 0, null, { timeout: 5000 });
  await context.close();
});

test('a second person joining straight into a room link triggers no CSP violation', async () => {
  const { page, seen, context } = await newPage(browser, { viewport: { width: 360, height: 740 } });
  await joinDemoRoom(page, server.url, 'Grace');
  await waitForPlayback(page);
  await page.waitForTimeout(1000);
  assert.deepEqual(await page.evaluate(() => window.__cspViolations), [], 'no securitypolicyviolation events');
  assert.deepEqual(cspConsole(seen), [], 'no CSP messages on the console');
  await context.close();
});
