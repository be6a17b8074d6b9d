// rooms.test.js - join, presence, queue, votes, skip, chat and search, seen from two clients.
// SPDX-License-Identifier: GPL-3.0-or-later
import assert from 'node:assert/strict';
import { after, afterEach, before } from 'node:test';
import { account, allTracks, client, closeAll, deltaLog, makeRoom, raw, Server, sleep, test, until } from './harness.js';

let srv;
let tracks;
const logs = [];

before(async () => {
  srv = await Server.start();
  tracks = await allTracks(srv);
  assert.ok(tracks.length >= 4, `the demo library has ${tracks.length} tracks`);
});
afterEach(async () => {
  // Whatever a test did, every client saw its room's deltas with consecutive seqs.
  for (const { c, log } of logs.splice(0)) {
    log.stop();
    assert.deepEqual(log.problems, [], `${c.user.name} saw seq gaps`);
  }
  await closeAll();
});
after(async () => {
  await closeAll();
  await srv?.dispose();
});

const has = (list, user) => (list ?? []).some((u) => u.id === user.id);
/** A presence delta saying `user` came (or went). */
const joined = (d, user) => d.type === 'presence' && has(d.joined, user);
const left = (d, user) => d.type === 'presence' && has(d.left, user);

/** A client that has joined `room`, with a log of the deltas it receives. */
async function member(room, name) {
  const c = await client(srv, name);
  const log = deltaLog(c);
  await c.join(room.id);
  logs.push({ c, log });
  c.log = log;
  return c;
}

const isTrack = (t) => {
  assert.equal(typeof t, 'object');
  assert.ok(Number.isInteger(t.id));
  for (const k of ['title', 'artist', 'album', 'url', 'source']) assert.equal(typeof t[k], 'string', `track.${k}`);
  assert.ok(Number.isFinite(t.duration_ms) && t.duration_ms > 0, 'track.duration_ms');
  assert.equal(t.url, `/media/${t.id}`);
  assert.ok(t.cover === null || typeof t.cover === 'string');
};

test('join answers a snapshot with everything a newcomer needs', async () => {
  const room = await makeRoom(srv, 'Snapshot room');
  const a = await client(srv, 'Ada');
  const s = await a.request({ type: 'join', room: room.id });
  assert.equal(s.type, 'snapshot');
  assert.equal(s.room, room.id);
  assert.equal(typeof s.epoch, 'string');
  assert.ok(s.epoch.length > 0);
  assert.ok(Number.isInteger(s.seq) && s.seq >= 0);
  assert.equal('recovered' in s, false, 'recovered only when resuming');
  assert.ok(Math.abs(s.server_time - Date.now()) < 2000);
  assert.deepEqual(s.info, { id: room.id, name: 'Snapshot room', description: 'test', tags: ['t'] });
  assert.ok(s.now_playing, 'a room always plays something');
  isTrack(s.now_playing.track);
  assert.ok(s.now_playing.started_at <= s.server_time);
  assert.ok(s.server_time - s.now_playing.started_at < s.now_playing.track.duration_ms);
  assert.equal(s.now_playing.entry, null);
  assert.equal(s.now_playing.added_by, null);
  assert.deepEqual(s.queue, []);
  assert.deepEqual(s.listeners, [{ ...a.user, avatar: null }]);
  assert.equal(s.listener_count, 1);
  assert.equal(s.your_role, 'listener', 'a guest in an account\'s room');
  assert.equal(typeof s.settings, 'object');
  assert.deepEqual(s.chat, []);
  assert.deepEqual(s.skip, { votes: 0, needed: 1 });
  assert.equal(a.room.id, room.id);
  assert.equal(a.room.nowPlaying.track.id, s.now_playing.track.id);
});

test('presence: join, leave and disconnect are seen by the other listener', async () => {
  const room = await makeRoom(srv);
  const a = await member(room, 'Ada');
  const b = await member(room, 'Bob');
  const j = await a.log.find((d) => joined(d, b.user));
  // presence is coalesced per 50 ms tick: Ada's own join may ride along
  assert.deepEqual(j.joined.find((u) => u.id === b.user.id), { ...b.user, avatar: null });
  assert.deepEqual(j.left, []);
  assert.equal(j.count, 2);
  assert.deepEqual(j.skip, { votes: 0, needed: 1 });
  assert.equal(a.room.listenerCount, 2);
  assert.equal(j.room, room.id);
  assert.equal(j.epoch, a.room.epoch);
  assert.deepEqual(new Set(a.room.listeners.map((u) => u.id)), new Set([a.user.id, b.user.id]));
  assert.deepEqual(new Set(b.room.listeners.map((u) => u.id)), new Set([a.user.id, b.user.id]));

  const bye = await b.leave();
  assert.equal(bye.type, 'left');
  assert.equal(bye.room, room.id);
  const l = await a.log.find((d) => left(d, b.user));
  assert.equal(l.count, 1);
  assert.deepEqual(l.joined, []);
  assert.deepEqual(a.room.listeners, [{ ...a.user, avatar: null }]);
  assert.equal(a.room.listenerCount, 1);
  const rest = await srv.http('GET', `/api/rooms/${room.id}`);
  assert.equal(rest.body.room.listeners, 1);

  const c = await member(room, 'Cy');
  await a.log.find((d) => joined(d, c.user));
  await c.close();
  const gone = await a.log.find((d) => left(d, c.user));
  assert.equal(gone.count, 1);
});

test('joining another room leaves the first', async () => {
  const r1 = await makeRoom(srv);
  const r2 = await makeRoom(srv);
  const a = await member(r1, 'Ada');
  const b = await member(r1, 'Bob');
  // (a join and a leave within one presence tick cancel out, so let the join be seen first)
  await a.log.find((d) => joined(d, b.user));
  await b.join(r2.id);
  assert.equal(b.room.id, r2.id);
  const l = await a.log.find((d) => left(d, b.user));
  assert.equal(l.count, 1);
  const e = await b.request({ type: 'chat', room: r1.id, text: 'still here?' }).catch((x) => x);
  assert.equal(e.code, 'not_in_room');
});

test('queue_add: ack with the entry id, entry_added for everyone', async () => {
  const room = await makeRoom(srv);
  const a = await member(room, 'Ada');
  const b = await member(room, 'Bob');
  const t = tracks[1];
  const id = await a.addTrack(t.id);
  assert.ok(Number.isInteger(id));
  const d = await b.log.find((x) => x.type === 'entry_added' && x.entry.id === id);
  assert.equal(d.room, room.id);
  assert.equal(d.entry.track.id, t.id);
  isTrack(d.entry.track);
  assert.deepEqual(d.entry.added_by, a.user);
  assert.ok(Math.abs(d.entry.added_at - Date.now()) < 2000);
  assert.equal(d.entry.score, 0);
  assert.equal(d.entry.up, 0);
  assert.equal(d.entry.down, 0);
  assert.equal('my_vote' in d.entry && d.entry.my_vote !== 0 && d.entry.my_vote !== null, false);
  await until(() => a.room.queue.some((e) => e.id === id));
  assert.deepEqual(b.room.queue.map((e) => e.id), [id]);
});

test('votes: up, down, change and retract move score and order', async () => {
  const room = await makeRoom(srv);
  const a = await member(room, 'Ada');
  const b = await member(room, 'Bob');
  const c = await member(room, 'Cy');
  const e1 = await a.addTrack(tracks[1].id);
  const e2 = await a.addTrack(tracks[2].id);
  const e3 = await a.addTrack(tracks[3].id);
  const order = () => b.room.queue.map((e) => e.id);
  const voted = (id, score, up, down) =>
    a.log.find((d) => d.type === 'entry_voted' && d.entry.id === id && d.entry.score === score && d.entry.up === up && d.entry.down === down);
  await until(() => order().length === 3);
  assert.deepEqual(order(), [e1, e2, e3], 'equal scores: earlier first');

  await b.vote(e3, 1);
  await voted(e3, 1, 1, 0);
  await c.vote(e3, 1);
  await voted(e3, 2, 2, 0);
  await until(() => order()[0] === e3);
  assert.deepEqual(order(), [e3, e1, e2]);

  await b.vote(e3, -1); // change: one vote per person
  await voted(e3, 0, 1, 1);
  await b.vote(e3, -1); // the same vote again changes nothing
  await c.vote(e3, -1);
  await voted(e3, -2, 0, 2);
  await until(() => order()[2] === e3);
  assert.deepEqual(order(), [e1, e2, e3]);

  await b.vote(e2, 1);
  await voted(e2, 1, 1, 0);
  await until(() => order()[0] === e2);
  assert.deepEqual(order(), [e2, e1, e3]);

  await c.vote(e3, 0); // retract
  await voted(e3, -1, 0, 1);
  await b.vote(e3, 0);
  await voted(e3, 0, 0, 0);
  await until(() => order()[1] === e1 && order()[2] === e3);
  assert.deepEqual(order(), [e2, e1, e3], 'back to 0: after the older entry');

  // A newcomer's snapshot has the same order and tallies; the voter sees its own vote.
  const d = await client(srv, 'Dee');
  const s = await d.request({ type: 'join', room: room.id });
  assert.deepEqual(s.queue.map((e) => [e.id, e.score, e.up, e.down]), [[e2, 1, 1, 0], [e1, 0, 0, 0], [e3, 0, 0, 0]]);
  for (const e of s.queue) assert.ok(!e.my_vote, `my_vote for a non-voter: ${JSON.stringify(e)}`);
  const b2 = await client(srv, 'Bob', { token: b.token });
  const sb = await b2.request({ type: 'join', room: room.id });
  assert.equal(sb.queue.find((e) => e.id === e2).my_vote, 1, "the voter's snapshot carries my_vote");
  for (const c2 of [a, b, c]) {
    assert.deepEqual(c2.room.queue.map((e) => [e.id, e.score]), [[e2, 1], [e1, 0], [e3, 0]], c2.user.name);
  }
});

test('queue_remove: your own entry yes, someone else\'s not_allowed', async () => {
  const room = await makeRoom(srv);
  const a = await member(room, 'Ada');
  const b = await member(room, 'Bob');
  const mine = await a.addTrack(tracks[1].id);
  const theirs = await b.addTrack(tracks[2].id);
  const e = await b.removeEntry(mine).catch((x) => x);
  assert.equal(e.code, 'not_allowed');
  assert.ok(b.room.queue.some((x) => x.id === mine));
  const ack = await a.removeEntry(mine);
  assert.equal(ack.type, 'ack');
  const d = await b.log.find((x) => x.type === 'entry_removed' && x.id === mine);
  assert.equal(d.reason, 'removed');
  await until(() => !a.room.queue.some((x) => x.id === mine));
  assert.deepEqual(b.room.queue.map((x) => x.id), [theirs]);
  assert.equal((await a.removeEntry(mine).catch((x) => x)).code, 'no_such_entry');
  assert.equal((await b.vote(mine, 1).catch((x) => x)).code, 'no_such_entry');
});

async function skipTo(c, { entry, from, track } = {}) {
  const np = await c.log.find((d) => d.type === 'now_playing' && d.skipped === true, 5000);
  if (entry !== undefined) assert.equal(np.entry, entry);
  if (from) assert.equal(np.from, from);
  if (track !== undefined) assert.equal(np.track.id, track);
  return np;
}

test('skip with one listener: one vote plays the next entry', async () => {
  const room = await makeRoom(srv);
  const a = await member(room, 'Ada');
  assert.deepEqual(a.room.skip, { votes: 0, needed: 1 });
  const entry = await a.addTrack(tracks[2].id);
  const before = Date.now();
  await a.voteSkip(true);
  const np = await skipTo(a, { entry, from: 'queue', track: tracks[2].id });
  assert.deepEqual(np.added_by, a.user);
  assert.ok(Math.abs(np.started_at - before) < 2000, 'started now');
  isTrack(np.track);
  assert.deepEqual(a.room.queue, []);
  const s = await (await client(srv, 'Late')).request({ type: 'join', room: room.id });
  assert.equal(s.now_playing.entry, entry);
  assert.deepEqual(s.now_playing.added_by, a.user);
  assert.equal(s.skip.votes, 0, 'a new track starts with no skip votes');
});

test('skip with two listeners: needed is 1; with three it is 2 and retracting counts', async () => {
  const room = await makeRoom(srv);
  const a = await member(room, 'Ada');
  const b = await member(room, 'Bob');
  assert.equal(b.room.skip.needed, 1, 'ceil(2 × 0.5) = 1');
  await b.voteSkip(true);
  const np = await skipTo(a, { from: 'fallback', entry: null });
  assert.equal(np.added_by, null);

  const c = await member(room, 'Cy');
  assert.deepEqual(c.room.skip, { votes: 0, needed: 2 }, 'ceil(3 × 0.5) = 2');
  const skips = (n) => a.log.list.filter((d) => d.type === 'now_playing' && d.skipped).length === n;
  await a.voteSkip(true);
  const tally = await c.log.find((d) => d.type === 'skip' && d.votes === 1);
  assert.equal(tally.needed, 2);
  await a.voteSkip(false);
  await c.log.find((d) => d.type === 'skip' && d.votes === 0 && d.seq > tally.seq);
  await b.voteSkip(true);
  await c.log.find((d) => d.type === 'skip' && d.votes === 1 && d.seq > tally.seq);
  await sleep(200);
  assert.ok(skips(1), 'one vote of three listeners must not skip');
  const t = a.room.nowPlaying.track.id;
  await c.voteSkip(true);
  await until(() => skips(2));
  assert.notEqual(a.room.nowPlaying.track.id, t);
});

test('chat: everyone sees it; newcomers get the history; text is kept as sent', async () => {
  const room = await makeRoom(srv);
  const a = await member(room, 'Ada');
  const b = await member(room, 'Bob');
  const text = 'hello <b>world</b> & "friends" 🎶 é';
  const id = await a.chat(text);
  assert.ok(Number.isInteger(id));
  const d = await b.log.find((x) => x.type === 'chat' && x.msg.id === id);
  assert.deepEqual(d.msg.user, a.user);
  assert.equal(d.msg.text, text);
  assert.ok(Math.abs(d.msg.ts - Date.now()) < 2000);
  const id2 = await b.chat('second');
  await a.log.find((x) => x.type === 'chat' && x.msg.id === id2);
  const c = await member(room, 'Cy');
  assert.deepEqual(c.room.chat.map((m) => [m.id, m.text, m.user.id]), [[id, text, a.user.id], [id2, 'second', b.user.id]]);
  assert.deepEqual(c.room.chat[0], d.msg, 'a newcomer sees the line exactly as it went out');
  assert.deepEqual(a.room.chat.map((m) => m.id), [id, id2]);
});

test('chat: an account is shown as its person, without the guest mark', async () => {
  const room = await makeRoom(srv);
  const acc = await account(srv, 'Chatty');
  const acct = await client(srv, 'ignored', { session: acc.token });
  const log = deltaLog(acct);
  logs.push({ c: acct, log });
  await acct.join(room.id);
  const g = await member(room, 'Gus');
  const id = await acct.chat('from an account');
  const d = await g.log.find((x) => x.type === 'chat' && x.msg.id === id);
  assert.deepEqual(d.msg.user, acct.user);
  assert.equal(d.msg.user.guest, undefined);
  assert.equal(Number.isInteger(d.msg.ts), true, 'whole milliseconds');
});

test('chat: 500 characters pass, 501 are too_long', async () => {
  const room = await makeRoom(srv);
  const a = await member(room, 'Ada');
  assert.ok(Number.isInteger(await a.chat('é'.repeat(500))), '500 characters (1000 bytes) are fine');
  const e = await a.chat('x'.repeat(501)).catch((x) => x);
  assert.equal(e.code, 'too_long');
  assert.equal(a.status, 'open');
  assert.equal(a.room.chat.length, 1);
});

test('chat: the 11th message in 10 s is rate_limited, for the person on every connection', async () => {
  const room = await makeRoom(srv);
  const a = await member(room, 'Ada');
  for (let i = 0; i < 10; i++) assert.ok(Number.isInteger(await a.chat(`msg ${i}`)), `message ${i}`);
  const e = await a.chat('one too many').catch((x) => x);
  assert.equal(e.code, 'rate_limited');
  const a2 = await client(srv, 'Ada', { token: a.token });
  await a2.join(room.id);
  assert.equal((await a2.chat('from elsewhere').catch((x) => x)).code, 'rate_limited', 'the limit is per person');
  const b = await member(room, 'Bob');
  assert.ok(Number.isInteger(await b.chat('others may talk')));
});

test('search finds tracks by title, artist and album; limit caps; no match is empty', async () => {
  const a = await client(srv, 'Ada');
  const all = await a.search('');
  assert.ok(all.length >= 4);
  all.forEach(isTrack);
  assert.deepEqual(new Set(all.map((t) => t.id)), new Set(tracks.map((t) => t.id)), 'empty q lists the library');
  assert.equal((await a.search('', 2)).length, 2);
  const t = tracks[0];
  for (const field of ['title', 'artist', 'album']) {
    const word = t[field].split(/\s+/).find((w) => w.length >= 3) ?? t[field];
    const q = word.toLowerCase();
    const found = await a.search(q);
    assert.ok(found.some((x) => x.id === t.id), `search "${q}" (${field}) finds track ${t.id}`);
    for (const x of found) {
      assert.ok([x.title, x.artist, x.album].some((s) => s.toLowerCase().includes(q)), `"${q}" matched ${JSON.stringify(x)}`);
    }
  }
  assert.deepEqual(await a.search('zzqqxx-no-such-thing'), []);
  const rest = await srv.http('GET', `/api/tracks?q=${encodeURIComponent(t.title)}`);
  assert.ok(rest.body.tracks.some((x) => x.id === t.id));
});

test('room errors: not_in_room, no_such_room, no_such_track, no_such_entry', async () => {
  const room = await makeRoom(srv);
  const other = await makeRoom(srv);
  const a = await client(srv, 'Ada');
  const err = (msg) => a.request(msg).then((m) => ({ code: `no error: ${JSON.stringify(m)}` }), (e) => e);
  assert.equal((await err({ type: 'chat', room: room.id, text: 'hi' })).code, 'not_in_room');
  assert.equal((await err({ type: 'join', room: 987654 })).code, 'no_such_room');
  await a.join(room.id);
  assert.equal((await err({ type: 'queue_add', room: other.id, track: tracks[0].id })).code, 'not_in_room');
  assert.equal((await err({ type: 'vote', room: other.id, entry: 1, value: 1 })).code, 'not_in_room');
  assert.equal((await err({ type: 'skip', room: other.id, value: true })).code, 'not_in_room');
  assert.equal((await err({ type: 'queue_add', room: room.id, track: 987654 })).code, 'no_such_track');
  assert.equal((await err({ type: 'vote', room: room.id, entry: 987654, value: 1 })).code, 'no_such_entry');
  assert.equal((await err({ type: 'queue_remove', room: room.id, entry: 987654 })).code, 'no_such_entry');
  await a.leave();
  assert.equal((await err({ type: 'chat', room: room.id, text: 'hi' })).code, 'not_in_room');
  assert.equal((await err({ type: 'leave', room: room.id })).code, 'not_in_room');
  assert.equal(a.status, 'open', 'errors keep the connection open');
});

test('an entry that played is gone: no_such_entry', async () => {
  const room = await makeRoom(srv);
  const a = await member(room, 'Ada');
  const entry = await a.addTrack(tracks[1].id);
  await a.voteSkip(true);
  await skipTo(a, { entry });
  assert.equal((await a.vote(entry, 1).catch((x) => x)).code, 'no_such_entry');
  assert.equal((await a.removeEntry(entry).catch((x) => x)).code, 'no_such_entry');
});

test('raw frames may batch several messages; the SDK applies them all', async () => {
  // Many deltas in a burst: whether the server batches them or not, both clients agree.
  const room = await makeRoom(srv);
  const a = await member(room, 'Ada');
  const ws = await raw(srv);
  await ws.call({ type: 'hello', v: 1, name: 'Burst' });
  await ws.call({ type: 'join', room: room.id });
  const ids = [];
  for (let i = 0; i < 8; i++) ws.json({ type: 'queue_add', room: room.id, track: tracks[i % tracks.length].id, ref: `q${i}` });
  for (let i = 0; i < 8; i++) ids.push((await ws.next((m) => m.ref === `q${i}`)).entry);
  await until(() => a.room.queue.length === 8);
  assert.deepEqual(new Set(a.room.queue.map((e) => e.id)), new Set(ids));
  assert.deepEqual(a.room.queue.map((e) => e.id), [...ids].sort((x, y) => x - y), 'equal scores: in the order added');
  ws.close();
});

test('listeners stay right through second tabs and leaves in any order', async () => {
  // Each person is listed once however many tabs they have open, and stays listed until their
  // last tab leaves; people leaving from the middle of the list do not disturb the others.
  const room = await makeRoom(srv, 'Comings and goings');
  const people = [];
  for (let i = 0; i < 12; i++) people.push(await client(srv, `P${i}`));
  for (const c of people) await c.join(room.id);
  const tabs = [];
  for (const i of [1, 4, 7, 10]) {
    const t = await client(srv, `P${i}`, { token: people[i].token });
    assert.equal(t.user.id, people[i].user.id, 'the same person in a second tab');
    await t.join(room.id);
    tabs.push({ i, t });
  }
  const watcher = await client(srv, 'Watcher');
  const listed = async (want) => {
    const s = await watcher.request({ type: 'join', room: room.id });
    const ids = s.listeners.map((u) => u.id).filter((id) => id !== watcher.user.id).sort((a, b) => a - b);
    assert.deepEqual(ids, [...want].sort((a, b) => a - b));
    assert.equal(s.listener_count, want.size + 1);
    await watcher.leave();
  };
  const present = new Set(people.map((c) => c.user.id));
  await listed(present);
  // first tabs of people with a second one: still listed
  for (const { i } of tabs) await people[i].close();
  await sleep(300); // the server has seen those tabs go
  await listed(present);
  // others leave from the front, the middle and the end of the list
  for (const i of [0, 6, 11, 3, 5]) {
    await people[i].leave();
    present.delete(people[i].user.id);
  }
  await listed(present);
  // the second tabs go: now those people leave too
  for (const { i, t } of tabs) {
    await t.close();
    present.delete(people[i].user.id);
  }
  await until(async () => {
    try {
      await listed(present);
      return true;
    } catch {
      return false;
    }
  }, 5000, 'the listeners after every tab closed');
  // one who left comes back, and is listed once
  await people[6].join(room.id);
  present.add(people[6].user.id);
  await listed(present);
});
