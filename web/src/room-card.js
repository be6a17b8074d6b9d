// room-card.js - <sr-room-card>: one room in a list: name, listeners, friends there, what plays (artist links to
// the artist's room), tags and the favourite star.
import { LitElement, html, css } from 'lit';
import { base } from './shared-styles.js';
import { roomHref } from './route.js';
import { plural } from './format.js';
import { StoreWatcher } from './store.js';
import './artist-link.js';
import './favorite-star.js';

class SrRoomCard extends LitElement {
  static properties = {
    store: { attribute: false },
    room: { attribute: false },
  };

  static styles = [base, css`
    .card {
      display: grid; grid-template-columns: minmax(0, 1fr) auto; gap: 4px 8px; align-items: start;
      padding: 12px; border: 1px solid var(--line); border-radius: 10px; background: var(--panel-2);
    }
    .card:hover, .card:focus-within { border-color: var(--accent); }
    a.room { display: block; color: inherit; text-decoration: none; min-width: 0; }
    a.room:focus-visible { outline: 2px solid var(--accent); outline-offset: 4px; border-radius: 6px; }
    .name { font-weight: 600; font-size: 1.05rem; overflow-wrap: anywhere; }
    .desc { font-size: 0.9rem; margin-top: 2px; overflow-wrap: anywhere; }
    .meta { display: flex; flex-wrap: wrap; gap: 4px 12px; margin-top: 6px; font-size: 0.85rem; }
    .listeners { color: var(--muted); }
    .listeners.live { color: var(--up); }
    .friends { color: var(--accent); overflow-wrap: anywhere; }
    .tags { display: flex; flex-wrap: wrap; gap: 4px; margin-top: 6px; }
    .tag { font-size: 0.75rem; padding: 1px 8px; border-radius: 99px; background: var(--panel); color: var(--muted); overflow-wrap: anywhere; }
    .np { grid-column: 1 / -1; font-size: 0.85rem; min-width: 0; overflow-wrap: anywhere; }
  `];

  constructor() {
    super();
    this.store = null;
    this.room = null;
    new StoreWatcher(this);
  }

  render() {
    const r = this.room;
    if (!r) return '';
    const s = this.store;
    const np = r.now_playing || null;
    const listeners = Number(r.listeners) || 0;
    const friends = s ? s.friendsIn(r.id) : [];
    return html`<div class="card" data-room=${r.id}>
      <a class="room" href=${roomHref(r.id)}>
        <div class="name">${r.name}</div>
        ${r.description ? html`<div class="desc muted">${r.description}</div>` : ''}
        <div class="meta">
          ${listeners > 0
            ? html`<span class="listeners live"><span aria-hidden="true">● </span>${plural(listeners, 'listener')}</span>`
            : html`<span class="listeners">No listeners</span>`}
          ${friends.length ? html`<span class="friends">${friends.map((f) => f.user.name).join(', ')} ${friends.length === 1 ? 'is' : 'are'} here</span>` : ''}
        </div>
        ${r.tags && r.tags.length ? html`<div class="tags">${r.tags.map((t) => html`<span class="tag">${t}</span>`)}</div>` : ''}
      </a>
      ${s && s.account ? html`<sr-favorite-star .store=${s} .room=${r}></sr-favorite-star>` : html`<span></span>`}
      <div class="np muted">${np
        ? html`♪ <span class="title">${np.title || 'Untitled'}</span>${np.artist
          ? html` — <sr-artist-link .store=${s} .name=${np.artist}></sr-artist-link>` : ''}`
        : 'Nothing playing'}</div>
    </div>`;
  }
}

customElements.define('sr-room-card', SrRoomCard);
