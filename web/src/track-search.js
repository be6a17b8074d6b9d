// track-search.js - <sr-track-search>: search the library, add tracks to the room's queue, like them.
import { LitElement, html, css } from 'lit';
import { base } from './shared-styles.js';
import { clock, errorText } from './format.js';
import './like-button.js';

const LIMIT = 25;
const DEBOUNCE_MS = 250;

class SrTrackSearch extends LitElement {
  static properties = {
    client: { attribute: false },
    queued: { attribute: false },
    store: { attribute: false },
    locked: { type: Boolean }, // a moderator locked the queue (and this person may not add)
    _results: { state: true },
    _error: { state: true },
    _adding: { state: true },
  };

  static styles = [base, css`
    ul { display: grid; gap: 6px; margin-top: 10px; max-height: 22rem; overflow-y: auto; }
    li {
      display: grid; grid-template-columns: minmax(0, 1fr) auto; gap: 8px; align-items: center;
      padding: 6px 8px; border-radius: 10px; background: var(--panel-2);
    }
    .info { min-width: 0; }
    .title { font-weight: 600; }
    .sub { font-size: 0.85rem; }
    .note { margin: 10px 0 0; font-size: 0.9rem; }
    .buttons { display: flex; gap: 6px; align-items: center; }
    .locked { color: var(--warn); }
  `];

  constructor() {
    super();
    this.client = null;
    this.queued = new Set();
    this.store = null;
    this.locked = false;
    this._results = null;
    this._error = '';
    this._adding = new Set();
    this._timer = 0;
    this._seq = 0;
  }

  connectedCallback() {
    super.connectedCallback();
    this._search('');
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
    if (!this.client) return;
    const seq = ++this._seq;
    try {
      const r = await this.client.search(q.trim(), LIMIT);
      if (seq !== this._seq) return;
      this._results = Array.isArray(r) ? r : (r && r.tracks) || [];
      this._error = '';
    } catch (err) {
      if (seq === this._seq) this._error = errorText(err);
    }
  }

  async _add(t) {
    if (this._adding.has(t.id)) return;
    this._adding = new Set(this._adding).add(t.id);
    try {
      await this.client.addTrack(t.id);
    } catch (err) {
      this.dispatchEvent(new CustomEvent('sr-toast', {
        detail: { text: `Could not add “${t.title}”: ${errorText(err)}`, kind: 'error' }, bubbles: true, composed: true,
      }));
    } finally {
      const a = new Set(this._adding);
      a.delete(t.id);
      this._adding = a;
    }
  }

  render() {
    const results = this._results;
    return html`<section class="panel" aria-labelledby="search-h">
      <h2 id="search-h">Add from the library</h2>
      <form role="search" @submit=${(e) => { e.preventDefault(); clearTimeout(this._timer); this._search(e.target.elements.q.value); }}>
        <label class="visually-hidden" for="q">Search the library</label>
        <input id="q" name="q" type="search" placeholder="Search title, artist or album" maxlength="200"
          autocomplete="off" enterkeyhint="search" @input=${this._onInput}>
      </form>
      ${this.locked ? html`<p class="note locked" role="status">A moderator locked the queue: nobody can add tracks for now.</p>` : ''}
      ${this._error ? html`<p class="note error" role="alert">Search failed: ${this._error}</p>` : ''}
      ${results == null ? html`<p class="note muted">Loading…</p>`
        : results.length === 0 ? html`<p class="note muted">No tracks found.</p>`
        : html`<ul>${results.map((t) => {
          const inQueue = this.queued && this.queued.has(t.id);
          const busy = this._adding.has(t.id);
          return html`<li data-track=${t.id}>
            <div class="info">
              <div class="title ellipsis">${t.title || 'Untitled'}</div>
              <div class="sub muted ellipsis">${t.artist || 'Unknown artist'}${t.album ? ` — ${t.album}` : ''} · ${clock((t.duration_ms || 0) / 1000)}</div>
            </div>
            <div class="buttons">
              ${this.store && this.store.account ? html`<sr-like-button .store=${this.store} .track=${t}></sr-like-button>` : ''}
              <button type="button" class=${inQueue ? '' : 'primary'} ?disabled=${this.locked} aria-disabled=${busy ? 'true' : 'false'}
                aria-label="${busy ? 'Adding' : inQueue ? 'Add again' : 'Add'} ${t.title} to the queue" @click=${() => this._add(t)}>
                ${busy ? 'Adding…' : inQueue ? 'Add again' : 'Add'}</button>
            </div>
          </li>`;
        })}</ul>`}
    </section>`;
  }
}

customElements.define('sr-track-search', SrTrackSearch);
