// sync-status.js - <sr-sync-status>: "In sync ±N ms" for this device (the Player's p95 drift
// from the room's schedule) and for the room (the largest figure its listeners report, SDK
// room.sync), and the listener's speaker delay for this device (Player.offsetMs, remembered in
// localStorage), the way Snapcast sets a latency per client.
import { LitElement, html, css } from 'lit';
import { base } from './shared-styles.js';

const REFRESH_MS = 1000;

/** "±N ms", or "±<1 ms" under a millisecond. */
const pm = (ms) => (ms < 1 ? '±<1 ms' : `±${Math.round(ms)} ms`);

class SrSyncStatus extends LitElement {
  static properties = {
    player: { attribute: false },
    roomSync: { attribute: false },
  };

  static styles = [base, css`
    :host { font-size: 0.85rem; margin-top: 8px; }
    .line { display: flex; flex-wrap: wrap; gap: 4px 12px; align-items: baseline; }
    details { margin-top: 4px; }
    summary { cursor: pointer; }
    label { display: inline-flex; gap: 8px; align-items: center; margin-top: 6px; }
    input { width: 7em; }
    .hint { margin: 4px 0 0; font-size: 0.8rem; }
  `];

  constructor() {
    super();
    this.player = null;
    this.roomSync = null;
    this._timer = 0;
  }

  connectedCallback() {
    super.connectedCallback();
    this._timer = setInterval(() => this.requestUpdate(), REFRESH_MS);
  }

  disconnectedCallback() {
    super.disconnectedCallback();
    clearInterval(this._timer);
  }

  _setOffset(e) {
    if (!this.player) return;
    this.player.offsetMs = e.target.value;
    e.target.value = String(this.player.offsetMs); // clamped
    this.requestUpdate();
  }

  render() {
    const p = this.player;
    if (!p || p.mode !== 'file') return html``; // live streams and adapter tracks are not nudged
    const mine = p.syncError();
    const room = this.roomSync && this.roomSync.reporting > 0 ? this.roomSync.errorMs : null;
    const lat = p.latency || {};
    return html`
      <div class="line muted">
        <span class="mine" role="status">${mine == null ? 'Syncing…' : `In sync ${pm(mine)}`}</span>
        ${room != null ? html`<span class="room">room ${pm(room)} (${this.roomSync.reporting} reporting)</span>` : ''}
      </div>
      <details>
        <summary class="muted">Speaker delay${p.offsetMs ? `: ${p.offsetMs} ms` : ''}</summary>
        <label>Speaker delay (ms)
          <input type="number" step="5" min="-2000" max="2000" .value=${String(p.offsetMs)} @change=${this._setOffset}></label>
        <p class="hint muted">For a speaker that sounds late (Bluetooth, a receiver): this device plays that much earlier.
          Remembered on this device.${lat.reported ? ` The browser reports ${Math.round(lat.reported * 1000)} ms of output latency${lat.applied ? ', allowed for' : ', already in its clock'}.` : ''}</p>
      </details>`;
  }
}

customElements.define('sr-sync-status', SrSyncStatus);
