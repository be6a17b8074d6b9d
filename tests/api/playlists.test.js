// playlists.test.js - a person's own playlists: an M3U/PLS/XSPF file imported into a named list
// of the account (resolved like a room import: what was found, what was not and why), listed,
// shown, queued into a room, kept across a restart, deleted; others never see it.
// SPDX-License-Identifier: GPL-3.0-or-later
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before } from 'node:test';
import { account, closeAll, raw, Server, test } from './harness.js';

let srv, dir, me, other, roomId;
const FF = ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y'];
const ffmpeg = (...a) => execFileSync('ffmpeg', [...FF, ...a], { stdio: ['ignore', 'ignore', 'inherit'] });

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'soundroom-pl-'));
  fs.mkdirSync(path.join(dir, 'Tide Pool'));
  ffmpeg('-f', 'lavfi', '-i', 'sine=f=440:d=6', '-c:a', 'flac', '-metadata', 'title=Glass Harbour',
    '-metadata', 'artist=Tide Pool', path.join(dir, 'Tide Pool', '01 Glass Harbour.flac'));
  ffmpeg('-f', 'lavfi', '-i', 'sine=f=550:d=5', '-c:a', 'libvorbis', '-metadata:s:a:0', 'title=Salt Marsh',
    '-metadata:s:a:0', 'artist=Tide Pool', path.join(dir, 'salt.ogg'));
  srv = await Server.start({ args: ['--library', dir] });
  me = await account(srv, 'Collector');
  other = await account(srv, 'Other');
  const room = await as(me, 'POST', '/api/rooms', { name: 'Lists' });
  assert.equal(room.status, 201);
  roomId = room.body.room.id;
});
after(async () => {
  await closeAll();
  await srv?.dispose();
  fs.rmSync(dir, { recursive: true, force: true });
});

function as(who, method, p, body) {
  return srv.http(method, p, { body, headers: who ? { authorization: `Bearer ${who.token}` } : {} });
}

const M3U = [
  '#EXTM3U',
  '#PLAYLIST:Road trip',
  '#EXTINF:6,Tide Pool - Glass Harbour',
  'Tide Pool/01 Glass Harbour.flac',
  '#EXTINF:5,Tide Pool - Salt Marsh',
  'D:\\elsewhere\\marsh.mp3',
  '#EXTINF:-1,Loopback FM',
  'http://127.0.0.1:9/live.mp3',
  'missing/nothing.mp3',
  'spotify://track/123',
].join('\n');

let listId;

test('importing a playlist into my lists: resolved and unresolved entries, like a room import', async () => {
  assert.equal((await as(null, 'POST', '/api/me/playlists', { playlist: M3U })).status, 401);
  assert.equal((await as(null, 'GET', '/api/me/playlists')).body.error.code, 'unauthenticated');
  const res = await as(me, 'POST', '/api/me/playlists', { playlist: M3U, name: 'trip.m3u' });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  const { playlist, resolved, unresolved } = res.body;
  listId = playlist.id;
  assert.equal(playlist.name, 'Road trip', "the list's own title names it");
  assert.equal(playlist.format, 'm3u');
  assert.deepEqual([playlist.entries, playlist.resolved, playlist.unresolved], [5, 3, 2]);
  assert.deepEqual(resolved.map((r) => [r.index, r.track.title]), [[0, 'Glass Harbour'], [1, 'Salt Marsh'], [2, 'Loopback FM']]);
  assert.equal(resolved[2].track.source, 'stream');
  assert.deepEqual(unresolved.map((u) => [u.index, u.location, u.reason]),
    [[3, 'missing/nothing.mp3', 'not_found'], [4, 'spotify://track/123', 'unsupported']]);
  // a title given wins; a list without one is named by its file
  const named = await as(me, 'POST', '/api/me/playlists', { playlist: 'salt.ogg\n', title: 'Just salt' });
  assert.equal(named.body.playlist.name, 'Just salt');
  const byFile = await as(me, 'POST', '/api/me/playlists', { playlist: '[playlist]\nFile1=salt.ogg\nNumberOfEntries=1\n', name: 'sea.pls' });
  assert.equal(byFile.status, 201, JSON.stringify(byFile.body));
  assert.equal(byFile.body.playlist.name, 'sea.pls');
  assert.equal(byFile.body.playlist.format, 'pls');
  // listed newest first; the detail is what the import answered
  const list = await as(me, 'GET', '/api/me/playlists');
  assert.deepEqual(list.body.playlists.map((p) => p.name), ['sea.pls', 'Just salt', 'Road trip']);
  const one = await as(me, 'GET', `/api/me/playlists/${listId}`);
  assert.deepEqual(one.body, res.body);
  // nobody else sees it
  assert.deepEqual((await as(other, 'GET', '/api/me/playlists')).body.playlists, []);
  const theirs = await as(other, 'GET', `/api/me/playlists/${listId}`);
  assert.equal(theirs.status, 404);
  assert.equal(theirs.body.error.code, 'no_such_playlist');
  assert.equal((await as(other, 'DELETE', `/api/me/playlists/${listId}`)).status, 404);
  assert.equal((await as(other, 'POST', `/api/me/playlists/${listId}/queue`, { room: roomId })).status, 404);
});

test('queueing my playlist into a room: its resolved tracks in order, the rest reported', async () => {
  const ws = await raw(srv);
  await ws.call({ type: 'hello', session: me.token });
  await ws.call({ type: 'join', room: roomId });
  const res = await as(me, 'POST', `/api/me/playlists/${listId}/queue`, { room: roomId });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.deepEqual(res.body.added.map((a) => [a.index, a.track.title]), [[0, 'Glass Harbour'], [1, 'Salt Marsh'], [2, 'Loopback FM']]);
  assert.deepEqual(res.body.unresolved.map((u) => [u.index, u.reason]), [[3, 'not_found'], [4, 'unsupported']]);
  for (const a of res.body.added) {
    const d = await ws.next((m) => m.type === 'entry_added' && m.entry.id === a.entry, 3000);
    assert.equal(d.entry.added_by.id, me.user.id);
  }
  const bad = [
    [{}, 400, 'missing_field'],
    [{ room: 'x' }, 400, 'bad_field'],
    [{ room: 999999 }, 404, 'no_such_room'],
  ];
  for (const [body, status, code] of bad) {
    const r = await as(me, 'POST', `/api/me/playlists/${listId}/queue`, body);
    assert.equal(r.status, status, JSON.stringify(body));
    assert.equal(r.body.error.code, code);
  }
  // the room's rules apply per entry
  await as(me, 'PATCH', `/api/rooms/${roomId}`, { rules: { max_per_person: 1 } });
  const s2 = await raw(srv);
  await s2.call({ type: 'hello', session: other.token });
  await s2.call({ type: 'join', room: roomId });
  const mine = await as(other, 'POST', '/api/me/playlists', { playlist: M3U });
  const limited = await as(other, 'POST', `/api/me/playlists/${mine.body.playlist.id}/queue`, { room: roomId });
  assert.equal(limited.body.added.length, 1);
  assert.deepEqual(limited.body.unresolved.filter((u) => u.reason === 'limit_reached').map((u) => u.index), [1, 2]);
  await as(me, 'PATCH', `/api/rooms/${roomId}`, { rules: { max_per_person: 0 } });
  ws.close();
  s2.close();
});

test('bad imports answer with their codes and record nothing', async () => {
  const before = (await as(me, 'GET', '/api/me/playlists')).body.playlists.length;
  const bad = [
    ['not json', 400, 'bad_json'],
    [{}, 400, 'missing_field'],
    [{ playlist: 5 }, 400, 'bad_field'],
    [{ playlist: 'a.mp3', format: 'wma' }, 400, 'bad_field'],
    [{ playlist: 'a.mp3', title: 'x'.repeat(201) }, 400, 'too_long'],
    [{ playlist: 'a.mp3', title: 'a\u0001b' }, 400, 'bad_field'],
    [{ playlist: '<?xml version="1.0"?><playlist><trackList><track></trackList></playlist>' }, 400, 'bad_playlist'],
    [{ playlist: '#EXTM3U\n# nothing\n' }, 400, 'empty_playlist'],
  ];
  for (const [body, status, code] of bad) {
    const r = await as(me, 'POST', '/api/me/playlists', body);
    assert.equal(r.status, status, JSON.stringify(body));
    assert.equal(r.body.error.code, code, JSON.stringify(body));
  }
  assert.equal((await as(me, 'PUT', '/api/me/playlists')).status, 405);
  assert.equal((await as(me, 'PATCH', `/api/me/playlists/${listId}`, {})).status, 405);
  assert.equal((await as(me, 'GET', '/api/me/playlists/abc')).status, 404);
  assert.equal((await as(me, 'GET', `/api/me/playlists/${listId}/other`)).status, 404);
  assert.equal((await as(me, 'GET', '/api/me/playlists')).body.playlists.length, before);
});

test('lists are durable: they survive a restart, and a deleted one stays deleted', async () => {
  const before = await as(me, 'GET', `/api/me/playlists/${listId}`);
  await srv.restart();
  const after1 = await as(me, 'GET', `/api/me/playlists/${listId}`);
  assert.deepEqual(after1.body, before.body);
  const del = await as(me, 'DELETE', `/api/me/playlists/${listId}`);
  assert.equal(del.status, 200);
  assert.deepEqual(del.body, { deleted: true });
  assert.equal((await as(me, 'GET', `/api/me/playlists/${listId}`)).status, 404);
  // a new list after the restart gets a fresh id, never a reused one
  const fresh = await as(me, 'POST', '/api/me/playlists', { playlist: 'salt.ogg\n' });
  assert.ok(fresh.body.playlist.id > listId);
  await srv.restart();
  assert.equal((await as(me, 'GET', `/api/me/playlists/${listId}`)).status, 404);
  const names = (await as(me, 'GET', '/api/me/playlists')).body.playlists.map((p) => p.id);
  assert.ok(names.includes(fresh.body.playlist.id));
});

test('at most 100 lists per account', async () => {
  const who = await account(srv, 'Hoarder');
  for (let i = 0; i < 100; i++) {
    const r = await as(who, 'POST', '/api/me/playlists', { playlist: 'salt.ogg\n', title: `list ${i}` });
    assert.equal(r.status, 201, `list ${i}: ${JSON.stringify(r.body)}`);
  }
  const over = await as(who, 'POST', '/api/me/playlists', { playlist: 'salt.ogg\n' });
  assert.equal(over.status, 409);
  assert.equal(over.body.error.code, 'limit_reached');
  const first = (await as(who, 'GET', '/api/me/playlists')).body.playlists.at(-1);
  assert.equal((await as(who, 'DELETE', `/api/me/playlists/${first.id}`)).status, 200);
  assert.equal((await as(who, 'POST', '/api/me/playlists', { playlist: 'salt.ogg\n' })).status, 201);
});

test('the SDK: importPlaylist, myPlaylists, getPlaylist, queuePlaylist, deletePlaylist', async () => {
  const { importPlaylist, myPlaylists, getPlaylist, queuePlaylist, deletePlaylist } = await import('../../sdk/soundroom.js');
  const who = await account(srv, 'Sdk');
  const made = await importPlaylist(srv.url, who.token, { playlist: '#EXTINF:5,Tide Pool - Salt Marsh\nx.mp3\n', title: 'SDK list' });
  assert.equal(made.playlist.name, 'SDK list');
  assert.equal(made.resolved[0].track.title, 'Salt Marsh');
  assert.deepEqual((await myPlaylists(srv.url, who.token)).map((p) => p.id), [made.playlist.id]);
  assert.deepEqual(await getPlaylist(srv.url, who.token, made.playlist.id), made);
  const q = await queuePlaylist(srv.url, who.token, made.playlist.id, roomId);
  assert.equal(q.added.length, 1);
  assert.deepEqual(await deletePlaylist(srv.url, who.token, made.playlist.id), { deleted: true });
  await assert.rejects(getPlaylist(srv.url, who.token, made.playlist.id), (e) => e.code === 'no_such_playlist' && e.status === 404);
  await assert.rejects(myPlaylists(srv.url, null), (e) => e.code === 'unauthenticated');
});

test("a deleted account's lists go with it at once: nobody sees them, others' limits are untouched, no error logged", async () => {
  const mark = `---- deleted-account test ${process.pid} ----`;
  srv.log.push(mark); // an index into the log would move when it is trimmed
  const since = () => srv.log.slice(srv.log.indexOf(mark));
  const who = await account(srv, 'Leaver');
  const ids = [];
  for (const title of ['first', 'second']) {
    const r = await as(who, 'POST', '/api/me/playlists', { playlist: 'salt.ogg\n', title });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    ids.push(r.body.playlist.id);
  }
  // an import still resolving while the account goes: kept and deleted with it, or refused
  const late = as(who, 'POST', '/api/me/playlists', { playlist: 'salt.ogg\nTide Pool/01 Glass Harbour.flac\n', title: 'late' });
  const del = await as(who, 'DELETE', '/api/me', { password: who.password });
  assert.equal(del.status, 200, JSON.stringify(del.body));
  const imp = await late;
  assert.ok([201, 401].includes(imp.status), JSON.stringify(imp.body));
  assert.ok(since().some((l) => l.includes('msg="account deleted"') && new RegExp(`user=${who.user.id}( |$)`).test(l)),
    `the deletion is logged:\n${srv.tail()}`);
  // the playlists module hears of the deletion (an event) and says how many lists it dropped
  const line = since().find((l) => l.includes('msg="playlists of a deleted account"') && l.includes(`user=${who.user.id} `));
  assert.ok(line, `the lists' deletion is logged:\n${srv.tail()}`);
  assert.equal(Number(/playlists=(\d+)/.exec(line)?.[1]), imp.status === 201 ? 3 : 2, `every list left memory: ${line}`);
  assert.equal((await as(who, 'GET', '/api/me/playlists')).status, 401);

  // a new account sees none of them and starts from nothing
  const next = await account(srv, 'Newcomer');
  assert.deepEqual((await as(next, 'GET', '/api/me/playlists')).body.playlists, []);
  for (const id of ids) assert.equal((await as(next, 'GET', `/api/me/playlists/${id}`)).status, 404);
  const mine = await as(next, 'POST', '/api/me/playlists', { playlist: 'salt.ogg\n' });
  assert.equal(mine.status, 201);
  assert.ok(mine.body.playlist.id > Math.max(...ids), 'ids are never reused');
  assert.deepEqual((await as(next, 'GET', '/api/me/playlists')).body.playlists.map((p) => p.id), [mine.body.playlist.id]);
  // and after a restart, what is loaded from the store agrees with what memory had
  await srv.restart();
  assert.deepEqual((await as(next, 'GET', '/api/me/playlists')).body.playlists.map((p) => p.id), [mine.body.playlist.id]);
  const errors = since().filter((l) => /level=(error|warn)/.test(l));
  assert.deepEqual(errors, []);
});
