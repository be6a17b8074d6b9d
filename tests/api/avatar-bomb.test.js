// avatar-bomb.test.js - regression (issue 12): a 510 KiB 1 x 1 PNG whose zTXt chunk inflates to
// 512 MiB cost the server a gigabyte per upload, and four of them held sign-ins back because
// pictures were decoded on the password threads. Four bombs at once now cost a bounded amount of
// memory and a sign-in meanwhile completes in under a second.
// SPDX-License-Identifier: GPL-3.0-or-later
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import zlib from 'node:zlib';
import { test } from './harness.js';
import { startServer, signupAs, closeClients, PASSWORD } from './authz-helpers.js';

let srv;
let bomb;

const CRC = new Int32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c;
});
function crc32(buf) {
  let c = -1;
  for (const b of buf) c = CRC[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}
function chunk(type, data) {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])));
  return Buffer.concat([head, data, crc]);
}

/** `mib` MiB of zeros deflated at level 9, streamed (never all in memory). */
function zeros(mib) {
  return new Promise((resolve, reject) => {
    const z = zlib.createDeflate({ level: 9 });
    const parts = [];
    z.on('data', (d) => parts.push(d));
    z.on('end', () => resolve(Buffer.concat(parts)));
    z.on('error', reject);
    const mb = Buffer.alloc(1 << 20);
    let left = mib;
    const pump = () => {
      while (left > 0) {
        left--;
        if (!z.write(mb)) return z.once('drain', pump);
      }
      z.end();
    };
    pump();
  });
}

/** A 1 x 1 PNG with a zTXt chunk that inflates to 512 MiB. */
async function makeBomb() {
  const ihdr = Buffer.from([0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0]);
  const ztxt = Buffer.concat([Buffer.from('Comment\0\0', 'latin1'), await zeros(512)]);
  const idat = zlib.deflateSync(Buffer.from([0, 0x20, 0x40, 0x60]));
  return Buffer.concat([
    Buffer.from('\x89PNG\r\n\x1a\n', 'latin1'),
    chunk('IHDR', ihdr), chunk('zTXt', ztxt), chunk('IDAT', idat), chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** The server's peak resident memory so far (VmHWM), in MiB. */
function peakMiB(server) {
  const s = fs.readFileSync(`/proc/${server.proc.pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(s)[1]) / 1024;
}

before(async () => {
  bomb = await makeBomb();
  srv = await startServer();
});

after(async () => {
  await closeClients();
  await srv?.dispose();
});

test('avatar decompression bomb: four at once cost bounded memory and a sign-in meanwhile takes under 1 s', async () => {
  assert.ok(bomb.length < 600 * 1024, `a small file: ${bomb.length} bytes`);
  const people = [];
  for (let i = 0; i < 4; i++) people.push(await signupAs(srv, `Bomber${i}`));
  const owner = await signupAs(srv, 'Owner');
  const peak0 = peakMiB(srv);
  const uploads = people.map((p) => fetch(`${srv.base}/api/me/avatar`, {
    method: 'PUT', headers: { 'content-type': 'image/png', authorization: `Bearer ${p.token}` }, body: bomb,
  }).then(async (r) => ({ status: r.status, body: await r.json() })));
  // while the four are being decoded
  const t0 = performance.now();
  const login = await fetch(`${srv.base}/api/auth/login`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: owner.username, password: PASSWORD }),
  });
  const ms = performance.now() - t0;
  assert.equal(login.status, 200);
  const results = await Promise.all(uploads);
  const grew = peakMiB(srv) - peak0;
  console.log(`sign-in during four bombs: ${ms.toFixed(0)} ms; server peak memory grew ${grew.toFixed(0)} MiB`);
  assert.ok(ms < 1000, `sign-in took ${ms.toFixed(0)} ms`);
  for (const r of results) {
    // the text chunk is dropped unread: the one pixel is a picture like any other
    assert.ok(r.status === 200 || (r.status === 400 && r.body.error.code === 'bad_image'), JSON.stringify(r));
  }
  assert.ok(grew < 4 * 64, `four decodes at most 64 MiB each: grew ${grew.toFixed(0)} MiB`);
});
