// accept-burst.test.js - the server accepts at most --accept-burst connections per pass of its
// event loop and leaves the rest in the kernel's queue (docs/performance.md: lws's sorted timer
// list made a join storm quadratic). Bounding the accepts must never leave anyone behind: with
// a burst of one, a crowd arriving at once is served in full, pages load meanwhile, and nobody
// waits on anybody else's slowness.
// SPDX-License-Identifier: GPL-3.0-or-later
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { closeAll, makeRoom, raw, Server, test } from './harness.js';

let srv;
before(async () => {
  srv = await Server.start({ args: ['--accept-burst', '1'] });
});
after(async () => {
  await closeAll();
  await srv?.dispose();
});

test('with one accept per pass, 300 listeners arriving at once all join, and the page loads meanwhile', async () => {
  const room = await makeRoom(srv);
  const t0 = Date.now();
  const joins = [];
  for (let i = 0; i < 300; i++)
    joins.push(
      (async () => {
        const ws = await raw(srv);
        const w = await ws.call({ type: 'hello', name: `crowd ${i}` }, 15000);
        assert.equal(w.type, 'welcome', JSON.stringify(w));
        const s = await ws.call({ type: 'join', room: room.id }, 15000);
        assert.equal(s.type, 'snapshot', JSON.stringify(s));
        return ws;
      })(),
    );
  const page = await fetch(`${srv.base}/`);
  assert.equal(page.status, 200);
  const socks = await Promise.all(joins);
  assert.equal(socks.length, 300);
  const info = (await srv.http('GET', `/api/rooms/${room.id}`)).body.room;
  assert.equal(info.listeners, 300, JSON.stringify(info));
  assert.ok(Date.now() - t0 < 15000, `the crowd took ${Date.now() - t0} ms`);
}, { timeout: 60000 });
