// now-playing.js - <sr-now-playing>: cover, title, artist (a link to the artist's room) and a progress bar driven by server time.
import { LitElement, html, css } from 'lit';
import { base } from './shared-styles.js';
import { clock } from './format.js';
import './artist-link.js';
import './sync-status.js';

const TICK_MS = 250;

class SrNowPlaying extends LitElement {
  static properties = {
    track: { attribute: false },
    startedAt: { type: Number },
    addedBy: { attribute: false },
    store: { attribute: false },
    now: { attribute: false },
    player: { attribute: false },
    playerState: { type: String },
    roomSync: { attribute: false },
    _coverFailed: { state: true },
  };

  static styles = [base, css`
    .np { display: grid; grid-template-columns: 96px minmax(0, 1fr); gap: 12px; align-items: start; }
    @media (min-width: 600px) { .np { grid-template-columns: 160px minmax(0, 1fr); } }
    .cover {
      width: 100%; aspect-ratio: 1; border-radius: 10px; overflow: hidden;
      background: linear-gradient(135deg, var(--accent), var(--panel-2));
      display: grid; place-items: center; font-size: 2.5rem; color: var(--accent-text);
    }
    .cover img { width: 100%; height: 100%; object-fit: cover; display: block; }
    .meta { min-width: 0; }
    .title { font-size: 1.15rem; font-weight: 700; overflow-wrap: anywhere; }
    .artist { overflow-wrap: anywhere; }
    .by { font-size: 0.85rem; margin-top: 2px; }
    progress {
      width: 100%; height: 6px; margin: 10px 0 2px; appearance: none; -webkit-appearance: none;
      border: 0; border-radius: 3px; background: var(--panel-2); overflow: hidden; display: block;
    }
    progress::-webkit-progress-bar { background: var(--panel-2); }
    progress::-webkit-progress-value { background: var(--accent); }
    progress::-moz-progress-bar { background: var(--accent); }
    .times { display: flex; justify-content: space-between; font-size: 0.8rem; font-variant-numeric: tabular-nums; }
    .actions { display: flex; flex-wrap: wrap; gap: 8px; margin-top: 10px; align-items: center; }
    .listen { width: 100%; min-height: 56px; font-size: 1.1rem; margin-top: 12px; }
    .status { font-size: 0.85rem; margin: 8px 0 0; }
  `];

  constructor() {
    super();
    this.track = null;
    this.startedAt = 0;
    this.addedBy = null;
    this.store = null;
    this.now = () => Date.now();
    this.player = null;
    this.playerState = 'idle';
    this.roomSync = null;
    this._coverFailed = false;
    this._timer = 0;
  }

  connectedCallback() {
    super.connectedCallback();
    this._timer = setInterval(() => this.requestUpdate(), TICK_MS);
  }

  disconnectedCallback() {
    super.disconnectedCallback();
    clearInterval(this._timer);
  }

  willUpdate(changed) {
    if (changed.has('track')) {
      const before = changed.get('track');
      if (!before || !this.track || before.id !== this.track.id) this._coverFailed = false;
    }
  }

  _toggleMute() {
    if (!this.player) return;
    this.player.muted = !this.player.muted;
    this.requestUpdate();
  }

  render() {
    const t = this.track;
    if (!t) {
      return html`<section class="panel" aria-labelledby="np-h"><h2 id="np-h">Now playing</h2>
        <p class="muted">Nothing is playing.</p></section>`;
    }
    const dur = t.duration_ms > 0 ? t.duration_ms / 1000 : 0;
    let pos = (this.now() - this.startedAt) / 1000;
    pos = Math.max(0, dur ? Math.min(pos, dur) : pos);
    const state = this.playerState;
    const muted = !!(this.player && this.player.muted); // also muted from the lock screen (Media Session)
    return html`
      <section class="panel" aria-labelledby="np-h">
        <div class="np">
          <div class="cover">
            ${t.cover && !this._coverFailed
              ? html`<img src=${t.cover} alt="Cover of ${t.title}" @error=${() => { this._coverFailed = true; }}>`
              : html`<span aria-hidden="true">♪</span>`}
          </div>
          <div class="meta">
            <h2 id="np-h">Now playing</h2>
            <div class="title">${t.title || 'Untitled'}</div>
            <div class="artist muted">${t.artist && this.store
              ? html`<sr-artist-link .store=${this.store} .name=${t.artist}></sr-artist-link>`
              : t.artist || 'Unknown artist'}${t.album ? ` — ${t.album}` : ''}</div>
            ${this.addedBy ? html`<div class="by muted">added by ${this.addedBy.name}</div>` : ''}
          </div>
        </div>
        <progress max=${dur || 1} .value=${dur ? pos : 0} aria-label="Track progress"></progress>
        <div class="times muted"><span class="elapsed">${clock(pos)}</span><span class="duration">${t.live ? 'Live' : clock(dur)}</span></div>
        ${state === 'blocked' ? html`<button class="primary listen" type="button"
          @click=${() => this.player && this.player.unlock()}>▶ Tap to listen</button>` : ''}
        ${state === 'error' ? html`<p class="status error" role="alert">This track cannot be played here. The room moves on with the next one.</p>` : ''}
        ${state === 'loading' ? html`<p class="status muted">Loading audio…</p>` : ''}
        ${state === 'unsupported' ? html`<p class="status unsupported" role="status">Can't play this here: this browser has no player for ${t.source} tracks. The room plays on.</p>` : ''}
        <div class="actions">
          <slot name="actions"></slot>
          ${state === 'playing' ? html`<button type="button" aria-pressed=${muted ? 'true' : 'false'}
            @click=${this._toggleMute}>${muted ? 'Unmute' : 'Mute'}</button>` : ''}
        </div>
        ${state === 'playing' && !t.live ? html`<sr-sync-status .player=${this.player} .roomSync=${this.roomSync}></sr-sync-status>` : ''}
      </section>
    `;
  }
}

customElements.define('sr-now-playing', SrNowPlaying);
