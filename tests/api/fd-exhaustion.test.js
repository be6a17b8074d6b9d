// fd-exhaustion.test.js - regression (issue 12): at the process's open-file limit a failed open()
// of a media file (EMFILE) was taken as "file gone": every track became unavailable, rooms went
// silent, search was empty until a restart. The server's limit is lowered while it runs
// (prlimit), idle connections take the rest, /media is asked on a connection accepted before,
// and once the descriptors are free again every track is still listed and rooms play.
// SPDX-License-Identifier: GPL-3.0-or-later
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { test, sleep, allTracks, makeRoom } from './harness.js';
import { startServer, closeClients } from './authz-helpers.js';

let srv;

before(async () => {
  srv = await startServer();
});

after(async () => {
  await closeClients();
  await srv?.dispose();
});

/** A kept-alive HTTP/1.1 connection: get(path) resolves with the status of the answer. */
async function keepAlive(port) {
  const sock = net.connect(port, '127.0.0.1');
  await new Promise((resolve, reject) => sock.once('connect', resolve).once('error', reject));
  let buf = Buffer.alloc(0);
  let waiting = null;
  const tryParse = () => {
    const end = buf.indexOf('\r\n\r\n');
    if (!waiting || end < 0) return;
    const head = buf.subarray(0, end).toString('latin1');
    const len = Number(/content-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
    if (buf.length < end + 4 + len) return;
    buf = buf.subarray(end + 4 + len);
    const w = waiting;
    waiting = null;
    w(Number(head.split(' ')[1]));
  };
  sock.on('data', (d) => {
    buf = Buffer.concat([buf, d]);
    tryParse();
  });
  return {
    get(path) {
      return new Promise((resolve, reject) => {
        waiting = resolve;
        sock.once('error', reject);
        // a range of one byte: the answer is small whatever the file
        sock.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nRange: bytes=0-0\r\nConnection: keep-alive\r\n\r\n`);
      });
    },
    close: () => sock.destroy(),
  };
}

const fdCount = (pid) => fs.readdirSync(`/proc/${pid}/fd`).length;

test('running out of file descriptors does not empty the library', async () => {
  const pid = srv.proc.pid;
  const tracks = await allTracks(srv);
  assert.ok(tracks.length > 0);
  const local = tracks.filter((t) => t.url?.startsWith('/media/'));
  const conn = await keepAlive(srv.port);
  assert.ok([200, 206].includes(await conn.get(local[0].url)), 'the media is served at first');

  const limit = execFileSync('prlimit', ['--pid', String(pid), '--nofile', '--output', 'SOFT,HARD', '--noheadings'])
    .toString().trim().split(/\s+/);
  const idle = [];
  try {
    execFileSync('prlimit', ['--pid', String(pid), `--nofile=${fdCount(pid) + 8}:${limit[1]}`]);
    // idle connections take every descriptor left
    for (let i = 0; i < 40; i++) {
      const s = net.connect(srv.port, '127.0.0.1');
      s.on('error', () => {});
      idle.push(s);
    }
    await sleep(500);
    for (const t of local) {
      const status = await conn.get(t.url);
      assert.ok(status >= 400, `at the limit /media cannot open ${t.url} (got ${status})`);
    }
  } finally {
    for (const s of idle) s.destroy();
    execFileSync('prlimit', ['--pid', String(pid), `--nofile=${limit[0]}:${limit[1]}`]);
    conn.close();
  }
  await sleep(300);
  const after = await allTracks(srv);
  assert.equal(after.length, tracks.length, 'every track is still listed');
  const found = await srv.http('GET', `/api/tracks?q=${encodeURIComponent(local[0].title)}&limit=10`);
  assert.ok(found.body.tracks.some((t) => t.id === local[0].id), 'search still finds it');
  const again = await fetch(srv.base + local[0].url, { headers: { range: 'bytes=0-0' } });
  assert.ok([200, 206].includes(again.status), `the media is served again: ${again.status}`);
  const room = await makeRoom(srv); // plays, or makeRoom throws
  assert.ok(room.id);
}, { timeout: 60000 });
