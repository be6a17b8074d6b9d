// artist-link.js - <sr-artist-link>: an artist's name that opens the artist's room (made on first use).
import { LitElement, html, css } from 'lit';
import { artistRoom } from '../../sdk/lobby.js';
import { go, roomHref } from './route.js';
import { errorText } from './format.js';

class SrArtistLink extends LitElement {
  static properties = {
    store: { attribute: false },
    name: { type: String },
    _busy: { state: true },
  };

  static styles = css`
    :host { display: inline; min-width: 0; }
    button {
      font: inherit; color: inherit; background: none; border: 0; padding: 0; margin: 0;
      cursor: pointer; text-decoration: underline; text-decoration-color: var(--line);
      text-underline-offset: 2px; overflow-wrap: anywhere; text-align: inherit;
    }
    button:hover, button:focus-visible { color: var(--accent); text-decoration-color: currentColor; }
    button:focus-visible { outline: 2px solid var(--accent); outline-offset: 2px; border-radius: 2px; }
    button:disabled { cursor: progress; }
  `;

  constructor() {
    super();
    this.store = null;
    this.name = '';
    this._busy = false;
  }

  async _open() {
    if (!this.store || !this.name) return;
    this._busy = true;
    try {
      const { room } = await artistRoom(this.store.base, this.name, null);
      go(roomHref(room.id));
    } catch (err) {
      const text = err && err.code === 'no_such_artist'
        ? `There is no room for ${this.name}: the library has no tracks by them.`
        : `Could not open the ${this.name} room: ${errorText(err)}`;
      this.dispatchEvent(new CustomEvent('sr-toast', { detail: { text, kind: 'error' }, bubbles: true, composed: true }));
    } finally {
      this._busy = false;
    }
  }

  render() {
    return html`<button type="button" class="artist-link" title="Open the room of ${this.name}" ?disabled=${this._busy}
      @click=${this._open}>${this.name}</button>`;
  }
}

customElements.define('sr-artist-link', SrArtistLink);
