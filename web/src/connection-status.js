// connection-status.js - <sr-connection-status>: a banner while the socket is not open.
import { LitElement, html, css } from 'lit';

const TEXT = {
  connecting: 'Connecting…',
  reconnecting: 'Connection lost — reconnecting…',
  closed: 'Offline — trying to reconnect…',
};

class SrConnectionStatus extends LitElement {
  static properties = { state: { type: String } };

  static styles = css`
    *, *::before, *::after { box-sizing: border-box; }
    :host { display: block; }
    div {
      background: var(--warn); color: #1b1200; font-weight: 600; font-size: 0.9rem;
      padding: 6px 12px; text-align: center;
    }
  `;

  constructor() {
    super();
    this.state = 'open';
  }

  render() {
    const text = TEXT[this.state];
    // role=status is always present so screen readers announce changes.
    return html`<div role="status" data-state=${this.state} ?hidden=${!text}>${text || ''}</div>`;
  }
}

customElements.define('sr-connection-status', SrConnectionStatus);
