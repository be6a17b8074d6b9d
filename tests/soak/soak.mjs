// soak.mjs - `make soak`: the real server under a mixed, random workload for SOAK_SECONDS
// (default 120), to find what only time shows: memory that grows, state that drifts apart,
// errors that come only after thousands of actions. Not part of `make test`.
//
// CLIENTS (default 60) SDK clients, guests and accounts, wander between ROOMS (default 4): they
// join and leave, chat (now and then with HTML in it), queue tracks, vote, skip, like, remove
// their own entries, and sometimes drop their connection and come back (resume). Every 5 s the
// server's resident memory is read from /proc. At the end, every check prints a line and the
// last line is `N passed, N failed`:
//   - the server is alive and answers /api/health;
//   - resident memory in the second half of the run grew by less than SOAK_RSS_GROWTH_KB
//     (default 8192) from its level at the half-way mark (a leak grows with the actions);
//   - no reply was an error other than the refusals the workload invites (listed below);
//   - clients in the same room agree: each one's queue, now-playing track and last chat line
//     match a fresh snapshot's once the room is quiet;
//   - the server logged no error.
// SPDX-License-Identifier: GPL-3.0-or-later
import fs from 'node:fs';
import WebSocket from 'ws';
import { connect } from '../../sdk/soundroom.js';
import { Server, account, makeRoom, sleep } from '../api/harness.js';

const SECONDS = Number(process.env.SOAK_SECONDS ?? 120);
const CLIENTS = Number(process.env.SOAK_CLIENTS ?? 60);
const ROOMS = Number(process.env.SOAK_ROOMS ?? 4);
const RSS_GROWTH_KB = Number(process.env.SOAK_RSS_GROWTH_KB ?? 8192);
// refusals a random workload runs into by design
const EXPECTED = new Set([
  'rate_limited', 'no_such_entry', 'not_in_room', 'not_allowed', 'sign_in_required', 'queue_full',
  'limit_reached', 'already_queued', 'stale', 'not_yours', 'no_such_track', 'duplicate',
  'disconnected', // a request made while the soak had cut that client's connection
]);

const results = [];
const check = (name, ok, detail = '') => {
  results.push(ok);
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? ` (${detail})` : ''}`);
};
const pick = (a) => a[Math.floor(Math.random() * a.length)];
const rssKb = (pid) => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);

const srv = await Server.start({ args: ['--chat-rate', '1000/10', '--msg-rate', '500', '--log-level', 'info'] });
const errors = new Map(); // code -> count
let actions = 0;
try {
  const rooms = [];
  for (let i = 0; i < ROOMS; i++) rooms.push((await makeRoom(srv, `soak ${i}`)).id);
  const tracks = (await srv.http('GET', '/api/tracks?limit=100')).body.tracks.map((t) => t.id);
  const clients = [];
  for (let i = 0; i < CLIENTS; i++) {
    const holder = {}; // the client's current socket, so the soak can cut it
    class Tracked extends WebSocket {
      constructor(...a) {
        super(...a);
        holder.ws = this;
      }
    }
    const opts = { WebSocket: Tracked, name: `soak${i}` };
    if (i % 2) opts.session = (await account(srv, `soak${i}`)).token;
    const c = await connect(srv.url, opts);
    c.holder = holder;
    clients.push(c);
  }
  const tally = (err) => errors.set(err?.code ?? String(err), (errors.get(err?.code ?? String(err)) ?? 0) + 1);
  const act = async (c) => {
    const r = Math.random();
    actions++;
    if (!c.room || r < 0.05) return c.join(pick(rooms));
    if (r < 0.08) return c.leave();
    if (r < 0.40) return c.chat(Math.random() < 0.1 ? `<img src=x onerror=alert(${actions})>` : `line ${actions}`);
    if (r < 0.55) return c.addTrack(pick(tracks));
    const q = c.room.queue;
    if (r < 0.75 && q.length) return c.vote(pick(q).id, pick([1, -1, 0]));
    if (r < 0.80) return c.voteSkip(Math.random() < 0.7);
    if (r < 0.85 && c.room.nowPlaying?.track && c.user?.username) {
      return c.request({ type: 'like', track: c.room.nowPlaying.track.id, value: Math.random() < 0.7 });
    }
    const mine = q.filter((e) => e.added_by?.id === c.user.id);
    if (r < 0.90 && mine.length) return c.request({ type: 'queue_remove', room: c.room.id, entry: pick(mine).id });
    if (r < 0.905) { // drop the connection: the SDK reconnects and resumes
      c.holder.ws?.terminate();
      return sleep(50);
    }
    return null;
  };
  const rss = [];
  const started = Date.now();
  const sampler = setInterval(() => rss.push({ at: Date.now() - started, kb: rssKb(srv.proc.pid) }), 5000);
  await Promise.all(clients.map(async (c) => {
    while (Date.now() - started < SECONDS * 1000) {
      await act(c).catch(tally);
      await sleep(20 + Math.random() * 80);
    }
  }));
  clearInterval(sampler);
  console.log(`${actions} actions by ${CLIENTS} clients in ${ROOMS} rooms over ${SECONDS} s`);

  const health = await srv.http('GET', '/api/health').catch(() => ({ status: 0 }));
  check('the server is alive', health.status === 200 && !srv.exit);
  const half = rss.filter((s) => s.at >= (SECONDS * 1000) / 2);
  const growth = half.length >= 2 ? half[half.length - 1].kb - half[0].kb : 0;
  check(`resident memory grew less than ${RSS_GROWTH_KB} KiB over the second half`, growth < RSS_GROWTH_KB,
    `${rss.map((s) => s.kb).join(' ')} KiB; second half +${growth} KiB`);
  const unexpected = [...errors].filter(([code]) => !EXPECTED.has(code));
  check('no error reply outside the expected refusals', unexpected.length === 0,
    [...errors].map(([k, v]) => `${k}:${v}`).join(' '));

  // quiet: every cut connection is back (the SDK reconnects with backoff) and the last deltas arrive
  for (let t = 0; t < 300 && clients.some((c) => c.status !== 'open'); t++) await sleep(100);
  await sleep(1500);
  check('every client is connected again', clients.every((c) => c.status === 'open'),
    clients.filter((c) => c.status !== 'open').map((c) => `${c.user?.name}: ${c.status}`).join(' '));
  let agree = true;
  const detail = [];
  for (const id of rooms) {
    const fresh = await connect(srv.url, { WebSocket, name: 'checker' });
    const snap = await fresh.join(id);
    const want = JSON.stringify({ q: snap.queue.map((e) => [e.id, e.score]), np: snap.nowPlaying?.track?.id, chat: snap.chat.at(-1)?.id });
    for (const c of clients.filter((x) => x.room?.id === id)) {
      const got = JSON.stringify({ q: c.room.queue.map((e) => [e.id, e.score]), np: c.room.nowPlaying?.track?.id, chat: c.room.chat.at(-1)?.id });
      if (got !== want) {
        agree = false;
        detail.push(`room ${id}: ${c.user.name} (${c.status}) ${got.slice(0, 300)} vs ${want.slice(0, 300)}`);
      }
    }
    fresh.close();
  }
  check('every client in a room agrees with a fresh snapshot', agree, detail.slice(0, 3).join('; '));
  for (const c of clients) c.close();
  const logged = srv.log.filter((l) => /level=error/.test(l));
  check('the server logged no error', logged.length === 0, logged.slice(0, 3).join(' | '));
} catch (err) {
  check('the soak ran to its end', false, err.stack);
} finally {
  await srv.dispose();
}
const passed = results.filter(Boolean).length;
console.log(`${passed} passed, ${results.length - passed} failed`);
process.exit(results.length - passed ? 1 : 0);
