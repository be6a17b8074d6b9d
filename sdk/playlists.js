// playlists.js - a person's own playlists (docs/protocol.md, "Personal playlists"): import an
// M3U/M3U8, PLS or XSPF file into a named list of the account, list, show, delete, and queue one
// into a room. Small functions over core.js's api(), like account.js: each takes the server's
// base URL (http(s)://host:port, or the ws(s)://host:port/ws URL) and the account's session
// token (null in a browser signed in with the cookie), resolves with the parsed answer and
// rejects with a SoundroomError carrying `code` and `status`.
// SPDX-License-Identifier: GPL-3.0-or-later

import { api } from './core.js';

const path = (id) => `/api/me/playlists/${encodeURIComponent(id)}`;

/** My lists, newest first: `[{id, name, format, created_at, entries, resolved, unresolved}]`. */
export async function myPlaylists(url, session, opts = {}) {
  return (await api(url, 'GET', '/api/me/playlists', undefined, { session, ...opts })).playlists;
}

/**
 * Imports a playlist file's text into a new list: `{playlist, format?, name?, title?}` (`name`:
 * the file's name, which may decide the format; `title`: the list's name). Resolves with
 * `{playlist, resolved: [{index, track}], unresolved: [{index, location, title, artist, reason}]}`.
 */
export function importPlaylist(url, session, fields, opts = {}) {
  return api(url, 'POST', '/api/me/playlists', fields, { session, ...opts });
}

/** One of my lists: `{playlist, resolved, unresolved}`. */
export function getPlaylist(url, session, id, opts = {}) {
  return api(url, 'GET', path(id), undefined, { session, ...opts });
}

/** Deletes one of my lists; resolves with `{deleted: true}`. */
export function deletePlaylist(url, session, id, opts = {}) {
  return api(url, 'DELETE', path(id), undefined, { session, ...opts });
}

/**
 * Queues a list's resolved tracks into room `room` (under its rules); resolves with the room
 * import's answer `{format, title, entries, added: [{index, entry, track}], unresolved}`.
 */
export function queuePlaylist(url, session, id, room, opts = {}) {
  return api(url, 'POST', `${path(id)}/queue`, { room }, { session, ...opts });
}
