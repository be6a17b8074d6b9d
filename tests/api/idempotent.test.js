// idempotent.test.js - a retry never doubles a write: `chat`, `queue_add` (of a track) and `vote`
// carry a client write id ("cid"); the server answers a repeated cid with the first answer and
// changes nothing — on the same connection, on a new connection of the same person, and after
// kill -9 and a restart (the answer is stored with the write). A malformed cid is `bad_field`.
// SPDX-License-Identifier: GPL-3.0-or-later
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { Server, allTracks, makeRoom, raw, sleep, test } from './harness.js';

let srv;
before(async () => {
  srv = await Server.start();
});
after(async () => {
  await srv?.dispose();
});

/** A guest on a raw socket (the same person again with `token`), in room `room` when given. */
async function guest(room, token) {
  const ws = await raw(srv);
  const w = await ws.call({ type: 'hello', v: 1, name: 'Retry', ...(token ? { token } : {}) });
  assert.equal(w.type, 'welcome', JSON.stringify(w));
  if (room) assert.equal((await ws.call({ type: 'join', room })).type, 'snapshot');
  return { ws, token: w.token ?? token, user: w.user };
}

/** The room as a newcomer sees it: a fresh connection's snapshot. */
async function look(room) {
  const ws = await raw(srv);
  await ws.call({ type: 'hello', v: 1, name: 'Look' });
  const snap = await ws.call({ type: 'join', room });
  ws.close();
  return snap;
}

const lines = (snap, text) => snap.chat.filter((m) => m.text === text);

test('the same cid twice: one chat line, the same answer (same id), one delta to the room', async () => {
  const room = (await makeRoom(srv)).id;
  const a = await guest(room);
  const other = await guest(room);
  const text = `once ${Math.random()}`;
  const first = await a.ws.call({ type: 'chat', room, text, cid: 'c-1' });
  const again = await a.ws.call({ type: 'chat', room, text, cid: 'c-1' });
  assert.equal(first.type, 'ack', JSON.stringify(first));
  assert.equal(again.type, 'ack', JSON.stringify(again));
  assert.equal(again.id, first.id, 'the retry is answered with the first message id');
  assert.notEqual(again.ref, first.ref, 'each answer carries its own request ref');
  await sleep(300);
  assert.equal(other.ws.inbox.filter((m) => m.type === 'chat' && m.msg.text === text).length, 1, 'the room saw it once');
  assert.deepEqual(lines(await look(room), text).map((m) => m.id), [first.id]);
  // another cid with the same text is another message; the cid belongs to its sender alone
  const second = await a.ws.call({ type: 'chat', room, text, cid: 'c-2' });
  const theirs = await other.ws.call({ type: 'chat', room, text, cid: 'c-1' });
  assert.notEqual(second.id, first.id);
  assert.notEqual(theirs.id, first.id, "someone else's c-1 is their own write");
  assert.equal(lines(await look(room), text).length, 3);
  a.ws.close();
  other.ws.close();
});

test('a cid resent on a new connection of the same person: no duplicate chat, entry or vote', async () => {
  const room = (await makeRoom(srv)).id;
  const [track] = await allTracks(srv);
  const a = await guest(room);
  const text = `reconnect ${Math.random()}`;
  const chat = await a.ws.call({ type: 'chat', room, text, cid: 'r-chat' });
  const add = await a.ws.call({ type: 'queue_add', room, track: track.id, cid: 'r-add' });
  assert.equal(add.type, 'ack', JSON.stringify(add));
  const vote = await a.ws.call({ type: 'vote', room, entry: add.entry, value: 1, cid: 'r-vote' });
  assert.equal(vote.type, 'ack', JSON.stringify(vote));
  a.ws.close();

  const b = await guest(room, a.token);
  assert.equal(b.user.id, a.user.id, 'the same person');
  assert.equal((await b.ws.call({ type: 'chat', room, text, cid: 'r-chat' })).id, chat.id);
  assert.equal((await b.ws.call({ type: 'queue_add', room, track: track.id, cid: 'r-add' })).entry, add.entry);
  const vote2 = await b.ws.call({ type: 'vote', room, entry: add.entry, value: 1, cid: 'r-vote' });
  assert.deepEqual({ ...vote2, ref: 0 }, { ...vote, ref: 0 }, 'the vote is answered as the first time');
  const snap = await look(room);
  assert.equal(lines(snap, text).length, 1);
  const mine = snap.queue.filter((e) => e.track.id === track.id && e.added_by?.id === a.user.id);
  assert.deepEqual(mine.map((e) => e.id), [add.entry], 'one entry');
  assert.equal(mine[0].up, 1, 'one up vote');
  b.ws.close();
});

test('after kill -9 and a restart, a resent cid is answered the same and stored once', async () => {
  const room = (await makeRoom(srv)).id;
  const tracks = await allTracks(srv);
  const a = await guest(room);
  const text = `crash ${Math.random()}`;
  const chat = await a.ws.call({ type: 'chat', room, text, cid: 'k-chat' });
  const add = await a.ws.call({ type: 'queue_add', room, track: tracks[1].id, cid: 'k-add' });
  assert.equal(chat.type, 'ack');
  assert.equal(add.type, 'ack');
  // the acks are durable; whether they reached the client or not is the same to the server
  await srv.crash();

  const b = await guest(room, a.token);
  assert.equal(b.user.id, a.user.id);
  const chat2 = await b.ws.call({ type: 'chat', room, text, cid: 'k-chat' });
  const add2 = await b.ws.call({ type: 'queue_add', room, track: tracks[1].id, cid: 'k-add' });
  assert.equal(chat2.type, 'ack', JSON.stringify(chat2));
  assert.equal(chat2.id, chat.id, 'the first answer survived the crash');
  assert.equal(add2.entry, add.entry);
  const snap = await look(room);
  assert.equal(lines(snap, text).length, 1, 'stored once');
  assert.equal(snap.queue.filter((e) => e.id === add.entry).length, 1);
  assert.equal(snap.queue.filter((e) => e.track.id === tracks[1].id && e.added_by?.id === a.user.id).length, 1);
  // and a new cid after the restart is a new write
  const fresh = await b.ws.call({ type: 'chat', room, text, cid: 'k-chat-2' });
  assert.ok(fresh.id > chat.id);
  assert.equal(lines(await look(room), text).length, 2);
  b.ws.close();
});

test('a malformed cid is bad_field and writes nothing', async () => {
  const room = (await makeRoom(srv)).id;
  const a = await guest(room);
  const text = `bad ${Math.random()}`;
  for (const cid of [7, '', 'x'.repeat(65), 'has space', 'tab\there', 'é', null, {}]) {
    const r = await a.ws.call({ type: 'chat', room, text, cid });
    assert.equal(r.type, 'error', `cid ${JSON.stringify(cid)}: ${JSON.stringify(r)}`);
    assert.equal(r.code, 'bad_field', `cid ${JSON.stringify(cid)}`);
    assert.match(r.message, /cid/);
  }
  const vote = await a.ws.call({ type: 'vote', room, entry: 1, value: 1, cid: 5 });
  assert.equal(vote.code, 'bad_field');
  const add = await a.ws.call({ type: 'queue_add', room, track: 1, cid: 'a b' });
  assert.equal(add.code, 'bad_field');
  // recording a stream answers later and does not take a cid
  const stream = await a.ws.call({ type: 'queue_add', room, stream: { url: 'http://127.0.0.1:9/x.mp3' }, cid: 'ok' });
  assert.equal(stream.code, 'bad_field');
  assert.equal(lines(await look(room), text).length, 0);
  // 64 characters is fine
  const ok = await a.ws.call({ type: 'chat', room, text, cid: 'x'.repeat(64) });
  assert.equal(ok.type, 'ack');
  a.ws.close();
});
