// core.js - what every SDK module shares: the error type, the REST base URL and the one REST helper.
// SPDX-License-Identifier: GPL-3.0-or-later
//
// A leaf: it imports nothing, so every other SDK module may import it and none needs the index
// (soundroom.js) that re-exports them all. The surface is docs/sdk.md.

/**
 * An error from the server (`code` as in docs/protocol.md) or from the SDK itself. REST errors
 * add `status` and `body` (and `retryAfter`, seconds, for a 429 that says when to retry);
 * WebSocket errors add `reply`, the server's `error` message.
 */
export class SoundroomError extends Error {
  constructor(code, message, extra = {}) {
    super(message || code);
    this.name = 'SoundroomError';
    this.code = code;
    Object.assign(this, extra);
  }
}

/**
 * The http(s) base URL of the REST API for a server URL: ws://h:p/ws -> http://h:p,
 * http://h:p/ -> http://h:p (relative URLs resolve against the page's location).
 */
export function restBase(url) {
  const loc = globalThis.location;
  const u = new URL(url, loc ? loc.href : undefined);
  if (u.protocol === 'ws:') u.protocol = 'http:';
  else if (u.protocol === 'wss:') u.protocol = 'https:';
  return u.origin + u.pathname.replace(/\/ws\/?$/, '').replace(/\/$/, '');
}

/**
 * Calls the REST API: `method` `path` at the server `url` (an http(s) or ws(s) URL of it; see
 * restBase). `body`, unless undefined, goes out as JSON (a string as is). Options:
 * - `session`: an account session token, sent as `Authorization: Bearer`;
 * - `fetch`: replaces globalThis.fetch;
 * - `raw`: bytes (Blob, ArrayBuffer, Uint8Array) to send instead of `body`, as
 *   application/octet-stream;
 * - `text`: resolve with the body as text rather than parsed JSON;
 * - `withStatus`: resolve with `{status, body}` rather than the body alone.
 * Resolves with the parsed body (null when empty or not JSON). Rejects with a SoundroomError
 * whose `code` and `message` come from the `{"error":{code,message}}` body (`http_<status>` when
 * there is none), with `status`, `body` (parsed, else the text) and, when the server sent
 * `retry_after`, `retryAfter`.
 */
export async function api(url, method, path, body, { session, fetch: f, raw, text = false, withStatus = false } = {}) {
  const init = { method, headers: {} };
  if (session) init.headers.authorization = `Bearer ${session}`;
  if (raw !== undefined) {
    init.headers['content-type'] = 'application/octet-stream'; // the server reads the bytes, not this
    init.body = raw;
  } else if (body !== undefined) {
    init.headers['content-type'] = 'application/json';
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
  }
  const res = await (f ?? globalThis.fetch)(restBase(url) + path, init);
  const answer = await res.text();
  let json = null;
  try {
    json = answer ? JSON.parse(answer) : null;
  } catch {
    /* not JSON */
  }
  if (!res.ok) {
    const e = json && typeof json === 'object' ? json.error : null;
    throw new SoundroomError(e?.code ?? `http_${res.status}`, e?.message ?? (res.statusText || `HTTP ${res.status}`), {
      status: res.status,
      body: json ?? (answer || null),
      ...(e && e.retry_after !== undefined ? { retryAfter: e.retry_after } : {}),
    });
  }
  const out = text ? answer : json;
  return withStatus ? { status: res.status, body: out } : out;
}
