// friends-list.js - <sr-friends-list>: friends (mutual follows) and the room each listens in now, live from `friend` messages.
import { LitElement, html, css } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import { base } from './shared-styles.js';
import { roomHref, userHref } from './route.js';
import { StoreWatcher } from './store.js';
import './avatar-img.js';

class SrFriendsList extends LitElement {
  static properties = { store: { attribute: false } };

  static styles = [base, css`
    ul { display: grid; gap: 6px; }
    li {
      display: grid; grid-template-columns: auto minmax(0, 1fr); gap: 0 8px; align-items: center; min-width: 0;
      padding: 6px 8px; border-radius: 10px; background: var(--panel-2);
    }
    .text { display: flex; flex-wrap: wrap; gap: 2px 8px; align-items: baseline; min-width: 0; }
    a { color: inherit; }
    a.who { font-weight: 600; overflow-wrap: anywhere; }
    .where { font-size: 0.85rem; overflow-wrap: anywhere; }
    .where a { color: var(--accent); }
    li.live .who::before { content: '● '; color: var(--up); }
    p { margin: 0; font-size: 0.9rem; }
  `];

  constructor() {
    super();
    this.store = null;
    new StoreWatcher(this);
  }

  willUpdate(changed) {
    // New friendships are not pushed (only friends moving between rooms are): ask when shown.
    if (changed.has('store') && this.store) this.store.loadFriends();
  }

  render() {
    const all = (this.store && this.store.friends) || [];
    // Those listening first, then by name.
    const list = [...all].sort((a, b) => (!!b.listening_in - !!a.listening_in) || String(a.user.name).localeCompare(String(b.user.name)));
    return html`<section class="panel" aria-labelledby="friends-h">
      <h2 id="friends-h">Friends listening now</h2>
      ${list.length ? html`<ul>${repeat(list, (f) => f.user.id, (f) => html`<li class=${f.listening_in ? 'live' : ''} data-user=${f.user.id}>
          <sr-avatar size="24" .user=${f.user}></sr-avatar>
          <span class="text">
            <a class="who" href=${userHref(f.user.id)}>${f.user.name}</a>
            <span class="where muted">${f.listening_in
              ? html`in <a href=${roomHref(f.listening_in.id)}>${f.listening_in.name}</a>`
              : 'not listening'}</span>
          </span>
        </li>`)}</ul>`
        : html`<p class="muted">No friends yet. Follow people (click their name in a room); when they follow you back they show here.</p>`}
    </section>`;
  }
}

customElements.define('sr-friends-list', SrFriendsList);
