// admin.test.js - server admins manage accounts over REST: list them, disable (which ends the
// account's sessions and closes its sockets with 4003), enable, promote and demote; nobody else
// may, and an admin cannot change their own standing.
// SPDX-License-Identifier: GPL-3.0-or-later
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { test, until } from './harness.js';
import { startServer, signupAs, sdkAs, closeClients, rest, acct, PASSWORD } from './authz-helpers.js';

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
