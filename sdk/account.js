// account.js - accounts, people and room administration over REST, plus the WebSocket `mod` message.
// SPDX-License-Identifier: GPL-3.0-or-later
//
// Small functions over fetch, one per endpoint of docs/protocol.md ("Accounts and people",
// "Rooms: owners and moderators"). Each takes the server's base URL (http(s)://host:port, or the
// ws(s)://host:port/ws URL the client connects to) and, where the endpoint needs one, an account
// session token sent as `Authorization: Bearer`. Each resolves with the parsed JSON body and
// rejects with a SoundroomError carrying `code` and `status` from the `{"error":{code,message}}`
// body (`code` is `http_<status>` when the body has none). The surface is docs/sdk.md.

import { SoundroomError } from './soundroom.js';

// The http(s) origin+prefix of the REST API: ws://h:p/ws -> http://h:p, http://h:p/ -> http://h:p.
function base(url) {
  const loc = globalThis.location;
  const u = new URL(url, loc ? loc.href : undefined);
  if (u.protocol === 'ws:') u.protocol = 'http:';
  else if (u.protocol === 'wss:') u.protocol = 'https:';
  return u.origin + u.pathname.replace(/\/ws\/?$/, '').replace(/\/$/, '');
}

/**
 * One REST call. `token` (a session token, or null) goes out as a bearer token; `opts.fetch`
 * replaces globalThis.fetch. Resolves with the body; rejects with a SoundroomError.
 */
async function call(url, method, path, token, body, opts = {}) {
  const init = { method, headers: {} };
  if (token) init.headers.authorization = `Bearer ${token}`;
  if (opts.raw !== undefined) {
    init.headers['content-type'] = 'application/octet-stream'; // the server reads the bytes, not this
    init.body = opts.raw;
  } else if (body !== undefined) {
    init.headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const res = await (opts.fetch ?? globalThis.fetch)(base(url) + path, init);
  const text = await res.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON */
  }
  if (!res.ok) {
    const e = json && typeof json === 'object' ? json.error : null;
    throw new SoundroomError(e?.code ?? `http_${res.status}`, e?.message ?? (res.statusText || `HTTP ${res.status}`), {
      status: res.status,
      body: json,
      ...(e && e.retry_after !== undefined ? { retryAfter: e.retry_after } : {}),
    });
  }
  return json;
}

const id = (v) => encodeURIComponent(String(v));

/** POST /api/auth/signup: `{username, password, name?}` → `{user, token}`. */
export function signup(url, { username, password, name }, opts) {
  const body = { username, password };
  if (name !== undefined) body.name = name;
  return call(url, 'POST', '/api/auth/signup', null, body, opts);
}

/** POST /api/auth/login: `{username, password}` → `{user, token}` (a new token every time). */
export function login(url, { username, password }, opts) {
  return call(url, 'POST', '/api/auth/login', null, { username, password }, opts);
}

/** POST /api/auth/logout: revokes `token` (its WebSockets close with 4003). */
export function logout(url, token, opts) {
  return call(url, 'POST', '/api/auth/logout', token, undefined, opts);
}

/** POST /api/auth/password: `{old_password, new_password}`; revokes every other session. */
export function password(url, token, { old_password, new_password }, opts) {
  return call(url, 'POST', '/api/auth/password', token, { old_password, new_password }, opts);
}

/** GET /api/me → the signed-in user `{id, name, username, bio, admin, hide_activity, avatar}`. */
export async function me(url, token, opts) {
  return (await call(url, 'GET', '/api/me', token, undefined, opts)).user;
}

/** PATCH /api/me: `{name?, bio?, hide_activity?}` → the updated user. */
export async function updateMe(url, token, fields, opts) {
  return (await call(url, 'PATCH', '/api/me', token, fields, opts)).user;
}

/** DELETE /api/me: `{password}` → `{deleted: true}`; the account and its data are gone. */
export function deleteMe(url, token, { password: pw }, opts) {
  return call(url, 'DELETE', '/api/me', token, { password: pw }, opts);
}

/** GET /api/me/friends → `[{user, listening_in}]` (friends are mutual follows). */
export async function friends(url, token, opts) {
  return (await call(url, 'GET', '/api/me/friends', token, undefined, opts)).friends;
}

/** GET /api/users/:id → the profile (`token` may be null: then no `you_follow`/`friend`). */
export async function profile(url, token, userId, opts) {
  return (await call(url, 'GET', `/api/users/${id(userId)}`, token, undefined, opts)).user;
}

/** POST /api/users/:id/follow → the followed person's profile. */
export async function follow(url, token, userId, opts) {
  return (await call(url, 'POST', `/api/users/${id(userId)}/follow`, token, undefined, opts)).user;
}

/** DELETE /api/users/:id/follow → the profile. */
export async function unfollow(url, token, userId, opts) {
  return (await call(url, 'DELETE', `/api/users/${id(userId)}/follow`, token, undefined, opts)).user;
}

/**
 * PUT /api/me/avatar: the picture's bytes (a PNG, JPEG or WebP of at most 2 MiB and 4096 × 4096
 * pixels, as a Blob, ArrayBuffer or Uint8Array) → `{avatar}`, the URL of the square thumbnail the
 * server made of it. Rejects with `bad_image` (not such an image) or `too_large` (over 2 MiB).
 */
export function setAvatar(url, token, bytes, opts = {}) {
  return call(url, 'PUT', '/api/me/avatar', token, undefined, { ...opts, raw: bytes });
}

/** DELETE /api/me/avatar → `{avatar: null}`. */
export function deleteAvatar(url, token, opts) {
  return call(url, 'DELETE', '/api/me/avatar', token, undefined, opts);
}

/**
 * GET /api/users/:id/likes?offset=&limit= → `{tracks: [{track, liked_at}], total, offset}`, newest
 * first. A person who hides their activity shows their likes to themselves only (`not_allowed`).
 */
export function userLikes(url, token, userId, { offset = 0, limit = 50 } = {}, opts) {
  return call(url, 'GET', `/api/users/${id(userId)}/likes?offset=${offset}&limit=${limit}`, token, undefined, opts);
}

/** GET /api/admin/users (server admins) → `[{id, username, name, admin, disabled}]`. */
export async function adminUsers(url, token, opts) {
  return (await call(url, 'GET', '/api/admin/users', token, undefined, opts)).users;
}

/**
 * PATCH /api/admin/users/:id (server admins): `{disabled?, admin?}` → the user `{id, username, admin, disabled}`.
 * Disabling ends the account's sessions; an admin cannot change their own standing (`bad_field`).
 */
export async function adminUpdateUser(url, token, userId, fields, opts) {
  return (await call(url, 'PATCH', `/api/admin/users/${id(userId)}`, token, fields, opts)).user;
}

/** GET /api/admin/rooms (server admins): every open room, private ones too, with visibility, owner and listeners. */
export async function adminRooms(url, token, opts) {
  return (await call(url, 'GET', '/api/admin/rooms', token, undefined, opts)).rooms;
}

/** DELETE /api/rooms/:id (owner or admin): closes the room for good; its listeners are sent back to the lobby. */
export function closeRoom(url, token, roomId, opts) {
  return call(url, 'DELETE', `/api/rooms/${id(roomId)}`, token, undefined, opts);
}

/**
 * PATCH /api/rooms/:id (owner or admin): `{name?, description?, tags?, visibility?, rules?}` →
 * `{room, settings, invite?}`.
 */
export function updateRoom(url, token, roomId, fields, opts) {
  return call(url, 'PATCH', `/api/rooms/${id(roomId)}`, token, fields, opts);
}

/** GET /api/rooms/:id/audit (owner or admin) → entries `{id, actor, action, target, detail, ts}`, newest first. */
export async function roomAudit(url, token, roomId, opts) {
  return (await call(url, 'GET', `/api/rooms/${id(roomId)}/audit`, token, undefined, opts)).entries;
}

/** POST /api/rooms/:id/invites (moderator or better) → `{invite, url}`; the old code stops working. */
export function createInvite(url, token, roomId, opts) {
  return call(url, 'POST', `/api/rooms/${id(roomId)}/invites`, token, undefined, opts);
}

/** GET /api/rooms/:id/invites (moderator or better) → `{invite, url}`, both null when there is none. */
export function roomInvite(url, token, roomId, opts) {
  return call(url, 'GET', `/api/rooms/${id(roomId)}/invites`, token, undefined, opts);
}

/** DELETE /api/rooms/:id/invites (moderator or better): the code stops working → `{invite: null, url: null}`. */
export function revokeInvite(url, token, roomId, opts) {
  return call(url, 'DELETE', `/api/rooms/${id(roomId)}/invites`, token, undefined, opts);
}

/** GET /api/rooms/:id/bans (moderator or better) → `[{user, until}]` (`until` null: no end); lift one with `mod(…, 'unban')`. */
export async function roomBans(url, token, roomId, opts) {
  return (await call(url, 'GET', `/api/rooms/${id(roomId)}/bans`, token, undefined, opts)).bans;
}

/**
 * Sends a WebSocket `mod` message for `room` through an SDK client's request():
 * `mod(client, 3, 'ban', {user: 7, seconds: 60})`. Resolves with the ack; rejects with the
 * server's error code (`not_allowed`, `no_such_user`, …). Unlike `client.mod()` it names the
 * room explicitly, so it also works for a room the client has not joined (the server then
 * answers `not_in_room`).
 */
export function mod(client, room, action, fields = {}) {
  return client.request({ type: 'mod', room, action, ...fields });
}
