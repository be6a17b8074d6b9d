// stats.test.js - the life of a room against the real server: likes (WebSocket and REST, per song,
// the room's likes count), likes export (M3U, JSON), listening history, top tracks (plays and
// votes, all time and 7 days), top fans (score, ties), play history and "top" mode.
// SPDX-License-Identifier: GPL-3.0-or-later
import { before, after, test as nodeTest } from 'node:test';
import assert from 'node:assert/strict';
import { test, sleep, until, waitFor, collect } from './harness.js';
import { signupAs, sdkAs, closeClients, rest, refused, acct } from './authz-helpers.js';
import { startLobbyServer, roomWith, patchRoom, queueStreams, tracks as allTracks, sql, nextRowId, DAY_MS } from './lobby-helpers.js';
import * as L from '../../sdk/lobby.js';

let srv;
let owner;
let lib; // library tracks
let song; // {canon, copy}: the two copies of "Morning Arpeggio"

before(async () => {
  srv = await startLobbyServer();
  owner = await signupAs(srv, 'Owner');
  lib = await allTracks(srv);
  const copies = lib.filter((t) => t.title === 'Morning Arpeggio').map((t) => t.id).sort((a, b) => a - b);
  assert.equal(copies.length, 2, 'the lobby library holds two copies of Morning Arpeggio');
  song = { canon: copies[0], copy: copies[1] };
});

after(async () => {
  await closeClients();
  await srv?.dispose();
});

/** Every `likes` delta a client receives (the SDK passes it on as a 'message'), once per seq. */
function likesLog(c) {
  const list = [];
  const seqs = new Set();
  c.on('message', (m) => {
    if (m.type !== 'likes' || seqs.has(`${m.epoch}/${m.seq}`)) return; // a resume may send it again
    seqs.add(`${m.epoch}/${m.seq}`);
    list.push(m);
  });
  return list;
}

test('likes: per song over WebSocket and REST; the room counts present listeners who like what plays', async () => {
  const room = await roomWith(srv, owner, { name: 'Likes room' });
  const [p1, p2, p3] = [await signupAs(srv, 'P1'), await signupAs(srv, 'P2'), await signupAs(srv, 'P3')];
  const c1 = await sdkAs(srv, p1);
  const c2 = await sdkAs(srv, p2);
  const c3 = await sdkAs(srv, p3); // never joins the room
  await c1.join(room.id);
  await c2.join(room.id);
  const seen = likesLog(c2);
  // make the room play the song: queue the copy (the canonical one is queued) and skip to it
  await c1.addTrack(song.copy);
  const np = waitFor(c2, 'now_playing', (d) => d.track.id === song.canon);
  await c1.voteSkip(true);
  const started = await np;
  assert.equal(started.likes, 0, 'now_playing carries likes: nobody likes it yet');

  const ack = await L.like(c1, song.canon, true);
  assert.equal(ack.type, 'ack');
  await until(() => seen.length === 1, 3000, 'a likes delta');
  assert.deepEqual([seen[0].track, seen[0].count], [song.canon, 1]);
  assert.equal(seen[0].room, room.id);
  // P2 likes the other copy over REST: the same song, so the count is 2
  assert.deepEqual(await L.likeTrack(srv.base, p2.token, song.copy), { liked: true });
  await until(() => seen.length === 2, 3000, 'a second likes delta');
  assert.equal(seen[1].count, 2);
  // someone not in the room likes it: not counted, the room hears nothing
  await L.like(c3, song.canon, true);
  await sleep(300);
  assert.equal(seen.length, 2, 'a like from outside the room does not change its count');
  // liking again changes nothing
  await L.like(c1, song.copy, true);
  await sleep(300);
  assert.equal(seen.length, 2, 'liking a liked song again is no change');
  // P3 comes in: the snapshot counts them; going out, they leave the count
  const inRoom = await c3.join(room.id);
  assert.equal(inRoom.nowPlaying.likes, 3, 'a snapshot counts every present listener who likes it');
  await c3.leave();
  // unlike over WebSocket
  await L.like(c1, song.canon, false);
  await until(() => seen.length === 3, 3000, 'a likes delta after unliking');
  assert.equal(seen[2].count, 1, 'P3 left, P1 unliked: P2 is the one left');
  // P2's likes list holds the song once, by its canonical id
  const mine = await L.likes(srv.base, p2.token);
  assert.deepEqual(mine.map((l) => l.track.id), [song.canon]);
  assert.deepEqual(await L.likeTrack(srv.base, p2.token, song.canon), { liked: true });
  assert.equal((await L.likes(srv.base, p2.token)).length, 1, 'liking the other copy does not add a second entry');
  // unliking either copy unlikes the song
  assert.deepEqual(await L.unlikeTrack(srv.base, p2.token, song.copy), { liked: false });
  assert.deepEqual(await L.likes(srv.base, p2.token), []);
  await until(() => seen.length === 4, 3000, 'a likes delta after unliking over REST');
  assert.equal(seen[3].count, 0);
  // errors
  const guest = await sdkAs(srv, null, 'Guest');
  await guest.join(room.id);
  await refused(L.like(guest, song.canon, true), 'sign_in_required', 'a guest liking');
  await refused(L.like(c1, 999999, true), 'no_such_track');
  await refused(L.likeTrack(srv.base, p1.token, 999999), 'no_such_track');
  for (const [m, p] of [['GET', '/api/me/likes'], ['GET', '/api/me/likes.m3u'], ['PUT', `/api/me/likes/${song.canon}`], ['DELETE', `/api/me/likes/${song.canon}`]]) {
    const r = await srv.http(m, p);
    assert.equal(r.status, 401, `${m} ${p} as a guest`);
  }
  for (const c of [c1, c2, guest]) await c.leave();
});

nodeTest('a snapshot\'s now_playing carries likes', {
  timeout: 30000,
}, async () => {
  const room = await roomWith(srv, owner, { name: 'Likes snapshot' });
  const p = await signupAs(srv, 'Liker');
  const c = await sdkAs(srv, p);
  await c.join(room.id);
  await L.like(c, c.room.nowPlaying.track.id, true);
  const late = await sdkAs(srv, await signupAs(srv, 'Late'));
  const snaps = [];
  late.on('message', (m) => m.type === 'snapshot' && snaps.push(m));
  await late.join(room.id);
  assert.equal(snaps[0].now_playing.likes, 1, 'one present listener likes what plays');
  await late.leave();
  await c.leave();
});

nodeTest('the SDK keeps following the room through likes deltas (no re-join)', { timeout: 30000 }, async () => {
  const room = await roomWith(srv, owner, { name: 'Likes and seq' });
  const p = await signupAs(srv, 'Seq');
  const c = await sdkAs(srv, p);
  await c.join(room.id);
  const resumed = collect(c, 'resumed');
  await L.like(c, c.room.nowPlaying.track.id, true);
  await c.chat('after the like');
  await sleep(500);
  assert.equal(c.room.chat.at(-1)?.text, 'after the like');
  assert.equal(resumed.list.length, 0, 'no resume was needed');
  await c.leave();
});

test('likes export: M3U with #EXTINF lines and absolute media URLs (players outside the browser open them), JSON newest first; both empty at first', async () => {
  const me = await signupAs(srv, 'Exporter');
  const empty = await srv.http('GET', '/api/me/likes.m3u', { headers: { authorization: `Bearer ${me.token}` } });
  assert.equal(empty.status, 200);
  assert.match(empty.headers.get('content-type'), /^audio\/x-mpegurl/);
  assert.equal(empty.body.trim(), '#EXTM3U', 'an empty playlist');
  assert.deepEqual(await L.likes(srv.base, me.token), []);
  const picks = lib.filter((t) => t.source === 'local' && t.id !== song.copy).slice(0, 3);
  for (const t of picks) {
    await L.likeTrack(srv.base, me.token, t.id);
    await sleep(5); // distinct liked_at
  }
  const json = await L.likes(srv.base, me.token);
  assert.deepEqual(json.map((l) => l.track.id), picks.map((t) => t.id).reverse(), 'newest first');
  for (let i = 1; i < json.length; i++) assert.ok(json[i - 1].liked_at >= json[i].liked_at);
  assert.equal(json[0].track.title, picks[2].title, 'full track objects');
  const text = await L.likesM3u(srv.base, me.token);
  const lines = text.split('\n').filter((l) => l !== '');
  assert.equal(lines[0], '#EXTM3U');
  const expect = [];
  for (const t of [...picks].reverse()) expect.push(`#EXTINF:${Math.floor(t.duration_ms / 1000)},${t.artist} - ${t.title}`, `${srv.base}/media/${t.id}`);
  assert.deepEqual(lines.slice(1), expect);
  for (const l of lines.filter((x) => !x.startsWith('#'))) assert.equal((await fetch(l, { method: 'HEAD' })).status, 200, `${l} plays`);
});

test('listening history: the tracks that started while I was in a room, newest first', async () => {
  const me = await signupAs(srv, 'Historian');
  assert.deepEqual(await L.history(srv.base, me.token), [], 'empty at first');
  assert.equal((await srv.http('GET', '/api/me/history')).status, 401, 'guests have none');
  const room = await roomWith(srv, owner, { name: 'History room' });
  const c = await sdkAs(srv, me);
  const joined = await c.join(room.id);
  const before = joined.nowPlaying; // started before I came: not mine
  const mine = [];
  for (let i = 0; i < 2; i++) {
    const np = waitFor(c, 'now_playing');
    await c.voteSkip(true);
    mine.push(await np);
  }
  await c.leave();
  await sleep(50);
  // a track that starts after I left is not in my history
  const dj = await sdkAs(srv, owner);
  await dj.join(room.id);
  const after = waitFor(dj, 'now_playing');
  await dj.voteSkip(true);
  await after;
  const h = await until(async () => {
    const list = await L.history(srv.base, me.token);
    return list.length >= 2 && list;
  }, 3000, 'my history');
  assert.deepEqual(h.map((p) => [p.track.id, p.started_at]), mine.reverse().map((d) => [d.track.id, d.started_at]));
  assert.ok(h.every((p) => p.room.id === room.id && p.room.name === 'History room'));
  assert.ok(!h.some((p) => p.started_at === before.started_at), 'the track already playing when I joined is not mine');
  assert.equal((await L.history(srv.base, me.token, { limit: 1 })).length, 1);
  await dj.leave();
});

// ---------- a room with a known past: top tracks, top fans, play history, top mode ----------

const S = {}; // the statistics room and its people
const title = (t) => t.title;

test('set-up: eight one-second tracks and a long one play in a room with votes', async () => {
  S.room = await roomWith(srv, owner, { name: 'Stats room' });
  S.v = [];
  for (let i = 1; i <= 4; i++) S.v.push(await signupAs(srv, `V${i}`));
  S.dj = await sdkAs(srv, owner);
  S.first = (await S.dj.join(S.room.id)).nowPlaying;
  S.c = [];
  for (const v of S.v) {
    const c = await sdkAs(srv, v);
    await c.join(S.room.id);
    S.c.push(c);
  }
  const F = 'Fast Band';
  const added = await queueStreams(srv, owner, S.room.id, [
    [F, 'One', 1], [F, 'One', 1], [F, 'One', 1], [F, 'Two', 1], [F, 'Two', 1], [F, 'Three', 1], [F, 'Four', 1], [F, 'Five', 1], [F, 'Long', 600],
  ]);
  S.track = {};
  for (const a of added) S.track[a.track.title] = a.track;
  const e = added.map((a) => a.entry);
  // V1 up Three, Four, Two#1; V2 up Three, down Two#1
  for (const [c, entry, value] of [[0, e[5], 1], [0, e[6], 1], [0, e[3], 1], [1, e[5], 1], [1, e[3], -1]]) await S.c[c].vote(entry, value);
  S.played = [];
  S.dj.on('now_playing', (d) => S.played.push(d));
  await acct.mod(S.dj, S.room.id, 'skip');
  await until(() => S.dj.room.nowPlaying.track.id === S.track.Long.id, 15000, 'the queue to play through to Long');
  assert.deepEqual(S.played.map((d) => title(d.track)), ['Three', 'Four', 'One', 'One', 'One', 'Two', 'Two', 'Five', 'Long'], 'queue order: score, then added');
}, { timeout: 30000 });

test('play history: newest first, who added each track, its up and down votes, skipped and from', async () => {
  const plays = await L.roomHistory(srv.base, null, S.room.id);
  const want = [...S.played].reverse().map((d) => [d.track.id, d.started_at, 'queue', false, owner.user.id]);
  want.push([S.first.track.id, S.first.started_at, 'fallback', true, null]);
  assert.deepEqual(plays.map((p) => [p.track.id, p.started_at, p.from, p.skipped, p.added_by?.id ?? null]), want);
  assert.equal(plays[0].added_by.name, 'Owner');
  const votes = plays.map((p) => `${title(p.track)} ${p.up}/${p.down}`);
  assert.deepEqual(votes.slice(0, 9), ['Long 0/0', 'Five 0/0', 'Two 0/0', 'Two 1/1', 'One 0/0', 'One 0/0', 'One 0/0', 'Four 1/0', 'Three 2/0']);
  assert.deepEqual((await L.roomHistory(srv.base, null, S.room.id, { limit: 2 })).map((p) => title(p.track)), ['Long', 'Five']);
});

test('top tracks by plays and by votes; ties by the other figure, then track id; skipped plays do not count', async () => {
  const row = (t) => `${title(t.track)} ${t.plays}/${t.upvotes}`;
  const byPlays = await L.topTracks(srv.base, null, S.room.id, { by: 'plays' });
  assert.ok(!byPlays.some((t) => t.track.id === S.first.track.id), 'the skipped track is not a top track');
  assert.deepEqual(byPlays.map(row), ['One 3/0', 'Two 2/1', 'Three 1/2', 'Four 1/1', 'Five 1/0', 'Long 1/0']);
  assert.deepEqual((await L.topTracks(srv.base, null, S.room.id)).map(row), byPlays.map(row), 'plays is the default');
  const byVotes = await L.topTracks(srv.base, null, S.room.id, { by: 'votes' });
  assert.deepEqual(byVotes.map(row), ['Three 1/2', 'Two 2/1', 'Four 1/1', 'One 3/0', 'Five 1/0', 'Long 1/0']);
  assert.deepEqual((await L.topTracks(srv.base, null, S.room.id, { limit: 2 })).map(row), ['One 3/0', 'Two 2/1']);
  // the period: three plays of Five a month ago count for all time, not for 7 days
  const ago = Date.now() - 30 * DAY_MS;
  sql(srv, [0, 1, 2].map((i) => `INSERT INTO plays (id, room_id, track_id, started_at, from_queue, skipped) VALUES (${nextRowId()}, ${S.room.id}, ${S.track.Five.id}, ${ago + i * 1000}, 0, 0);`).join(''));
  const all = await L.topTracks(srv.base, null, S.room.id, { period: 'all' });
  assert.deepEqual(all.slice(0, 2).map(row), ['Five 4/0', 'One 3/0']);
  const week = await L.topTracks(srv.base, null, S.room.id, { period: '7d' });
  assert.deepEqual(week.map(row), byPlays.map(row));
  S.row = row;
  S.byPlays = byPlays;
  // errors
  for (const q of ['by=size', 'period=1y', 'limit=0']) {
    const r = await srv.http('GET', `/api/rooms/${S.room.id}/top-tracks?${q}`);
    assert.equal(r.status, 400, q);
    assert.equal(r.body.error.code, 'bad_field');
  }
  await refused(L.topTracks(srv.base, null, 999999), 'no_such_room');
  // a fresh room: only what plays now, once
  const fresh = await roomWith(srv, owner, { name: 'Fresh stats' });
  const ft = await L.topTracks(srv.base, null, fresh.id);
  assert.equal(ft.length, 1);
  assert.equal(ft[0].plays, 1);
  assert.deepEqual(await L.topFans(srv.base, null, fresh.id), [], 'nobody listened: no fans');
});

nodeTest('top tracks: query parameters combine (by, period and limit together)', {
  timeout: 30000,
}, async () => {
  const week = await L.topTracks(srv.base, null, S.room.id, { by: 'votes', period: '7d', limit: 3 });
  assert.deepEqual(week.map(S.row), ['Three 1/2', 'Two 2/1', 'Four 1/1']);
  const all = await L.topTracks(srv.base, null, S.room.id, { by: 'plays', period: 'all', limit: 2 });
  assert.deepEqual(all.map(S.row), ['Five 4/0', 'One 3/0']);
  const fans = await L.topFans(srv.base, null, S.room.id, { period: '7d', limit: 2 });
  assert.equal(fans.length, 2);
});

test('top fans: listening minutes + 10·tracks added that played + votes; ties by user id; 7 days', async () => {
  const [v1, v2, v3, v4] = S.v;
  const now = Date.now();
  // V4 listened 2 minutes this week (score 2, as V2's two votes); V3 listened 10 minutes a month ago
  sql(srv, `INSERT INTO presence_log (id, user_id, room_id, joined_at, left_at) VALUES (${nextRowId()}, ${v4.user.id}, ${S.room.id}, ${now - 3 * 60e3}, ${now - 60e3});` +
    `INSERT INTO presence_log (id, user_id, room_id, joined_at, left_at) VALUES (${nextRowId()}, ${v3.user.id}, ${S.room.id}, ${now - 30 * DAY_MS}, ${now - 30 * DAY_MS + 10 * 60e3});`);
  const row = (f) => [f.user.id, f.tracks_played, f.votes, Math.floor(f.listening_ms / 60000), f.score];
  const all = await L.topFans(srv.base, null, S.room.id);
  for (const f of all) assert.equal(f.score, Math.floor(f.listening_ms / 60000) + 10 * f.tracks_played + f.votes, `score of ${f.user.name}`);
  assert.deepEqual(all.map(row), [
    [owner.user.id, 9, 0, 0, 90],
    [v3.user.id, 0, 0, 10, 10],
    [v1.user.id, 0, 3, 0, 3],
    [v2.user.id, 0, 2, 0, 2],
    [v4.user.id, 0, 0, 2, 2],
  ]);
  const week = await L.topFans(srv.base, null, S.room.id, { period: '7d' });
  assert.deepEqual(week.map(row), [
    [owner.user.id, 9, 0, 0, 90],
    [v1.user.id, 0, 3, 0, 3],
    [v2.user.id, 0, 2, 0, 2],
    [v4.user.id, 0, 0, 2, 2],
    [v3.user.id, 0, 0, 0, 0],
  ]);
  assert.equal((await L.topFans(srv.base, null, S.room.id, { limit: 1 })).length, 1);
  // a private room's statistics are for those who may enter it
  const priv = await roomWith(srv, owner, { name: 'Private stats' });
  await patchRoom(srv, owner, priv.id, { visibility: 'private' });
  for (const what of ['top-tracks', 'top-fans', 'history']) {
    assert.equal((await srv.http('GET', `/api/rooms/${priv.id}/${what}`)).status, 404, `${what} of a private room for a guest`);
    assert.equal((await rest(srv, 'GET', `/api/rooms/${priv.id}/${what}`, owner.token)).status, 200, `${what} for its owner`);
  }
});

nodeTest('"top" mode: the room plays only its most played tracks instead of the queue', {
  timeout: 30000,
}, async () => {
  const r = await patchRoom(srv, owner, S.room.id, { rules: { mode: 'top' } });
  assert.equal(r.settings.mode, 'top');
  const top = new Set((await L.topTracks(srv.base, null, S.room.id, { limit: 50 })).map((t) => t.track.id));
  const heard = [];
  const off = S.dj.on('now_playing', (d) => heard.push(d.track));
  for (let i = 0; i < 3; i++) {
    const np = waitFor(S.dj, 'now_playing');
    await acct.mod(S.dj, S.room.id, 'skip');
    await np;
  }
  await sleep(2500); // one-second tracks end and the next top track starts
  off();
  assert.ok(heard.length >= 4, `several tracks played (${heard.length})`);
  for (const t of heard) assert.ok(top.has(t.id), `${t.artist} – ${t.title} is one of the room's top tracks`);
  const back = await patchRoom(srv, owner, S.room.id, { rules: { mode: 'queue' } });
  assert.equal(back.settings.mode, 'queue');
  const bad = await rest(srv, 'PATCH', `/api/rooms/${S.room.id}`, owner.token, { rules: { mode: 'shuffle' } });
  assert.equal(bad.status, 400);
  await S.dj.leave();
  for (const c of S.c) await c.leave();
});
