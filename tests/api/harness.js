// harness.js - starts, stops and restarts the real soundroom server for the API tests.
// SPDX-License-Identifier: GPL-3.0-or-later
//
// Not a test file (node --test only runs *.test.js here); the tests import it.
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import tls from 'node:tls';
import path from 'node:path';
import { test as nodeTest } from 'node:test';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { connect } from '../../sdk/soundroom.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = process.env.SOUNDROOM_BIN ?? path.join(ROOT, 'build/soundroom');
export const LIBRARY = path.join(ROOT, 'tests/out/library');
/** SOUNDROOM_LIBRARY may name a ready library to use instead of making the demo one. */
const GIVEN_LIBRARY = process.env.SOUNDROOM_LIBRARY;

const AUDIO = /\.(ogg|opus|oga|mp3|flac|wav|m4a)$/i;

// Servers still running when the test process exits (a test that failed half-way) are killed.
const running = new Set();
process.on('exit', () => {
  for (const p of running) p.kill('SIGKILL');
});

/** Makes the demo library once (tests/out/library) and returns its path. */
export function library() {
  if (GIVEN_LIBRARY) return path.resolve(GIVEN_LIBRARY);
  if (fs.existsSync(path.join(LIBRARY, '.complete'))) return LIBRARY;
  const tmp = `${LIBRARY}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(LIBRARY), { recursive: true });
  execFileSync('bash', [path.join(ROOT, 'scripts/demo-library.sh'), tmp], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const files = fs.readdirSync(tmp, { recursive: true }).filter((f) => AUDIO.test(String(f)));
  if (files.length === 0) throw new Error(`demo-library.sh made no audio files in ${tmp}`);
  fs.writeFileSync(path.join(tmp, '.complete'), `${files.length}\n`);
  fs.rmSync(LIBRARY, { recursive: true, force: true });
  fs.renameSync(tmp, LIBRARY);
  return LIBRARY;
}

/** A TCP port that was free a moment ago. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** node:test's test() with a timeout, so a server that stops answering fails one test, not the run. */
export function test(name, fn, { timeout = 30000 } = {}) {
  return nodeTest(name, { timeout }, fn);
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A running server process. `start()` makes one on a fresh data dir. */
export class Server {
  proc = null;
  log = [];
  exit = null;

  constructor({ port, dataDir, args = [] }) {
    this.port = port;
    this.dataDir = dataDir;
    this.args = args;
    this.base = `http://127.0.0.1:${port}`;
    this.url = `ws://127.0.0.1:${port}/ws`;
  }

  /** Starts a server on a free port and a fresh temp data dir; waits until it is healthy. */
  static async start({ args = [], dataDir } = {}) {
    const lib = library();
    let lastErr;
    for (let i = 0; i < 3; i++) {
      const dir = dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'soundroom-api-'));
      const srv = new Server({ port: await freePort(), dataDir: dir, args });
      srv.library = lib;
      try {
        await srv.#spawn();
        return srv;
      } catch (err) {
        lastErr = err; // most likely the port was taken in between; try another
        srv.kill();
      }
    }
    throw lastErr;
  }

  async #spawn() {
    if (!fs.existsSync(BIN)) throw new Error(`no server binary at ${BIN} (make build/soundroom)`);
    const args = [
      'serve', '--port', String(this.port), '--host', '127.0.0.1', '--data', this.dataDir,
      '--library', this.library, '--web', path.join(ROOT, 'web/dist'), '--log-level', 'debug',
      // The tests play streams from servers of their own on loopback; a test of the outbound
      // policy passes '--allow-private-urls', '0' after it.
      '--allow-private-urls', '1',
      ...this.args,
    ];
    this.exit = null;
    const proc = spawn(BIN, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    this.proc = proc;
    running.add(proc);
    this.exited = new Promise((resolve) => {
      proc.on('exit', (code, signal) => {
        running.delete(proc);
        this.exit = { code, signal };
        resolve(this.exit);
      });
    });
    let buf = '';
    proc.stderr.setEncoding('utf8');
    proc.stderr.on('data', (d) => {
      buf += d;
      const lines = buf.split('\n');
      buf = lines.pop();
      for (const l of lines) {
        this.log.push(l);
        if (process.env.SOUNDROOM_LOG) process.stderr.write(`[server] ${l}\n`);
      }
      if (this.log.length > 5000) this.log.splice(0, this.log.length - 5000);
    });
    const deadline = Date.now() + 15000;
    while (Date.now() < deadline) {
      if (this.exit) throw new Error(`server exited early ${JSON.stringify(this.exit)}\n${this.tail()}`);
      try {
        const res = await fetch(`${this.base}/api/health`);
        const body = await res.json();
        if (res.ok && body.ok === true) return;
      } catch {
        /* not up yet */
      }
      await sleep(20); // finely: the fault run times restarts with this
    }
    throw new Error(`server not healthy after 15 s\n${this.tail()}`);
  }

  /** The last lines the server logged, for failure messages. */
  tail(n = 40) {
    return this.log.slice(-n).join('\n');
  }

  /** SIGTERM; resolves with {code, signal}; throws unless the server exits 0 within 10 s. */
  async stop() {
    if (!this.proc) return this.exit;
    const proc = this.proc;
    this.proc = null;
    if (!this.exit) proc.kill('SIGTERM');
    const exit = await Promise.race([this.exited, sleep(10000).then(() => null)]);
    if (!exit) {
      proc.kill('SIGKILL');
      throw new Error(`server did not exit within 10 s of SIGTERM\n${this.tail()}`);
    }
    if (exit.code !== 0) {
      throw new Error(`server exited with ${JSON.stringify(exit)} after SIGTERM\n${this.tail()}`);
    }
    return exit;
  }

  /** Stops (asserting exit 0) and starts again on the same port and data dir. */
  async restart() {
    await this.stop();
    this.log.push('---- restart ----');
    return this.#respawn();
  }

  /**
   * kill -9 (no shutdown: what the disk has is all there is) and starts again on the same port
   * and data dir. Resolves with the ms from the kill until the new process answered healthy.
   */
  async crash() {
    const t0 = Date.now();
    const proc = this.proc;
    this.proc = null;
    if (proc && !this.exit) {
      proc.kill('SIGKILL');
      await this.exited;
    }
    this.log.push('---- kill -9 ----');
    await this.#respawn();
    return Date.now() - t0;
  }

  async #respawn() {
    let lastErr;
    for (let i = 0; i < 20; i++) {
      try {
        await this.#spawn();
        return this;
      } catch (err) {
        lastErr = err; // the port may linger briefly
        this.kill();
        await sleep(250);
      }
    }
    throw lastErr;
  }

  kill() {
    if (this.proc && !this.exit) this.proc.kill('SIGKILL');
    this.proc = null;
  }

  /** Stops the server and removes its data dir. */
  async dispose() {
    try {
      await this.stop();
    } finally {
      this.kill();
      fs.rmSync(this.dataDir, { recursive: true, force: true });
    }
  }

  /** fetch() against the server; returns {status, headers, body (parsed JSON or text)}. */
  async http(method, p, { body, headers = {} } = {}) {
    const init = { method, headers: { ...headers } };
    if (body !== undefined) {
      init.body = typeof body === 'string' ? body : JSON.stringify(body);
      init.headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(this.base + p, init);
    const text = await res.text();
    let parsed = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      /* keep text */
    }
    return { status: res.status, headers: res.headers, body: parsed };
  }
}

const clients = new Set();

/** An SDK client on `srv`, tracked so closeAll() can end it. */
export async function client(srv, name = 'Tester', opts = {}) {
  const c = await connect(opts.url ?? srv.url, { name, WebSocket, ...opts });
  clients.add(c);
  return c;
}

/** Closes every client opened through client()/raw(). */
export async function closeAll() {
  const all = [...clients];
  clients.clear();
  await Promise.race([Promise.all(all.map((c) => c.close().catch(() => {}))), sleep(3000)]);
}

/**
 * A raw `ws` socket to the server with a message inbox: `next(pred, ms)` resolves with the
 * first not yet taken message (array frames are flattened) that matches pred.
 */
export async function raw(srv, { headers, wsOptions = {} } = {}) {
  const ws = new WebSocket(srv.url, { headers, ...wsOptions });
  const inbox = [];
  const waiters = [];
  ws.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })));
  ws.on('message', (data, isBinary) => {
    if (isBinary) return;
    let parsed;
    try {
      parsed = JSON.parse(String(data));
    } catch {
      parsed = { type: '__unparsable__', text: String(data) };
    }
    for (const m of Array.isArray(parsed) ? parsed : [parsed]) {
      inbox.push(m);
      for (const w of [...waiters]) w();
    }
  });
  ws.on('error', () => {});
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode })));
    ws.once('error', reject);
  });
  ws.inbox = inbox;
  ws.json = (obj) => ws.send(typeof obj === 'string' ? obj : JSON.stringify(obj));
  ws.next = (pred = () => true, ms = 5000) =>
    new Promise((resolve, reject) => {
      const check = () => {
        const i = inbox.findIndex(pred);
        if (i < 0) return false;
        const [m] = inbox.splice(i, 1);
        waiters.splice(waiters.indexOf(check), 1);
        clearTimeout(timer);
        resolve(m);
        return true;
      };
      const timer = setTimeout(() => {
        waiters.splice(waiters.indexOf(check), 1);
        reject(new Error(`raw: no matching message in ${ms} ms; inbox: ${JSON.stringify(inbox).slice(0, 500)}`));
      }, ms);
      waiters.push(check);
      check();
    });
  /** Sends msg (with ref) and resolves with the reply carrying the ref. */
  let ref = 1000;
  ws.call = (msg, ms) => {
    const r = ref++;
    ws.json({ ...msg, ref: r });
    return ws.next((m) => m.ref === r, ms);
  };
  return ws;
}

/** Resolves with the payload of the next `event` on an SDK client for which pred is true. */
export function waitFor(c, event, pred = () => true, ms = 5000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no '${event}' event matching ${pred} within ${ms} ms`));
    }, ms);
    const off = c.on(event, (p) => {
      let ok = false;
      try {
        ok = pred(p);
      } catch {
        /* not it */
      }
      if (!ok) return;
      clearTimeout(timer);
      off();
      resolve(p);
    });
  });
}

/** Collects payloads of `event` on c until stop() is called; returns {list, stop}. */
export function collect(c, event) {
  const list = [];
  const stop = c.on(event, (p) => list.push(p));
  return { list, stop };
}

/** Resolves once cond() is truthy (polled), or rejects after ms. */
export async function until(cond, ms = 5000, what = String(cond)) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await cond();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** Signs up a fresh account on srv; resolves with {user, token, username, password}. */
export async function account(srv, name) {
  const username = `u${Math.random().toString(36).slice(2, 10)}`;
  const password = 'correct horse battery';
  const res = await srv.http('POST', '/api/auth/signup', { body: { username, password, ...(name ? { name } : {}) } });
  if (res.status !== 201) throw new Error(`signup: ${res.status} ${JSON.stringify(res.body)}`);
  return { ...res.body, username, password };
}

/** The account that owns the rooms makeRoom() creates on srv (made once per server). */
export async function owner(srv) {
  srv.owner ??= await account(srv, 'Owner');
  return srv.owner;
}

/** Makes a fresh room over REST (as owner(srv)) and returns it once it plays. */
export async function makeRoom(srv, name = `room ${Math.random().toString(36).slice(2, 8)}`) {
  const { token } = await owner(srv);
  const res = await srv.http('POST', '/api/rooms', {
    body: { name, description: 'test', tags: ['t'] },
    headers: { authorization: `Bearer ${token}` },
  });
  if (res.status !== 201) throw new Error(`POST /api/rooms: ${res.status} ${JSON.stringify(res.body)}`);
  // A room plays from the moment it exists; the server may take a few ms to start it.
  const { id } = res.body.room;
  await until(async () => (await srv.http('GET', `/api/rooms/${id}`)).body.room?.now_playing, 3000, `room ${id} to start playing`);
  return res.body.room;
}

/** Every track in the library, via REST. */
export async function allTracks(srv) {
  const res = await srv.http('GET', '/api/tracks?q=&limit=100');
  if (res.status !== 200) throw new Error(`GET /api/tracks: ${res.status}`);
  return res.body.tracks;
}

/**
 * Sends `text` (a whole request, or several) on a new TCP connection and collects what comes back
 * until the server closes or `ms` pass: {raw, responses: [{status, headers, body}]} (bodies by
 * Content-Length; headers lower-cased). For requests fetch() will not make.
 */
export function rawHttp(srv, text, { ms = 2000 } = {}) {
  return new Promise((resolve) => {
    const sock = net.connect(srv.port, '127.0.0.1');
    let buf = Buffer.alloc(0);
    const done = () => {
      clearTimeout(timer);
      sock.destroy();
      const responses = [];
      let rest = buf;
      for (;;) {
        const i = rest.indexOf('\r\n\r\n');
        if (i < 0) break;
        const lines = rest.subarray(0, i).toString('latin1').split('\r\n');
        const headers = {};
        for (const l of lines.slice(1)) {
          const c = l.indexOf(':');
          if (c > 0) headers[l.slice(0, c).trim().toLowerCase()] = l.slice(c + 1).trim();
        }
        const len = Number(headers['content-length'] ?? 0);
        responses.push({
          status: Number(lines[0].split(' ')[1]),
          headers,
          body: rest.subarray(i + 4, i + 4 + len).toString('utf8'),
        });
        rest = rest.subarray(i + 4 + len);
      }
      resolve({ raw: buf.toString('latin1'), responses });
    };
    const timer = setTimeout(done, ms);
    sock.on('error', () => {});
    sock.on('data', (d) => (buf = Buffer.concat([buf, d])));
    sock.on('close', done);
    sock.write(text);
  });
}

/**
 * A WebSocket made by hand on a TCP socket, for frames `ws` will not send (unmasked, reserved
 * opcodes, oversized control frames). `frame(opcode, payload, {mask, fin})` sends one;
 * `nextFrame(ms)` resolves with the next server frame {opcode, payload}; `closeCode(ms)`
 * resolves with the code of the server's close frame (or null if the socket just ended).
 * With `tls` (node:tls connect options, e.g. {ca, servername}) it speaks wss.
 */
export async function tcpWs(srv, { path: p = '/ws', headers = {}, tls: secure = null } = {}) {
  const crypto = await import('node:crypto');
  const sock = secure ? tls.connect({ port: srv.port, host: '127.0.0.1', ...secure }) : net.connect(srv.port, '127.0.0.1');
  await new Promise((resolve, reject) => {
    sock.once(secure ? 'secureConnect' : 'connect', resolve);
    sock.once('error', reject);
  });
  sock.on('error', () => {});
  const key = crypto.randomBytes(16).toString('base64');
  const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
  sock.write(
    `GET ${p} HTTP/1.1\r\nHost: 127.0.0.1:${srv.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n${extra}\r\n`,
  );
  let buf = Buffer.alloc(0);
  const frames = [];
  const waiters = [];
  let ended = false;
  const wake = () => waiters.splice(0).forEach((w) => w());
  let status = null;
  const handshake = new Promise((resolve, reject) => {
    const onData = (d) => {
      buf = Buffer.concat([buf, d]);
      if (status === null) {
        const i = buf.indexOf('\r\n\r\n');
        if (i < 0) return;
        const head = buf.subarray(0, i).toString('latin1');
        status = Number(head.split(' ')[1]);
        buf = buf.subarray(i + 4);
        if (status !== 101) return reject(Object.assign(new Error(`HTTP ${status}`), { status }));
        resolve();
      }
      for (;;) {
        if (buf.length < 2) break;
        const opcode = buf[0] & 0x0f;
        let len = buf[1] & 0x7f;
        let off = 2;
        if (len === 126) {
          if (buf.length < 4) break;
          len = buf.readUInt16BE(2);
          off = 4;
        } else if (len === 127) {
          if (buf.length < 10) break;
          len = Number(buf.readBigUInt64BE(2));
          off = 10;
        }
        if (buf.length < off + len) break;
        frames.push({ opcode, payload: buf.subarray(off, off + len) });
        buf = buf.subarray(off + len);
      }
      wake();
    };
    sock.on('data', onData);
    sock.on('close', () => {
      ended = true;
      if (status === null) reject(new Error('socket closed during handshake'));
      wake();
    });
  });
  await handshake;
  let closeReason = '';
  const ws = {
    sock,
    /** One client frame's bytes (masked unless told otherwise). */
    encode(opcode, payload = Buffer.alloc(0), { mask = true, fin = true } = {}) {
      payload = Buffer.from(payload);
      const len = payload.length;
      const head = [(fin ? 0x80 : 0) | opcode];
      const m = mask ? 0x80 : 0;
      if (len < 126) head.push(m | len);
      else if (len < 65536) head.push(m | 126, len >> 8, len & 0xff);
      else {
        head.push(m | 127);
        const b = Buffer.alloc(8);
        b.writeBigUInt64BE(BigInt(len));
        head.push(...b);
      }
      let body = payload;
      const parts = [Buffer.from(head)];
      if (mask) {
        const k = crypto.randomBytes(4);
        body = Buffer.from(payload.map((x, i) => x ^ k[i % 4]));
        parts.push(k);
      }
      parts.push(body);
      return Buffer.concat(parts);
    },
    frame(opcode, payload, opts) {
      sock.write(ws.encode(opcode, payload, opts));
    },
    rawWrite(bytes) {
      sock.write(bytes);
    },
    text(s, opts) {
      ws.frame(0x1, Buffer.from(s), opts);
    },
    nextFrame(ms = 5000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no frame within ${ms} ms`)), ms);
        const check = () => {
          if (frames.length) {
            clearTimeout(timer);
            resolve(frames.shift());
          } else if (ended) {
            clearTimeout(timer);
            resolve(null);
          } else waiters.push(check);
        };
        check();
      });
    },
    /** Skips data frames; resolves with the close frame's code, or null when the socket ends. */
    async closeCode(ms = 5000) {
      for (;;) {
        const f = await ws.nextFrame(ms);
        if (!f) return null;
        if (f.opcode === 0x8) {
          closeReason = f.payload.subarray(2).toString('utf8');
          return f.payload.length >= 2 ? f.payload.readUInt16BE(0) : 1005;
        }
      }
    },
    /** The close frame's reason text, once closeCode() has seen it. */
    closeReason() {
      return closeReason;
    },
    end() {
      sock.destroy();
    },
  };
  return ws;
}

/**
 * Records every raw delta an SDK client receives (from 'message'); `find(pred, ms)` waits for
 * one; `gaps()` lists seq problems per room (a gap or a repeat) seen on the wire.
 */
export function deltaLog(c) {
  const list = [];
  const problems = [];
  const last = new Map(); // room -> last seq applied (snapshot or delta)
  const DELTAS = new Set(['presence', 'entry_added', 'entry_voted', 'entry_removed', 'now_playing', 'skip', 'chat', 'notice']);
  const stop = c.on('message', (m) => {
    if (m.type === 'snapshot') last.set(m.room, m.seq);
    if (!DELTAS.has(m.type)) return;
    list.push(m);
    const prev = last.get(m.room);
    if (prev === undefined || m.seq <= prev) return; // before our snapshot, or already in it
    if (m.seq !== prev + 1) problems.push(`room ${m.room}: ${m.type} seq ${m.seq} after ${prev}`);
    last.set(m.room, m.seq);
  });
  return {
    list,
    stop,
    /** Seq gaps seen on the wire after a snapshot (each a string). */
    problems,
    find: (pred, ms = 5000) => until(() => list.find(pred), ms, `a delta matching ${pred}`),
    /** Waits ms and asserts no delta matches pred. */
    async none(pred, ms = 400) {
      await sleep(ms);
      return list.find(pred);
    },
  };
}
