// my-playlists.js - <sr-my-playlists>: my own playlists, in the My music view. Import an M3U,
// PLS or XSPF file into a named list (what was found in the library and what was not, and why),
// open one, queue it into a room, delete it.
import { LitElement, html, css } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import { api } from '../../sdk/core.js';
import { myPlaylists, importPlaylist, getPlaylist, deletePlaylist, queuePlaylist } from '../../sdk/playlists.js';
import { base } from './shared-styles.js';
import { errorText, plural } from './format.js';

const MAX_FILE = 60 * 1024; // the server takes request bodies of at most 64 KiB
const REASONS = {
  not_found: 'not in the library',
  no_match: 'no track matches closely enough',
  bad_url: 'not a playable stream URL',
  private_address: 'a stream on a private network, which this server does not play',
  unknown_host: "a stream whose host name can't be found",
  unsupported: 'no source here plays this',
};

class SrMyPlaylists extends LitElement {
  static properties = {
    store: { attribute: false },
    _lists: { state: true },
    _open: { state: true }, // id -> detail of the lists shown
    _rooms: { state: true },
    _error: { state: true },
    _result: { state: true },
    _busy: { state: true },
  };

  static styles = [base, css`
    :host { display: block; }
    form { display: grid; gap: 8px; margin: 0 0 12px; }
    form .row { display: flex; flex-wrap: wrap; gap: 8px; align-items: end; }
    label { display: grid; gap: 4px; font-size: 0.9rem; }
    ol, ul { list-style: none; margin: 0; padding: 0; display: grid; gap: 6px; }
    li.list { padding: 8px; border-radius: 10px; background: var(--panel-2); display: grid; gap: 6px; }
    .name { font-weight: 600; overflow-wrap: anywhere; }
    .sub { font-size: 0.85rem; }
    .actions { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; }
    .entries li { font-size: 0.9rem; overflow-wrap: anywhere; }
    .missing { color: var(--down); }
    p { margin: 0; }
  `];

  constructor() {
    super();
    this.store = null;
    this._lists = null;
    this._open = new Map();
    this._rooms = [];
    this._error = '';
    this._result = '';
    this._busy = false;
  }

  willUpdate(changed) {
    if (changed.has('store') && this.store && this.store.account) this._load();
  }

  async _load() {
    try {
      const [lists, rooms] = await Promise.all([
        myPlaylists(this.store.base, null),
        api(this.store.base, 'GET', '/api/rooms'),
      ]);
      this._lists = lists;
      this._rooms = rooms.rooms;
      this._error = '';
    } catch (err) {
      this._error = errorText(err);
    }
  }

  _toast(text, kind = 'notice') {
    this.dispatchEvent(new CustomEvent('sr-toast', { detail: { text, kind }, bubbles: true, composed: true }));
  }

  async _import(ev) {
    ev.preventDefault();
    const form = ev.target;
    const file = form.querySelector('input[type=file]').files[0];
    const title = form.querySelector('input[name=title]').value.trim();
    if (!file) return;
    if (file.size > MAX_FILE) {
      this._result = `${file.name} is too large to import (at most 60 KiB).`;
      return;
    }
    this._busy = true;
    try {
      const r = await importPlaylist(this.store.base, null, {
        playlist: await file.text(), name: file.name, ...(title ? { title } : {}),
      });
      this._result = `Imported “${r.playlist.name}”: ${plural(r.resolved.length, 'track')} found`
        + (r.unresolved.length ? `, ${r.unresolved.length} not found.` : '.');
      this._open = new Map(this._open).set(r.playlist.id, r);
      form.reset();
      await this._load();
    } catch (err) {
      this._result = `Could not import ${file.name}: ${errorText(err)}`;
    } finally {
      this._busy = false;
    }
  }

  async _toggle(p) {
    const open = new Map(this._open);
    if (open.has(p.id)) {
      open.delete(p.id);
    } else {
      try {
        open.set(p.id, await getPlaylist(this.store.base, null, p.id));
      } catch (err) {
        return this._toast(`Could not open ${p.name}: ${errorText(err)}`, 'error');
      }
    }
    this._open = open;
  }

  async _queue(p, ev) {
    const select = ev.target.closest('.actions').querySelector('select');
    const room = this._rooms.find((r) => String(r.id) === select.value);
    if (!room) return;
    try {
      const r = await queuePlaylist(this.store.base, null, p.id, room.id);
      const missed = r.unresolved.length;
      this._toast(`Queued ${plural(r.added.length, 'track')} of “${p.name}” in ${room.name}`
        + (missed ? ` (${missed} could not be queued)` : ''));
    } catch (err) {
      this._toast(`Could not queue ${p.name}: ${errorText(err)}`, 'error');
    }
  }

  async _delete(p) {
    try {
      await deletePlaylist(this.store.base, null, p.id);
      this._lists = this._lists.filter((x) => x.id !== p.id);
    } catch (err) {
      this._toast(`Could not delete ${p.name}: ${errorText(err)}`, 'error');
    }
  }

  _entries(d) {
    const rows = [
      ...d.resolved.map((r) => ({ index: r.index, text: `${r.track.artist ? `${r.track.artist} — ` : ''}${r.track.title}` })),
      ...d.unresolved.map((u) => ({ index: u.index, missing: true,
        text: `${u.artist ? `${u.artist} — ` : ''}${u.title || u.location}: ${REASONS[u.reason] || u.reason}` })),
    ].sort((a, b) => a.index - b.index);
    return html`<ol class="entries">${rows.map((r) => html`<li class=${r.missing ? 'missing' : ''}>${r.text}</li>`)}</ol>`;
  }

  render() {
    const lists = this._lists;
    return html`
      <section class="panel playlists" aria-labelledby="pl-h">
        <h2 id="pl-h">My playlists</h2>
        <form @submit=${this._import}>
          <div class="row">
            <label>Playlist file (M3U, PLS, XSPF)
              <input type="file" accept=".m3u,.m3u8,.pls,.xspf,audio/x-mpegurl,audio/x-scpls,application/xspf+xml" required></label>
            <label>Name (optional) <input name="title" maxlength="200"></label>
            <button class="primary" type="submit" ?disabled=${this._busy}>Import</button>
          </div>
          ${this._result ? html`<p class="result" role="status">${this._result}</p>` : ''}
        </form>
        ${this._error ? html`<p class="error" role="alert">Could not load your playlists: ${this._error}</p>` : ''}
        ${lists == null ? html`<p class="muted">Loading…</p>`
          : lists.length === 0 ? html`<p class="muted">No playlists yet: import one from another player.</p>`
          : html`<ol>${repeat(lists, (p) => p.id, (p) => html`<li class="list" data-playlist=${p.id}>
              <div><div class="name">${p.name}</div>
                <div class="sub muted">${plural(p.resolved, 'track')}${p.unresolved ? ` · ${p.unresolved} not found` : ''} · ${p.format.toUpperCase()}</div></div>
              <div class="actions">
                <button type="button" aria-expanded=${this._open.has(p.id) ? 'true' : 'false'} @click=${() => this._toggle(p)}>${this._open.has(p.id) ? 'Hide' : 'Show'}</button>
                <select aria-label="Room to queue ${p.name} in">${this._rooms.map((r) => html`<option value=${r.id}>${r.name}</option>`)}</select>
                <button type="button" ?disabled=${!p.resolved || !this._rooms.length} @click=${(ev) => this._queue(p, ev)}>Queue</button>
                <button type="button" aria-label="Delete ${p.name}" @click=${() => this._delete(p)}>Delete</button>
              </div>
              ${this._open.has(p.id) ? this._entries(this._open.get(p.id)) : ''}
            </li>`)}</ol>`}
      </section>
    `;
  }
}

customElements.define('sr-my-playlists', SrMyPlaylists);
