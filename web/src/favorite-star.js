// favorite-star.js - <sr-favorite-star>: the ☆/★ button that adds a room to the favourites or takes it out.
import { LitElement, html, css } from 'lit';
import { base } from './shared-styles.js';
import { errorText } from './format.js';
import { StoreWatcher } from './store.js';

class SrFavoriteStar extends LitElement {
  static properties = {
    store: { attribute: false },
    room: { attribute: false }, // {id, name, …}: a summary or the room's info
    _busy: { state: true },
  };

  static styles = [base, css`
    :host { display: inline-block; }
    button { font-size: 1.2rem; padding: 4px; width: 40px; color: var(--muted); }
    button[aria-pressed='true'] { color: var(--warn); border-color: var(--warn); }
  `];

  constructor() {
    super();
    this.store = null;
    this.room = null;
    this._busy = false;
    new StoreWatcher(this);
  }

  async _toggle() {
    if (this._busy) return;
    const r = this.room;
    const on = !this.store.isFavorite(r.id);
    this._busy = true;
    try {
      await this.store.setFavorite(r.id, on, r);
    } catch (err) {
      this.dispatchEvent(new CustomEvent('sr-toast', {
        detail: { text: `Could not change your favourites: ${errorText(err)}`, kind: 'error' }, bubbles: true, composed: true,
      }));
    } finally {
      this._busy = false;
    }
  }

  render() {
    const r = this.room;
    if (!r || !this.store) return '';
    const fav = this.store.isFavorite(r.id);
    const label = fav ? `Remove ${r.name} from favourites` : `Add ${r.name} to favourites`;
    return html`<button type="button" class="star" aria-pressed=${fav ? 'true' : 'false'} aria-label=${label} title=${label}
      aria-disabled=${this._busy ? 'true' : 'false'} @click=${this._toggle}>${fav ? '★' : '☆'}</button>`;
  }
}

customElements.define('sr-favorite-star', SrFavoriteStar);
