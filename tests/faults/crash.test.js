// crash.test.js - `make faults`: kill -9 at random moments under mixed load, the way Jepsen counts.
// Several clients chat, queue tracks and vote, each write with a client write id (cid); the
// server is killed (SIGKILL: no shutdown) CRASH_CYCLES times (default 50) at a random moment and
// started again on the same data dir; the clients reconnect and resend, with the same cid, every
// write whose answer they had not had. They reach the server over a relay that delays what it
// sends by 15 ms, so a kill loses acks on the way, as on a real network. At the end every write has an answer, and the store is read
// directly: an acknowledged write that is absent is *lost*, a write stored more than once is
// *duplicated*, a refused write that is there anyway is a *phantom*. All three must be 0. Also
// the restart time (kill to healthy) per cycle. Every other kill comes a few ms after a burst of
// writes, when some are durable and their acks not yet out: where a retry could double one. Figures go to docs/reliability.md.
// SPDX-License-Identifier: GPL-3.0-or-later
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { after, before } from 'node:test';
import WebSocket from 'ws';
import { allTracks, makeRoom, Server, sleep, test, until } from '../api/harness.js';

const CYCLES = Number(process.env.CRASH_CYCLES ?? 50);
const CLIENTS = Number(process.env.CRASH_CLIENTS ?? 6);
const WINDOW = 4; // writes a client may have unanswered at once
const LATENCY_MS = Number(process.env.CRASH_LATENCY_MS ?? 15); // server -> client, see relay()

/**
 * The network between the clients and the server: what the server sends arrives LATENCY_MS
 * later, and when the server dies its connections end at once, so what was still on the way
 * (acks of durable writes among it) is lost, as across a real network.
 */
async function relay() {
  const r = net.createServer((down) => {
    const up = net.connect(srv.port, '127.0.0.1');
    const end = () => {
      down.destroy();
      up.destroy();
    };
    down.on('data', (d) => up.write(d));
    up.on('data', (d) =>
      setTimeout(() => {
        if (!down.destroyed && !up.destroyed) down.write(d);
      }, LATENCY_MS),
    );
    for (const sock of [down, up]) {
      sock.on('close', end);
      sock.on('error', end);
    }
  });
  await new Promise((resolve) => r.listen(0, '127.0.0.1', resolve));
  return r;
}

let srv;
let net1;
let actors = [];
before(async () => {
  // chat fast enough to matter; a queue that does not fill up over the run
  srv = await Server.start({ args: ['--chat-rate', '1000/1', '--max-queue', '5000'] });
});
after(async () => {
  for (const a of actors) {
    a.stopped = true;
    a.ws?.terminate();
  }
  net1?.close();
  await srv?.dispose();
});

const rnd = (a, b) => a + Math.random() * (b - a);
const pick = (xs) => xs[Math.floor(Math.random() * xs.length)];

/** One person on a raw socket who reconnects on its own and resends what was not answered. */
class Actor {
  ops = []; // every write invoked: {cid, msg, state: 'pending' | 'ok' | 'error', answer}
  unanswered = new Map(); // cid -> op, in invocation order
  byRef = new Map();
  entries = []; // entry ids it may vote on
  ws = null;
  ready = false;
  stopped = false;
  token = null;
  user = null;
  reconnects = 0;
  #ref = 1;

  constructor(i, room, tracks) {
    this.i = i;
    this.room = room;
    this.tracks = tracks;
  }

  /** Connects (retrying every 30 ms while the server is down), says hello, joins, resends. */
  async connect() {
    while (!this.stopped) {
      try {
        await this.#session();
        return;
      } catch {
        await sleep(30);
      }
    }
  }

  #session() {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${net1.address().port}/ws`);
      const pending = new Map();
      const call = (msg) =>
        new Promise((res, rej) => {
          const ref = this.#ref++;
          pending.set(ref, { res, rej });
          ws.send(JSON.stringify({ ...msg, ref }));
          setTimeout(() => rej(new Error(`no answer to ${msg.type}`)), 5000);
        });
      ws.on('error', () => {});
      ws.on('close', () => {
        for (const p of pending.values()) p.rej(new Error('closed'));
        if (this.ws === ws) {
          this.ws = null;
          this.ready = false;
          this.byRef.clear(); // their answers are lost: the writes stay in `unanswered`
          if (!this.stopped) this.connect();
        }
        reject(new Error('closed'));
      });
      ws.on('message', (data) => {
        let parsed;
        try {
          parsed = JSON.parse(String(data));
        } catch {
          return;
        }
        for (const m of Array.isArray(parsed) ? parsed : [parsed]) {
          const p = pending.get(m.ref);
          if (p) {
            pending.delete(m.ref);
            if (m.type === 'error') p.rej(Object.assign(new Error(m.message), { code: m.code }));
            else p.res(m);
          } else if (this.ws === ws) {
            this.#answer(m);
          }
        }
      });
      ws.on('open', async () => {
        try {
          const w = await call({ type: 'hello', v: 1, name: `Actor ${this.i}`, ...(this.token ? { token: this.token } : {}) });
          if (w.token) this.token = w.token;
          if (this.user && this.user !== w.user.id) throw new Error(`actor ${this.i} came back as another person`);
          this.user = w.user.id;
          const snap = await call({ type: 'join', room: this.room });
          for (const e of snap.queue ?? []) if (!this.entries.includes(e.id)) this.entries.push(e.id);
          this.ws = ws;
          this.ready = true;
          this.reconnects++;
          for (const op of this.unanswered.values()) this.#send(op); // the same cid again
          resolve();
        } catch (err) {
          ws.terminate();
          reject(err);
        }
      });
    });
  }

  #send(op) {
    op.sent = (op.sent ?? 0) + 1;
    const ref = this.#ref++;
    this.byRef.set(ref, op);
    this.ws.send(JSON.stringify({ ...op.msg, cid: op.cid, ref }));
  }

  #answer(m) {
    const op = this.byRef.get(m.ref);
    if (!op) return;
    this.byRef.delete(m.ref);
    this.unanswered.delete(op.cid);
    op.state = m.type === 'error' ? 'error' : 'ok';
    op.answer = m;
    if (op.msg.type === 'queue_add' && m.entry) this.entries.push(m.entry);
  }

  /** Invokes one new write (chat 60%, queue add 20%, vote 20%). */
  write() {
    const n = this.ops.length;
    const cid = `a${this.i}-${n}-${Math.random().toString(16).slice(2, 10)}`;
    const roll = Math.random();
    let msg;
    if (roll < 0.6 || (roll >= 0.8 && !this.entries.length)) msg = { type: 'chat', room: this.room, text: `crash a${this.i} #${n}` };
    else if (roll < 0.8) msg = { type: 'queue_add', room: this.room, track: pick(this.tracks).id };
    else msg = { type: 'vote', room: this.room, entry: pick(this.entries.slice(-20)), value: pick([1, -1, 0]) };
    const op = { cid, msg, state: 'pending', answer: null };
    this.ops.push(op);
    this.unanswered.set(cid, op);
    this.#send(op);
  }

  /** Writes until told to stop, at most WINDOW unanswered at a time. */
  async run() {
    while (!this.stopped && !this.quiet) {
      if (this.ready && this.unanswered.size < WINDOW) this.write();
      await sleep(rnd(20, 90));
    }
  }
}

function sql(query) {
  const out = execFileSync('sqlite3', ['-json', path.join(srv.dataDir, 'soundroom.db'), query], { encoding: 'utf8' });
  return out.trim() ? JSON.parse(out) : [];
}

const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))];

test(`kill -9 ${CYCLES} times under mixed load: nothing acknowledged is lost, nothing is stored twice`, async (t) => {
  const rooms = [(await makeRoom(srv, 'crash A')).id, (await makeRoom(srv, 'crash B')).id];
  const tracks = await allTracks(srv);
  net1 = await relay();
  actors = Array.from({ length: CLIENTS }, (_, i) => new Actor(i, rooms[i % rooms.length], tracks));
  await Promise.all(actors.map((a) => a.connect()));
  const running = actors.map((a) => a.run());
  const restarts = [];
  const began = Date.now();
  for (let c = 0; c < CYCLES; c++) {
    await sleep(rnd(1000, 3000)); // a random moment under load
    if (c % 2) {
      // every other kill lands just after a burst, while writes are between the disk and their
      // acks: the moment a retry could double a write
      for (const a of actors) while (a.ready && a.unanswered.size < WINDOW) a.write();
      await sleep(rnd(0, 6));
    }
    restarts.push(await srv.crash());
    if (process.env.CRASH_VERBOSE) t.diagnostic(`kill ${c + 1}: back in ${restarts.at(-1)} ms`);
    await until(() => actors.every((a) => a.ready), 15000, `every client back after kill ${c + 1}`);
  }
  // no new writes; what is unanswered now is resent until it is answered
  for (const a of actors) a.quiet = true;
  await Promise.all(running);
  await until(() => actors.every((a) => a.ready && a.unanswered.size === 0), 20000, 'every write answered').catch((err) => {
    const left = actors.map((a) => ({ actor: a.i, ready: a.ready, unanswered: [...a.unanswered.values()].map((op) => ({ ...op.msg, cid: op.cid, sent: op.sent })) }));
    throw new Error(`${err.message}: ${JSON.stringify(left)}\n${srv.tail(20)}`);
  });
  for (const a of actors) {
    a.stopped = true;
    a.ws?.close();
  }
  const seconds = (Date.now() - began) / 1000;
  await srv.stop();

  // ---- the store, read directly ----
  const chats = new Map(); // text -> [ids]
  for (const r of sql("SELECT id, text FROM chat_messages WHERE text LIKE 'crash a%'")) {
    if (!chats.has(r.text)) chats.set(r.text, []);
    chats.get(r.text).push(r.id);
  }
  const entries = new Map(); // user -> Set(entry ids)
  for (const r of sql('SELECT id, user_id FROM queue_entries')) {
    if (!entries.has(r.user_id)) entries.set(r.user_id, new Set());
    entries.get(r.user_id).add(r.id);
  }
  const votes = new Map(); // "entry/user" -> value
  for (const r of sql('SELECT entry_id, user_id, value FROM votes')) votes.set(`${r.entry_id}/${r.user_id}`, r.value);

  const n = { ok: 0, error: 0, lost: 0, duplicated: 0, phantom: 0, chat: 0, queue_add: 0, vote: 0 };
  const problems = [];
  const bad = (kind, what) => {
    n[kind]++;
    if (problems.length < 20) problems.push(`${kind}: ${what}`);
  };
  for (const a of actors) {
    const lastVote = new Map(); // "entry/user" -> the last vote invoked on it
    let addsOk = 0;
    for (const op of a.ops) {
      n[op.state]++;
      n[op.msg.type]++;
      const ok = op.state === 'ok';
      if (op.msg.type === 'chat') {
        const ids = chats.get(op.msg.text) ?? [];
        if (ids.length > 1) bad('duplicated', `${op.msg.text} stored ${ids.length} times (${ids})`);
        if (ok && !ids.includes(op.answer.id)) bad('lost', `${op.msg.text} (id ${op.answer.id}) acknowledged, absent`);
        if (!ok && ids.length) bad('phantom', `${op.msg.text} refused (${op.answer.code}) yet stored`);
      } else if (op.msg.type === 'queue_add') {
        if (ok) addsOk++;
        if (ok && !entries.get(a.user)?.has(op.answer.entry)) bad('lost', `entry ${op.answer.entry} acknowledged, absent`);
      } else {
        lastVote.set(`${op.msg.entry}/${a.user}`, op);
      }
    }
    // every add was answered, so the person's entries are exactly the acknowledged ones
    const stored = entries.get(a.user)?.size ?? 0;
    if (stored > addsOk) bad('duplicated', `actor ${a.i}: ${stored} entries stored for ${addsOk} acknowledged adds`);
    for (const [key, op] of lastVote) {
      if (op.state !== 'ok') continue;
      const want = op.msg.value === 0 ? undefined : op.msg.value;
      if (votes.get(key) !== want) bad('lost', `vote ${key}: acknowledged ${op.msg.value}, stored ${votes.get(key)}`);
    }
  }
  const figures = {
    cycles: CYCLES,
    clients: CLIENTS,
    seconds: Math.round(seconds),
    writes: n.ok + n.error,
    chat: n.chat,
    queue_add: n.queue_add,
    vote: n.vote,
    acknowledged: n.ok,
    refused: n.error,
    lost: n.lost,
    duplicated: n.duplicated,
    phantom: n.phantom,
    resent: actors.reduce((s, a) => s + a.ops.filter((op) => op.sent > 1).length, 0),
    reconnects: actors.reduce((s, a) => s + a.reconnects - 1, 0),
    restart_ms_p50: pct(restarts, 50),
    restart_ms_max: Math.max(...restarts),
  };
  const codes = {};
  for (const a of actors) for (const op of a.ops) if (op.state === 'error') codes[op.answer.code] = (codes[op.answer.code] ?? 0) + 1;
  t.diagnostic(`crash figures ${JSON.stringify(figures)}`);
  t.diagnostic(`refusals by code ${JSON.stringify(codes)}`);
  console.log('crash figures', figures, 'refusals', codes);
  assert.deepEqual(problems, [], 'no write lost, duplicated or phantom');
  assert.equal(n.lost + n.duplicated + n.phantom, 0);
  assert.ok(n.ok > CYCLES * 10, `enough acknowledged writes to mean something (${n.ok})`);
  assert.ok(figures.reconnects >= CYCLES * CLIENTS, 'every client came back after every kill');
}, { timeout: 360000 });
