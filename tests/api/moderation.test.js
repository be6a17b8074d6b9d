// moderation.test.js - owners, moderators, members and listeners in a room: roles, moderator
// actions (skip, remove, move, delete_chat, mute, kick, ban, lock), the room's rules, private
// rooms with invites, outranking, and the audit log that must record every action in order.
// SPDX-License-Identifier: GPL-3.0-or-later
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { test, sleep, until, waitFor, raw } from './harness.js';
import { startServer, signupAs, sdkAs, closeClients, rest, roomOf, refused, refusal, acct } from './authz-helpers.js';

let srv;
let room; // the room every test here moderates; its audit log is checked at the end
const id = {}; // name -> account {user, token}
const c = {}; // name -> SDK client joined to `room`
const log = []; // every action that must be in the audit log, oldest first: [actor, action, target]
let tracks;

/** A mod action through account.js; on success it is expected in the audit log. */
async function act(who, action, fields = {}) {
  const ack = await acct.mod(c[who], room.id, action, fields);
  assert.equal(ack.type, 'ack', `${who} ${action}`);
  log.push([id[who].user.id, action, fields.user ?? null]);
  return ack;
}

before(async () => {
  srv = await startServer();
  for (const n of ['owner', 'mod', 'mod2', 'member', 'listener', 'other']) id[n] = await signupAs(srv, n[0].toUpperCase() + n.slice(1));
  room = await roomOf(srv, id.owner, 'Moderated room');
  for (const n of Object.keys(id)) {
    c[n] = await sdkAs(srv, id[n]);
    await c[n].join(room.id);
  }
  // the longest tracks first, so queued entries do not start playing in the middle of a test
  tracks = (await srv.http('GET', '/api/tracks?limit=100')).body.tracks.sort((a, b) => b.duration_ms - a.duration_ms);
});

after(async () => {
  await closeClients();
  await srv?.dispose();
});

const other = (name) => Object.keys(c).filter((n) => n !== name);

test('the owner sets roles; everyone sees the role delta; only the owner may', async () => {
  assert.equal(c.owner.room.yourRole, 'owner');
  assert.equal(c.listener.room.yourRole, 'listener');
  const seen = waitFor(c.listener, 'delta', (d) => d.type === 'role' && d.user.id === id.mod.user.id);
  await act('owner', 'set_role', { user: id.mod.user.id, role: 'moderator' });
  const d = await seen;
  assert.equal(d.role, 'moderator');
  await act('owner', 'set_role', { user: id.mod2.user.id, role: 'moderator' });
  await act('owner', 'set_role', { user: id.member.user.id, role: 'member' });
  await until(() => c.member.room.yourRole === 'member', 3000, 'the member to learn their role');
  // a fresh snapshot says the same
  for (const [n, role] of [['mod', 'moderator'], ['member', 'member'], ['owner', 'owner'], ['listener', 'listener']]) {
    assert.equal((await c[n].join(room.id)).yourRole, role, `${n} rejoins as ${role}`);
  }
  await refused(acct.mod(c.mod, room.id, 'set_role', { user: id.listener.user.id, role: 'member' }), 'not_allowed', 'a moderator setting roles');
  await refused(acct.mod(c.listener, room.id, 'set_role', { user: id.member.user.id, role: 'none' }), 'not_allowed', 'a listener setting roles');
  await refused(acct.mod(c.owner, room.id, 'set_role', { user: 987654, role: 'member' }), 'no_such_user');
  await refused(acct.mod(c.owner, room.id, 'set_role', { user: id.listener.user.id, role: 'king' }), 'bad_field', 'an unknown role');
});

test('skip: a moderator skips the playing track; a member or listener may not', async () => {
  const before = c.listener.room.nowPlaying;
  await refused(acct.mod(c.listener, room.id, 'skip'), 'not_allowed', 'listener skip');
  await refused(acct.mod(c.member, room.id, 'skip'), 'not_allowed', 'member skip');
  const np = waitFor(c.listener, 'now_playing', (d) => d.skipped === true);
  await act('mod', 'skip');
  const d = await np;
  assert.ok(d.started_at >= before.started_at, 'a new track started');
  assert.equal(d.skipped, true);
});

test('remove: a moderator removes someone else\'s entry; a listener may not', async () => {
  const entry = await c.listener.addTrack(tracks[0].id);
  const mine = await c.member.addTrack(tracks[1].id);
  await refused(acct.mod(c.member, room.id, 'remove', { entry }), 'not_allowed', 'a member removing');
  await refused(c.member.removeEntry(entry), 'not_allowed', 'removing someone else\'s entry with queue_remove');
  const gone = waitFor(c.listener, 'queue', (d) => d.type === 'entry_removed' && d.id === entry);
  await act('mod', 'remove', { entry });
  log[log.length - 1][2] = id.listener.user.id; // the audit target is the entry's owner
  await gone;
  assert.ok(!c.listener.room.queue.some((e) => e.id === entry), 'the entry left everyone\'s queue');
  await refused(acct.mod(c.mod, room.id, 'remove', { entry }), 'no_such_entry', 'removing it twice');
  await c.member.removeEntry(mine); // tidy up: own entry
});

test('entry_removed by a moderator says reason "moderator"', async () => {
  const entry = await c.listener.addTrack(tracks[0].id);
  const gone = waitFor(c.listener, 'queue', (d) => d.type === 'entry_removed' && d.id === entry);
  await act('mod', 'remove', { entry });
  log[log.length - 1][2] = id.listener.user.id;
  assert.equal((await gone).reason, 'moderator');
});

test('move: a moderator pins an entry to the top of the queue', async () => {
  const a = await c.listener.addTrack(tracks[0].id);
  const b = await c.member.addTrack(tracks[1].id);
  const last = await c.other.addTrack(tracks[2].id);
  await c.mod.vote(a, 1);
  await c.owner.vote(b, 1);
  await until(() => c.listener.room.queue.length >= 3 && c.listener.room.queue.at(-1).id === last, 3000, 'three entries, the unvoted one last');
  const moved = waitFor(c.listener, 'queue', (d) => d.type === 'entry_moved' && d.id === last);
  await refused(acct.mod(c.member, room.id, 'move', { entry: last }), 'not_allowed', 'a member moving');
  await act('mod', 'move', { entry: last });
  log[log.length - 1][2] = id.other.user.id;
  const d = await moved;
  assert.equal(d.pinned, true);
  assert.equal(c.listener.room.queue[0].id, last, 'the SDK shows the moved entry at the top');
  // the server's own order, as a new listener receives it
  const ws = await raw(srv);
  await ws.call({ type: 'hello', name: 'Peek' });
  const snap = await ws.call({ type: 'join', room: room.id });
  assert.equal(snap.queue[0].id, last, 'a new snapshot lists the pinned entry first');
  ws.close();
  for (const [who, e] of [['listener', a], ['member', b], ['other', last]]) await c[who].removeEntry(e);
});

test('delete_chat: the message goes from every screen and from new snapshots', async () => {
  const bad = await c.listener.chat('something regrettable');
  const fine = await c.member.chat('something fine');
  await until(() => c.owner.room.chat.some((m) => m.id === bad), 3000, 'the message to arrive');
  await refused(acct.mod(c.member, room.id, 'delete_chat', { msg: bad }), 'not_allowed', 'a member deleting chat');
  const del = waitFor(c.owner, 'chat', (d) => d.type === 'chat_deleted' && d.id === bad);
  await act('mod', 'delete_chat', { msg: bad });
  await del;
  await until(() => !c.listener.room.chat.some((m) => m.id === bad), 3000, 'the SDK state to drop it');
  const fresh = await sdkAs(srv, id.other);
  const snap = await fresh.join(room.id);
  assert.ok(!snap.chat.some((m) => m.id === bad), 'gone from a new snapshot');
  assert.ok(snap.chat.some((m) => m.id === fine), 'the other message stays');
  await fresh.close();
  await refused(acct.mod(c.mod, room.id, 'delete_chat', { msg: 99999999 }), 'no_such_message');
});

test('mute: a muted listener gets muted on chat until unmuted; a timed mute lapses', async () => {
  // the owner is told of each audit entry as it happens; nobody else is
  const told = { owner: [], mod: [], listener: [] };
  const offs = Object.keys(told).map((n) => c[n].on('message', (m) => m.type === 'moderation' && told[n].push(m)));
  await act('mod', 'mute', { user: id.listener.user.id });
  await until(() => told.owner.length === 1, 3000, 'the owner to hear of the mute');
  const { entry } = told.owner[0];
  assert.equal(told.owner[0].room, room.id);
  assert.deepEqual([entry.action, entry.actor.id, entry.target.id], ['mute', id.mod.user.id, id.listener.user.id]);
  assert.equal(typeof entry.id, 'number');
  await sleep(200);
  assert.deepEqual([told.mod.length, told.listener.length], [0, 0], 'moderators and listeners are not told');
  offs.forEach((off) => off());
  await refused(c.listener.chat('can anyone hear me'), 'muted');
  await c.member.chat('others still chat');
  await act('mod', 'unmute', { user: id.listener.user.id });
  assert.ok(await c.listener.chat('back again'));
  await act('mod', 'mute', { user: id.listener.user.id, seconds: 1 });
  await refused(c.listener.chat('timed'), 'muted');
  await sleep(1100);
  assert.ok(await c.listener.chat('the mute lapsed'), 'a timed mute ends by itself');
});

test('kick: the person gets a kicked message and leaves the listeners; they may come back', async () => {
  const kicked = waitFor(c.listener, 'message', (m) => m.type === 'kicked');
  await act('mod', 'kick', { user: id.listener.user.id });
  const k = await kicked;
  assert.equal(k.room, room.id);
  assert.equal(typeof k.reason, 'string');
  await until(() => !c.owner.room.listeners.some((u) => u.id === id.listener.user.id), 3000, 'presence to drop the kicked person');
  assert.equal(c.owner.room.listenerCount, Object.keys(c).length - 1);
  await refused(c.listener.chat('still here?'), 'not_in_room', 'a kicked person is out of the room');
  const snap = await c.listener.join(room.id);
  assert.equal(snap.id, room.id, 'a kick is not a ban');
});

test('ban: the banned person is kicked and refused on join; unban and timed bans lift it', async () => {
  const kicked = waitFor(c.listener, 'message', (m) => m.type === 'kicked');
  await act('mod', 'ban', { user: id.listener.user.id });
  assert.equal((await kicked).reason, 'banned');
  await refused(c.listener.join(room.id), 'banned', 'joining while banned');
  // banned people cannot queue through REST either
  const imp = await rest(srv, 'POST', `/api/rooms/${room.id}/import`, id.listener.token, { playlist: `#EXTM3U\n${tracks[0].title}\n`, format: 'm3u' });
  assert.equal(imp.status, 403, JSON.stringify(imp.body));
  assert.equal(imp.body.error.code, 'banned');
  await act('mod', 'unban', { user: id.listener.user.id });
  await c.listener.join(room.id);

  await act('mod', 'ban', { user: id.listener.user.id, seconds: 1 });
  await refused(c.listener.join(room.id), 'banned', 'joining during a timed ban');
  await sleep(1100);
  assert.equal((await c.listener.join(room.id)).id, room.id, 'a timed ban lapses');
});

test('lock: the queue refuses listeners and members with queue_locked, moderators still add', async () => {
  const upd = waitFor(c.listener, 'room', (d) => d.settings?.locked === true);
  await refused(acct.mod(c.member, room.id, 'lock'), 'not_allowed', 'a member locking');
  await act('mod', 'lock');
  await upd;
  assert.equal(c.listener.room.settings.locked, true);
  await refused(c.listener.addTrack(tracks[0].id), 'queue_locked', 'listener add');
  await refused(c.member.addTrack(tracks[0].id), 'queue_locked', 'member add');
  const e = await c.mod.addTrack(tracks[0].id);
  await act('mod', 'unlock');
  await until(() => c.listener.room.settings.locked === false, 3000, 'the unlock to arrive');
  const e2 = await c.listener.addTrack(tracks[0].id);
  await c.mod.removeEntry(e);
  await c.listener.removeEntry(e2);
});

test('rules: who_add, who_vote, max_per_person and slow_mode_s, set by the owner over PATCH', async () => {
  const patch = (who, rules) => acct.updateRoom(srv.base, id[who].token, room.id, { rules });
  const e403 = await refused(patch('mod', { who_add: 'members' }), 'not_allowed', 'a moderator editing the room');
  assert.equal(e403.status, 403);
  assert.equal((await rest(srv, 'PATCH', `/api/rooms/${room.id}`, null, { rules: { who_add: 'members' } })).status, 401);
  for (const bad of [{ who_add: 'nobody' }, { max_per_person: 501 }, { slow_mode_s: -1 }, { skip_ratio: 2 }, { locked: 'yes' }]) {
    const e = await refused(patch('owner', bad), 'bad_field', JSON.stringify(bad));
    assert.equal(e.status, 400);
  }

  const seen = waitFor(c.listener, 'room', (d) => d.settings?.who_add === 'members');
  const r = await patch('owner', { who_add: 'members', who_vote: 'moderators' });
  log.push([id.owner.user.id, 'update_room', null]);
  assert.equal(r.settings.who_add, 'members');
  await seen;
  await refused(c.listener.addTrack(tracks[0].id), 'not_allowed', 'a listener adding with who_add members');
  const e = await c.member.addTrack(tracks[0].id);
  await refused(c.member.vote(e, 1), 'not_allowed', 'a member voting with who_vote moderators');
  await c.mod.vote(e, 1);
  await c.member.removeEntry(e);

  await patch('owner', { who_add: 'everyone', who_vote: 'everyone', max_per_person: 1, slow_mode_s: 30 });
  log.push([id.owner.user.id, 'update_room', null]);
  await until(() => c.listener.room.settings.max_per_person === 1, 3000, 'the rules to arrive');
  const one = await c.listener.addTrack(tracks[0].id);
  await refused(c.listener.addTrack(tracks[1].id), 'limit_reached', 'a second entry over max_per_person 1');
  await c.listener.vote(one, 1);
  assert.ok(await c.listener.chat('first line'));
  await refused(c.listener.chat('second line at once'), 'slow_mode', 'chat again within slow_mode_s');
  assert.ok(await c.mod.chat('mods are not slowed'));
  assert.ok(await c.mod.chat('at all'));
  await c.listener.removeEntry(one);
  await patch('owner', { max_per_person: 0, slow_mode_s: 0 });
  log.push([id.owner.user.id, 'update_room', null]);
});

test('outranking: a moderator cannot act on the owner or another moderator; nobody on themselves', async () => {
  for (const action of ['mute', 'kick', 'ban']) {
    await refused(acct.mod(c.mod, room.id, action, { user: id.owner.user.id }), 'not_allowed', `moderator ${action} owner`);
    await refused(acct.mod(c.mod, room.id, action, { user: id.mod2.user.id }), 'not_allowed', `moderator ${action} moderator`);
    await refused(acct.mod(c.mod, room.id, action, { user: id.mod.user.id }), 'not_allowed', `moderator ${action} themselves`);
    await refused(acct.mod(c.owner, room.id, action, { user: id.owner.user.id }), 'not_allowed', `owner ${action} themselves`);
  }
  await refused(acct.mod(c.owner, room.id, 'set_role', { user: id.owner.user.id, role: 'member' }), 'not_allowed', 'owner demoting themselves');
  await refused(acct.mod(c.member, room.id, 'mute', { user: id.listener.user.id }), 'not_allowed', 'member mute');
  await refused(acct.mod(c.mod, room.id, 'mute', { user: 987654 }), 'no_such_user');
  await sleep(100);
  assert.ok(await c.owner.chat('the owner is not muted'));
  assert.ok(await c.mod2.chat('nor the other moderator'));
  // the owner outranks a moderator
  await act('owner', 'mute', { user: id.mod.user.id, seconds: 1 });
  await refused(c.mod.chat('muted by the owner'), 'muted');
  await act('owner', 'unmute', { user: id.mod.user.id });
});

test('private rooms: not listed, 404 to outsiders, entered with the current invite only', async () => {
  const priv = await roomOf(srv, id.owner, 'Secret room');
  const out = await sdkAs(srv, id.other); // an outsider
  const r = await acct.updateRoom(srv.base, id.owner.token, priv.id, { visibility: 'private' });
  assert.equal(r.settings.visibility, 'private');
  assert.match(r.invite ?? '', /^\S{16,}$/, 'a private room gets an invite code');
  const list = (await srv.http('GET', '/api/rooms')).body.rooms;
  assert.ok(!list.some((x) => x.id === priv.id), 'not in GET /api/rooms');
  assert.equal((await srv.http('GET', `/api/rooms/${priv.id}`)).status, 404, 'anonymous gets 404');
  const asOther = await rest(srv, 'GET', `/api/rooms/${priv.id}`, id.other.token);
  assert.equal(asOther.status, 404, 'an outsider gets 404');
  assert.equal(asOther.body.error.code, 'no_such_room');
  assert.equal((await rest(srv, 'GET', `/api/rooms/${priv.id}`, id.owner.token)).status, 200, 'the owner sees it');
  const e = await refusal(out.join(priv.id));
  assert.ok(['no_such_room', 'not_allowed'].includes(e.code), `joining without an invite is refused (${e.code})`);
  await refused(out.join(priv.id, { invite: 'f'.repeat(32) }), e.code, 'a made-up invite');
  assert.equal((await out.join(priv.id, { invite: r.invite })).id, priv.id, 'the invite lets them in');
  await out.leave();

  // a new invite (as a moderator of that room would) retires the old one
  const n = await rest(srv, 'POST', `/api/rooms/${priv.id}/invites`, id.owner.token, {});
  assert.equal(n.status, 200, JSON.stringify(n.body));
  assert.notEqual(n.body.invite, r.invite);
  assert.ok(n.body.url.includes(n.body.invite), 'the url carries the code');
  await refused(out.join(priv.id, { invite: r.invite }), e.code, 'the old invite');
  assert.equal((await out.join(priv.id, { invite: n.body.invite })).id, priv.id, 'the new invite works');
  const e2 = await refused(acct.createInvite(srv.base, id.other.token, priv.id), 'no_such_room', 'an outsider asking for an invite');
  assert.equal(e2.status, 404);
  const e3 = await refused(acct.createInvite(srv.base, id.listener.token, room.id), 'not_allowed', 'a listener asking for an invite');
  assert.equal(e3.status, 403);
});

// regression: a POST with Content-Length: 0 was routed twice (two invites, a stale one returned)
test('createInvite() (a POST without a body) makes one invite and returns the code that works', async () => {
  const priv = await roomOf(srv, id.owner, 'Secret room 2');
  await acct.updateRoom(srv.base, id.owner.token, priv.id, { visibility: 'private' });
  const { invite } = await acct.createInvite(srv.base, id.owner.token, priv.id);
  const out = await sdkAs(srv, id.other);
  assert.equal((await out.join(priv.id, { invite })).id, priv.id, 'the invite createInvite() returned lets them in');
  const audit = await acct.roomAudit(srv.base, id.owner.token, priv.id);
  assert.equal(audit.filter((a) => a.action === 'new_invite').length, 1, 'one request, one invite');
});

test('invites: moderators read the current code and revoke it; a revoked code lets nobody in', async () => {
  const priv = await roomOf(srv, id.owner, 'Secret room 3');
  const { invite } = await acct.updateRoom(srv.base, id.owner.token, priv.id, { visibility: 'private' });
  assert.deepEqual(await acct.roomInvite(srv.base, id.owner.token, priv.id), { invite, url: `/#/room/${priv.id}?invite=${invite}` });
  const out = await sdkAs(srv, id.other);
  assert.deepEqual(await acct.revokeInvite(srv.base, id.owner.token, priv.id), { invite: null, url: null });
  assert.deepEqual(await acct.roomInvite(srv.base, id.owner.token, priv.id), { invite: null, url: null }, 'none after revoking');
  const e = await refusal(out.join(priv.id, { invite }));
  assert.ok(['no_such_room', 'not_allowed'].includes(e.code), `the revoked code is refused (${e.code})`);
  const audit = await acct.roomAudit(srv.base, id.owner.token, priv.id);
  assert.equal(audit[0].action, 'revoke_invite', 'revoking is audited');
  await refused(acct.roomInvite(srv.base, id.listener.token, room.id), 'not_allowed', 'a listener reading the invite');
  await refused(acct.revokeInvite(srv.base, null, room.id), 'unauthenticated', 'anonymous revoking');
  await refused(acct.roomInvite(srv.base, id.other.token, priv.id), 'no_such_room', 'an outsider reading a private room\'s invite');
});

test('bans: moderators list who is banned and until when; unbanning takes them off the list', async () => {
  const banRoom = await roomOf(srv, id.owner, 'Ban list room');
  const own = await sdkAs(srv, id.owner);
  await own.join(banRoom.id);
  const who = await sdkAs(srv, id.other);
  await who.join(banRoom.id);
  const mem = await sdkAs(srv, id.member);
  await mem.join(banRoom.id);
  assert.deepEqual(await acct.roomBans(srv.base, id.owner.token, banRoom.id), [], 'nobody yet');
  await acct.mod(own, banRoom.id, 'ban', { user: id.other.user.id });
  const before = Date.now();
  await acct.mod(own, banRoom.id, 'ban', { user: id.member.user.id, seconds: 600 });
  const bans = await acct.roomBans(srv.base, id.owner.token, banRoom.id);
  const other = bans.find((b) => b.user.id === id.other.user.id);
  const member = bans.find((b) => b.user.id === id.member.user.id);
  assert.equal(bans.length, 2);
  assert.equal(other.until, null, 'a ban without an end');
  assert.equal(other.user.name, 'Other');
  assert.ok(member.until >= before + 599e3 && member.until <= Date.now() + 601e3, 'a timed ban ends in 600 s');
  await acct.mod(own, banRoom.id, 'unban', { user: id.other.user.id });
  assert.deepEqual((await acct.roomBans(srv.base, id.owner.token, banRoom.id)).map((b) => b.user.id), [id.member.user.id]);
  await refused(acct.roomBans(srv.base, id.listener.token, banRoom.id), 'not_allowed', 'a listener reading the bans');
  const post = await rest(srv, 'POST', `/api/rooms/${banRoom.id}/bans`, id.owner.token, {});
  assert.equal(post.status, 405);
});

test('the audit log: the owner reads every action in order; moderators and others get 403', async () => {
  const entries = await acct.roomAudit(srv.base, id.owner.token, room.id);
  const got = entries.slice().reverse().map((e) => [e.actor.id, e.action, e.target ? e.target.id : null]);
  const want = log.map(([actor, action, target]) => [actor, action, ['skip', 'delete_chat', 'lock', 'unlock', 'update_room'].includes(action) ? null : target]);
  assert.deepEqual(got, want, 'every action, oldest last in the answer, with actor and target');
  for (let i = 1; i < entries.length; i++) assert.ok(entries[i - 1].ts >= entries[i].ts, 'newest first');
  for (const e of entries) assert.equal(typeof e.detail, 'string');
  assert.equal(entries.find((e) => e.action === 'set_role' && e.target.id === id.mod.user.id)?.detail, 'moderator');
  const e = await refused(acct.roomAudit(srv.base, id.mod.token, room.id), 'not_allowed', 'a moderator reading the audit log');
  assert.equal(e.status, 403);
  assert.equal((await refused(acct.roomAudit(srv.base, id.listener.token, room.id), 'not_allowed')).status, 403);
  assert.equal((await refused(acct.roomAudit(srv.base, null, room.id), 'unauthenticated')).status, 401);
  // another room's owner has no say here
  const theirs = await roomOf(srv, id.other, 'Other owner');
  assert.equal(theirs.id > 0, true);
  assert.equal((await refused(acct.roomAudit(srv.base, id.other.token, room.id), 'not_allowed')).status, 403);
});

// Every connection still open at the end is one of ours: nothing leaked between tests.
test('every moderated person is still connected (nobody was dropped by a refusal)', async () => {
  for (const n of other('none')) assert.equal(c[n].status, 'open', `${n} is connected`);
});
