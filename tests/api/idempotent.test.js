// idempotent.test.js - a retry never doubles a write: `chat`, `queue_add` (of a track) and `vote`
// carry a client write id ("cid"); the server answers a repeated cid with the first answer and
// changes nothing — on the same connection, on a new connection of the same person, and after
// kill -9 and a restart (the answer is stored with the write). A malformed cid is `bad_field`.
// SPDX-License-Identifier: GPL-3.0-or-later
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before } from 'node:test';
import { Server, allTracks, client, closeAll, makeRoom, raw, sleep, test, until, waitFor } from './harness.js';

let srv;
before(async () => {
  srv = await Server.start();
});
after(async () => {
  await closeAll();
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

test('the same cid twice at once (the first not yet on disk): the repeat waits for it and gets its answer', async () => {
  const room = (await makeRoom(srv)).id;
  const a = await guest(room);
  const text = `burst ${Math.random()}`;
  a.ws.json({ type: 'chat', room, text, cid: 'b-1', ref: 'one' });
  a.ws.json({ type: 'chat', room, text, cid: 'b-1', ref: 'two' });
  a.ws.json({ type: 'chat', room, text, cid: 'b-1', ref: 'three' });
  const answers = [await a.ws.next((m) => m.ref === 'one'), await a.ws.next((m) => m.ref === 'two'), await a.ws.next((m) => m.ref === 'three')];
  for (const m of answers) assert.equal(m.type, 'ack', JSON.stringify(m));
  assert.deepEqual(answers.map((m) => m.id), [answers[0].id, answers[0].id, answers[0].id]);
  assert.deepEqual(lines(await look(room), text).map((m) => m.id), [answers[0].id]);
  a.ws.close();
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

/**
 * A TCP relay in front of the server: `mute` drops what the server sends (an ack lost on the
 * way), `cut()` ends every connection through it (the network went away); new ones pass.
 */
async function relay(port) {
  const pairs = new Set();
  const r = net.createServer((down) => {
    const up = net.connect(port, '127.0.0.1');
    const pair = { down, up };
    pairs.add(pair);
    down.on('data', (d) => up.write(d));
    up.on('data', (d) => {
      if (!r.mute) down.write(d);
    });
    const end = () => {
      down.destroy();
      up.destroy();
      pairs.delete(pair);
    };
    for (const s of [down, up]) {
      s.on('close', end);
      s.on('error', end);
    }
  });
  r.mute = false;
  r.cut = () => {
    r.mute = false;
    for (const p of [...pairs]) {
      p.down.destroy();
      p.up.destroy();
    }
  };
  await new Promise((resolve) => r.listen(0, '127.0.0.1', resolve));
  r.url = `ws://127.0.0.1:${r.address().port}/ws`;
  return r;
}

test('the SDK resends a chat and a queue add whose acks were lost with the connection: each shows once', async () => {
  const room = (await makeRoom(srv)).id;
  const [track] = await allTracks(srv);
  const watcher = await client(srv, 'Watcher');
  await watcher.join(room);
  const r = await relay(srv.port);
  try {
    const c = await client(srv, 'Flaky', { url: r.url });
    await c.join(room);
    const text = `resent ${Math.random()}`;
    r.mute = true; // the server gets the chat and answers; the answer never arrives
    const seen = waitFor(watcher, 'chat', (d) => d.msg?.text === text);
    const said = c.chat(text);
    const added = c.addTrack(track.id);
    const line = await seen;
    await until(() => watcher.room.queue.some((e) => e.added_by?.id === c.user.id), 3000, 'the entry in the room');
    assert.equal(c.unanswered, 2, 'both writes wait for their answers');
    r.cut(); // the client reconnects, rejoins and sends both again with the same cids
    assert.equal(await said, line.msg.id, 'the caller gets the id of the one message');
    const entry = await added;
    assert.equal(c.unanswered, 0);
    await sleep(300);
    assert.equal(watcher.room.chat.filter((m) => m.text === text).length, 1, 'the room saw it once');
    assert.equal(c.room.chat.filter((m) => m.text === text).length, 1, 'and so did its sender');
    const snap = await look(room);
    assert.equal(lines(snap, text).length, 1, 'stored once');
    assert.deepEqual(snap.queue.filter((e) => e.added_by?.id === c.user.id).map((e) => e.id), [entry], 'queued once');
  } finally {
    r.cut();
    r.close();
  }
});
