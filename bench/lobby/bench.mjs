// bench.mjs - `make bench-lobby`: a lobby of 10,000 rooms and a room with 100,000 plays, against the real server.
// SPDX-License-Identifier: GPL-3.0-or-later
//
// 1. Starts soundroom once on a fresh data dir (schema, library scan, demo room), stops it.
// 2. Writes with the sqlite3 CLI: 10,000 public rooms; 1,000 users; in room 2, 100,000 plays over
//    the last 30 days (half from the queue, with their entries and 100,000 votes) and 100,000
//    listening intervals.
// 3. Starts the server on that store and measures
//    (a) the lobby subscribe: time from `lobby` to the answer and its size, over 30 requests;
//    (b) the server's CPU (utime+stime from /proc) over 20 s with 10 and 100 lobby subscribers, minus the
//        same window with none: per 500 ms update round (40 rounds, 2 of them the 10 s trending
//        round) — guests, then signed-in accounts (whose 10 s round carries recommended);
//    (c) top-tracks (plays, votes, 7d), top-fans and history of room 2: p50/p99 over 200 requests.
// Writes bench/RESULTS-lobby.md. Environment: SOUNDROOM_BIN, BENCH_PORT (default 18851).
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = process.env.SOUNDROOM_BIN ?? path.join(ROOT, 'build/soundroom');
const PORT = Number(process.env.BENCH_PORT ?? 18851);
const BASE = `http://127.0.0.1:${PORT}`;
const OUT = path.join(ROOT, 'bench/out/lobby');
const DATA = path.join(OUT, 'data');
const LIB = path.join(ROOT, 'tests/out/library');
const ROOMS = 10000;
const PLAYS = 100000;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (...a) => console.error('bench-lobby:', ...a);

function library() {
  if (fs.existsSync(path.join(LIB, '.complete'))) return LIB;
  const tmp = `${LIB}.tmp-${process.pid}`;
  execFileSync('bash', [path.join(ROOT, 'scripts/demo-library.sh'), tmp], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  fs.writeFileSync(path.join(tmp, '.complete'), 'bench\n');
  fs.rmSync(LIB, { recursive: true, force: true });
  fs.renameSync(tmp, LIB);
  return LIB;
}

let proc = null;
async function start() {
  proc = spawn(BIN, ['serve', '--port', String(PORT), '--host', '127.0.0.1', '--data', DATA, '--library', library(),
    '--web', path.join(ROOT, 'web/dist'), '--pw-mem-kib', '1024', '--pw-ops', '1', '--log-level', 'warn'],
  { cwd: ROOT, stdio: ['ignore', 'ignore', fs.openSync(path.join(OUT, 'server.log'), 'a')] });
  const deadline = Date.now() + 120000;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`${BASE}/api/health`)).ok) break;
    } catch { /* not yet */ }
    await sleep(100);
  }
  while (Date.now() < deadline) {
    const lib = await (await fetch(`${BASE}/api/library`)).json();
    if (!lib.scanning && lib.tracks > 0) return;
    await sleep(100);
  }
  throw new Error('server did not come up');
}
async function stop() {
  if (!proc) return;
  const p = proc;
  proc = null;
  const done = new Promise((r) => p.on('exit', r));
  p.kill('SIGTERM');
  await Promise.race([done, sleep(15000).then(() => p.kill('SIGKILL'))]);
}
process.on('exit', () => proc?.kill('SIGKILL'));

const cpuTicks = () => {
  const f = fs.readFileSync(`/proc/${proc.pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return Number(f[11]) + Number(f[12]); // utime + stime (fields 14, 15)
};
const HZ = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
const pct = (a, q) => {
  const s = [...a].sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};

/** A socket that said hello (as a guest, or with `session`); `call(msg)` resolves with the reply and its frame size. */
async function sock(session) {
  const ws = new WebSocket(`ws://127.0.0.1:${PORT}/ws`, { perMessageDeflate: false, maxPayload: 256 << 20 });
  await new Promise((res, rej) => { ws.once('open', res); ws.once('error', rej); });
  const waiting = new Map();
  let ref = 0;
  ws.updates = 0;
  ws.on('message', (data) => {
    const t = performance.now();
    const parsed = JSON.parse(String(data));
    for (const m of Array.isArray(parsed) ? parsed : [parsed]) {
      if (m.type === 'lobby_update') ws.updates++;
      const w = waiting.get(m.ref);
      if (w) { waiting.delete(m.ref); w({ m, t, bytes: data.length }); }
    }
  });
  ws.closedWith = null;
  ws.on('close', (code, reason) => {
    ws.closedWith = `${code} ${reason}`;
    for (const w of waiting.values()) w({ m: { type: 'closed', code }, t: performance.now(), bytes: 0 });
    waiting.clear();
  });
  ws.call = (msg) => new Promise((res) => {
    if (ws.readyState !== WebSocket.OPEN) return res({ m: { type: 'closed' }, t: performance.now(), bytes: 0 });
    const r = ++ref;
    waiting.set(r, res);
    ws.send(JSON.stringify({ ...msg, ref: r }));
  });
  await ws.call(session ? { type: 'hello', session } : { type: 'hello', name: 'bench' });
  return ws;
}

async function main() {
  fs.rmSync(OUT, { recursive: true, force: true });
  fs.mkdirSync(DATA, { recursive: true });
  log('first start (schema, scan)');
  await start();
  await stop();
  const db = path.join(DATA, 'soundroom.db');
  const now = Date.now();
  const tracks = Number(execFileSync('sqlite3', [db, 'SELECT COUNT(*) FROM tracks'], { encoding: 'utf8' }));
  log(`writing ${ROOMS} rooms, 1000 users, ${PLAYS} plays, votes and listening into the store (${tracks} tracks)`);
  const sqlText = `
PRAGMA journal_mode=WAL; BEGIN;
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000)
  INSERT INTO users (id, name, created_at) SELECT 1000 + x, 'fan ' || x, ${now} FROM c;
WITH RECURSIVE c(x) AS (SELECT 2 UNION ALL SELECT x + 1 FROM c WHERE x < ${ROOMS})
  INSERT INTO rooms (id, name, description, tags, created_at, settings)
  SELECT x, 'bench room ' || x, 'a room of the bench', '["bench","t' || (x % 50) || '"]', ${now}, '{}' FROM c;
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ${PLAYS / 2})
  INSERT INTO queue_entries (id, room_id, track_id, user_id, added_at, state)
  SELECT 5000000 + x, 2, 1 + (x * 7) % ${tracks}, 1001 + (x * 13) % 1000, ${now} - x * 25900.0, 'played' FROM c;
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ${PLAYS})
  INSERT INTO plays (id, room_id, track_id, entry_id, user_id, started_at, from_queue, skipped)
  SELECT 5000000 + x, 2, 1 + (x * 7) % ${tracks}, CASE WHEN x <= ${PLAYS / 2} THEN 5000000 + x END,
         CASE WHEN x <= ${PLAYS / 2} THEN 1001 + (x * 13) % 1000 END, ${now} - x * 25900.0,
         x <= ${PLAYS / 2}, (x % 10 = 0) FROM c;
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ${PLAYS})
  INSERT INTO votes (entry_id, user_id, value)
  SELECT 5000000 + 1 + (x - 1) % ${PLAYS / 2}, 1001 + (x * 17 + x / ${PLAYS / 2}) % 1000, CASE WHEN x % 4 = 0 THEN -1 ELSE 1 END FROM c WHERE 1 ON CONFLICT DO NOTHING;
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ${PLAYS})
  INSERT INTO presence_log (id, user_id, room_id, joined_at, left_at)
  SELECT 5000000 + x, 1001 + (x * 31) % 1000, 2, ${now} - x * 25900.0, ${now} - x * 25900.0 + 600000 FROM c;
COMMIT;`;
  execFileSync('sqlite3', [db], { input: sqlText });
  const counts = execFileSync('sqlite3', [db, 'SELECT (SELECT COUNT(*) FROM rooms), (SELECT COUNT(*) FROM plays WHERE room_id = 2), (SELECT COUNT(*) FROM votes), (SELECT COUNT(*) FROM presence_log)'], { encoding: 'utf8' }).trim();
  log(`store: rooms|plays|votes|presence = ${counts}`);
  const t0 = Date.now();
  await start();
  const startS = (Date.now() - t0) / 1000;
  log(`second start with ${ROOMS} rooms: ${startS.toFixed(1)} s`);
  await sleep(3000); // let the start-up burst of now_playing settle

  // (a) lobby subscribe
  const a = await sock();
  const lat = [];
  let size = 0;
  let nrooms = 0;
  for (let i = 0; i < 30; i++) {
    const s = performance.now();
    const r = await a.call({ type: 'lobby' });
    lat.push(r.t - s);
    size = r.bytes;
    nrooms = r.m.rooms.length;
  }
  await a.call({ type: 'lobby', subscribe: false });
  a.close();
  log(`lobby answer: ${nrooms} rooms, ${size} bytes, p50 ${pct(lat, 0.5).toFixed(1)} ms`);

  // (b) CPU per update round
  const WINDOW = 20000;
  const measure = async () => { const c0 = cpuTicks(); await sleep(WINDOW); return (cpuTicks() - c0) / HZ; };
  const base = await measure();
  const cpu = [];
  const tokens = [];
  for (let i = 0; i < 100; i++) {
    const r = await fetch(`${BASE}/api/auth/signup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: `bench${i}`, password: 'bench password' }) });
    tokens.push((await r.json()).token);
  }
  for (const [n, kind] of [[10, 'guests'], [100, 'guests'], [100, 'accounts']]) {
    const socks = [];
    for (let i = 0; i < n; i++) socks.push(await sock(kind === 'accounts' ? tokens[i] : null));
    log(`${n} ${kind} connected`);
    const ts = performance.now();
    const answers = await Promise.all(socks.map((s) => Promise.race([s.call({ type: 'lobby' }), sleep(120000).then(() => ({ m: { type: 'timeout' } }))])));
    const subscribeAll = performance.now() - ts;
    const refused = answers.filter((r) => r.m.type !== 'lobby');
    const closes = [...new Set(socks.map((s) => s.closedWith).filter(Boolean))];
    log(`${n} ${kind} subscribed in ${subscribeAll.toFixed(0)} ms; not answered: ${refused.length} ${closes.join(', ')}`);
    await sleep(1000);
    for (const s of socks) s.updates = 0;
    const used = await measure();
    const updates = socks.reduce((x, s) => x + s.updates, 0) / n;
    cpu.push({ n, kind, used, updates, subscribeAll, refused: refused.length, closes: closes.join(', ') || 'none' });
    log(`${n} ${kind}: ${used.toFixed(2)} s CPU in ${WINDOW / 1000} s (idle ${base.toFixed(2)}), ${updates.toFixed(1)} updates each`);
    for (const s of socks) s.close();
    await sleep(1000);
  }

  // (c) statistics of the room with 100,000 plays
  const stats = [];
  for (const p of ['/api/rooms/2/top-tracks', '/api/rooms/2/top-tracks?by=votes', '/api/rooms/2/top-tracks?period=7d', '/api/rooms/2/top-fans', '/api/rooms/2/top-fans?period=7d', '/api/rooms/2/history', '/api/rooms/2/history?limit=200']) {
    const ms = [];
    let body;
    for (let i = 0; i < 200; i++) {
      const s = performance.now();
      const r = await fetch(BASE + p);
      body = await r.json();
      ms.push(performance.now() - s);
      if (!r.ok) throw new Error(`${p}: ${r.status} ${JSON.stringify(body)}`);
    }
    const n = (body.tracks ?? body.fans ?? body.plays).length;
    stats.push({ p, p50: pct(ms, 0.5), p99: pct(ms, 0.99), n });
    log(`${p}: p50 ${pct(ms, 0.5).toFixed(2)} ms p99 ${pct(ms, 0.99).toFixed(2)} ms (${n} rows)`);
  }
  const rss = fs.readFileSync(`/proc/${proc.pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)[1];
  await stop();

  // ---- RESULTS-lobby.md ----
  const cpuModel = (fs.readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/) ?? [])[1] ?? 'unknown';
  const rounds = WINDOW / 500;
  const md = `# Lobby and room statistics benchmark

\`make bench-lobby\` (bench/lobby/bench.mjs). Machine: ${os.cpus().length} CPUs (nproc ${execFileSync('nproc', { encoding: 'utf8' }).trim()}), ${cpuModel}, Linux ${os.release()}, ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC. Server: ${path.relative(ROOT, BIN)}, loopback, client and server on the same machine.

Store prepared with the sqlite3 CLI before start: ${ROOMS.toLocaleString('en')} public rooms; room 2 with ${PLAYS.toLocaleString('en')} plays over 30 days (10 % skipped, half from the queue with their entries), about ${PLAYS.toLocaleString('en')} votes, ${PLAYS.toLocaleString('en')} listening intervals of 1,000 users. Start-up with that store: ${startS.toFixed(1)} s; server RSS at the end ${(rss / 1024).toFixed(0)} MiB. The rooms have no listeners; the subscribers counted how many \`lobby_update\`s came (last column): the per-update figure divides the CPU above idle by that.

## (a) Lobby subscribe, ${nrooms.toLocaleString('en')} rooms in the answer

| answer size | p50 | p99 (30 requests) |
|---|---|---|
| ${(size / 1024).toFixed(0)} KiB (${size.toLocaleString('en')} bytes) | ${pct(lat, 0.5).toFixed(1)} ms | ${pct(lat, 0.99).toFixed(1)} ms |

## (b) Server CPU for lobby updates, by subscribers

CPU (user+system) over ${WINDOW / 1000} s (at most ${rounds} rounds of 500 ms, 2 of them the 10 s trending round), minus the same window with no subscriber (${base.toFixed(2)} s: playback of ${ROOMS.toLocaleString('en')} rooms).

| subscribers | all subscribed in | not answered (closes) | CPU in ${WINDOW / 1000} s | above idle | per update sent | updates received each |
|---|---|---|---|---|---|---|
${cpu.map((c) => `| ${c.n} ${c.kind} | ${(c.subscribeAll / 1000).toFixed(1)} s | ${c.refused} (${c.closes}) | ${c.used.toFixed(2)} s | ${(c.used - base).toFixed(2)} s | ${(((c.used - base) / Math.max(1, c.updates)) * 1000).toFixed(1)} ms | ${c.updates.toFixed(1)} |`).join('\n')}

## (c) Statistics of the room with ${PLAYS.toLocaleString('en')} plays (200 sequential requests each)

| request | p50 | p99 | rows |
|---|---|---|---|
${stats.map((s) => `| \`GET ${s.p}\` | ${s.p50.toFixed(2)} ms | ${s.p99.toFixed(2)} ms | ${s.n} |`).join('\n')}
`;
  fs.writeFileSync(path.join(ROOT, 'bench/RESULTS-lobby.md'), md);
  log('wrote bench/RESULTS-lobby.md');
}

main().catch(async (e) => {
  console.error(e);
  await stop();
  process.exit(1);
});
