// reach.test.js - how the server is reached: X-Forwarded-For believed only from
// --trusted-proxies, --public-url in the WebSocket Origin check, 405 answers with Allow, and
// query strings reaching the routes as they were sent.
// SPDX-License-Identifier: GPL-3.0-or-later
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before } from 'node:test';
import { BIN, owner, raw, Server, test } from './harness.js';

// Cheap password hashes: these tests make dozens of failed sign-ins.
const FAST = ['--pw-ops', '1', '--pw-mem-kib', '8'];

let plain; // no trusted proxies, no public URL
let proxied; // behind a proxy on 127.0.0.1, reached as https://listen.example.com
before(async () => {
  plain = await Server.start({ args: FAST });
  proxied = await Server.start({
    args: [...FAST, '--trusted-proxies', '127.0.0.1, fd00::/8', '--public-url', 'https://listen.example.com/'],
  });
});
after(async () => {
  await plain?.dispose();
  await proxied?.dispose();
});

const login = (srv, username, xff) =>
  srv.http('POST', '/api/auth/login', {
    body: { username, password: 'not the password' },
    headers: xff ? { 'x-forwarded-for': xff } : {},
  });

/** Fails n sign-ins of n different unknown usernames (so no account is throttled, only an
 * address can be), with the X-Forwarded-For that xff(i) gives. */
async function failMany(srv, n, xff) {
  for (let i = 0; i < n; i++) {
    const r = await login(srv, `nobody_${Math.random().toString(36).slice(2, 10)}`, xff(i));
    assert.equal(r.status, 401, `failure ${i + 1}: ${r.status} ${JSON.stringify(r.body)}`);
  }
}

test('a forged X-Forwarded-For from an untrusted peer does not change the throttled address', async () => {
  // 20 failures per address are free (many people may share one); each one here claims to
  // come from somewhere else, and none of those claims may count
  await failMany(plain, 20, (i) => `198.51.100.${i + 1}`);
  const r = await login(plain, 'nobody_else', '203.0.113.99');
  assert.equal(r.status, 429, `the 21st failure from one address: ${r.status} ${JSON.stringify(r.body)}`);
  assert.equal(r.body.error.code, 'throttled');
  // nor does a header that claims to be this machine
  const local = await plain.http('POST', '/api/library/rescan', { headers: { 'x-forwarded-for': '127.0.0.1' } });
  assert.equal(local.status, 403);
  assert.equal(local.body.error.code, 'forbidden');
});

test('with --trusted-proxies the forwarded address is the one throttled', async () => {
  await failMany(proxied, 20, () => '198.51.100.7');
  // (at once: the first back-off lasts a second)
  const same = await login(proxied, 'nobody_else', '198.51.100.7');
  assert.equal(same.status, 429, `the forwarded address is throttled: ${JSON.stringify(same.body)}`);
  // the right-most address the proxy did not add itself is the client; what the client wrote
  // left of it is not believed
  const forged = await login(proxied, 'nobody_else', '198.51.100.8, 198.51.100.7');
  assert.equal(forged.status, 429, 'the proxy saw 198.51.100.7, whatever it claimed before that');
  // another client behind the same proxy is not held back by that one
  const other = await login(proxied, 'nobody_else', '198.51.100.8');
  assert.equal(other.status, 401, `another forwarded address: ${JSON.stringify(other.body)}`);
  const v6 = await login(proxied, 'nobody_else', '2001:db8::7, fd00::1');
  assert.equal(v6.status, 401, 'an IPv6 client behind a trusted IPv6 hop');
  // the proxy itself, with no header, is an address of its own
  assert.equal((await login(proxied, 'nobody_else')).status, 401);
});

test('only a request from this machine may rescan: a trusted proxy forwarding someone else may not', async () => {
  const outside = await proxied.http('POST', '/api/library/rescan', { headers: { 'x-forwarded-for': '203.0.113.5' } });
  assert.equal(outside.status, 403, JSON.stringify(outside.body));
  assert.equal(outside.body.error.code, 'forbidden');
  const inside = await proxied.http('POST', '/api/library/rescan', { headers: { 'x-forwarded-for': '127.0.0.1' } });
  assert.equal(inside.status, 202, JSON.stringify(inside.body));
  assert.equal((await proxied.http('POST', '/api/library/rescan')).status, 202);
});

test('WebSocket Origin: the public URL is accepted, a foreign origin refused with 403', async () => {
  for (const origin of ['https://listen.example.com', 'https://listen.example.com:443', `http://127.0.0.1:${proxied.port}`]) {
    const ws = await raw(proxied, { headers: { Origin: origin } });
    ws.close();
  }
  for (const origin of ['https://evil.example', 'http://listen.example.com', 'https://listen.example.com:8443', 'https://listen.example.com.evil.example']) {
    await assert.rejects(raw(proxied, { headers: { Origin: origin } }), (e) => e.status === 403, origin);
  }
  // without --public-url that origin is as foreign as any other
  await assert.rejects(raw(plain, { headers: { Origin: 'https://listen.example.com' } }), (e) => e.status === 403);
});

test('a bad --public-url or --trusted-proxies stops the server before it starts', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'soundroom-reach-'));
  const serve = (args, env = process.env) =>
    spawnSync(BIN, ['serve', '--port', '1', '--data', dir, ...args], { encoding: 'utf8', env, timeout: 10000 });
  try {
    for (const args of [['--public-url', 'ftp://listen.example.com'], ['--trusted-proxies', '10.0.0.0/33'], ['--trusted-proxies', 'proxy.example']]) {
      const r = serve(args);
      assert.equal(r.status, 2, `${args.join(' ')}: exit ${r.status} ${r.stderr}`);
      assert.match(r.stderr, new RegExp(`bad ${args[0]}`));
    }
    // and from the environment, like every option
    const r = serve([], { ...process.env, SOUNDROOM_PUBLIC_URL: 'listen.example.com' });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /bad --public-url 'listen.example.com'/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('405 answers carry Allow', async () => {
  const methods = (allow) => (allow ?? '').split(',').map((m) => m.trim()).filter(Boolean).sort();
  // [method, path, the methods Allow names; a trailing '+': at least those (other modules may
  // take more methods on the same path, e.g. PATCH and DELETE /api/rooms/:id)]
  const cases = [
    ['PUT', '/api/rooms', 'GET, HEAD, POST'],
    ['DELETE', '/api/health', 'GET, HEAD'],
    ['POST', '/api/time', 'GET, HEAD'],
    ['PUT', '/api/rooms/1', 'GET, HEAD+'],
    ['POST', '/api/tracks/1/cover', 'GET, HEAD'],
    ['GET', '/api/library/rescan', 'POST'],
    ['DELETE', '/api/library/artists', 'GET, HEAD'],
    ['PUT', '/api/users/1/avatar', 'GET, HEAD'],
    ['POST', '/media/1', 'GET, HEAD'],
    ['DELETE', '/index.html', 'GET, HEAD'],
  ];
  for (const [method, p, allow] of cases) {
    const r = await plain.http(method, p);
    assert.equal(r.status, 405, `${method} ${p}: ${r.status} ${JSON.stringify(r.body)}`);
    assert.equal(r.body.error.code, 'method_not_allowed', `${method} ${p}`);
    const got = methods(r.headers.get('allow'));
    const want = methods(allow.replace(/\+$/, ''));
    if (allow.endsWith('+')) {
      for (const m of want) assert.ok(got.includes(m), `${method} ${p}: Allow ${got} lacks ${m}`);
      assert.ok(!got.includes(method), `${method} ${p}: Allow ${got} names the refused method`);
    } else {
      assert.deepEqual(got, want, `${method} ${p}`);
    }
  }
  // HEAD is answered wherever GET is
  const head = await fetch(`${plain.base}/api/health`, { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(head.headers.get('allow'), null);
});

test('query strings reach the routes as they were sent ("%", "&", "+" and "=" included)', async () => {
  const auth = { authorization: `Bearer ${(await owner(plain)).token}` };
  const make = async (name) => (await plain.http('POST', '/api/rooms', { body: { name }, headers: auth })).body.room.id;
  const pct = await make('Sale 50%AB off');
  const amp = await make('Rock&Roll=Life');
  const rock = await make('Rock only');
  const plus = await make('C++ nights');
  const find = async (q) => (await plain.http('GET', `/api/rooms?q=${encodeURIComponent(q)}`)).body.rooms.map((r) => r.id);
  assert.deepEqual(await find('50%AB'), [pct]);
  const rr = await find('Rock&Roll=Life');
  assert.ok(rr.includes(amp) && !rr.includes(rock), `"Rock&Roll=Life" is one word: ${rr}`);
  const cpp = await find('C++');
  assert.ok(cpp.includes(plus), `"C++" finds its room: ${cpp}`);
  assert.ok(!cpp.includes(rock), `"C++" is not "C": ${cpp}`);
});

test('the session cookie is Secure when the client came by https through a trusted proxy, and only then', async () => {
  const signup = (srv, headers) =>
    srv.http('POST', '/api/auth/signup', {
      body: { username: `c${Math.random().toString(36).slice(2, 10)}`, password: 'a long password' },
      headers,
    });
  const https = await signup(proxied, { 'x-forwarded-proto': 'https' });
  assert.equal(https.status, 201, JSON.stringify(https.body));
  assert.match(https.headers.get('set-cookie'), /; Secure/, 'https through the trusted proxy');
  const http = await signup(proxied, {});
  assert.equal(http.status, 201);
  assert.doesNotMatch(http.headers.get('set-cookie'), /Secure/, 'plain http');
  const forged = await signup(plain, { 'x-forwarded-proto': 'https' });
  assert.equal(forged.status, 201);
  assert.doesNotMatch(forged.headers.get('set-cookie'), /Secure/, 'an untrusted peer says https');
});

test('the likes M3U points at the public URL when one is set', async () => {
  const res = await proxied.http('POST', '/api/auth/signup', {
    body: { username: `m${Math.random().toString(36).slice(2, 10)}`, password: 'a long password' },
  });
  assert.equal(res.status, 201);
  const tracks = (await proxied.http('GET', '/api/tracks')).body.tracks;
  assert.ok(tracks.length > 0, 'the test library has tracks');
  const auth = { authorization: `Bearer ${res.body.token}` };
  assert.equal((await proxied.http('PUT', `/api/me/likes/${tracks[0].id}`, { headers: auth })).status, 200);
  const m3u = await proxied.http('GET', '/api/me/likes.m3u', { headers: auth });
  assert.ok(m3u.body.includes(`https://listen.example.com/media/${tracks[0].id}`), m3u.body);
});
