// sync.test.js - playback sync reports: the `sync` message's validation, and the room seeing
// each listener's report (snapshot, GET /api/rooms/:id, the coalesced `sync` delta).
// SPDX-License-Identifier: GPL-3.0-or-later
import assert from 'node:assert/strict';
import { after, afterEach, before } from 'node:test';
import { client, closeAll, makeRoom, raw, Server, sleep, test, until, waitFor } from './harness.js';

let srv;
before(async () => {
  srv = await Server.start();
});
afterEach(closeAll);
after(async () => {
  await closeAll();
  await srv?.dispose();
});

async function member(roomId, name) {
  const ws = await raw(srv);
  await ws.call({ type: 'hello', v: 1, name });
  const snap = await ws.call({ type: 'join', room: roomId });
  assert.equal(snap.type, 'snapshot');
  ws.snapshot = snap;
  return ws;
}

test('sync: every malformed report is refused with its code, the ref echoed', async () => {
  const room = await makeRoom(srv);
  const ws = await member(room.id, 'Ada');
  const cases = [
    [{ error_ms: 3 }, 'missing_field', /'room'/],
    [{ room: 'x', error_ms: 3 }, 'bad_field', /'room'/],
    [{ room: room.id }, 'missing_field', /'error_ms'/],
    [{ room: room.id, error_ms: '3' }, 'bad_field', /'error_ms'/],
    [{ room: room.id, error_ms: -0.5 }, 'bad_field', /0 to 60000/],
    [{ room: room.id, error_ms: 60000.5 }, 'bad_field', /0 to 60000/],
    [{ room: room.id, error_ms: null }, 'bad_field', /'error_ms'/],
    [{ room: 999999, error_ms: 3 }, 'no_such_room', /room/],
  ];
  for (const [msg, code, text] of cases) {
    const r = await ws.call({ type: 'sync', ...msg });
    assert.equal(r.type, 'error', JSON.stringify(msg));
    assert.equal(r.code, code, JSON.stringify(msg));
    assert.match(r.message, text, JSON.stringify(msg));
  }
  const other = await makeRoom(srv);
  const r = await ws.call({ type: 'sync', room: other.id, error_ms: 3 });
  assert.equal(r.code, 'not_in_room');
  // before hello
  const anon = await raw(srv);
  const e = await anon.call({ type: 'sync', room: room.id, error_ms: 3 });
  assert.equal(e.type, 'error');
  // a good one is acknowledged
  assert.equal((await ws.call({ type: 'sync', room: room.id, error_ms: 2.5 })).type, 'ack');
});

test('sync: the room sees each listener\'s last report, coalesced, and forgets those who leave', async () => {
  const room = await makeRoom(srv);
  const a = await member(room.id, 'Ada');
  const b = await member(room.id, 'Bob');
  assert.deepEqual(a.snapshot.sync, { error_ms: null, reporting: 0, listeners: [] }, 'nobody reported yet');
  const aId = a.snapshot.listeners.find((l) => l.name === 'Ada').id;

  // a burst of reports: one delta soon, the last value of each listener
  await a.call({ type: 'sync', room: room.id, error_ms: 9 });
  await a.call({ type: 'sync', room: room.id, error_ms: 1.26 });
  await b.call({ type: 'sync', room: room.id, error_ms: 3.04 });
  const d1 = await b.next((m) => m.type === 'sync', 4000);
  assert.equal(d1.room, room.id);
  assert.equal(typeof d1.seq, 'number');
  // the first delta may have left before Bob's report; the room converges within 2 s
  let last = d1;
  while (last.reporting < 2) last = await b.next((m) => m.type === 'sync', 4000);
  const t1 = Date.now();
  assert.equal(last.reporting, 2);
  assert.equal(last.error_ms, 3);
  const byUser = Object.fromEntries(last.listeners.map((l) => [l.user, l.error_ms]));
  assert.equal(byUser[aId], 1.3);
  assert.equal(Object.keys(byUser).length, 2);

  // deltas are at most one per 2 s per room
  await a.call({ type: 'sync', room: room.id, error_ms: 4 });
  const d2 = await b.next((m) => m.type === 'sync', 5000);
  assert.ok(Date.now() - t1 >= 1900, `a delta ${Date.now() - t1} ms after the one before`);
  assert.equal(d2.error_ms, 4);
  const sent = b.inbox.filter((m) => m.type === 'sync').length;
  assert.equal(sent, 0, 'no second delta queued behind it');

  // an unchanged report sends nothing new
  await a.call({ type: 'sync', room: room.id, error_ms: 4 });
  await sleep(2500);
  assert.equal(b.inbox.filter((m) => m.type === 'sync').length, 0);

  // the room JSON and a new snapshot carry the same figures
  const res = await srv.http('GET', `/api/rooms/${room.id}`);
  assert.equal(res.status, 200);
  const rj = res.body.room ?? res.body;
  assert.equal(rj.sync.reporting, 2);
  assert.equal(rj.sync.error_ms, 4);
  const c = await member(room.id, 'Cy');
  assert.equal(c.snapshot.sync.reporting, 2);
  assert.equal(c.snapshot.sync.error_ms, 4);

  // Ada leaves: her report goes
  a.json({ type: 'leave', room: room.id });
  const d3 = await b.next((m) => m.type === 'sync' && m.reporting === 1, 5000);
  assert.equal(d3.error_ms, 3);
  assert.equal(d3.listeners[0].user !== aId, true);
});

test('sync: the SDK reports and keeps room.sync', async () => {
  const room = await makeRoom(srv);
  const a = await client(srv, 'Ada');
  const b = await client(srv, 'Bob');
  await a.join(room.id);
  await b.join(room.id);
  assert.deepEqual(b.room.sync, { errorMs: null, reporting: 0, listeners: [] });
  await assert.rejects(new (a.constructor)(srv.url, { name: 'x', WebSocket: (await import('ws')).default, reconnect: false })
    .ready.then((c) => c.reportSync(1).finally(() => c.close())), { code: 'not_in_room' });
  const ack = await a.reportSync(2.345);
  assert.equal(ack.type, 'ack');
  const s = await waitFor(b, 'sync', (x) => x.reporting === 1, 4000);
  assert.deepEqual(s, { errorMs: 2.3, reporting: 1, listeners: [{ user: a.user.id, errorMs: 2.3 }] });
  assert.deepEqual(b.room.sync, s);
  // the delta took a seq: the client did not resync over it
  await b.chat('still here');
  await until(() => b.room.chat.some((m) => m.text === 'still here'));
  assert.equal(b.room.sync.reporting, 1);
});
