// client.js - the soundroom client: one live connection (rooms, chat, votes, clock) over a WebSocket.
// SPDX-License-Identifier: GPL-3.0-or-later
//
// Works in browsers and in Node 20 (pass `{WebSocket}` from the `ws` package there).
// The wire protocol it speaks is docs/protocol.md; its own surface is docs/sdk.md.

import { SoundroomError, api, restBase } from './core.js';
import { Outbox } from './retry.js';

const BACKOFF_MIN_MS = 250;
const BACKOFF_MAX_MS = 10000;
const STABLE_MS = 5000; // a connection this old resets the backoff when it drops
const PING_BURST = 5;
const PING_BURST_GAP_MS = 150;
const PING_EVERY_MS = 10000;
const CLOCK_SAMPLES = 8;
const CHAT_KEEP = 500;
const REQUEST_TIMEOUT_MS = 10000;
const DELTA_TYPES = new Set([
  'presence', 'entry_added', 'entry_voted', 'entry_removed', 'entry_moved', 'now_playing', 'skip',
  'chat', 'chat_deleted', 'notice', 'room_updated', 'role', 'likes', 'party', 'sync',
]);
// Close codes after which reconnecting cannot help: the session was revoked.
const TERMINAL_CLOSE = new Set([4003]);
// hello errors after which reconnecting cannot help.
const TERMINAL_HELLO = new Set(['unauthenticated', 'banned']);

/** The room's sync figures from a snapshot's `sync` or a `sync` delta (null when it had none). */
function syncFigures(m) {
  if (!m) return null;
  return { errorMs: m.error_ms ?? null, reporting: m.reporting ?? 0,
    listeners: (m.listeners ?? []).map((l) => ({ user: l.user, errorMs: l.error_ms })) };
}

/**
 * Queue order: pinned entries first (in the order they were pinned; Array#sort is stable), then
 * higher score, then earlier `added_at`, then lower id.
 */
export function compareEntries(a, b) {
  const pa = a.pinned ? 1 : 0;
  const pb = b.pinned ? 1 : 0;
  if (pa || pb) return pb - pa;
  return b.score - a.score || a.added_at - b.added_at || a.id - b.id;
}

// The ws(s) URL to open for `url` (an http(s) URL becomes ws(s); relative ones resolve against the page).
function wsUrlOf(url) {
  const loc = globalThis.location;
  const u = new URL(url, loc ? loc.href : undefined);
  if (u.protocol === 'http:') u.protocol = 'ws:';
  else if (u.protocol === 'https:') u.protocol = 'wss:';
  return u.href;
}

// The client clock: monotonic where the platform has one, in ms since the epoch.
function clientNow() {
  const p = globalThis.performance;
  return p && p.timeOrigin ? p.timeOrigin + p.now() : Date.now();
}

/**
 * Opens a connection, says hello and resolves with the Client once `welcome` arrives.
 * Rejects (and gives up) if that first attempt fails; later drops reconnect on their own.
 */
export function connect(url, opts = {}) {
  const client = new Client(url, opts);
  return client.ready.then(() => client);
}

/** One connection to a soundroom server; see docs/sdk.md for its properties, methods and events. */
export class Client {
  /** `{id, name}` from the last `welcome`. */
  user = null;
  /** The guest token: pass it to a later connect() to come back as the same person. */
  token = null;
  /** The account session token (bearer), when signed in; see login() in account.js. */
  session = null;
  /** True when connected as an account rather than a guest. */
  account = false;
  /** Estimated server clock minus client clock, in ms. */
  offset = 0;
  /** Round trip of the clock sample in use, in ms (Infinity before the first pong). */
  rtt = Infinity;
  /** The joined room's live state, or null. See docs/sdk.md. */
  room = null;
  /** 'connecting' | 'open' | 'reconnecting' | 'closed'. */
  status = 'connecting';
  /** Resolves once the first `welcome` arrives. */
  ready;

  #url;
  #restBase;
  #WS;
  #fetch;
  #name;
  #reconnect;
  #timeout;
  #ws = null;
  #handlers = new Map();
  #pending = new Map();
  #nextRef = 1;
  #first = null;
  #closing = false;
  #closers = [];
  #attempt = 0;
  #retryTimer = null;
  #clockTimer = null;
  #pings = new Set();
  #samples = [];
  #welcomedAt = 0;
  #resyncing = false;
  #outbox = new Outbox((msg) => this.#call(msg));

  constructor(url, opts = {}) {
    this.#url = wsUrlOf(url);
    this.#restBase = opts.restBase ?? restBase(url);
    this.#WS = opts.WebSocket ?? globalThis.WebSocket;
    if (!this.#WS) throw new TypeError('soundroom: no WebSocket; pass {WebSocket} from "ws"');
    this.#fetch = opts.fetch ?? ((...a) => globalThis.fetch(...a));
    this.#name = opts.name;
    this.token = opts.token ?? null;
    this.session = opts.session ?? null;
    this.#reconnect = opts.reconnect !== false;
    this.#timeout = opts.timeout ?? REQUEST_TIMEOUT_MS;
    this.ready = new Promise((resolve, reject) => (this.#first = { resolve, reject }));
    this.#open();
  }

  // ---- events -------------------------------------------------------------------------------

  /** Calls fn(payload) on each `event`; returns a function that unsubscribes. */
  on(event, fn) {
    if (!this.#handlers.has(event)) this.#handlers.set(event, new Set());
    this.#handlers.get(event).add(fn);
    return () => this.off(event, fn);
  }

  off(event, fn) {
    this.#handlers.get(event)?.delete(fn);
  }

  #emit(event, payload) {
    for (const fn of [...(this.#handlers.get(event) ?? [])]) {
      try {
        fn(payload);
      } catch (err) {
        setTimeout(() => {
          throw err;
        });
      }
    }
  }

  // ---- clock --------------------------------------------------------------------------------

  /** The server's clock now, estimated, in ms since the epoch. */
  now() {
    return clientNow() + this.offset;
  }

  /** Milliseconds into the current track (server time), or null when nothing plays. */
  position() {
    const np = this.room?.nowPlaying;
    return np && typeof np.started_at === 'number' ? this.now() - np.started_at : null;
  }

  // ---- low level ----------------------------------------------------------------------------

  /** Sends a raw frame: a string as is, anything else as JSON. For tests and experiments. */
  send(raw) {
    const ws = this.#ws;
    if (!ws || ws.readyState !== 1) throw new SoundroomError('disconnected', 'not connected');
    ws.send(typeof raw === 'string' || raw instanceof Uint8Array ? raw : JSON.stringify(raw));
  }

  /**
   * Sends msg with a fresh `ref`; resolves with the reply carrying it (ack or typed reply),
   * rejects with a SoundroomError whose `code` is the server's on `error`.
   */
  request(msg) {
    if (this.status !== 'open') {
      return Promise.reject(new SoundroomError('disconnected', `connection is ${this.status}`));
    }
    return this.#call(msg);
  }

  /** request() for a write (chat, queue add, vote): resent after a reconnect until answered. */
  #write(msg) {
    if (this.status !== 'open') {
      return Promise.reject(new SoundroomError('disconnected', `connection is ${this.status}`));
    }
    return this.#outbox.send(msg);
  }

  /** Writes sent whose answer has not come yet (they are resent after a reconnect). */
  get unanswered() {
    return this.#outbox.waiting;
  }

  #call(msg, ws = this.#ws) {
    return new Promise((resolve, reject) => {
      if (!ws || ws.readyState !== 1) {
        reject(new SoundroomError('disconnected', 'not connected'));
        return;
      }
      const ref = this.#nextRef++;
      const timer = setTimeout(() => {
        this.#pending.delete(ref);
        reject(new SoundroomError('timeout', `no reply to ${msg.type} in ${this.#timeout} ms`));
      }, this.#timeout);
      this.#pending.set(ref, { resolve, reject, timer });
      ws.send(JSON.stringify({ ...msg, ref }));
    });
  }

  #failPending(code, message) {
    for (const [ref, p] of this.#pending) {
      clearTimeout(p.timer);
      p.reject(new SoundroomError(code, message));
      this.#pending.delete(ref);
    }
  }

  // ---- connection ---------------------------------------------------------------------------

  #open() {
    let ws;
    try {
      ws = new this.#WS(this.#url);
    } catch (err) {
      this.#onClose(null, 1006, String(err?.message ?? err));
      return;
    }
    this.#ws = ws;
    // A handshake or hello that never completes counts as a failed attempt.
    const stall = setTimeout(() => {
      if (ws === this.#ws && this.status !== 'open') ws.close();
    }, this.#timeout);
    ws.onopen = () => this.#onOpen(ws);
    ws.onmessage = (ev) => {
      if (ws === this.#ws) this.#onFrame(ev.data);
    };
    ws.onerror = () => {}; // a close event follows
    ws.onclose = (ev) => {
      clearTimeout(stall);
      this.#onClose(ws, ev.code, ev.reason);
    };
  }

  async #onOpen(ws) {
    const hello = { type: 'hello', v: 1 };
    if (this.#name != null) hello.name = this.#name;
    if (this.session) hello.session = this.session;
    else if (this.token) hello.token = this.token;
    let welcome;
    try {
      welcome = await this.#call(hello, ws);
    } catch (err) {
      if (ws !== this.#ws) return;
      if (this.#first) {
        this.#closing = true; // a refused hello will not get better by retrying
        this.#first.reject(err);
        this.#first = null;
      } else {
        if (TERMINAL_HELLO.has(err.code)) this.#closing = true;
        this.#emit('error', err);
      }
      ws.close(1000);
      return;
    }
    if (ws !== this.#ws) return;
    this.#onWelcome(welcome);
    this.#welcomedAt = Date.now();
    this.status = 'open';
    this.#startClock(ws);
    this.#emit('connection', { status: 'open' });
    if (this.#first) {
      this.#first.resolve(this);
      this.#first = null;
    } else if (this.room) {
      this.#rejoin();
    } else {
      this.#outbox.resend();
    }
  }

  #onWelcome(w) {
    this.user = w.user;
    this.account = !!w.account;
    if (w.token) this.token = w.token;
    if (this.#samples.length === 0 && typeof w.server_time === 'number') {
      this.offset = w.server_time - clientNow();
    }
  }

  #onClose(ws, code, reason) {
    if (ws && ws !== this.#ws) return;
    this.#ws = null;
    this.#stopClock();
    this.#resyncing = false;
    this.#failPending('disconnected', `connection closed (${code}${reason ? ' ' + reason : ''})`);
    const stable = this.#welcomedAt && Date.now() - this.#welcomedAt >= STABLE_MS;
    this.#welcomedAt = 0;
    if (this.#first && !this.#closing) {
      this.#first.reject(
        new SoundroomError('connect_failed', `could not connect to ${this.#url} (${code})`, {
          closeCode: code,
        }),
      );
      this.#first = null;
      this.#closing = true;
    }
    if (TERMINAL_CLOSE.has(code)) this.#closing = true;
    if (this.#closing || !this.#reconnect) {
      this.#closing = true;
      if (this.status !== 'closed') {
        this.status = 'closed';
        this.#emit('connection', { status: 'closed', code, reason });
      }
      this.#outbox.fail(new SoundroomError('disconnected', 'the client closed'));
      for (const done of this.#closers.splice(0)) done();
      return;
    }
    if (stable) this.#attempt = 0;
    if (code === 1008 || code === 4001) this.#attempt = Math.max(this.#attempt, 2);
    const cap = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** this.#attempt);
    const delay = Math.round(cap / 2 + (Math.random() * cap) / 2);
    this.#attempt++;
    this.status = 'reconnecting';
    this.#emit('connection', { status: 'reconnecting', code, reason, delay });
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null;
      if (!this.#closing) this.#open();
    }, delay);
  }

  /** Closes for good (no reconnect). Resolves once the socket is closed. */
  close() {
    this.#closing = true;
    clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
    this.#stopClock();
    const ws = this.#ws;
    if (!ws) {
      if (this.status !== 'closed') {
        this.status = 'closed';
        this.#emit('connection', { status: 'closed', code: 1000, reason: '' });
      }
      this.#outbox.fail(new SoundroomError('disconnected', 'the client closed'));
      return Promise.resolve();
    }
    const done = new Promise((resolve) => this.#closers.push(resolve));
    ws.close(1000);
    return done;
  }

  // ---- clock sync ---------------------------------------------------------------------------

  #startClock(ws) {
    this.#stopClock();
    let sent = 0;
    const tick = () => {
      if (ws !== this.#ws) return;
      this.#ping();
      sent++;
      this.#clockTimer = setTimeout(tick, sent < PING_BURST ? PING_BURST_GAP_MS : PING_EVERY_MS);
    };
    tick();
  }

  #stopClock() {
    clearTimeout(this.#clockTimer);
    this.#clockTimer = null;
    this.#pings.clear();
  }

  #ping() {
    const t0 = clientNow();
    this.#pings.add(t0);
    if (this.#pings.size > 16) this.#pings.delete(this.#pings.values().next().value);
    try {
      this.send({ type: 'ping', t0 });
    } catch {
      /* closing; the close handler takes over */
    }
  }

  #onPong(m) {
    const t3 = clientNow();
    if (![m.t0, m.t1, m.t2].every((t) => typeof t === 'number')) return;
    // Ours if it echoes a t0 we sent; allow for a server that rounds the echo (pings are
    // at least 150 ms apart, so 1 ms cannot match the wrong one).
    let t0;
    for (const sent of this.#pings) if (Math.abs(sent - m.t0) < 1) t0 = sent;
    if (t0 === undefined) return;
    this.#pings.delete(t0);
    const rtt = t3 - t0 - (m.t2 - m.t1);
    const offset = (m.t1 - t0 + (m.t2 - t3)) / 2;
    this.#samples.push({ rtt, offset });
    if (this.#samples.length > CLOCK_SAMPLES) this.#samples.shift();
    const best = this.#samples.reduce((a, b) => (b.rtt < a.rtt ? b : a));
    this.offset = best.offset;
    this.rtt = best.rtt;
    this.#emit('clock', { offset: this.offset, rtt: this.rtt });
  }

  // ---- incoming -----------------------------------------------------------------------------

  #onFrame(data) {
    if (typeof data !== 'string') return;
    let parsed;
    try {
      parsed = JSON.parse(data);
    } catch {
      this.#emit('error', new SoundroomError('bad_frame', 'server sent a frame that is not JSON'));
      return;
    }
    for (const m of Array.isArray(parsed) ? parsed : [parsed]) {
      if (m && typeof m === 'object' && !Array.isArray(m)) this.#onMessage(m);
    }
  }

  #onMessage(m) {
    this.#emit('message', m);
    if (m.type === 'pong') this.#onPong(m);
    else if (m.type === 'welcome' && m.ref === undefined) this.#onWelcome(m);
    else if (m.type === 'snapshot') this.#onSnapshot(m);
    else if (m.type === 'resumed') this.#onResumed(m);
    else if (DELTA_TYPES.has(m.type) && m.seq !== undefined) this.#onDelta(m);
    else if (m.type === 'kicked') this.#onKicked(m);
    else if (m.type === 'friend') this.#emit('friend', m);
    const p = m.ref !== undefined && m.ref !== null ? this.#pending.get(m.ref) : undefined;
    if (p) {
      this.#pending.delete(m.ref);
      clearTimeout(p.timer);
      if (m.type === 'error') p.reject(new SoundroomError(m.code, m.message, { reply: m }));
      else p.resolve(m);
    } else if (m.type === 'error') {
      this.#emit('error', new SoundroomError(m.code, m.message, { reply: m }));
    }
  }

  #onSnapshot(m) {
    this.#resyncing = false;
    this.room = {
      id: m.room,
      info: m.info ?? null,
      epoch: m.epoch,
      seq: m.seq,
      nowPlaying: m.now_playing ?? null,
      queue: [...(m.queue ?? [])].sort(compareEntries),
      listeners: [...(m.listeners ?? [])],
      listenerCount: m.listener_count ?? (m.listeners ?? []).length,
      chat: [...(m.chat ?? [])],
      skip: m.skip ?? { votes: 0, needed: 1 },
      mySkip: false,
      settings: m.settings ?? null,
      yourRole: m.your_role ?? null,
      party: m.party ?? null,
      sync: syncFigures(m.sync),
    };
    this.#emit('snapshot', this.room);
    this.#emit('state', this.room);
  }

  #onResumed(m) {
    if (!this.room || this.room.id !== m.room) return;
    this.#resyncing = false;
    this.#emit('resumed', m);
  }

  #onKicked(m) {
    if (this.room && this.room.id === m.room) {
      this.room = null;
      this.#emit('state', null);
    }
    this.#emit('kicked', m);
  }

  #rejoin() {
    const r = this.room;
    this.#resyncing = true;
    this.#call({ type: 'join', room: r.id, epoch: r.epoch, seq: r.seq }).then(() => this.#outbox.resend(), (err) => {
      this.#resyncing = false;
      if (err.code === 'disconnected') return; // the next reconnect tries again
      this.#outbox.fail(err);
      if (this.room && this.room.id === r.id) {
        this.room = null;
        this.#emit('state', null);
      }
      this.#emit('error', err);
    });
  }

  #onDelta(d) {
    const r = this.room;
    if (!r || d.room !== r.id) return;
    if (d.seq <= r.seq && d.epoch === r.epoch) return;
    if (d.epoch !== r.epoch || d.seq > r.seq + 1) {
      if (!this.#resyncing && this.status === 'open') this.#rejoin();
      return;
    }
    r.seq = d.seq;
    switch (d.type) {
      case 'presence': {
        // {joined:[…], left:[…], count} (a join and a leave within one tick cancel out), or
        // the older {op, user}.
        const left = d.left ?? (d.op === 'leave' && d.user ? [d.user] : []);
        const joined = d.joined ?? (d.op === 'join' && d.user ? [d.user] : []);
        for (const u of left) r.listeners = r.listeners.filter((x) => x.id !== u.id);
        for (const u of joined) {
          const i = r.listeners.findIndex((x) => x.id === u.id);
          if (i < 0) r.listeners.push(u);
          else r.listeners[i] = u;
        }
        r.listenerCount = typeof d.count === 'number' ? d.count : r.listeners.length;
        this.#emit('presence', d);
        break;
      }
      case 'entry_added':
        if (!r.queue.some((e) => e.id === d.entry.id)) r.queue.push(d.entry);
        r.queue.sort(compareEntries);
        this.#emit('queue', d);
        break;
      case 'entry_voted': {
        const e = r.queue.find((x) => x.id === d.entry.id);
        if (e) {
          for (const k of ['score', 'up', 'down', 'my_vote']) if (k in d.entry) e[k] = d.entry[k];
          r.queue.sort(compareEntries);
        }
        this.#emit('queue', d);
        break;
      }
      case 'entry_removed':
        r.queue = r.queue.filter((e) => e.id !== d.id);
        this.#emit('queue', d);
        break;
      case 'entry_moved': {
        // Pinned: to the top, after the entries pinned before it.
        const e = r.queue.find((x) => x.id === d.id);
        if (e) {
          r.queue = r.queue.filter((x) => x !== e);
          e.pinned = d.pinned !== false;
          const at = e.pinned ? r.queue.filter((x) => x.pinned).length : r.queue.length;
          r.queue.splice(at, 0, e);
          r.queue.sort(compareEntries);
        }
        this.#emit('queue', d);
        break;
      }
      case 'now_playing': {
        const { track, started_at, entry, added_by, from, skipped, likes } = d;
        r.nowPlaying = { track, started_at, entry, added_by, from, skipped, likes: likes ?? 0 };
        r.skip = { ...r.skip, votes: 0 };
        r.mySkip = false;
        if (entry !== null && entry !== undefined) {
          r.queue = r.queue.filter((e) => e.id !== entry);
          this.#emit('queue', d);
        }
        this.#emit('now_playing', d);
        break;
      }
      case 'likes':
        // how many present listeners like what plays
        if (r.nowPlaying && r.nowPlaying.track?.id === d.track) r.nowPlaying = { ...r.nowPlaying, likes: d.count };
        this.#emit('likes', d);
        break;
      case 'sync':
        // how far from the schedule the listeners who report say they play
        r.sync = syncFigures(d);
        this.#emit('sync', r.sync);
        break;
      case 'skip':
        r.skip = { votes: d.votes, needed: d.needed };
        this.#emit('skip', d);
        break;
      case 'chat':
        r.chat.push(d.msg);
        if (r.chat.length > CHAT_KEEP) r.chat.splice(0, r.chat.length - CHAT_KEEP);
        this.#emit('chat', d);
        break;
      case 'chat_deleted':
        r.chat = r.chat.filter((m) => m.id !== d.id);
        this.#emit('chat', d);
        break;
      case 'notice':
        this.#emit('notice', d);
        break;
      case 'room_updated':
        if (d.info) r.info = d.info;
        if (d.settings) r.settings = d.settings;
        this.#emit('room', d);
        break;
      case 'party':
        // party mode: {code, starts_at, speaker: {user, device} | null}, or null when it ended
        r.party = d.party ?? null;
        this.#emit('party', d);
        break;
      case 'role':
        if (this.user && d.user && d.user.id === this.user.id) r.yourRole = d.role;
        this.#emit('role', d);
        break;
    }
    // Some deltas (presence, now_playing) may carry the new skip tally as well.
    if (d.type !== 'skip' && d.skip && typeof d.skip.votes === 'number') {
      r.skip = { votes: d.skip.votes, needed: d.skip.needed };
    }
    this.#emit('delta', d);
    this.#emit('state', r);
  }

  // ---- identity and rooms -------------------------------------------------------------------

  /** Changes the display name (re-sends hello with the token). Resolves with the user. */
  async setName(name) {
    const w = await this.request({ type: 'hello', v: 1, name, token: this.token ?? undefined });
    this.#name = name;
    this.#onWelcome(w);
    return this.user;
  }

  /**
   * Joins a room (leaving any other); resolves with `room` once the snapshot is applied.
   * `invite` admits the holder of a private room's invite code.
   */
  async join(roomId, { invite } = {}) {
    const msg = { type: 'join', room: roomId };
    if (invite !== undefined) msg.invite = invite;
    await this.request(msg);
    return this.room;
  }

  /** Leaves the current room; resolves with the server's `left` reply. */
  async leave() {
    const r = this.room;
    if (!r) return null;
    this.room = null;
    this.#emit('state', null);
    return this.request({ type: 'leave', room: r.id });
  }

  #roomId() {
    if (!this.room) throw new SoundroomError('not_in_room', 'join a room first');
    return this.room.id;
  }

  /**
   * Reports how far this device's playback is from the room's schedule (ms, 0–60000; the web
   * client sends its p95 over the last few seconds every 5 s). Resolves with the ack; the room
   * sees it in `room.sync` within a couple of seconds.
   */
  async reportSync(errorMs) {
    const ms = Math.min(60000, Math.max(0, Math.round(Number(errorMs) * 10) / 10));
    return this.request({ type: 'sync', room: this.#roomId(), error_ms: Number.isFinite(ms) ? ms : 0 });
  }

  /**
   * Tells the room this device's player cannot play `trackId`, the room's current track (its
   * stream does not answer, no adapter plays its source here). When every listener present says
   * so the room moves on at once, when half of them do within 10 s (docs/protocol.md, "Tracks
   * nobody can play"). Resolves with the ack; `ack.counted` is false when another track plays
   * by now.
   */
  async reportCannotPlay(trackId) {
    return this.request({ type: 'cannot_play', room: this.#roomId(), track: trackId });
  }

  /** Queues a track in the current room; resolves with the new entry id. */
  async addTrack(trackId) {
    const ack = await this.#write({ type: 'queue_add', room: this.#roomId(), track: trackId });
    return ack.entry;
  }

  /**
   * Queues an HTTP audio stream (internet radio) in the current room: `{url, title?, artist?}`.
   * The server records it as a track of source "stream" first. Resolves with `{entry, track}`;
   * needs an account (`sign_in_required` for guests).
   */
  async addStream({ url, title, artist }) {
    const stream = { url };
    if (title !== undefined) stream.title = title;
    if (artist !== undefined) stream.artist = artist;
    const ack = await this.request({ type: 'queue_add', room: this.#roomId(), stream });
    return { entry: ack.entry, track: ack.track };
  }

  /**
   * Queues a track of an external service that a client-side adapter plays (see adapters.js):
   * `{source, ref, title, artist?, duration_ms?}`. A source the server does not know is
   * refused (`unknown_source`), a reference it rejects too (`bad_ref`). Resolves with
   * `{entry, track}`.
   */
  async addExternal(external) {
    const ack = await this.request({ type: 'queue_add', room: this.#roomId(), external });
    return { entry: ack.entry, track: ack.track };
  }

  /** Votes on an entry: 1 up, -1 down, 0 retracts. */
  async vote(entryId, value) {
    const ack = await this.#write({ type: 'vote', room: this.#roomId(), entry: entryId, value });
    const e = this.room?.queue.find((x) => x.id === entryId);
    if (e) e.my_vote = typeof ack.my_vote === 'number' ? ack.my_vote : value;
    return ack;
  }

  /** Removes one of your own entries from the queue. */
  removeEntry(entryId) {
    return this.request({ type: 'queue_remove', room: this.#roomId(), entry: entryId });
  }

  /**
   * Votes to skip the current track (true) or retracts that vote (false). `room.mySkip` follows
   * the ack only while the same track still plays: a vote that passed is answered after the
   * next track's `now_playing`, and that track has no vote of this client.
   */
  async voteSkip(value = true) {
    const room = this.room;
    const np = room?.nowPlaying;
    // Name the track: a vote that arrives after it ended must not skip the next one.
    const track = np?.track?.id;
    const ack = await this.request({ type: 'skip', room: this.#roomId(), value: !!value, ...(track ? { track } : {}) });
    const still = room?.nowPlaying;
    if (room && room === this.room && !ack.stale && still?.track?.id === track && still?.started_at === np?.started_at) {
      room.mySkip = !!value;
    }
    return ack;
  }

  /** Says something in the current room; resolves with the message id. */
  async chat(text) {
    const ack = await this.#write({ type: 'chat', room: this.#roomId(), text });
    return ack.id;
  }

  /**
   * A moderator action in the current room: `mod('kick', {user: 7})`, `mod('move', {entry})`,
   * `mod('lock')`… (see protocol.md). Resolves with the ack.
   */
  mod(action, fields = {}) {
    return this.request({ type: 'mod', room: this.#roomId(), action, ...fields });
  }

  /** Searches the library over the socket; resolves with tracks. */
  async search(q = '', limit) {
    const msg = { type: 'search', q };
    if (limit !== undefined) msg.limit = limit;
    return (await this.request(msg)).tracks;
  }

  // ---- REST ---------------------------------------------------------------------------------

  /** An absolute URL for a server path such as a track's `url` or `cover`. */
  url(path) {
    return this.#restBase + path;
  }

  /**
   * Calls the REST API (with the session as a bearer token when signed in); resolves with the
   * parsed body, throws SoundroomError (`code`, `status`).
   */
  api(method, path, body) {
    return api(this.#restBase, method, path, body, { session: this.session, fetch: this.#fetch });
  }

  async listRooms() {
    return (await this.api('GET', '/api/rooms')).rooms;
  }

  async getRoom(id) {
    return (await this.api('GET', `/api/rooms/${encodeURIComponent(id)}`)).room;
  }

  async createRoom({ name, description, tags } = {}) {
    const body = { name };
    if (description !== undefined) body.description = description;
    if (tags !== undefined) body.tags = tags;
    return (await this.api('POST', '/api/rooms', body)).room;
  }

  async getTrack(id) {
    return (await this.api('GET', `/api/tracks/${encodeURIComponent(id)}`)).track;
  }

  /** Searches the library over REST (works without a socket too); resolves with tracks. */
  async tracks(q = '', limit) {
    const qs = new URLSearchParams({ q });
    if (limit !== undefined) qs.set('limit', String(limit));
    return (await this.api('GET', `/api/tracks?${qs}`)).tracks;
  }
}
