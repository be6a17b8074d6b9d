// account.js - accounts, people and room administration over REST, plus the WebSocket `mod` message.
// SPDX-License-Identifier: GPL-3.0-or-later
//
// Small functions over core.js's api() (the SDK's one REST helper), one per endpoint of docs/protocol.md ("Accounts and people",
// "Rooms: owners and moderators"). Each takes the server's base URL (http(s)://host:port, or the
// ws(s)://host:port/ws URL the client connects to) and, where the endpoint needs one, an account
// session token sent as `Authorization: Bearer`. Each resolves with the parsed JSON body and
// rejects with a SoundroomError carrying `code` and `status` from the `{"error":{code,message}}`
// body (`code` is `http_<status>` when the body has none; a 429 adds `retryAfter`). A last
// optional argument `{fetch}` replaces globalThis.fetch. The surface is docs/sdk.md.

import { api } from './core.js';

const id = (v) => encodeURIComponent(String(v));

/** POST /api/auth/signup: `{username, password, name?}` → `{user, token}`. */
export function signup(url, { username, password, name }, opts) {
  const body = { username, password };
  if (name !== undefined) body.name = name;
  return api(url, 'POST', '/api/auth/signup', body, opts);
}

/** POST /api/auth/login: `{username, password}` → `{user, token}` (a new token every time). */
export function login(url, { username, password }, opts) {
  return api(url, 'POST', '/api/auth/login', { username, password }, opts);
}

/** POST /api/auth/logout: revokes `token` (its WebSockets close with 4003). */
export function logout(url, token, opts) {
  return api(url, 'POST', '/api/auth/logout', undefined, { ...opts, session: token });
}

/** POST /api/auth/password: `{old_password, new_password}`; revokes every other session. */
export function password(url, token, { old_password, new_password }, opts) {
  return api(url, 'POST', '/api/auth/password', { old_password, new_password }, { ...opts, session: token });
}

/** GET /api/me → the signed-in user `{id, name, username, bio, admin, hide_activity, avatar}`. */
export async function me(url, token, opts) {
  return (await api(url, 'GET', '/api/me', undefined, { ...opts, session: token })).user;
}

/** PATCH /api/me: `{name?, bio?, hide_activity?}` → the updated user. */
export async function updateMe(url, token, fields, opts) {
  return (await api(url, 'PATCH', '/api/me', fields, { ...opts, session: token })).user;
}

/** DELETE /api/me: `{password}` → `{deleted: true}`; the account and its data are gone. */
export function deleteMe(url, token, { password: pw }, opts) {
  return api(url, 'DELETE', '/api/me', { password: pw }, { ...opts, session: token });
}

/** GET /api/me/friends → `[{user, listening_in}]` (friends are mutual follows). */
export async function friends(url, token, opts) {
  return (await api(url, 'GET', '/api/me/friends', undefined, { ...opts, session: token })).friends;
}

/** GET /api/users/:id → the profile (`token` may be null: then no `you_follow`/`friend`). */
export async function profile(url, token, userId, opts) {
  return (await api(url, 'GET', `/api/users/${id(userId)}`, undefined, { ...opts, session: token })).user;
}

/** POST /api/users/:id/follow → the followed person's profile. */
export async function follow(url, token, userId, opts) {
  return (await api(url, 'POST', `/api/users/${id(userId)}/follow`, undefined, { ...opts, session: token })).user;
}

/** DELETE /api/users/:id/follow → the profile. */
export async function unfollow(url, token, userId, opts) {
  return (await api(url, 'DELETE', `/api/users/${id(userId)}/follow`, undefined, { ...opts, session: token })).user;
}

/**
 * PUT /api/me/avatar: the picture's bytes (a PNG, JPEG or WebP of at most 2 MiB and 4096 × 4096
 * pixels, as a Blob, ArrayBuffer or Uint8Array) → `{avatar}`, the URL of the square thumbnail the
 * server made of it. Rejects with `bad_image` (not such an image) or `too_large` (over 2 MiB).
 */
export function setAvatar(url, token, bytes, opts = {}) {
  return api(url, 'PUT', '/api/me/avatar', undefined, { ...opts, session: token, raw: bytes });
}

/** DELETE /api/me/avatar → `{avatar: null}`. */
export function deleteAvatar(url, token, opts) {
  return api(url, 'DELETE', '/api/me/avatar', undefined, { ...opts, session: token });
}

/**
 * GET /api/users/:id/likes?offset=&limit= → `{tracks: [{track, liked_at}], total, offset}`, newest
 * first. A person who hides their activity shows their likes to themselves only (`not_allowed`).
 */
export function userLikes(url, token, userId, { offset = 0, limit = 50 } = {}, opts) {
  return api(url, 'GET', `/api/users/${id(userId)}/likes?offset=${offset}&limit=${limit}`, undefined, { ...opts, session: token });
}

/** GET /api/admin/users (server admins) → `[{id, username, name, admin, disabled}]`. */
export async function adminUsers(url, token, opts) {
  return (await api(url, 'GET', '/api/admin/users', undefined, { ...opts, session: token })).users;
}

/**
 * PATCH /api/admin/users/:id (server admins): `{disabled?, admin?}` → the user `{id, username, admin, disabled}`.
 * Disabling ends the account's sessions; an admin cannot change their own standing (`bad_field`).
 */
export async function adminUpdateUser(url, token, userId, fields, opts) {
  return (await api(url, 'PATCH', `/api/admin/users/${id(userId)}`, fields, { ...opts, session: token })).user;
}

/** GET /api/admin/rooms (server admins): every open room, private ones too, with visibility, owner and listeners. */
export async function adminRooms(url, token, opts) {
  return (await api(url, 'GET', '/api/admin/rooms', undefined, { ...opts, session: token })).rooms;
}

/** DELETE /api/rooms/:id (owner or admin): closes the room for good; its listeners are sent back to the lobby. */
export function closeRoom(url, token, roomId, opts) {
  return api(url, 'DELETE', `/api/rooms/${id(roomId)}`, undefined, { ...opts, session: token });
}

/**
 * PATCH /api/rooms/:id (owner or admin): `{name?, description?, tags?, visibility?, rules?}` →
 * `{room, settings, invite?}`.
 */
export function updateRoom(url, token, roomId, fields, opts) {
  return api(url, 'PATCH', `/api/rooms/${id(roomId)}`, fields, { ...opts, session: token });
}

/** GET /api/rooms/:id/audit (owner or admin) → entries `{id, actor, action, target, detail, ts}`, newest first. */
export async function roomAudit(url, token, roomId, opts) {
  return (await api(url, 'GET', `/api/rooms/${id(roomId)}/audit`, undefined, { ...opts, session: token })).entries;
}

/** POST /api/rooms/:id/invites (moderator or better) → `{invite, url}`; the old code stops working. */
export function createInvite(url, token, roomId, opts) {
  return api(url, 'POST', `/api/rooms/${id(roomId)}/invites`, undefined, { ...opts, session: token });
}

/** GET /api/rooms/:id/invites (moderator or better) → `{invite, url}`, both null when there is none. */
export function roomInvite(url, token, roomId, opts) {
  return api(url, 'GET', `/api/rooms/${id(roomId)}/invites`, undefined, { ...opts, session: token });
}

/** DELETE /api/rooms/:id/invites (moderator or better): the code stops working → `{invite: null, url: null}`. */
export function revokeInvite(url, token, roomId, opts) {
  return api(url, 'DELETE', `/api/rooms/${id(roomId)}/invites`, undefined, { ...opts, session: token });
}

/** GET /api/rooms/:id/bans (moderator or better) → `[{user, until}]` (`until` null: no end); lift one with `mod(…, 'unban')`. */
export async function roomBans(url, token, roomId, opts) {
  return (await api(url, 'GET', `/api/rooms/${id(roomId)}/bans`, undefined, { ...opts, session: token })).bans;
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
