// avatars.test.js - avatars (upload, re-encoding, refusal of what is not an image, limits,
// caching, deletion with the account, persistence) and a person's public likes, against the real
// server. The images are made by ffmpeg in the test setup.
// SPDX-License-Identifier: GPL-3.0-or-later
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test, until } from './harness.js';
import { startServer, signupAs, sdkAs, closeClients, rest, roomOf, refused, acct } from './authz-helpers.js';

let srv;
let dir; // the generated images
const img = {}; // name -> Buffer

/** ffmpeg's lavfi source `src` as one picture in `file`. */
function ffmpeg(src, file, extra = []) {
  const out = path.join(dir, file);
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', src, '-frames:v', '1', ...extra, out]);
  return fs.readFileSync(out);
}

/** The first pixel of a picture as [r, g, b], decoded by ffmpeg. */
function firstPixel(buf) {
  const f = path.join(dir, `pixel-${Math.random().toString(36).slice(2)}`);
  fs.writeFileSync(f, buf);
  const raw = execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-i', f, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-']);
  return [...raw.subarray(0, 3)];
}

/** width x height of a picture, as ffprobe reads it. */
function dims(buf) {
  const f = path.join(dir, `probe-${Math.random().toString(36).slice(2)}`);
  fs.writeFileSync(f, buf);
  const out = execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'stream=width,height,codec_name', '-of', 'json', f]);
  const s = JSON.parse(out).streams[0];
  return `${s.codec_name} ${s.width}x${s.height}`;
}

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'soundroom-avatars-'));
  img.png = ffmpeg('testsrc=size=600x400', 'wide.png'); // landscape: cropped to its centre square
  img.jpeg = ffmpeg('testsrc=size=120x300', 'tall.jpg'); // smaller than the thumbnail: never scaled up
  img.webp = ffmpeg('testsrc=size=320x320', 'square.webp');
  img.clearPng = ffmpeg('color=c=black@0.0:s=64x64,format=rgba', 'clear.png'); // see-through black
  img.clearWebp = ffmpeg('color=c=black@0.0:s=64x64,format=rgba', 'clear.webp', ['-c:v', 'libwebp', '-lossless', '1']);
  img.huge = ffmpeg('color=c=black:s=5000x4000', 'huge.png'); // a small file, 20 Mpx: over the bound
  img.html = Buffer.from('<!doctype html><script>alert(document.cookie)</script>');
  img.svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="9" height="9"/></svg>');
  srv = await startServer();
});

after(async () => {
  await closeClients();
  await srv?.dispose();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** PUT /api/me/avatar of these bytes, declared as a PNG: {status, body}. */
async function put(who, bytes) {
  const headers = { 'content-type': 'image/png', ...(who ? { authorization: `Bearer ${who.token}` } : {}) };
  const res = await fetch(`${srv.base}/api/me/avatar`, { method: 'PUT', headers, body: bytes });
  return { status: res.status, body: await res.json() };
}
/** GET of an avatar URL as bytes: {status, headers, buf}. */
async function fetchAvatar(url, headers = {}) {
  const res = await fetch(srv.base + url, { headers });
  return { status: res.status, headers: res.headers, buf: Buffer.from(await res.arrayBuffer()) };
}

test('a PNG, a JPEG and a WebP become square JPEG thumbnails, served with validators', async () => {
  const ada = await signupAs(srv, 'Ada');
  const r = await acct.setAvatar(srv.base, ada.token, img.png);
  assert.match(r.avatar, new RegExp(`^/api/users/${ada.user.id}/avatar\\?v=[0-9a-f]{16}$`));
  const got = await fetchAvatar(r.avatar);
  assert.equal(got.status, 200);
  assert.equal(got.headers.get('content-type'), 'image/jpeg');
  assert.equal(got.headers.get('x-content-type-options'), 'nosniff');
  assert.match(got.headers.get('cache-control'), /immutable/, 'the versioned URL may be cached for good');
  assert.equal(dims(got.buf), 'mjpeg 256x256', 'a 600x400 picture: its centre square, scaled to 256');
  const etag = got.headers.get('etag');
  assert.ok(etag, 'an ETag');
  assert.equal((await fetchAvatar(r.avatar, { 'if-none-match': etag })).status, 304);
  const bare = await fetchAvatar(`/api/users/${ada.user.id}/avatar`);
  assert.equal(bare.headers.get('cache-control'), 'no-cache', 'without the version it revalidates');

  const jpg = await acct.setAvatar(srv.base, ada.token, img.jpeg);
  assert.notEqual(jpg.avatar, r.avatar, 'a new picture has a new URL');
  assert.equal(dims((await fetchAvatar(jpg.avatar)).buf), 'mjpeg 120x120', 'never scaled up');
  const webp = await acct.setAvatar(srv.base, ada.token, img.webp);
  assert.equal(dims((await fetchAvatar(webp.avatar)).buf), 'mjpeg 256x256');

  assert.equal((await acct.me(srv.base, ada.token)).avatar, webp.avatar, 'GET /api/me names it');
  assert.equal((await acct.profile(srv.base, null, ada.user.id)).avatar, webp.avatar, 'the public profile names it');
});

test('a transparent picture is shown over white, not over the colour its clear pixels hold', async () => {
  const tia = await signupAs(srv, 'Tia');
  for (const [what, bytes] of [['PNG', img.clearPng], ['lossless WebP', img.clearWebp]]) {
    const { avatar } = await acct.setAvatar(srv.base, tia.token, bytes);
    const px = firstPixel((await fetchAvatar(avatar)).buf);
    assert.ok(px.every((c) => c >= 245), `${what}: a clear pixel is white, got ${px}`);
  }
});

test('what is not a PNG, JPEG or WebP is refused whatever its Content-Type, and changes nothing', async () => {
  const bob = await signupAs(srv, 'Bob');
  const first = await acct.setAvatar(srv.base, bob.token, img.png);
  const cases = [
    [img.html, 'HTML sent as image/png'],
    [img.svg, 'SVG sent as image/png'],
    [img.png.subarray(0, 100), 'a truncated PNG'],
    [Buffer.concat([Buffer.from('\x89PNG\r\n\x1a\n', 'latin1'), Buffer.alloc(64)]), 'a PNG signature and zeros'],
    [img.jpeg.subarray(0, 3), 'three bytes of JPEG magic'],
    [img.huge, 'a 5000x4000 picture (over 4096x4096 pixels)'],
  ];
  for (const [body, what] of cases) {
    const res = await put(bob, body);
    assert.equal(res.status, 400, `${what}: ${JSON.stringify(res.body)}`);
    assert.equal(res.body.error.code, 'bad_image', what);
  }
  const empty = await put(bob, Buffer.alloc(0));
  assert.equal(empty.status, 400);
  assert.equal(empty.body.error.code, 'missing_field', 'an empty body');
  const big = await put(bob, Buffer.concat([img.png, Buffer.alloc(2 * 1024 * 1024)]));
  assert.equal(big.status, 413, 'over 2 MiB');
  assert.equal(big.body.error.code, 'too_large');
  assert.equal((await acct.profile(srv.base, null, bob.user.id)).avatar, first.avatar, 'the avatar is unchanged');
  assert.equal(dims((await fetchAvatar(first.avatar)).buf), 'mjpeg 256x256', 'and still served');
  assert.ok(srv.proc && !srv.exit, 'the server is still running');
});

test('avatar endpoints refuse guests, other methods and unknown people', async () => {
  const anon = await put(null, img.png);
  assert.equal(anon.status, 401);
  assert.equal(anon.body.error.code, 'unauthenticated');
  const anonBig = await put(null, Buffer.alloc(3 * 1024 * 1024));
  assert.equal(anonBig.status, 401, 'a big upload without a session is refused as such');
  const cy = await signupAs(srv, 'Cy');
  assert.equal((await rest(srv, 'POST', '/api/me/avatar', cy.token)).status, 405);
  assert.equal((await rest(srv, 'PUT', '/api/me', cy.token, {})).status, 405, 'PUT /api/me is not an upload');
  const none = await rest(srv, 'GET', `/api/users/${cy.user.id}/avatar`);
  assert.equal(none.status, 404);
  assert.equal(none.body.error.code, 'no_avatar');
  assert.equal((await rest(srv, 'GET', '/api/users/999999/avatar')).status, 404);
  assert.equal((await rest(srv, 'PUT', `/api/users/${cy.user.id}/avatar`, cy.token)).status, 405);
  assert.equal((await acct.profile(srv.base, null, cy.user.id)).avatar, null, 'no avatar: null');
});

test('listeners carry their avatar URL; deleting it and deleting the account remove it', async () => {
  const host = await signupAs(srv, 'Host');
  const dee = await signupAs(srv, 'Dee');
  const { avatar } = await acct.setAvatar(srv.base, dee.token, img.webp);
  const room = await roomOf(srv, host);
  const h = await sdkAs(srv, host);
  await h.join(room.id);
  const d = await sdkAs(srv, dee);
  const snap = await d.join(room.id);
  assert.equal(snap.listeners.find((u) => u.id === dee.user.id)?.avatar, avatar, 'in the snapshot');
  assert.equal(snap.listeners.find((u) => u.id === host.user.id)?.avatar, null, 'null without one');
  await until(() => h.room.listeners.some((u) => u.id === dee.user.id && u.avatar === avatar), 3000, 'the presence delta to carry it');

  assert.deepEqual(await acct.deleteAvatar(srv.base, dee.token), { avatar: null });
  assert.equal((await fetchAvatar(avatar)).status, 404, 'gone once deleted');
  const again = await acct.setAvatar(srv.base, dee.token, img.png);
  await acct.deleteMe(srv.base, dee.token, { password: dee.password });
  assert.equal((await fetchAvatar(again.avatar)).status, 404, 'gone with the account');
  await srv.restart();
  assert.equal((await fetchAvatar(again.avatar)).status, 404, 'and after a restart');
});

test('each later joiner sees the listeners as they are now: new picture, new name, gone when left', async () => {
  // the server reuses the encoded listener list between joins; every change must still show
  const host = await signupAs(srv, 'Host');
  const ria = await signupAs(srv, 'Ria');
  const room = await roomOf(srv, host);
  const h = await sdkAs(srv, host);
  await h.join(room.id);
  const r = await sdkAs(srv, ria);
  await r.join(room.id);
  // one onlooker joins and leaves again each time, so the list is the same people (the
  // cached case) unless Ria changed
  const kit = await signupAs(srv, 'Kit');
  const seen = async () => {
    const c = await sdkAs(srv, kit);
    const snap = await c.join(room.id);
    await c.leave();
    c.close();
    return snap.listeners.find((u) => u.id === ria.user.id) ?? null;
  };
  assert.deepEqual(await seen(), { id: ria.user.id, name: 'Ria', avatar: null });
  assert.deepEqual(await seen(), { id: ria.user.id, name: 'Ria', avatar: null }, 'unchanged between joins');
  const { avatar } = await acct.setAvatar(srv.base, ria.token, img.png);
  assert.equal((await seen()).avatar, avatar, 'a new picture');
  await acct.updateMe(srv.base, ria.token, { name: 'Ria B' });
  assert.equal((await seen()).name, 'Ria B', 'a new name');
  await acct.deleteAvatar(srv.base, ria.token);
  assert.equal((await seen()).avatar, null, 'the picture removed');
  await r.leave();
  await until(() => !h.room.listeners.some((u) => u.id === ria.user.id), 3000, 'the host to see Ria leave');
  assert.equal(await seen(), null, 'gone once left');
});

test('friends carry their avatar URL: GET /api/me/friends and the live friend message', async () => {
  const host = await signupAs(srv, 'Host');
  const fay = await signupAs(srv, 'Fay');
  const gus = await signupAs(srv, 'Gus');
  await acct.follow(srv.base, fay.token, gus.user.id);
  await acct.follow(srv.base, gus.token, fay.user.id);
  const { avatar } = await acct.setAvatar(srv.base, gus.token, img.jpeg);
  assert.deepEqual(await acct.friends(srv.base, fay.token), [{ user: { id: gus.user.id, name: 'Gus', avatar }, listening_in: null }]);
  assert.equal((await acct.friends(srv.base, gus.token))[0].user.avatar, null, 'null without one');
  const room = await roomOf(srv, host);
  const f = await sdkAs(srv, fay);
  const seen = [];
  f.on('message', (m) => m.type === 'friend' && seen.push(m));
  const g = await sdkAs(srv, gus);
  await g.join(room.id);
  const msg = await until(() => seen.find((m) => m.user.id === gus.user.id && m.listening_in), 3000, 'a friend message');
  assert.equal(msg.user.avatar, avatar, 'the friend message carries it too (clients replace their entry with it)');
  assert.equal((await fetchAvatar(avatar)).status, 200);
});

test('an avatar survives a restart', async () => {
  const eve = await signupAs(srv, 'Eve');
  const { avatar } = await acct.setAvatar(srv.base, eve.token, img.jpeg);
  const before = (await fetchAvatar(avatar)).buf;
  await srv.restart();
  const after = await fetchAvatar(avatar);
  assert.equal(after.status, 200);
  assert.ok(after.buf.equals(before), 'the same bytes');
  assert.equal((await acct.profile(srv.base, null, eve.user.id)).avatar, avatar);
});

test('a person\'s likes are public, paged, newest first, and private when they hide their activity', async () => {
  const fay = await signupAs(srv, 'Fay');
  const gus = await signupAs(srv, 'Gus');
  const tracks = (await srv.http('GET', '/api/tracks?limit=3')).body.tracks;
  assert.equal(tracks.length, 3, 'the test library has tracks');
  for (const t of tracks) {
    assert.equal((await rest(srv, 'PUT', `/api/me/likes/${t.id}`, fay.token)).status, 200);
  }
  const all = await acct.userLikes(srv.base, gus.token, fay.user.id);
  assert.equal(all.total, 3);
  assert.deepEqual(all.tracks.map((l) => l.track.id), tracks.map((t) => t.id).reverse(), 'newest first');
  const page = await acct.userLikes(srv.base, null, fay.user.id, { offset: 1, limit: 1 });
  assert.deepEqual(page.tracks.map((l) => l.track.id), [tracks[1].id], 'a guest reads the second page of one');
  assert.equal(page.offset, 1);
  assert.equal((await acct.userLikes(srv.base, null, fay.user.id, { offset: 5 })).tracks.length, 0, 'past the end: empty');
  for (const q of ['offset=-1', 'offset=x', 'limit=0', 'limit=abc']) {
    const res = await rest(srv, 'GET', `/api/users/${fay.user.id}/likes?${q}`);
    assert.equal(res.status, 400, q);
    assert.equal(res.body.error.code, 'bad_field', q);
  }
  assert.equal((await rest(srv, 'POST', `/api/users/${fay.user.id}/likes`, gus.token)).status, 405);
  assert.equal((await rest(srv, 'GET', '/api/users/999999/likes')).status, 404);

  await acct.updateMe(srv.base, fay.token, { hide_activity: true });
  await refused(acct.userLikes(srv.base, gus.token, fay.user.id), 'not_allowed', 'another person, once hidden');
  await refused(acct.userLikes(srv.base, null, fay.user.id), 'not_allowed', 'a guest, once hidden');
  assert.equal((await acct.userLikes(srv.base, fay.token, fay.user.id)).total, 3, 'she still sees her own');
});
