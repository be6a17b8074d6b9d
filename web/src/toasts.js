// toasts.js - <sr-toasts>: short-lived notices and errors at the bottom of the screen.
import { LitElement, html, css } from 'lit';
import { repeat } from 'lit/directives/repeat.js';

class SrToasts extends LitElement {
  static properties = { items: { attribute: false } };

  static styles = css`
    *, *::before, *::after { box-sizing: border-box; }
    :host {
      position: fixed; left: 0; right: 0; bottom: 12px; z-index: 10;
      display: flex; flex-direction: column; align-items: center; gap: 6px;
      pointer-events: none; padding: 0 12px;
    }
    div {
      max-width: min(480px, 100%); background: var(--panel-2); color: var(--text);
      border: 1px solid var(--line); border-left: 4px solid var(--accent);
      border-radius: 10px; padding: 8px 12px; font-size: 0.9rem; overflow-wrap: anywhere;
      box-shadow: 0 4px 16px rgb(0 0 0 / 0.3);
    }
    div.error { border-left-color: var(--down); }
  `;

  constructor() {
    super();
    this.items = [];
  }

  render() {
    return html`${repeat(this.items, (t) => t.id,
      (t) => html`<div class=${t.kind} role=${t.kind === 'error' ? 'alert' : 'status'}>${t.text}</div>`)}`;
  }
}

customElements.define('sr-toasts', SrToasts);
