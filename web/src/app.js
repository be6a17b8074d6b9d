// app.js - <sr-app>: the shell. Owns the SDK client, the store, the player, sign-in and hash routing.
import { LitElement, html, css } from 'lit';
import { adapters, connect, toneAdapter } from '../../sdk/soundroom.js';
import { logout } from '../../sdk/account.js';
import { base } from './shared-styles.js';
import { prefs } from './prefs.js';
import { parseRoute, userHref } from './route.js';
import { errorText } from './format.js';
import { Player } from './player.js';

// Tracks of external services play through the SDK's adapters; "tone" needs no network (an
// operator's build would register its services' adapters here too).
if (!adapters.get('tone')) adapters.register(toneAdapter());
import { Store } from './store.js';
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

// Every event the SDK emits; any of them may change what the room view shows.
const EVENTS = ['snapshot', 'resumed', 'delta', 'now_playing', 'chat', 'presence', 'queue', 'skip'];

// Codes with which the server refuses a hello because of the name.
const NAME_ERRORS = new Set(['too_long', 'bad_field', 'missing_field']);

function wsUrl() {
  return `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/ws`;
}

/** The SDK's 'connection' payload, reduced to 'open' | 'connecting' | 'reconnecting' | 'closed'. */
export function connectionState(ev) {
  const s = String((ev && typeof ev === 'object' ? ev.state ?? ev.status : ev) ?? '').toLowerCase();
  if (['open', 'connected', 'online', 'ready', 'welcome'].includes(s)) return 'open';
  if (['closed', 'offline', 'disconnected', 'failed', 'close'].includes(s)) return 'closed';
  if (s === 'connecting') return 'connecting';
  return 'reconnecting';
}

class SrApp extends LitElement {
  static properties = {
    _name: { state: true },
    _client: { state: true },
    _conn: { state: true },
    _connectError: { state: true },
    _route: { state: true },
    _rev: { state: true },
    _joinError: { state: true },
    _playerState: { state: true },
    _renaming: { state: true },
    _nameError: { state: true },
    _toasts: { state: true },
    _me: { state: true },
    _drawer: { state: true },
    _starting: { state: true },
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
  `];

  constructor() {
    super();
    this._name = prefs.name;
    this._client = null;
    this._conn = 'closed';
    this._connectError = '';
    this._route = parseRoute();
    this._rev = 0;
    this._joinError = '';
    this._renaming = false;
    this._nameError = '';
    this._toasts = [];
    this._toastId = 0;
    this._retryTimer = 0;
    this._retryDelay = 1000;
    this._joinSeq = 0;
    this._joining = false;
    this._store = new Store(location.origin);
    this._me = null;
    this._drawer = false;
    this._starting = false;
    this._returnTo = '#/';
    this._player = new Player(() => (this._client ? this._client.now() : Date.now()));
    this._playerState = this._player.state;
    this._player.addEventListener('statechange', () => { this._playerState = this._player.state; });
    this._onHash = () => {
      const before = this._route;
      this._route = parseRoute();
      if (!['signin', 'signup'].includes(before.view) && ['signin', 'signup'].includes(this._route.view)) {
        this._returnTo = this._hashOf(before);
      }
      this._applyRoute();
    };
    this._onEvent = () => {
      this._rev++;
      this._syncPlayer();
    };
    this._onState = (room) => {
      this._onEvent();
      if (room !== null) return;
      // The SDK dropped the room (a resume failed): join afresh, which reports any error.
      // Decide after the SDK's current dispatch: a 'kicked' event may follow and go to the lobby.
      setTimeout(() => {
        const c = this._client;
        if (c && !c.room && !this._joining && parseRoute().view === 'room') this._applyRoute();
      }, 0);
    };
    this._onConnection = (ev) => {
      if (ev && ev.status === 'closed' && ev.code === 4003) {
        // The session was revoked (signed out, or the password changed, elsewhere).
        this._afterSignOut('You were signed out.');
        return;
      }
      this._conn = connectionState(ev);
      if (this._client && this._client.token) prefs.token = this._client.token;
      if (this._conn === 'open') this._applyRoute();
      this._rev++;
    };
    this._onKicked = (ev) => {
      // Removed from the room by a moderator: back to the lobby rather than straight back in.
      const closed = ev && ev.reason === 'the room was closed';
      this._toast(closed ? 'This room was closed.' : `You were removed from the room${ev && ev.reason ? `: ${ev.reason}` : ''}.`, 'error');
      this._joinSeq++;
      location.hash = '#/';
    };
    this._onNotice = (ev) => this._toast(ev && (ev.text ?? ev.message ?? ev), 'notice');
    this._onError = (ev) => this._toast(errorText(ev), 'error');
    this.addEventListener('sr-toast', (e) => this._toast(e.detail.text, e.detail.kind));
    this._installDebugHook();
  }

  connectedCallback() {
    super.connectedCallback();
    window.addEventListener('hashchange', this._onHash);
    if (!this._client) this._start();
  }

  /** First load: a browser that signed in before asks who it is; then connects. */
  async _start() {
    if (prefs.account) {
      this._starting = true;
      try {
        await this._store.loadMe();
      } catch (err) {
        // The server is unreachable: try again shortly.
        this._connectError = errorText(err);
        this._starting = false;
        clearTimeout(this._retryTimer);
        this._retryTimer = setTimeout(() => this._start(), this._retryDelay);
        this._retryDelay = Math.min(this._retryDelay * 2, 15000);
        return;
      }
      this._starting = false;
      this._me = this._store.me;
      if (!this._me) prefs.account = '';
    }
    if (this._me || this._name) this._connect();
  }

  _hashOf(route) {
    if (route.view === 'room') return `#/room/${route.roomId}`;
    if (route.view === 'user') return userHref(route.userId);
    if (route.view === 'music') return '#/music';
    if (route.view === 'admin') return '#/admin';
    return '#/';
  }

  disconnectedCallback() {
    super.disconnectedCallback();
    window.removeEventListener('hashchange', this._onHash);
  }

  /** window.__soundroom: a read-only view for tests and debugging. */
  _installDebugHook() {
    const app = this;
    const hook = Object.freeze({
      get client() { return app._client; },
      get audio() { return app._player.audio; },
      expectedPosition() { return app._player.expectedPosition(); },
      get playback() { return app._player.playback; },
    });
    try {
      Object.defineProperty(window, '__soundroom', { value: hook, enumerable: false });
    } catch {
      /* already defined (a second <sr-app>): keep the first */
    }
  }

  async _connect() {
    clearTimeout(this._retryTimer);
    this._conn = 'connecting';
    this._connectError = '';
    let client;
    // An account is known by the session cookie the handshake carries; a guest by name and token.
    // (The server ignores an account's name but still asks for one in hello.)
    const opts = this._me
      ? { name: this._me.name || this._me.username, reconnect: true }
      : { name: this._name, token: prefs.token || undefined, reconnect: true };
    try {
      client = await connect(wsUrl(), opts);
    } catch (err) {
      this._conn = 'closed';
      if (err && NAME_ERRORS.has(err.code)) {
        // The server refused the hello: ask for another name rather than retrying.
        this._nameError = errorText(err);
        this._renaming = true;
        return;
      }
      this._connectError = errorText(err);
      this._retryTimer = setTimeout(() => this._connect(), this._retryDelay);
      this._retryDelay = Math.min(this._retryDelay * 2, 15000);
      return;
    }
    this._retryDelay = 1000;
    for (const ev of EVENTS) client.on(ev, this._onEvent);
    client.on('state', this._onState);
    client.on('connection', this._onConnection);
    client.on('notice', this._onNotice);
    client.on('kicked', this._onKicked);
    client.on('error', this._onError);
    if (client.token && !client.account) prefs.token = client.token;
    if (this._me && !client.account) {
      // The session ended while we were away: carry on as a guest.
      this._me = null;
      this._store.me = null;
      prefs.account = '';
    }
    this._client = client;
    this._store.attach(client);
    this._conn = 'open';
    this._applyRoute();
  }

  /** Opens a new connection, so the handshake carries the session cookie as it is now. */
  _reconnect() {
    this._disconnect();
    this._connect();
  }

  _signedIn(e) {
    const user = e.detail.user;
    this._store.me = user;
    this._me = user;
    prefs.account = '1';
    this._toast(`Signed in as ${user.name}.`);
    this._reconnect();
    const back = this._returnTo || '#/';
    this._returnTo = '#/';
    location.hash = back;
  }

  async _signOut() {
    this._disconnect(); // first, so the revoked socket's 4003 is not taken for a surprise
    try {
      await logout(this._store.base, null);
    } catch (err) {
      if (err.status !== 401) this._toast(`Could not sign out: ${errorText(err)}`, 'error');
    }
    this._afterSignOut('Signed out.');
  }

  _afterSignOut(message) {
    this._disconnect();
    this._store.me = null;
    this._me = null;
    this._drawer = false;
    prefs.account = '';
    if (message) this._toast(message);
    if (this._name) this._connect();
  }

  _profileChanged(e) {
    // The profile page saved the account: the header shows the new name.
    const user = e.detail.user;
    if (this._me && user && user.id === this._me.id) {
      this._me = { ...this._me, ...user };
      this._store.me = this._me;
      this._store.changed();
    }
  }

  _disconnect() {
    const c = this._client;
    if (!c) return;
    for (const ev of EVENTS) c.off(ev, this._onEvent);
    c.off('state', this._onState);
    c.off('connection', this._onConnection);
    c.off('notice', this._onNotice);
    c.off('kicked', this._onKicked);
    c.off('error', this._onError);
    this._client = null;
    this._store.detach();
    this._player.stop();
    c.close();
  }

  /** Join or leave rooms so the client matches the route. */
  async _applyRoute() {
    const c = this._client;
    if (!c) return;
    const r = this._route;
    const current = c.room ? c.room.id : null;
    if (r.view === 'room') {
      if (current === r.roomId && !this._joinError) {
        this._syncPlayer();
        return;
      }
      const seq = ++this._joinSeq;
      this._joinError = '';
      this._joining = true;
      this._player.stop();
      try {
        await c.join(r.roomId);
      } catch (err) {
        // 'disconnected': the join is retried when the connection is back.
        if (seq === this._joinSeq && err.code !== 'disconnected') this._joinError = errorText(err);
      }
      if (seq === this._joinSeq) {
        this._joining = false;
        this._rev++;
        this._syncPlayer();
      }
    } else {
      this._joinSeq++;
      this._joining = false;
      this._joinError = '';
      this._player.stop();
      if (current != null) {
        try {
          await c.leave();
        } catch {
          /* leaving a room we are not in is harmless */
        }
      }
      this._rev++;
    }
  }

  /** Point the player at the room's current track (or stop it outside a room). */
  _syncPlayer() {
    const c = this._client;
    const r = this._route;
    const room = c && c.room;
    const np = room && room.nowPlaying;
    if (r.view === 'room' && room && room.id === r.roomId && np && np.track) {
      this._player.setTrack(np.track, np.started_at);
    } else {
      this._player.stop();
    }
  }

  _toast(text, kind = 'notice') {
    if (!text) return;
    const id = ++this._toastId;
    this._toasts = [...this._toasts, { id, text: String(text), kind }].slice(-4);
    setTimeout(() => { this._toasts = this._toasts.filter((t) => t.id !== id); }, 6000);
  }

  async _chooseName(e) {
    const name = e.detail.name;
    const c = this._client;
    this._renaming = false;
    this._nameError = '';
    if (c && c.status === 'open') {
      try {
        await c.setName(name);
        prefs.name = name;
        this._name = name;
        this._rev++;
      } catch (err) {
        this._nameError = errorText(err);
        this._renaming = true;
      }
      return;
    }
    prefs.name = name;
    this._name = name;
    this._disconnect();
    this._connect();
  }

  render() {
    const auth = ['signin', 'signup'].includes(this._route.view);
    const needName = !this._me && (!this._name || this._renaming) && !auth;
    const me = this._me;
    const view = this._route.view;
    return html`
      <header>
        <a class="brand" href="#/"><span class="logo" aria-hidden="true">♪</span>soundroom</a>
        ${me ? '' : html`<span class="spacer"></span>`}
        ${me ? html`
          <span class="me">
            <sr-avatar size="24" .user=${me}></sr-avatar>
            <a class="name ellipsis" href=${userHref(me.id)} title="Your profile">${me.name}</a>
            <button type="button" @click=${() => this._signOut()}>Sign out</button>
          </span>
          <nav class="bar" aria-label="Your music">
            <a class="button" href="#/" aria-current=${view === 'lobby' ? 'page' : 'false'}>Lobby</a>
            <a class="button" href="#/music" aria-current=${view === 'music' ? 'page' : 'false'}>My music</a>
            ${me.admin ? html`<a class="button" href="#/admin" aria-current=${view === 'admin' ? 'page' : 'false'}>Admin</a>` : ''}
            <button type="button" class="fav" aria-expanded=${this._drawer ? 'true' : 'false'} aria-controls="favorites"
              title="Your favourite rooms" @click=${() => { this._drawer = !this._drawer; }}>★ Favourites</button>
          </nav>`
        : this._name && !needName && !this._starting ? html`
          <span class="me">
            <span class="name ellipsis" title="Your name">${this._name}</span>
            <button type="button" @click=${() => { this._renaming = true; }}>Rename</button>
            ${auth ? '' : html`<a class="button" href="#/signin">Sign in</a>`}
          </span>` : ''}
      </header>
      ${needName || auth ? '' : html`<sr-connection-status .state=${this._conn}></sr-connection-status>`}
      <main>${this._renderMain(needName)}</main>
      ${me ? html`<sr-favorites-drawer id="favorites" .store=${this._store} .open=${this._drawer}
        @close=${() => { this._drawer = false; }}></sr-favorites-drawer>` : ''}
      <sr-toasts .items=${this._toasts}></sr-toasts>
    `;
  }

  _renderMain(needName) {
    const view = this._route.view;
    if (view === 'signin' || view === 'signup') {
      return html`<sr-auth-form .mode=${view} .store=${this._store} .me=${this._me}
        @signed-in=${this._signedIn}></sr-auth-form>`;
    }
    if (this._starting) return html`<div class="center"><p class="muted">Connecting…</p></div>`;
    if (needName) {
      return html`<sr-name-prompt .name=${this._name} .cancellable=${!!this._client} .error=${this._nameError}
        @name-chosen=${this._chooseName} @cancel=${() => { this._renaming = false; this._nameError = ''; }}></sr-name-prompt>`;
    }
    if (!this._client) {
      return html`<div class="center">
        ${this._connectError
          ? html`<p class="error">Cannot reach the server: ${this._connectError}</p>
              <button class="primary" type="button" @click=${() => (this._me || this._name ? this._connect() : this._start())}>Try again</button>`
          : html`<p class="muted">Connecting…</p>`}
      </div>`;
    }
    if (view === 'room') {
      return html`<sr-room-view .client=${this._client} .store=${this._store} .rev=${this._rev} .roomId=${this._route.roomId}
        .player=${this._player} .playerState=${this._playerState} .joinError=${this._joinError}></sr-room-view>`;
    }
    if (view === 'user') {
      return html`<sr-profile-view .store=${this._store} .userId=${this._route.userId}
        @profile-saved=${this._profileChanged}></sr-profile-view>`;
    }
    if (view === 'music') return html`<sr-my-music .store=${this._store}></sr-my-music>`;
    if (view === 'admin') return html`<sr-admin-view .store=${this._store}></sr-admin-view>`;
    return html`<sr-lobby .client=${this._client} .store=${this._store} .connected=${this._conn === 'open'}></sr-lobby>`;
  }
}

customElements.define('sr-app', SrApp);
