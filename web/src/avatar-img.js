// avatar-img.js - <sr-avatar>: a person's picture (the server's square thumbnail), or their initials
// when they have none or it fails to load.
import { LitElement, html, css } from 'lit';

/** Up to two initials of a display name ("Ada Lovelace" -> "AL", "ada" -> "A"). */
export function initials(name) {
  const words = String(name || '?').trim().split(/\s+/).filter(Boolean);
  const letters = words.slice(0, 2).map((w) => Array.from(w)[0].toUpperCase());
  return letters.join('') || '?';
}

class SrAvatar extends LitElement {
  static properties = {
    user: { attribute: false }, // {name, avatar: URL | null}
    size: { type: Number, reflect: true }, // CSS pixels: 24 or 96
    _failed: { state: true },
  };

  static styles = css`
    :host { display: inline-block; flex: none; line-height: 0; }
    .pic, .initials {
      display: inline-flex; align-items: center; justify-content: center; overflow: hidden;
      border-radius: 50%; background: var(--panel-2); color: var(--muted); font-weight: 600;
      border: 1px solid var(--line); box-sizing: border-box; line-height: 1;
    }
    .pic { object-fit: cover; }
    .pic, .initials { width: 24px; height: 24px; font-size: 0.65rem; }
    :host([size='96']) .pic, :host([size='96']) .initials { width: 96px; height: 96px; font-size: 2rem; }
  `;

  constructor() {
    super();
    this.user = null;
    this.size = 24;
    this._failed = false;
  }

  willUpdate(changed) {
    if (changed.has('user')) this._failed = false;
  }

  render() {
    const u = this.user || {};
    if (u.avatar && !this._failed) {
      return html`<img class="pic" src=${u.avatar} alt="" width=${this.size} height=${this.size} decoding="async"
        @error=${() => { this._failed = true; }}>`;
    }
    return html`<span class="initials" aria-hidden="true">${initials(u.name)}</span>`;
  }
}

customElements.define('sr-avatar', SrAvatar);
