// my-music.js - <sr-my-music>: the tracks I like (with M3U and JSON export links) and what I listened to.
import { LitElement, html, css } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import { likes as fetchLikes, history as fetchHistory } from '../../sdk/lobby.js';
import { base } from './shared-styles.js';
import { roomHref } from './route.js';
import { clock, errorText, dateTime } from './format.js';
import { StoreWatcher } from './store.js';
import './artist-link.js';
import './my-playlists.js';

class SrMyMusic extends LitElement {
  static properties = {
    store: { attribute: false },
    _likes: { state: true },
    _history: { state: true },
    _error: { state: true },
    _busy: { state: true },
  };

  static styles = [base, css`
    :host { display: grid; gap: var(--gap); max-width: 900px; margin: 0 auto; }
    @media (min-width: 900px) { :host { grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); align-items: start; } }
    h1 { margin: 0; font-size: 1.4rem; grid-column: 1 / -1; }
    .exports { display: flex; flex-wrap: wrap; gap: 8px; margin: 0 0 10px; }
    ol { list-style: none; margin: 0; padding: 0; display: grid; gap: 6px; }
    li {
      display: grid; grid-template-columns: minmax(0, 1fr) auto; gap: 8px; align-items: center;
      padding: 6px 8px; border-radius: 10px; background: var(--panel-2);
    }
    .info { min-width: 0; }
    .title { font-weight: 600; overflow-wrap: anywhere; }
    .sub { font-size: 0.85rem; overflow-wrap: anywhere; }
    .sub a { color: var(--accent); }
    button.unlike { color: var(--down); width: 40px; padding: 4px; }
    p { margin: 0; }
  `];

  constructor() {
    super();
    this.store = null;
    this._likes = null;
    this._history = null;
    this._error = '';
    this._busy = new Set();
    new StoreWatcher(this);
  }

  willUpdate(changed) {
    if (changed.has('store') && this.store) this._load();
  }

  async _load() {
    if (!this.store.account) return;
    try {
      const [l, h] = await Promise.all([
        fetchLikes(this.store.base, null),
        fetchHistory(this.store.base, null, { limit: 100 }),
      ]);
      this._likes = l;
      this._history = h;
      this._error = '';
    } catch (err) {
      this._error = errorText(err);
    }
  }

  async _unlike(t) {
    this._busy = new Set(this._busy).add(t.id);
    try {
      await this.store.setLiked(t.id, false);
      this._likes = this._likes.filter((l) => l.track.id !== t.id);
    } catch (err) {
      this.dispatchEvent(new CustomEvent('sr-toast', {
        detail: { text: `Could not unlike: ${errorText(err)}`, kind: 'error' }, bubbles: true, composed: true,
      }));
    } finally {
      const b = new Set(this._busy);
      b.delete(t.id);
      this._busy = b;
    }
  }

  _sub(t) {
    return html`${t.artist ? html`<sr-artist-link .store=${this.store} .name=${t.artist}></sr-artist-link>` : 'Unknown artist'}${t.album ? ` — ${t.album}` : ''}`;
  }

  render() {
    const s = this.store;
    if (!s || !s.account) {
      return html`<section class="panel"><h1>My music</h1>
        <p class="muted"><a href="#/signin">Sign in</a> to keep the tracks you like and your listening history.</p></section>`;
    }
    const likes = this._likes;
    const hist = this._history;
    return html`
      <h1>My music</h1>
      ${this._error ? html`<p class="error" role="alert">Could not load your music: ${this._error}</p>` : ''}
      <section class="panel likes" aria-labelledby="likes-h">
        <h2 id="likes-h">Liked tracks${likes ? ` (${likes.length})` : ''}</h2>
        <div class="exports">
          <a class="button" href="/api/me/likes.m3u" download="likes.m3u">Export M3U</a>
          <a class="button" href="/api/me/likes" download="likes.json">Export JSON</a>
        </div>
        ${likes == null ? html`<p class="muted">Loading…</p>`
          : likes.length === 0 ? html`<p class="muted">No liked tracks yet. Tap ♡ on what plays in a room.</p>`
          : html`<ol>${repeat(likes, (l) => l.track.id, (l) => html`<li data-track=${l.track.id}>
              <div class="info">
                <div class="title">${l.track.title || 'Untitled'}</div>
                <div class="sub muted">${this._sub(l.track)} · ${clock((l.track.duration_ms || 0) / 1000)} · liked ${dateTime(l.liked_at)}</div>
              </div>
              <button class="unlike" type="button" aria-label="Unlike ${l.track.title}" title="Unlike"
                ?disabled=${this._busy.has(l.track.id)} @click=${() => this._unlike(l.track)}>♥</button>
            </li>`)}</ol>`}
      </section>
      <sr-my-playlists .store=${s}></sr-my-playlists>
      <section class="panel history" aria-labelledby="hist-h">
        <h2 id="hist-h">Listening history</h2>
        ${hist == null ? html`<p class="muted">Loading…</p>`
          : hist.length === 0 ? html`<p class="muted">Nothing yet: tracks you hear in rooms show here.</p>`
          : html`<ol>${hist.map((p) => html`<li>
              <div class="info">
                <div class="title">${p.track.title || 'Untitled'}</div>
                <div class="sub muted">${this._sub(p.track)} · ${dateTime(p.started_at)}${p.room
                  ? html` · in <a href=${roomHref(p.room.id ?? p.room)}>${p.room.name ?? `room ${p.room}`}</a>` : ''}</div>
              </div><span></span>
            </li>`)}</ol>`}
      </section>
    `;
  }
}

customElements.define('sr-my-music', SrMyMusic);
