// uws-relay.mjs - the second comparison peer for bench/: uWebSockets.js (npm
// @trufflesuite/uws-js-unofficial, a build of uWS.js with its C++ core) speaking the same subset of
// soundroom's protocol v1 as ws-relay.mjs (hello, join, chat with acks, leave, ping) with the same
// message shapes, and relaying chat through uWS's native publish: the delta is encoded once and
// the C++ topic tree sends the same bytes to every subscriber of the room (sender included, as in
// ws-relay.mjs and soundroom).
//
// Like ws-relay.mjs it deliberately does less than soundroom: no store (acks are immediate,
// nothing is durable), no rate limits, no presence deltas and an empty listener list in
// snapshots, no playback. A yardstick for the fan-out path, not a second implementation.
//
// The package silently falls back to a pure-JS implementation (on top of `ws`) when its native
// binary does not load; this peer loads the native binary itself and refuses to start without it,
// so the figures are always uWS's.
//
// usage: node bench/peer/uws-relay.mjs --port 8082 [--host 0.0.0.0]
// SPDX-License-Identifier: GPL-3.0-or-later
import { createRequire } from 'node:module';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

const require = createRequire(import.meta.url);
const PKG = '@trufflesuite/uws-js-unofficial';
let uWS;
let pkgVersion = '?';
try {
  const pkgJson = require.resolve(`${PKG}/package.json`);
  pkgVersion = require(pkgJson).version;
  uWS = require(path.join(path.dirname(pkgJson), 'binaries',
    `uws_${process.platform}_${process.arch}_${process.versions.modules}.node`));
} catch (e) {
  process.stderr.write(`uws-relay: the native uWS.js binary of ${PKG} does not load here ` +
    `(${process.platform} ${process.arch}, node ABI ${process.versions.modules}): ${e.message}\n`);
  process.exit(3);
}

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : dflt;
};
const port = Number(opt('port', '8082'));
const host = opt('host', '0.0.0.0');

const epoch = randomBytes(8).toString('hex');
const rooms = new Map([[1, { id: 1, name: 'Demo room', seq: 0, topic: 'room/1', chat: [] }]]);
let nextUserId = 1;
let nextMsgId = 1;

const now = () => performance.timeOrigin + performance.now();
const decoder = new TextDecoder();

function reply(ws, obj) {
  ws.send(JSON.stringify(obj), false);
}

function error(ws, code, message, ref) {
  const e = { type: 'error', code, message };
  if (ref !== undefined) e.ref = ref;
  reply(ws, e);
}

function leave(ws, d) {
  if (d.room) ws.unsubscribe(d.room.topic);
  d.room = null;
}

function onMessage(ws, data, isBinary) {
  if (isBinary) {
    ws.end(1003, 'binary frames are not accepted');
    return;
  }
  const d = ws.getUserData();
  let m;
  try {
    // the ArrayBuffer is only valid during this call: decode it now (uWS has checked the UTF-8)
    m = JSON.parse(decoder.decode(data));
  } catch {
    error(ws, 'bad_json', 'the frame is not valid JSON');
    return;
  }
  if (m === null || typeof m !== 'object' || Array.isArray(m) || typeof m.type !== 'string') {
    error(ws, 'bad_message', 'expected an object with a string "type"');
    return;
  }
  const ref = m.ref;
  if (m.type === 'ping') {
    const t = now();
    reply(ws, { type: 'pong', t0: m.t0, t1: t, t2: now() });
    return;
  }
  if (m.type === 'hello') {
    const name = typeof m.name === 'string' ? m.name.trim() : '';
    if (!name) return error(ws, 'missing_field', "field 'name' is required", ref);
    if ([...name].length > 40) return error(ws, 'too_long', 'name over 40 characters', ref);
    if (!d.user) d.user = { id: nextUserId++, name };
    else d.user.name = name;
    return reply(ws, {
      type: 'welcome', v: 1, ref, user: d.user,
      token: randomBytes(16).toString('hex'), server_time: now(),
    });
  }
  if (!d.user) return error(ws, 'hello_required', 'send hello first', ref);
  switch (m.type) {
    case 'join': {
      const room = rooms.get(m.room);
      if (!room) return error(ws, 'no_such_room', 'no such room', ref);
      leave(ws, d);
      ws.subscribe(room.topic);
      d.room = room;
      return reply(ws, {
        type: 'snapshot', ref, room: room.id, epoch, seq: room.seq, server_time: now(),
        info: { id: room.id, name: room.name, description: '', tags: [] },
        now_playing: null, queue: [], listeners: [], chat: room.chat,
        skip: { votes: 0, needed: 1 },
      });
    }
    case 'leave':
      if (!d.room || d.room.id !== m.room) return error(ws, 'not_in_room', 'not in that room', ref);
      leave(ws, d);
      return reply(ws, { type: 'left', room: m.room });
    case 'chat': {
      const room = d.room;
      if (!room || room.id !== m.room) return error(ws, 'not_in_room', 'not in that room', ref);
      if (typeof m.text !== 'string' || m.text.length === 0)
        return error(ws, 'bad_field', "field 'text' must be a non-empty string", ref);
      if ([...m.text].length > 500) return error(ws, 'too_long', 'chat text over 500 characters', ref);
      const msg = { id: nextMsgId++, user: d.user, text: m.text, ts: now() };
      room.chat.push(msg);
      if (room.chat.length > 50) room.chat.shift();
      reply(ws, { type: 'ack', ref, id: msg.id });
      room.seq++;
      // encode once; uWS's topic tree sends the same bytes to every subscriber as a text frame
      app.publish(room.topic, JSON.stringify({ type: 'chat', room: room.id, epoch, seq: room.seq, msg }), false);
      return;
    }
    default:
      return error(ws, 'unknown_type', `unknown type '${m.type}'`, ref);
  }
}

const app = uWS.App()
  .ws('/ws', {
    compression: uWS.DISABLED,
    maxPayloadLength: 65536,
    // ws-relay.mjs and soundroom never drop a delta for a slow reader: nor does this peer (uWS
    // skips publishes to a socket over maxBackpressure, so it is set far above what a run queues)
    maxBackpressure: 256 * 1024 * 1024,
    closeOnBackpressureLimit: false,
    idleTimeout: 0, // no idle timeout, as ws-relay.mjs
    sendPingsAutomatically: false,
    open: (ws) => {
      const d = ws.getUserData();
      d.user = null;
      d.room = null;
    },
    message: onMessage,
    close: (ws) => {
      // uWS unsubscribes a closed socket from its topics itself
      const d = ws.getUserData();
      d.room = null;
    },
  })
  .get('/api/health', (res) => {
    res.writeHeader('content-type', 'application/json').end('{"ok":true,"version":"uws-relay"}');
  })
  .any('/*', (res) => {
    res.writeStatus('404 Not Found').writeHeader('content-type', 'application/json')
      .end('{"error":{"code":"not_found","message":"not found"}}');
  });

let listenSocket = null;
app.listen(host, port, (token) => {
  if (!token) {
    process.stderr.write(`uws-relay: could not listen on ${host}:${port}\n`);
    process.exit(1);
  }
  listenSocket = token;
  process.stderr.write(`uws-relay: ${PKG} ${pkgVersion} (native) listening on ${host}:${port}\n`);
});

const shutdown = () => {
  if (listenSocket) uWS.us_listen_socket_close(listenSocket);
  process.exit(0);
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
