// slowloris.test.js - `make faults`: 2,000 connections that send their headers slowly (and
// reconnect when dropped) must not keep anyone else waiting: a new visitor loads the page and
// joins within 1 s, and a current listener's /media requests are served. Load- and
// timing-sensitive, so not part of `make api`; figures go to docs/reliability.md.
// SPDX-License-Identifier: GPL-3.0-or-later
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { after, before } from 'node:test';
import { allTracks, client, closeAll, makeRoom, Server, test } from '../api/harness.js';

const N = Number(process.env.SLOWLORIS_N ?? 2000);
let srv;
before(async () => {
  srv = await Server.start();
});
after(async () => {
  await closeAll();
  await srv?.dispose();
});

/** N connections trickling header lines; each one dropped is replaced. stop() ends them all. */
function attack(port, n) {
  let stopped = false;
  let drops = 0;
  const socks = new Set();
  const open = () => {
    if (stopped) return;
    const sock = net.connect(port, '127.0.0.1');
    socks.add(sock);
    let timer;
    sock.on('error', () => {});
    sock.on('connect', () => {
      sock.write('GET / HTTP/1.1\r\nHost: x\r\n');
      timer = setInterval(() => sock.write('X-Slow: 1\r\n'), 500);
    });
    sock.on('close', () => {
      clearInterval(timer);
      socks.delete(sock);
      drops++;
      setTimeout(open, 50);
    });
  };
  for (let i = 0; i < n; i++) open();
  return {
    live: () => socks.size,
    drops: () => drops,
    stop() {
      stopped = true;
      for (const s of socks) s.destroy();
    },
  };
}

/** GET path with a Range over the keep-alive agent; resolves {status, bytes, ms}. */
function getRange(agent, path, range) {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const req = http.get(`${srv.base}${path}`, { agent, headers: { range } }, (res) => {
      let bytes = 0;
      res.on('data', (d) => (bytes += d.length));
      res.on('end', () => resolve({ status: res.statusCode, bytes, ms: Date.now() - t0 }));
    });
    req.on('error', reject);
    req.setTimeout(10000, () => req.destroy(new Error('timeout')));
  });
}

test(`${N} slow half-requests: page load and join within 1 s, a listener's /media served`, async () => {
  const room = await makeRoom(srv);
  const track = (await allTracks(srv))[0];
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const listener = await client(srv, 'Listener');
  await listener.join(room.id);
  assert.equal((await getRange(agent, `/media/${track.id}`, 'bytes=0-1023')).status, 206);

  const a = attack(srv.port, N);
  await new Promise((r) => setTimeout(r, 4000)); // past one deadline: the reconnects are going too
  const loads = [];
  const media = [];
  for (let i = 0; i < 10; i++) {
    const t0 = Date.now();
    const page = await fetch(`${srv.base}/`);
    assert.equal(page.status, 200);
    await page.text();
    const c = await client(srv, `Visitor${i}`);
    await c.join(room.id);
    loads.push(Date.now() - t0);
    const m = await getRange(agent, `/media/${track.id}`, `bytes=${i * 1024}-${i * 1024 + 1023}`);
    assert.equal(m.status, 206);
    assert.equal(m.bytes, 1024);
    media.push(m.ms);
    await new Promise((r) => setTimeout(r, 300));
  }
  const live = a.live();
  const drops = a.drops();
  a.stop();
  agent.destroy();
  const max = (v) => Math.max(...v);
  console.log(
    `slowloris: ${N} attackers (${live} connected at the end, ${drops} dropped at the deadline and replaced); ` +
      `page load + join: median ${loads.sort((x, y) => x - y)[5]} ms, max ${max(loads)} ms; ` +
      `listener /media: max ${max(media)} ms`,
  );
  assert.ok(max(loads) < 1000, `page load + join took up to ${max(loads)} ms`);
  assert.ok(max(media) < 1000, `/media took up to ${max(media)} ms`);
  assert.ok(drops >= N / 2, `slow connections were dropped at the deadline (${drops})`);
}, { timeout: 120000 });
