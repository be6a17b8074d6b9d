// session.js - Session: who this browser is (a guest's name and token, or an account) and its SDK connection.
//
// A lit ReactiveController of <sr-app>. It opens the SDK client (retrying while the server is
// unreachable) at once, so the lobby shows before anyone is asked for a name: a guest who has not
// chosen one yet is connected under BROWSING_NAME, which nobody sees, since the app asks for a
// name before it joins a room (`named`). It opens a new client whenever the identity changes (signing in or out, a revoked
// session: close code 4003), renames a guest, and hands each client to the Store and to the
// `onClient` callback (the room follower). It re-renders the host when anything it holds
// changes and raises toasts as `sr-toast` events on the host.
import { connect } from '../../sdk/client.js';
import { logout } from '../../sdk/account.js';
import { errorText } from './format.js';
import { prefs } from './prefs.js';
import { Store } from './store.js';

// Codes with which the server refuses a hello because of the name.
const NAME_ERRORS = new Set(['too_long', 'bad_field', 'missing_field']);
const RETRY_FIRST_MS = 1000;
const RETRY_MAX_MS = 15000;
// The name in `hello` of a guest who only looks around (the lobby, profiles): the app asks for a
// real one (chooseName) before this guest joins a room, so no one ever sees it.
const BROWSING_NAME = 'Guest';

function wsUrl() {
  return `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/ws`;
}

export class Session {
  /** The guest's display name (kept in localStorage), or ''. */
  name = prefs.name;
  /** The signed-in account `{id, name, username, admin, …}`, or null for a guest. */
  me = null;
  /** The SDK client, or null while there is none. */
  client = null;
  /** The connection as the banner shows it: 'open' | 'connecting' | 'reconnecting' | 'closed'. */
  conn = 'closed';
  /** Why the last attempt to reach the server failed, or ''. */
  connectError = '';
  /** True while a browser that signed in before asks the server who it is. */
  starting = false;
  /** True while the guest is choosing a (new) name; nameError says why the last one failed. */
  renaming = false;
  nameError = '';
  /** The signed-in person's world (lobby, friends, favourites, likes), following `client`. */
  store = new Store(location.origin);

  /** True once this browser has a name others may see: an account, or a guest who chose one. */
  get named() {
    return !!this.me || !!this.name;
  }

  #host;
  #onClient;
  #retryTimer = 0;
  #retryDelay = RETRY_FIRST_MS;
  #offs = [];

  /** `onClient(client)` is called with each new client, and with null when it goes. */
  constructor(host, { onClient = () => {} } = {}) {
    this.#host = host;
    this.#onClient = onClient;
    host.addController(this);
  }

  hostConnected() {
    if (!this.client) this.start();
  }

  #changed() {
    this.#host.requestUpdate();
  }

  #toast(text, kind = 'notice') {
    this.#host.dispatchEvent(new CustomEvent('sr-toast', { detail: { text, kind } }));
  }

  #retry(fn) {
    clearTimeout(this.#retryTimer);
    this.#retryTimer = setTimeout(fn, this.#retryDelay);
    this.#retryDelay = Math.min(this.#retryDelay * 2, RETRY_MAX_MS);
  }

  /** First load: a browser that signed in before asks who it is; then connects. */
  async start() {
    if (prefs.account) {
      this.starting = true;
      this.#changed();
      try {
        await this.store.loadMe();
      } catch (err) {
        // The server is unreachable: try again shortly.
        this.connectError = errorText(err);
        this.starting = false;
        this.#changed();
        this.#retry(() => this.start());
        return;
      }
      this.starting = false;
      this.me = this.store.me;
      if (!this.me) prefs.account = '';
      this.#changed();
    }
    this.connect();
  }

  /** "Try again" after the server could not be reached. */
  retryNow() {
    if (this.me || !prefs.account) this.connect();
    else this.start();
  }

  /** Opens the SDK client: an account by the session cookie the handshake carries, a guest by name and token. */
  async connect() {
    clearTimeout(this.#retryTimer);
    this.conn = 'connecting';
    this.connectError = '';
    this.#changed();
    // (The server ignores an account's name but still asks for one in hello.)
    const opts = this.me
      ? { name: this.me.name || this.me.username, reconnect: true }
      : { name: this.name || BROWSING_NAME, token: prefs.token || undefined, reconnect: true };
    let client;
    try {
      client = await connect(wsUrl(), opts);
    } catch (err) {
      this.conn = 'closed';
      if (err && NAME_ERRORS.has(err.code)) {
        // The server refused the hello: ask for another name rather than retrying.
        this.nameError = errorText(err);
        this.renaming = true;
      } else {
        this.connectError = errorText(err);
        this.#retry(() => this.connect());
      }
      this.#changed();
      return;
    }
    this.#retryDelay = RETRY_FIRST_MS;
    this.#offs = [
      client.on('connection', (ev) => this.#onConnection(client, ev)),
      client.on('error', (err) => this.#toast(errorText(err), 'error')),
    ];
    if (client.token && !client.account) prefs.token = client.token;
    if (this.me && !client.account) {
      // The session ended while we were away: carry on as a guest.
      this.me = null;
      this.store.me = null;
      prefs.account = '';
    }
    this.client = client;
    this.store.attach(client);
    this.conn = 'open';
    this.#changed();
    this.#onClient(client);
  }

  #onConnection(client, ev) {
    if (client !== this.client) return;
    if (ev.status === 'closed' && ev.code === 4003) {
      // The session was revoked (signed out, or the password changed, elsewhere).
      this.#afterSignOut('You were signed out.');
      return;
    }
    this.conn = ev.status;
    if (client.token) prefs.token = client.token;
    this.#changed();
  }

  /** Closes the client (no reconnect) and lets go of it. */
  #disconnect() {
    const c = this.client;
    if (!c) return;
    for (const off of this.#offs.splice(0)) off();
    this.client = null;
    this.store.detach();
    this.#onClient(null);
    c.close();
  }

  /** A new connection, so the handshake carries the session cookie as it is now. */
  #reconnect() {
    this.#disconnect();
    this.connect();
  }

  /** The sign-in or sign-up form succeeded: `user` is the account; the cookie is set. */
  signedIn(user) {
    this.store.me = user;
    this.me = user;
    prefs.account = '1';
    this.#toast(`Signed in as ${user.name}.`);
    this.#reconnect();
  }

  async signOut() {
    this.#disconnect(); // first, so the revoked socket's 4003 is not taken for a surprise
    try {
      await logout(this.store.base, null);
    } catch (err) {
      if (err.status !== 401) this.#toast(`Could not sign out: ${errorText(err)}`, 'error');
    }
    this.#afterSignOut('Signed out.');
  }

  #afterSignOut(message) {
    this.#disconnect();
    this.store.me = null;
    this.me = null;
    prefs.account = '';
    if (message) this.#toast(message);
    this.#changed();
    this.connect();
  }

  /** The profile page saved `user`: when it is this account, the header shows the new name. */
  profileSaved(user) {
    if (this.me && user && user.id === this.me.id) {
      this.me = { ...this.me, ...user };
      this.store.me = this.me;
      this.store.changed();
      this.#changed();
    }
  }

  /** Shows the guest's name prompt, to choose a first name or another (cancelRename() hides it). */
  rename() {
    this.renaming = true;
    this.#changed();
  }

  cancelRename() {
    this.renaming = false;
    this.nameError = '';
    this.#changed();
  }

  /** The guest chose `name`: rename on the open connection, or connect with it. */
  async chooseName(name) {
    const c = this.client;
    this.renaming = false;
    this.nameError = '';
    this.#changed();
    if (c && c.status === 'open') {
      try {
        await c.setName(name);
        prefs.name = name;
        this.name = name;
      } catch (err) {
        this.nameError = errorText(err);
        this.renaming = true;
      }
      this.#changed();
      return;
    }
    prefs.name = name;
    this.name = name;
    this.#disconnect();
    this.connect();
  }
}
