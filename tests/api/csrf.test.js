// csrf.test.js - cross-site request forgery: a change made with the session cookie must come from
// a page of this server (Origin, or Sec-Fetch-Site without one); a Bearer token, a GET, or a
// client that is not a browser (no Origin, no Sec-Fetch-Site) is not affected.
// SPDX-License-Identifier: GPL-3.0-or-later
import assert from 'node:assert/strict';
import { after, afterEach, before } from 'node:test';
import { account, closeAll, makeRoom, raw, Server, test } from './harness.js';

let srv;
before(async () => {
  srv = await Server.start();
});
afterEach(closeAll);
after(async () => {
  await closeAll();
  await srv?.dispose();
});

const EVIL = 'http://evil.com';

// Regression: all of these accepted `Origin: http://evil.com` with the victim's cookie.
test('cookie-authenticated changes from a foreign Origin answer 403 bad_origin and change nothing', async () => {
  const a = await account(srv, 'Victim');
  const room = await makeRoom(srv);
  const cookie = `sr_session=${a.token}`;
  const calls = [
    ['POST', '/api/rooms', { name: 'forged room' }],
    ['PATCH', `/api/rooms/${room.id}`, { name: 'forged' }],
    ['DELETE', `/api/rooms/${room.id}`, undefined],
    ['PUT', `/api/me/favorites/${room.id}`, undefined],
    ['PATCH', '/api/me', { name: 'Forged' }],
    ['POST', '/api/auth/password', { old_password: a.password, new_password: 'forged forged forged' }],
    ['POST', '/api/auth/logout', undefined],
    ['DELETE', '/api/me', { password: a.password }],
  ];
  for (const [method, p, body] of calls) {
    for (const headers of [{ origin: EVIL }, { origin: 'null' }, { 'sec-fetch-site': 'cross-site' }, { 'sec-fetch-site': 'same-site' }]) {
      const res = await srv.http(method, p, { body, headers: { cookie, ...headers } });
      assert.equal(res.status, 403, `${method} ${p} ${JSON.stringify(headers)}: ${res.status} ${JSON.stringify(res.body)}`);
      assert.equal(res.body.error.code, 'bad_origin');
    }
  }
  const me = await srv.http('GET', '/api/me', { headers: { cookie, origin: EVIL } }); // a GET changes nothing
  assert.equal(me.status, 200, 'the session survived');
  assert.equal(me.body.user.name, 'Victim');
  assert.equal((await srv.http('GET', `/api/rooms/${room.id}`)).body.room.name, room.name);
  assert.equal((await srv.http('GET', '/api/me/favorites', { headers: { cookie } })).body.rooms.length, 0);
});

test('the same changes from our own page, without Origin, or with a Bearer token still work', async () => {
  const a = await account(srv, 'Owner2');
  const cookie = `sr_session=${a.token}`;
  const own = `http://127.0.0.1:${srv.port}`;
  const ok = async (headers, name) => {
    const res = await srv.http('PATCH', '/api/me', { body: { name }, headers });
    assert.equal(res.status, 200, `${JSON.stringify(headers)}: ${res.status} ${JSON.stringify(res.body)}`);
  };
  await ok({ cookie, origin: own }, 'Own page');
  await ok({ cookie, 'sec-fetch-site': 'same-origin' }, 'Fetch metadata');
  await ok({ cookie }, 'Curl'); // no Origin, no Sec-Fetch-Site: not a browser
  await ok({ authorization: `Bearer ${a.token}`, origin: EVIL }, 'Bearer'); // a page cannot send our token
  // an https page of the same host is another origin when we are reached by http
  const res = await srv.http('PATCH', '/api/me', { body: { name: 'x' }, headers: { cookie, origin: `https://127.0.0.1:${srv.port}` } });
  assert.equal(res.status, 403);
});

test('the WebSocket Origin check compares the scheme: https:// of our http host is refused', async () => {
  await assert.rejects(raw(srv, { headers: { Origin: `https://127.0.0.1:${srv.port}` } }), (e) => e.status === 403);
  const ok = await raw(srv, { headers: { Origin: `http://127.0.0.1:${srv.port}` } });
  ok.close();
});

test('--allow-origin admits cookie-authenticated changes from that origin', async () => {
  const other = await Server.start({ args: ['--allow-origin', 'http://friend.example'] });
  try {
    const a = await account(other, 'Friend');
    const headers = { cookie: `sr_session=${a.token}`, origin: 'http://friend.example' };
    assert.equal((await other.http('PATCH', '/api/me', { body: { name: 'F' }, headers })).status, 200);
    headers.origin = EVIL;
    assert.equal((await other.http('PATCH', '/api/me', { body: { name: 'F' }, headers })).status, 403);
  } finally {
    await other.dispose();
  }
});
