// fake.js - a scripted stand-in for the soundroom WebSocket, for testing the SDK on its own.
// SPDX-License-Identifier: GPL-3.0-or-later
import { WebSocketServer } from 'ws';

/**
 * Starts a fake server on a free port. It answers hello and ping itself; every other message
 * goes to `onMessage(conn, msg)` (set it on the returned object). `conns` lists open sockets;
 * `received` every message in arrival order; `hellos` every hello.
 */
export async function startFake({ clockSkewMs = 0 } = {}) {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((r) => wss.once('listening', r));
  const fake = {
    url: `ws://127.0.0.1:${wss.address().port}/ws`,
    conns: [],
    received: [],
    hellos: [],
    nextUser: 1,
    onMessage: () => {},
    now: () => performance.timeOrigin + performance.now() + clockSkewMs,
    send(conn, msgOrArray) {
      conn.send(JSON.stringify(msgOrArray));
    },
    async close() {
      for (const c of wss.clients) c.terminate();
      await new Promise((r) => wss.close(r));
    },
  };
  const tokens = new Map();
  wss.on('connection', (conn) => {
    fake.conns.push(conn);
    conn.on('close', () => fake.conns.splice(fake.conns.indexOf(conn), 1));
    conn.on('message', (data) => {
      const msg = JSON.parse(String(data));
      fake.received.push(msg);
      if (msg.type === 'ping') {
        const t1 = fake.now();
        fake.send(conn, { type: 'pong', t0: msg.t0, t1, t2: fake.now() });
      } else if (msg.type === 'hello') {
        fake.hellos.push(msg);
        let user = tokens.get(msg.token);
        let token = msg.token;
        if (!user) {
          user = { id: fake.nextUser++, name: msg.name };
          token = `tok${user.id}`;
          tokens.set(token, user);
        }
        user.name = msg.name;
        conn.user = user;
        fake.send(conn, {
          type: 'welcome', v: 1, ref: msg.ref, user, token, server_time: fake.now(),
        });
      } else {
        fake.onMessage(conn, msg);
      }
    });
  });
  return fake;
}
