// playlists.test.js - "My playlists" in My music: a person imports an M3U file from their
// computer into a list of their own, sees what was found and what was not (and why), queues
// it into a room, and deletes it.
// SPDX-License-Identifier: GPL-3.0-or-later
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { connect } from '../../sdk/soundroom.js';
import { startServer, launchBrowser, newPage, signUpAs, DEMO_ROOM } from './harness.js';

let server, browser;

before(async () => {
  server = await startServer('playlists');
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('import an M3U into my playlists, see found and missing entries, queue it into a room, delete it', async () => {
  const { page, seen } = await newPage(browser);
  await signUpAs(page, server.url, { username: `pl_${Date.now().toString(36)}`, name: 'Lister' });
  const tracks = (await (await fetch(`${server.url}/api/tracks`)).json()).tracks.filter((t) => t.artist);
  const song = tracks[0];
  const m3u = ['#EXTM3U', '#PLAYLIST:Night drive', `#EXTINF:${Math.round(song.duration_ms / 1000)},${song.artist} - ${song.title}`,
    'C:\\Music\\somewhere\\song.mp3', '#EXTINF:200,Nobody - Not Here', 'gone/not-here.flac'].join('\n');
  await page.goto(`${server.url}/#/music`);
  const panel = page.locator('sr-my-playlists section.playlists');
  await panel.getByText('No playlists yet').waitFor({ timeout: 10000 });
  await panel.locator('input[type=file]').setInputFiles({ name: 'drive.m3u', mimeType: 'audio/x-mpegurl', buffer: Buffer.from(m3u) });
  await panel.getByRole('button', { name: 'Import' }).click();
  await panel.getByRole('status').filter({ hasText: 'Imported “Night drive”: 1 track found, 1 not found.' }).waitFor({ timeout: 10000 });
  const item = panel.locator('li.list').filter({ hasText: 'Night drive' });
  await item.getByText('1 track · 1 not found · M3U').waitFor();
  // the entries, shown after the import: the song found, the missing one with its reason
  await item.locator('.entries li').first().waitFor();
  await item.getByRole('button', { name: 'Hide' }).click();
  assert.equal(await item.locator('.entries li').count(), 0);
  await item.getByRole('button', { name: 'Show' }).click();
  await item.locator('.entries li').filter({ hasText: `${song.artist} — ${song.title}` }).waitFor();
  await item.locator('.entries li.missing').filter({ hasText: 'Nobody — Not Here: not in the library' }).waitFor();

  // queue it into the demo room: a listener there sees the entry arrive
  const listener = await connect(server.url.replace(/^http/, 'ws') + '/ws', { name: 'Ear', WebSocket, reconnect: false });
  await listener.join(DEMO_ROOM.id);
  const arrived = new Promise((ok) => {
    const off = listener.on('queue', (d) => {
      if (d.type === 'entry_added') off(), ok(d.entry);
    });
  });
  await item.getByLabel('Room to queue Night drive in').selectOption({ label: DEMO_ROOM.name });
  await item.getByRole('button', { name: 'Queue' }).click();
  await page.getByText(`Queued 1 track of “Night drive” in ${DEMO_ROOM.name}`).waitFor({ timeout: 10000 });
  const entry = await arrived;
  assert.equal(entry.track.title, song.title);
  assert.equal(entry.added_by.name, 'Lister');
  await listener.close();

  // it is kept: after a reload it is still there; then delete it
  await page.reload();
  await item.waitFor({ timeout: 10000 });
  await item.getByRole('button', { name: 'Delete Night drive' }).click();
  await panel.getByText('No playlists yet').waitFor({ timeout: 5000 });
  assert.deepEqual(seen.pageErrors, []);
});
