// party.test.js - party mode: on and off by the owner only, the join code (resolution, rotation,
// a private room reachable only with the current code, the per-address limit on wrong guesses),
// the QR code (an SVG that zbarimg decodes to the join URL), the speaker, a restart, and guests
// marked as guests.
// SPDX-License-Identifier: GPL-3.0-or-later
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test, until, waitFor } from './harness.js';
import { startServer, signupAs, sdkAs, closeClients, rest, roomOf, refused } from './authz-helpers.js';
import * as party from '../../sdk/party.js';

const CODE = /^[2-9A-HJKMNP-Z]{6}$/;
let srv, owner, other, room, c;

before(async () => {
  srv = await startServer();
  owner = await signupAs(srv, 'Host');
  other = await signupAs(srv, 'Other');
  room = await roomOf(srv, owner, 'Party room');
  c = { owner: await sdkAs(srv, owner), other: await sdkAs(srv, other), guest: await sdkAs(srv, null, 'Phone') };
  for (const k of Object.keys(c)) await c[k].join(room.id);
});

after(async () => {
  await closeClients();
  await srv?.dispose();
});

const put = (who, id = room.id, body = {}) => rest(srv, 'PUT', `/api/rooms/${id}/party`, who?.token, body);
const join = (code) => srv.http('GET', `/api/join/${code}`);

/** Decodes a QR code SVG with rsvg-convert and zbarimg; resolves with the text it holds. */
function decodeSvg(svg) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'soundroom-qr-'));
  try {
    fs.writeFileSync(path.join(dir, 'qr.svg'), svg);
    execFileSync('rsvg-convert', ['-w', '400', '-b', 'white', '-o', path.join(dir, 'qr.png'), path.join(dir, 'qr.svg')], {
      stdio: ['ignore', 'ignore', 'ignore'],
    });
    return execFileSync('zbarimg', ['-q', '--raw', path.join(dir, 'qr.png')], { encoding: 'utf8' }).trim();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test('only the owner switches party mode on and off; the room hears of it', async () => {
  assert.equal(c.other.room.party, null, 'no party in the snapshot yet');
  assert.equal((await put(null)).status, 401);
  const no = await put(other);
  assert.equal(no.status, 403);
  assert.equal(no.body.error.code, 'not_allowed');
  assert.equal((await put(owner, 987654)).status, 404);
  const seen = waitFor(c.guest, 'party');
  const on = await put(owner);
  assert.equal(on.status, 200, JSON.stringify(on.body));
  assert.match(on.body.party.code, CODE);
  assert.equal(on.body.party.starts_at, null);
  assert.equal(on.body.party.speaker, null);
  await seen;
  assert.equal(c.guest.room.party.code, on.body.party.code, 'the room got the party delta');
  // the room's REST view says it is a party, without the code
  const info = await srv.http('GET', `/api/rooms/${room.id}`);
  assert.ok(info.body.room.party, JSON.stringify(info.body.room));
  assert.equal(info.body.room.party.code, undefined);
  // a schedule: the same party (the same code), with its start
  const at = Date.now() + 3600e3;
  const sched = await party.startParty(srv.base, owner.token, room.id, { startsAt: at });
  assert.equal(sched.code, on.body.party.code);
  assert.equal(sched.starts_at, at);
  await until(() => c.other.room.party?.starts_at === at, 3000, 'the schedule to reach the room');
  // a fresh snapshot carries it too
  assert.equal((await c.other.join(room.id)).party.starts_at, at);
  // off, by the owner only
  assert.equal((await rest(srv, 'DELETE', `/api/rooms/${room.id}/party`, other.token)).status, 403);
  const code = on.body.party.code;
  assert.equal(await party.endParty(srv.base, owner.token, room.id), null);
  await until(() => c.guest.room.party === null, 3000, 'the end to reach the room');
  assert.equal((await join(code)).status, 404, 'the code of an ended party names nothing');
  const again = await party.startParty(srv.base, owner.token, room.id);
  assert.notEqual(again.code, code, 'a new party, a new code');
});

test('a join code names its room; rotating it retires the old one', async () => {
  const p = await party.roomParty(srv.base, owner.token, room.id);
  const ok = await party.resolveJoinCode(srv.base, p.code.toLowerCase());
  assert.equal(ok.room, room.id, 'codes are read without regard to case');
  assert.equal(ok.invite, undefined, 'a public room needs no invite');
  await refused(party.rotatePartyCode(srv.base, other.token, room.id), 'not_allowed');
  const next = await party.rotatePartyCode(srv.base, owner.token, room.id);
  assert.match(next.code, CODE);
  assert.notEqual(next.code, p.code);
  const old = await join(p.code);
  assert.equal(old.status, 404);
  assert.equal(old.body.error.code, 'no_such_code');
  assert.equal((await join(next.code)).body.room, room.id);
  await until(() => c.guest.room.party?.code === next.code, 3000, 'the new code to reach the room');
});

test('the QR code is an SVG of the join URL, only for those who may enter', async () => {
  const p = await party.roomParty(srv.base, owner.token, room.id);
  const res = await fetch(srv.base + party.qrPath(room.id));
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /^image\/svg\+xml/);
  const svg = await res.text();
  assert.match(svg, /^<svg [^>]*viewBox="0 0 (\d+) \1"/);
  assert.equal((svg.match(/<path /g) ?? []).length, 1, 'one path of unit squares');
  assert.equal(decodeSvg(svg), `${srv.base}/#/join/${p.code}`);
  // a room out of party mode: the room's own link
  const solo = await roomOf(srv, other, 'Solo room');
  const s2 = await (await fetch(srv.base + party.qrPath(solo.id))).text();
  assert.equal(decodeSvg(s2), `${srv.base}/#/room/${solo.id}`);
  assert.equal((await fetch(`${srv.base}/api/rooms/987654/qr.svg`)).status, 404);
});

test('a private room is reachable with the current code only', async () => {
  const priv = await roomOf(srv, owner, 'Private party');
  const patch = await rest(srv, 'PATCH', `/api/rooms/${priv.id}`, owner.token, { visibility: 'private' });
  assert.equal(patch.status, 200);
  const p = await party.startParty(srv.base, owner.token, priv.id);
  // without the code: no room, no QR, no party
  const stranger = await sdkAs(srv, null, 'Stranger');
  await assert.rejects(stranger.join(priv.id));
  assert.equal((await fetch(srv.base + party.qrPath(priv.id))).status, 404);
  assert.equal((await srv.http('GET', `/api/rooms/${priv.id}/party`)).status, 404);
  assert.equal((await rest(srv, 'GET', `/api/rooms/${priv.id}/qr.svg`, other.token)).status, 404);
  // with it: the room and an invite that admits a guest
  const r = await party.resolveJoinCode(srv.base, p.code);
  assert.equal(r.room, priv.id);
  assert.ok(r.invite, 'a private room comes with its invite');
  const room2 = await stranger.join(priv.id, { invite: r.invite });
  assert.equal(room2.party.code, p.code, 'inside, the party and its code');
  // the owner sees its QR
  assert.equal((await rest(srv, 'GET', `/api/rooms/${priv.id}/qr.svg`, owner.token)).status, 200);
  // rotated: the old code reaches nothing
  const next = await party.rotatePartyCode(srv.base, owner.token, priv.id);
  assert.equal((await join(p.code)).status, 404);
  assert.equal((await party.resolveJoinCode(srv.base, next.code)).room, priv.id);
});

test('the speaker: the host claims it and hands it on; remotes cannot take it', async () => {
  await refused(party.claimSpeaker(c.other, room.id, 'other-device-1'), 'not_allowed');
  await refused(party.claimSpeaker(c.owner, room.id, 'short'), 'bad_field');
  let seen = waitFor(c.guest, 'party', (d) => d.party?.speaker);
  await party.claimSpeaker(c.owner, room.id, 'owner-laptop-1');
  let d = await seen;
  assert.equal(d.party.speaker.user.id, owner.user.id);
  assert.equal(d.party.speaker.device, 'owner-laptop-1');
  // handed to the guest (the TV): no device until one of theirs claims it
  await refused(party.giveSpeaker(c.other, room.id, c.guest.user.id), 'not_allowed');
  seen = waitFor(c.other, 'party', (d2) => d2.party?.speaker?.user.id === c.guest.user.id);
  await party.giveSpeaker(c.owner, room.id, c.guest.user.id);
  d = await seen;
  assert.equal(d.party.speaker.device, null);
  assert.equal(d.party.speaker.user.guest, true, 'a guest speaker is marked as a guest');
  await party.claimSpeaker(c.guest, room.id, 'tv-in-the-hall');
  await until(() => c.owner.room.party?.speaker?.device === 'tv-in-the-hall', 3000, 'the TV to be the speaker');
  await refused(party.claimSpeaker(c.other, room.id, 'other-device-1'), 'not_allowed');
  await party.releaseSpeaker(c.guest, room.id);
  await until(() => c.owner.room.party?.speaker === null, 3000, 'the speaker to be released');
  // out of party mode the message is refused
  const solo = await roomOf(srv, other, 'Quiet room');
  await c.other.join(solo.id);
  await refused(party.claimSpeaker(c.other, solo.id, 'other-device-1'), 'no_party');
  await c.other.join(room.id);
});

test('guests are marked as guests in chat, listener lists and the welcome', async () => {
  await c.guest.chat('hello from a guest');
  await c.other.chat('hello from an account');
  await until(() => c.owner.room.chat.length >= 2, 3000, 'the chat lines');
  const lines = c.owner.room.chat.slice(-2);
  assert.deepEqual(lines[0].user, { id: c.guest.user.id, name: 'Phone', guest: true });
  assert.deepEqual(lines[1].user, { id: other.user.id, name: 'Other' });
  const snap = await c.owner.join(room.id);
  const g = snap.listeners.find((u) => u.id === c.guest.user.id);
  const a = snap.listeners.find((u) => u.id === other.user.id);
  assert.equal(g.guest, true);
  assert.equal(a.guest, undefined);
  assert.equal(c.guest.user.guest, true, 'the welcome says so too');
});

test('party mode, its code, schedule and speaker survive a restart', async () => {
  await party.claimSpeaker(c.owner, room.id, 'owner-laptop-1');
  await until(() => c.other.room.party?.speaker?.device === 'owner-laptop-1', 3000, 'the claim');
  const before = await party.roomParty(srv.base, owner.token, room.id);
  await closeClients();
  await srv.restart();
  const after = await party.roomParty(srv.base, owner.token, room.id);
  assert.deepEqual(after, before);
  assert.equal((await party.resolveJoinCode(srv.base, before.code)).room, room.id);
});

// last: it spends this address's guesses
test('wrong join codes from one address are throttled: 429 with retry_after', async () => {
  const p = await party.roomParty(srv.base, owner.token, room.id);
  const wrong = ['ZZZZZZ', 'YYYYYY', 'XXXXXX', 'WWWWWW', 'VVVVVV', 'abc', 'TOOLONGCODE'].filter((x) => x !== p.code);
  let statuses = [];
  for (const code of wrong) statuses.push((await join(code)).status);
  assert.deepEqual(statuses.slice(0, 5), [404, 404, 404, 404, 404], 'a few guesses are answered');
  assert.equal(statuses[5], 429, `then throttled: ${statuses}`);
  const t = await join('ZZZZZY');
  assert.equal(t.status, 429);
  assert.equal(t.body.error.code, 'throttled');
  assert.ok(t.body.error.retry_after >= 1 && t.body.error.retry_after <= 60, JSON.stringify(t.body));
  // while throttled, even the right code waits: walking codes gains nothing
  const e = await party.resolveJoinCode(srv.base, p.code).catch((x) => x);
  assert.equal(e.code, 'throttled');
  assert.ok(e.retryAfter >= 1);
});
