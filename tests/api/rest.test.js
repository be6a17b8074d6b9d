// rest.test.js - the REST API: health, time, rooms, tracks, covers and /media with ranges.
// SPDX-License-Identifier: GPL-3.0-or-later
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, afterEach, before } from 'node:test';
import { allTracks, client, closeAll, owner, rawHttp, Server, test, until } from './harness.js';

let srv;
let tracks;
let auth; // {authorization: 'Bearer …'} of an account: only accounts create rooms
before(async () => {
  srv = await Server.start();
  tracks = await allTracks(srv);
  auth = { authorization: `Bearer ${(await owner(srv)).token}` };
});
const post = (body) => srv.http('POST', '/api/rooms', { body, headers: auth });
afterEach(closeAll);
after(async () => {
  await closeAll();
  await srv?.dispose();
});

function isError(res, status, code) {
  assert.equal(res.status, status, `${status} expected: ${res.status} ${JSON.stringify(res.body)}`);
  assert.equal(typeof res.body, 'object', `JSON error body: ${res.body}`);
  assert.equal(res.body.error?.code, code, JSON.stringify(res.body));
  assert.equal(typeof res.body.error.message, 'string');
  assert.match(res.headers.get('content-type') ?? '', /application\/json/);
}

test('GET /api/health and /api/time', async () => {
  const h = await srv.http('GET', '/api/health');
  assert.equal(h.status, 200);
  assert.equal(h.body.ok, true);
  assert.equal(typeof h.body.version, 'string');
  const t = await srv.http('GET', '/api/time');
  assert.equal(t.status, 200);
  assert.ok(Math.abs(t.body.server_time - Date.now()) < 1000, `server_time ${t.body.server_time}`);
});

test('POST /api/rooms creates a room that GET /api/rooms and /api/rooms/:id show', async () => {
  const res = await post({ name: 'Jazz 🎷', description: 'late night', tags: ['jazz', 'chill'] });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  const room = res.body.room;
  assert.ok(Number.isInteger(room.id));
  assert.equal(room.name, 'Jazz 🎷');
  assert.equal(room.description, 'late night');
  assert.deepEqual(room.tags, ['jazz', 'chill']);

  const one = await srv.http('GET', `/api/rooms/${room.id}`);
  assert.equal(one.status, 200);
  assert.equal(one.body.room.id, room.id);
  assert.equal(one.body.room.name, 'Jazz 🎷');
  assert.deepEqual(one.body.room.tags, ['jazz', 'chill']);

  const playing = async () => (await srv.http('GET', `/api/rooms/${room.id}`)).body.room?.now_playing;
  await until(playing, 3000, 'the new room to start playing');
  const a = await client(srv, 'Ada');
  await a.join(room.id);
  const list = await srv.http('GET', '/api/rooms');
  assert.equal(list.status, 200);
  const r = list.body.rooms.find((x) => x.id === room.id);
  assert.ok(r, 'the new room is listed');
  assert.equal(r.name, 'Jazz 🎷');
  assert.equal(r.description, 'late night');
  assert.deepEqual(r.tags, ['jazz', 'chill']);
  assert.equal(r.listeners, 1);
  assert.equal(r.now_playing?.id, a.room.nowPlaying.track.id);

  const minimal = await post({ name: 'Bare' });
  assert.equal(minimal.status, 201);
  assert.equal(minimal.body.room.name, 'Bare');
  assert.deepEqual(minimal.body.room.tags ?? [], []);

  // the SDK's REST helpers see the same; creating needs an account's session
  assert.ok((await a.listRooms()).some((x) => x.id === room.id));
  assert.equal((await a.getRoom(room.id)).name, 'Jazz 🎷');
  await assert.rejects(a.createRoom({ name: 'Guest room' }), (e) => e.status === 401 && e.code === 'unauthenticated');
  const o = await client(srv, undefined, { session: (await owner(srv)).token });
  const made = await o.createRoom({ name: 'Via SDK', tags: ['x'] });
  assert.equal(made.name, 'Via SDK');
});

test('POST /api/rooms errors: bad_json, missing_field, bad_field, too_long, too_large', async () => {
  isError(await post('{"name": '), 400, 'bad_json');
  isError(await post({}), 400, 'missing_field');
  isError(await post({ description: 'no name' }), 400, 'missing_field');
  isError(await post({ name: 5 }), 400, 'bad_field');
  isError(await post({ name: 'ok', tags: 'jazz' }), 400, 'bad_field');
  isError(await post({ name: 'ok', tags: [1] }), 400, 'bad_field');
  isError(await post({ name: 'ok', description: 3 }), 400, 'bad_field');
  // A JSON body that is not an object: the REST table lists bad_field, the WS table calls the
  // same mistake bad_message; either tells the user what is wrong.
  const arr = await post('[1]');
  assert.equal(arr.status, 400);
  assert.ok(['bad_field', 'bad_message'].includes(arr.body.error?.code), JSON.stringify(arr.body));
  isError(await post({ name: 'n'.repeat(81) }), 400, 'too_long'); // room names: at most 80
  isError(await post({ name: 'x', description: 'd'.repeat(70 * 1024) }), 413, 'too_large');
  const empty = await post({ name: '   ' });
  assert.equal(empty.status, 400, JSON.stringify(empty.body));
  assert.ok(['bad_field', 'missing_field'].includes(empty.body.error?.code));
  isError(await srv.http('POST', '/api/rooms', { body: { name: 'guest' } }), 401, 'unauthenticated');
});

// Regression: a chunked body was taken for the next request on the connection (lws 4.1.6 does not
// read chunked request bodies), and Content-Length with Transfer-Encoding was accepted, the two
// framings disagreeing on where the request ends.
test('Transfer-Encoding: chunked answers 411, with Content-Length too 400; nothing after is a request', async () => {
  const head = `POST /api/rooms HTTP/1.1\r\nHost: 127.0.0.1:${srv.port}\r\n${'Authorization'}: ${auth.authorization}\r\nContent-Type: application/json\r\n`;
  const smuggled = `GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n`;
  const body = '{"name":"smuggled"}';
  const chunked = `${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`;
  let res = await rawHttp(srv, `${head}Transfer-Encoding: chunked\r\n\r\n${chunked}${smuggled}`);
  assert.equal(res.responses.length, 1, res.raw);
  assert.equal(res.responses[0].status, 411);
  assert.equal(JSON.parse(res.responses[0].body).error.code, 'length_required');
  assert.equal(res.responses[0].headers.connection, 'close');
  res = await rawHttp(srv, `${head}Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${smuggled}`);
  assert.equal(res.responses.length, 1, res.raw);
  assert.equal(res.responses[0].status, 400);
  assert.equal(JSON.parse(res.responses[0].body).error.code, 'bad_request');
  const rooms = await srv.http('GET', '/api/rooms');
  assert.ok(!JSON.stringify(rooms.body).includes('smuggled'), 'no room was made');
  // keep-alive still works for well-framed requests
  res = await rawHttp(srv, `GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n${smuggled}`, { ms: 500 });
  assert.equal(res.responses.length, 2);
});

test('GET /api/rooms/:id of an unknown room is 404 no_such_room; other errors', async () => {
  isError(await srv.http('GET', '/api/rooms/987654'), 404, 'no_such_room');
  isError(await srv.http('GET', '/api/no/such/thing'), 404, 'not_found');
  isError(await srv.http('DELETE', '/api/rooms'), 405, 'method_not_allowed');
  isError(await srv.http('PUT', '/api/tracks/1'), 405, 'method_not_allowed');
});

test('GET /api/tracks lists, searches and limits; /api/tracks/:id; 404 no_such_track', async () => {
  assert.ok(tracks.length >= 4);
  for (const t of tracks) {
    assert.ok(Number.isInteger(t.id));
    assert.equal(t.url, `/media/${t.id}`);
    assert.equal(t.source, 'local');
    assert.ok(t.duration_ms > 0);
  }
  const all = await srv.http('GET', '/api/tracks');
  assert.equal(all.status, 200);
  assert.deepEqual(all.body.tracks.map((t) => t.id).sort(), tracks.map((t) => t.id).sort());
  const two = await srv.http('GET', '/api/tracks?q=&limit=2');
  assert.equal(two.body.tracks.length, 2);
  const t = tracks[tracks.length - 1];
  const found = await srv.http('GET', `/api/tracks?q=${encodeURIComponent(t.artist.toUpperCase())}`);
  assert.ok(found.body.tracks.some((x) => x.id === t.id), 'search ignores case');
  const none = await srv.http('GET', '/api/tracks?q=zzqqxx-no-such-thing');
  assert.deepEqual(none.body.tracks, []);

  const one = await srv.http('GET', `/api/tracks/${t.id}`);
  assert.equal(one.status, 200);
  assert.deepEqual(one.body.track, t);
  const a = await client(srv, 'Ada');
  assert.deepEqual(await a.getTrack(t.id), t);
  isError(await srv.http('GET', '/api/tracks/987654'), 404, 'no_such_track');
  await assert.rejects(a.getTrack(987654), (e) => e.code === 'no_such_track' && e.status === 404);
});

test('covers: a track with cover serves an image, one without is 404 no_cover', async () => {
  for (const t of tracks) {
    const res = await fetch(`${srv.base}/api/tracks/${t.id}/cover`);
    if (t.cover === null) {
      assert.equal(res.status, 404, `track ${t.id} has no cover`);
      assert.equal((await res.json()).error.code, 'no_cover');
    } else {
      assert.equal(t.cover, `/api/tracks/${t.id}/cover`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type'), /^image\//);
      assert.ok((await res.arrayBuffer()).byteLength > 0);
    }
  }
  const res = await fetch(`${srv.base}/api/tracks/987654/cover`);
  assert.equal(res.status, 404);
});

function libraryFiles() {
  return fs
    .readdirSync(srv.library, { recursive: true })
    .map((f) => path.join(srv.library, String(f)))
    .filter((f) => fs.statSync(f).isFile() && !path.basename(f).startsWith('.'));
}

test('/media/:id serves the file; HEAD; Accept-Ranges', async () => {
  const files = libraryFiles().map((f) => fs.readFileSync(f));
  for (const t of tracks) {
    const res = await fetch(srv.base + t.url);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('accept-ranges'), 'bytes');
    assert.match(res.headers.get('content-type') ?? '', /^audio\//);
    const body = Buffer.from(await res.arrayBuffer());
    assert.equal(Number(res.headers.get('content-length')), body.length);
    assert.ok(files.some((f) => f.equals(body)), `track ${t.id}: the bytes of a library file`);
    const head = await fetch(srv.base + t.url, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-length'), String(body.length));
    assert.equal(head.headers.get('accept-ranges'), 'bytes');
    assert.equal((await head.arrayBuffer()).byteLength, 0);
  }
  const missing = await fetch(`${srv.base}/media/987654`);
  assert.equal(missing.status, 404);
});

test('/media/:id ranges: 206 with Content-Range; 416 when unsatisfiable', async () => {
  const t = tracks[0];
  const full = Buffer.from(await (await fetch(srv.base + t.url)).arrayBuffer());
  const size = full.length;
  assert.ok(size > 300);
  const get = async (range, method = 'GET') => {
    const res = await fetch(srv.base + t.url, { method, headers: { Range: range } });
    return { res, body: Buffer.from(await res.arrayBuffer()) };
  };
  const cases = [
    ['bytes=0-99', 0, 99],
    ['bytes=100-', 100, size - 1],
    ['bytes=-50', size - 50, size - 1],
    [`bytes=${size - 1}-${size - 1}`, size - 1, size - 1],
    [`bytes=10-${size + 1000}`, 10, size - 1],
  ];
  // the server reads files in 64 KiB chunks: a range across chunk edges
  if (size > 200000) cases.push(['bytes=65530-196620', 65530, 196620]);
  for (const [range, a, b] of cases) {
    const { res, body } = await get(range);
    assert.equal(res.status, 206, range);
    assert.equal(res.headers.get('content-range'), `bytes ${a}-${b}/${size}`, range);
    assert.equal(res.headers.get('content-length'), String(b - a + 1), range);
    assert.equal(res.headers.get('accept-ranges'), 'bytes');
    assert.ok(body.equals(full.subarray(a, b + 1)), `${range}: the right bytes`);
  }
  for (const range of [`bytes=${size}-`, `bytes=${size + 10}-${size + 20}`]) {
    const { res } = await get(range);
    assert.equal(res.status, 416, range);
    assert.equal(res.headers.get('content-range'), `bytes */${size}`, range);
  }
});

// Files are read on a worker while the response is sent: clients that leave mid-file, and
// several at once, must leave the server serving the right bytes.
test('/media/:id: downloads abandoned halfway and side by side leave every byte right', async () => {
  const t = tracks.reduce((a, b) => (b.duration_ms > a.duration_ms ? b : a));
  const full = Buffer.from(await (await fetch(srv.base + t.url)).arrayBuffer());
  assert.ok(full.length > 3 * 65536, `a file of several chunks (${full.length} bytes)`);
  for (let i = 0; i < 8; i++) {
    const ac = new AbortController();
    const res = await fetch(srv.base + t.url, { signal: ac.signal });
    const reader = res.body.getReader();
    await reader.read();
    ac.abort();
    await reader.read().catch(() => {});
  }
  const bodies = await Promise.all(
    Array.from({ length: 6 }, async () => Buffer.from(await (await fetch(srv.base + t.url)).arrayBuffer())),
  );
  for (const b of bodies) assert.ok(b.equals(full), 'the same bytes for everyone');
  assert.equal((await fetch(`${srv.base}/api/health`)).status, 200);
});
