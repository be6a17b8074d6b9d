// listener-list.js - <sr-listener-list>: who is in the room right now.
import { LitElement, html, css } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import { base } from './shared-styles.js';

class SrListenerList extends LitElement {
  static properties = {
    listeners: { attribute: false },
    count: { type: Number },
    me: { attribute: false },
  };

  static styles = [base, css`
    ul { display: flex; flex-wrap: wrap; gap: 6px; }
    li {
      padding: 4px 10px; border-radius: 99px; background: var(--panel-2); font-size: 0.9rem;
      max-width: 100%; overflow: hidden; text-overflow: ellipsis; white-space: nowrap;
    }
    li.me { outline: 1px solid var(--up); }
    .more { margin: 8px 0 0; font-size: 0.9rem; }
  `];

  constructor() {
    super();
    this.listeners = [];
    this.count = 0;
    this.me = {};
  }

  render() {
    const list = this.listeners || [];
    const myId = this.me && this.me.id;
    return html`<section class="panel" aria-labelledby="listeners-h">
      <h2 id="listeners-h">Listening (${Math.max(this.count, list.length)})</h2>
      <ul>${repeat(list, (u) => u.id, (u) => html`<li class=${u.id === myId ? 'me' : ''}>${u.name}${u.id === myId ? ' (you)' : ''}</li>`)}</ul>
      ${this.count > list.length ? html`<p class="muted more">and ${this.count - list.length} more</p>` : ''}
    </section>`;
  }
}

customElements.define('sr-listener-list', SrListenerList);
