// ws-layers.test.js - the plain port's two WebSocket layers: our own (--own-ws 1, the default;
// src/net/front.c + wsown.c) and libwebsockets' (--own-ws 0). Both carry a room the same way;
// the own layer's front door looks at each first request without reading it, so requests that
// come in pieces, that are not handshakes, or that lws must refuse still reach lws whole.
// SPDX-License-Identifier: GPL-3.0-or-later
import assert from 'node:assert/strict';
import net from 'node:net';
import crypto from 'node:crypto';
import { after, afterEach, before } from 'node:test';
import { closeAll, makeRoom, raw, rawHttp, Server, sleep, tcpWs, test } from './harness.js';

const servers = {};
before(async () => {
  servers.own = await Server.start();
  servers.lws = await Server.start({ args: ['--own-ws', '0'] });
});
afterEach(closeAll);
after(async () => {
  await closeAll();
  for (const s of Object.values(servers)) await s?.dispose();
});

for (const layer of ['own', 'lws']) {
  test(`${layer}: two listeners in a room see each other's chat, in order`, async () => {
    const srv = servers[layer];
    const room = await makeRoom(srv);
    const a = await raw(srv);
    const b = await raw(srv);
    for (const [ws, name] of [[a, 'Ann'], [b, 'Bo']]) {
      assert.equal((await ws.call({ type: 'hello', v: 1, name })).type, 'welcome');
      assert.equal((await ws.call({ type: 'join', room: room.id })).type, 'snapshot');
    }
    for (let i = 0; i < 8; i++) a.json({ type: 'chat', room: room.id, text: `line ${i}` });
    const got = [];
    while (got.length < 8) {
      const m = await b.next((x) => x.type === 'chat' && x.msg?.user?.name === 'Ann');
      got.push(m.msg.text);
    }
    assert.deepEqual(got, Array.from({ length: 8 }, (_, i) => `line ${i}`));
  });

  test(`${layer}: a handshake sent a few bytes at a time is answered with 101`, async () => {
    const srv = servers[layer];
    const key = crypto.randomBytes(16).toString('base64');
    const head =
      `GET /ws HTTP/1.1\r\nHost: 127.0.0.1:${srv.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`;
    const sock = net.connect(srv.port, '127.0.0.1');
    await new Promise((r) => sock.once('connect', r));
    let got = '';
    sock.on('data', (d) => (got += d.toString('latin1')));
    for (let i = 0; i < head.length; i += 7) {
      sock.write(head.slice(i, i + 7));
      await sleep(5);
    }
    for (let i = 0; i < 100 && !got.includes('\r\n\r\n'); i++) await sleep(10);
    sock.destroy();
    assert.match(got, /^HTTP\/1\.1 101 /);
    const want = crypto.createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
    assert.match(got, new RegExp(`sec-websocket-accept: ${want.replace(/[+/=]/g, '\\$&')}`, 'i'));
  });

  test(`${layer}: HTTP on the same port, trickled or kept alive, is served whole`, async () => {
    const srv = servers[layer];
    const sock = net.connect(srv.port, '127.0.0.1');
    await new Promise((r) => sock.once('connect', r));
    let got = '';
    sock.on('data', (d) => (got += d.toString('latin1')));
    const req = `GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`;
    sock.write('G');
    await sleep(30);
    sock.write(req.slice(1, 10));
    await sleep(30);
    sock.write(req.slice(10));
    for (let i = 0; i < 100 && !/"ok"/.test(got); i++) await sleep(10);
    assert.match(got, /^HTTP\/1\.1 200/);
    // the same connection, a second request: lws keeps serving it
    got = '';
    sock.write(req);
    for (let i = 0; i < 100 && !/"ok"/.test(got); i++) await sleep(10);
    sock.destroy();
    assert.match(got, /^HTTP\/1\.1 200/);
    const { responses } = await rawHttp(srv, `POST /api/health HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n`);
    assert.equal(responses[0]?.status, 405);
  });

  test(`${layer}: a handshake naming the subprotocol is upgraded, and a foreign Origin refused`, async () => {
    const srv = servers[layer];
    const s = await tcpWs(srv, { headers: { 'Sec-WebSocket-Protocol': 'soundroom' } });
    s.text(JSON.stringify({ type: 'ping', t0: 1, ref: 1 }));
    const f = await s.nextFrame();
    assert.equal(JSON.parse(f.payload.toString()).type, 'pong');
    s.end();
    await assert.rejects(raw(srv, { headers: { Origin: 'http://evil.example' } }), (e) => e.status === 403);
  });
}

test('own: a frame sent with the handshake, before the 101, is read after it', async () => {
  const srv = servers.own;
  const key = crypto.randomBytes(16).toString('base64');
  const payload = Buffer.from(JSON.stringify({ type: 'ping', t0: 5, ref: 9 }));
  const mask = crypto.randomBytes(4);
  const frame = Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask, payload.map((b, i) => b ^ mask[i & 3])]);
  const sock = net.connect(srv.port, '127.0.0.1');
  await new Promise((r) => sock.once('connect', r));
  let got = Buffer.alloc(0);
  sock.on('data', (d) => (got = Buffer.concat([got, d])));
  sock.write(
    Buffer.concat([
      Buffer.from(
        `GET /ws HTTP/1.1\r\nHost: 127.0.0.1:${srv.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      ),
      frame,
    ]),
  );
  for (let i = 0; i < 100 && !got.includes('"pong"'); i++) await sleep(10);
  sock.destroy();
  assert.match(got.toString('latin1'), /^HTTP\/1\.1 101 /);
  assert.match(got.toString('latin1'), /"type":"pong"/);
});

test('own: a client silent after connecting is dropped at the header deadline', async () => {
  const srv = await Server.start({ args: ['--header-timeout', '1'] });
  try {
    const sock = net.connect(srv.port, '127.0.0.1');
    await new Promise((r) => sock.once('connect', r));
    let reset = false;
    sock.on('error', () => (reset = true));
    sock.on('data', () => {});
    sock.write('GET /ws HTTP/1.1\r\nHost: x\r\n'); // never finished
    const t0 = Date.now();
    await new Promise((r) => sock.once('close', r));
    assert.equal(reset, false, 'an orderly close, not a reset');
    const ms = Date.now() - t0;
    assert.ok(ms > 700 && ms < 3000, `closed after ${ms} ms`);
  } finally {
    await srv.dispose();
  }
});
