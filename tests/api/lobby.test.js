// lobby.test.js - the live lobby over the SDK (snapshot, coalesced lobby_update, public rooms only),
// room search, trending (decaying activity, not size), recommended (friends, favourite tags, liked
// artists, visits), favourites and artist rooms, against the real server.
// SPDX-License-Identifier: GPL-3.0-or-later
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { test, sleep, until, waitFor, raw } from './harness.js';
import { signupAs, sdkAs, closeClients, rest, refused } from './authz-helpers.js';
import { startLobbyServer, roomWith, patchRoom, queueStreams, tracks as allTracks } from './lobby-helpers.js';
import * as L from '../../sdk/lobby.js';

let srv;
let owner; // owns most rooms here
let watcher; // an account subscribed to the lobby from the start, for the 10 s updates
const watched = []; // [{at, m}] every lobby_update the watcher saw
let started;

before(async () => {
  srv = await startLobbyServer();
  started = Date.now();
  owner = await signupAs(srv, 'Owner');
  const w = await sdkAs(srv, await signupAs(srv, 'Watcher'));
  w.on('message', (m) => m.type === 'lobby_update' && watched.push({ at: Date.now(), m }));
  watcher = L.subscribeLobby(w);
  await watcher.ready;
});

after(async () => {
  await closeClients();
  await srv?.dispose();
});

/** A fresh lobby answer for `who` (an account, or null for a guest), through the SDK. */
async function lobbyOf(who) {
  const c = await sdkAs(srv, who);
  const unsub = L.subscribeLobby(c);
  const lobby = await unsub.ready;
  await unsub();
  await c.close();
  return lobby;
}

const SUMMARY_KEYS = ['artist', 'description', 'id', 'listeners', 'name', 'now_playing', 'tags', 'trending'];

test('the lobby answer lists every public room as a summary; unlisted and private rooms never appear', async () => {
  const pub = await roomWith(srv, owner, { name: 'Public Parlour', description: 'open to all', tags: ['open'] });
  const unl = await roomWith(srv, owner, { name: 'Unlisted Nook' });
  const priv = await roomWith(srv, owner, { name: 'Private Den' });
  await patchRoom(srv, owner, unl.id, { visibility: 'unlisted' });
  await patchRoom(srv, owner, priv.id, { visibility: 'private' });
  // people in the hidden rooms make them change, which must not leak either
  const inside = await sdkAs(srv, owner);
  await inside.join(priv.id);

  const lobby = await lobbyOf(await signupAs(srv, 'Browser'));
  const s = lobby.rooms.get(pub.id);
  assert.ok(s, 'the public room is listed');
  assert.deepEqual(Object.keys(s).sort(), SUMMARY_KEYS);
  assert.equal(s.name, 'Public Parlour');
  assert.equal(s.description, 'open to all');
  assert.deepEqual(s.tags, ['open']);
  assert.equal(s.listeners, 0);
  assert.equal(s.artist, null);
  assert.equal(typeof s.now_playing.id, 'number', 'now playing is a track');
  assert.match(s.now_playing.url, /^\/media\/\d+$/);
  assert.equal(s.trending, 0, 'nothing happened there yet');
  assert.ok(lobby.rooms.has(1), 'the demo room is public');
  for (const hidden of [unl.id, priv.id]) {
    assert.ok(!lobby.rooms.has(hidden), `room ${hidden} is not public and must not be listed`);
    assert.ok(!lobby.trending.includes(hidden), `room ${hidden} must not trend`);
  }
  assert.deepEqual(lobby.favorites, []);
  assert.deepEqual(lobby.recommended, []);
  // the SDK's list() gives summaries in trending order
  assert.deepEqual(lobby.list('trending').map((x) => x.id), lobby.trending);
  // a guest sees the same rooms, and never recommendations or favourites
  const guest = await lobbyOf(null);
  assert.deepEqual([...guest.rooms.keys()].sort(), [...lobby.rooms.keys()].sort());
  assert.deepEqual(guest.recommended, []);
  assert.deepEqual(guest.favorites, []);
  await inside.leave();
});

test('lobby_update tells subscribers about listeners and now playing without polling, naming only rooms that changed', async () => {
  const a = await roomWith(srv, owner, { name: 'Live Alpha' });
  const b = await roomWith(srv, owner, { name: 'Live Beta' });
  const priv = await roomWith(srv, owner, { name: 'Live Secret' });
  await patchRoom(srv, owner, priv.id, { visibility: 'private' });
  const sub = await sdkAs(srv, await signupAs(srv, 'Sub'));
  const updates = [];
  sub.on('message', (m) => m.type === 'lobby_update' && updates.push({ at: Date.now(), m }));
  const seen = [];
  const unsub = L.subscribeLobby(sub, (lobby) => seen.push(lobby.rooms.get(a.id)?.listeners));
  const lobby = await unsub.ready;
  assert.equal(lobby.rooms.get(a.id).listeners, 0);
  await sleep(700); // let the updates about the rooms just made go by
  updates.length = 0;

  const ann = await sdkAs(srv, await signupAs(srv, 'Ann'));
  const bob = await sdkAs(srv, await signupAs(srv, 'Bob'));
  await ann.join(a.id);
  await bob.join(a.id);
  await until(() => lobby.rooms.get(a.id).listeners === 2, 3000, 'the lobby to count 2 listeners in Alpha');
  // a change in the private room is never announced
  const sneak = await sdkAs(srv, owner);
  await sneak.join(priv.id);
  await sneak.voteSkip(true);
  await sleep(1200);
  for (const { m } of updates) {
    for (const r of m.rooms) {
      assert.notEqual(r.id, priv.id, 'a private room must not appear in lobby_update');
      assert.notEqual(r.id, b.id, 'Beta did not change and must not be named');
    }
  }
  // now playing: Ann skips (2 listeners at ratio 0.5: her vote is enough), the lobby hears of it.
  // (Bob does not vote: his vote could land on the next track and skip that one too.)
  const before = lobby.rooms.get(a.id).now_playing.id;
  const next = waitFor(ann, 'now_playing');
  await ann.voteSkip(true);
  const np = await next;
  await until(() => lobby.rooms.get(a.id).now_playing?.id === np.track.id && np.track.id !== undefined, 3000, 'the lobby to show the new track');
  assert.ok(np.skipped, `Alpha moved on from track ${before}`);
  // leaving is counted too
  await bob.leave();
  await until(() => lobby.rooms.get(a.id).listeners === 1, 3000, 'the lobby to count 1 listener');
  // coalesced: at most one update every 500 ms (the 10 s trending round aside)
  const plain = updates.filter(({ m }) => m.rooms.length > 0);
  for (let i = 1; i < plain.length; i++) {
    assert.ok(plain[i].at - plain[i - 1].at >= 400, `updates ${plain[i].at - plain[i - 1].at} ms apart`);
  }
  assert.ok(seen.length >= 3, 'onUpdate was called for the answer and the updates');
  // unsubscribe: acknowledged, and no more updates
  await unsub();
  const n = updates.length;
  await ann.leave();
  await sleep(1200);
  assert.equal(updates.length, n, 'no lobby_update after unsubscribing');
  await sneak.leave();
});

test('lobby needs hello first; subscribe must be a boolean', async () => {
  const ws = await raw(srv);
  const r = await ws.call({ type: 'lobby' });
  assert.equal(r.type, 'error');
  assert.equal(r.code, 'hello_required');
  await ws.call({ type: 'hello', v: 1, name: 'Raw' });
  const bad = await ws.call({ type: 'lobby', subscribe: 'yes' });
  assert.equal(bad.code, 'bad_field');
  const ok = await ws.call({ type: 'lobby' });
  assert.equal(ok.type, 'lobby');
  assert.ok(Array.isArray(ok.rooms) && Array.isArray(ok.trending));
  const off = await ws.call({ type: 'lobby', subscribe: false });
  assert.equal(off.type, 'ack');
  ws.close();
});

test('GET /api/rooms?q= finds rooms by name, description, tag and what plays; every word must match', async () => {
  const jazz = await roomWith(srv, owner, { name: 'Smoky Basement', description: 'brushes and upright bass', tags: ['bebop', 'latenight'] });
  const other = await roomWith(srv, owner, { name: 'Sunny Terrace', tags: ['latenight'] });
  const hidden = await roomWith(srv, owner, { name: 'Smoky Attic' });
  await patchRoom(srv, owner, hidden.id, { visibility: 'unlisted' });
  const ids = async (q) => (await L.searchRooms(srv.base, q)).map((r) => r.id).sort((x, y) => x - y);
  assert.deepEqual(await ids('smoky'), [jazz.id], 'by name (any case); the unlisted one is not found');
  assert.deepEqual(await ids('upright'), [jazz.id], 'by description');
  assert.deepEqual(await ids('bebop'), [jazz.id], 'by tag');
  assert.deepEqual(await ids('latenight'), [jazz.id, other.id].sort((x, y) => x - y), 'a shared tag finds both');
  assert.deepEqual(await ids('latenight sunny'), [other.id], 'every word must match');
  assert.deepEqual(await ids('zzqx'), [], 'no match: an empty list');
  // what plays: queue a track with a distinctive artist and title, and skip to it
  const dj = await sdkAs(srv, owner);
  await dj.join(other.id);
  await queueStreams(srv, owner, other.id, [['Quokka Collective', 'Marsupial Waltz', 600]]);
  const np = waitFor(dj, 'now_playing', (d) => d.track.title === 'Marsupial Waltz');
  await dj.voteSkip(true);
  await np;
  assert.deepEqual(await ids('quokka'), [other.id], 'by the playing artist');
  assert.deepEqual(await ids('marsupial waltz'), [other.id], 'by the playing title');
  const rooms = await L.searchRooms(srv.base, 'quokka');
  assert.equal(rooms[0].now_playing.artist, 'Quokka Collective');
  await dj.leave();
});

test('trending: rooms with no activity tie at 0 and rank by listeners, then id', async () => {
  const lobby = await lobbyOf(null);
  const zero = lobby.trending.filter((id) => lobby.rooms.get(id).trending === 0);
  assert.ok(zero.length >= 3, 'several idle rooms');
  const z = zero.map((id) => lobby.rooms.get(id));
  for (let i = 1; i < z.length; i++) {
    const [p, q] = [z[i - 1], z[i]];
    assert.ok(p.listeners > q.listeners || (p.listeners === q.listeners && p.id < q.id), `room ${p.id} before ${q.id}`);
  }
  // and every room with activity ranks above them
  const firstZero = lobby.trending.indexOf(zero[0]);
  assert.ok(lobby.trending.slice(firstZero).every((id) => lobby.rooms.get(id).trending === 0));
});

test('trending follows recent activity, not size: a small busy room outranks a big idle one; the score decays', async () => {
  const big = await roomWith(srv, owner, { name: 'Big Hall' });
  const small = await roomWith(srv, owner, { name: 'Small Club' });
  const people = [];
  for (let i = 0; i < 6; i++) people.push(await sdkAs(srv, await signupAs(srv, `P${i}`)));
  // Big Hall: four people join, then nothing happens (4 × 3 = 12)
  for (const p of people.slice(0, 4)) await p.join(big.id);
  // Small Club fills up and comes alive: two join (6), two tracks queued (4), three chat lines (3),
  // one vote (1), one like of what plays (1): 15 with half the listeners
  const [x, y] = people.slice(4);
  await x.join(small.id);
  await y.join(small.id);
  const added = await queueStreams(srv, owner, small.id, [['Club Act', 'Warm Up', 600], ['Club Act', 'Peak', 600]]);
  await x.chat('hi');
  await y.chat('hello');
  await x.chat('nice');
  await x.vote(added[0].entry, 1);
  await L.like(y, x.room.nowPlaying.track.id, true);
  const t0 = Date.now();
  const l1 = await lobbyOf(null);
  const t1 = Date.now();
  const [sb, ss] = [l1.rooms.get(big.id), l1.rooms.get(small.id)];
  assert.equal(sb.listeners, 4);
  assert.equal(ss.listeners, 2);
  // queue_add via import counts +2 per entry; the weights are those of the protocol
  assert.ok(Math.abs(sb.trending - 12) < 0.05, `Big Hall scores 12 (got ${sb.trending})`);
  assert.ok(Math.abs(ss.trending - 15) < 0.05, `Small Club scores 15 (got ${ss.trending})`);
  assert.ok(l1.trending.indexOf(small.id) < l1.trending.indexOf(big.id), 'the small busy room ranks above the big idle one');
  // decay: score(t) = score(t0)·2^(−Δt/10 min); after ~1.5 s nothing else happened in Big Hall
  await sleep(1500);
  const l2 = await lobbyOf(null);
  const t2 = Date.now();
  const s2 = l2.rooms.get(big.id).trending;
  assert.ok(s2 < sb.trending, `the score decays (${sb.trending} → ${s2})`);
  const lo = sb.trending * 2 ** (-(t2 - t0) / 600000);
  const hi = sb.trending * 2 ** (-(t2 - t1 - 100) / 600000);
  assert.ok(s2 >= lo - 1e-9 && s2 <= hi + 1e-9, `halves every 10 minutes: ${s2} within [${lo}, ${hi}]`);
  // leaving weighs −3: two leave Big Hall, which falls to about 6
  await people[0].leave();
  await people[1].leave();
  await sleep(100);
  const l3 = await lobbyOf(null);
  assert.ok(Math.abs(l3.rooms.get(big.id).trending - 6) < 0.05, `two leaves take 6 off (got ${l3.rooms.get(big.id).trending})`);
  for (const p of people) if (p.room) await p.leave();
});

test('recommended: friends present, favourite-room tags, liked artists and visits; ties by listeners, then id', async () => {
  const me = await signupAs(srv, 'Rec');
  const friend = await signupAs(srv, 'Friend');
  const shy = await signupAs(srv, 'Shy friend');
  const oneWay = await signupAs(srv, 'Followed');
  const follow = (a, b) => rest(srv, 'POST', `/api/users/${b.user.id}/follow`, a.token);
  for (const [a, b] of [[me, friend], [friend, me], [me, shy], [shy, me], [me, oneWay]]) assert.equal((await follow(a, b)).status, 200);
  assert.equal((await rest(srv, 'PATCH', '/api/me', shy.token, { hide_activity: true })).status, 200);

  const fav = await roomWith(srv, owner, { name: 'Fav', tags: ['recjazz', 'recnight'] });
  const withFriend = await roomWith(srv, owner, { name: 'R friend' }); // 5·1 + log2(1+1) = 6, 1 listener
  const tags1 = await roomWith(srv, owner, { name: 'R tags 1', tags: ['RecJazz', 'recnight', 'other'] }); // 3·2 = 6, 0 listeners
  const tags2 = await roomWith(srv, owner, { name: 'R tags 2', tags: ['recnight', 'recjazz'] }); // 6, 0 listeners, higher id
  const liked = await roomWith(srv, owner, { name: 'R liked' }); // 2·1 + log2(1+1) = 3
  const visited = await roomWith(srv, owner, { name: 'R visits' }); // min(2,5) = 2
  const shyRoom = await roomWith(srv, owner, { name: 'R shy' }); // a friend who hides activity: not counted
  const oneWayRoom = await roomWith(srv, owner, { name: 'R one way' }); // not a mutual follow: not counted

  assert.deepEqual((await L.addFavorite(srv.base, me.token, fav.id)), { favorite: true });
  const f = await sdkAs(srv, friend);
  await f.join(withFriend.id);
  const s = await sdkAs(srv, shy);
  await s.join(shyRoom.id);
  const o = await sdkAs(srv, oneWay);
  await o.join(oneWayRoom.id);
  // a liked artist playing in "R liked" (the owner is there: 1 listener)
  const dj = await sdkAs(srv, owner);
  await dj.join(liked.id);
  const [song] = await queueStreams(srv, owner, liked.id, [['Rec Artist', 'Rec Song', 600]]);
  const np = waitFor(dj, 'now_playing', (d) => d.track.id === song.track.id);
  await dj.voteSkip(true);
  await np;
  // I like another song of that artist (any of their tracks counts)
  const other = await queueStreams(srv, owner, fav.id, [['Rec Artist', 'Other Song', 600]]);
  assert.deepEqual(await L.likeTrack(srv.base, me.token, other[0].track.id), { liked: true });
  // two visits to "R visits"
  const mine = await sdkAs(srv, me);
  await mine.join(visited.id);
  await mine.leave();
  await mine.join(visited.id);
  await mine.leave();

  const lobby = await lobbyOf(me);
  assert.deepEqual(lobby.recommended, [withFriend.id, tags1.id, tags2.id, liked.id, visited.id],
    `recommended order (got ${JSON.stringify(lobby.recommended.map((id) => lobby.rooms.get(id)?.name))})`);
  assert.deepEqual(lobby.favorites, [fav.id]);
  // a guest gets none; someone with no friends, favourites, likes or visits gets none
  assert.deepEqual((await lobbyOf(null)).recommended, []);
  assert.deepEqual((await lobbyOf(await signupAs(srv, 'Nobody'))).recommended, []);
  await f.leave();
  await s.leave();
  await o.leave();
  await dj.leave();
});

test('favourites: add, list (with what plays there), remove; 404 for an unknown room, 401 for guests', async () => {
  const me = await signupAs(srv, 'Fan');
  const a = await roomWith(srv, owner, { name: 'Fav A', tags: ['fa'] });
  const b = await roomWith(srv, owner, { name: 'Fav B' });
  assert.deepEqual(await L.favorites(srv.base, me.token), [], 'empty at first');
  assert.deepEqual(await L.addFavorite(srv.base, me.token, a.id), { favorite: true });
  assert.deepEqual(await L.addFavorite(srv.base, me.token, b.id), { favorite: true });
  assert.deepEqual(await L.addFavorite(srv.base, me.token, a.id), { favorite: true }, 'adding twice is harmless');
  const list = await L.favorites(srv.base, me.token);
  assert.deepEqual(list.map((r) => r.id).sort((x, y) => x - y), [a.id, b.id]);
  const sa = list.find((r) => r.id === a.id);
  assert.deepEqual(Object.keys(sa).sort(), SUMMARY_KEYS);
  assert.equal(sa.name, 'Fav A');
  assert.equal(typeof sa.now_playing.title, 'string', 'what plays there');
  // a listener there shows in the favourites list
  const c = await sdkAs(srv, await signupAs(srv, 'Listener'));
  await c.join(a.id);
  await until(async () => (await L.favorites(srv.base, me.token)).find((r) => r.id === a.id).listeners === 1, 3000, 'favourite to show 1 listener');
  assert.deepEqual((await lobbyOf(me)).favorites.sort((x, y) => x - y), [a.id, b.id]);
  assert.deepEqual(await L.removeFavorite(srv.base, me.token, a.id), { favorite: false });
  assert.deepEqual((await L.favorites(srv.base, me.token)).map((r) => r.id), [b.id]);
  assert.deepEqual(await L.removeFavorite(srv.base, me.token, b.id), { favorite: false });
  assert.deepEqual(await L.favorites(srv.base, me.token), [], 'empty again');
  assert.deepEqual((await lobbyOf(me)).favorites, []);
  await refused(L.addFavorite(srv.base, me.token, 999999), 'no_such_room', 'an unknown room');
  await refused(L.removeFavorite(srv.base, me.token, 999999), 'no_such_room', 'an unknown room');
  const priv = await roomWith(srv, owner, { name: 'Fav private' });
  await patchRoom(srv, owner, priv.id, { visibility: 'private' });
  await refused(L.addFavorite(srv.base, me.token, priv.id), 'no_such_room', 'a private room I may not enter');
  for (const [m, p] of [['GET', '/api/me/favorites'], ['PUT', `/api/me/favorites/${a.id}`], ['DELETE', `/api/me/favorites/${a.id}`]]) {
    const r = await srv.http(m, p);
    assert.equal(r.status, 401, `${m} ${p} as a guest`);
    assert.equal(r.body.error.code, 'unauthenticated');
  }
  await c.leave();
});

test('artist rooms: made once (201), then the same room (200); 404 no_such_artist; it plays that artist', async () => {
  const made = await L.artistRoom(srv.base, 'Maxstack');
  assert.equal(made.created, true, 'the first request makes the room (201)');
  assert.equal(made.room.artist, 'Maxstack');
  assert.equal(made.room.name, 'Maxstack');
  const again = await L.artistRoom(srv.base, 'Maxstack');
  assert.equal(again.created, false, 'then 200');
  assert.equal(again.room.id, made.room.id, 'the same room');
  assert.equal((await L.artistRoom(srv.base, 'MAXSTACK')).room.id, made.room.id, 'any case');
  const raw404 = await srv.http('GET', '/api/artists/Nobody%20Here/room');
  assert.equal(raw404.status, 404);
  assert.equal(raw404.body.error.code, 'no_such_artist');
  await refused(L.artistRoom(srv.base, 'Rec Artist Unknown'), 'no_such_artist');
  const two = await L.artistRoom(srv.base, 'soundroom demo');
  assert.equal(two.created, true, 'an artist with a space in the name');
  assert.equal(two.room.artist, 'soundroom demo');
  // it is public and carries its artist in the lobby
  const lobby = await lobbyOf(null);
  assert.equal(lobby.rooms.get(made.room.id).artist, 'Maxstack');
  // its fallback plays that artist only
  const maxIds = new Set((await allTracks(srv)).filter((t) => t.artist === 'Maxstack').map((t) => t.id));
  const c = await sdkAs(srv, await signupAs(srv, 'Artist fan'));
  const room = await c.join(made.room.id);
  const played = [room.nowPlaying.track];
  for (let i = 0; i < 4; i++) {
    const next = waitFor(c, 'now_playing');
    await c.voteSkip(true);
    played.push((await next).track);
  }
  for (const t of played) assert.ok(maxIds.has(t.id), `the artist room played ${t.artist} – ${t.title}`);
  await c.leave();
});

test('every 10 s lobby_update carries trending (and, for accounts, recommended)', async () => {
  await until(() => watched.some(({ m }) => Array.isArray(m.trending)), Math.max(1000, 12000 - (Date.now() - started)), 'a trending round');
  const round = watched.find(({ m }) => Array.isArray(m.trending)).m;
  // the SDK keeps the lists the round brought
  assert.deepEqual(watcher.lobby.trending.length > 0, true);
  assert.ok(round.trending.every((id) => typeof id === 'number'));
  assert.ok(Array.isArray(round.recommended), `the round carries recommended: ${JSON.stringify(Object.keys(round))}`);
}, { timeout: 20000 });
