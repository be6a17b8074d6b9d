// admin.test.js - server admins manage accounts over REST: list them, disable (which ends the
// account's sessions and closes its sockets with 4003), enable, promote and demote; nobody else
// may, and an admin cannot change their own standing. Admins also list every room and close any
// (owners close their own).
// SPDX-License-Identifier: GPL-3.0-or-later
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { test, until } from './harness.js';
import { startServer, signupAs, sdkAs, closeClients, rest, acct, PASSWORD } from './authz-helpers.js';
import * as L from '../../sdk/lobby.js';

let srv;
before(async () => {
  srv = await startServer({ admin: true });
});
after(async () => {
  await closeClients();
  await srv?.dispose();
});

test('only admins may list accounts', async () => {
  const someone = await signupAs(srv, 'Someone');
  assert.equal((await rest(srv, 'GET', '/api/admin/users')).status, 401);
  const mine = await rest(srv, 'GET', '/api/admin/users', someone.token);
  assert.equal(mine.status, 403);
  assert.equal(mine.body.error.code, 'not_allowed');
  const list = await rest(srv, 'GET', '/api/admin/users', srv.admin.token);
  assert.equal(list.status, 200);
  const names = list.body.users.map((u) => u.username);
  assert.ok(names.includes(someone.username), 'the new account is listed');
  assert.ok(names.includes('root'), 'the admin is listed');
  assert.equal(list.body.users.find((u) => u.username === 'root').admin, true);
});

test('disabling an account ends its sessions and closes its sockets with 4003; enabling lets it sign in again', async () => {
  const who = await signupAs(srv, 'Mallory');
  const c = await sdkAs(srv, who);
  const closed = new Promise((res) => c.on('connection', (e) => e.status === 'closed' && res(e)));
  const off = await rest(srv, 'PATCH', `/api/admin/users/${who.user.id}`, srv.admin.token, { disabled: true });
  assert.equal(off.status, 200);
  assert.equal(off.body.user.disabled, true);
  assert.equal((await closed).code, 4003);
  assert.equal((await rest(srv, 'GET', '/api/me', who.token)).status, 401, 'the old token is dead');
  await assert.rejects(acct.login(srv.base, { username: who.username, password: PASSWORD }), (e) => e.code === 'bad_credentials');
  const on = await rest(srv, 'PATCH', `/api/admin/users/${who.user.id}`, srv.admin.token, { disabled: false });
  assert.equal(on.body.user.disabled, false);
  const again = await acct.login(srv.base, { username: who.username, password: PASSWORD });
  assert.equal(again.user.id, who.user.id);
});

test('promote and demote; bad requests; admins cannot change themselves', async () => {
  const who = await signupAs(srv, 'Trusty');
  const up = await rest(srv, 'PATCH', `/api/admin/users/${who.user.id}`, srv.admin.token, { admin: true });
  assert.equal(up.body.user.admin, true);
  assert.equal((await rest(srv, 'GET', '/api/me', who.token)).body.user.admin, true);
  assert.equal((await rest(srv, 'GET', '/api/admin/users', who.token)).status, 200, 'the new admin may list');
  const down = await rest(srv, 'PATCH', `/api/admin/users/${who.user.id}`, srv.admin.token, { admin: false });
  assert.equal(down.body.user.admin, false);
  await until(async () => (await rest(srv, 'GET', '/api/admin/users', who.token)).status === 403, 2000, 'demoted');
  const self = await rest(srv, 'PATCH', `/api/admin/users/${srv.admin.user.id}`, srv.admin.token, { admin: false });
  assert.equal(self.status, 400);
  assert.equal((await rest(srv, 'PATCH', `/api/admin/users/${who.user.id}`, srv.admin.token, {})).body.error.code, 'missing_field');
  assert.equal((await rest(srv, 'PATCH', `/api/admin/users/${who.user.id}`, srv.admin.token, { admin: 'yes' })).body.error.code, 'bad_field');
  assert.equal((await rest(srv, 'PATCH', '/api/admin/users/999999', srv.admin.token, { admin: true })).status, 404);
  assert.equal((await rest(srv, 'DELETE', `/api/admin/users/${who.user.id}`, srv.admin.token)).status, 405);
});

test('rooms across the server: admins list every room, private ones too; nobody else may', async () => {
  const owner = await signupAs(srv, 'Owner of a private room');
  const created = await rest(srv, 'POST', '/api/rooms', owner.token, { name: 'Hidden away', description: '', tags: [] });
  assert.equal(created.status, 201);
  const rid = created.body.room.id;
  assert.equal((await rest(srv, 'PATCH', `/api/rooms/${rid}`, owner.token, { visibility: 'private' })).status, 200);
  assert.equal((await rest(srv, 'GET', '/api/admin/rooms')).status, 401);
  assert.equal((await rest(srv, 'GET', '/api/admin/rooms', owner.token)).status, 403);
  assert.equal((await rest(srv, 'POST', '/api/admin/rooms', srv.admin.token, {})).status, 405);
  const list = await rest(srv, 'GET', '/api/admin/rooms', srv.admin.token);
  assert.equal(list.status, 200);
  const mine = list.body.rooms.find((r) => r.id === rid);
  assert.ok(mine, 'the private room is listed for the admin');
  assert.equal(mine.name, 'Hidden away');
  assert.equal(mine.visibility, 'private');
  assert.equal(mine.owner.id, owner.user.id);
  assert.equal(mine.listeners, 0);
  assert.ok(!(await rest(srv, 'GET', '/api/rooms')).body.rooms.some((r) => r.id === rid), 'but not in the public list');
});

test('closing a room: its listeners go back to the lobby, it leaves every list, and it stays closed after a restart', async () => {
  const owner = await signupAs(srv, 'Closer');
  const stranger = await signupAs(srv, 'Stranger');
  const mk = async (name) => (await rest(srv, 'POST', '/api/rooms', owner.token, { name, description: '', tags: [] })).body.room.id;
  const a = await mk('Closing time');
  const b = await mk('Closed by the admin');
  const listener = await sdkAs(srv, stranger);
  await listener.join(a);
  const watcher = await sdkAs(srv, null, 'Lobby watcher');
  const gone = new Promise((resolve) => watcher.on('message', (m) => m.type === 'lobby_update' && (m.removed ?? []).includes(a) && resolve()));
  await L.subscribeLobby(watcher).ready;
  const kicked = new Promise((resolve) => listener.on('message', (m) => m.type === 'kicked' && resolve(m)));
  // only the owner or an admin
  assert.equal((await rest(srv, 'DELETE', `/api/rooms/${a}`)).status, 401);
  const no = await rest(srv, 'DELETE', `/api/rooms/${a}`, stranger.token);
  assert.equal(no.status, 403);
  assert.equal(no.body.error.code, 'not_allowed');
  const yes = await rest(srv, 'DELETE', `/api/rooms/${a}`, owner.token);
  assert.equal(yes.status, 200);
  assert.deepEqual(yes.body, { room: a, closed: true });
  const k = await kicked;
  assert.equal(k.room, a);
  assert.equal(k.reason, 'the room was closed');
  await gone;
  assert.equal((await rest(srv, 'GET', `/api/rooms/${a}`)).status, 404);
  assert.equal((await rest(srv, 'DELETE', `/api/rooms/${a}`, owner.token)).status, 404, 'closing twice');
  assert.ok(!(await rest(srv, 'GET', '/api/rooms')).body.rooms.some((r) => r.id === a));
  await assert.rejects(listener.join(a), (e) => e.code === 'no_such_room');
  // an admin closes someone else's room
  assert.equal((await rest(srv, 'DELETE', `/api/rooms/${b}`, srv.admin.token)).status, 200);
  assert.ok(!(await rest(srv, 'GET', '/api/admin/rooms', srv.admin.token)).body.rooms.some((r) => r.id === a || r.id === b));
  await closeClients();
  await srv.restart();
  for (const id of [a, b]) assert.equal((await rest(srv, 'GET', `/api/rooms/${id}`)).status, 404, `room ${id} after a restart`);
  const next = await rest(srv, 'POST', '/api/rooms', owner.token, { name: 'After', description: '', tags: [] });
  assert.equal(next.status, 201);
  assert.ok(next.body.room.id > b, 'a closed room keeps its id');
});
