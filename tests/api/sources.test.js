// sources.test.js - other sources over REST: playlist import (M3U, PLS, XSPF) into a room's
// queue, and HTTP stream URLs as tracks, played from a local HTTP server this test starts
// (loopback only). What a listener sees: the entries that were queued, the ones that were not
// and why, and a live stream playing from its own URL.
// SPDX-License-Identifier: GPL-3.0-or-later
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before } from 'node:test';
import { closeAll, library, raw, Server, test, until } from './harness.js';

let srv, dir, radio, radioUrl, token, roomId, ws;
let radioHits = 0;
const FF = ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y'];
const ffmpeg = (...a) => execFileSync('ffmpeg', [...FF, ...a], { stdio: ['ignore', 'ignore', 'inherit'] });

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'soundroom-src-'));
  fs.mkdirSync(path.join(dir, 'Tide Pool', 'Low Water'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'Other'));
  ffmpeg('-f', 'lavfi', '-i', 'sine=f=440:d=6', '-c:a', 'flac', '-metadata', 'title=Glass Harbour',
    '-metadata', 'artist=Tide Pool', path.join(dir, 'Tide Pool', 'Low Water', '01 Glass Harbour.flac'));
  ffmpeg('-f', 'lavfi', '-i', 'sine=f=550:d=5', '-c:a', 'libvorbis', '-metadata:s:a:0', 'title=Salt Marsh',
    '-metadata:s:a:0', 'artist=The Tide Pool', path.join(dir, 'Other', 'Salt Marsh.ogg'));
  const demo = library();
  const ogg = fs.readdirSync(demo, { recursive: true }).map(String).find((f) => f.endsWith('.ogg'));
  fs.copyFileSync(path.join(demo, ogg), path.join(dir, 'long.ogg'));
  ffmpeg('-f', 'lavfi', '-i', 'sine=f=330:d=4', '-c:a', 'libmp3lame', '-b:a', '64k', path.join(os.tmpdir(), `radio-${process.pid}.mp3`));
  const chunk = fs.readFileSync(path.join(os.tmpdir(), `radio-${process.pid}.mp3`));
  fs.rmSync(path.join(os.tmpdir(), `radio-${process.pid}.mp3`));
  // an "internet radio": an endless MP3 stream on loopback, counting who asks for it
  radio = http.createServer((req, res) => {
    radioHits++;
    res.writeHead(200, { 'content-type': 'audio/mpeg', 'icy-name': 'Loopback FM', 'cache-control': 'no-cache' });
    const timer = setInterval(() => res.write(chunk), 200);
    res.write(chunk);
    req.on('close', () => clearInterval(timer));
  });
  await new Promise((r) => radio.listen(0, '127.0.0.1', r));
  radioUrl = `http://127.0.0.1:${radio.address().port}/live.mp3`;
  srv = await Server.start({ args: ['--library', dir] });
  const su = await srv.http('POST', '/api/auth/signup', { body: { username: 'importer', password: 'correct horse' } });
  assert.equal(su.status, 201, JSON.stringify(su.body));
  token = su.body.token;
  const room = await auth('POST', '/api/rooms', { name: 'Imports' });
  assert.equal(room.status, 201, JSON.stringify(room.body));
  roomId = room.body.room.id;
  ws = await raw(srv);
  assert.equal((await ws.call({ type: 'hello', session: token })).type, 'welcome');
  const snap = await ws.call({ type: 'join', room: roomId });
  assert.equal(snap.type, 'snapshot');
});
after(async () => {
  ws?.close();
  await closeAll();
  await srv?.dispose();
  radio?.closeAllConnections?.();
  await new Promise((r) => (radio ? radio.close(r) : r()));
  fs.rmSync(dir, { recursive: true, force: true });
});

function auth(method, p, body) {
  return srv.http(method, p, { body, headers: { authorization: `Bearer ${token}` } });
}
const importInto = (room, body) => auth('POST', `/api/rooms/${room}/import`, body);

test('M3U: paths relative to the library root, artist + title, URLs; unknown entries reported', async () => {
  const m3u = [
    '\uFEFF#EXTM3U',
    '#EXTINF:6,Tide Pool - Glass Harbour',
    'Tide Pool\\Low Water\\01 Glass Harbour.flac', // a Windows-made list, relative to the root
    '#EXTINF:5,Tide Pool - Salt Marsh', // not where the list says: found by artist + title
    'D:/Music/elsewhere/salt.mp3',
    '# a comment line',
    'missing/nothing.mp3',
    '../../../../etc/passwd',
    `#EXTINF:-1,Loopback FM`,
    radioUrl,
    'rtsp://camera.example/feed',
    '#EXTINF:3,Nobody - Nothing Like This',
    'nope.flac',
    '#EXTINF:6,Tide Pool - Glass', // a near miss: candidates, none the same song
    'glass.flac',
  ].join('\r\n');
  const res = await importInto(roomId, { playlist: m3u, name: 'mix.m3u8' });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.format, 'm3u');
  assert.equal(res.body.entries, 8);
  assert.deepEqual(res.body.added.map((a) => [a.index, a.track.title]), [
    [0, 'Glass Harbour'],
    [1, 'Salt Marsh'],
    [4, 'Loopback FM'],
  ]);
  assert.equal(res.body.added[2].track.source, 'stream');
  assert.deepEqual(res.body.unresolved.map((u) => [u.index, u.location, u.reason]), [
    [2, 'missing/nothing.mp3', 'not_found'],
    [3, '../../../../etc/passwd', 'not_found'],
    [5, 'rtsp://camera.example/feed', 'unsupported'],
    [6, 'nope.flac', 'not_found'],
    [7, 'glass.flac', 'no_match'],
  ]);
  assert.equal(res.body.unresolved[3].title, 'Nothing Like This');
  assert.equal(res.body.unresolved[3].artist, 'Nobody');
  // the room saw the three entries, durable before the answer, in playlist order
  const ids = [];
  for (let i = 0; i < 3; i++) ids.push((await ws.next((m) => m.type === 'entry_added', 3000)).entry);
  assert.deepEqual(ids.map((e) => e.id), res.body.added.map((a) => a.entry));
  assert.deepEqual(ids.map((e) => e.track.title), ['Glass Harbour', 'Salt Marsh', 'Loopback FM']);
  const room = (await srv.http('GET', `/api/rooms/${roomId}`)).body.room;
  assert.equal(room.queue_length, 3);
  assert.equal(radioHits, 0, 'the server never fetches a stream itself');
});

test('PLS with file:// URLs and XSPF with creator/title are queued too', async () => {
  const pls = `[playlist]\nNumberOfEntries=2\nFile1=file://${encodeURI(path.join(dir, 'Other', 'Salt Marsh.ogg'))}\n` +
    'Title1=whatever\nFile2=Low Water/01 Glass Harbour.flac\nVersion=2\n';
  const a = await importInto(roomId, { playlist: pls });
  assert.equal(a.status, 200, JSON.stringify(a.body));
  assert.equal(a.body.format, 'pls');
  assert.deepEqual(a.body.added.map((x) => x.track.title), ['Salt Marsh', 'Glass Harbour']);
  const xspf = `<?xml version="1.0" encoding="UTF-8"?>
<playlist version="1" xmlns="http://xspf.org/ns/0/"><title>Shore</title><trackList>
 <track><location>http://nowhere.invalid/x%20y.flac</location><creator>tide pool</creator><title>GLASS HARBOUR</title><duration>6000</duration></track>
 <track><location>Other/Salt%20Marsh.ogg</location></track>
</trackList></playlist>`;
  const b = await importInto(roomId, { playlist: xspf, format: 'xspf' });
  assert.equal(b.status, 200, JSON.stringify(b.body));
  assert.equal(b.body.title, 'Shore');
  // an http location is a stream track, but this one is the same song (artist, title and
  // length) as a library file: one track for votes and plays, so the canonical local copy is
  // queued. Percent-encoded relative URIs are decoded.
  assert.deepEqual(b.body.added.map((x) => [x.index, x.track.source, x.track.title]), [
    [0, 'local', 'Glass Harbour'],
    [1, 'local', 'Salt Marsh'],
  ]);
});

test('import errors: sign-in, room, body, playlist syntax with its byte offset', async () => {
  const pl = { playlist: 'a.mp3\n' };
  assert.equal((await srv.http('POST', `/api/rooms/${roomId}/import`, { body: pl })).status, 401);
  const nope = await importInto(999999, pl);
  assert.equal(nope.status, 404);
  assert.equal(nope.body.error.code, 'no_such_room');
  assert.equal((await auth('GET', `/api/rooms/${roomId}/import`)).status, 405);
  const missing = await importInto(roomId, { format: 'm3u' });
  assert.equal(missing.body.error.code, 'missing_field');
  const fmt = await importInto(roomId, { playlist: 'a', format: 'wpl' });
  assert.equal(fmt.status, 400);
  assert.equal(fmt.body.error.code, 'bad_field');
  const broken = await importInto(roomId, { playlist: '<playlist><trackList><track></trackList></playlist>' });
  assert.equal(broken.status, 400);
  assert.equal(broken.body.error.code, 'bad_playlist');
  assert.equal(broken.body.error.kind, 'syntax');
  assert.equal(broken.body.error.pos, 28);
  assert.match(broken.body.error.message, /^xspf: a closing tag that does not match at byte 28$/);
  const pls = await importInto(roomId, { playlist: 'File1=a.mp3', format: 'pls' });
  assert.equal(pls.body.error.kind, 'not_playlist');
  const empty = await importInto(roomId, { playlist: '#EXTM3U\n# nothing\n' });
  assert.equal(empty.status, 400);
  assert.equal(empty.body.error.code, 'empty_playlist');
});

test('a stream URL becomes a live track; the room plays it from its own URL', async () => {
  const bad = [
    [{ title: 'x' }, 'missing_field'],
    [{ url: 'ftp://127.0.0.1/a.mp3' }, 'bad_url'],
    [{ url: 'javascript:alert(1)' }, 'bad_url'],
    [{ url: 'http://user:secret@127.0.0.1/a.mp3' }, 'bad_url'],
    [{ url: 'http://127.0.0.1:99999/a' }, 'bad_url'],
    [{ url: 'http:///nohost' }, 'bad_url'],
    [{ url: 'http://127.0.0.1/a b' }, 'bad_url'],
    [{ url: `http://127.0.0.1/${'a'.repeat(2100)}` }, 'too_long'],
    [{ url: radioUrl, title: 't'.repeat(201) }, 'too_long'],
    [{ url: radioUrl, title: 'a\u0007b' }, 'bad_field'],
    [{ url: radioUrl, room: 'one' }, 'bad_field'],
  ];
  for (const [body, code] of bad) {
    const res = await auth('POST', '/api/library/streams', body);
    assert.equal(res.status, 400, `${JSON.stringify(body).slice(0, 80)} -> ${res.status}`);
    assert.equal(res.body.error.code, code, JSON.stringify(body).slice(0, 80));
  }
  assert.equal((await srv.http('POST', '/api/library/streams', { body: { url: radioUrl } })).status, 401);
  // once durable, the stream is in the library and in the room's queue
  const res = await auth('POST', '/api/library/streams', { url: radioUrl, title: 'Loopback FM Live', room: roomId });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  const t = res.body.track;
  assert.equal(t.source, 'stream');
  assert.equal(t.url, radioUrl);
  assert.equal(t.ref, radioUrl);
  assert.equal(t.live, true);
  assert.equal(t.duration_ms, 0);
  assert.equal(t.title, 'Loopback FM Live');
  assert.equal(t.cover, null);
  const added = await ws.next((m) => m.type === 'entry_added' && m.entry.id === res.body.entry, 3000);
  assert.equal(added.entry.track.url, radioUrl);
  // the same URL again is the same track
  const again = await auth('POST', '/api/library/streams', { url: radioUrl });
  assert.equal(again.body.track.id, t.id);
  assert.equal((await srv.http('GET', `/api/tracks/${t.id}`)).body.track.url, radioUrl);
  // clear what the earlier imports queued, vote the stream to the top and skip to it
  const snap = await ws.call({ type: 'join', room: roomId });
  for (const e of snap.queue) if (e.id !== res.body.entry) await ws.call({ type: 'queue_remove', room: roomId, entry: e.id });
  const np = ws.next((m) => m.type === 'now_playing' && m.track.id === t.id, 5000);
  await ws.call({ type: 'skip', room: roomId, value: true });
  const now = await np;
  assert.equal(now.track.url, radioUrl);
  assert.equal(now.track.live, true);
  // a live stream is not over after a moment (its slot is 15 minutes unless skipped)
  await new Promise((r) => setTimeout(r, 1200));
  const still = (await srv.http('GET', `/api/rooms/${roomId}`)).body.room.now_playing;
  assert.equal(still.track.id, t.id);
  // what a listener's player does with it: the URL answers with audio
  assert.equal(radioHits, 0);
  const ctl = new AbortController();
  const audio = await fetch(now.track.url, { signal: ctl.signal });
  assert.equal(audio.status, 200);
  assert.equal(audio.headers.get('content-type'), 'audio/mpeg');
  const reader = audio.body.getReader();
  const { value } = await reader.read();
  assert.ok(value.length > 0);
  ctl.abort();
  await until(() => radioHits === 1, 1000, 'the one listener request');
});
