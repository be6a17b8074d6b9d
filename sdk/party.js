// party.js - party mode: turning it on and off, the join code and its QR code, and the speaker.
// SPDX-License-Identifier: GPL-3.0-or-later
//
// REST calls take the server URL and an account token (null in a browser, where the cookie
// rides along); the speaker calls take an SDK client, as account.js's mod() does. The wire
// protocol is docs/protocol.md ("Party mode").

import { api } from './core.js';

const rid = (roomId) => encodeURIComponent(String(roomId));

/**
 * PUT /api/rooms/:id/party (the owner): party mode on, with a new join code, or a new schedule
 * for the party on now. `startsAt`: server ms of the scheduled start, null for none, undefined
 * to leave it. Resolves with the party `{code, starts_at, speaker}`.
 */
export async function startParty(url, token, roomId, { startsAt } = {}, opts) {
  const body = startsAt === undefined ? {} : { starts_at: startsAt };
  return (await api(url, 'PUT', `/api/rooms/${rid(roomId)}/party`, body, { ...opts, session: token })).party;
}

/** DELETE /api/rooms/:id/party (the owner): the party ends and its code stops working. */
export async function endParty(url, token, roomId, opts) {
  await api(url, 'DELETE', `/api/rooms/${rid(roomId)}/party`, undefined, { ...opts, session: token });
  return null;
}

/** POST /api/rooms/:id/party/code (the owner): a new join code; resolves with the party. */
export async function rotatePartyCode(url, token, roomId, opts) {
  return (await api(url, 'POST', `/api/rooms/${rid(roomId)}/party/code`, undefined, { ...opts, session: token })).party;
}

/** GET /api/rooms/:id/party (anyone who may enter): the party, or null when the room has none. */
export async function roomParty(url, token, roomId, opts) {
  return (await api(url, 'GET', `/api/rooms/${rid(roomId)}/party`, undefined, { ...opts, session: token })).party;
}

/**
 * GET /api/join/:code: the room a join code names, `{room, name, invite?}` (`invite` for a
 * private room: pass it to `client.join`). Rejects `no_such_code` (404) or `throttled` (429,
 * `retryAfter` seconds) after a few wrong codes from one address.
 */
export function resolveJoinCode(url, code, opts) {
  return api(url, 'GET', `/api/join/${encodeURIComponent(String(code).trim())}`, undefined, opts);
}

/** The path of the room's QR code (SVG): the party's join link, else the room's own link. */
export function qrPath(roomId, { invite } = {}) {
  return `/api/rooms/${rid(roomId)}/qr.svg${invite ? `?invite=${encodeURIComponent(invite)}` : ''}`;
}

/**
 * Makes this device the party's speaker (WebSocket `party` "claim"): the host's devices, or a
 * device of the person the host handed the speaker to. `device` is 8-64 letters, digits, _ or -.
 */
export function claimSpeaker(client, room, device) {
  return client.request({ type: 'party', room, action: 'claim', device });
}

/** The host hands the speaker to a person; the first of their devices to claim it plays. */
export function giveSpeaker(client, room, userId) {
  return client.request({ type: 'party', room, action: 'give', user: userId });
}

/** Nobody is the speaker any more (the host, or the speaker itself). */
export function releaseSpeaker(client, room) {
  return client.request({ type: 'party', room, action: 'release' });
}
