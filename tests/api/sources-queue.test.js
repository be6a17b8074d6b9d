// sources-queue.test.js - queuing a stream URL or an external service's track straight from the
// WebSocket (queue_add with "stream" or "external") and over REST (POST /api/library/external):
// what the listener sees in the ack, the entry_added delta and now_playing; the error codes for
// what the server refuses; the same song from two sources queued as one track.
// SPDX-License-Identifier: GPL-3.0-or-later
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before } from 'node:test';
import { account, client, closeAll, raw, Server, test, until } from './harness.js';

let srv, dir, me, roomId, ws, localId;
const FF = ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y'];

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'soundroom-srcq-'));
  execFileSync('ffmpeg', [...FF, '-f', 'lavfi', '-i', 'sine=f=440:d=6', '-c:a', 'flac', '-metadata', 'title=Glass Harbour',
    '-metadata', 'artist=Tide Pool', path.join(dir, 'harbour.flac')], { stdio: ['ignore', 'ignore', 'inherit'] });
  srv = await Server.start({ args: ['--library', dir] });
  me = await account(srv, 'Queuer');
  const room = await auth(me, 'POST', '/api/rooms', { name: 'Sources' });
  assert.equal(room.status, 201, JSON.stringify(room.body));
  roomId = room.body.room.id;
  ws = await signedIn(me);
  localId = (await srv.http('GET', '/api/tracks')).body.tracks.find((t) => t.title === 'Glass Harbour').id;
});
after(async () => {
  ws?.close();
  await closeAll();
  await srv?.dispose();
  fs.rmSync(dir, { recursive: true, force: true });
});

function auth(who, method, p, body) {
  return srv.http(method, p, { body, headers: { authorization: `Bearer ${who.token}` } });
}
async function signedIn(who) {
  const s = await raw(srv);
  assert.equal((await s.call({ type: 'hello', session: who.token })).type, 'welcome');
  assert.equal((await s.call({ type: 'join', room: roomId })).type, 'snapshot');
  return s;
}
const add = (s, fields) => s.call({ type: 'queue_add', room: roomId, ...fields });

test('queue_add with a stream: recorded as a live track, queued, acked once durable', async () => {
  const url = 'http://127.0.0.1:9/radio.mp3';
  const added = ws.next((m) => m.type === 'entry_added' && m.entry.track.ref === url);
  const ack = await add(ws, { stream: { url, title: 'Loopback FM', artist: 'Nobody' } });
  assert.equal(ack.type, 'ack', JSON.stringify(ack));
  assert.ok(ack.entry > 0);
  assert.equal(ack.track.source, 'stream');
  assert.equal(ack.track.url, url);
  assert.equal(ack.track.live, true);
  assert.equal(ack.track.title, 'Loopback FM');
  // the delta went to the room before the ack (jobs complete in order)
  const d = await added;
  assert.equal(d.entry.id, ack.entry);
  assert.equal(d.entry.added_by.id, me.user.id);
  // the same URL is the same track; a stream without a title is named by its host and path
  const again = await add(ws, { stream: { url } });
  assert.equal(again.track.id, ack.track.id);
  const untitled = await add(ws, { stream: { url: 'http://127.0.0.1:9/other' } });
  assert.equal(untitled.track.title, '127.0.0.1:9/other');
  for (const e of [ack.entry, again.entry, untitled.entry]) await ws.call({ type: 'queue_remove', room: roomId, entry: e });
});

test('queue_add with an external track: the source checks the reference, the track carries its metadata', async () => {
  const ack = await add(ws, { external: { source: 'tone', ref: '440+660/triangle@3000', title: 'Fifth', artist: 'Oscillators' } });
  assert.equal(ack.type, 'ack', JSON.stringify(ack));
  const t = ack.track;
  assert.equal(t.source, 'tone');
  assert.equal(t.ref, '440+660/triangle@3000');
  assert.equal(t.url, null, 'the server cannot play it: a client adapter does');
  assert.equal(t.duration_ms, 3000, 'the length comes from the reference');
  assert.equal(t.live, false);
  assert.equal(t.artist, 'Oscillators');
  assert.equal((await srv.http('GET', `/api/tracks/${t.id}`)).body.track.ref, t.ref);
  // queued like any track: skip everything before it, and it plays for its length, then ends
  const snap = await ws.call({ type: 'join', room: roomId });
  for (const e of snap.queue) if (e.id !== ack.entry) await ws.call({ type: 'queue_remove', room: roomId, entry: e.id });
  const np = ws.next((m) => m.type === 'now_playing' && m.track.id === t.id, 8000);
  await ws.call({ type: 'skip', room: roomId, value: true });
  const now = await np;
  assert.equal(now.entry, ack.entry);
  const next = await ws.next((m) => m.type === 'now_playing' && m.track.id !== t.id, 6000);
  assert.equal(next.skipped, false, 'the tone ended by itself after 3 s');
  assert.ok(next.started_at - now.started_at >= 2990 && next.started_at - now.started_at <= 3010);
});

test('the same song from an external service and the library is one track', async () => {
  // artist, title and length (within the 4 s bucket) of the library file: its identity
  const ack = await add(ws, { external: { source: 'tone', ref: '440', title: 'glass harbour', artist: 'The Tide Pool', duration_ms: 6400 } });
  assert.equal(ack.type, 'ack', JSON.stringify(ack));
  assert.notEqual(ack.track.id, localId, 'the external track is recorded as itself');
  const d = await ws.next((m) => m.type === 'entry_added' && m.entry.id === ack.entry);
  assert.equal(d.entry.track.id, localId, 'the canonical (library) copy is queued');
  await ws.call({ type: 'queue_remove', room: roomId, entry: ack.entry });
});

test('queue_add refusals: every bad field has its code, nothing is queued', async () => {
  const cases = [
    [{ stream: {} }, 'missing_field'],
    [{ stream: { url: 5 } }, 'bad_field'],
    [{ stream: { url: 'ftp://127.0.0.1/a.mp3' } }, 'bad_url'],
    [{ stream: { url: 'http://u:p@127.0.0.1/a.mp3' } }, 'bad_url'],
    [{ stream: { url: `http://127.0.0.1/${'a'.repeat(2100)}` } }, 'too_long'],
    [{ stream: { url: 'http://127.0.0.1/a', title: 'x'.repeat(201) } }, 'too_long'],
    [{ stream: { url: 'http://127.0.0.1/a', artist: 'a\nb' } }, 'bad_field'],
    [{ stream: 'http://127.0.0.1/a' }, 'bad_field'],
    [{ track: 1, stream: { url: 'http://127.0.0.1/a' } }, 'bad_field'],
    [{}, 'missing_field'],
    [{ external: { source: 'acme', ref: 'x', title: 't' } }, 'unknown_source'],
    [{ external: { source: 'local', ref: '/etc/passwd', title: 't' } }, 'bad_field'],
    [{ external: { source: 'stream', ref: 'http://127.0.0.1/a', title: 't' } }, 'bad_field'],
    [{ external: { ref: '440', title: 't' } }, 'missing_field'],
    [{ external: { source: 'tone', title: 't' } }, 'missing_field'],
    [{ external: { source: 'tone', ref: '440' } }, 'missing_field'],
    [{ external: { source: 'tone', ref: 'not a tone', title: 't' } }, 'bad_ref'],
    [{ external: { source: 'tone', ref: '440@0', title: 't' } }, 'bad_ref'],
    [{ external: { source: 'tone', ref: '440', title: 't', duration_ms: -1 } }, 'bad_field'],
    [{ external: { source: 'tone', ref: '440', title: 't', duration_ms: 1.5 } }, 'bad_field'],
    [{ external: { source: 'tone', ref: 'x'.repeat(2049), title: 't' } }, 'too_long'],
    [{ external: { source: 'tone', ref: '440\u0001', title: 't' } }, 'bad_field'],
    [{ external: { source: 5, ref: '440', title: 't' } }, 'bad_field'],
  ];
  for (const [fields, code] of cases) {
    const r = await add(ws, fields);
    assert.equal(r.type, 'error', JSON.stringify(fields).slice(0, 80));
    assert.equal(r.code, code, `${JSON.stringify(fields).slice(0, 80)}: ${r.message}`);
    assert.ok(r.message.length > 0);
  }
  const snap = await ws.call({ type: 'join', room: roomId });
  assert.equal(snap.queue.length, 0);
  // a guest may queue library tracks but not record new ones
  const guest = await raw(srv);
  await guest.call({ type: 'hello', name: 'Guest' });
  await guest.call({ type: 'join', room: roomId });
  const g = await guest.call({ type: 'queue_add', room: roomId, external: { source: 'tone', ref: '440', title: 't' } });
  assert.equal(g.code, 'sign_in_required');
  guest.close();
});

test("the room's rules apply: over the per-person limit the track is recorded but not queued", async () => {
  const other = await account(srv, 'Other');
  const res = await auth(me, 'PATCH', `/api/rooms/${roomId}`, { rules: { max_per_person: 1 } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const s = await signedIn(other);
  const first = await add(s, { external: { source: 'tone', ref: '330', title: 'One' } });
  assert.equal(first.type, 'ack');
  const second = await add(s, { external: { source: 'tone', ref: '331', title: 'Two' } });
  assert.equal(second.type, 'error');
  assert.equal(second.code, 'limit_reached');
  assert.equal(second.track.ref, '331', 'the error names the recorded track');
  await s.call({ type: 'queue_remove', room: roomId, entry: first.entry });
  await auth(me, 'PATCH', `/api/rooms/${roomId}`, { rules: { max_per_person: 0 } });
  // a connection that goes away before its track is recorded costs nothing
  s.json({ type: 'queue_add', room: roomId, ref: 9, external: { source: 'tone', ref: '332', title: 'Gone' } });
  s.close();
  await until(async () => (await srv.http('GET', '/api/health')).status === 200);
});

test('POST /api/library/external records (and with room queues) an external track', async () => {
  const body = { source: 'tone', ref: '523.25/sine@4000', title: 'High C', artist: 'Oscillators' };
  assert.equal((await srv.http('POST', '/api/library/external', { body })).status, 401);
  const bad = [
    [{ ...body, source: 'acme' }, 'unknown_source'],
    [{ ...body, ref: '5' }, 'bad_ref'],
    [{ ...body, title: undefined }, 'missing_field'],
    [{ ...body, room: 'x' }, 'bad_field'],
  ];
  for (const [b, code] of bad) {
    const r = await auth(me, 'POST', '/api/library/external', b);
    assert.equal(r.status, 400, JSON.stringify(b));
    assert.equal(r.body.error.code, code);
  }
  const only = await auth(me, 'POST', '/api/library/external', body);
  assert.equal(only.status, 201, JSON.stringify(only.body));
  assert.equal(only.body.track.source, 'tone');
  assert.equal(only.body.track.duration_ms, 4000);
  assert.equal(only.body.entry, undefined);
  const added = ws.next((m) => m.type === 'entry_added' && m.entry.track.id === only.body.track.id);
  const queued = await auth(me, 'POST', '/api/library/external', { ...body, room: roomId });
  assert.equal(queued.status, 201);
  assert.equal(queued.body.track.id, only.body.track.id);
  assert.equal((await added).entry.id, queued.body.entry);
  assert.equal((await auth(me, 'POST', '/api/library/external', { ...body, room: 999999 })).status, 404);
});

test('the SDK: addExternal and addStream resolve with the entry and the track', async () => {
  const c = await client(srv, undefined, { session: me.token });
  await c.join(roomId);
  const ext = await c.addExternal({ source: 'tone', ref: '261.63+329.63+392/sine@2000', title: 'C major', artist: 'Oscillators' });
  assert.ok(ext.entry > 0);
  assert.equal(ext.track.source, 'tone');
  await until(() => c.room.queue.some((e) => e.id === ext.entry), 3000, 'the entry in the SDK queue');
  const st = await c.addStream({ url: 'http://127.0.0.1:9/sdk.ogg', title: 'SDK FM' });
  assert.equal(st.track.live, true);
  await assert.rejects(c.addExternal({ source: 'acme', ref: 'x', title: 't' }), (e) => e.code === 'unknown_source');
  for (const e of [ext.entry, st.entry]) await c.removeEntry(e);
});
