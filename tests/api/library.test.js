// library.test.js - the music library over REST and WebSocket: scan at start, browse and
// full-text search, covers with thumbnails, media validators, inotify pick-up, and a queued
// track whose file disappears being skipped with a notice while the room plays on.
// SPDX-License-Identifier: GPL-3.0-or-later
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before } from 'node:test';
import { closeAll, library, raw, Server, test, until } from './harness.js';

let srv;
let dir;
const FF = ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y'];

function ffmpeg(...args) {
  execFileSync('ffmpeg', [...FF, ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
}

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'soundroom-lib-'));
  fs.mkdirSync(path.join(dir, 'Album'));
  ffmpeg('-f', 'lavfi', '-i', 'sine=f=440:d=6', '-c:a', 'flac', '-metadata', 'title=Glass Harbour',
    '-metadata', 'artist=Tide Pool', '-metadata', 'album=Low Water', '-metadata', 'genre=Ambient',
    '-metadata', 'date=2019', '-metadata', 'track=2', path.join(dir, 'Album', 'two.flac'));
  ffmpeg('-f', 'lavfi', '-i', 'sine=f=550:d=6', '-c:a', 'libvorbis', '-metadata:s:a:0', 'title=Salt Marsh',
    '-metadata:s:a:0', 'artist=Tide Pool', '-metadata:s:a:0', 'album=Low Water',
    '-metadata:s:a:0', 'genre=Ambient', path.join(dir, 'Album', 'one.ogg'));
  ffmpeg('-f', 'lavfi', '-i', 'testsrc=s=300x200:d=1', '-frames:v', '1', path.join(dir, 'Album', 'folder.jpg'));
  // something long to be playing while we queue
  const demo = library();
  const ogg = fs.readdirSync(demo, { recursive: true }).map(String).find((f) => f.endsWith('.ogg'));
  fs.copyFileSync(path.join(demo, ogg), path.join(dir, 'long.ogg'));
  srv = await Server.start({ args: ['--library', dir] });
});
after(async () => {
  await closeAll();
  await srv?.dispose();
  fs.rmSync(dir, { recursive: true, force: true });
});

const byTitle = async (title) => (await srv.http('GET', `/api/tracks?q=${encodeURIComponent(title)}`)).body.tracks.find((t) => t.title === title);

test('the start-up scan fills the library with tags; browse and filters', async () => {
  const st = await srv.http('GET', '/api/library');
  assert.equal(st.status, 200);
  assert.equal(st.body.tracks, 3);
  assert.ok(st.body.scans >= 1);
  const two = await byTitle('Glass Harbour');
  assert.equal(two.artist, 'Tide Pool');
  assert.equal(two.genre, 'Ambient');
  assert.equal(two.year, 2019);
  assert.equal(two.track_no, 2);
  assert.equal(two.cover, `/api/tracks/${two.id}/cover`, 'folder.jpg stands in for a missing embedded picture');
  assert.deepEqual((await srv.http('GET', '/api/library/genres')).body.genres, [{ name: 'Ambient', tracks: 2 }]);
  const albums = (await srv.http('GET', '/api/library/albums?artist=tide%20pool')).body.albums;
  assert.equal(albums.length, 1);
  assert.equal(albums[0].name, 'Low Water');
  assert.equal(albums[0].tracks, 2);
  const years = (await srv.http('GET', '/api/library/years')).body.years;
  assert.ok(years.some((y) => y.year === 2019 && y.tracks === 1));
  const filtered = (await srv.http('GET', '/api/tracks?genre=ambient&year=2019')).body.tracks;
  assert.deepEqual(filtered.map((t) => t.title), ['Glass Harbour']);
  const prefix = (await srv.http('GET', '/api/tracks?q=harb')).body.tracks;
  assert.deepEqual(prefix.map((t) => t.title), ['Glass Harbour'], 'words match as prefixes');
  assert.equal((await srv.http('GET', '/api/tracks?year=abc')).status, 400);
});

test('cover thumbnail: a JPEG no larger than asked, cached with a validator', async () => {
  const t = await byTitle('Salt Marsh');
  const res = await fetch(`${srv.base}/api/tracks/${t.id}/cover?size=64`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'image/jpeg');
  assert.match(res.headers.get('cache-control'), /max-age/);
  const buf = Buffer.from(await res.arrayBuffer());
  // the SOF0 marker holds height and width
  const sof = buf.indexOf(Buffer.from([0xff, 0xc0]));
  assert.ok(sof > 0, 'a baseline JPEG');
  const h = buf.readUInt16BE(sof + 5), w = buf.readUInt16BE(sof + 7);
  assert.deepEqual([w, h], [64, 42], '300x200 scaled to fit 64x64');
  const etag = res.headers.get('etag');
  assert.ok(etag);
  const again = await fetch(`${srv.base}/api/tracks/${t.id}/cover?size=64`, { headers: { 'if-none-match': etag } });
  assert.equal(again.status, 304);
  assert.equal((await srv.http('GET', `/api/tracks/${t.id}/cover?size=5`)).status, 400);
  const full = await fetch(`${srv.base}/api/tracks/${t.id}/cover`);
  assert.equal(full.status, 200);
  assert.deepEqual(Buffer.from(await full.arrayBuffer()), fs.readFileSync(path.join(dir, 'Album', 'folder.jpg')));
});

test('media: content types, ETag/Last-Modified, If-Range', async () => {
  const t = await byTitle('Glass Harbour');
  const head = await fetch(`${srv.base}${t.url}`, { method: 'HEAD' });
  assert.equal(head.headers.get('content-type'), 'audio/flac');
  const etag = head.headers.get('etag');
  const lm = head.headers.get('last-modified');
  assert.match(etag, /^"[0-9a-f]+-[0-9a-f]+"$/);
  assert.match(lm, /GMT$/);
  const size = fs.statSync(path.join(dir, 'Album', 'two.flac')).size;
  const r1 = await fetch(`${srv.base}${t.url}`, { headers: { range: 'bytes=10-19', 'if-range': etag } });
  assert.equal(r1.status, 206);
  assert.equal(r1.headers.get('content-range'), `bytes 10-19/${size}`);
  const r2 = await fetch(`${srv.base}${t.url}`, { headers: { range: 'bytes=10-19', 'if-range': lm } });
  assert.equal(r2.status, 206, 'a date validator works too');
  const r3 = await fetch(`${srv.base}${t.url}`, { headers: { range: 'bytes=10-19', 'if-range': '"stale"' } });
  assert.equal(r3.status, 200, 'a stale validator gets the whole file');
  assert.equal(Number(r3.headers.get('content-length')), size);
  await r1.arrayBuffer(); await r2.arrayBuffer(); await r3.arrayBuffer();
  const ogg = await byTitle('Salt Marsh');
  assert.equal((await fetch(`${srv.base}${ogg.url}`, { method: 'HEAD' })).headers.get('content-type'), 'audio/ogg');
});

test('rescan is refused through a proxy; a new file appears without a restart (inotify)', async () => {
  const fwd = await srv.http('POST', '/api/library/rescan', { headers: { 'x-forwarded-for': '203.0.113.9' } });
  assert.equal(fwd.status, 403);
  assert.equal(fwd.body.error.code, 'forbidden');
  const ok = await srv.http('POST', '/api/library/rescan');
  assert.equal(ok.status, 202);
  ffmpeg('-f', 'lavfi', '-i', 'sine=f=660:d=2', '-c:a', 'libopus', '-metadata:s:a:0', 'title=Late Arrival',
    path.join(os.tmpdir(), `late-${process.pid}.opus`));
  fs.renameSync(path.join(os.tmpdir(), `late-${process.pid}.opus`), path.join(dir, 'Album', 'late.opus'));
  const t = await until(() => byTitle('Late Arrival'), 8000, 'the new file to be found');
  assert.equal(t.source, 'local');
});

test('a queued track whose file is gone is skipped with a notice; the room plays on', async () => {
  const gone = await byTitle('Salt Marsh');
  const next = await byTitle('Glass Harbour');
  const ws = await raw(srv);
  const send = (m) => ws.send(JSON.stringify(m));
  send({ type: 'hello', name: 'Lib', ref: 1 });
  await ws.next((m) => m.type === 'welcome');
  send({ type: 'join', room: 1, ref: 2 });
  await ws.next((m) => m.type === 'snapshot');
  send({ type: 'queue_add', room: 1, track: gone.id, ref: 3 });
  await ws.next((m) => m.ref === 3 && m.type === 'ack');
  send({ type: 'queue_add', room: 1, track: next.id, ref: 4 });
  await ws.next((m) => m.ref === 4 && m.type === 'ack');
  fs.rmSync(path.join(dir, 'Album', 'one.ogg'));
  await until(async () => !(await byTitle('Salt Marsh')), 8000, 'the removed file to leave the library');
  send({ type: 'skip', room: 1, value: true, ref: 5 });
  const notice = await ws.next((m) => m.type === 'notice', 5000);
  assert.equal(notice.code, 'track_unavailable');
  assert.equal(notice.track.id, gone.id);
  assert.match(notice.text, /Salt Marsh/);
  const removed = await ws.next((m) => m.type === 'entry_removed', 5000);
  assert.equal(removed.reason, 'unplayable');
  const np = await ws.next((m) => m.type === 'now_playing', 5000);
  assert.equal(np.track.id, next.id, 'the next entry plays');
  ws.close();
});
