// room-view.js - <sr-room-view>: one room: now playing (like, skip), queue, search, chat, listeners,
// statistics, and for owners and moderators the room's controls.
//
// Two layouts. Wide screens (900 px and up) show it all in two columns. Phones get one part at a
// time behind a bottom bar of tabs (Now playing, Queue, Chat, People), so the chat is one tap
// away, and adding from the library opens in a sheet (a modal <dialog>) from the Queue tab.
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
import './party-panel.js';

const MOD_ROLES = new Set(['moderator', 'owner', 'admin']);
const OWNER_ROLES = new Set(['owner', 'admin']);
// Below this width the room is a phone's: tabs and a sheet.
const NARROW = '(max-width: 899px)';
const TABS = [['now', 'Now playing'], ['queue', 'Queue'], ['chat', 'Chat'], ['people', 'People']];

class SrRoomView extends LitElement {
  static properties = {
    client: { attribute: false },
    store: { attribute: false },
    rev: { type: Number },
    roomId: { type: Number },
    player: { attribute: false },
    playerState: { type: String },
    joinError: { type: String },
    sync: { attribute: false },
    _settings: { state: true },
    _busy: { state: true },
    _moderated: { state: true },
    _narrow: { state: true },
    _tab: { state: true },
    _unread: { state: true },
  };

  static styles = [base, css`
    .head { display: flex; align-items: center; gap: 4px 8px; flex-wrap: wrap; margin: 0 0 var(--gap); }
    .head h1 { margin: 0; font-size: 1.3rem; min-width: 0; overflow-wrap: anywhere; }
    .head .count { font-size: 0.9rem; }
    .head .role { font-size: 0.75rem; padding: 2px 8px; border-radius: 99px; background: var(--panel-2); color: var(--accent); }
    .head .desc { flex-basis: 100%; margin: 0; font-size: 0.9rem; overflow-wrap: anywhere; }
    .head .tools { display: flex; flex-wrap: wrap; gap: 6px; flex-basis: 100%; }
    .head .tools button { min-height: 36px; font-size: 0.85rem; }
    .settings { display: contents; }
    button.locked { border-color: var(--warn); color: var(--warn); }
    .layout { display: grid; gap: var(--gap); grid-template-columns: minmax(0, 1fr); }
    .col { display: grid; gap: var(--gap); align-content: start; min-width: 0; }
    @media (min-width: 900px) {
      .layout { grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); }
    }
    a.back { color: var(--link); }
    /* The phone's layout: one tab's panel at a time, the bar at the bottom of the screen. */
    :host([narrow]) { padding-bottom: calc(64px + env(safe-area-inset-bottom)); }
    .tabs {
      position: fixed; left: 0; right: 0; bottom: 0; z-index: 6;
      background: var(--panel); border-top: 1px solid var(--line);
      padding: 4px 4px calc(4px + env(safe-area-inset-bottom));
    }
    .tabs-list { display: grid; grid-template-columns: repeat(4, minmax(0, 1fr)); gap: 4px; max-width: 640px; margin: 0 auto; }
    .tabs button {
      flex-direction: column; gap: 0; min-height: 52px; padding: 2px; border: 0; border-radius: 8px;
      background: transparent; font-size: 0.75rem; color: var(--muted); position: relative;
    }
    .tabs button .icon { font-size: 1.2rem; line-height: 1.2; }
    .tabs button[aria-selected='true'] { color: var(--text); background: var(--panel-2); font-weight: 600; }
    .tabs .badge {
      position: absolute; top: 2px; right: calc(50% - 22px); min-width: 18px; padding: 0 4px; border-radius: 99px;
      background: var(--accent); color: var(--accent-text); font-size: 0.7rem; line-height: 18px;
    }
    .panel-group { display: grid; gap: var(--gap); align-content: start; min-width: 0; }
    .add-tracks { width: 100%; }
    sr-chat-panel.tall { --chat-height: max(12rem, calc(100dvh - 360px)); }
    dialog.sheet {
      position: fixed; inset: auto 0 0 0; margin: 0; width: 100%; max-width: 100%; max-height: 88dvh;
      padding: 0; border: 1px solid var(--line); border-radius: 16px 16px 0 0;
      background: var(--bg); color: var(--text); overflow: auto; overscroll-behavior: contain;
    }
    dialog.sheet::backdrop { background: rgb(0 0 0 / 0.5); }
    .sheet-head {
      display: flex; align-items: center; justify-content: space-between; gap: 8px;
      position: sticky; top: 0; z-index: 1; padding: 8px 12px; background: var(--panel); border-bottom: 1px solid var(--line);
    }
    .sheet-head h2 { margin: 0; font-size: 1rem; letter-spacing: 0; text-transform: none; color: var(--text); }
    .sheet-body { display: grid; gap: var(--gap); padding: 12px; }
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
    this._tab = 'now';
    this._unread = 0;
    this._seenChat = 0;
    this._media = window.matchMedia(NARROW);
    this._narrow = this._media.matches;
    this._onMedia = () => { this._narrow = this._media.matches; };
    new StoreWatcher(this);
  }

  connectedCallback() {
    super.connectedCallback();
    this._media.addEventListener('change', this._onMedia);
  }

  disconnectedCallback() {
    super.disconnectedCallback();
    this._media.removeEventListener('change', this._onMedia);
  }

  willUpdate(changed) {
    if (changed.has('roomId')) {
      this._settings = false;
      this._tab = 'now';
      this._seenChat = -1; // counted from the first render of the new room
    }
    this.toggleAttribute('narrow', this._narrow);
    // Chat messages that came while the phone showed another tab: a badge on the Chat tab.
    const room = this.client && this.client.room;
    const lastId = room && room.chat && room.chat.length ? room.chat[room.chat.length - 1].id : 0;
    if (this._seenChat === -1 || !this._narrow || this._tab === 'chat') {
      this._seenChat = lastId;
      this._unread = 0;
    } else if (room && room.chat) {
      this._unread = room.chat.filter((m) => m.id > this._seenChat).length;
    }
  }

  _select(tab, focus = false) {
    this._tab = tab;
    if (focus) this.updateComplete.then(() => this.renderRoot.querySelector(`#tab-${tab}`)?.focus());
  }

  /** Arrow keys, Home and End move between the tabs (the WAI-ARIA tabs pattern). */
  _tabKey(e) {
    const i = TABS.findIndex(([id]) => id === this._tab);
    const to = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: TABS.length - 1 }[e.key];
    if (to === undefined) return;
    e.preventDefault();
    this._select(TABS[(to + TABS.length) % TABS.length][0], true);
  }

  /** The settings close (Close, or Escape anywhere in them): the focus goes back to their button. */
  _closeSettings() {
    this._settings = false;
    this.updateComplete.then(() => this.renderRoot.querySelector('button.settings-toggle')?.focus());
  }

  _settingsKey(e) {
    if (e.key !== 'Escape' || e.defaultPrevented) return;
    e.preventDefault();
    this._closeSettings();
  }

  _openSheet() {
    this.renderRoot.querySelector('dialog.sheet')?.showModal();
  }

  _closeSheet() {
    this.renderRoot.querySelector('dialog.sheet')?.close();
  }

  _toast(text, kind = 'error') {
    this.dispatchEvent(new CustomEvent('sr-toast', { detail: { text, kind }, bubbles: true, composed: true }));
  }

  async _mod(action, fields, what) {
    if (this._busy) return;
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
    const narrow = this._narrow;
    // The room's parts, laid out in columns (wide) or tabs (narrow).
    const parts = {
      now: () => html`<sr-now-playing .track=${np.track || null} .startedAt=${np.started_at} .addedBy=${np.added_by || null}
          .store=${s} .now=${() => c.now()} .player=${this.player} .playerState=${this.playerState} .roomSync=${room.sync || null}>
          ${np.track ? html`<sr-like-button slot="actions" .store=${s} .track=${np.track} .count=${likes}></sr-like-button>` : ''}
          <sr-skip-button slot="actions" .client=${c} .skip=${{ ...(room.skip || { votes: 0, needed: 1 }) }}
            .mine=${!!room.mySkip}></sr-skip-button>
          ${canMod && np.track ? html`<button slot="actions" type="button" class="mod-skip" aria-disabled=${this._busy ? 'true' : 'false'}
            @click=${() => this._mod('skip', {}, 'skip')}>Skip now</button>` : ''}
        </sr-now-playing>`,
      queue: () => html`<sr-queue-list .client=${c} .entries=${[...queue]} .me=${me} .canModerate=${canMod}></sr-queue-list>`,
      library: () => html`<sr-track-search .client=${c} .store=${s} .locked=${locked && !canMod}
          .queued=${new Set(queue.map((e) => e.track && e.track.id))}></sr-track-search>
        <sr-add-stream .client=${c} .locked=${locked && !canMod}></sr-add-stream>`,
      stats: () => html`<sr-room-stats .store=${s} .roomId=${room.id} .trackId=${np.track ? np.track.id : 0}></sr-room-stats>`,
      chat: () => html`<sr-chat-panel class=${narrow ? 'tall' : ''} .client=${c} .messages=${[...(room.chat || [])]} .me=${me}
        .canModerate=${canMod}></sr-chat-panel>`,
      people: () => html`<sr-listener-list .client=${c} .listeners=${[...listeners]} .count=${count} .me=${me}
          .canModerate=${canMod} .isOwner=${isOwner}></sr-listener-list>`,
      party: () => html`<sr-party-panel .client=${c} .sync=${this.sync} .rev=${this.rev} .isOwner=${isOwner}
        .canModerate=${canMod}></sr-party-panel>`,
      queueCount: queue.length,
      count,
    };
    return html`
      <div class="head">
        <h1>${info.name || `Room ${room.id}`}</h1>
        ${s && s.account ? html`<sr-favorite-star .store=${s} .room=${{ ...info, id: room.id }}></sr-favorite-star>` : ''}
        <span class="count muted">${plural(count, 'listener')}</span>
        ${canMod ? html`<span class="role">${role}</span>` : ''}
        ${info.description ? html`<p class="desc muted">${info.description}</p>` : ''}
        ${canMod ? html`<div class="tools">
          <button type="button" class=${locked ? 'locked' : ''} aria-pressed=${locked ? 'true' : 'false'} aria-disabled=${this._busy ? 'true' : 'false'}
            @click=${() => this._mod(locked ? 'unlock' : 'lock', {}, locked ? 'unlock the queue' : 'lock the queue')}>
            ${locked ? 'Unlock queue' : 'Lock queue'}</button>
          ${isOwner ? html`<button type="button" class="settings-toggle" aria-expanded=${this._settings ? 'true' : 'false'}
            @click=${() => { this._settings = !this._settings; }}>Room settings</button>` : ''}
        </div>` : ''}
      </div>
      ${isOwner && this._settings ? html`<div class="settings" @keydown=${this._settingsKey}>
        <sr-room-settings .store=${s} .roomId=${room.id} .info=${info} .settings=${settings}
          @close=${this._closeSettings}></sr-room-settings>
        <sr-room-moderation .store=${s} .client=${c} .roomId=${room.id} .rev=${this._moderated}></sr-room-moderation>
      </div>` : ''}
      ${this._narrow ? this._phone(parts) : html`<div class="layout">
        <div class="col">
          ${parts.party()}
          ${parts.now()}
          ${parts.queue()}
          ${parts.library()}
          ${parts.stats()}
        </div>
        <div class="col">
          ${parts.chat()}
          ${parts.people()}
        </div>
      </div>`}
    `;
  }

  /** The phone's layout: the selected tab's panel, the bottom bar, and the library sheet. */
  _phone(parts) {
    const tab = this._tab;
    const label = { queue: parts.queueCount ? ` (${parts.queueCount})` : '', people: ` (${parts.count})`, now: '', chat: '' };
    const icon = { now: '♪', queue: '☰', chat: '💬', people: '👥' };
    const panel = (id, body) => html`<div class="panel-group" role="tabpanel" id="panel-${id}" aria-labelledby="tab-${id}"
      ?hidden=${tab !== id}>${body}</div>`;
    return html`
      ${panel('now', html`${parts.party()}${parts.now()}${parts.stats()}`)}
      ${panel('queue', html`<button type="button" class="primary add-tracks" aria-haspopup="dialog"
          @click=${this._openSheet}>＋ Add tracks</button>${parts.queue()}`)}
      ${panel('chat', parts.chat())}
      ${panel('people', parts.people())}
      <div class="tabs">
        <div role="tablist" aria-label="Room sections" class="tabs-list" @keydown=${this._tabKey}>
          ${TABS.map(([id, name]) => html`<button type="button" role="tab" id="tab-${id}" aria-controls="panel-${id}"
            aria-selected=${tab === id ? 'true' : 'false'} tabindex=${tab === id ? '0' : '-1'} @click=${() => this._select(id)}>
            <span class="icon" aria-hidden="true">${icon[id]}</span><span class="name">${name}${label[id]}</span>
            ${id === 'chat' && this._unread ? html`<span class="badge" aria-label="${this._unread} new">${this._unread}</span>` : ''}
          </button>`)}
        </div>
      </div>
      <dialog class="sheet" aria-labelledby="sheet-h" @click=${(e) => { if (e.target === e.currentTarget) this._closeSheet(); }}>
        <div class="sheet-head">
          <h2 id="sheet-h">Add tracks</h2>
          <button type="button" @click=${this._closeSheet}>Done</button>
        </div>
        <div class="sheet-body">${parts.library()}</div>
      </dialog>`;
  }
}

customElements.define('sr-room-view', SrRoomView);
