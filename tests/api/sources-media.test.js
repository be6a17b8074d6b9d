// sources-media.test.js - the scanner on real music no one here wrote (Debian's xmoto-data,
// asc-music and sound-theme-freedesktop, plus ffmpeg-transcoded FLAC/Opus/M4A/MP3 copies with
// tags and covers, made by tests/media/make-fixtures.sh): every field the server reports must be
// what `ffprobe -show_format -show_streams -of json` reads; corrupt, truncated and zero-length
// files are skipped with a logged reason.
// SPDX-License-Identifier: GPL-3.0-or-later
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before } from 'node:test';
import { ROOT, Server, test } from './harness.js';

const MEDIA = path.join(ROOT, 'tests/out/media');
let srv;
let expected; // title -> what ffprobe says

/** What the server should report for file f, from ffprobe's JSON. */
function probe(f) {
  const j = JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-show_format', '-show_streams', '-of', 'json', f], { encoding: 'utf8' }));
  const audio = j.streams.find((s) => s.codec_type === 'audio');
  const lower = (o) => Object.fromEntries(Object.entries(o ?? {}).map(([k, v]) => [k.toLowerCase(), String(v).trim()]));
  const fmt = lower(j.format.tags), st = lower(audio?.tags);
  const tag = (k) => fmt[k] || st[k] || null; // the container's tags, else the audio stream's
  const num = (v) => (v && /^\d+/.test(v) ? Number(/^\d+/.exec(v)[0]) : null);
  const pic = j.streams.find((s) => s.disposition?.attached_pic === 1);
  return {
    file: f,
    title: tag('title') ?? path.basename(f).replace(/\.[^.]+$/, ''),
    artist: tag('artist') ?? '',
    album: tag('album') ?? '',
    album_artist: tag('album_artist'),
    genre: tag('genre'),
    year: num(tag('date')),
    track_no: num(tag('track')) || null,
    duration_ms: Number(j.format.duration) * 1000,
    cover: pic ? (pic.codec_name === 'png' ? 'image/png' : 'image/jpeg') : null,
  };
}

before(async () => {
  execFileSync('bash', [path.join(ROOT, 'tests/media/make-fixtures.sh'), MEDIA], { stdio: ['ignore', 'ignore', 'inherit'] });
  const files = ['originals', 'transcoded'].flatMap((d) => fs.readdirSync(path.join(MEDIA, d)).map((f) => path.join(MEDIA, d, f)));
  expected = new Map(files.map((f) => probe(f)).map((p) => [p.title, p]));
  assert.equal(expected.size, files.length, 'fixture titles are distinct');
  srv = await Server.start({ args: ['--library', MEDIA] });
});
after(async () => {
  await srv?.dispose();
});

test('every scanned field equals what ffprobe reads', async () => {
  const tracks = (await srv.http('GET', '/api/tracks?limit=100')).body.tracks;
  assert.deepEqual(tracks.map((t) => t.title).sort(), [...expected.keys()].sort(), 'every real file and no broken one');
  for (const t of tracks) {
    const want = expected.get(t.title);
    const where = path.relative(MEDIA, want.file);
    assert.equal(t.source, 'local', where);
    assert.equal(t.artist, want.artist, `${where}: artist`);
    assert.equal(t.album, want.album, `${where}: album`);
    assert.equal(t.album_artist, want.album_artist, `${where}: album artist`);
    assert.equal(t.genre, want.genre, `${where}: genre`);
    assert.equal(t.year, want.year, `${where}: year`);
    assert.equal(t.track_no, want.track_no, `${where}: track number`);
    assert.ok(Math.abs(t.duration_ms - want.duration_ms) <= 1, `${where}: duration ${t.duration_ms} vs ffprobe ${want.duration_ms}`);
    assert.equal(t.cover !== null, want.cover !== null, `${where}: cover presence`);
    if (want.cover) {
      const res = await fetch(srv.base + t.cover);
      assert.equal(res.status, 200, where);
      assert.equal(res.headers.get('content-type'), want.cover, `${where}: cover type`);
      assert.ok((await res.arrayBuffer()).byteLength > 100);
    }
  }
  // the non-ASCII ID3 tags came through as UTF-8
  assert.equal(expected.get('Füchse rennen').album, 'Bande Sonore Été');
  assert.ok(tracks.some((t) => t.title === 'machine_wars' && t.artist === ''), 'untagged: title from the file name');
});

test('corrupt, truncated, fake and zero-length files are skipped with a logged reason', async () => {
  const skipped = srv.log.filter((l) => l.includes('msg="skip file"'));
  for (const f of ['zero.mp3', 'truncated.flac', 'corrupt.ogg', 'fake.mp3']) {
    const line = skipped.find((l) => l.includes(`/broken/${f}"`));
    assert.ok(line, `no skip line for ${f}:\n${skipped.join('\n')}`);
    assert.match(line, /reason="[^"]+"/);
  }
  const st = (await srv.http('GET', '/api/library')).body;
  assert.equal(st.tracks, expected.size);
});
