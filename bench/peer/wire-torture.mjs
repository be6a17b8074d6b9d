// wire-torture.mjs - a raw-socket WebSocket server that checks bench/loadgen's client side: it
// speaks the same protocol subset as ws-relay.mjs but frames everything awkwardly: the 101
// response split across writes with the first frame glued to its tail, output dribbled out in
// chunks of 1-7 bytes, fragmented messages with a ping between the fragments, 16- and 64-bit
// lengths, several messages as one JSON array. GET /stats reports what it saw from the clients
// (masked frames, pongs for its pings, protocol problems).
//
// usage: node bench/peer/wire-torture.mjs --port 8082
// SPDX-License-Identifier: GPL-3.0-or-later
import net from 'node:net';
import { createHash, randomBytes } from 'node:crypto';

const args = process.argv.slice(2);
const i = args.indexOf('--port');
const port = Number(i >= 0 ? args[i + 1] : 8082);

const stats = { connections: 0, frames: 0, unmasked: 0, pings: 0, pongs: 0, bad: 0, chats: 0 };
const room = new Set();
let seq = 0, nextId = 1;
const epoch = randomBytes(4).toString('hex');

function frame(op, payload, fin = true) {
  const n = payload.length;
  let h;
  if (n < 126) h = Buffer.from([(fin ? 0x80 : 0) | op, n]);
  else if (n < 65536) { h = Buffer.alloc(4); h[0] = (fin ? 0x80 : 0) | op; h[1] = 126; h.writeUInt16BE(n, 2); }
  else { h = Buffer.alloc(10); h[0] = (fin ? 0x80 : 0) | op; h[1] = 127; h.writeBigUInt64BE(BigInt(n), 2); }
  return Buffer.concat([h, payload]);
}

// Writes in chunks of 1..7 bytes, each on a later turn of the event loop, in order.
function dribble(c, buf) {
  c.queue.push(buf);
  if (c.busy) return;
  c.busy = true;
  const step = () => {
    if (c.sock.destroyed) return;
    if (!c.queue.length) { c.busy = false; return; }
    const b = c.queue[0];
    const n = Math.min(b.length, 1 + Math.floor(Math.random() * 7));
    c.sock.write(b.subarray(0, n));
    if (n === b.length) c.queue.shift(); else c.queue[0] = b.subarray(n);
    setImmediate(step);
  };
  step();
}

function sendText(c, obj) { dribble(c, frame(1, Buffer.from(JSON.stringify(obj)))); }

function onMessage(c, text) {
  let m;
  try { m = JSON.parse(text); } catch { stats.bad++; return; }
  if (m.type === 'hello') {
    c.user = { id: nextId++, name: m.name };
    const w = Buffer.from(JSON.stringify({ type: 'welcome', v: 1, ref: m.ref, user: c.user, token: 'x', server_time: Date.now() }));
    const a = w.subarray(0, 10), b = w.subarray(10, 20), d = w.subarray(20);
    stats.pings++;
    dribble(c, Buffer.concat([frame(1, a, false), frame(9, Buffer.from('p1')), frame(0, b, false), frame(0, d, true)]));
  } else if (m.type === 'join') {
    room.add(c);
    const pad = 'x'.repeat(70000); // forces a 64-bit length
    sendText(c, { type: 'snapshot', ref: m.ref, room: 1, epoch, seq, listeners: [], chat: [], pad });
    seq++;
    const pres = JSON.stringify({ type: 'presence', count: room.size, room: 1, epoch, seq, pad: 'y'.repeat(200) });
    for (const o of room) dribble(o, frame(1, Buffer.from(`[${pres}]`)));
  } else if (m.type === 'chat') {
    stats.chats++;
    seq++;
    const d = JSON.stringify({ type: 'chat', room: 1, epoch, seq, msg: { id: nextId++, user: c.user, text: m.text, ts: Date.now() } });
    const ack = JSON.stringify({ type: 'ack', ref: m.ref, id: nextId });
    for (const o of room) dribble(o, frame(1, Buffer.from(o === c ? `[${d} , ${ack}]` : d)));
  } else if (m.type === 'ping') {
    sendText(c, { type: 'pong', t0: m.t0, t1: Date.now(), t2: Date.now() });
  }
}

function onFrames(c) {
  for (;;) {
    const b = c.buf;
    if (b.length < 2) return;
    const op = b[0] & 15, masked = b[1] & 0x80;
    let len = b[1] & 127, off = 2;
    if (len === 126) { if (b.length < 4) return; len = b.readUInt16BE(2); off = 4; }
    else if (len === 127) { if (b.length < 10) return; len = Number(b.readBigUInt64BE(2)); off = 10; }
    if (masked) off += 4; else stats.unmasked++;
    if (b.length < off + len) return;
    const p = Buffer.from(b.subarray(off, off + len));
    if (masked) for (let k = 0; k < len; k++) p[k] ^= b[off - 4 + (k & 3)];
    c.buf = b.subarray(off + len);
    stats.frames++;
    if (op === 1) onMessage(c, p.toString());
    else if (op === 10) stats.pongs++;
    else if (op === 8) { c.sock.end(frame(8, p.subarray(0, 2))); room.delete(c); return; }
    else stats.bad++;
  }
}

const server = net.createServer((sock) => {
  const c = { sock, buf: Buffer.alloc(0), queue: [], busy: false, hs: false, user: null };
  sock.setNoDelay(true);
  sock.on('data', (d) => {
    c.buf = Buffer.concat([c.buf, d]);
    if (!c.hs) {
      const e = c.buf.indexOf('\r\n\r\n');
      if (e < 0) return;
      const head = c.buf.subarray(0, e).toString();
      c.buf = c.buf.subarray(e + 4);
      if (head.startsWith('GET /stats')) {
        sock.end(`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n${JSON.stringify(stats)}`);
        return;
      }
      if (head.startsWith('GET /api/health')) {
        sock.end('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n{"ok":true}');
        return;
      }
      const key = /sec-websocket-key:\s*(\S+)/i.exec(head)?.[1] ?? '';
      const acc = createHash('sha1').update(key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
      c.hs = true;
      stats.connections++;
      const resp = `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nsec-websocket-accept: ${acc}\r\n\r\n`;
      // the response in two writes, the second glued to an unsolicited ping frame
      sock.write(resp.slice(0, 20));
      stats.pings++;
      setTimeout(() => sock.write(Buffer.concat([Buffer.from(resp.slice(20)), frame(9, Buffer.from('p0'))])), 5);
    }
    onFrames(c);
  });
  sock.on('close', () => room.delete(c));
  sock.on('error', () => room.delete(c));
});
server.listen(port, '127.0.0.1', () => process.stderr.write(`wire-torture: listening on ${port}\n`));
process.on('SIGTERM', () => process.exit(0));
