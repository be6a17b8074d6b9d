// resume.test.js - resuming after drops and restarts; shutdown closes with 1001; nothing is lost.
// SPDX-License-Identifier: GPL-3.0-or-later
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { after, afterEach, before } from 'node:test';
import { allTracks, client, closeAll, makeRoom, raw, Server, sleep, test, until, waitFor } from './harness.js';

let srv;
let tracks;
before(async () => {
  srv = await Server.start();
  tracks = await allTracks(srv);
});
afterEach(closeAll);
after(async () => {
  await closeAll();
  await srv?.dispose();
});

const DELTAS = new Set(['presence', 'entry_added', 'entry_voted', 'entry_removed', 'now_playing', 'skip', 'chat', 'notice']);

/** A raw socket that said hello and joined `roomId`; `last` is the highest seq it has seen. */
async function rawMember(roomId, name, token) {
  const ws = await raw(srv);
  const w = await ws.call({ type: 'hello', v: 1, name, ...(token ? { token } : {}) });
  const s = await ws.call({ type: 'join', room: roomId });
  assert.equal(s.type, 'snapshot');
  ws.welcome = w;
  ws.snapshot = s;
  ws.last = () => Math.max(s.seq, ...ws.inbox.filter((m) => DELTAS.has(m.type) && m.room === roomId).map((m) => m.seq));
  return ws;
}

test('resume with no gap: resumed (recovered:true), then every missed delta in order', async () => {
  const room = await makeRoom(srv);
  const a = await client(srv, 'Ada');
  await a.join(room.id);
  const b = await rawMember(room.id, 'Bob');
  await until(() => a.room.listeners.length === 2);
  await sleep(100);
  const last = b.last();
  const { epoch } = b.snapshot;
  b.close();
  await b.closed;
  await until(() => a.room.listeners.length === 1);
  const chatId = await a.chat('you missed this');
  const entry = await a.addTrack(tracks[1].id);
  await a.vote(entry, 1);
  await until(() => a.room.queue[0]?.score === 1);

  const b2 = await raw(srv);
  const w = await b2.call({ type: 'hello', v: 1, name: 'Bob', token: b.welcome.token });
  assert.equal(w.user.id, b.welcome.user.id);
  b2.json({ type: 'join', room: room.id, epoch, seq: last, ref: 'resume' });
  const r = await b2.next((m) => m.ref === 'resume');
  assert.equal(r.type, 'resumed', JSON.stringify(r));
  assert.equal(r.recovered, true);
  assert.equal(r.room, room.id);
  assert.equal(r.epoch, epoch);
  await until(() => b2.inbox.some((m) => m.type === 'entry_voted'));
  const replay = b2.inbox.filter((m) => DELTAS.has(m.type));
  assert.deepEqual(
    replay.slice(0, 4).map((d) => [d.seq, d.type]),
    [[last + 1, 'presence'], [last + 2, 'chat'], [last + 3, 'entry_added'], [last + 4, 'entry_voted']],
  );
  assert.deepEqual(replay[0].left, [b.welcome.user]);
  assert.equal(replay[1].msg.id, chatId);
  assert.equal(replay[2].entry.id, entry);
  assert.equal(replay[3].entry.score, 1);
  assert.ok(replay.every((d, i) => d.seq === last + 1 + i && d.epoch === epoch), 'consecutive, same epoch');
  b2.close();
});

test('resume with an unknown epoch answers a snapshot with recovered:false', async () => {
  const room = await makeRoom(srv);
  const a = await client(srv, 'Ada');
  const s = await a.request({ type: 'join', room: room.id, epoch: 'not-the-epoch', seq: 3 });
  assert.equal(s.type, 'snapshot');
  assert.equal(s.recovered, false);
  assert.notEqual(s.epoch, 'not-the-epoch');
  assert.deepEqual(s.listeners, [{ ...a.user, avatar: null }], 'a listener without an avatar says null');
});

test('resume from further back than the history keeps (1024 deltas) answers a snapshot', async () => {
  const room = await makeRoom(srv);
  const old = await rawMember(room.id, 'Old');
  const from = old.last();
  // 16 voters x 68 votes: each stays inside its connection's burst of 80 messages.
  const voters = await Promise.all([...Array(16)].map((_, i) => rawMember(room.id, `V${i}`)));
  const entry = (await voters[0].call({ type: 'queue_add', room: room.id, track: tracks[0].id })).entry;
  await Promise.all(
    voters.map(async (v) => {
      for (let i = 0; i < 68; i++) {
        const m = await v.call({ type: 'vote', room: room.id, entry, value: i % 2 ? -1 : 1 });
        assert.equal(m.type, 'ack', JSON.stringify(m));
      }
    }),
  );
  await sleep(100);
  assert.ok(voters[0].last() - from > 1024, `only ${voters[0].last() - from} deltas`);
  const ws = await raw(srv);
  await ws.call({ type: 'hello', v: 1, name: 'Old', token: old.welcome.token });
  const s = await ws.call({ type: 'join', room: room.id, epoch: old.snapshot.epoch, seq: from });
  assert.equal(s.type, 'snapshot');
  assert.equal(s.recovered, false);
  assert.equal(s.epoch, old.snapshot.epoch, 'same epoch: no restart happened');
  assert.equal(s.queue.find((e) => e.id === entry).score, -16);
  for (const w of [old, ws, ...voters]) w.close();
});

test('the SDK resumes by itself after the server drops it (1009) and catches up', async () => {
  const room = await makeRoom(srv);
  const a = await client(srv, 'Ada');
  const b = await client(srv, 'Bob');
  await a.join(room.id);
  await b.join(room.id);
  const id = a.user.id;
  const down = waitFor(a, 'connection', (e) => e.status === 'reconnecting');
  const resumed = waitFor(a, 'resumed', () => true, 10000);
  a.send('x'.repeat(70 * 1024));
  assert.equal((await down).code, 1009);
  const msg = await b.chat('while you were away');
  const r = await resumed;
  assert.equal(r.recovered, true);
  await until(() => a.room.chat.some((m) => m.id === msg));
  assert.equal(a.user.id, id);
  assert.equal(a.status, 'open');
  const again = await a.chat('back');
  await until(() => b.room.chat.some((m) => m.id === again));
});

test('SIGTERM closes sockets with 1001 and exits 0; clients come back to a snapshot (recovered:false)', async () => {
  const room = await makeRoom(srv);
  const a = await client(srv, 'Ada');
  await a.join(room.id);
  const { epoch, seq } = a.room;
  const id = a.user.id;
  const ws = await raw(srv);
  await ws.call({ type: 'hello', v: 1, name: 'Raw' });
  const snap = waitFor(a, 'message', (m) => m.type === 'snapshot', 20000);
  const down = waitFor(a, 'connection', (e) => e.status === 'reconnecting');
  await srv.restart(); // asserts exit code 0
  const closed = await ws.closed;
  assert.equal(closed.code, 1001);
  assert.equal(closed.reason, 'server shutting down');
  assert.equal((await down).code, 1001);
  const s = await snap;
  assert.equal(s.recovered, false);
  assert.equal(s.room, room.id);
  assert.notEqual(s.epoch, epoch, 'a restart changes the epoch');
  assert.ok(typeof s.seq === 'number');
  assert.equal(a.user.id, id, 'the token survives a restart');
  assert.equal(a.room.epoch, s.epoch);
  assert.ok(a.room.listeners.some((u) => u.id === id));
  void seq;
});

// Regression: on SIGTERM the sockets closed while writes were still on their way to the disk, so
// some chat lines were stored but never acknowledged (a client would send them again: doubled).
// Now every stored line was acknowledged before its socket closed, and every acknowledged one is
// stored.
test('SIGTERM under load: every write that reached the disk was acknowledged before the close', async () => {
  const other = await Server.start({ args: ['--chat-rate', '100000/1', '--msg-rate', '100000'] });
  try {
    const room = await makeRoom(other);
    const acked = new Set();
    const sent = new Set();
    const sockets = [];
    let n = 0;
    // each writer keeps 10 chat lines in flight, as a client waiting for its acks would
    const send = (ws) => {
      const text = `line-${n++}`;
      sent.add(text);
      ws.json({ type: 'chat', room: room.id, text, ref: text });
    };
    for (let c = 0; c < 6; c++) {
      const ws = await raw(other);
      await ws.call({ type: 'hello', v: 1, name: `Writer${c}` });
      await ws.call({ type: 'join', room: room.id });
      ws.on('message', (data) => {
        const parsed = JSON.parse(String(data));
        for (const m of Array.isArray(parsed) ? parsed : [parsed]) {
          if (m.type === 'ack' && typeof m.ref === 'string') {
            acked.add(m.ref);
            if (ws.readyState === ws.OPEN) send(ws);
          }
        }
      });
      sockets.push(ws);
    }
    for (const ws of sockets) for (let k = 0; k < 10; k++) send(ws);
    await sleep(400);
    const closed = Promise.all(sockets.map((ws) => ws.closed));
    const stopped = other.stop();
    const codes = await closed;
    await stopped;
    for (const c of codes) assert.equal(c.code, 1001);
    const db = path.join(other.dataDir, 'soundroom.db');
    const stored = new Set(
      execFileSync('sqlite3', [db, `SELECT text FROM chat_messages WHERE room_id = ${Number(room.id)}`], { encoding: 'utf8' })
        .split('\n')
        .filter((t) => t.startsWith('line-')),
    );
    assert.ok(stored.size > 20, `only ${stored.size} lines were stored`);
    const unacked = [...stored].filter((t) => !acked.has(t));
    const lost = [...acked].filter((t) => !stored.has(t));
    console.log(`SIGTERM under load: sent ${sent.size}, stored ${stored.size}, acked ${acked.size}`);
    assert.deepEqual(unacked, [], `${unacked.length} of ${stored.size} stored lines were never acknowledged`);
    assert.deepEqual(lost, [], 'acknowledged lines were lost');
  } finally {
    other.kill();
    await other.dispose().catch(() => {});
  }
}, { timeout: 60000 });

test('a restart loses nothing: rooms, queue, votes, chat, identity and the current track', async () => {
  const room = await makeRoom(srv, 'Persistent');
  const a = await client(srv, 'Ada');
  const b = await client(srv, 'Bob');
  await a.join(room.id);
  await b.join(room.id);
  // Play a long track so it is still playing after the restart.
  const long = [...tracks].sort((x, y) => y.duration_ms - x.duration_ms)[0];
  assert.ok(long.duration_ms >= 10000, `longest demo track is ${long.duration_ms} ms`);
  const first = await a.addTrack(long.id);
  await a.voteSkip(true);
  await until(() => a.room.nowPlaying?.entry === first);
  const e1 = await a.addTrack(tracks[1].id);
  const e2 = await b.addTrack(tracks[2].id);
  const e3 = await b.addTrack(tracks[3].id);
  await b.vote(e3, 1);
  await a.vote(e3, 1);
  await a.vote(e1, -1);
  const c1 = await a.chat('before the restart');
  const c2 = await b.chat('me too');
  await until(() => b.room.queue[0]?.score === 2 && b.room.chat.length === 2);

  const watcher = await client(srv, 'Watcher');
  const before = await watcher.request({ type: 'join', room: room.id });
  await watcher.close();
  await srv.restart();
  const c = await client(srv, 'Watcher2');
  const after = await c.request({ type: 'join', room: room.id });

  assert.deepEqual(after.info, before.info);
  assert.deepEqual(after.queue.map((e) => e.id), [e3, e2, e1]);
  const strip = (q) => q.map(({ my_vote, ...e }) => e);
  assert.deepEqual(strip(after.queue), strip(before.queue), 'entries with their tallies and added_at');
  assert.deepEqual(after.chat, before.chat);
  assert.deepEqual(after.chat.map((m) => m.id), [c1, c2]);
  assert.equal(after.now_playing.track.id, long.id);
  assert.equal(after.now_playing.entry, first);
  assert.deepEqual(after.now_playing.added_by, a.user);
  assert.ok(Math.abs(after.now_playing.started_at - before.now_playing.started_at) < 1, 'the track keeps its wall-clock position');

  const rooms = (await srv.http('GET', '/api/rooms')).body.rooms;
  const listed = rooms.find((r) => r.id === room.id);
  assert.equal(listed?.name, 'Persistent');
  assert.equal(listed.now_playing?.id, long.id);

  // Same people, same votes: Bob's up vote on e3 is still his.
  const b2 = await client(srv, 'Bob', { token: b.token });
  assert.equal(b2.user.id, b.user.id);
  await b2.join(room.id);
  await b2.vote(e3, 1);
  await sleep(100);
  assert.equal(b2.room.queue.find((e) => e.id === e3).score, 2, 'voting again does not count twice');
  await b2.vote(e3, 0);
  await until(() => b2.room.queue.find((e) => e.id === e3).score === 1);
  const removed = await b2.removeEntry(e2);
  assert.equal(removed.type, 'ack', 'Bob still owns his entry');
});
