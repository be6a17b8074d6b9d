// diskfull.test.js - `make faults`: the data directory on a small tmpfs that fills up. Writes are
// refused with `unavailable` (never acked), nothing acked is lost, the room keeps playing, and
// chat works again without a restart once space returns. Needs root (mount); skips otherwise.
// SPDX-License-Identifier: GPL-3.0-or-later
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before } from 'node:test';
import { Server, test, sleep, raw, makeRoom, owner, allTracks } from '../api/harness.js';

const SIZE = '4m';
let mnt = null;
let why = '';
let srv;

function mount() {
  if (process.getuid?.() !== 0) return 'needs root to mount a tmpfs';
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'soundroom-diskfull-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${SIZE}`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (err) {
    fs.rmdirSync(dir);
    return `cannot mount a tmpfs: ${String(err.stderr ?? err.message).trim()}`;
  }
  mnt = dir;
  return '';
}

/** Fills the file system holding dir with one file until ENOSPC; returns its path. */
function fill(dir) {
  const p = path.join(dir, 'filler');
  const fd = fs.openSync(p, 'a');
  const chunk = Buffer.alloc(4096, 1);
  try {
    for (;;) fs.writeSync(fd, chunk);
  } catch (err) {
    if (err.code !== 'ENOSPC') throw err;
  } finally {
    fs.closeSync(fd);
  }
  return p;
}

before(async () => {
  why = mount();
  if (why) return;
  srv = await Server.start({ dataDir: mnt, args: ['--chat-rate', '10000/10'] });
});

after(async () => {
  try {
    await srv?.stop();
  } finally {
    if (srv?.proc && !srv.exit) {
      srv.kill();
      await srv.exited;
    }
    if (mnt) {
      execFileSync('umount', [mnt]);
      fs.rmdirSync(mnt);
    }
  }
});

test('a full disk: chat refused with unavailable, nothing acked lost, the room plays on, back by itself', async (t) => {
  if (why) return t.skip(why);
  const room = await makeRoom(srv);
  await owner(srv);
  const ws = await raw(srv);
  assert.equal((await ws.call({ type: 'hello', name: 'Disk' })).type, 'welcome');
  assert.equal((await ws.call({ type: 'join', room: room.id })).type, 'snapshot');

  const acked = [];
  const refused = [];
  const other = [];
  const record = (r, text) => {
    if (r.type === 'ack') acked.push({ id: r.id, text });
    else if (r.type === 'error' && r.code === 'unavailable') refused.push({ ...r, text });
    else other.push(r);
    return r;
  };
  const chat = async (text, w = ws) => record(await w.call({ type: 'chat', room: room.id, text }, 10000), text);
  for (let i = 0; i < 5; i++) assert.equal((await chat(`before ${i}`)).type, 'ack');

  // three listeners chat at once, and the disk fills half-way through
  const others = [];
  const welcomes = [];
  for (const name of ['B', 'C']) {
    const w = await raw(srv);
    welcomes.push(await w.call({ type: 'hello', name }));
    await w.call({ type: 'join', room: room.id });
    others.push(w);
  }
  const burst = [];
  const send = (k) => {
    for (const [i, w] of [ws, ...others].entries()) burst.push(chat(`burst ${i}.${k}`, w));
  };
  for (let k = 0; k < 5; k++) send(k);
  await sleep(20);
  const filler = fill(mnt);
  const logFrom = srv.log.length;
  for (let k = 5; k < 10; k++) send(k);
  await Promise.all(burst);
  const ackedInBurst = acked.length - 5;
  // the WAL may still have held a commit or two; chat until the disk refuses one
  let n = 0;
  while (refused.length === 0 && n < 50) await chat(`full ${n++}`);
  assert.ok(refused.length > 0, `no chat was refused on a full disk (${n} sent)`);
  const refusedBefore = refused.length;
  for (let i = 0; i < 10; i++) await chat(`still full ${i}`);
  assert.deepEqual(other, [], 'every chat is acked or refused with unavailable');
  assert.equal(refused.length - refusedBefore, 10, 'the disk stays full: every chat refused');
  const queued = await ws.call({ type: 'queue_add', room: room.id, track: (await allTracks(srv))[0].id });
  assert.equal(queued.code, 'unavailable', JSON.stringify(queued));
  assert.match(refused[0].message, /try again/);
  // once the disk is known to refuse, a change is refused before the room sees it
  await sleep(200);
  const shown = ws.inbox.filter((m) => m.type === 'chat' && m.msg.text.startsWith('still full'));
  assert.deepEqual(shown, [], 'refused chat lines are not shown in the room');

  // REST writes: 503 unavailable
  const { token } = await owner(srv);
  const auth = { authorization: `Bearer ${token}` };
  const signup = await srv.http('POST', '/api/auth/signup', {
    body: { username: `full${Date.now() % 100000}`, password: 'correct horse battery' },
  });
  assert.equal(signup.status, 503, JSON.stringify(signup.body));
  assert.equal(signup.body.error.code, 'unavailable');
  const np0 = (await srv.http('GET', `/api/rooms/${room.id}`)).body.room.now_playing;
  const like = await srv.http('PUT', `/api/me/likes/${np0.track.id}`, { headers: auth });
  assert.equal(like.status, 503, JSON.stringify(like.body));
  assert.equal(like.body.error.code, 'unavailable');

  // the room plays on: a skip starts the next track (its play is not recorded) and the audio
  // is still served
  for (const w of [ws, ...others]) {
    const skip = await w.call({ type: 'skip', room: room.id, value: true, track: np0.track.id });
    assert.equal(skip.type, 'ack', JSON.stringify(skip));
  }
  const np1 = await ws.next((m) => m.type === 'now_playing');
  assert.notEqual(np1.started_at, np0.started_at, 'a new track started');
  const media = await fetch(`${srv.base}${np1.track.url}`, { headers: { range: 'bytes=0-1023' } });
  assert.equal(media.status, 206);
  assert.equal((await media.arrayBuffer()).byteLength, 1024);

  // a guest who comes back under the same name is welcomed as before; a new one cannot be
  // recorded, so is told to try again
  const returning = await raw(srv);
  const again = await returning.call({ type: 'hello', name: 'B', token: welcomes[0].token });
  assert.equal(again.type, 'welcome', JSON.stringify(again));
  assert.equal(again.user.id, welcomes[0].user.id, 'the same person');
  assert.equal((await returning.call({ type: 'join', room: room.id })).type, 'snapshot');
  const newcomer = await (await raw(srv)).call({ type: 'hello', name: 'New' });
  assert.equal(newcomer.code, 'unavailable', JSON.stringify(newcomer));

  const fullLines = srv.log.slice(logFrom).filter((l) => /writes refused/.test(l));
  assert.equal(fullLines.length, 1, `one log line for the state change:\n${srv.tail()}`);

  // space returns: chat works again without a restart
  fs.unlinkSync(filler);
  const t0 = Date.now();
  let back = null;
  for (let i = 0; back === null && Date.now() - t0 < 5000; i++) {
    const r = await chat(`back ${i}`);
    if (r.type === 'ack') back = Date.now() - t0;
    else await sleep(20);
  }
  assert.ok(back !== null, 'chat acked again within 5 s of space returning');
  assert.equal(srv.log.slice(logFrom).filter((l) => /writes resumed/.test(l)).length, 1, srv.tail());
  const signup2 = await srv.http('POST', '/api/auth/signup', {
    body: { username: `back${Date.now() % 100000}`, password: 'correct horse battery' },
  });
  assert.equal(signup2.status, 201, JSON.stringify(signup2.body));
  ws.close();
  for (const w of others) w.close();

  // nothing acked is lost: every acked line is in the room's chat after a restart
  await srv.restart();
  const ws2 = await raw(srv);
  await ws2.call({ type: 'hello', name: 'After' });
  const snap = await ws2.call({ type: 'join', room: room.id });
  const kept = new Set(snap.chat.map((m) => m.id));
  const lost = acked.filter((a) => !kept.has(a.id));
  console.log(
    `diskfull: burst of 30 chats from 3 listeners with the fill half-way: ${ackedInBurst} acked, ` +
      `${30 - ackedInBurst} refused; in all ${acked.length} acked, ${refused.length} refused, ` +
      `${lost.length} acked lost; writes back ${back} ms after the space returned`,
  );
  assert.deepEqual(lost, []);
  for (const r of refused) assert.ok(!snap.chat.some((m) => m.text === r.text));
  ws2.close();
});
