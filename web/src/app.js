// app.js - <sr-app>: the page's shell: header, connection banner, the view the route names, favourites drawer, toasts.
//
// It lays things out and wires three helpers together, each in its own module: Router
// (route.js: the hash), Session (session.js: who this is and the SDK client) and RoomSync
// (room-sync.js: the route's room and the Player of player.js). It also installs
// window.__soundroom, the read-only hook the e2e tests use.
import { LitElement, html, css } from 'lit';
import { base } from './shared-styles.js';
import { Router, isAuthView, userHref, inRoom } from './route.js';
import { Session } from './session.js';
import { RoomSync } from './room-sync.js';
import { Player } from './player.js';
import { SyncReport } from './sync-report.js';
import { UnplayableReport } from './unplayable-report.js';
import { MediaSessionSync } from './media-session.js';
import './theme-toggle.js';
import './name-prompt.js';
import './connection-status.js';
import './lobby.js';
import './room-view.js';
import './toasts.js';
import './auth-form.js';
import './profile-view.js';
import './admin-view.js';
import './avatar-img.js';
import './my-music.js';
import './favorites-drawer.js';
import './tv-view.js';
import './join-view.js';

// The name a big screen that nobody named goes by in the room's listener list.
const TV_NAME = 'Big screen';

const TOAST_MS = 6000;
const TOASTS_SHOWN = 4;

class SrApp extends LitElement {
  static properties = {
    _playerState: { state: true },
    _toasts: { state: true },
    _drawer: { state: true },
  };

  static styles = [base, css`
    :host { display: flex; flex-direction: column; min-height: 100vh; }
    header {
      display: flex; align-items: center; gap: 8px;
      padding: 8px 12px; border-bottom: 1px solid var(--line); background: var(--panel);
      position: sticky; top: 0; z-index: 5;
    }
    .brand {
      font-weight: 700; font-size: 1.1rem; color: var(--text); text-decoration: none;
      display: inline-flex; align-items: center; gap: 8px; min-height: 40px;
    }
    .brand .logo {
      width: 26px; height: 26px; border-radius: 7px; background: var(--accent);
      display: inline-grid; place-items: center; color: var(--accent-text); font-size: 0.9rem;
    }
    .spacer { flex: 1; }
    header { flex-wrap: wrap; row-gap: 6px; }
    .me { display: flex; align-items: center; justify-content: flex-end; gap: 6px; min-width: 0; flex: 1 1 0; }
    .me .name { max-width: 40vw; }
    a.name { color: var(--text); font-weight: 600; }
    .me button, .me .button, .bar button, .bar .button {
      min-height: 36px; padding: 4px 8px; font-size: 0.85rem; white-space: nowrap;
    }
    .me > button, .me > .button { flex: none; }
    .bar { display: flex; gap: 6px; flex-basis: 100%; order: 3; }
    .bar > * { flex: 1; }
    .bar .button[aria-current='page'] { border-color: var(--accent); color: var(--accent); }
    @media (min-width: 720px) {
      .bar { flex-basis: auto; order: 1; margin-left: auto; }
      .bar > * { flex: none; }
      .me { order: 2; flex: 0 1 auto; }
    }
    button.fav[aria-expanded='true'] { background: var(--accent); border-color: var(--accent); color: var(--accent-text); }
    main { flex: 1; width: 100%; max-width: 1200px; margin: 0 auto; padding: 12px; min-width: 0; }
    .center { max-width: 420px; margin: 10vh auto 0; text-align: center; }
    footer { display: flex; justify-content: center; padding: 8px 12px 16px; border-top: 1px solid var(--line); }
  `];

  constructor() {
    super();
    this._toasts = [];
    this._toastId = 0;
    this._drawer = false;
    this.router = new Router(this, () => this.room.apply());
    this.player = new Player(() => (this.session.client ? this.session.client.now() : Date.now()));
    this._playerState = this.player.state;
    this.player.addEventListener('statechange', () => { this._playerState = this.player.state; });
    // Muted from the page or the lock screen: the Media Session's state follows.
    this.player.audio.addEventListener('volumechange', () => this.requestUpdate());
    this.room = new RoomSync(this, { router: this.router, player: this.player, mayJoin: () => this.session.named });
    this.session = new Session(this, { onClient: (client) => this.room.follow(client) });
    this.syncReport = new SyncReport(this.player, () => this.session.client);
    new UnplayableReport(this.player, () => this.session.client);
    new MediaSessionSync(this, () => this._nowShowing());
    this.addEventListener('sr-toast', (e) => this._toast(e.detail.text, e.detail.kind));
    this._installDebugHook();
  }

  willUpdate() {
    const s = this.session;
    if (!s.me) this._drawer = false; // signed out: the drawer is closed next time too
    // The big screen has no keyboard to type a name with: a guest screen names itself.
    if (this.router.route.view === 'tv' && !s.me && !s.name && !s.starting && s.client && !this._tvNaming) {
      this._tvNaming = true;
      s.chooseName(TV_NAME).then(() => this.room.apply(), () => {}).finally(() => { this._tvNaming = false; });
    }
  }

  /** window.__soundroom: a read-only view for tests and debugging. */
  _installDebugHook() {
    const app = this;
    const hook = Object.freeze({
      get client() { return app.session.client; },
      get audio() { return app.player.audio; },
      expectedPosition() { return app.player.expectedPosition(); },
      get playback() { return app.player.playback; },
      /** This device's sync: what it adds to the schedule, its last drift, rate and p95 error. */
      sync() {
        const p = app.player;
        return { delayMs: p.delay() * 1000, driftMs: p.drift == null ? null : p.drift * 1000,
          rate: p.audio.playbackRate, errorMs: p.syncError(), offsetMs: p.offsetMs, latency: { ...p.latency } };
      },
    });
    try {
      Object.defineProperty(window, '__soundroom', { value: hook, enumerable: false });
    } catch {
      /* already defined (a second <sr-app>): keep the first */
    }
  }

  /** The room and track this page shows, for the tab title and the Media Session. */
  _nowShowing() {
    const c = this.session.client;
    const r = this.router.route;
    const room = c && c.room && inRoom(r) && c.room.id === r.roomId ? c.room : null;
    const track = room && room.nowPlaying ? room.nowPlaying.track || null : null;
    const store = this.session.store;
    return {
      room: room ? (room.info && room.info.name) || `Room ${room.id}` : '',
      track,
      player: this.player,
      onSkip: track ? () => c.voteSkip(true).then(() => this.room.touch(), (err) => this._toast(`Skip vote failed: ${err.message}`, 'error')) : null,
      onLike: track && store.account ? () => store.setLiked(track.id, true).catch(() => {}) : null,
    };
  }

  /** The drawer is a modal dialog: the page behind it is inert while it is open, and the focus goes
   * back to its button when it closes. */
  _closeDrawer() {
    this._drawer = false;
    this.updateComplete.then(() => this.renderRoot.querySelector('button.fav')?.focus());
  }

  _toast(text, kind = 'notice') {
    if (!text) return;
    const id = ++this._toastId;
    this._toasts = [...this._toasts, { id, text: String(text), kind }].slice(-TOASTS_SHOWN);
    setTimeout(() => { this._toasts = this._toasts.filter((t) => t.id !== id); }, TOAST_MS);
  }

  _signedIn(e) {
    this.session.signedIn(e.detail.user);
    location.hash = this.router.takeReturn();
  }

  async _chooseName(e) {
    await this.session.chooseName(e.detail.name);
    this.room.apply(); // a guest's first name: now the room can be joined
    this.room.touch(); // the room view shows the new name
  }

  _cancelName() {
    this.session.cancelRename();
    // Asked for a name on the way into a room, and declined: back to the lobby.
    if (!this.session.named && this.router.route.view === 'room') location.hash = '#/';
  }

  _renderTv() {
    const s = this.session;
    const route = this.router.route;
    return html`<sr-tv-view .client=${s.client} .roomId=${route.roomId} .invite=${route.invite} .rev=${this.room.rev}
        .conn=${s.conn} .joinError=${this.room.joinError} .player=${this.player} .playerState=${this._playerState}
        .speakerHere=${this.room.speakerHere}></sr-tv-view>
      <sr-toasts .items=${this._toasts}></sr-toasts>`;
  }

  render() {
    const s = this.session;
    const view = this.router.route.view;
    if (view === 'tv') return this._renderTv();
    const auth = isAuthView(view);
    // A guest is asked for a name on the way into a room (the lobby and profiles need none), or
    // when they ask to choose or change it.
    const needName = !auth && !s.me && !s.starting && (s.renaming || (!s.name && view === 'room'));
    const me = s.me;
    return html`
      <header ?inert=${this._drawer}>
        <a class="brand" href="#/"><span class="logo" aria-hidden="true">♪</span>soundroom</a>
        ${me ? '' : html`<span class="spacer"></span>`}
        ${me ? html`
          <span class="me">
            <sr-avatar size="24" .user=${me}></sr-avatar>
            <a class="name ellipsis" href=${userHref(me.id)} title="Your profile">${me.name}</a>
            <button type="button" @click=${() => s.signOut()}>Sign out</button>
          </span>
          <nav class="bar" aria-label="Your music">
            <a class="button" href="#/" aria-current=${view === 'lobby' ? 'page' : 'false'}>Lobby</a>
            <a class="button" href="#/music" aria-current=${view === 'music' ? 'page' : 'false'}>My music</a>
            ${me.admin ? html`<a class="button" href="#/admin" aria-current=${view === 'admin' ? 'page' : 'false'}>Admin</a>` : ''}
            <button type="button" class="fav" aria-expanded=${this._drawer ? 'true' : 'false'} aria-controls="favorites"
              title="Your favourite rooms" @click=${() => { this._drawer = !this._drawer; }}>★ Favourites</button>
          </nav>`
        : !needName && !s.starting ? html`
          <span class="me">
            ${s.name ? html`<span class="name ellipsis" title="Your name">${s.name}</span>
              <button type="button" @click=${() => s.rename()}>Rename</button>`
            : auth ? '' : html`<button type="button" @click=${() => s.rename()}>Choose a name</button>`}
            ${auth ? '' : html`<a class="button" href="#/signin">Sign in</a>`}
          </span>` : ''}
      </header>
      ${needName || auth ? '' : html`<sr-connection-status .state=${s.conn}></sr-connection-status>`}
      <main ?inert=${this._drawer}>${this._renderMain(needName)}</main>
      ${me ? html`<sr-favorites-drawer id="favorites" .store=${s.store} .open=${this._drawer}
        @close=${this._closeDrawer}></sr-favorites-drawer>` : ''}
      <footer ?inert=${this._drawer}><sr-theme-toggle></sr-theme-toggle></footer>
      <sr-toasts .items=${this._toasts}></sr-toasts>
    `;
  }

  _renderMain(needName) {
    const s = this.session;
    const route = this.router.route;
    const view = route.view;
    if (isAuthView(view)) {
      return html`<sr-auth-form .mode=${view} .store=${s.store} .me=${s.me}
        @signed-in=${this._signedIn}></sr-auth-form>`;
    }
    if (s.starting) return html`<div class="center"><p class="muted">Connecting…</p></div>`;
    if (needName) {
      return html`<sr-name-prompt .name=${s.name} .renaming=${!!s.name} .error=${s.nameError}
        .purpose=${view === 'room' && !s.name ? 'room' : ''}
        @name-chosen=${this._chooseName} @cancel=${this._cancelName}></sr-name-prompt>`;
    }
    if (!s.client) {
      return html`<div class="center">
        ${s.connectError
          ? html`<p class="error">Cannot reach the server: ${s.connectError}</p>
              <button class="primary" type="button" @click=${() => s.retryNow()}>Try again</button>`
          : html`<p class="muted">Connecting…</p>`}
      </div>`;
    }
    if (view === 'join') return html`<sr-join-view .code=${route.code} .origin=${location.origin}></sr-join-view>`;
    if (view === 'room') {
      return html`<sr-room-view .client=${s.client} .store=${s.store} .rev=${this.room.rev} .roomId=${route.roomId}
        .player=${this.player} .playerState=${this._playerState} .joinError=${this.room.joinError}
        .sync=${this.room}></sr-room-view>`;
    }
    if (view === 'user') {
      return html`<sr-profile-view .store=${s.store} .userId=${route.userId}
        @profile-saved=${(e) => s.profileSaved(e.detail.user)}></sr-profile-view>`;
    }
    if (view === 'music') return html`<sr-my-music .store=${s.store}></sr-my-music>`;
    if (view === 'admin') return html`<sr-admin-view .store=${s.store}></sr-admin-view>`;
    return html`<sr-lobby .client=${s.client} .store=${s.store} .connected=${s.conn === 'open'}></sr-lobby>`;
  }
}

customElements.define('sr-app', SrApp);
