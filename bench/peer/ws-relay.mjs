// ws-relay.mjs - a comparison peer for bench/: a Node `ws` server speaking the subset of
// soundroom's protocol v1 that the load generator uses (hello, join, chat, leave, ping), and
// relaying chat the way soundroom does: encode the delta once, send the same bytes to every member.
// The protocol itself is relay.mjs, shared with uws-relay.mjs; this file is the transport.
//
// It deliberately does less than soundroom: no store (acks are immediate, nothing is durable), no
// rate limits, no presence deltas and an empty listener list in snapshots, no playback. It is a
// yardstick for the fan-out path, not a second implementation.
//
// usage: node bench/peer/ws-relay.mjs --port 8081 [--host 0.0.0.0]
// SPDX-License-Identifier: GPL-3.0-or-later
import http from 'node:http';
import { WebSocketServer } from 'ws';
import { opt, relay } from './relay.mjs';

const port = Number(opt('port', '8081'));
const host = opt('host', '0.0.0.0');

const members = new Map(); // room id -> Set of sockets

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

const proto = relay({
  send: (ws, text) => ws.send(text),
  enter: (ws, room) => {
    if (!members.has(room.id)) members.set(room.id, new Set());
    members.get(room.id).add(ws);
  },
  exit: (ws, room) => members.get(room.id)?.delete(ws),
  publish: (room, text) => {
    // encode once; the same Buffer goes to every member as a text frame
    const bytes = Buffer.from(text);
    for (const peer of members.get(room.id) || []) peer.send(bytes, { binary: false });
  },
  close: (ws, code, reason) => ws.close(code, reason),
});

wss.on('connection', (ws) => {
  const d = proto.open();
  ws.on('message', (data, isBinary) => proto.message(ws, d, isBinary ? data : data.toString(), isBinary));
  ws.on('close', () => proto.closed(ws, d));
  ws.on('error', () => proto.closed(ws, d));
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
