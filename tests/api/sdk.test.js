// sdk.test.js - the SDK's own logic (frames, deltas, gaps, reconnect, clock) against a fake server.
// SPDX-License-Identifier: GPL-3.0-or-later
import assert from 'node:assert/strict';
import { after, afterEach, test } from 'node:test';
import WebSocket from 'ws';
import { api, artistRoom, compareEntries, connect, likesM3u, login, me, restBase, setAvatar, SoundroomError } from '../../sdk/soundroom.js';
import * as sdk from '../../sdk/soundroom.js';
import { startFake } from './fake.js';
import { sleep, until, waitFor } from './harness.js';

const fakes = [];
const clients = [];
async function setup(opts) {
  const fake = await startFake(opts);
  fakes.push(fake);
  return fake;
}
async function open(fake, name = 'Ada', opts = {}) {
  const c = await connect(fake.url, { name, WebSocket, ...opts });
  clients.push(c);
  return c;
}
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(fakes.splice(0).map((f) => f.close()));
});
after(() => {});

const track = (id) => ({ id, title: `T${id}`, artist: 'A', album: 'B', duration_ms: 1000, url: `/media/${id}`, cover: null, source: 'local' });
const entry = (id, score, addedAt) => ({ id, track: track(id), added_by: { id: 9, name: 'Z' }, added_at: addedAt, score, up: Math.max(score, 0), down: Math.max(-score, 0) });
function snapshot(ref, seq = 10, epoch = 'e1') {
  return {
    type: 'snapshot', ref, room: 1, epoch, seq, server_time: Date.now(),
    info: { id: 1, name: 'R', description: '', tags: [] },
    now_playing: { track: track(1), started_at: Date.now() - 1000, entry: null, added_by: null },
    queue: [entry(5, 0, 100), entry(6, 2, 200), entry(7, 0, 50)],
    listeners: [{ id: 1, name: 'Ada' }],
    chat: [{ id: 1, user: { id: 1, name: 'Ada' }, text: 'hi', ts: 1 }],
    skip: { votes: 0, needed: 1 },
  };
}
// A fake that answers join with a snapshot (or resumed when asked to resume with epoch e1).
function roomFake(fake, { resume } = {}) {
  fake.joins = [];
  fake.onMessage = (conn, m) => {
    if (m.type !== 'join') return;
    fake.joins.push(m);
    if (m.epoch && resume) resume(conn, m);
    else fake.send(conn, snapshot(m.ref));
  };
}

test('restBase derives the REST base from the ws URL', () => {
  assert.equal(restBase('ws://127.0.0.1:8080/ws'), 'http://127.0.0.1:8080');
  assert.equal(restBase('wss://example.org/sr/ws'), 'https://example.org/sr');
});

// A fetch that records each request and answers with the next of `replies` ([status, text, statusText?]).
function fakeFetch(...replies) {
  const calls = [];
  const fetch = async (url, init) => {
    calls.push({ url, init });
    const [status, text, statusText = ''] = replies.shift();
    return { ok: status >= 200 && status < 300, status, statusText, text: async () => text };
  };
  return { fetch, calls };
}

test('api() is the one REST helper: JSON, raw bytes, text and status answers, a bearer session', async () => {
  const { fetch, calls } = fakeFetch(
    [200, '{"ok":true}'],
    [200, '{"avatar":"/api/users/1/avatar"}'],
    [200, '#EXTM3U\n'],
    [201, '{"room":{"id":4}}'],
    [204, ''],
  );
  assert.deepEqual(await api('ws://h:1/ws', 'POST', '/api/x', { a: 1 }, { session: 's1', fetch }), { ok: true });
  assert.equal(calls[0].url, 'http://h:1/api/x');
  assert.deepEqual(calls[0].init, {
    method: 'POST',
    headers: { authorization: 'Bearer s1', 'content-type': 'application/json' },
    body: '{"a":1}',
  });
  const bytes = new Uint8Array([1, 2, 3]);
  assert.deepEqual(await setAvatar('http://h:1/', 't2', bytes, { fetch }), { avatar: '/api/users/1/avatar' });
  assert.equal(calls[1].url, 'http://h:1/api/me/avatar');
  assert.deepEqual(calls[1].init, {
    method: 'PUT',
    headers: { authorization: 'Bearer t2', 'content-type': 'application/octet-stream' },
    body: bytes,
  });
  assert.equal(await likesM3u('http://h:1', 't3', { fetch }), '#EXTM3U\n', 'text answers stay text');
  assert.deepEqual(await artistRoom('http://h:1', 'A B', null, { fetch }), { room: { id: 4 }, created: true });
  assert.equal(calls[3].url, 'http://h:1/api/artists/A%20B/room');
  assert.deepEqual(calls[3].init, { method: 'GET', headers: {} }, 'no session, no body');
  assert.equal(await api('http://h:1', 'DELETE', '/api/y', undefined, { fetch }), null, 'an empty answer is null');
});

test('api() errors carry the server\'s code and message, status, body and retryAfter', async () => {
  const { fetch } = fakeFetch(
    [429, '{"error":{"code":"throttled","message":"slow down","retry_after":3}}', 'Too Many Requests'],
    [404, '{"error":{"code":"no_such_room","message":"no room with that id"}}', 'Not Found'],
    [502, 'Bad gateway', 'Bad Gateway'],
    [500, '', ''],
  );
  await assert.rejects(login('http://h:1', { username: 'a', password: 'b' }, { fetch }), (e) =>
    e instanceof SoundroomError && e.code === 'throttled' && e.message === 'slow down' && e.status === 429 && e.retryAfter === 3);
  await assert.rejects(api('http://h:1', 'GET', '/api/rooms/9', undefined, { fetch }), (e) =>
    e.code === 'no_such_room' && e.status === 404 && e.body.error.code === 'no_such_room' && !('retryAfter' in e));
  await assert.rejects(me('http://h:1', 't', { fetch }), (e) =>
    e.code === 'http_502' && e.message === 'Bad Gateway' && e.status === 502 && e.body === 'Bad gateway');
  await assert.rejects(me('http://h:1', 't', { fetch }), (e) => e.code === 'http_500' && e.message === 'HTTP 500' && e.body === null);
});

test('the index is the whole surface, with one spelling of each name', () => {
  for (const name of ['connect', 'Client', 'SoundroomError', 'api', 'restBase', 'signup', 'login', 'logout', 'subscribeLobby', 'like', 'myPlaylists', 'adapters']) {
    assert.ok(name in sdk, `${name} is exported`);
  }
  for (const name of ['signUp', 'logIn', 'watchLikes']) assert.ok(!(name in sdk), `${name} is gone`);
});

test('compareEntries orders by score, then added_at, then id', () => {
  const q = [entry(3, 0, 5), entry(2, 0, 5), entry(1, 1, 9), entry(4, -1, 1)].sort(compareEntries);
  assert.deepEqual(q.map((e) => e.id), [1, 2, 3, 4]);
});

test('connect sends hello with v, name and the token, and keeps identity', async () => {
  const fake = await setup();
  const a = await open(fake, 'Ada');
  assert.deepEqual(a.user, { id: 1, name: 'Ada' });
  assert.equal(a.token, 'tok1');
  assert.equal(a.status, 'open');
  assert.equal(fake.hellos[0].v, 1);
  assert.equal(fake.hellos[0].token, undefined);
  const b = await open(fake, 'Ada again', { token: a.token });
  assert.equal(b.user.id, 1);
  assert.equal(fake.hellos[1].token, 'tok1');
});

test('connect rejects when nothing listens', async () => {
  await assert.rejects(connect('ws://127.0.0.1:1/ws', { name: 'x', WebSocket }), (e) => e.code === 'connect_failed');
});

test('request resolves with the reply by ref, rejects with .code on error', async () => {
  const fake = await setup();
  fake.onMessage = (conn, m) => {
    if (m.type === 'chat') fake.send(conn, [{ type: 'noise' }, { type: 'ack', ref: m.ref, id: 77 }]);
    if (m.type === 'vote') fake.send(conn, { type: 'error', code: 'no_such_entry', message: 'nope', ref: m.ref });
  };
  const a = await open(fake);
  const ack = await a.request({ type: 'chat', room: 1, text: 'x' });
  assert.equal(ack.id, 77);
  const err = await a.request({ type: 'vote', room: 1, entry: 1, value: 1 }).catch((e) => e);
  assert.ok(err instanceof SoundroomError);
  assert.equal(err.code, 'no_such_entry');
  // an error without a matching ref is an 'error' event
  const got = waitFor(a, 'error');
  fake.send(fake.conns[0], { type: 'error', code: 'rate_limited', message: 'slow down' });
  assert.equal((await got).code, 'rate_limited');
});

test('join applies the snapshot with the queue sorted', async () => {
  const fake = await setup();
  roomFake(fake);
  const a = await open(fake);
  const room = await a.join(1);
  assert.equal(room, a.room);
  assert.equal(room.id, 1);
  assert.equal(room.seq, 10);
  assert.equal(room.epoch, 'e1');
  assert.deepEqual(room.queue.map((e) => e.id), [6, 7, 5]);
  assert.equal(room.nowPlaying.track.id, 1);
  assert.equal(room.chat.length, 1);
});

test('deltas apply in order from array frames; stale seqs are ignored', async () => {
  const fake = await setup();
  roomFake(fake);
  const a = await open(fake);
  await a.join(1);
  const deltas = [];
  a.on('delta', (d) => deltas.push(d.seq));
  const chats = [];
  a.on('chat', (d) => chats.push(d.msg.text));
  const conn = fake.conns[0];
  const d = (seq, rest) => ({ room: 1, epoch: 'e1', seq, ...rest });
  fake.send(conn, [
    d(9, { type: 'chat', msg: { id: 0, text: 'old' } }),
    d(11, { type: 'entry_added', entry: entry(8, 0, 300) }),
    d(12, { type: 'entry_voted', entry: { id: 8, score: 5, up: 5, down: 0 } }),
    d(13, { type: 'presence', joined: [{ id: 2, name: 'Bo' }, { id: 3, name: 'Cy' }], left: [], count: 3, skip: { votes: 0, needed: 2 } }),
    d(14, { type: 'chat', msg: { id: 2, user: { id: 2, name: 'Bo' }, text: 'yo', ts: 2 } }),
    d(14, { type: 'chat', msg: { id: 3, text: 'dup' } }),
    d(15, { type: 'skip', votes: 1, needed: 2 }),
    d(16, { type: 'entry_removed', id: 7, reason: 'removed' }),
    d(17, { type: 'now_playing', track: track(8), started_at: 5, entry: 8, added_by: { id: 9, name: 'Z' }, from: 'queue', skipped: true }),
    d(18, { type: 'presence', joined: [], left: [{ id: 2, name: 'Bo' }, { id: 3, name: 'Cy' }], count: 1, skip: { votes: 0, needed: 1 } }),
  ]);
  await until(() => a.room.seq === 18);
  assert.deepEqual(deltas, [11, 12, 13, 14, 15, 16, 17, 18]);
  assert.equal(a.room.listenerCount, 1);
  assert.deepEqual(a.room.skip, { votes: 0, needed: 1 });
  assert.deepEqual(chats, ['yo']);
  assert.deepEqual(a.room.queue.map((e) => e.id), [6, 5]);
  assert.equal(a.room.nowPlaying.entry, 8);
  assert.equal(a.room.nowPlaying.skipped, true);
  assert.deepEqual(a.room.listeners.map((u) => u.id), [1]);
  assert.deepEqual(a.room.chat.map((m) => m.text), ['hi', 'yo']);
});

test('a gap makes the client re-join with (epoch, seq) and apply the replay', async () => {
  const fake = await setup();
  roomFake(fake, {
    resume(conn, m) {
      fake.send(conn, [
        { type: 'resumed', ref: m.ref, room: 1, epoch: 'e1', seq: m.seq, recovered: true },
        { type: 'chat', room: 1, epoch: 'e1', seq: 11, msg: { id: 11, text: 'a' } },
        { type: 'chat', room: 1, epoch: 'e1', seq: 12, msg: { id: 12, text: 'b' } },
      ]);
    },
  });
  const a = await open(fake);
  await a.join(1);
  const resumed = waitFor(a, 'resumed');
  fake.send(fake.conns[0], { type: 'chat', room: 1, epoch: 'e1', seq: 12, msg: { id: 12, text: 'b' } });
  await resumed;
  await until(() => a.room.seq === 12);
  assert.deepEqual(fake.joins[1], { type: 'join', room: 1, epoch: 'e1', seq: 10, ref: fake.joins[1].ref });
  assert.deepEqual(a.room.chat.map((m) => m.text), ['hi', 'a', 'b']);
});

test('reconnects after a server close (4001), re-hellos with the token and resumes', async () => {
  const fake = await setup();
  roomFake(fake, {
    resume(conn, m) {
      fake.send(conn, { type: 'resumed', ref: m.ref, room: 1, epoch: 'e1', seq: m.seq, recovered: true });
    },
  });
  const a = await open(fake);
  await a.join(1);
  const states = [];
  a.on('connection', (e) => states.push(e));
  const resumed = waitFor(a, 'resumed', () => true, 8000);
  fake.conns[0].close(4001, 'too slow: outbound queue overflow');
  await resumed;
  assert.equal(states[0].status, 'reconnecting');
  assert.equal(states[0].code, 4001);
  assert.ok(states[0].delay >= 500 && states[0].delay <= 1000, `backoff after 4001: ${states[0].delay}`);
  assert.equal(states[1].status, 'open');
  assert.equal(fake.hellos[1].token, a.token);
  assert.deepEqual(fake.joins[1], { type: 'join', room: 1, epoch: 'e1', seq: 10, ref: fake.joins[1].ref });
  assert.equal(a.status, 'open');
});

test('pending requests reject with disconnected when the socket drops', async () => {
  const fake = await setup();
  const a = await open(fake);
  const p = a.request({ type: 'search', q: 'x' });
  await until(() => fake.received.some((m) => m.type === 'search'));
  fake.conns[0].terminate();
  await assert.rejects(p, (e) => e.code === 'disconnected');
  await assert.rejects(a.request({ type: 'search', q: 'y' }), (e) => e.code === 'disconnected');
});

test('backoff grows from 250 ms with jitter and close() stops reconnecting', async () => {
  const fake = await setup();
  const a = await open(fake, 'Ada', {});
  const delays = [];
  a.on('connection', (e) => e.status === 'reconnecting' && delays.push(e.delay));
  await fake.close(); // nothing listens any more
  await until(() => delays.length >= 4, 8000);
  const caps = [250, 500, 1000, 2000];
  delays.slice(0, 4).forEach((d, i) => assert.ok(d >= caps[i] / 2 && d <= caps[i], `attempt ${i}: ${d}`));
  const closed = waitFor(a, 'connection', (e) => e.status === 'closed');
  await a.close();
  await closed;
  const n = delays.length;
  await sleep(600);
  assert.equal(delays.length, n);
  assert.equal(a.status, 'closed');
});

test('user close() does not reconnect', async () => {
  const fake = await setup();
  const a = await open(fake);
  const events = [];
  a.on('connection', (e) => events.push(e.status));
  await a.close();
  await sleep(400);
  assert.deepEqual(events, ['closed']);
  assert.equal(fake.hellos.length, 1);
});

test('clock sync: burst of pings, offset from the min-RTT sample', async () => {
  const fake = await setup({ clockSkewMs: 5000 });
  const a = await open(fake);
  await until(() => fake.received.filter((m) => m.type === 'ping').length >= 5, 3000);
  await sleep(100);
  assert.ok(Math.abs(a.offset - 5000) < 50, `offset ${a.offset}`);
  assert.ok(a.rtt >= 0 && a.rtt < 100, `rtt ${a.rtt}`);
  assert.ok(Math.abs(a.now() - (Date.now() + 5000)) < 50);
  const pings = fake.received.filter((m) => m.type === 'ping');
  assert.ok(pings.every((p) => typeof p.t0 === 'number'));
  await sleep(400);
  assert.equal(fake.received.filter((m) => m.type === 'ping').length, 5, 'then one every ~10 s');
});

test('room actions send the protocol messages', async () => {
  const fake = await setup();
  roomFake(fake);
  const base = fake.onMessage;
  fake.onMessage = (conn, m) => {
    if (m.type === 'join') return base(conn, m);
    if (m.type === 'search') return fake.send(conn, { type: 'results', ref: m.ref, tracks: [track(3)] });
    if (m.type === 'leave') return fake.send(conn, { type: 'left', ref: m.ref, room: 1 });
    fake.send(conn, { type: 'ack', ref: m.ref, entry: 40, id: 41 });
  };
  const a = await open(fake);
  await assert.rejects(a.addTrack(1), (e) => e.code === 'not_in_room');
  await a.join(1);
  assert.equal(await a.addTrack(3), 40);
  await a.vote(6, -1);
  assert.equal(a.room.queue.find((e) => e.id === 6).my_vote, -1);
  await a.removeEntry(6);
  await a.voteSkip(true);
  assert.equal(a.room.mySkip, true);
  assert.equal(await a.chat('hey'), 41);
  assert.deepEqual(await a.search('t', 5), [track(3)]);
  await a.leave();
  assert.equal(a.room, null);
  const frames = fake.received.filter((m) => !['ping', 'join', 'hello'].includes(m.type));
  // each write carries a fresh random write id (cid), so a resend after a reconnect is applied once
  const cids = frames.filter((m) => ['queue_add', 'vote', 'chat'].includes(m.type)).map((m) => m.cid);
  assert.equal(cids.length, 3);
  for (const cid of cids) assert.match(cid, /^[0-9a-f]{32}$/);
  assert.equal(new Set(cids).size, 3);
  assert.ok(frames.every((m) => m.cid === undefined || ['queue_add', 'vote', 'chat'].includes(m.type)));
  const sent = frames.map(({ ref, cid, ...m }) => m);
  assert.deepEqual(sent, [
    { type: 'queue_add', room: 1, track: 3 },
    { type: 'vote', room: 1, entry: 6, value: -1 },
    { type: 'queue_remove', room: 1, entry: 6 },
    { type: 'skip', room: 1, value: true, track: 1 }, // names the track it is about
    { type: 'chat', room: 1, text: 'hey' },
    { type: 'search', q: 't', limit: 5 },
    { type: 'leave', room: 1 },
  ]);
});

test('moderation deltas: entry_moved pins, chat_deleted, room_updated, role; kicked leaves', async () => {
  const fake = await setup();
  roomFake(fake);
  const a = await open(fake);
  await a.join(1);
  const conn = fake.conns[0];
  const d = (seq, rest) => ({ room: 1, epoch: 'e1', seq, ...rest });
  fake.send(conn, [
    d(11, { type: 'entry_moved', id: 5, pinned: true }),
    d(12, { type: 'entry_moved', id: 7, pinned: true }),
    d(13, { type: 'entry_voted', entry: { id: 6, score: 9, up: 9, down: 0 } }),
    d(14, { type: 'chat_deleted', id: 1 }),
    d(15, { type: 'room_updated', info: { id: 1, name: 'New', description: '', tags: [] }, settings: { locked: true } }),
    d(16, { type: 'role', user: { id: 1, name: 'Ada' }, role: 'moderator' }),
  ]);
  await until(() => a.room.seq === 16);
  assert.deepEqual(a.room.queue.map((e) => e.id), [5, 7, 6], 'pinned first, in pin order');
  assert.deepEqual(a.room.chat, []);
  assert.equal(a.room.info.name, 'New');
  assert.deepEqual(a.room.settings, { locked: true });
  assert.equal(a.room.yourRole, 'moderator');
  const kicked = waitFor(a, 'kicked');
  fake.send(conn, { type: 'kicked', room: 1, reason: 'kick' });
  assert.equal((await kicked).reason, 'kick');
  assert.equal(a.room, null);
});

test('likes deltas: nowPlaying.likes follows the playing track, the seq advances, a likes event fires', async () => {
  const fake = await setup();
  roomFake(fake);
  const a = await open(fake);
  await a.join(1);
  assert.equal(a.room.nowPlaying.likes, undefined, 'a snapshot without likes: unknown');
  const events = [];
  a.on('likes', (d) => events.push([d.track, d.count]));
  const conn = fake.conns[0];
  const d = (seq, rest) => ({ room: 1, epoch: 'e1', seq, ...rest });
  fake.send(conn, [d(11, { type: 'likes', track: 1, count: 2 }), d(12, { type: 'likes', track: 99, count: 5 })]);
  await until(() => a.room.seq === 12);
  assert.equal(a.room.nowPlaying.likes, 2, 'a count for another track leaves the playing one alone');
  assert.deepEqual(events, [[1, 2], [99, 5]]);
  fake.send(conn, [
    d(12, { type: 'likes', track: 1, count: 7 }),
    d(13, { type: 'now_playing', track: track(8), started_at: 5, entry: null, added_by: null, likes: 1 }),
    d(14, { type: 'likes', track: 8, count: 0 }),
    d(15, { type: 'chat', msg: { id: 4, text: 'after' } }),
  ]);
  await until(() => a.room.seq === 15);
  assert.equal(a.room.nowPlaying.track.id, 8);
  assert.equal(a.room.nowPlaying.likes, 0);
  assert.deepEqual(events.slice(2), [[8, 0]], 'a replayed seq is not applied again');
  assert.equal(a.room.chat.at(-1).text, 'after');
  assert.equal(fake.joins.length, 1, 'no re-join: likes deltas count in the room\'s seq');
});

test('a session signs in with hello.session; 4003 (revoked) does not reconnect', async () => {
  const fake = await setup();
  const a = await open(fake, null, { session: 'sess-1' });
  assert.equal(fake.hellos[0].session, 'sess-1');
  assert.equal('name' in fake.hellos[0], false);
  assert.equal('token' in fake.hellos[0], false);
  const closed = waitFor(a, 'connection', (e) => e.status === 'closed');
  fake.conns[0].close(4003, 'session revoked');
  assert.equal((await closed).code, 4003);
  await sleep(600);
  assert.equal(fake.hellos.length, 1);
  assert.equal(a.status, 'closed');
});
