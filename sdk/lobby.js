// lobby.js - the lobby and the life of a room: a live room list, likes, favourites, histories and room statistics.
// SPDX-License-Identifier: GPL-3.0-or-later
//
// The WebSocket half (subscribeLobby, like) rides on a connected Client (client.js); the REST
// half is small functions over core.js's api(), one per endpoint of docs/protocol.md ("Lobby and
// the life of a room"), in the manner of account.js: each takes the server's base URL
// (http(s)://host:port, or the ws(s)://host:port/ws URL) and an account session token (or null
// where a guest may ask), resolves with the parsed body and rejects with a SoundroomError
// carrying `code` and `status`. The surface is docs/sdk.md.

import { api } from './core.js';

// A query string of the defined values of `params` ('' when none).
function query(params) {
  const q = Object.entries(params)
    .filter(([, v]) => v !== undefined && v !== null)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .join('&');
  return q ? `?${q}` : '';
}

// ---------- the live lobby (WebSocket) ----------

/**
 * Subscribes `client` to the lobby. Keeps `lobby` up to date from the `lobby` reply and every
 * `lobby_update`, and calls `onUpdate(lobby, message)` after each (message is the server's
 * `lobby` or `lobby_update`). `lobby` is
 * `{rooms: Map<id, summary>, trending: [ids], recommended: [ids], favorites: [ids], list(name)}`
 * where `list('trending')` (or `'recommended'`, `'favorites'`) gives the summaries in that
 * order, skipping ids the map does not hold. After a reconnect the subscription is renewed
 * (the server forgets it with the connection) and the map replaced by the fresh answer.
 *
 * Returns `unsubscribe()` (sends `{type:"lobby",subscribe:false}` when connected; resolves once
 * acknowledged), with `unsubscribe.lobby` (the state above) and `unsubscribe.ready` (a promise
 * of `lobby` after the first answer; rejects with the server's error).
 */
export function subscribeLobby(client, onUpdate = () => {}) {
  const lobby = {
    rooms: new Map(),
    trending: [],
    recommended: [],
    favorites: [],
    list(name) {
      return (this[name] ?? []).map((id) => this.rooms.get(id)).filter(Boolean);
    },
  };
  let active = true;

  const apply = (m, full) => {
    if (full) lobby.rooms = new Map();
    for (const s of m.rooms ?? []) lobby.rooms.set(s.id, s);
    for (const id of m.removed ?? []) lobby.rooms.delete(id); // made unlisted or private
    for (const k of ['trending', 'recommended', 'favorites']) if (Array.isArray(m[k])) lobby[k] = m[k];
    onUpdate(lobby, m);
  };

  const subscribe = () =>
    client.request({ type: 'lobby' }).then((m) => {
      if (active) apply(m, true);
      return lobby;
    });

  const offMsg = client.on('message', (m) => {
    if (active && m.type === 'lobby_update') apply(m, false);
  });
  const offConn = client.on('connection', (e) => {
    if (active && e.status === 'open') subscribe().catch(() => {});
  });
  const ready = subscribe();

  const unsubscribe = async () => {
    if (!active) return;
    active = false;
    offMsg();
    offConn();
    if (client.status === 'open') await client.request({ type: 'lobby', subscribe: false });
  };
  unsubscribe.lobby = lobby;
  unsubscribe.ready = ready;
  return unsubscribe;
}

/**
 * Likes (`value` true, the default) or unlikes a track over the WebSocket. Liking any copy of a
 * song likes the song. Resolves with the ack; rejects with `sign_in_required` for guests,
 * `no_such_track` for an unknown id.
 */
export function like(client, trackId, value = true) {
  return client.request({ type: 'like', track: trackId, value: !!value });
}

// ---------- favourites, likes and history of the signed-in person (REST) ----------

/** The favourite rooms as lobby summaries: `GET /api/me/favorites` → `[summary]`. */
export async function favorites(url, token, opts) {
  return (await api(url, 'GET', '/api/me/favorites', undefined, { ...opts, session: token })).rooms;
}

/** Adds a favourite room: `PUT /api/me/favorites/:room` → `{favorite: true}`. */
export function addFavorite(url, token, roomId, opts) {
  return api(url, 'PUT', `/api/me/favorites/${roomId}`, undefined, { ...opts, session: token });
}

/** Removes a favourite room: `DELETE /api/me/favorites/:room` → `{favorite: false}`. */
export function removeFavorite(url, token, roomId, opts) {
  return api(url, 'DELETE', `/api/me/favorites/${roomId}`, undefined, { ...opts, session: token });
}

/** Liked tracks, newest first: `GET /api/me/likes` → `[{track, liked_at}]`. */
export async function likes(url, token, opts) {
  return (await api(url, 'GET', '/api/me/likes', undefined, { ...opts, session: token })).tracks;
}

/** The likes as M3U text (`GET /api/me/likes.m3u`); media URLs in it are server paths. */
export function likesM3u(url, token, opts) {
  return api(url, 'GET', '/api/me/likes.m3u', undefined, { ...opts, session: token, text: true });
}

/** Likes a track over REST: `PUT /api/me/likes/:track` → `{liked: true}`. */
export function likeTrack(url, token, trackId, opts) {
  return api(url, 'PUT', `/api/me/likes/${trackId}`, undefined, { ...opts, session: token });
}

/** Unlikes a track over REST: `DELETE /api/me/likes/:track` → `{liked: false}`. */
export function unlikeTrack(url, token, trackId, opts) {
  return api(url, 'DELETE', `/api/me/likes/${trackId}`, undefined, { ...opts, session: token });
}

/** Tracks that started while the person was in a room, newest first: `[{track, room, started_at}]`. */
export async function history(url, token, { limit } = {}, opts) {
  return (await api(url, 'GET', `/api/me/history${query({ limit })}`, undefined, { ...opts, session: token })).plays;
}

// ---------- the life of a room (REST; `token` may be null for public rooms) ----------

/** `GET /api/rooms/:id/top-tracks` with `by` ('plays'|'votes'), `period` ('all'|'7d'), `limit` → `[{track, plays, upvotes}]`. */
export async function topTracks(url, token, roomId, { by, period, limit } = {}, opts) {
  const p = `/api/rooms/${roomId}/top-tracks${query({ by, period, limit })}`;
  return (await api(url, 'GET', p, undefined, { ...opts, session: token })).tracks;
}

/** `GET /api/rooms/:id/top-fans` with `period`, `limit` → `[{user, listening_ms, tracks_played, votes, score}]`. */
export async function topFans(url, token, roomId, { period, limit } = {}, opts) {
  const p = `/api/rooms/${roomId}/top-fans${query({ period, limit })}`;
  return (await api(url, 'GET', p, undefined, { ...opts, session: token })).fans;
}

/** `GET /api/rooms/:id/history` → `[{track, started_at, added_by, up, down, skipped, from}]`, newest first. */
export async function roomHistory(url, token, roomId, { limit } = {}, opts) {
  const p = `/api/rooms/${roomId}/history${query({ limit })}`;
  return (await api(url, 'GET', p, undefined, { ...opts, session: token })).plays;
}

/** Searches public rooms by name, description, tags and what plays: `GET /api/rooms?q=` → `[room]`. */
export async function searchRooms(url, q, opts) {
  return (await api(url, 'GET', `/api/rooms${query({ q })}`, undefined, opts)).rooms;
}

/**
 * The room of an artist, made on first request: `GET /api/artists/:name/room` →
 * `{room, created}` (`created` true when this request made it). Rejects with `no_such_artist`
 * when the library has no tracks by that artist.
 */
export async function artistRoom(url, name, token = null, opts) {
  const r = await api(url, 'GET', `/api/artists/${encodeURIComponent(name)}/room`, undefined, { ...opts, session: token, withStatus: true });
  return { room: r.body.room, created: r.status === 201 };
}
