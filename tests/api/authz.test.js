// authz.test.js - the authorization matrix: every REST endpoint and every WebSocket action ×
// {anonymous, guest, member, muted, banned, moderator, owner, another room's owner, admin}.
// SPDX-License-Identifier: GPL-3.0-or-later
//
// The table is generated below from rules that restate docs/protocol.md; each cell runs as its
// own subtest named "<action> as <role>" and checks the answer a client would get (an HTTP
// status and error code, or a WebSocket reply type or error code). Identities are made once;
// a cell that changes state (a ban, a lock, a leave…) undoes it in its reset step.
import { before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { raw, sleep, until } from './harness.js';
import { startServer, signupAs, roomOf, acct, PASSWORD } from './authz-helpers.js';

const ROLES = ['anonymous', 'guest', 'member', 'muted', 'banned', 'moderator', 'owner', "another room's owner", 'admin'];
const OTHER_OWNER = "another room's owner";
/** Rank in room R (owner > moderator > member > listener; admins above all). */
const RANK = { anonymous: 0, guest: 0, member: 1, muted: 0, banned: 0, moderator: 2, owner: 3, [OTHER_OWNER]: 0, admin: 4 };
const MEMBER = 1;
const MOD = 2;
const OWNER = 3;
const isAccount = (role) => role !== 'anonymous' && role !== 'guest';
/** Who may enter the private room P: its members and up (same roles as in R) and admins. */
const entersPrivate = (role) => RANK[role] >= MEMBER;

// ---------- the world every cell acts in (made in before()) ----------

let srv;
const who = {}; // role -> {user, token, username, password} (accounts only)
const ws = {}; // role -> raw socket (anonymous: no hello; guest: a guest; others: hello with session)
let victim; // a plain listener account the moderators act on: {acct, ws}
let R; // the public room every cell is about, owned by 'owner'
let P; // a private room of the same owner with the same member and moderator
let R2; // the other owner's room
let T; // a track id
let coverTrack; // a track with a cover, or null
let target; // an account to follow and look at

const send = (role, msg) => ws[role].call(msg, 4000);
const byOwner = (msg) => ws.owner.call({ room: R.id, ...msg });

/** The answer of a REST call as one string: the status, and the error code when there is one. */
const restAnswer = (res) => (res.body?.error?.code ? `${res.status} ${res.body.error.code}` : String(res.status));
/** The answer of a WebSocket request: the reply type, or `error <code>`. */
const wsAnswer = (m) => (m.type === 'error' ? `error ${m.code}` : m.type);

// ---------- the REST half of the table ----------

/** Expected answer for public endpoints. */
const pub = (ok = '200') => () => ok;
/** Needs an account: 401 unauthenticated for anonymous and guests (guests have no REST session). */
const account = (ok = '200') => (role) => (isAccount(role) ? ok : '401 unauthenticated');
/** Needs a rank in R: 401 without an account, 403 not_allowed below `min`. */
const rank = (min, ok = '200') => (role) => (!isAccount(role) ? '401 unauthenticated' : RANK[role] >= min ? ok : '403 not_allowed');
/** The private room P: 404 no_such_room to whoever may not enter it. */
const privateRoom = (ok = '200') => (role) => (entersPrivate(role) ? ok : '404 no_such_room');

/** A new public room of R's owner, for a cell that closes it (named :fresh in the table). */
async function freshRoom() {
  const res = await srv.http('POST', '/api/rooms', { body: { name: 'to be closed' }, headers: { authorization: `Bearer ${who.owner.token}` } });
  return `/api/rooms/${res.body.room.id}`;
}

function restCells() {
  const cells = [
    ['GET', '/api/health', pub()],
    ['GET', '/api/time', pub()],
    ['GET', '/api/rooms', pub()],
    ['POST', '/api/rooms', account('201'), () => ({ name: 'made in a cell' })],
    ['GET', () => `/api/rooms/${R.id}`, pub()],
    ['GET', () => `/api/rooms/${P.id}`, privateRoom()],
    ['PATCH', () => `/api/rooms/${R.id}`, rank(OWNER), () => ({ description: 'edited by a cell' })],
    ['PATCH', () => `/api/rooms/${P.id}`, (role) => (!entersPrivate(role) ? '404 no_such_room' : rank(OWNER)(role)), () => ({ description: 'edited' })],
    ['GET', () => `/api/rooms/${R.id}/audit`, rank(OWNER)],
    ['POST', () => `/api/rooms/${R.id}/invites`, rank(MOD)],
    ['GET', () => `/api/rooms/${R.id}/invites`, rank(MOD)],
    ['DELETE', () => `/api/rooms/${R.id}/invites`, rank(MOD)],
    ['GET', () => `/api/rooms/${R.id}/bans`, rank(MOD)],
    ['GET', () => `/api/rooms/${P.id}/bans`, (role) => (!entersPrivate(role) ? '404 no_such_room' : rank(MOD)(role))],
    ['GET', '/api/admin/users', (role) => (!isAccount(role) ? '401 unauthenticated' : role === 'admin' ? '200' : '403 not_allowed')],
    ['GET', '/api/admin/rooms', (role) => (!isAccount(role) ? '401 unauthenticated' : role === 'admin' ? '200' : '403 not_allowed')],
    // closing is for good: each cell closes a room of R's owner made for it
    ['DELETE', freshRoom, rank(OWNER)],
    ['POST', () => `/api/rooms/${R.id}/import`, (role) => (role === 'banned' ? '403 banned' : account()(role)),
      () => ({ playlist: `#EXTM3U\n#EXTINF:-1,${T.artist} - ${T.title}\nelsewhere/${T.title}.ogg\n`, format: 'm3u' })],
    ['POST', '/api/library/streams', account('201'), () => ({ url: `http://radio.example/${Math.random().toString(36).slice(2)}` })],
    ['GET', '/api/tracks?q=&limit=5', pub()],
    ['GET', () => `/api/tracks/${T.id}`, pub()],
    ['GET', () => `/media/${T.id}`, pub('206'), null, { headers: { range: 'bytes=0-15' } }],
    ['GET', () => `/api/tracks/${(coverTrack ?? T).id}/cover?size=32`, () => (coverTrack ? '200' : '404 no_cover')],
    ['GET', '/api/library', pub()],
    ['GET', '/api/library/artists', pub()],
    ['GET', '/api/library/albums', pub()],
    ['GET', '/api/library/genres', pub()],
    ['GET', '/api/library/years', pub()],
    // loopback-only, not tied to accounts (protocol.md: "Only from loopback")
    ['POST', '/api/library/rescan', pub('202')],
    ['POST', '/api/auth/signup', pub('201'), () => ({ username: `cell_${Math.random().toString(36).slice(2, 10)}`, password: PASSWORD })],
    ['POST', '/api/auth/login', pub('200'), () => ({ username: target.username, password: PASSWORD })],
    // a throwaway session of the role, so the role keeps its own
    ['POST', '/api/auth/logout', account(), null, { freshSession: true }],
    ['POST', '/api/auth/password', account('403 bad_credentials'), () => ({ old_password: 'not the password', new_password: 'whatever 123' })],
    ['GET', '/api/me', account()],
    ['PATCH', '/api/me', account(), () => ({ bio: 'set by a cell' })],
    ['DELETE', '/api/me', account('403 bad_credentials'), () => ({ password: 'not the password' })],
    ['GET', '/api/me/friends', account()],
    ['GET', () => `/api/users/${target.user.id}`, pub()],
    ['POST', () => `/api/users/${target.user.id}/follow`, account(), () => ({})],
    ['DELETE', () => `/api/users/${target.user.id}/follow`, account(), () => ({})],
    ['GET', () => `/api/rooms/${R.id}/top-tracks`, pub()],
    ['GET', () => `/api/rooms/${R.id}/top-fans`, pub()],
    ['GET', () => `/api/rooms/${R.id}/history`, pub()],
    ['GET', () => `/api/rooms/${P.id}/history`, privateRoom()],
    ['GET', '/api/me/likes', account()],
    ['GET', '/api/me/likes.m3u', account()],
    ['PUT', () => `/api/me/likes/${T.id}`, account(), () => ({})],
    ['DELETE', () => `/api/me/likes/${T.id}`, account(), () => ({})],
    ['GET', '/api/me/history', account()],
    ['GET', '/api/me/favorites', account()],
    ['PUT', () => `/api/me/favorites/${R.id}`, account(), () => ({})],
    ['DELETE', () => `/api/me/favorites/${R.id}`, account(), () => ({})],
    ['PUT', () => `/api/me/favorites/${P.id}`, (role) => (!isAccount(role) ? '401 unauthenticated' : privateRoom()(role)), () => ({})],
    ['GET', () => `/api/artists/${encodeURIComponent(T.artist)}/room`, pub()],
    ['GET', () => `/api/users/${target.user.id}/likes`, pub()],
    // a JSON body is not an image: accounts get as far as the decoder
    ['PUT', '/api/me/avatar', account('400 bad_image'), () => ({})],
    ['DELETE', '/api/me/avatar', account()],
    ['GET', () => `/api/users/${target.user.id}/avatar`, pub('404 no_avatar')],
  ];
  return cells.map(([method, p, expect, body, opts = {}]) => ({ kind: 'rest', method, path: p, expect, body, opts }));
}

// ---------- the WebSocket half ----------

/**
 * Expected answer of a room action in R: anonymous sockets have not said hello; the banned
 * cannot be in the room; then `rule(role)`.
 */
const inRoom = (rule) => (role) => (role === 'anonymous' ? 'error hello_required' : role === 'banned' ? 'error not_in_room' : rule(role));
const modAction = (min = MOD) => inRoom((role) => (RANK[role] >= min ? 'ack' : 'error not_allowed'));

/** Makes a fresh entry queued by the victim; resolves with its id. */
async function victimEntry() {
  const r = await victim.ws.call({ type: 'queue_add', room: R.id, track: T.id });
  assert.equal(r.type, 'ack', `victim queue_add: ${JSON.stringify(r)}`);
  return r.entry;
}

/** Brings the victim back into R (after a kick or a ban). */
async function victimBack() {
  const r = await victim.ws.call({ type: 'join', room: R.id });
  assert.equal(r.type, 'snapshot', `victim rejoin: ${JSON.stringify(r)}`);
}

function wsCells() {
  const cells = [
    { name: 'ping', msg: () => ({ type: 'ping', t0: 1 }), expect: () => 'pong' },
    { name: 'search', msg: () => ({ type: 'search', q: '' }), expect: (r) => (r === 'anonymous' ? 'error hello_required' : 'results') },
    { name: 'lobby', msg: () => ({ type: 'lobby' }), expect: (r) => (r === 'anonymous' ? 'error hello_required' : 'lobby'),
      reset: (role) => ws[role].call({ type: 'lobby', subscribe: false }) },
    { name: 'like', msg: () => ({ type: 'like', track: T.id, value: true }),
      expect: (r) => (r === 'anonymous' ? 'error hello_required' : r === 'guest' ? 'error sign_in_required' : 'ack'),
      reset: (role) => ws[role].call({ type: 'like', track: T.id, value: false }) },
    { name: 'join', msg: () => ({ type: 'join', room: R.id }),
      expect: (r) => (r === 'anonymous' ? 'error hello_required' : r === 'banned' ? 'error banned' : 'snapshot') },
    { name: 'join a private room (no invite)', msg: () => ({ type: 'join', room: P.id }),
      // protocol.md does not name the code for an outsider; the server says not_allowed
      expect: (r) => (r === 'anonymous' ? 'error hello_required' : entersPrivate(r) ? 'snapshot' : 'error not_allowed'),
      reset: (role) => (role !== 'anonymous' && role !== 'banned' ? ws[role].call({ type: 'join', room: R.id }) : null) },
    { name: 'chat', msg: () => ({ type: 'chat', room: R.id, text: 'hi from a cell' }),
      expect: inRoom((r) => (r === 'muted' ? 'error muted' : 'ack')) },
    { name: 'queue_add', msg: () => ({ type: 'queue_add', room: R.id, track: T.id }), expect: inRoom(() => 'ack'),
      reset: (role, reply) => (reply.type === 'ack' ? ws[role].call({ type: 'queue_remove', room: R.id, entry: reply.entry }) : null) },
    { name: 'vote', setup: victimEntry, msg: (e) => ({ type: 'vote', room: R.id, entry: e, value: 1 }), expect: inRoom(() => 'ack'),
      reset: (role, reply, e) => victim.ws.call({ type: 'queue_remove', room: R.id, entry: e }) },
    { name: "queue_remove (someone else's entry)", setup: victimEntry, msg: (e) => ({ type: 'queue_remove', room: R.id, entry: e }),
      expect: inRoom(() => 'error not_allowed'), reset: (role, reply, e) => victim.ws.call({ type: 'queue_remove', room: R.id, entry: e }) },
    { name: 'skip vote', msg: () => ({ type: 'skip', room: R.id, value: true }), expect: inRoom(() => 'ack'),
      reset: (role) => ws[role].call({ type: 'skip', room: R.id, value: false }) },
    { name: 'leave', msg: () => ({ type: 'leave', room: R.id }), expect: inRoom(() => 'left'),
      reset: (role, reply) => (reply.type === 'left' ? ws[role].call({ type: 'join', room: R.id }) : null) },
    // moderator actions, on the victim (a plain listener) or the victim's entry / message
    { name: 'mod skip', msg: () => ({ type: 'mod', room: R.id, action: 'skip' }), expect: modAction() },
    { name: 'mod remove', setup: victimEntry, msg: (e) => ({ type: 'mod', room: R.id, action: 'remove', entry: e }), expect: modAction(),
      reset: (role, reply, e) => victim.ws.call({ type: 'queue_remove', room: R.id, entry: e }) },
    { name: 'mod move', setup: victimEntry, msg: (e) => ({ type: 'mod', room: R.id, action: 'move', entry: e }), expect: modAction(),
      reset: (role, reply, e) => victim.ws.call({ type: 'queue_remove', room: R.id, entry: e }) },
    { name: 'mod delete_chat', setup: async () => (await victim.ws.call({ type: 'chat', room: R.id, text: 'delete me' })).id,
      msg: (m) => ({ type: 'mod', room: R.id, action: 'delete_chat', msg: m }), expect: modAction() },
    { name: 'mod mute', msg: () => ({ type: 'mod', room: R.id, action: 'mute', user: victim.acct.user.id, seconds: 60 }), expect: modAction(),
      reset: () => byOwner({ type: 'mod', action: 'unmute', user: victim.acct.user.id }) },
    { name: 'mod unmute', setup: () => byOwner({ type: 'mod', action: 'mute', user: victim.acct.user.id }),
      msg: () => ({ type: 'mod', room: R.id, action: 'unmute', user: victim.acct.user.id }), expect: modAction(),
      reset: () => byOwner({ type: 'mod', action: 'unmute', user: victim.acct.user.id }) },
    { name: 'mod kick', msg: () => ({ type: 'mod', room: R.id, action: 'kick', user: victim.acct.user.id }), expect: modAction(),
      reset: victimBack },
    { name: 'mod ban', msg: () => ({ type: 'mod', room: R.id, action: 'ban', user: victim.acct.user.id, seconds: 600 }), expect: modAction(),
      reset: async () => {
        await byOwner({ type: 'mod', action: 'unban', user: victim.acct.user.id });
        await victimBack();
      } },
    { name: 'mod unban', setup: () => byOwner({ type: 'mod', action: 'ban', user: victim.acct.user.id }),
      msg: () => ({ type: 'mod', room: R.id, action: 'unban', user: victim.acct.user.id }), expect: modAction(),
      reset: async () => {
        await byOwner({ type: 'mod', action: 'unban', user: victim.acct.user.id });
        await victimBack();
      } },
    { name: 'mod lock', msg: () => ({ type: 'mod', room: R.id, action: 'lock' }), expect: modAction(),
      reset: () => byOwner({ type: 'mod', action: 'unlock' }) },
    { name: 'mod unlock', setup: () => byOwner({ type: 'mod', action: 'lock' }), msg: () => ({ type: 'mod', room: R.id, action: 'unlock' }),
      expect: modAction(), reset: () => byOwner({ type: 'mod', action: 'unlock' }) },
    { name: 'mod set_role', msg: () => ({ type: 'mod', room: R.id, action: 'set_role', user: victim.acct.user.id, role: 'member' }),
      expect: modAction(OWNER), reset: () => byOwner({ type: 'mod', action: 'set_role', user: victim.acct.user.id, role: 'none' }) },
  ];
  return cells.map((c) => ({ kind: 'ws', ...c }));
}

// ---------- set-up ----------

before(async () => {
  srv = await startServer({ admin: true, args: ['--chat-rate', '1000/10', '--msg-rate', '2000'] });
  for (const role of ROLES.filter(isAccount)) who[role] = role === 'admin' ? srv.admin : await signupAs(srv, role.replace(/\W/g, '') || 'x');
  target = await signupAs(srv, 'Target');
  victim = { acct: await signupAs(srv, 'Victim') };
  R = await roomOf(srv, who.owner, 'Matrix room');
  P = await roomOf(srv, who.owner, 'Matrix private');
  R2 = await roomOf(srv, who[OTHER_OWNER], 'The other room');
  await acct.updateRoom(srv.base, who.owner.token, P.id, { visibility: 'private' });
  const tracks = (await srv.http('GET', '/api/tracks?limit=100')).body.tracks.sort((a, b) => b.duration_ms - a.duration_ms);
  T = tracks.find((t) => t.artist) ?? tracks[0];
  coverTrack = tracks.find((t) => t.cover) ?? null;
  // the artist room exists before the cells, so every cell reads it (200) rather than makes it (201)
  assert.ok([200, 201].includes((await srv.http('GET', `/api/artists/${encodeURIComponent(T.artist)}/room`)).status));

  for (const role of ROLES) {
    ws[role] = await raw(srv);
    if (role === 'anonymous') continue;
    const hello = role === 'guest' ? { type: 'hello', v: 1, name: 'Guest' } : { type: 'hello', v: 1, session: who[role].token };
    const w = await ws[role].call(hello);
    assert.equal(w.type, 'welcome', `${role}: ${JSON.stringify(w)}`);
    assert.equal(w.account === true, isAccount(role), `${role} is ${isAccount(role) ? 'an account' : 'a guest'}`);
  }
  victim.ws = await raw(srv);
  assert.equal((await victim.ws.call({ type: 'hello', session: victim.acct.token })).type, 'welcome');

  for (const role of ['owner', 'moderator', 'member', 'muted', 'banned', OTHER_OWNER, 'admin', 'guest']) {
    const s = await send(role, { type: 'join', room: R.id });
    assert.equal(s.type, 'snapshot', `${role} joins R`);
  }
  await victimBack();
  // roles in R, and the same member and moderator in P
  for (const room of [R, P]) {
    const owner = ws.owner;
    if (room === P) assert.equal((await owner.call({ type: 'join', room: P.id })).type, 'snapshot');
    for (const [role, r] of [['moderator', 'moderator'], ['member', 'member']]) {
      const a = await owner.call({ type: 'mod', room: room.id, action: 'set_role', user: who[role].user.id, role: r });
      assert.equal(a.type, 'ack', `set_role ${role} in ${room.name}: ${JSON.stringify(a)}`);
    }
  }
  assert.equal((await ws.owner.call({ type: 'join', room: R.id })).type, 'snapshot');
  assert.equal((await byOwner({ type: 'mod', action: 'mute', user: who.muted.user.id })).type, 'ack');
  assert.equal((await byOwner({ type: 'mod', action: 'ban', user: who.banned.user.id })).type, 'ack');
  await until(() => ws.banned.inbox.some((m) => m.type === 'kicked'), 3000, 'the banned one to be kicked');
  // each role's view of R says who they are
  const roleIn = async (role) => (await send(role, { type: 'join', room: R.id })).your_role;
  assert.equal(await roleIn('moderator'), 'moderator');
  assert.equal(await roleIn('admin'), 'admin');
  assert.equal(await roleIn(OTHER_OWNER), 'listener');
});

after(async () => {
  for (const w of [...Object.values(ws), victim?.ws]) w?.close();
  await srv?.dispose();
});

// ---------- the table, cell by cell ----------

/** A readable name for a cell's path: () => `/api/rooms/${R.id}` -> /api/rooms/:R. */
function pathName(p) {
  if (typeof p !== 'function') return p;
  if (p === freshRoom) return '/api/rooms/:fresh';
  return p.toString().replace(/^\(\) => `|`$/g, '').replace(/\$\{R\.id\}/g, ':R').replace(/\$\{P\.id\}/g, ':P')
    .replace(/\$\{target\.user\.id\}/g, ':user').replace(/\$\{encodeURIComponent\(T\.artist\)\}/g, ':artist')
    .replace(/\$\{\(coverTrack \?\? T\)\.id\}/g, ':track').replace(/\$\{T\.id\}/g, ':track');
}

const TABLE = [];
for (const cell of [...restCells(), ...wsCells()]) {
  for (const role of ROLES) {
    const action = cell.kind === 'rest' ? `${cell.method} ${pathName(cell.path)}` : `ws ${cell.name}`;
    TABLE.push({ action, role, cell });
  }
}

async function runRest(cell, role) {
  let token = isAccount(role) ? who[role].token : null;
  if (cell.opts.freshSession && token) token = (await acct.login(srv.base, who[role])).token;
  const p = typeof cell.path === 'function' ? await cell.path() : cell.path;
  const headers = { ...(cell.opts.headers ?? {}), ...(token ? { authorization: `Bearer ${token}` } : {}) };
  const res = await srv.http(cell.method, p, { body: cell.body ? cell.body() : undefined, headers });
  return restAnswer(res);
}

async function runWs(cell, role) {
  const arg = cell.setup ? await cell.setup() : undefined;
  let reply;
  try {
    reply = await send(role, cell.msg(arg));
  } finally {
    if (cell.reset) await cell.reset(role, reply ?? {}, arg);
  }
  return wsAnswer(reply);
}

for (const { action, role, cell } of TABLE) {
  test(`${action} as ${role}`, { timeout: 10000 }, async () => {
    const want = cell.expect(role);
    const got = cell.kind === 'rest' ? await runRest(cell, role) : await runWs(cell, role);
    assert.equal(got, want, `${action} as ${role}: expected ${want}, got ${got}`);
  });
}

test('the matrix covers every role for every action', () => {
  const actions = new Set(TABLE.map((t) => t.action));
  assert.equal(TABLE.length, actions.size * ROLES.length);
  assert.ok(actions.size >= 70, `${actions.size} actions`);
});

test('after the matrix the identities are what they were (the resets worked)', async () => {
  await sleep(100);
  const s = await send('moderator', { type: 'join', room: R.id });
  assert.equal(s.your_role, 'moderator');
  assert.equal(s.settings.locked, false, 'the queue is unlocked again');
  assert.equal((await victim.ws.call({ type: 'chat', room: R.id, text: 'still free' })).type, 'ack', 'the victim is neither muted nor banned');
  assert.equal((await send('muted', { type: 'chat', room: R.id, text: 'x' })).code, 'muted', 'the muted one is still muted');
  assert.equal((await send('banned', { type: 'join', room: R.id })).code, 'banned', 'the banned one is still banned');
  assert.ok(coverTrack === null || coverTrack.cover, 'cover lookup ran');
});
