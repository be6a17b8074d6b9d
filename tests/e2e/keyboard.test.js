// keyboard.test.js - every view works from the keyboard. Tab goes round each view (the lobby, the
// sign-up form, a room as its owner with someone else in it and with its settings open, the phone's
// room on each tab, a profile with its account forms, my music): every visible control gets the
// focus, in reading order (down each column, never back up it), and shows a focus ring (an outline
// or a box-shadow under :focus-visible). The menus, dialogs and sheets (a listener's moderation
// actions, the room settings, the favourites drawer, the phone's library sheet) open with Enter or
// Space, close with Escape and hand the focus back to what opened them; a vote, a like and a chat
// line are made with keys alone. On the admin page an account is disabled and enabled, and a room
// closed (two presses), by keys, the focus staying where the keyboard user is.
// SPDX-License-Identifier: GPL-3.0-or-later
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, newPage, signUpAs, signInAs, DEMO_ROOM } from './harness.js';

const WIDE = { viewport: { width: 1366, height: 768 } };
const ADMIN = { username: 'admin_keys', password: 'correct horse battery' };
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true };

let server;
let browser;
let owner; // newPage's, signed up, in its own room "Keys room"
let guest; // newPage's, a guest in that room

before(async () => {
  server = await startServer('keyboard', { admin: ADMIN });
  browser = await launchBrowser();
  owner = await newPage(browser, WIDE);
  const tag = Date.now().toString(36);
  await signUpAs(owner.page, server.url, { username: `keys_${tag}`, name: 'Keys Owner' });
  await owner.page.getByLabel('Name', { exact: true }).fill('Keys room');
  await owner.page.getByRole('button', { name: 'Create room' }).click();
  await owner.page.getByRole('heading', { level: 1, name: 'Keys room' }).waitFor({ timeout: 10000 });
  owner.roomHash = await owner.page.evaluate(() => location.hash);
  guest = await newPage(browser, WIDE);
  await guest.page.goto(`${server.url}/${owner.roomHash}`);
  await guest.page.getByLabel('Your name').fill('Tabby');
  await guest.page.getByRole('button', { name: 'Continue' }).click();
  await guest.page.getByRole('heading', { level: 1, name: 'Keys room' }).waitFor({ timeout: 10000 });
  // something to vote on and a line of chat, from the guest
  await guest.page.getByPlaceholder('Search title, artist or album').fill('a');
  await guest.page.locator('sr-track-search li').first().getByRole('button', { name: /^Add/ }).click();
  await guest.page.getByLabel('Message', { exact: true }).fill('hi from Tabby');
  await guest.page.getByRole('button', { name: 'Send' }).click();
  await owner.page.locator('sr-queue-list li').first().waitFor({ timeout: 5000 });
  await owner.page.locator('sr-listener-list li').filter({ hasText: 'Tabby' }).waitFor({ timeout: 5000 });
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/**
 * In the page: the focused element (inside shadow roots too), described, with where it is (page
 * coordinates) and whether it shows a focus ring; and every control a keyboard user should reach.
 */
function probe(what) {
  const SEL = 'a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]';
  const kb = (window.__kb ||= { ids: new WeakMap(), n: 0 });
  const id = (el) => {
    if (!kb.ids.has(el)) kb.ids.set(el, ++kb.n);
    return kb.ids.get(el);
  };
  const host = (el) => (el.parentElement || (el.getRootNode() && el.getRootNode().host) || null);
  const name = (el) => {
    const label = el.labels && el.labels[0] ? el.labels[0].textContent : '';
    return (el.getAttribute('aria-label') || label || el.textContent || el.getAttribute('placeholder') || el.getAttribute('title') || '')
      .replace(/\s+/g, ' ').trim().slice(0, 40);
  };
  const describe = (el) => {
    const cls = typeof el.className === 'string' && el.className ? `.${el.className.trim().split(/\s+/).join('.')}` : '';
    let c = el;
    while (c && !c.tagName.includes('-')) c = host(c);
    return `${c ? `${c.tagName.toLowerCase()} ` : ''}${el.tagName.toLowerCase()}${cls} "${name(el)}"`;
  };
  const info = (el) => {
    const cs = getComputedStyle(el);
    const r = el.getBoundingClientRect();
    const ring = (cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) > 0) || cs.boxShadow !== 'none';
    // where it is in its scrolled content (the page's and any scrolling box's, like the sheet's)
    let sx = scrollX;
    let sy = scrollY;
    for (let c = host(el); c; c = host(c)) { sx += c.scrollLeft || 0; sy += c.scrollTop || 0; }
    // a fixed box (the phone's tab bar, the sheet) is out of the page's flow: order is kept within it
    let fixed = 0;
    for (let c = el; c && !fixed; c = host(c)) if (c.nodeType === 1 && getComputedStyle(c).position === 'fixed') fixed = id(c);
    return { id: id(el), what: describe(el), ring, fixed, focusVisible: el.matches(':focus-visible'), tabIndex: el.tabIndex,
      pressed: el.getAttribute('aria-pressed'), x: r.left + sx, y: r.top + sy, w: r.width, h: r.height };
  };
  if (what === 'active') {
    let el = document.activeElement;
    while (el && el.shadowRoot && el.shadowRoot.activeElement) el = el.shadowRoot.activeElement;
    return el && el !== document.body && el !== document.documentElement ? info(el) : null;
  }
  // every control: visible, enabled, in the tab order (a roving tabindex's -1 is reached by arrows),
  // inside the open modal dialog when there is one
  const all = [];
  const walk = (root) => {
    for (const el of root.querySelectorAll('*')) {
      if (el.matches(SEL)) all.push(el);
      if (el.shadowRoot) walk(el.shadowRoot);
    }
  };
  walk(document);
  const modal = all.length ? (() => {
    const found = [];
    const w = (root) => { for (const el of root.querySelectorAll('dialog[open]')) if (el.matches(':modal')) found.push(el); for (const el of root.querySelectorAll('*')) if (el.shadowRoot) w(el.shadowRoot); };
    w(document);
    return found[0] || null;
  })() : null;
  const inside = (el, box) => { for (let c = el; c; c = host(c)) if (c === box) return true; return false; };
  const hiddenUp = (el) => { for (let c = el; c; c = host(c)) if (c.hidden || c.inert || (c.tagName === 'DETAILS' && !c.open && el.tagName !== 'SUMMARY' && c !== el)) return true; return false; };
  const usable = all.filter((el) => {
    if (el.matches(':disabled') || el.tabIndex < 0 || hiddenUp(el)) return false;
    if (modal && !inside(el, modal)) return false;
    if (!el.checkVisibility({ visibilityProperty: true })) return false;
    const r = el.getBoundingClientRect();
    if (r.width < 2 || r.height < 2) return false;
    if (el.type === 'radio' && !el.checked && [...el.getRootNode().querySelectorAll(`input[type=radio][name="${el.name}"]`)].some((x) => x.checked)) return false;
    return true;
  });
  return { controls: usable.map(info), positive: all.filter((el) => el.tabIndex > 0).map(describe) };
}

/**
 * Tabs round the page from the top until the focus comes back to where it started; checks that
 * every control was reached, each with a focus ring, in reading order. Resolves with the stops.
 */
async function tabRound(page, view, { max = 200 } = {}) {
  await page.evaluate(() => {
    let el = document.activeElement;
    while (el && el.shadowRoot && el.shadowRoot.activeElement) el = el.shadowRoot.activeElement;
    if (el && el.blur) el.blur();
    scrollTo(0, 0);
  });
  const { controls, positive } = await page.evaluate(probe, 'all');
  assert.deepEqual(positive, [], `[${view}] no positive tabindex`);
  const stops = [];
  const seen = new Set();
  let empty = 0;
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const s = await page.evaluate(probe, 'active');
    if (!s) {
      if (stops.length && ++empty > 1) break; // out of the page and back in: round done
      continue;
    }
    if (seen.has(s.id)) break;
    seen.add(s.id);
    stops.push(s);
  }
  assert.ok(stops.length > 0, `[${view}] Tab reaches something`);
  // Chromium starts from where the focus last was: the round begins at the first control.
  const first = stops.findIndex((s) => controls.length && s.id === controls[0].id);
  if (first > 0) stops.push(...stops.splice(0, first));
  const missed = controls.filter((c) => !seen.has(c.id)).map((c) => c.what);
  assert.deepEqual(missed, [], `[${view}] every control gets the focus by Tab; reached:\n${stops.map((s) => s.what).join('\n')}`);
  const noRing = stops.filter((s) => !s.ring || !s.focusVisible).map((s) => s.what);
  assert.deepEqual(noRing, [], `[${view}] every focused control shows a focus ring`);
  // Reading order: the next stop is never back up the same column (it may go up into another
  // column to its right, or on to the next row).
  const backwards = [];
  for (let i = 1; i < stops.length; i++) {
    const a = stops[i - 1];
    const b = stops[i];
    if (a.fixed !== b.fixed) continue;
    const sameColumn = b.x < a.x + a.w && a.x < b.x + b.w;
    if (sameColumn && b.y + b.h <= a.y) backwards.push(`${a.what} -> ${b.what}`);
  }
  assert.deepEqual(backwards, [], `[${view}] the focus never goes back up a column`);
  return stops;
}

/** The deep focused element's description, or null. */
const focused = (page) => page.evaluate(probe, 'active').then((s) => s && s.what);

/** Tabs forward until `re` matches the focused element (at most 200 presses). */
async function tabTo(page, re) {
  for (let i = 0; i < 200; i++) {
    await page.keyboard.press('Tab');
    const f = await focused(page);
    if (f && re.test(f)) return f;
  }
  throw new Error(`Tab never reached ${re}`);
}

test('the lobby and the sign-up form: every control by Tab, with a ring, in order', async () => {
  const { page, context } = await newPage(browser, WIDE);
  await page.goto(`${server.url}/`);
  await page.locator('sr-lobby a.room').filter({ hasText: DEMO_ROOM.name }).waitFor({ timeout: 10000 });
  await tabRound(page, 'lobby (guest)');
  await owner.page.goto(`${server.url}/#/`);
  await owner.page.locator('sr-lobby a.room').first().waitFor({ timeout: 10000 });
  await tabRound(owner.page, 'lobby (account)');
  await page.goto(`${server.url}/#/signup`);
  await page.getByRole('button', { name: 'Create account' }).waitFor({ timeout: 5000 });
  await tabRound(page, 'sign up');
  await context.close();
});

test("a room as its owner: every control by Tab; a vote, a like and chat by keys; the settings and a listener's actions open and close by keys", async () => {
  const { page } = owner;
  await page.goto(`${server.url}/${owner.roomHash}`);
  await page.getByRole('heading', { level: 1, name: 'Keys room' }).waitFor({ timeout: 10000 });
  await page.locator('sr-queue-list li').first().waitFor({ timeout: 5000 });
  await tabRound(page, 'room (owner)');

  // a vote by Enter, a like by Space, a chat line by typing and Enter
  await page.evaluate(() => document.activeElement?.blur());
  await tabTo(page, /Vote up/);
  await page.keyboard.press('Enter');
  await page.locator('sr-queue-list li').first().locator('button[aria-pressed="true"]').waitFor({ timeout: 5000 });
  await tabTo(page, /sr-like-button button/);
  await page.keyboard.press('Space');
  // while the like is on its way the button is busy, and the focus stays on it
  for (let i = 0; i < 10; i++) {
    assert.match(String(await focused(page)), /sr-like-button/, `the focus stays on the like button (${i * 30} ms)`);
    await new Promise((ok) => setTimeout(ok, 30));
  }
  let liked = null;
  for (let i = 0; i < 50 && !(liked && liked.pressed === 'true'); i++) {
    await new Promise((ok) => setTimeout(ok, 100));
    liked = await page.evaluate(probe, 'active');
  }
  assert.equal(liked && liked.pressed, 'true', `Space liked the track, and the focus stayed on it (${JSON.stringify(liked)})`);
  await tabTo(page, /sr-chat-panel input/);
  await page.keyboard.type('typed, not clicked');
  await page.keyboard.press('Enter');
  await page.locator('sr-chat-panel li.msg').filter({ hasText: 'typed, not clicked' }).waitFor({ timeout: 5000 });

  // A listener's moderation actions: Enter opens them (the focus moves in), Escape closes them
  // and the focus is back on the button that opened them.
  await page.evaluate(() => document.activeElement?.blur());
  await tabTo(page, /Moderate Tabby/);
  await page.keyboard.press('Enter');
  const bar = page.getByRole('group', { name: 'Moderate Tabby' });
  await bar.waitFor({ timeout: 5000 });
  assert.match(await focused(page), /sr-listener-list/, 'the focus is in the actions');
  assert.ok(await bar.evaluate((el) => el.contains(el.getRootNode().activeElement)), 'the focus is inside the actions');
  await page.keyboard.press('Escape');
  await bar.waitFor({ state: 'detached', timeout: 5000 });
  assert.match(await focused(page), /Moderate Tabby/, 'Escape hands the focus back');
  await page.keyboard.press('Space');
  await bar.waitFor({ timeout: 5000 });
  await tabTo(page, /"Close"/);
  await page.keyboard.press('Enter');
  await bar.waitFor({ state: 'detached', timeout: 5000 });
  assert.match(await focused(page), /Moderate Tabby/, 'Close hands the focus back');

  // The room settings: Enter opens them, Tab goes round their form, Escape closes them.
  await page.evaluate(() => document.activeElement?.blur());
  await tabTo(page, /"Room settings"/);
  await page.keyboard.press('Enter');
  await page.getByRole('button', { name: 'Save settings' }).waitFor({ timeout: 5000 });
  await tabRound(page, 'room (owner, settings open)');
  await tabTo(page, /sr-room-settings input/);
  await page.keyboard.press('Escape');
  await page.getByRole('button', { name: 'Save settings' }).waitFor({ state: 'detached', timeout: 5000 });
  assert.match(await focused(page), /"Room settings"/, 'Escape hands the focus back');

  // The favourites drawer: a dialog that holds the focus until Escape (this room a favourite in it,
  // starred by keys).
  await page.evaluate(() => document.activeElement?.blur());
  await tabTo(page, /sr-favorite-star button/);
  await page.keyboard.press('Enter');
  await page.locator('sr-room-view sr-favorite-star button[aria-pressed="true"]').waitFor({ timeout: 5000 });
  await tabTo(page, /Favourites/);
  await page.keyboard.press('Enter');
  const drawer = page.getByRole('dialog', { name: 'Favourite rooms' });
  await drawer.waitFor({ timeout: 5000 });
  assert.match(await focused(page), /Close favourites/, 'the focus moves into the drawer');
  const inDrawer = new Set();
  for (let i = 0; i < 8; i++) {
    await page.keyboard.press('Tab');
    const f = await focused(page);
    // (the browser's own controls may take it between rounds: null here)
    if (f) assert.match(f, /sr-favorites-drawer|sr-favorite-star|sr-artist-link/, `Tab ${i + 1} stays in the drawer`);
    if (f) inDrawer.add(f);
  }
  assert.ok([...inDrawer].some((f) => /Keys room/.test(f)), `the favourite room's link is reached: ${[...inDrawer]}`);
  await page.keyboard.press('Escape');
  await drawer.waitFor({ state: 'detached', timeout: 5000 });
  assert.match(await focused(page), /Favourites/, 'Escape hands the focus back');
  assert.deepEqual(owner.seen.pageErrors, []);
});

test("the phone's room: each tab by Tab and arrows, and the library sheet opens with Enter or Space and closes with Escape", async () => {
  const { page, context } = await newPage(browser, PHONE);
  await page.goto(`${server.url}/${owner.roomHash}`);
  await page.getByLabel('Your name').fill('Thumbs');
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { level: 1, name: 'Keys room' }).waitFor({ timeout: 10000 });
  await tabRound(page, 'phone: now playing');
  const selectedTab = () => page.getByRole('tablist', { name: 'Room sections' }).getByRole('tab', { selected: true });
  for (const tab of ['Queue', 'Chat', 'People']) {
    // the tabs: arrows move between them (roving tabindex), and the selected one is in the Tab order
    await selectedTab().focus();
    await page.keyboard.press('ArrowRight');
    await page.getByRole('tab', { name: new RegExp(tab), selected: true }).waitFor({ timeout: 5000 });
    assert.match(await focused(page), new RegExp(tab), `ArrowRight selects and focuses ${tab}`);
    await tabRound(page, `phone: ${tab.toLowerCase()}`);
  }
  await selectedTab().focus();
  await page.keyboard.press('Home');
  await page.keyboard.press('ArrowRight'); // Queue
  const sheet = page.getByRole('dialog', { name: 'Add tracks' });
  for (const key of ['Enter', 'Space']) {
    await page.evaluate(() => document.activeElement?.blur());
    await tabTo(page, /Add tracks/);
    await page.keyboard.press(key);
    await sheet.waitFor({ timeout: 5000 });
    assert.match(await focused(page), /sr-room-view|sr-track-search|sr-add-stream/, `${key}: the focus is in the sheet`);
    await tabRound(page, 'phone: library sheet');
    await page.keyboard.press('Escape');
    await sheet.waitFor({ state: 'hidden', timeout: 5000 });
    assert.match(await focused(page), /Add tracks/, `${key}: Escape hands the focus back`);
  }
  await context.close();
});

test('a profile with its account forms, and my music: every control by Tab, with a ring, in order', async () => {
  const { page } = owner;
  await page.locator('header a.name').click();
  await page.locator('sr-profile-view h1').waitFor({ timeout: 5000 });
  await tabRound(page, 'profile (own, account forms)');
  await page.getByRole('link', { name: 'My music' }).click();
  await page.locator('sr-my-playlists').waitFor({ timeout: 5000 });
  await tabRound(page, 'my music');
});

test("the admin page: every control by Tab; an account disabled and enabled and a room closed by keys, the focus kept", async () => {
  // an account and a room of its own, to act on
  const other = await newPage(browser, WIDE);
  const tag = Date.now().toString(36);
  await signUpAs(other.page, server.url, { username: `kbx_${tag}`, name: 'Keys Other' });
  await other.page.getByLabel('Name', { exact: true }).fill(`Closable ${tag}`);
  await other.page.getByRole('button', { name: 'Create room' }).click();
  await other.page.getByRole('heading', { level: 1, name: `Closable ${tag}` }).waitFor({ timeout: 10000 });
  await other.context.close();

  const { page, context } = await newPage(browser, WIDE);
  await signInAs(page, server.url, ADMIN);
  await page.goto(`${server.url}/#/admin`);
  await page.getByLabel('Find an account').waitFor({ timeout: 5000 });
  const row = page.locator(`sr-admin-view tr[data-user="kbx_${tag}"]`);
  await row.waitFor({ timeout: 5000 });
  await tabRound(page, 'admin');

  const deep = () => page.evaluate(() => {
    let el = document.activeElement;
    while (el && el.shadowRoot && el.shadowRoot.activeElement) el = el.shadowRoot.activeElement;
    return el ? el.textContent.trim() : '';
  });
  await row.getByRole('button', { name: 'Disable' }).focus();
  await page.keyboard.press('Enter');
  await row.getByRole('button', { name: 'Enable' }).waitFor({ timeout: 5000 });
  assert.equal(await deep(), 'Enable', 'the focus stays on the account\'s button');
  await page.keyboard.press('Space');
  await row.getByRole('button', { name: 'Disable' }).waitFor({ timeout: 5000 });
  assert.equal(await deep(), 'Disable', 'the focus stays on the account\'s button');

  const room = page.locator(`sr-admin-view tr[data-room="Closable ${tag}"]`);
  await room.getByRole('button', { name: 'Close room' }).focus();
  await page.keyboard.press('Enter');
  await room.getByRole('button', { name: 'Confirm close' }).waitFor({ timeout: 5000 });
  assert.equal(await deep(), 'Confirm close');
  await page.keyboard.press('Enter');
  await room.waitFor({ state: 'detached', timeout: 5000 });
  const after = await deep();
  assert.ok(after === 'Close room' || after === 'Rooms', `the focus goes on to the next room or the heading, not the page's top (on "${after}")`);
  await context.close();
});
