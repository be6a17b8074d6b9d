// ids.test.js - regression: `soundroom user add` run beside a running server gave the new
// account the user id the server was about to give a guest (both took "highest id + 1"), so
// the guest's name overwrote the admin's and the admin signed in as someone else. Ids now come
// from blocks reserved in the store, and the CLI notes each change for the running server to
// reload, so the account works at once, without a restart.
// SPDX-License-Identifier: GPL-3.0-or-later
import { after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { test, Server, BIN, ROOT, sleep, until } from './harness.js';
import { FAST_PW, rawHello, rest, acct } from './authz-helpers.js';

const run = promisify(execFile);
const ADMIN = { username: 'cliadmin', password: 'cli admin password' };

let srv;
const sockets = [];
after(async () => {
  for (const ws of sockets) ws.terminate?.() ?? ws.close?.();
  await srv?.dispose();
});

/** Signs in as ADMIN; resolves with the sign-in answer, or null while the server refuses. */
async function signIn() {
  try {
    return await acct.login(srv.base, ADMIN);
  } catch {
    return null;
  }
}

test('a user added and promoted with the CLI while guests arrive keeps an id of its own, at once and after a restart', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'soundroom-ids-'));
  srv = await Server.start({ dataDir, args: FAST_PW });

  // guests keep arriving while the CLI runs
  const guests = []; // {id, name}
  let stop = false;
  const arrivals = (async () => {
    for (let i = 0; !stop; i++) {
      const name = `Guest ${i}`;
      const [ws, w] = await rawHello(srv, { name });
      sockets.push(ws);
      assert.equal(w.type, 'welcome', JSON.stringify(w));
      assert.equal(w.user.name, name);
      guests.push({ id: w.user.id, name });
      await sleep(3);
    }
  })();
  await sleep(150);

  const opts = { cwd: ROOT, env: { ...process.env, SOUNDROOM_PASSWORD: ADMIN.password } };
  const added = await run(BIN, ['user', 'add', ADMIN.username, '--data', dataDir, ...FAST_PW], opts);
  const m = /added \S+ \(id (\d+)\)/.exec(added.stdout);
  assert.ok(m, `user add said: ${added.stdout}`);
  const adminId = Number(m[1]);
  await run(BIN, ['user', 'promote', ADMIN.username, '--data', dataDir], opts);
  await sleep(300); // a few more guests after the CLI is done
  stop = true;
  await arrivals;

  // every hello got an id of its own, and none is the account's
  assert.ok(guests.length >= 20, `only ${guests.length} guests arrived`);
  const ids = guests.map((g) => g.id);
  assert.equal(new Set(ids).size, ids.length, `guests share ids: ${ids.join(',')}`);
  assert.ok(!ids.includes(adminId), `a guest was given the account's id ${adminId}`);

  // the running server knows the account and its standing without a restart
  const signed = await until(signIn, 5000, 'the CLI account to sign in on the running server');
  assert.equal(signed.user.id, adminId);
  let me = await rest(srv, 'GET', '/api/me', signed.token);
  assert.equal(me.status, 200);
  assert.equal(me.body.user.username, ADMIN.username);
  assert.equal(me.body.user.name, ADMIN.username, 'no guest name overwrote the account');
  assert.equal(me.body.user.admin, true, 'the promotion is seen without a restart');

  // and what was stored agrees: after a restart the account is still itself
  await srv.restart();
  const again = await until(signIn, 5000, 'the CLI account to sign in after a restart');
  assert.equal(again.user.id, adminId);
  me = await rest(srv, 'GET', '/api/me', again.token);
  assert.equal(me.body.user.username, ADMIN.username);
  assert.equal(me.body.user.name, ADMIN.username);
  assert.equal(me.body.user.admin, true);
}, { timeout: 60000 });
