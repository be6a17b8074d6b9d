// slowloris.test.js - connections that send their headers slowly, or nothing at all, must not
// hold a header buffer past a short deadline, nor make anyone else wait. The 2,000-connection
// version is `make faults` (tests/faults/slowloris.mjs); this one is small and deterministic.
// SPDX-License-Identifier: GPL-3.0-or-later
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before } from 'node:test';
import { client, closeAll, makeRoom, Server, test } from './harness.js';

let srv;
before(async () => {
  srv = await Server.start({ args: ['--header-timeout', '2'] });
});
after(async () => {
  await closeAll();
  await srv?.dispose();
});

/** A connection that trickles a request's headers, one line every 200 ms, or sends nothing;
 *  resolves `closed` with the ms it lasted. */
function slowClient(port, { trickle = true } = {}) {
  const sock = net.connect(port, '127.0.0.1');
  const t0 = Date.now();
  let timer;
  sock.on('error', () => {});
  sock.on('connect', () => {
    if (!trickle) return;
    sock.write('GET / HTTP/1.1\r\nHost: x\r\n');
    timer = setInterval(() => sock.write('X-Slow: 1\r\n'), 200);
  });
  const closed = new Promise((resolve) =>
    sock.on('close', () => {
      clearInterval(timer);
      resolve(Date.now() - t0);
    }),
  );
  return { sock, closed };
}

// Regression: about 260 such connections took every header buffer (lws's pool of 256, held up to
// 10 s), and page loads, handshakes and /media waited for them.
test('50 slow and idle half-requests: the page loads and a listener joins within 1 s; they are dropped at the deadline', async () => {
  const room = await makeRoom(srv);
  const slow = [];
  for (let i = 0; i < 50; i++) slow.push(slowClient(srv.port, { trickle: i % 5 !== 0 }));
  await new Promise((r) => setTimeout(r, 500));
  const t0 = Date.now();
  const page = await fetch(`${srv.base}/`);
  assert.equal(page.status, 200);
  await page.text();
  const c = await client(srv, 'Listener');
  await c.join(room.id);
  const took = Date.now() - t0;
  assert.ok(took < 1000, `page load and join took ${took} ms`);
  const lasted = await Promise.all(slow.map((s) => s.closed));
  for (const ms of lasted) {
    // the deadline counts from accept, however the headers trickle (2 s here; lws checks once a second)
    assert.ok(ms >= 1500 && ms < 4500, `a slow connection lasted ${ms} ms`);
  }
  await closeAll();
});
