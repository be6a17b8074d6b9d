// fdlimit.test.js - `make faults`: at the open-file limit the accept loop must not spin (today
// 86–97% of a core and ~200 log lines/s): under 10% of a core, one log line, and accepting again
// within 1 s of descriptors coming free. The server runs with `ulimit -n 256` (tests/faults/ulimit.sh).
// SPDX-License-Identifier: GPL-3.0-or-later
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
process.env.SOUNDROOM_REAL_BIN ??= process.env.SOUNDROOM_BIN ?? path.join(here, '../../build/soundroom');
process.env.SOUNDROOM_BIN = path.join(here, 'ulimit.sh');
process.env.SOUNDROOM_NOFILE = '256';
const { Server, test, sleep } = await import('../api/harness.js');

let srv;
before(async () => {
  // a long header deadline: the idle connections below must hold their descriptors
  srv = await Server.start({ args: ['--header-timeout', '60'] });
});
after(async () => {
  await srv?.dispose();
});

/** CPU seconds (user + system) the process has used so far. */
function cpuSeconds(pid) {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
}

function connect(port) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.on('error', () => resolve(null));
    s.on('connect', () => resolve(s));
  });
}

test('at the open-file limit: under 10% of a core, one log line, accepting again within 1 s', async () => {
  const held = [];
  // more connections than the server has descriptors: the kernel queues the rest (backlog)
  for (let i = 0; i < 400; i++) {
    const s = await connect(srv.port);
    if (s) held.push(s);
  }
  await sleep(1000);
  const logBefore = srv.log.length;
  const cpu0 = cpuSeconds(srv.proc.pid);
  const t0 = Date.now();
  // keep knocking while at the limit
  const knocks = [];
  for (let i = 0; i < 50; i++) {
    knocks.push(connect(srv.port));
    await sleep(40);
  }
  await sleep(3000 - (Date.now() - t0));
  const cpu = (cpuSeconds(srv.proc.pid) - cpu0) / ((Date.now() - t0) / 1000);
  const lines = srv.log.slice(logBefore);
  const limitLines = srv.log.filter((l) => /open-file limit|accept: errno/.test(l));
  console.log(`fdlimit: at the limit ${(cpu * 100).toFixed(1)}% of a core, ${lines.length} log lines in 3 s, ${limitLines.length} about the limit`);
  assert.ok(cpu < 0.1, `${(cpu * 100).toFixed(1)}% of a core at the limit`);
  assert.equal(limitLines.length, 1, limitLines.join('\n'));
  for (const s of await Promise.all(knocks)) s?.destroy();
  // descriptors come free: the next visitor is served within 1 s
  for (const s of held.splice(0, 200)) s.destroy();
  const t1 = Date.now();
  let ok = false;
  while (!ok && Date.now() - t1 < 5000) {
    try {
      const res = await fetch(`${srv.base}/api/health`, { signal: AbortSignal.timeout(1000) });
      ok = res.ok;
    } catch {
      await sleep(50);
    }
  }
  const took = Date.now() - t1;
  console.log(`fdlimit: served again ${took} ms after 200 descriptors came free`);
  assert.ok(ok && took < 1000, `served again after ${took} ms`);
  for (const s of held) s.destroy();
}, { timeout: 60000 });
