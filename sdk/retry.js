// retry.js - writes that survive a dropped connection: the client's outbox of chat, queue adds and votes.
// SPDX-License-Identifier: GPL-3.0-or-later
//
// Each write gets a client write id ("cid", docs/protocol.md *Retried writes*). One whose answer
// had not come when the connection dropped stays here and is sent again, with the same cid, once
// the client is back in its room; the server applies a cid once and answers a repeat with its
// first answer, so the caller's promise resolves with that answer and nothing is written twice.
// A leaf beside core.js: client.js uses it, nothing else imports it.

/** A random write id: 16 random bytes as 32 hex digits. */
export function newCid() {
  const b = new Uint8Array(16);
  const c = globalThis.crypto;
  if (c && typeof c.getRandomValues === 'function') c.getRandomValues(b);
  else for (let i = 0; i < b.length; i++) b[i] = Math.floor(Math.random() * 256);
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

/**
 * The writes not yet answered. `call(msg)` sends msg on the current connection and resolves with
 * the reply (rejecting with code `disconnected` when the connection is gone or drops first).
 */
export class Outbox {
  #call;
  #items = new Set();

  constructor(call) {
    this.#call = call;
  }

  /** Sends msg with a fresh cid; resolves with its answer, however many connections that takes. */
  send(msg) {
    const item = { msg: { ...msg, cid: newCid() }, inFlight: false };
    const done = new Promise((resolve, reject) => Object.assign(item, { resolve, reject }));
    this.#items.add(item);
    this.#try(item);
    return done;
  }

  #try(item) {
    item.inFlight = true;
    this.#call(item.msg).then(
      (reply) => {
        this.#items.delete(item);
        item.resolve(reply);
      },
      (err) => {
        item.inFlight = false;
        // the connection dropped before the answer came: wait here for resend()
        if (err?.code === 'disconnected' && this.#items.has(item)) return;
        this.#items.delete(item);
        item.reject(err);
      },
    );
  }

  /** Sends again, with the same cids, what a dropped connection left unanswered. */
  resend() {
    for (const item of this.#items) if (!item.inFlight) this.#try(item);
  }

  /** Gives up on everything still waiting (the client closed for good, or lost its room). */
  fail(err) {
    const items = [...this.#items];
    this.#items.clear();
    for (const item of items) item.reject(err);
  }

  /** Writes sent and not yet answered. */
  get waiting() {
    return this.#items.size;
  }
}
