// unplayable.test.js - a stream nobody can play (a closed port on loopback, allowed by the
// harness's --allow-private-urls 1) does not keep the room silent: when every listener's client
// reports cannot_play the room moves on at once, with a track_unavailable notice; when only some
// do (here one of two), it moves on 10 s after the first report; reports are checked.
// SPDX-License-Identifier: GPL-3.0-or-later
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { account, closeAll, freePort, raw, Server, test } from './harness.js';

let srv, roomId, a, b, deadUrl;

async function listener(who) {
  const ws = await raw(srv);
  assert.equal((await ws.call({ type: 'hello', session: who.token })).type, 'welcome');
  const snap = await ws.call({ type: 'join', room: roomId });
  assert.equal(snap.type, 'snapshot');
  return ws;
}

before(async () => {
  srv = await Server.start();
  const ann = await account(srv, 'Ann');
  const bob = await account(srv, 'Bob');
  const room = await srv.http('POST', '/api/rooms', { body: { name: 'Dead air' }, headers: { authorization: `Bearer ${ann.token}` } });
  assert.equal(room.status, 201, JSON.stringify(room.body));
  roomId = room.body.room.id;
  a = await listener(ann);
  b = await listener(bob);
  deadUrl = `http://127.0.0.1:${await freePort()}/live.mp3`; // nothing listens there
});
after(async () => {
  a?.close();
  b?.close();
  await closeAll();
  await srv?.dispose();
});

/** Queues the dead stream and skips to it; resolves with its track once it plays. */
async function playDeadStream(title) {
  const ack = await a.call({ type: 'queue_add', room: roomId, stream: { url: deadUrl, title } });
  assert.equal(ack.type, 'ack', JSON.stringify(ack));
  const playing = b.next((m) => m.type === 'now_playing' && m.track.id === ack.track.id, 8000);
  // whatever the fallback plays now ends by a skip (one vote of two listeners is enough)
  const np = (await srv.http('GET', `/api/rooms/${roomId}`)).body.room.now_playing;
  if (!np || np.track.id !== ack.track.id) assert.equal((await a.call({ type: 'skip', room: roomId, value: true })).type, 'ack');
  await playing;
  a.inbox.length = 0;
  b.inbox.length = 0;
  return ack.track;
}

test('cannot_play is checked: fields, the room joined, a stale track is not counted', async () => {
  const bad = [
    [{ type: 'cannot_play', room: roomId }, 'missing_field'],
    [{ type: 'cannot_play', track: 1 }, 'missing_field'],
    [{ type: 'cannot_play', room: roomId, track: 'x' }, 'bad_field'],
    [{ type: 'cannot_play', room: roomId, track: 0 }, 'bad_field'],
    [{ type: 'cannot_play', room: roomId + 1000, track: 1 }, 'no_such_room'],
  ];
  const elsewhere = await srv.http('POST', '/api/rooms', { body: { name: 'Elsewhere' }, headers: { authorization: `Bearer ${(await account(srv)).token}` } });
  bad.push([{ type: 'cannot_play', room: elsewhere.body.room.id, track: 1 }, 'not_in_room']);
  for (const [msg, code] of bad) {
    const r = await a.call(msg);
    assert.equal(r.type, 'error', JSON.stringify(msg));
    assert.equal(r.code, code, JSON.stringify(msg));
  }
  const np = (await srv.http('GET', `/api/rooms/${roomId}`)).body.room.now_playing;
  assert.ok(np, 'the fallback plays something');
  const other = await a.call({ type: 'cannot_play', room: roomId, track: np.track.id + 100000 });
  assert.deepEqual([other.type, other.counted], ['ack', false]);
});

test('every listener reports a dead stream: the room moves on at once, saying why', async () => {
  const dead = await playDeadStream('Dead FM');
  const t0 = Date.now();
  const first = await a.call({ type: 'cannot_play', room: roomId, track: dead.id });
  assert.deepEqual([first.type, first.counted], ['ack', true]);
  // the same person again (a second tab) is still one report: nothing moves yet
  assert.equal((await a.call({ type: 'cannot_play', room: roomId, track: dead.id })).counted, true);
  await assert.rejects(b.next((m) => m.type === 'now_playing', 300), /no matching message/);
  const moved = b.next((m) => m.type === 'now_playing', 10000);
  const notice = b.next((m) => m.type === 'notice', 10000);
  assert.equal((await b.call({ type: 'cannot_play', room: roomId, track: dead.id })).counted, true);
  const np = await moved;
  assert.ok(Date.now() - t0 < 10000, `moved on after ${Date.now() - t0} ms`);
  assert.notEqual(np.track.id, dead.id);
  assert.equal(np.skipped, true);
  const n = await notice;
  assert.equal(n.code, 'track_unavailable');
  assert.equal(n.track.id, dead.id);
  assert.match(n.text, /Dead FM/);
  const room = (await srv.http('GET', `/api/rooms/${roomId}`)).body.room;
  assert.notEqual(room.now_playing.track.id, dead.id);
});

test('one listener of two reports: the room moves on 10 s after the report, not before', async () => {
  const dead = await playDeadStream('Half Dead FM');
  const t0 = Date.now();
  assert.equal((await a.call({ type: 'cannot_play', room: roomId, track: dead.id })).counted, true);
  const np = await b.next((m) => m.type === 'now_playing', 14000);
  const waited = Date.now() - t0;
  assert.ok(waited >= 9500 && waited < 12000, `moved on after ${waited} ms`);
  assert.notEqual(np.track.id, dead.id);
  const n = a.inbox.find((m) => m.type === 'notice');
  assert.equal(n?.code, 'track_unavailable');
}, { timeout: 40000 });
