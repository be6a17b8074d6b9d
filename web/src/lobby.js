// lobby.js - <sr-lobby>: the live room list (SDK lobby subscription), room search, trending,
// recommended, friends listening now, and the create form.
import { LitElement, html, css } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import { searchRooms } from '../../sdk/lobby.js';
import { base } from './shared-styles.js';
import { roomHref } from './route.js';
import { errorText, plural } from './format.js';
import { StoreWatcher } from './store.js';
import './create-room.js';
import './room-card.js';
import './friends-list.js';

const DEBOUNCE_MS = 250;
const PICKS = 6;

class SrLobby extends LitElement {
  static properties = {
    client: { attribute: false },
    store: { attribute: false },
    connected: { type: Boolean },
    _q: { state: true },
    _results: { state: true },
    _searchError: { state: true },
  };

  static styles = [base, css`
    :host { display: grid; gap: var(--gap); }
    @media (min-width: 900px) {
      :host { grid-template-columns: minmax(0, 2fr) minmax(0, 1fr); align-items: start; }
    }
    .col { display: grid; gap: var(--gap); align-content: start; min-width: 0; }
    .intro { grid-column: 1 / -1; }
    .intro h1 { margin: 0; font-size: 1.4rem; }
    .intro p { margin: 2px 0 0; }
    .rooms { display: grid; gap: 8px; }
    .search { display: flex; gap: 8px; margin-bottom: 10px; }
    .search input { flex: 1; }
    .picks { display: flex; flex-wrap: wrap; gap: 6px; }
    a.pick {
      display: inline-flex; flex-direction: column; min-width: 0; max-width: 100%; padding: 6px 10px;
      border: 1px solid var(--line); border-radius: 10px; background: var(--panel-2);
      color: inherit; text-decoration: none;
    }
    a.pick:hover, a.pick:focus-visible { border-color: var(--accent); }
    .pick .pname { font-weight: 600; }
    .pick .psub { font-size: 0.8rem; }
    .section + .section { margin-top: 12px; }
    .note { margin: 0; }
  `];

  constructor() {
    super();
    this.client = null;
    this.store = null;
    this.connected = true;
    this._q = '';
    this._results = null;
    this._searchError = '';
    this._timer = 0;
    this._seq = 0;
    new StoreWatcher(this);
  }

  disconnectedCallback() {
    super.disconnectedCallback();
    clearTimeout(this._timer);
  }

  _onInput(e) {
    const q = e.target.value;
    clearTimeout(this._timer);
    this._timer = setTimeout(() => this._search(q), DEBOUNCE_MS);
  }

  async _search(q) {
    q = q.trim();
    this._q = q;
    const seq = ++this._seq;
    if (!q) {
      this._results = null;
      this._searchError = '';
      return;
    }
    try {
      const rooms = await searchRooms(this.store.base, q);
      if (seq !== this._seq) return;
      this._results = rooms;
      this._searchError = '';
    } catch (err) {
      if (seq === this._seq) this._searchError = errorText(err);
    }
  }

  /** The live summary of a room found by search (search answers are a snapshot). */
  _live(r) {
    return (this.store && this.store.lobby && this.store.lobby.rooms.get(r.id)) || r;
  }

  _pick(r) {
    const np = r.now_playing;
    return html`<a class="pick" href=${roomHref(r.id)}>
      <span class="pname ellipsis">${r.name}</span>
      <span class="psub muted ellipsis">${plural(Number(r.listeners) || 0, 'listener')}${np ? html` · ♪ ${np.title}` : ''}</span>
    </a>`;
  }

  _picks(title, id, rooms, empty) {
    return html`<div class="section" aria-labelledby=${id}>
      <h2 id=${id}>${title}</h2>
      ${rooms.length ? html`<div class="picks">${repeat(rooms.slice(0, PICKS), (r) => r.id, (r) => this._pick(r))}</div>`
        : html`<p class="note muted">${empty}</p>`}
    </div>`;
  }

  _list(rooms) {
    return html`<ul class="rooms">${repeat(rooms, (r) => r.id, (r) => html`<li>
      <sr-room-card .store=${this.store} .room=${r}></sr-room-card></li>`)}</ul>`;
  }

  render() {
    const s = this.store;
    const lobby = s && s.lobby;
    const searching = !!this._q;
    const all = lobby ? [...lobby.rooms.values()].sort((a, b) => (b.listeners - a.listeners) || (a.id - b.id)) : null;
    return html`
      <div class="intro">
        <h1>Listening rooms</h1>
        <p class="muted">Pick a room to hear what plays there, at the same moment as everyone in it.</p>
      </div>
      <div class="col">
        <section class="panel" aria-labelledby="rooms-h">
          <h2 id="rooms-h">${searching ? 'Rooms found' : 'Rooms'}</h2>
          <form class="search" role="search" @submit=${(e) => { e.preventDefault(); clearTimeout(this._timer); this._search(e.target.elements.q.value); }}>
            <label class="visually-hidden" for="room-q">Search rooms</label>
            <input id="room-q" name="q" type="search" placeholder="Search rooms by name, tag or what plays"
              maxlength="200" autocomplete="off" enterkeyhint="search" @input=${this._onInput}>
          </form>
          ${s && s.lobbyError ? html`<p class="error" role="alert">Could not load rooms: ${s.lobbyError}</p>` : ''}
          ${searching
            ? this._searchError ? html`<p class="error" role="alert">Search failed: ${this._searchError}</p>`
              : this._results == null ? html`<p class="muted">Searching…</p>`
              : this._results.length ? this._list(this._results.map((r) => this._live(r)))
              : html`<p class="muted">No room matches “${this._q}”.</p>`
            : all == null ? html`<p class="muted">Loading rooms…</p>`
              : all.length ? this._list(all)
              : html`<p class="muted">No rooms yet. Create the first one.</p>`}
        </section>
      </div>
      <div class="col">
        ${lobby ? html`<section class="panel">
          ${this._picks('Trending', 'trending-h', lobby.list('trending'), 'Nothing is happening yet.')}
          ${s.account ? this._picks('Recommended for you', 'recommended-h', lobby.list('recommended'),
            'Follow friends, favourite rooms and like tracks to get recommendations.') : ''}
        </section>` : ''}
        ${s && s.account ? html`<sr-friends-list .store=${s}></sr-friends-list>` : ''}
        <sr-create-room .client=${this.client}></sr-create-room>
      </div>
    `;
  }
}

customElements.define('sr-lobby', SrLobby);
