// ws-relay.mjs - a comparison peer for bench/: a Node `ws` server speaking the subset of
// soundroom's protocol v1 that the load generator uses (hello, join, chat, leave, ping), and
// relaying chat the way soundroom does: encode the delta once, send the same bytes to every member.
//
// It deliberately does less than soundroom: no store (acks are immediate, nothing is durable), no
// rate limits, no presence deltas and an empty listener list in snapshots, no playback. It is a
// yardstick for the fan-out path, not a second implementation.
//
// usage: node bench/peer/ws-relay.mjs --port 8081 [--host 0.0.0.0]
// SPDX-License-Identifier: GPL-3.0-or-later
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { WebSocketServer } from 'ws';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : dflt;
};
const port = Number(opt('port', '8081'));
const host = opt('host', '0.0.0.0');

const epoch = randomBytes(8).toString('hex');
const rooms = new Map([[1, { id: 1, name: 'Demo room', seq: 0, members: new Set(), chat: [] }]]);
let nextUserId = 1;
let nextMsgId = 1;

const now = () => performance.timeOrigin + performance.now();

const httpServer = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/api/health') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"ok":true,"version":"ws-relay"}');
    return;
  }
  res.writeHead(404, { 'content-type': 'application/json' });
  res.end('{"error":{"code":"not_found","message":"not found"}}');
});

const wss = new WebSocketServer({
  server: httpServer,
  path: '/ws',
  maxPayload: 65536,
  perMessageDeflate: false,
  clientTracking: false,
});

function reply(ws, obj) {
  ws.send(JSON.stringify(obj));
}

function error(ws, code, message, ref) {
  const e = { type: 'error', code, message };
  if (ref !== undefined) e.ref = ref;
  reply(ws, e);
}

function leave(ws) {
  if (ws.room) ws.room.members.delete(ws);
  ws.room = null;
}

function onMessage(ws, data, isBinary) {
  if (isBinary) {
    ws.close(1003, 'binary frames are not accepted');
    return;
  }
  let m;
  try {
    m = JSON.parse(data);
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
    if (!ws.user) ws.user = { id: nextUserId++, name };
    else ws.user.name = name;
    return reply(ws, {
      type: 'welcome', v: 1, ref, user: ws.user,
      token: randomBytes(16).toString('hex'), server_time: now(),
    });
  }
  if (!ws.user) return error(ws, 'hello_required', 'send hello first', ref);
  switch (m.type) {
    case 'join': {
      const room = rooms.get(m.room);
      if (!room) return error(ws, 'no_such_room', 'no such room', ref);
      leave(ws);
      room.members.add(ws);
      ws.room = room;
      return reply(ws, {
        type: 'snapshot', ref, room: room.id, epoch, seq: room.seq, server_time: now(),
        info: { id: room.id, name: room.name, description: '', tags: [] },
        now_playing: null, queue: [], listeners: [], chat: room.chat,
        skip: { votes: 0, needed: 1 },
      });
    }
    case 'leave':
      if (!ws.room || ws.room.id !== m.room) return error(ws, 'not_in_room', 'not in that room', ref);
      leave(ws);
      return reply(ws, { type: 'left', room: m.room });
    case 'chat': {
      const room = ws.room;
      if (!room || room.id !== m.room) return error(ws, 'not_in_room', 'not in that room', ref);
      if (typeof m.text !== 'string' || m.text.length === 0)
        return error(ws, 'bad_field', "field 'text' must be a non-empty string", ref);
      if ([...m.text].length > 500) return error(ws, 'too_long', 'chat text over 500 characters', ref);
      const msg = { id: nextMsgId++, user: ws.user, text: m.text, ts: now() };
      room.chat.push(msg);
      if (room.chat.length > 50) room.chat.shift();
      reply(ws, { type: 'ack', ref, id: msg.id });
      room.seq++;
      // encode once; the same Buffer goes to every member as a text frame
      const bytes = Buffer.from(JSON.stringify({ type: 'chat', room: room.id, epoch, seq: room.seq, msg }));
      for (const peer of room.members) peer.send(bytes, { binary: false });
      return;
    }
    default:
      return error(ws, 'unknown_type', `unknown type '${m.type}'`, ref);
  }
}

wss.on('connection', (ws) => {
  ws.user = null;
  ws.room = null;
  ws.on('message', (data, isBinary) => onMessage(ws, data, isBinary));
  ws.on('close', () => leave(ws));
  ws.on('error', () => leave(ws));
});

httpServer.listen({ port, host, backlog: 4096 }, () => {
  process.stderr.write(`ws-relay: listening on ${host}:${port}\n`);
});

const shutdown = () => {
  httpServer.close();
  process.exit(0);
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
