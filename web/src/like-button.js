// like-button.js - <sr-like-button>: ♡/♥ for a track, optionally with how many present listeners like it.
import { LitElement, html, css } from 'lit';
import { base } from './shared-styles.js';
import { errorText } from './format.js';
import { StoreWatcher } from './store.js';

class SrLikeButton extends LitElement {
  static properties = {
    store: { attribute: false },
    track: { attribute: false },
    count: { attribute: false }, // a number to show beside the heart, or null/undefined for none
    _busy: { state: true },
  };

  static styles = [base, css`
    :host { display: inline-block; }
    button[aria-pressed='true'] { color: var(--down); border-color: var(--down); }
    .heart { font-size: 1.1rem; line-height: 1; }
    .count { font-variant-numeric: tabular-nums; min-width: 1ch; }
  `];

  constructor() {
    super();
    this.store = null;
    this.track = null;
    this.count = null;
    this._busy = false;
    new StoreWatcher(this);
  }

  async _toggle() {
    if (this._busy) return;
    const s = this.store;
    const t = this.track;
    if (!s.account) {
      this._toast('Sign in to like tracks.', 'notice');
      return;
    }
    this._busy = true;
    try {
      await s.setLiked(t.id, !s.isLiked(t.id));
    } catch (err) {
      this._toast(`Could not change the like: ${errorText(err)}`, 'error');
    } finally {
      this._busy = false;
    }
  }

  _toast(text, kind) {
    this.dispatchEvent(new CustomEvent('sr-toast', { detail: { text, kind }, bubbles: true, composed: true }));
  }

  render() {
    const t = this.track;
    if (!t || !this.store) return '';
    const liked = this.store.isLiked(t.id);
    const n = typeof this.count === 'number' ? this.count : null;
    const title = n == null ? (liked ? 'You like this' : 'Like this track')
      : `${n} ${n === 1 ? 'listener here likes' : 'listeners here like'} this`;
    // The name is the words a screen reader says, around the one visible word, the count (which
    // must be part of the name, for people who speak the name they see to voice control).
    return html`<button type="button" class="like" aria-pressed=${liked ? 'true' : 'false'} title=${title}
      aria-disabled=${this._busy ? 'true' : 'false'} @click=${this._toggle}>
      <span class="heart" aria-hidden="true">${liked ? '♥' : '♡'}</span><span class="visually-hidden">${liked ? 'Unlike' : 'Like'} ${t.title || 'this track'}${n == null ? '' : ' ('}</span>${n == null ? ''
        : html`<span class="count">${n}</span><span class="visually-hidden"> ${n === 1 ? 'listener here likes' : 'listeners here like'} this)</span>`}
    </button>`;
  }
}

customElements.define('sr-like-button', SrLikeButton);
