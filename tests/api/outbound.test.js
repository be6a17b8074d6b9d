// outbound.test.js - the outbound-address policy on stream URLs: without --allow-private-urls
// a URL whose host is (or resolves to) loopback, private or link-local is refused with
// private_address, over REST, over the WebSocket and inside an imported playlist; with
// --allow-private-urls 1 the same URLs are accepted.
// SPDX-License-Identifier: GPL-3.0-or-later
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { account, closeAll, raw, Server, test } from './harness.js';

// localhost resolves to 127.0.0.1 (and ::1) without a network; the others are literals
const PRIVATE = [
  'http://127.0.0.1:9/radio.mp3',
  'http://localhost:9/radio.mp3',
  'http://10.1.2.3/radio.mp3',
  'http://[::1]:8000/radio.mp3',
  'http://169.254.169.254/latest/meta-data',
  'http://192.168.1.1/admin',
  'http://%31%32%37.0.0.1:9/encoded.mp3', // a browser decodes the host to 127.0.0.1
  'http://127.1:9/short.mp3', // so does inet_aton
  'http://[::ffff:127.0.0.1]:9/mapped.mp3',
];

async function setup(args) {
  const srv = await Server.start({ args });
  const me = await account(srv, 'Streamer');
  const auth = (method, p, body) => srv.http(method, p, { body, headers: { authorization: `Bearer ${me.token}` } });
  const room = await auth('POST', '/api/rooms', { name: 'Outbound' });
  assert.equal(room.status, 201, JSON.stringify(room.body));
  const ws = await raw(srv);
  assert.equal((await ws.call({ type: 'hello', session: me.token })).type, 'welcome');
  assert.equal((await ws.call({ type: 'join', room: room.body.room.id })).type, 'snapshot');
  return { srv, auth, ws, roomId: room.body.room.id };
}

let strict, open;
before(async () => {
  strict = await setup(['--allow-private-urls', '0']);
  open = await setup([]); // the harness's default: allowed
});
after(async () => {
  strict?.ws.close();
  open?.ws.close();
  await closeAll();
  await strict?.srv.dispose();
  await open?.srv.dispose();
});

test('without --allow-private-urls, private stream URLs are refused over REST', async () => {
  for (const url of PRIVATE) {
    const res = await strict.auth('POST', '/api/library/streams', { url, room: strict.roomId });
    assert.equal(res.status, 400, `${url} -> ${res.status} ${JSON.stringify(res.body)}`);
    assert.equal(res.body.error.code, 'private_address', url);
    assert.match(res.body.error.message, /private/);
  }
  // a name that does not resolve cannot be judged, so it is refused too
  const unknown = await strict.auth('POST', '/api/library/streams', { url: 'http://nowhere.invalid/x.mp3' });
  assert.equal(unknown.status, 400);
  assert.equal(unknown.body.error.code, 'unknown_host');
  // a public address is accepted (nothing is fetched: it is only looked up, and a literal
  // needs no network for that)
  const pub = await strict.auth('POST', '/api/library/streams', { url: 'http://93.184.216.34/live.mp3', room: strict.roomId });
  assert.equal(pub.status, 201, JSON.stringify(pub.body));
  const added = await strict.ws.next((m) => m.type === 'entry_added', 3000);
  assert.equal(added.entry.id, pub.body.entry);
  // none of the refused ones reached the queue
  const snap = (await strict.srv.http('GET', `/api/rooms/${strict.roomId}`)).body.room;
  assert.equal(snap.queue_length, 1);
});

test('without --allow-private-urls, queue_add of a private stream answers private_address', async () => {
  for (const url of ['http://localhost:9/a.mp3', 'http://[::1]/a.mp3', 'http://10.0.0.7/a.mp3']) {
    const r = await strict.ws.call({ type: 'queue_add', room: strict.roomId, stream: { url } });
    assert.equal(r.type, 'error', JSON.stringify(r));
    assert.equal(r.code, 'private_address', url);
  }
  assert.equal(strict.ws.inbox.filter((m) => m.type === 'entry_added').length, 0);
});

test('without --allow-private-urls, an imported playlist lists private streams as unresolved', async () => {
  const m3u = '#EXTM3U\n#EXTINF:-1,Loop - Back\nhttp://127.0.0.1:9/a.mp3\n' +
    '#EXTINF:-1,Ten - Net\nhttp://10.9.8.7/b.mp3\n#EXTINF:-1,Far - Away\nhttp://93.184.216.34/c.mp3\n' +
    '#EXTINF:-1,Loop - Again\nhttp://localhost:9/d.mp3\n';
  const res = await strict.auth('POST', `/api/rooms/${strict.roomId}/import`, { playlist: m3u });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.deepEqual(res.body.unresolved.map((u) => [u.index, u.reason]), [
    [0, 'private_address'],
    [1, 'private_address'],
    [3, 'private_address'],
  ]);
  assert.deepEqual(res.body.added.map((a) => [a.index, a.track.url]), [[2, 'http://93.184.216.34/c.mp3']]);
});

test('with --allow-private-urls 1 the same URLs are accepted', async () => {
  for (const url of PRIVATE) {
    const res = await open.auth('POST', '/api/library/streams', { url });
    assert.equal(res.status, 201, `${url} -> ${res.status} ${JSON.stringify(res.body)}`);
    assert.equal(res.body.track.url, url);
  }
  const r = await open.ws.call({ type: 'queue_add', room: open.roomId, stream: { url: 'http://localhost:9/a.mp3' } });
  assert.equal(r.type, 'ack', JSON.stringify(r));
});
