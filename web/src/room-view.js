// room-view.js - <sr-room-view>: one room: now playing (like, skip), queue, search, chat, listeners,
// statistics, and for owners and moderators the room's controls.
//
// The SDK keeps client.room up to date; the app bumps `rev` on every SDK event so
// this view re-renders and hands fresh copies of the room's parts to its children.
import { LitElement, html, css } from 'lit';
import { base } from './shared-styles.js';
import { errorText, plural } from './format.js';
import { StoreWatcher } from './store.js';
import './now-playing.js';
import './skip-button.js';
import './like-button.js';
import './favorite-star.js';
import './queue-list.js';
import './track-search.js';
import './add-stream.js';
import './chat-panel.js';
import './listener-list.js';
import './room-stats.js';
import './room-settings.js';
import './room-moderation.js';

const MOD_ROLES = new Set(['moderator', 'owner', 'admin']);
const OWNER_ROLES = new Set(['owner', 'admin']);

class SrRoomView extends LitElement {
  static properties = {
    client: { attribute: false },
    store: { attribute: false },
    rev: { type: Number },
    roomId: { type: Number },
    player: { attribute: false },
    playerState: { type: String },
    joinError: { type: String },
    _settings: { state: true },
    _busy: { state: true },
    _moderated: { state: true },
  };

  static styles = [base, css`
    .head { display: flex; align-items: center; gap: 4px 8px; flex-wrap: wrap; margin: 0 0 var(--gap); }
    .head h1 { margin: 0; font-size: 1.3rem; min-width: 0; overflow-wrap: anywhere; }
    .head .count { font-size: 0.9rem; }
    .head .role { font-size: 0.75rem; padding: 2px 8px; border-radius: 99px; background: var(--panel-2); color: var(--accent); }
    .head .desc { flex-basis: 100%; margin: 0; font-size: 0.9rem; overflow-wrap: anywhere; }
    .head .tools { display: flex; flex-wrap: wrap; gap: 6px; flex-basis: 100%; }
    .head .tools button { min-height: 36px; font-size: 0.85rem; }
    button.locked { border-color: var(--warn); color: var(--warn); }
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
    this.store = null;
    this.rev = 0;
    this.roomId = 0;
    this.player = null;
    this.playerState = 'idle';
    this.joinError = '';
    this._settings = false;
    this._busy = false;
    this._moderated = 0; // counts moderator actions taken here: the ban list and audit log reload
    this.addEventListener('sr-moderated', () => { this._moderated += 1; });
    new StoreWatcher(this);
  }

  willUpdate(changed) {
    if (changed.has('roomId')) this._settings = false;
  }

  _toast(text, kind = 'error') {
    this.dispatchEvent(new CustomEvent('sr-toast', { detail: { text, kind }, bubbles: true, composed: true }));
  }

  async _mod(action, fields, what) {
    this._busy = true;
    try {
      await this.client.mod(action, fields);
    } catch (err) {
      this._toast(`Could not ${what}: ${errorText(err)}`);
    } finally {
      this._busy = false;
    }
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
    const s = this.store;
    const info = room.info || {};
    const np = room.nowPlaying || {};
    const me = c.user || {};
    const listeners = room.listeners || [];
    const queue = room.queue || [];
    const role = room.yourRole || 'listener';
    const canMod = MOD_ROLES.has(role);
    const isOwner = OWNER_ROLES.has(role);
    const settings = room.settings || {};
    const locked = !!settings.locked;
    // Big rooms name only some listeners; the count covers everyone.
    const count = room.listenerCount ?? room.listener_count ?? listeners.length;
    // How many present listeners like what plays (the SDK applies `likes` deltas); null when unknown.
    const likes = typeof np.likes === 'number' ? np.likes : null;
    return html`
      <div class="head">
        <h1>${info.name || `Room ${room.id}`}</h1>
        ${s && s.account ? html`<sr-favorite-star .store=${s} .room=${{ ...info, id: room.id }}></sr-favorite-star>` : ''}
        <span class="count muted">${plural(count, 'listener')}</span>
        ${canMod ? html`<span class="role">${role}</span>` : ''}
        ${info.description ? html`<p class="desc muted">${info.description}</p>` : ''}
        ${canMod ? html`<div class="tools">
          <button type="button" class=${locked ? 'locked' : ''} aria-pressed=${locked ? 'true' : 'false'} ?disabled=${this._busy}
            @click=${() => this._mod(locked ? 'unlock' : 'lock', {}, locked ? 'unlock the queue' : 'lock the queue')}>
            ${locked ? 'Unlock queue' : 'Lock queue'}</button>
          ${isOwner ? html`<button type="button" aria-expanded=${this._settings ? 'true' : 'false'}
            @click=${() => { this._settings = !this._settings; }}>Room settings</button>` : ''}
        </div>` : ''}
      </div>
      ${isOwner && this._settings ? html`<sr-room-settings .store=${s} .roomId=${room.id} .info=${info} .settings=${settings}
        @close=${() => { this._settings = false; }}></sr-room-settings>
        <sr-room-moderation .store=${s} .client=${c} .roomId=${room.id} .rev=${this._moderated}></sr-room-moderation>` : ''}
      <div class="layout">
        <div class="col">
          <sr-now-playing .track=${np.track || null} .startedAt=${np.started_at} .addedBy=${np.added_by || null}
            .store=${s} .now=${() => c.now()} .player=${this.player} .playerState=${this.playerState}>
            ${np.track ? html`<sr-like-button slot="actions" .store=${s} .track=${np.track} .count=${likes}></sr-like-button>` : ''}
            <sr-skip-button slot="actions" .client=${c} .skip=${{ ...(room.skip || { votes: 0, needed: 1 }) }}
              .mine=${!!room.mySkip}></sr-skip-button>
            ${canMod && np.track ? html`<button slot="actions" type="button" class="mod-skip" ?disabled=${this._busy}
              @click=${() => this._mod('skip', {}, 'skip')}>Skip now</button>` : ''}
          </sr-now-playing>
          <sr-queue-list .client=${c} .entries=${[...queue]} .me=${me} .canModerate=${canMod}></sr-queue-list>
          <sr-track-search .client=${c} .store=${s} .locked=${locked && !canMod}
            .queued=${new Set(queue.map((e) => e.track && e.track.id))}></sr-track-search>
          <sr-add-stream .client=${c} .locked=${locked && !canMod}></sr-add-stream>
          <sr-room-stats .store=${s} .roomId=${room.id} .trackId=${np.track ? np.track.id : 0}></sr-room-stats>
        </div>
        <div class="col">
          <sr-chat-panel .client=${c} .messages=${[...(room.chat || [])]} .me=${me} .canModerate=${canMod}></sr-chat-panel>
          <sr-listener-list .client=${c} .listeners=${[...listeners]} .count=${count} .me=${me}
            .canModerate=${canMod} .isOwner=${isOwner}></sr-listener-list>
        </div>
      </div>
    `;
  }
}

customElements.define('sr-room-view', SrRoomView);
