// accounts.test.js - accounts and sessions (sign-up, login, logout, password, delete, throttling,
// cookies, session fixation, revocation of live sockets), profiles, follows and friends, and the
// operator's guest restrictions, against the real server through the SDK's account.js.
// SPDX-License-Identifier: GPL-3.0-or-later
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { test, sleep, until } from './harness.js';
import {
  startServer, signupAs, sdkAs, closeClients, rawHello, rest, roomOf, refused, refusal, acct, PASSWORD,
} from './authz-helpers.js';
import { connect } from '../../sdk/soundroom.js';
import WebSocket from 'ws';
import http from 'node:http';

let srv; // guests may listen but not chat, add or vote here
let host; // an account that owns the rooms these tests use

before(async () => {
  srv = await startServer({ args: ['--guest-chat', '0', '--guest-add', '0', '--guest-vote', '0'] });
  host = await signupAs(srv, 'Host');
});

after(async () => {
  await closeClients();
  await srv?.dispose();
});

/** POST /api/auth/login from the loopback address `from` (127.0.0.0/8 is all loopback). */
function loginFrom(server, from, body) {
  const u = new URL(`${server.base}/api/auth/login`);
  const data = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: u.hostname, port: u.port, path: u.pathname, method: 'POST', localAddress: from, agent: false,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) },
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { text += c; });
      res.on('end', () => resolve({ status: res.statusCode, body: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end(data);
  });
}

const cookieOf = (res) => res.headers.get('set-cookie') ?? '';
/** Signs the session out through the SDK (a POST without a body, as fetch sends it). */
async function logOut(token) {
  assert.deepEqual(await acct.logout(srv.base, token), { ok: true });
}
/** The attributes of a Set-Cookie value: {name, value, attrs: Map(lowercased name -> value)}. */
function parseCookie(sc) {
  const [first, ...rest] = sc.split(';').map((s) => s.trim());
  const i = first.indexOf('=');
  const attrs = new Map(rest.map((a) => {
    const j = a.indexOf('=');
    return j < 0 ? [a.toLowerCase(), true] : [a.slice(0, j).toLowerCase(), a.slice(j + 1)];
  }));
  return { name: first.slice(0, i), value: first.slice(i + 1), attrs };
}

test('signup validates its fields and refuses a taken username', async () => {
  const u = `ada_${Date.now().toString(36)}`;
  const cases = [
    [{ password: PASSWORD }, 400, 'missing_field', 'no username'],
    [{ username: u }, 400, 'missing_field', 'no password'],
    [{ username: 'ab', password: PASSWORD }, 400, 'bad_field', 'a username of 2 characters'],
    [{ username: 'a'.repeat(33), password: PASSWORD }, 400, 'bad_field', 'a username of 33 characters'],
    [{ username: 'Ada Lovelace', password: PASSWORD }, 400, 'bad_field', 'upper case and a space'],
    [{ username: 'ada<script>', password: PASSWORD }, 400, 'bad_field', 'markup in a username'],
    [{ username: u, password: 'short12' }, 400, 'bad_field', 'a password of 7 characters'],
  ];
  for (const [body, status, code, what] of cases) {
    const res = await srv.http('POST', '/api/auth/signup', { body });
    assert.equal(res.status, status, `${what}: ${JSON.stringify(res.body)}`);
    assert.equal(res.body.error?.code, code, what);
  }
  const ok = await acct.signup(srv.base, { username: u, password: PASSWORD, name: 'Ada' });
  assert.equal(ok.user.name, 'Ada');
  assert.match(ok.token, /^[0-9a-f]{32,}$|^[A-Za-z0-9_-]{22,}$/, 'a token of 128 bits or more');
  const dup = await refused(acct.signup(srv.base, { username: u, password: 'another password' }), 'username_taken');
  assert.equal(dup.status, 409);
  // An SDK client signs in with the token it got.
  const me = await acct.me(srv.base, ok.token);
  assert.equal(me.username, u);
  assert.equal(me.admin, false);
});

test('login answers the same 401 bad_credentials for an unknown user and a wrong password', async () => {
  const a = await signupAs(srv, 'Bea');
  const unknown = await srv.http('POST', '/api/auth/login', { body: { username: `nobody_${Date.now()}`, password: PASSWORD } });
  const wrong = await srv.http('POST', '/api/auth/login', { body: { username: a.username, password: 'not the password' } });
  assert.equal(unknown.status, 401);
  assert.equal(wrong.status, 401);
  assert.equal(unknown.body.error.code, 'bad_credentials');
  assert.deepEqual(wrong.body, unknown.body, 'nothing tells the two apart');
  assert.equal(cookieOf(wrong), '', 'no cookie for a failed login');
  const e = await refused(acct.login(srv.base, { username: a.username, password: 'wrong again' }), 'bad_credentials');
  assert.equal(e.status, 401);
  // a good login clears the failures, so the other tests are not throttled by these
  await acct.login(srv.base, a);
});

test('every login makes a new token; a made-up cookie or token is never adopted (no session fixation)', async () => {
  const a = await signupAs(srv, 'Cy');
  const planted = 'f'.repeat(32);
  // An attacker plants a session id in the victim's browser, then the victim signs in.
  const res = await srv.http('POST', '/api/auth/login', {
    body: { username: a.username, password: a.password },
    headers: { cookie: `sr_session=${planted}`, authorization: `Bearer ${planted}` },
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const c = parseCookie(cookieOf(res));
  assert.equal(c.name, 'sr_session');
  assert.equal(c.value, res.body.token, 'the cookie carries the token of the body');
  assert.notEqual(res.body.token, planted, 'the planted id was not adopted');
  assert.notEqual(res.body.token, a.token, 'not the token from before (sign-up)');
  const again = await acct.login(srv.base, a);
  assert.notEqual(again.token, res.body.token, 'a second login gets another token');
  // The planted value is no session at all, by cookie or by bearer.
  assert.equal((await srv.http('GET', '/api/me', { headers: { cookie: `sr_session=${planted}` } })).status, 401);
  assert.equal((await rest(srv, 'GET', '/api/me', planted)).status, 401);
  // All three real tokens work, each on its own.
  for (const t of [a.token, res.body.token, again.token]) assert.equal((await acct.me(srv.base, t)).id, a.user.id);
});

test('the session cookie is HttpOnly, SameSite and Path=/; it signs in; logout clears it', async () => {
  const a = await signupAs(srv, 'Dee');
  const res = await srv.http('POST', '/api/auth/login', { body: { username: a.username, password: a.password } });
  const c = parseCookie(cookieOf(res));
  assert.equal(c.name, 'sr_session');
  assert.equal(c.attrs.get('httponly'), true, `HttpOnly in ${cookieOf(res)}`);
  assert.match(String(c.attrs.get('samesite')), /^(lax|strict)$/i, 'SameSite=Lax or Strict');
  assert.equal(c.attrs.get('path'), '/');
  const signup = await srv.http('POST', '/api/auth/signup', { body: { username: `${a.username}x`, password: PASSWORD } });
  assert.equal(parseCookie(cookieOf(signup)).attrs.get('httponly'), true, 'sign-up sets the same cookie');
  const me = await srv.http('GET', '/api/me', { headers: { cookie: `sr_session=${c.value}` } });
  assert.equal(me.status, 200);
  assert.equal(me.body.user.id, a.user.id, 'the cookie alone signs in');
  const out = await srv.http('POST', '/api/auth/logout', { headers: { cookie: `sr_session=${c.value}` } });
  assert.equal(out.status, 200);
  const cleared = parseCookie(cookieOf(out));
  assert.equal(cleared.name, 'sr_session');
  assert.ok(cleared.value === '' || cleared.attrs.get('max-age') === '0', `the cookie is cleared: ${cookieOf(out)}`);
  assert.equal((await srv.http('GET', '/api/me', { headers: { cookie: `sr_session=${c.value}` } })).status, 401);
});

test('hello with a session that is not valid is refused with unauthenticated', async () => {
  const [ws, reply] = await rawHello(srv, { session: 'deadbeef'.repeat(4) });
  assert.equal(reply.type, 'error');
  assert.equal(reply.code, 'unauthenticated');
  ws.close();
  const e = await refusal(connect(srv.url, { WebSocket, session: 'nope', reconnect: false, timeout: 3000 }));
  assert.equal(e.code, 'unauthenticated', 'the SDK rejects connect() with the server code');
  // a valid one is welcomed as the account, with no guest token
  const a = await signupAs(srv, 'Eve');
  const [ws2, welcome] = await rawHello(srv, { session: a.token });
  assert.equal(welcome.type, 'welcome');
  assert.equal(welcome.account, true);
  assert.equal(welcome.user.id, a.user.id);
  assert.equal(welcome.user.name, 'Eve');
  assert.equal(welcome.token, undefined, 'no guest token for an account');
  ws2.close();
});

test('logout revokes the session: REST answers 401 and its open WebSocket closes with 4003', async () => {
  const a = await signupAs(srv, 'Fay');
  const other = await acct.login(srv.base, a); // a second session of the same account
  const [ws, welcome] = await rawHello(srv, { session: a.token });
  assert.equal(welcome.account, true);
  const [wsOther] = await rawHello(srv, { session: other.token });
  const room = await roomOf(srv, host);
  assert.equal((await ws.call({ type: 'join', room: room.id })).type, 'snapshot');

  await logOut(a.token);
  const closed = await Promise.race([ws.closed, sleep(3000).then(() => null)]);
  assert.ok(closed, 'the socket of the revoked session closed');
  assert.equal(closed.code, 4003);
  assert.equal((await rest(srv, 'GET', '/api/me', a.token)).status, 401, 'REST refuses the token');
  assert.equal((await rest(srv, 'POST', '/api/rooms', a.token, { name: 'x' })).status, 401);
  await refused(acct.logout(srv.base, a.token), 'unauthenticated', 'a second logout');
  const [ws3, reply] = await rawHello(srv, { session: a.token });
  assert.equal(reply.code, 'unauthenticated', 'the revoked token cannot sign a socket in');
  ws3.close();
  // the other session of the account lives on
  assert.equal((await acct.me(srv.base, other.token)).id, a.user.id);
  assert.equal(wsOther.readyState, WebSocket.OPEN, 'the other session\'s socket is still open');
  assert.equal((await wsOther.call({ type: 'ping', t0: 1 })).type, 'pong');
  wsOther.close();
});

// regression: a POST with Content-Length: 0 was routed twice, and the second run answered 401
test('logout without a body (as fetch and the SDK send it) answers 200, clears the cookie and revokes', async () => {
  const a = await signupAs(srv, 'Nobody');
  const res = await srv.http('POST', '/api/auth/logout', { headers: { authorization: `Bearer ${a.token}` } });
  assert.equal(res.status, 200, `POST /api/auth/logout (no body): ${JSON.stringify(res.body)}`);
  assert.match(cookieOf(res), /sr_session=;|max-age=0/i, 'the cookie is cleared');
  assert.equal((await rest(srv, 'GET', '/api/me', a.token)).status, 401);
  const b = await signupAs(srv, 'Nobody2');
  assert.deepEqual(await acct.logout(srv.base, b.token), { ok: true }, 'the SDK\'s logout() resolves');
});

test('the SDK client of a revoked session closes with 4003 and does not reconnect', async () => {
  const a = await signupAs(srv, 'Gil');
  const c = await connect(srv.url, { WebSocket, session: a.token, timeout: 3000 });
  try {
    assert.equal(c.account, true);
    const seen = [];
    c.on('connection', (e) => seen.push(e));
    await logOut(a.token);
    await until(() => seen.find((e) => e.code === 4003), 3000, 'a 4003 close');
    await sleep(600);
    assert.equal(c.status, 'closed');
    assert.ok(!seen.some((e) => e.status === 'open'), 'it did not come back');
  } finally {
    await c.close();
  }
});

test('changing the password revokes the other sessions and keeps this one', async () => {
  const a = await signupAs(srv, 'Hal');
  const b = await acct.login(srv.base, a);
  const [wsB] = await rawHello(srv, { session: b.token });
  const [wsA] = await rawHello(srv, { session: a.token });
  const e = await refused(acct.password(srv.base, a.token, { old_password: 'not it at all', new_password: 'a new password' }), 'bad_credentials');
  assert.equal(e.status, 403);
  assert.equal((await acct.me(srv.base, b.token)).id, a.user.id, 'a refused change revokes nothing');
  await refused(acct.password(srv.base, a.token, { old_password: PASSWORD, new_password: 'short' }), 'bad_field');

  await acct.password(srv.base, a.token, { old_password: PASSWORD, new_password: 'a new password' });
  const closed = await Promise.race([wsB.closed, sleep(3000).then(() => null)]);
  assert.equal(closed?.code, 4003, 'the other session\'s socket closed with 4003');
  assert.equal((await rest(srv, 'GET', '/api/me', b.token)).status, 401, 'the other session is revoked');
  assert.equal((await acct.me(srv.base, a.token)).id, a.user.id, 'this session stays');
  assert.equal(wsA.readyState, WebSocket.OPEN, 'this session\'s socket stays open');
  await refused(acct.login(srv.base, a), 'bad_credentials', 'the old password');
  const n = await acct.login(srv.base, { username: a.username, password: 'a new password' });
  assert.equal(n.user.id, a.user.id);
  wsA.close();
});

test('deleting the account removes its credentials, sessions and chat lines', async () => {
  const room = await roomOf(srv, host);
  const a = await signupAs(srv, 'Ivy');
  const friend = await signupAs(srv, 'Jo');
  const ca = await sdkAs(srv, a);
  const cf = await sdkAs(srv, friend);
  await ca.join(room.id);
  await cf.join(room.id);
  const mine = await ca.chat('a line by the leaving account');
  const theirs = await cf.chat('a line by someone staying');
  await acct.follow(srv.base, friend.token, a.user.id);

  const e = await refused(acct.deleteMe(srv.base, a.token, { password: 'wrong password' }), 'bad_credentials');
  assert.equal(e.status, 403);
  assert.equal((await acct.me(srv.base, a.token)).id, a.user.id, 'a refused delete changes nothing');

  assert.deepEqual(await acct.deleteMe(srv.base, a.token, { password: PASSWORD }), { deleted: true });
  assert.equal((await rest(srv, 'GET', '/api/me', a.token)).status, 401, 'its session is gone');
  await refused(acct.login(srv.base, a), 'bad_credentials', 'its credentials are gone');
  // A new person joining sees the room's chat without the deleted account's line.
  const late = await sdkAs(srv, await signupAs(srv, 'Late'));
  const snap = await late.join(room.id);
  const ids = snap.chat.map((m) => m.id);
  assert.ok(ids.includes(theirs), 'the other person\'s line is still there');
  assert.ok(!ids.includes(mine), 'the deleted account\'s line is gone from a new snapshot');
  assert.ok(!snap.chat.some((m) => m.text === 'a line by the leaving account'));
  // and the follow went with it
  const p = await acct.profile(srv.base, friend.token, friend.user.id);
  assert.equal(p.following, 0, 'the deleted account no longer counts among those followed');
  // The username is free again.
  const re = await acct.signup(srv.base, { username: a.username, password: PASSWORD });
  assert.notEqual(re.user.id, undefined);
});

test('login throttling: after 5 failures from one address an account gets 429 throttled with retry_after there, even with the right password', async () => {
  const s2 = await startServer(); // its own server: the failures here must not throttle other tests
  try {
    const { body } = await s2.http('POST', '/api/auth/signup', { body: { username: 'victim', password: PASSWORD } });
    assert.ok(body.token);
    await s2.http('POST', '/api/auth/signup', { body: { username: 'bystander', password: PASSWORD } });
    for (let i = 0; i < 5; i++) {
      const r = await s2.http('POST', '/api/auth/login', { body: { username: 'victim', password: `guess ${i} wrong` } });
      assert.equal(r.status, 401, `failure ${i + 1} is a plain 401`);
    }
    const t = await s2.http('POST', '/api/auth/login', { body: { username: 'victim', password: 'guess 6 wrong' } });
    assert.equal(t.status, 429, JSON.stringify(t.body));
    assert.equal(t.body.error.code, 'throttled');
    assert.ok(Number.isInteger(t.body.error.retry_after) && t.body.error.retry_after >= 1, `retry_after: ${JSON.stringify(t.body)}`);
    const right = await refused(acct.login(s2.base, { username: 'victim', password: PASSWORD }), 'throttled', 'the right password while throttled');
    assert.equal(right.status, 429);
    assert.ok(right.retryAfter >= 1, 'the SDK error carries retryAfter');
    // Another account is not held back by this one's failures.
    assert.equal((await acct.login(s2.base, { username: 'bystander', password: PASSWORD })).user.name, 'bystander');
    // Once the wait is over the right password works again.
    await sleep(right.retryAfter * 1000 + 100);
    assert.equal((await acct.login(s2.base, { username: 'victim', password: PASSWORD })).user.name, 'victim');
  } finally {
    await s2.dispose();
  }
});

// Issue 12: five wrong guesses from one address locked the account for everyone. Throttling is
// per address and per account-address pair now.
test('owner signs in from another address while an attacker is throttled', async () => {
  const s2 = await startServer();
  try {
    await s2.http('POST', '/api/auth/signup', { body: { username: 'owner', password: PASSWORD } });
    const attacker = '127.0.0.2';
    for (let i = 0; i < 5; i++) {
      const r = await loginFrom(s2, attacker, { username: 'owner', password: `guess ${i} wrong` });
      assert.equal(r.status, 401, `failure ${i + 1} is a plain 401`);
    }
    const t = await loginFrom(s2, attacker, { username: 'owner', password: PASSWORD });
    assert.equal(t.status, 429, 'the attacker\'s address is throttled for this account, even with the right password');
    assert.equal(t.body.error.code, 'throttled');
    assert.ok(t.body.error.retry_after >= 1);
    // The owner, from another address, at once.
    const t0 = Date.now();
    const ok = await loginFrom(s2, '127.0.0.3', { username: 'owner', password: PASSWORD });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(ok.body.user.username, 'owner');
    assert.ok(Date.now() - t0 < 1000, 'no wait');
    // and one wrong guess of the owner's own does not throttle them either
    assert.equal((await loginFrom(s2, '127.0.0.3', { username: 'owner', password: 'typo typo' })).status, 401);
    assert.equal((await loginFrom(s2, '127.0.0.3', { username: 'owner', password: PASSWORD })).status, 200);
  } finally {
    await s2.dispose();
  }
});

test('login throttling per address: 20 failures at once over any accounts, then 429 for every account from that address only', async () => {
  const s2 = await startServer();
  try {
    await s2.http('POST', '/api/auth/signup', { body: { username: 'someone', password: PASSWORD } });
    const from = '127.0.0.4';
    // four wrong guesses at each of five names: no pair reaches its 5, the address its 20
    for (let i = 0; i < 20; i++) {
      const r = await loginFrom(s2, from, { username: `name${i % 5}`, password: `guess ${i}` });
      assert.equal(r.status, 401, `failure ${i + 1} is a plain 401`);
    }
    const t = await loginFrom(s2, from, { username: 'someone', password: PASSWORD });
    assert.equal(t.status, 429, 'the 21st try from the address waits, whatever the account');
    assert.equal(t.body.error.code, 'throttled');
    assert.ok(t.body.error.retry_after >= 1 && t.body.error.retry_after <= 180, `one more every 3 minutes: ${JSON.stringify(t.body)}`);
    // another address is not held back
    assert.equal((await loginFrom(s2, '127.0.0.5', { username: 'someone', password: PASSWORD })).status, 200);
  } finally {
    await s2.dispose();
  }
});

test('profiles and follows: a mutual follow makes friends', async () => {
  const a = await signupAs(srv, 'Kit');
  const b = await signupAs(srv, 'Lou');
  await acct.updateMe(srv.base, b.token, { bio: 'plays the banjo' });
  const anon = await acct.profile(srv.base, null, b.user.id);
  assert.equal(anon.name, 'Lou');
  assert.equal(anon.bio, 'plays the banjo');
  assert.equal(anon.guest, false);
  assert.equal(anon.you_follow, undefined, 'no you_follow for an anonymous viewer');

  let p = await acct.follow(srv.base, a.token, b.user.id);
  assert.equal(p.id, b.user.id);
  assert.equal(p.you_follow, true);
  assert.equal(p.friend, false, 'a one-way follow is not a friendship');
  assert.equal(p.followers, 1);
  assert.deepEqual(await acct.friends(srv.base, a.token), [], 'no friends yet');

  p = await acct.follow(srv.base, b.token, a.user.id);
  assert.equal(p.friend, true, 'mutual follows are friends');
  assert.equal((await acct.profile(srv.base, a.token, b.user.id)).friend, true);
  const fa = await acct.friends(srv.base, a.token);
  assert.deepEqual(fa.map((f) => f.user.id), [b.user.id]);
  assert.equal(fa[0].listening_in, null, 'not in a room');

  p = await acct.unfollow(srv.base, a.token, b.user.id);
  assert.equal(p.you_follow, false);
  assert.equal(p.friend, false);
  assert.deepEqual(await acct.friends(srv.base, b.token), [], 'unfollowing ends the friendship');

  const self = await refused(acct.follow(srv.base, a.token, a.user.id), 'bad_field', 'following yourself');
  assert.equal(self.status, 400);
  assert.equal((await refused(acct.follow(srv.base, a.token, 987654), 'no_such_user')).status, 404);
  assert.equal((await refused(acct.follow(srv.base, null, b.user.id), 'unauthenticated')).status, 401);
  assert.equal((await refused(acct.profile(srv.base, null, 987654), 'no_such_user')).status, 404);
  // PATCH /api/me validation
  await refused(acct.updateMe(srv.base, a.token, { bio: 'x'.repeat(301) }), 'too_long');
  await refused(acct.updateMe(srv.base, a.token, { hide_activity: 'yes' }), 'bad_field');
  assert.equal((await acct.updateMe(srv.base, a.token, { name: 'Kit K' })).name, 'Kit K');
});

test('friends listening now: where a friend listens, a live friend message, and hide_activity', async () => {
  const room = await roomOf(srv, host, 'Friends room');
  const room2 = await roomOf(srv, host, 'Other room');
  const a = await signupAs(srv, 'Max');
  const b = await signupAs(srv, 'Ned');
  const stranger = await signupAs(srv, 'Oz'); // follows b, but b does not follow back
  await acct.follow(srv.base, a.token, b.user.id);
  await acct.follow(srv.base, b.token, a.user.id);
  await acct.follow(srv.base, stranger.token, b.user.id);
  const ca = await sdkAs(srv, a);
  const cs = await sdkAs(srv, stranger);
  const strangerSaw = [];
  cs.on('message', (m) => m.type === 'friend' && strangerSaw.push(m));
  const seen = [];
  ca.on('message', (m) => m.type === 'friend' && seen.push(m));

  const cb = await sdkAs(srv, b);
  await cb.join(room.id);
  const msg = await until(() => seen.find((m) => m.user.id === b.user.id && m.listening_in), 3000, 'a friend message');
  assert.deepEqual(msg.listening_in, { id: room.id, name: 'Friends room' });
  const fr = await acct.friends(srv.base, a.token);
  assert.deepEqual(fr.map((f) => [f.user.id, f.listening_in?.id]), [[b.user.id, room.id]], 'GET /api/me/friends says where');
  assert.equal((await acct.profile(srv.base, a.token, b.user.id)).listening_in?.id, room.id);
  assert.deepEqual(strangerSaw, [], 'a one-way follower gets no friend message');

  await cb.leave();
  await until(() => seen.find((m) => m.user.id === b.user.id && m.listening_in === null), 3000, 'a friend-left message');

  // b hides their activity: friends no longer see where b is.
  await acct.updateMe(srv.base, b.token, { hide_activity: true });
  assert.equal((await acct.me(srv.base, b.token)).hide_activity, true);
  await sleep(100);
  seen.length = 0;
  await cb.join(room2.id);
  await sleep(500);
  const fr2 = await acct.friends(srv.base, a.token);
  assert.equal(fr2[0].listening_in, null, 'hidden: friends list shows no room');
  assert.equal((await acct.profile(srv.base, a.token, b.user.id)).listening_in, null, 'hidden: the profile shows no room');
  assert.ok(!seen.some((m) => m.listening_in), `hidden: no friend message names a room (${JSON.stringify(seen)})`);
});

// regression: hidden people were announced with {listening_in: null} on each join and leave
test('friend messages are not sent at all for people who hide their activity', async () => {
  const room = await roomOf(srv, host);
  const a = await signupAs(srv, 'Pia');
  const b = await signupAs(srv, 'Quinn');
  await acct.follow(srv.base, a.token, b.user.id);
  await acct.follow(srv.base, b.token, a.user.id);
  await acct.updateMe(srv.base, b.token, { hide_activity: true });
  const ca = await sdkAs(srv, a);
  const seen = [];
  ca.on('message', (m) => m.type === 'friend' && seen.push(m));
  const cb = await sdkAs(srv, b);
  await cb.join(room.id);
  await cb.leave();
  await sleep(500);
  assert.deepEqual(seen, [], 'protocol.md: not sent for people who hide their activity');
});

test('guests may listen but --guest-chat/add/vote 0 reserve chat, add and vote for accounts (sign_in_required)', async () => {
  const room = await roomOf(srv, host);
  const guest = await sdkAs(srv, null, 'Just Listening');
  assert.equal(guest.account, false);
  const snap = await guest.join(room.id);
  assert.ok(snap.nowPlaying?.track, 'a guest hears the room');
  assert.equal(snap.yourRole, 'listener');
  await refused(guest.chat('hello?'), 'sign_in_required', 'guest chat');
  await refused(guest.addTrack(snap.nowPlaying.track.id), 'sign_in_required', 'guest queue_add');

  const member = await sdkAs(srv, await signupAs(srv, 'Ren'));
  await member.join(room.id);
  const entry = await member.addTrack(snap.nowPlaying.track.id);
  await refused(guest.vote(entry, 1), 'sign_in_required', 'guest vote');
  assert.ok(await member.chat('accounts may chat'), 'an account chats');
  await until(() => guest.room.chat.some((m) => m.text === 'accounts may chat'), 3000, 'the guest to see the chat');
  assert.ok(!guest.room.chat.some((m) => m.text === 'hello?'), 'the refused line never reached the room');
  // guests cannot make rooms either
  assert.equal((await rest(srv, 'POST', '/api/rooms', null, { name: 'guest room' })).status, 401);
});
