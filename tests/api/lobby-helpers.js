// lobby-helpers.js - shared set-up for the lobby and room-statistics suites (lobby.test.js, stats.test.js).
// SPDX-License-Identifier: GPL-3.0-or-later
//
// Not a test file. Starts the real server (harness.js, so SOUNDROOM_BIN picks the ASan build
// under `make asan`) with a cheap argon2id cost on a library that holds two copies of one song,
// and makes what the statistics need quickly: one-second stream tracks queued from a playlist
// (they end on their own, so their plays count), and rows written straight into the store for
// what only time could make (plays and listening older than 7 days).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Server, ROOT, library, until } from './harness.js';
import { FAST_PW, rest } from './authz-helpers.js';

/** The demo library plus `Copies/Morning Arpeggio.opus`: the same song (same tags and length) twice. */
export const LOBBY_LIBRARY = path.join(ROOT, 'tests/out/lobby-library');

export function lobbyLibrary() {
  if (fs.existsSync(path.join(LOBBY_LIBRARY, '.complete'))) return LOBBY_LIBRARY;
  const demo = library();
  const tmp = `${LOBBY_LIBRARY}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.cpSync(demo, tmp, { recursive: true });
  fs.rmSync(path.join(tmp, '.complete'), { force: true });
  const song = fs.readdirSync(path.join(tmp, 'soundroom demo')).find((f) => /Morning Arpeggio/.test(f));
  fs.mkdirSync(path.join(tmp, 'Copies'));
  fs.copyFileSync(path.join(tmp, 'soundroom demo', song), path.join(tmp, 'Copies', song));
  fs.writeFileSync(path.join(tmp, '.complete'), 'ok\n');
  fs.rmSync(LOBBY_LIBRARY, { recursive: true, force: true });
  fs.renameSync(tmp, LOBBY_LIBRARY);
  return LOBBY_LIBRARY;
}

/** A server on the lobby library (the last --library wins) with FAST_PW plus `args`. */
export async function startLobbyServer(args = []) {
  const lib = lobbyLibrary();
  const srv = await Server.start({ args: [...FAST_PW, '--library', lib, ...args] });
  await until(async () => (await srv.http('GET', '/api/library')).body.scanning === false, 10000, 'the first scan');
  return srv;
}

/** Every track of the library, by id. */
export async function tracks(srv) {
  const r = await srv.http('GET', '/api/tracks?limit=100');
  assert.equal(r.status, 200);
  return r.body.tracks;
}

/** Creates a room owned by `who` with `fields` (name, tags, ...); waits until it plays. */
export async function roomWith(srv, who, fields = {}) {
  const body = { name: `room ${Math.random().toString(36).slice(2, 8)}`, description: '', tags: [], ...fields };
  const res = await rest(srv, 'POST', '/api/rooms', who.token, body);
  assert.equal(res.status, 201, `POST /api/rooms: ${JSON.stringify(res.body)}`);
  const { id } = res.body.room;
  await until(async () => (await srv.http('GET', `/api/rooms/${id}`)).body.room?.now_playing, 3000, `room ${id} to play`);
  return res.body.room;
}

/** PATCH /api/rooms/:id as `who`; asserts 200 and returns the body. */
export async function patchRoom(srv, who, id, fields) {
  const res = await rest(srv, 'PATCH', `/api/rooms/${id}`, who.token, fields);
  assert.equal(res.status, 200, `PATCH /api/rooms/${id}: ${JSON.stringify(res.body)}`);
  return res.body;
}

/**
 * Queues stream tracks into `roomId` as `who` by importing an M3U playlist; `songs` are
 * `[artist, title, seconds]`. The same artist and title give the same track each time.
 * Resolves with the `added` list (`{index, entry, track}`), all of them asserted added.
 */
export async function queueStreams(srv, who, roomId, songs) {
  const lines = ['#EXTM3U'];
  for (const [artist, title, s] of songs) {
    lines.push(`#EXTINF:${s},${artist} - ${title}`);
    lines.push(`http://127.0.0.1:9/${encodeURIComponent(artist)}/${encodeURIComponent(title)}.mp3`);
  }
  const res = await rest(srv, 'POST', `/api/rooms/${roomId}/import`, who.token, { playlist: `${lines.join('\n')}\n`, format: 'm3u' });
  assert.equal(res.status, 200, `import: ${JSON.stringify(res.body)}`);
  assert.equal(res.body.added.length, songs.length, `every song queued: ${JSON.stringify(res.body.unresolved)}`);
  return res.body.added;
}

/** Runs SQL on the server's store with the sqlite3 CLI (the server keeps running: WAL). */
export function sql(srv, text) {
  return execFileSync('sqlite3', ['-cmd', '.timeout 5000', path.join(srv.dataDir, 'soundroom.db'), text], { encoding: 'utf8' });
}

/** Ids for rows written by sql(): far above anything the server numbers in a test. */
let rowId = 900000000;
export const nextRowId = () => ++rowId;

export const DAY_MS = 86400e3;
