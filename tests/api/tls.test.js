// tls.test.js - --tls-cert/--tls-key: the port speaks https and wss, the frame guard works over
// wss, a signup's cookie is Secure, and a missing key file is a clear start-up error.
// SPDX-License-Identifier: GPL-3.0-or-later
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { after, before } from 'node:test';
import WebSocket from 'ws';
import { BIN, ROOT, freePort, library, sleep, tcpWs, test } from './harness.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'soundroom-tls-'));
const cert = path.join(dir, 'cert.pem');
const key = path.join(dir, 'key.pem');
let proc, port, ca, log = '';

/** One https request; resolves with {status, headers, body}. */
function request(method, p, body) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = https.request(
      { host: '127.0.0.1', port, path: p, method, ca, servername: 'localhost',
        headers: data ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } : {} },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: text ? JSON.parse(text) : null }));
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

function serve(args) {
  const p = spawn(BIN, ['serve', '--host', '127.0.0.1', '--port', String(port), '--data', path.join(dir, 'data'),
    '--library', library(), '--web', path.join(ROOT, 'web/dist'), ...args], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  p.stderr.setEncoding('utf8');
  p.stderr.on('data', (d) => (log += d));
  p.exited = new Promise((resolve) => p.on('exit', (code) => resolve(code)));
  return p;
}

before(async () => {
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-keyout', key, '-out', cert,
    '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: 'ignore' });
  ca = fs.readFileSync(cert);
  port = await freePort();
  proc = serve(['--tls-cert', cert, '--tls-key', key]);
  for (let i = 0; i < 300; i++) {
    try {
      if ((await request('GET', '/api/health')).status === 200) return;
    } catch {
      /* not up yet */
    }
    await sleep(50);
  }
  throw new Error(`no https server\n${log}`);
});

after(async () => {
  proc?.kill('SIGTERM');
  await proc?.exited;
  fs.rmSync(dir, { recursive: true, force: true });
});

test('GET /api/health over https, verified against the certificate', async () => {
  const res = await request('GET', '/api/health');
  assert.equal(res.status, 200);
  assert.equal(res.body.ok, true);
  assert.match(log, /listening.*scheme=https/);
});

test('a WebSocket over wss says hello and is welcomed', async () => {
  const ws = new WebSocket(`wss://localhost:${port}/ws`, { ca });
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  const welcome = new Promise((resolve) => ws.on('message', (d) => {
    const msgs = [JSON.parse(String(d))].flat();
    const w = msgs.find((m) => m.type === 'welcome');
    if (w) resolve(w);
  }));
  ws.send(JSON.stringify({ type: 'hello', v: 1, name: 'Tls', ref: 'h-tls' }));
  const w = await welcome;
  assert.equal(w.ref, 'h-tls');
  // several messages in a row go out whole (no direct socket sends under TLS)
  const pongs = [];
  ws.on('message', (d) => pongs.push(...[JSON.parse(String(d))].flat().filter((m) => m.type === 'pong')));
  for (let i = 0; i < 5; i++) ws.send(JSON.stringify({ type: 'ping', t0: i }));
  for (let i = 0; i < 100 && pongs.length < 5; i++) await sleep(20);
  ws.close();
  assert.equal(pongs.length, 5);
});

// The frame guard (src/net/wsguard.c) reads what SSL_read() decrypts for lws: over wss too, a
// header announcing more than the 64 KiB message limit is refused before its body comes.
test('over wss, a frame header announcing more than 64 KiB closes with 1009 at once', async () => {
  const wss = () => tcpWs({ port }, { tls: { ca, servername: 'localhost' } });
  {
    const s = await wss();
    s.rawWrite(Buffer.from([0x81, 0xff, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4]));
    const t0 = Date.now();
    assert.equal(await s.closeCode(3000), 1009, '2^63-1 bytes announced, no body');
    assert.ok(Date.now() - t0 < 1000, `closed after ${Date.now() - t0} ms`);
    assert.equal(s.closeReason(), 'message too big');
    s.end();
  }
  {
    // 70,000 bytes announced and trickled: closed long before the body is all sent
    const s = await wss();
    const frame = s.encode(0x1, Buffer.alloc(70000, 0x20));
    s.rawWrite(frame.subarray(0, 14));
    let at = 14;
    const timer = setInterval(() => {
      if (at < frame.length) s.rawWrite(frame.subarray(at, (at += 1000)));
    }, 20);
    try {
      const t0 = Date.now();
      assert.equal(await s.closeCode(5000), 1009, 'a trickled body');
      assert.ok(Date.now() - t0 < 1000, `closed after ${Date.now() - t0} ms`);
      assert.ok(at < frame.length, 'closed before the body was all sent');
    } finally {
      clearInterval(timer);
      s.end();
    }
  }
  {
    // the other checks come along: an unmasked frame is 1002, not let through
    const s = await wss();
    s.text('{"type":"ping","t0":1}', { mask: false });
    assert.equal(await s.closeCode(3000), 1002, 'unmasked');
    assert.match(s.closeReason(), /masked/);
    s.end();
  }
  // and a sound connection after all that is still served
  const ws = new WebSocket(`wss://localhost:${port}/ws`, { ca });
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  const welcome = new Promise((resolve) => ws.on('message', (d) => {
    if ([JSON.parse(String(d))].flat().some((m) => m.type === 'welcome')) resolve();
  }));
  ws.send(JSON.stringify({ type: 'hello', v: 1, name: 'After', ref: 'h-after' }));
  await welcome;
  ws.close();
});

test('a signup over https gets a Secure session cookie', async () => {
  const res = await request('POST', '/api/auth/signup',
    { username: `tls_${Date.now().toString(36)}`, password: 'correct horse battery', name: 'Tls' });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  const cookie = [res.headers['set-cookie']].flat().join('\n');
  assert.match(cookie, /sr_session=/);
  assert.match(cookie, /;\s*Secure/i);
});

test('a missing key file stops the server at start with a clear error', async () => {
  const before = log.length;
  const p = serve(['--port', String(await freePort()), '--tls-cert', cert, '--tls-key', path.join(dir, 'nope.pem')]);
  const code = await Promise.race([p.exited, sleep(10000).then(() => 'timeout')]);
  if (code === 'timeout') p.kill('SIGKILL');
  assert.notEqual(code, 0);
  assert.match(log.slice(before), /cannot read the TLS files.*nope\.pem/);
});
