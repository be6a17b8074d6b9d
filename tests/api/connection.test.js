// connection.test.js - hello/welcome, ping/pong, message-level errors, limits and close codes.
// SPDX-License-Identifier: GPL-3.0-or-later
import assert from 'node:assert/strict';
import { after, afterEach, before } from 'node:test';
import WebSocket from 'ws';
import { account, client, closeAll, makeRoom, raw, rawHttp, Server, sleep, tcpWs, test, waitFor } from './harness.js';

let srv;
before(async () => {
  srv = await Server.start();
});
afterEach(closeAll);
after(async () => {
  await closeAll();
  await srv?.dispose();
});

async function hello(ws, name = 'Raw') {
  const w = await ws.call({ type: 'hello', v: 1, name });
  assert.equal(w.type, 'welcome', JSON.stringify(w));
  return w;
}

function isError(m, code) {
  assert.equal(m.type, 'error', `expected error ${code}, got ${JSON.stringify(m)}`);
  assert.equal(m.code, code, `expected ${code}, got ${JSON.stringify(m)}`);
  assert.equal(typeof m.message, 'string');
}

test('hello is answered by welcome with the ref, user, token and server time', async () => {
  const ws = await raw(srv);
  ws.json({ type: 'hello', v: 1, name: 'Ada', ref: 'h-1' });
  const w = await ws.next((m) => m.type === 'welcome');
  assert.equal(w.ref, 'h-1');
  assert.equal(w.v, 1);
  assert.equal(w.user.name, 'Ada');
  assert.ok(Number.isInteger(w.user.id), `user.id ${w.user.id}`);
  assert.equal(typeof w.token, 'string');
  assert.ok(w.token.length >= 16, `token ${w.token}`);
  assert.ok(Math.abs(w.server_time - Date.now()) < 2000, `server_time ${w.server_time}`);
  ws.close();
});

test('a token brings back the same person across reconnects; without one a new person', async () => {
  const a = await client(srv, 'Ada');
  const { id } = a.user;
  await a.close();
  const again = await client(srv, 'Ada', { token: a.token });
  assert.equal(again.user.id, id);
  const other = await client(srv, 'Ada');
  assert.notEqual(other.user.id, id);
  assert.notEqual(other.token, a.token);
  const unknown = await client(srv, 'Ada', { token: 'not-a-token-0123456789abcdef' });
  assert.notEqual(unknown.user.id, id, 'an unknown token yields a new identity');
  assert.notEqual(unknown.user.id, other.user.id);
});

test('hello again changes the name and keeps the id', async () => {
  const a = await client(srv, 'Ada');
  const user = await a.setName('Ada Lovelace');
  assert.deepEqual(user, { id: a.user.id, name: 'Ada Lovelace', guest: true }); // a guest is marked as one
  const back = await client(srv, 'Whatever', { token: a.token });
  assert.equal(back.user.id, user.id);
});

test('hello names: trimmed, 1-40 characters', async () => {
  const ws = await raw(srv);
  const w = await ws.call({ type: 'hello', v: 1, name: '  Grace  ' });
  assert.equal(w.user.name, 'Grace');
  const forty = 'é'.repeat(40); // 40 characters, 80 bytes
  assert.equal((await ws.call({ type: 'hello', v: 1, name: forty })).user?.name, forty);
  isError(await ws.call({ type: 'hello', v: 1, name: 'x'.repeat(41) }), 'too_long');
  isError(await ws.call({ type: 'hello', v: 1, name: '   ' }), 'bad_field');
  isError(await ws.call({ type: 'hello', v: 1 }), 'missing_field');
  isError(await ws.call({ type: 'hello', v: 1, name: 42 }), 'bad_field');
  ws.close();
});

test('an account signs in with hello.session: its own name, no guest token', async () => {
  const acc = await account(srv, 'Grace Hopper');
  const a = await client(srv, 'ignored', { session: acc.token });
  assert.equal(a.account, true);
  assert.equal(a.user.id, acc.user.id);
  assert.equal(a.user.name, 'Grace Hopper', "the account's name, not the one sent");
  assert.equal(a.token, null, 'no guest token for an account');
  const again = await client(srv, 'other', { session: acc.token });
  assert.equal(again.user.id, a.user.id);
  await assert.rejects(client(srv, 'x', { session: 'not-a-session' }), (e) => e.code === 'unauthenticated');
});

test('logging out closes the session\'s other sockets with 4003; the SDK does not reconnect', async () => {
  const acc = await account(srv, 'Leaver');
  const a = await client(srv, null, { session: acc.token });
  const closed = waitFor(a, 'connection', (e) => e.status === 'closed');
  const out = await srv.http('POST', '/api/auth/logout', { headers: { authorization: `Bearer ${acc.token}` } });
  assert.equal(out.status, 200, JSON.stringify(out.body));
  assert.equal((await closed).code, 4003);
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(a.status, 'closed');
  await assert.rejects(client(srv, null, { session: acc.token }), (e) => e.code === 'unauthenticated');
});

test('connect() rejects with too_long when the name is refused', async () => {
  await assert.rejects(client(srv, 'y'.repeat(41)), (e) => e.code === 'too_long');
});

test('ping before hello: pong echoes t0, t1 <= t2, both server times', async () => {
  const ws = await raw(srv);
  const t0 = 123456.75;
  const before = Date.now();
  ws.json({ type: 'ping', t0 });
  const p = await ws.next((m) => m.type === 'pong');
  assert.equal(p.t0, t0);
  const precise = performance.timeOrigin + performance.now(); // what a browser would send
  ws.json({ type: 'ping', t0: precise });
  assert.equal((await ws.next((m) => m.type === 'pong')).t0, precise, 't0 is echoed exactly');
  assert.equal(typeof p.t1, 'number');
  assert.equal(typeof p.t2, 'number');
  assert.ok(p.t1 <= p.t2, `t1 ${p.t1} > t2 ${p.t2}`);
  assert.ok(p.t1 >= before - 1000 && p.t2 <= Date.now() + 1000, 'server times are epoch ms');
  ws.close();
});

test('the SDK syncs its clock: offset near zero on one machine, small rtt', async () => {
  const a = await client(srv, 'Clock');
  await new Promise((r) => setTimeout(r, 1000));
  assert.ok(Number.isFinite(a.rtt) && a.rtt >= 0 && a.rtt < 100, `rtt ${a.rtt}`);
  assert.ok(Math.abs(a.offset) < 50, `offset ${a.offset}`);
  const { body } = await srv.http('GET', '/api/time');
  assert.ok(Math.abs(a.now() - body.server_time) < 200, 'now() tracks /api/time');
});

test('hello_required: room actions before hello', async () => {
  const ws = await raw(srv);
  for (const msg of [
    { type: 'join', room: 1 },
    { type: 'chat', room: 1, text: 'hi' },
    { type: 'search', q: '' },
  ]) {
    const m = await ws.call(msg);
    isError(m, 'hello_required');
  }
  await hello(ws); // still open and usable
  ws.close();
});

test('bad_json keeps the connection open', async () => {
  const ws = await raw(srv);
  await hello(ws);
  ws.json('{"type":"ping", t0: }');
  isError(await ws.next((m) => m.type === 'error'), 'bad_json');
  ws.json('');
  isError(await ws.next((m) => m.type === 'error'), 'bad_json');
  const pong = await ws.call({ type: 'ping', t0: 1 });
  assert.equal(pong.type, 'pong');
  ws.close();
});

test('bad_message: not an object, type missing or not a string, ref of the wrong type', async () => {
  const ws = await raw(srv);
  await hello(ws);
  const wrong = [];
  for (const text of [
    '[{"type":"ping","t0":1}]',
    '"ping"',
    '42',
    '{"ref":1}',
    '{"type":5,"ref":2}',
    '{"type":null}',
    '{"type":"ping","t0":1,"ref":{"a":1}}',
    '{"type":"ping","t0":1,"ref":true}',
    '{"type":"ping","t0":1,"ref":1.5}',
    `{"type":"ping","t0":1,"ref":"${'r'.repeat(65)}"}`,
  ]) {
    ws.json(text);
    const m = await ws.next((x) => x.type === 'error' || x.type === 'pong');
    if (m.code !== 'bad_message') wrong.push(`${text.slice(0, 40)} -> ${m.code ?? m.type}`);
  }
  assert.deepEqual(wrong, [], 'each of these is bad_message');
  // the longest allowed string ref is echoed
  const ref = 'r'.repeat(64);
  ws.json({ type: 'ping', t0: 2, ref });
  assert.equal((await ws.next((x) => x.type === 'pong')).ref, ref);
  ws.close();
});

test('unknown_type echoes a string ref', async () => {
  const ws = await raw(srv);
  await hello(ws);
  ws.json({ type: 'dance', ref: 'r-9' });
  const m = await ws.next((x) => x.ref === 'r-9');
  isError(m, 'unknown_type');
  ws.close();
});

test('missing_field names what is missing', async () => {
  const ws = await raw(srv);
  await hello(ws);
  const room = await makeRoom(srv);
  isError(await ws.call({ type: 'join' }), 'missing_field');
  isError(await ws.call({ type: 'ping' }), 'missing_field');
  isError(await ws.call({ type: 'search' }), 'missing_field');
  assert.equal((await ws.call({ type: 'join', room: room.id })).type, 'snapshot');
  isError(await ws.call({ type: 'queue_add', room: room.id }), 'missing_field');
  isError(await ws.call({ type: 'vote', room: room.id, entry: 1 }), 'missing_field');
  isError(await ws.call({ type: 'chat', room: room.id }), 'missing_field');
  isError(await ws.call({ type: 'skip', room: room.id }), 'missing_field');
  const m = await ws.call({ type: 'queue_remove', room: room.id });
  isError(m, 'missing_field');
  assert.match(m.message, /entry/);
  ws.close();
});

test('bad_field: wrong types and values out of range, message names the field', async () => {
  const ws = await raw(srv);
  await hello(ws);
  const room = await makeRoom(srv);
  isError(await ws.call({ type: 'join', room: 'one' }), 'bad_field');
  assert.equal((await ws.call({ type: 'join', room: room.id })).type, 'snapshot');
  const tracks = (await ws.call({ type: 'search', q: '' })).tracks;
  const entry = (await ws.call({ type: 'queue_add', room: room.id, track: tracks[0].id })).entry;
  assert.ok(Number.isInteger(entry));
  const v = await ws.call({ type: 'vote', room: room.id, entry, value: 2 });
  isError(v, 'bad_field');
  assert.match(v.message, /value/);
  isError(await ws.call({ type: 'vote', room: room.id, entry, value: '1' }), 'bad_field');
  isError(await ws.call({ type: 'queue_add', room: room.id, track: 'x' }), 'bad_field');
  isError(await ws.call({ type: 'skip', room: room.id, value: 'yes' }), 'bad_field');
  isError(await ws.call({ type: 'chat', room: room.id, text: 7 }), 'bad_field');
  isError(await ws.call({ type: 'chat', room: room.id, text: '' }), 'bad_field');
  // only white space shows as an empty line: refused, and nobody sees it
  const blank = await ws.call({ type: 'chat', room: room.id, text: ' \u00a0\u3000\u200b\n ' });
  isError(blank, 'bad_field');
  assert.match(blank.message, /spaces/);
  assert.equal(ws.inbox.filter((m) => m.type === 'chat' && !m.msg.text.trim()).length, 0);
  const l = await ws.call({ type: 'search', q: '', limit: 0 });
  isError(l, 'bad_field');
  assert.match(l.message, /limit/);
  isError(await ws.call({ type: 'search', q: '', limit: 101 }), 'bad_field');
  isError(await ws.call({ type: 'search', q: 5 }), 'bad_field');
  isError(await ws.call({ type: 'ping', t0: 'now' }), 'bad_field');
  const long = await ws.call({ type: 'search', q: 'q'.repeat(201) });
  assert.equal(long.type, 'error', `a 201-byte query: ${JSON.stringify(long)}`);
  assert.ok(['bad_field', 'too_long'].includes(long.code), long.code);
  ws.close();
});

test('connection rate limit: rate_limited past the burst, then 1008 after 200 drops', async () => {
  const ws = await raw(srv);
  await hello(ws);
  for (let i = 0; i < 150; i++) ws.json({ type: 'ping', t0: i });
  const replies = [];
  for (let i = 0; i < 150; i++) replies.push(await ws.next((m) => m.type === 'pong' || m.type === 'error'));
  const pongs = replies.filter((m) => m.type === 'pong').length;
  const limited = replies.filter((m) => m.type === 'error' && m.code === 'rate_limited').length;
  assert.equal(pongs + limited, 150, 'every message answered');
  assert.ok(pongs >= 79 && pongs < 120, `pongs ${pongs} (burst 80, one spent on hello)`);
  assert.ok(limited > 0);
  ws.close();

  const flood = await raw(srv);
  await hello(flood);
  for (let i = 0; i < 1000 && flood.readyState === WebSocket.OPEN; i++) flood.json({ type: 'ping', t0: i });
  const closed = await Promise.race([flood.closed, new Promise((r) => setTimeout(() => r(null), 5000))]);
  assert.ok(closed, 'flooding connection was not closed');
  assert.equal(closed.code, 1008);
  assert.match(closed.reason, /rate limit/);
});

test('a message over 64 KiB closes with 1009; one under is handled', async () => {
  const ws = await raw(srv);
  await hello(ws);
  const room = await makeRoom(srv);
  await ws.call({ type: 'join', room: room.id });
  isError(await ws.call({ type: 'chat', room: room.id, text: 'x'.repeat(60 * 1024) }), 'too_long');
  ws.json({ type: 'chat', room: room.id, text: 'x'.repeat(70 * 1024) });
  const { code } = await ws.closed;
  assert.equal(code, 1009);
});

// Regression: a header announcing 2^63-1 bytes, or a body trickled past twice the limit, held the
// connection open (lws reads a message to its end before we could refuse it).
test('a frame header announcing more than 64 KiB closes with 1009 before its body', async (t) => {
  await t.test('2^63-1 bytes announced, no body sent', async () => {
    const s = await tcpWs(srv);
    const head = Buffer.from([0x81, 0xff, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4]);
    s.rawWrite(head);
    const t0 = Date.now();
    assert.equal(await s.closeCode(3000), 1009);
    assert.ok(Date.now() - t0 < 1000, `closed after ${Date.now() - t0} ms`);
    s.end();
  });
  await t.test('70,000 bytes announced, the body trickled', async () => {
    const s = await tcpWs(srv);
    const frame = s.encode(0x1, Buffer.alloc(70000, 0x20));
    s.rawWrite(frame.subarray(0, 14));
    let at = 14;
    const timer = setInterval(() => {
      if (at < frame.length) s.rawWrite(frame.subarray(at, (at += 1000)));
    }, 20);
    try {
      const t0 = Date.now();
      assert.equal(await s.closeCode(5000), 1009);
      assert.ok(Date.now() - t0 < 2500, `closed after ${Date.now() - t0} ms`);
      assert.ok(at < frame.length, 'closed before the body was all sent');
    } finally {
      clearInterval(timer);
      s.end();
    }
  });
  await t.test('fragments adding up past 64 KiB', async () => {
    const s = await tcpWs(srv);
    s.frame(0x1, Buffer.alloc(40000, 0x20), { fin: false });
    s.frame(0x0, Buffer.alloc(40000, 0x20), { fin: false });
    assert.equal(await s.closeCode(3000), 1009);
    s.end();
  });
});

test('invalid UTF-8 in a text frame closes with 1007', async () => {
  const ws = await raw(srv);
  await hello(ws);
  ws.send(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]), { binary: false });
  assert.equal((await ws.closed).code, 1007);
});

test('a binary frame closes with 1003', async () => {
  const ws = await raw(srv);
  await hello(ws);
  ws.send(Buffer.from('{"type":"ping","t0":1}'), { binary: true });
  assert.equal((await ws.closed).code, 1003);
});

test('protocol violations close with 1002', async (t) => {
  // lws 4.1.6 itself catches the reserved opcode and the bad close code; the unmasked and the
  // oversized or fragmented control frames are caught by src/net/wsguard.c before lws reads them.
  const cases = {
    'unmasked frame': [(s) => s.text('{"type":"ping","t0":1}', { mask: false }), /masked/],
    'reserved opcode': [(s) => s.frame(0x3, '{}')],
    'control frame over 125 bytes': [(s) => s.frame(0x9, Buffer.alloc(126, 0x61)), /125/],
    'fragmented control frame': [(s) => s.frame(0x9, 'hi', { fin: false }), /fragmented/],
    'bad close code': [(s) => s.frame(0x8, Buffer.from([0x03, 0xed]))], // 1005 may not be sent
  };
  // Regression: lws echoed these close codes (and a one-byte payload) instead of 1002.
  for (const code of [0, 999, 1004, 1006, 1015, 1016, 2999, 5000, 65535]) {
    const b = Buffer.alloc(2);
    b.writeUInt16BE(code);
    cases[`close code ${code}`] = [(s) => s.frame(0x8, b), /close code/];
  }
  cases['one-byte close payload'] = [(s) => s.frame(0x8, Buffer.from([0x03])), /close code/];
  for (const [name, [send, reason]] of Object.entries(cases)) {
    await t.test(name, async () => {
      const s = await tcpWs(srv);
      send(s);
      assert.equal(await s.closeCode(), 1002);
      if (reason) assert.match(s.closeReason(), reason);
      s.end();
    });
  }
});

test('allowed close codes are echoed: 1000, 3000, 4999', async () => {
  for (const code of [1000, 3000, 4999]) {
    const s = await tcpWs(srv);
    const b = Buffer.alloc(2);
    b.writeUInt16BE(code);
    s.frame(0x8, b);
    assert.equal(await s.closeCode(), code);
    s.end();
  }
});

// Regression: lws took a missing or unknown Sec-WebSocket-Version for 13 (or hung) and dropped a
// handshake without Sec-WebSocket-Key without a word.
test('handshake without Sec-WebSocket-Version 13 answers 426, without a key 400', async () => {
  const head = `GET /ws HTTP/1.1\r\nHost: 127.0.0.1:${srv.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n`;
  const key = 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n';
  for (const version of ['', 'Sec-WebSocket-Version: 8\r\n', 'Sec-WebSocket-Version: 14\r\n']) {
    const { responses } = await rawHttp(srv, `${head}${key}${version}\r\n`);
    assert.equal(responses[0]?.status, 426, JSON.stringify(version));
    assert.equal(responses[0].headers['sec-websocket-version'], '13');
    assert.equal(JSON.parse(responses[0].body).error.code, 'bad_version');
  }
  const { responses } = await rawHttp(srv, `${head}Sec-WebSocket-Version: 13\r\n\r\n`);
  assert.equal(responses[0]?.status, 400);
  assert.equal(JSON.parse(responses[0].body).error.code, 'bad_handshake');
  const ok = await rawHttp(srv, `${head}${key}Sec-WebSocket-Version: 13\r\n\r\n`, { ms: 300 });
  assert.equal(ok.responses[0]?.status, 101);
});

test('frames before a violation in the same read are still framed right; the next client is unaffected', async () => {
  const s = await tcpWs(srv);
  // a valid masked ping frame (lws answers the pong), then an unmasked one in the same write
  s.rawWrite(Buffer.concat([s.encode(0x9, 'ok'), s.encode(0x1, '{"type":"ping","t0":1}', { mask: false })]));
  const pong = await s.nextFrame();
  assert.equal(pong.opcode, 0xa, 'the ping before the bad frame is answered');
  assert.equal(pong.payload.toString(), 'ok');
  assert.equal(await s.closeCode(), 1002);
  s.end();
  const ws = await raw(srv);
  await hello(ws);
  const reply = await ws.call({ type: 'ping', t0: 7 });
  assert.equal(reply.type, 'pong');
  ws.close();
});

test('handshake Origin: foreign refused with 403, own host accepted', async () => {
  await assert.rejects(raw(srv, { headers: { Origin: 'http://evil.example' } }), (e) => e.status === 403);
  const ok = await raw(srv, { headers: { Origin: `http://127.0.0.1:${srv.port}` } });
  await hello(ok);
  ok.close();
  const none = await raw(srv); // no Origin at all (non-browser clients)
  await hello(none);
  none.close();
});

test('--allow-origin admits that origin', async () => {
  const other = await Server.start({ args: ['--allow-origin', 'http://friend.example'] });
  try {
    const ws = await raw(other, { headers: { Origin: 'http://friend.example' } });
    await hello(ws);
    ws.close();
    await assert.rejects(raw(other, { headers: { Origin: 'http://evil.example' } }), (e) => e.status === 403);
  } finally {
    await other.dispose();
  }
});

// A client that stops reading fills its socket: what the kernel did not take of a frame waits
// in the server, later messages queue behind it, and past --out-max-bytes the server closes it
// with 4001. Reading again, it must find every frame whole and in order. The replies come one
// per service pass (searches answer from the reader thread), which is the path where a frame
// goes out by a plain send() and its unsent tail is handed to lws.
test('a client that stops reading gets intact frames in order, then 4001', async () => {
  const other = await Server.start({ args: ['--out-max-bytes', '262144', '--msg-rate', '100000'] });
  try {
    const slow = await raw(other);
    await hello(slow, 'Slow');
    slow._socket.pause();
    let sent = 0;
    for (; sent < 20000 && !other.log.some((l) => l.includes('code=4001')); sent++) {
      slow.json({ type: 'search', q: '', limit: 100, ref: sent });
      await sleep(3);
    }
    slow._socket.resume();
    const { code } = await slow.closed;
    assert.equal(code, 4001, `close code ${code} after ${sent} searches`);
    assert.ok(!slow.inbox.some((m) => m.type === '__unparsable__'), 'a frame arrived broken');
    const results = slow.inbox.filter((m) => m.type === 'results');
    assert.ok(results.length > 100, `only ${results.length} results arrived before the close`);
    results.forEach((m, i) => assert.equal(m.ref, i, `reply ${i} has ref ${m.ref}`));
    assert.ok(results.every((m) => m.tracks.length === results[0].tracks.length && m.tracks.length > 0));
    assert.ok(results.length < sent, 'the slow client was cut off before the end');
  } finally {
    await other.dispose();
  }
}, { timeout: 60000 });
