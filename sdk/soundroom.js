// soundroom.js - the soundroom client SDK (@soundroom/sdk): the index that re-exports every module.
// SPDX-License-Identifier: GPL-3.0-or-later
//
// Only applications import this file; no SDK module does (scripts/check-sdk-cycles.mjs checks).
// The modules: core.js (SoundroomError, restBase, api: the leaf the others build on), client.js
// (connect, Client, compareEntries), account.js, lobby.js, playlists.js and adapters.js. The
// surface is docs/sdk.md.

export * from './core.js';
export * from './client.js';
export * from './account.js';
export * from './lobby.js';
export * from './playlists.js';
export * from './adapters.js';
export * from './party.js';
