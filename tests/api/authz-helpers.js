// authz-helpers.js - shared set-up for the accounts, moderation and authorization suites.
// SPDX-License-Identifier: GPL-3.0-or-later
//
// Not a test file (node --test only runs *.test.js). Starts the real server through harness.js
// with a cheap argon2id cost, makes a server admin offline with the CLI before start-up, and
// gives identities: accounts (bearer token) and guests, each as an SDK client when needed.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { Server, BIN, ROOT, raw, until } from './harness.js';
import { connect } from '../../sdk/soundroom.js';
import * as acct from '../../sdk/account.js';

/** argon2id cost for new hashes: cheap, so that sign-ups and logins take milliseconds. */
export const FAST_PW = ['--pw-mem-kib', '1024', '--pw-ops', '1'];
export const PASSWORD = 'correct horse battery';
export const ADMIN = { username: 'root', password: 'admin password 1' };

/**
 * Starts a server with FAST_PW plus `args`. With `admin: true` the account ADMIN is made and
 * promoted with `soundroom user add|promote` on the fresh data dir first; `srv.admin` is then
 * `{user, token, username, password}` (signed in over REST).
 */
export async function startServer({ args = [], admin = false } = {}) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'soundroom-authz-'));
  if (admin) {
    const env = { ...process.env, SOUNDROOM_PASSWORD: ADMIN.password };
    const opts = { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] };
    execFileSync(BIN, ['user', 'add', ADMIN.username, '--data', dataDir, ...FAST_PW], opts);
    execFileSync(BIN, ['user', 'promote', ADMIN.username, '--data', dataDir], opts);
  }
  const srv = await Server.start({ dataDir, args: [...FAST_PW, ...args] });
  if (admin) {
    const r = await acct.login(srv.base, ADMIN);
    assert.equal(r.user.admin, true, 'the promoted user is an admin');
    srv.admin = { ...r, ...ADMIN };
  }
  return srv;
}

let seq = 0;
/** Signs up a fresh account; resolves with {user, token, username, password}. */
export async function signupAs(srv, name) {
  const username = `u${process.pid % 1000}_${++seq}_${Math.random().toString(36).slice(2, 7)}`;
  const r = await acct.signup(srv.base, { username, password: PASSWORD, ...(name ? { name } : {}) });
  return { ...r, username, password: PASSWORD };
}

const sockets = new Set();

/**
 * An SDK client on srv: an account when `who` has a `token` (hello with `session`), else a
 * guest named `name`. Never reconnects (a test wants to see drops).
 */
export async function sdkAs(srv, who, name = 'Guest') {
  const opts = { WebSocket, reconnect: false, timeout: 5000 };
  if (who?.token) opts.session = who.token;
  else opts.name = name;
  const c = await connect(srv.url, opts);
  sockets.add(c);
  return c;
}

/** Closes every client made by sdkAs(). */
export async function closeClients() {
  const all = [...sockets];
  sockets.clear();
  await Promise.all(all.map((c) => c.close().catch(() => {})));
}

/** A raw socket (harness raw()) that said hello with `session` (or as a guest); resolves with [ws, welcome-or-error]. */
export async function rawHello(srv, hello) {
  const ws = await raw(srv);
  const reply = await ws.call({ type: 'hello', v: 1, ...hello });
  return [ws, reply];
}

/** REST with a bearer token (or none): {status, headers, body}. */
export function rest(srv, method, p, token, body) {
  const headers = token ? { authorization: `Bearer ${token}` } : {};
  return srv.http(method, p, { body, headers });
}

/** Creates a room owned by `who` over REST and waits until it plays. */
export async function roomOf(srv, who, name = `room ${Math.random().toString(36).slice(2, 8)}`) {
  const res = await rest(srv, 'POST', '/api/rooms', who.token, { name, description: 'test', tags: ['t'] });
  assert.equal(res.status, 201, `POST /api/rooms: ${JSON.stringify(res.body)}`);
  const { id } = res.body.room;
  await until(async () => (await srv.http('GET', `/api/rooms/${id}`)).body.room?.now_playing, 3000, `room ${id} to play`);
  return res.body.room;
}

/** Resolves with the SoundroomError `p` rejects with; fails if it resolves. */
export async function refusal(p) {
  try {
    const v = await p;
    assert.fail(`expected a refusal, got ${JSON.stringify(v)}`);
  } catch (e) {
    if (e instanceof assert.AssertionError) throw e;
    return e;
  }
}

/** Asserts `p` rejects with the server error `code`. */
export async function refused(p, code, what = '') {
  const e = await refusal(p);
  assert.equal(e.code, code, `${what} refused with ${code} (got ${e.code}: ${e.message})`);
  return e;
}

export { acct };
