// favorites-drawer.js - <sr-favorites-drawer>: the favourite rooms, each with what plays there, its listeners and the
// friends in it, live from the lobby subscription and `friend` messages.
import { LitElement, html, css } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import { base } from './shared-styles.js';
import { roomHref } from './route.js';
import { plural } from './format.js';
import { StoreWatcher } from './store.js';
import './artist-link.js';
import './favorite-star.js';

class SrFavoritesDrawer extends LitElement {
  static properties = {
    store: { attribute: false },
    open: { type: Boolean, reflect: true },
  };

  static styles = [base, css`
    :host { position: fixed; inset: 0; z-index: 8; display: none; }
    :host([open]) { display: block; }
    .scrim { position: absolute; inset: 0; background: rgb(0 0 0 / 0.45); }
    aside {
      position: absolute; top: 0; right: 0; bottom: 0; width: min(380px, 100%);
      background: var(--panel); border-left: 1px solid var(--line); box-shadow: -8px 0 24px rgb(0 0 0 / 0.3);
      display: flex; flex-direction: column; min-width: 0;
    }
    .top { display: flex; align-items: center; gap: 8px; padding: 10px 12px; border-bottom: 1px solid var(--line); }
    .top h2 { margin: 0; flex: 1; }
    .body { overflow-y: auto; overscroll-behavior: contain; padding: 12px; flex: 1; min-width: 0; }
    ul { display: grid; gap: 8px; }
    li {
      display: grid; grid-template-columns: minmax(0, 1fr) auto; gap: 2px 8px; align-items: start;
      padding: 10px; border-radius: 10px; background: var(--panel-2); border: 1px solid var(--line);
    }
    a.fav-room { color: inherit; font-weight: 600; overflow-wrap: anywhere; }
    .line { grid-column: 1 / -1; font-size: 0.85rem; min-width: 0; overflow-wrap: anywhere; }
    .listeners { color: var(--up); }
    .friends { color: var(--accent); }
    p { margin: 0; }
  `];

  constructor() {
    super();
    this.store = null;
    this.open = false;
    new StoreWatcher(this);
    this._onKey = (e) => {
      if (e.key === 'Escape' && this.open) this._close();
    };
  }

  connectedCallback() {
    super.connectedCallback();
    window.addEventListener('keydown', this._onKey);
  }

  disconnectedCallback() {
    super.disconnectedCallback();
    window.removeEventListener('keydown', this._onKey);
  }

  updated(changed) {
    if (changed.has('open') && this.open) this.renderRoot.querySelector('.close')?.focus();
  }

  _close() {
    this.dispatchEvent(new CustomEvent('close'));
  }

  _room(id) {
    const s = this.store;
    const r = s.summary(id) || { id };
    const np = r.now_playing || null;
    const friends = s.friendsIn(id);
    return html`<li data-room=${id}>
      <a class="fav-room" href=${roomHref(id)} @click=${this._close}>${r.name || `Room ${id}`}</a>
      <sr-favorite-star .store=${s} .room=${r}></sr-favorite-star>
      <div class="line muted">${np
        ? html`♪ <span class="title">${np.title || 'Untitled'}</span>${np.artist
          ? html` — <sr-artist-link .store=${s} .name=${np.artist}></sr-artist-link>` : ''}`
        : 'Nothing playing'}</div>
      <div class="line">${typeof r.listeners === 'number' ? html`<span class="listeners">● ${plural(r.listeners, 'listener')}</span>` : ''}
        ${friends.length ? html` · <span class="friends">${friends.map((f) => f.user.name).join(', ')} ${friends.length === 1 ? 'is' : 'are'} here</span>` : ''}</div>
    </li>`;
  }

  render() {
    const s = this.store;
    if (!this.open || !s) return '';
    const ids = [...s.favorites.keys()];
    return html`
      <div class="scrim" @click=${this._close}></div>
      <aside role="dialog" aria-modal="true" aria-labelledby="fav-h">
        <div class="top">
          <h2 id="fav-h">Favourite rooms</h2>
          <button class="close" type="button" aria-label="Close favourites" @click=${this._close}>✕</button>
        </div>
        <div class="body">
          ${ids.length ? html`<ul>${repeat(ids, (id) => id, (id) => this._room(id))}</ul>`
            : html`<p class="muted">No favourites yet. Tap ☆ on a room to keep it here and see what plays there.</p>`}
        </div>
      </aside>
    `;
  }
}

customElements.define('sr-favorites-drawer', SrFavoritesDrawer);
