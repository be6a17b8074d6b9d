// room-view.js - <sr-room-view>: one room: now playing, skip, queue, search, chat, listeners.
//
// The SDK keeps client.room up to date; the app bumps `rev` on every SDK event so
// this view re-renders and hands fresh copies of the room's parts to its children.
import { LitElement, html, css } from 'lit';
import { base } from './shared-styles.js';
import { plural } from './format.js';
import './now-playing.js';
import './skip-button.js';
import './queue-list.js';
import './track-search.js';
import './chat-panel.js';
import './listener-list.js';

class SrRoomView extends LitElement {
  static properties = {
    client: { attribute: false },
    rev: { type: Number },
    roomId: { type: Number },
    player: { attribute: false },
    playerState: { type: String },
    joinError: { type: String },
  };

  static styles = [base, css`
    .head { display: flex; align-items: baseline; gap: 8px; flex-wrap: wrap; margin: 0 0 var(--gap); }
    .head h1 { margin: 0; font-size: 1.3rem; min-width: 0; overflow-wrap: anywhere; }
    .head .count { font-size: 0.9rem; }
    .head .desc { flex-basis: 100%; margin: 0; font-size: 0.9rem; overflow-wrap: anywhere; }
    .layout { display: grid; gap: var(--gap); grid-template-columns: minmax(0, 1fr); }
    .col { display: grid; gap: var(--gap); align-content: start; min-width: 0; }
    @media (min-width: 900px) {
      .layout { grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); }
    }
    a.back { color: var(--accent); }
  `];

  constructor() {
    super();
    this.client = null;
    this.rev = 0;
    this.roomId = 0;
    this.player = null;
    this.playerState = 'idle';
    this.joinError = '';
  }

  render() {
    const c = this.client;
    const room = c && c.room;
    if (this.joinError) {
      return html`<div class="panel" role="alert">
        <p class="error">Could not join this room: ${this.joinError}</p>
        <p><a class="back" href="#/">Back to the lobby</a></p>
      </div>`;
    }
    if (!room || room.id !== this.roomId) return html`<p class="muted">Joining room…</p>`;
    const info = room.info || {};
    const np = room.nowPlaying || {};
    const me = c.user || {};
    const listeners = room.listeners || [];
    const queue = room.queue || [];
    // Big rooms name only some listeners; the count covers everyone.
    const count = room.listenerCount ?? room.listener_count ?? listeners.length;
    return html`
      <div class="head">
        <h1>${info.name || `Room ${room.id}`}</h1>
        <span class="count muted">${plural(count, 'listener')}</span>
        ${info.description ? html`<p class="desc muted">${info.description}</p>` : ''}
      </div>
      <div class="layout">
        <div class="col">
          <sr-now-playing .track=${np.track || null} .startedAt=${np.started_at} .addedBy=${np.added_by || null}
            .now=${() => c.now()} .player=${this.player} .playerState=${this.playerState}>
            <sr-skip-button slot="actions" .client=${c} .skip=${{ ...(room.skip || { votes: 0, needed: 1 }) }}
              .mine=${!!room.mySkip}></sr-skip-button>
          </sr-now-playing>
          <sr-queue-list .client=${c} .entries=${[...queue]} .me=${me}></sr-queue-list>
          <sr-track-search .client=${c} .queued=${new Set(queue.map((e) => e.track && e.track.id))}></sr-track-search>
        </div>
        <div class="col">
          <sr-chat-panel .client=${c} .messages=${[...(room.chat || [])]} .me=${me}></sr-chat-panel>
          <sr-listener-list .listeners=${[...listeners]} .count=${count} .me=${me}></sr-listener-list>
        </div>
      </div>
    `;
  }
}

customElements.define('sr-room-view', SrRoomView);
