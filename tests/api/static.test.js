// static.test.js - the web client's files: a gzip copy for clients that take it (the same bytes
// once decompressed), Vary, the cache headers, an ETag per encoding and 304 on If-None-Match.
// SPDX-License-Identifier: GPL-3.0-or-later
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before } from 'node:test';
import zlib from 'node:zlib';
import { Server, test } from './harness.js';

let srv;
before(async () => {
  srv = await Server.start();
});
after(() => srv?.dispose());

/** A GET with exactly these headers (fetch would add and decode Accept-Encoding itself). */
function get(p, headers = {}) {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port: srv.port, path: p, headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    }).on('error', reject);
  });
}

test('a JS file comes gzip to a client that takes it, and decompresses to the same bytes', async () => {
  const plain = await get('/app.js');
  assert.equal(plain.status, 200);
  assert.equal(plain.headers['content-encoding'], undefined);
  assert.equal(plain.headers.vary, 'Accept-Encoding');
  assert.ok(plain.body.length > 1024);
  const gz = await get('/app.js', { 'accept-encoding': 'br;q=1, gzip;q=0.8, deflate' });
  assert.equal(gz.status, 200);
  assert.equal(gz.headers['content-encoding'], 'gzip');
  assert.equal(gz.headers.vary, 'Accept-Encoding');
  assert.match(gz.headers['content-type'], /^text\/javascript/);
  assert.equal(Number(gz.headers['content-length']), gz.body.length);
  assert.ok(gz.body.length < plain.body.length / 2, `${gz.body.length} of ${plain.body.length} bytes`);
  assert.ok(zlib.gunzipSync(gz.body).equals(plain.body), 'the same bytes once decompressed');
  // the cache headers stay as they were
  assert.equal(gz.headers['cache-control'], 'public, max-age=300');
  assert.ok(gz.headers['content-security-policy']);
  // gzip;q=0 and identity-only clients get the plain bytes
  for (const ae of ['gzip;q=0', 'identity', 'deflate, *;q=0', 'gzip; q=0.000']) {
    const r = await get('/app.js', { 'accept-encoding': ae });
    assert.equal(r.headers['content-encoding'], undefined, ae);
    assert.ok(r.body.equals(plain.body), ae);
  }
  assert.equal((await get('/app.js', { 'accept-encoding': '*' })).headers['content-encoding'], 'gzip');
});

test('an ETag per encoding, 304 on If-None-Match, no-cache for the pages', async () => {
  const plain = await get('/app.js');
  const gz = await get('/app.js', { 'accept-encoding': 'gzip' });
  assert.match(plain.headers.etag, /^"[0-9a-f]{16}"$/);
  assert.equal(gz.headers.etag, plain.headers.etag.replace(/"$/, '-gz"'));
  const again = await get('/app.js', { 'if-none-match': plain.headers.etag });
  assert.equal(again.status, 304);
  assert.equal(again.body.length, 0);
  assert.equal(again.headers.etag, plain.headers.etag);
  const again_gz = await get('/app.js', { 'accept-encoding': 'gzip', 'if-none-match': `W/${gz.headers.etag}` });
  assert.equal(again_gz.status, 304);
  assert.equal(again_gz.headers.etag, gz.headers.etag);
  const stale = await get('/app.js', { 'if-none-match': '"0000000000000000"' });
  assert.equal(stale.status, 200);
  const page = await get('/', { 'accept-encoding': 'gzip' });
  assert.equal(page.status, 200);
  assert.equal(page.headers['cache-control'], 'no-cache');
  assert.equal((await get('/', { 'if-none-match': page.headers.etag })).status, 304);
  // a PNG is compressed already: served as it is, with no Vary
  const icon = await get('/icons/icon-192.png', { 'accept-encoding': 'gzip' });
  assert.equal(icon.status, 200);
  assert.equal(icon.headers['content-encoding'], undefined);
  assert.equal(icon.headers.vary, undefined);
  assert.match(icon.headers.etag, /^"[0-9a-f]{16}"$/);
});

test('no source map is served by default, and no served script points at one that is not', async () => {
  // web/build.mjs writes a map only with SOURCEMAP=1 (a debugging build)
  if (process.env.SOURCEMAP !== '1') {
    for (const p of ['/app.js.map', '/offline.js.map', '/sw.js.map']) assert.equal((await get(p)).status, 404, p);
  }
  const page = (await get('/')).body.toString();
  const scripts = ['/app.js', '/offline.js', '/sw.js', ...[...page.matchAll(/<script[^>]*src="([^"]+)"/g)].map((m) => new URL(m[1], 'http://x/').pathname)];
  for (const p of new Set(scripts)) {
    const js = await get(p);
    assert.equal(js.status, 200, p);
    for (const [, target] of js.body.toString().matchAll(/[#@]\s*sourceMappingURL=(\S+)/g)) {
      const map = new URL(target, `http://x${p}`).pathname;
      assert.equal((await get(map)).status, 200, `${p} points at ${map}, which is not served`);
    }
  }
});
