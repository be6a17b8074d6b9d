// relay.mjs - what the two comparison peers (ws-relay.mjs, uws-relay.mjs) share: the subset of
// soundroom's protocol v1 the load generator uses (hello, join, leave, chat, ping) and its answers.
// Each peer brings only its transport: how to send to one connection, how a connection enters
// and leaves a room's fan-out, and how a room's delta goes to every member (encoded once).
// SPDX-License-Identifier: GPL-3.0-or-later
import { randomBytes } from 'node:crypto';

/** `--name value` from the command line, or dflt. */
export function opt(name, dflt) {
  const args = process.argv.slice(2);
  const i = args.indexOf(`--${name}`);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : dflt;
}

/**
 * The protocol over a transport `t`:
 *   t.send(conn, text)            one message to one connection
 *   t.enter(conn, room) / t.exit(conn, room)   join / leave the room's fan-out
 *   t.publish(room, text)         one delta to every member of the room
 *   t.close(conn, code, reason)
 * Returns `{ open(): state, message(conn, state, text, isBinary), closed(conn, state) }`;
 * a connection's state is `{ user, room }`.
 */
export function relay(t) {
  const epoch = randomBytes(8).toString('hex');
  const rooms = new Map([[1, { id: 1, name: 'Demo room', seq: 0, chat: [] }]]);
  let nextUserId = 1;
  let nextMsgId = 1;
  const now = () => performance.timeOrigin + performance.now();
  const reply = (conn, obj) => t.send(conn, JSON.stringify(obj));
  const error = (conn, code, message, ref) => {
    const e = { type: 'error', code, message };
    if (ref !== undefined) e.ref = ref;
    reply(conn, e);
  };
  const leave = (conn, d) => {
    if (d.room) t.exit(conn, d.room);
    d.room = null;
  };

  function message(conn, d, text, isBinary) {
    if (isBinary) return t.close(conn, 1003, 'binary frames are not accepted');
    let m;
    try {
      m = JSON.parse(text);
    } catch {
      return error(conn, 'bad_json', 'the frame is not valid JSON');
    }
    if (m === null || typeof m !== 'object' || Array.isArray(m) || typeof m.type !== 'string')
      return error(conn, 'bad_message', 'expected an object with a string "type"');
    const ref = m.ref;
    if (m.type === 'ping') {
      const t1 = now();
      return reply(conn, { type: 'pong', t0: m.t0, t1, t2: now() });
    }
    if (m.type === 'hello') {
      const name = typeof m.name === 'string' ? m.name.trim() : '';
      if (!name) return error(conn, 'missing_field', "field 'name' is required", ref);
      if ([...name].length > 40) return error(conn, 'too_long', 'name over 40 characters', ref);
      if (!d.user) d.user = { id: nextUserId++, name };
      else d.user.name = name;
      return reply(conn, {
        type: 'welcome', v: 1, ref, user: d.user,
        token: randomBytes(16).toString('hex'), server_time: now(),
      });
    }
    if (!d.user) return error(conn, 'hello_required', 'send hello first', ref);
    switch (m.type) {
      case 'join': {
        const room = rooms.get(m.room);
        if (!room) return error(conn, 'no_such_room', 'no such room', ref);
        leave(conn, d);
        t.enter(conn, room);
        d.room = room;
        return reply(conn, {
          type: 'snapshot', ref, room: room.id, epoch, seq: room.seq, server_time: now(),
          info: { id: room.id, name: room.name, description: '', tags: [] },
          now_playing: null, queue: [], listeners: [], chat: room.chat,
          skip: { votes: 0, needed: 1 },
        });
      }
      case 'leave':
        if (!d.room || d.room.id !== m.room) return error(conn, 'not_in_room', 'not in that room', ref);
        leave(conn, d);
        return reply(conn, { type: 'left', room: m.room });
      case 'chat': {
        const room = d.room;
        if (!room || room.id !== m.room) return error(conn, 'not_in_room', 'not in that room', ref);
        if (typeof m.text !== 'string' || m.text.length === 0)
          return error(conn, 'bad_field', "field 'text' must be a non-empty string", ref);
        if ([...m.text].length > 500) return error(conn, 'too_long', 'chat text over 500 characters', ref);
        const msg = { id: nextMsgId++, user: d.user, text: m.text, ts: now() };
        room.chat.push(msg);
        if (room.chat.length > 50) room.chat.shift();
        reply(conn, { type: 'ack', ref, id: msg.id });
        room.seq++;
        // encoded once: the transport sends the same bytes to every member
        t.publish(room, JSON.stringify({ type: 'chat', room: room.id, epoch, seq: room.seq, msg }));
        return undefined;
      }
      default:
        return error(conn, 'unknown_type', `unknown type '${m.type}'`, ref);
    }
  }

  return {
    open: () => ({ user: null, room: null }),
    message,
    closed: (conn, d) => leave(conn, d),
  };
}
