// lobby.js - <sr-lobby>: the list of rooms, with listeners and what is playing, and the create form.
import { LitElement, html, css } from 'lit';
import { base } from './shared-styles.js';
import { roomHref } from './route.js';
import { errorText, plural } from './format.js';
import './create-room.js';

const REFRESH_MS = 10000;

class SrLobby extends LitElement {
  static properties = {
    client: { attribute: false },
    connected: { type: Boolean },
    _rooms: { state: true },
    _error: { state: true },
  };

  static styles = [base, css`
    :host { display: grid; gap: var(--gap); }
    @media (min-width: 900px) {
      :host { grid-template-columns: minmax(0, 2fr) minmax(0, 1fr); align-items: start; }
    }
    .rooms { display: grid; gap: 8px; }
    a.room {
      display: block; color: inherit; text-decoration: none; padding: 12px;
      border: 1px solid var(--line); border-radius: 10px; background: var(--panel-2);
    }
    a.room:hover, a.room:focus-visible { border-color: var(--accent); }
    .name { font-weight: 600; font-size: 1.05rem; }
    .desc { font-size: 0.9rem; margin-top: 2px; }
    .meta { display: flex; flex-wrap: wrap; gap: 4px 12px; margin-top: 6px; font-size: 0.85rem; }
    .listeners { color: var(--up); }
    .tags { display: flex; flex-wrap: wrap; gap: 4px; margin-top: 6px; }
    .tag { font-size: 0.75rem; padding: 1px 8px; border-radius: 99px; background: var(--panel); color: var(--muted); }
  `];

  constructor() {
    super();
    this.client = null;
    this.connected = true;
    this._rooms = null;
    this._error = '';
    this._timer = 0;
  }

  connectedCallback() {
    super.connectedCallback();
    this._load();
    this._timer = setInterval(() => this._load(), REFRESH_MS);
  }

  disconnectedCallback() {
    super.disconnectedCallback();
    clearInterval(this._timer);
  }

  updated(changed) {
    if (changed.has('connected') && this.connected && changed.get('connected') === false) this._load();
  }

  async _load() {
    if (!this.client) return;
    try {
      const r = await this.client.listRooms();
      this._rooms = Array.isArray(r) ? r : (r && r.rooms) || [];
      this._error = '';
    } catch (err) {
      this._error = errorText(err);
    }
  }

  _room(r) {
    const np = r.now_playing || r.nowPlaying;
    const listeners = Number(r.listeners) || 0;
    return html`<li>
      <a class="room" href=${roomHref(r.id)}>
        <div class="name">${r.name}</div>
        ${r.description ? html`<div class="desc muted">${r.description}</div>` : ''}
        <div class="meta">
          <span class="listeners">● ${plural(listeners, 'listener')}</span>
          <span class="muted ellipsis">${np ? html`♪ ${np.title}${np.artist ? ` — ${np.artist}` : ''}` : 'Nothing playing'}</span>
        </div>
        ${r.tags && r.tags.length ? html`<div class="tags">${r.tags.map((t) => html`<span class="tag">${t}</span>`)}</div>` : ''}
      </a>
    </li>`;
  }

  render() {
    return html`
      <section class="panel" aria-labelledby="rooms-h">
        <h2 id="rooms-h">Rooms</h2>
        ${this._error ? html`<p class="error" role="alert">Could not load rooms: ${this._error}</p>` : ''}
        ${this._rooms == null
          ? html`<p class="muted">Loading rooms…</p>`
          : this._rooms.length
            ? html`<ul class="rooms">${this._rooms.map((r) => this._room(r))}</ul>`
            : html`<p class="muted">No rooms yet. Create the first one.</p>`}
      </section>
      <sr-create-room .client=${this.client}></sr-create-room>
    `;
  }
}

customElements.define('sr-lobby', SrLobby);
