// store.js - the signed-in person's world as the views see it: account, live lobby, friends, favourites, likes.
//
// One Store per page. The app attaches it to each SDK client it opens (a new one after signing
// in or out); the store then keeps, through the SDK only, the live lobby subscription, the
// friends and where they listen (`friend` messages), the favourite rooms and the liked tracks.
// (The like count of the playing track is the SDK's: `client.room.nowPlaying.likes`.)
// Components hold it as a `store` property and re-render on its 'change' event through
// StoreWatcher.
import { restBase } from '../../sdk/core.js';
import { friends as friendList, me as fetchMe } from '../../sdk/account.js';
import { subscribeLobby, like, favorites, addFavorite, removeFavorite, likes as likedTracks } from '../../sdk/lobby.js';

// The most room ids the server puts in a lobby list (src/app/lobby.c LIST_MAX).
const LIST_MAX = 50;

export class Store extends EventTarget {
  /** `base`: the server's URL (REST goes there with the page's session cookie). */
  constructor(base) {
    super();
    this.base = restBase(base);
    /** The account `{id, name, username, bio, admin, hide_activity}`, or null for a guest. */
    this.me = null;
    /** The SDK client the store follows, or null. */
    this.client = null;
    this._reset();
  }

  _reset() {
    /** The live lobby `{rooms: Map, trending, recommended, favorites, list(name)}`, or null until it answers. */
    this.lobby = null;
    this.lobbyError = '';
    /** `[{user, listening_in}]`: friends (mutual follows) and the room each is in. */
    this.friends = [];
    /** Favourite room id -> its summary as last fetched (the lobby's live one wins when it has the room). */
    this.favorites = new Map();
    /** Ids of the tracks this person likes. */
    this.liked = new Set();
    this._offs = [];
  }

  get account() {
    return !!this.me;
  }

  changed() {
    this.dispatchEvent(new Event('change'));
  }

  /** Asks the server who is signed in (by the session cookie); resolves with the user or null. */
  async loadMe() {
    try {
      this.me = await fetchMe(this.base, null);
    } catch (err) {
      if (err && (err.status === 401 || err.code === 'unauthenticated')) this.me = null;
      else throw err;
    }
    this.changed();
    return this.me;
  }

  /** Follows `client`: lobby, friends, favourites, likes. Detaches from any previous client. */
  attach(client) {
    this.detach();
    this.client = client;
    const unsubscribe = subscribeLobby(client, (lobby, m) => {
      this.lobby = lobby;
      // lobby_update cannot say that a room left the lobby (made unlisted or private). Trending
      // ranks every public room, up to LIST_MAX ids: a shorter list names them all, so a room
      // missing from it has gone.
      if (Array.isArray(m.trending) && m.trending.length < LIST_MAX) {
        const listed = new Set(m.trending);
        for (const id of [...lobby.rooms.keys()]) if (!listed.has(id)) lobby.rooms.delete(id);
      }
      if (lobby.favorites.length && this.account) {
        for (const id of lobby.favorites) if (!this.favorites.has(id)) this.favorites.set(id, lobby.rooms.get(id) ?? { id });
      }
      this.lobbyError = '';
      this.changed();
    });
    unsubscribe.ready.catch((err) => {
      this.lobbyError = (err && err.message) || 'the lobby is unavailable';
      this.changed();
    });
    this._offs.push(() => unsubscribe().catch(() => {}));
    this._offs.push(client.on('friend', (m) => this._onFriend(m)));
    // After a reconnect the server may have missed friends coming and going: ask again.
    this._offs.push(client.on('connection', (e) => {
      if (e.status === 'open' && this.account) this.loadFriends();
    }));
    if (this.account) {
      this.loadFriends();
      this.loadFavorites();
      this.loadLiked();
    }
    this.changed();
  }

  detach() {
    for (const off of this._offs.splice(0)) off();
    this.client = null;
    this._reset();
  }

  _onFriend(m) {
    if (!m || !m.user) return;
    const i = this.friends.findIndex((f) => f.user.id === m.user.id);
    const entry = { user: m.user, listening_in: m.listening_in ?? null };
    this.friends = i < 0 ? [...this.friends, entry] : this.friends.map((f, j) => (j === i ? entry : f));
    this.changed();
  }

  async loadFriends() {
    if (!this.account) return;
    try {
      this.friends = await friendList(this.base, null);
      this.changed();
    } catch {
      /* keep what we have; the next friend message or reconnect fixes it */
    }
  }

  async loadFavorites() {
    if (!this.account) return;
    try {
      const rooms = await favorites(this.base, null);
      this.favorites = new Map(rooms.map((r) => [r.id, r]));
      this.changed();
    } catch {
      /* shown as empty */
    }
  }

  async loadLiked() {
    if (!this.account) return;
    try {
      const list = await likedTracks(this.base, null);
      this.liked = new Set(list.map((l) => l.track.id));
      this.changed();
    } catch {
      /* shown as not liked */
    }
  }

  /** A room's live summary from the lobby, else the favourite's last known one, else null. */
  summary(id) {
    return (this.lobby && this.lobby.rooms.get(id)) || this.favorites.get(id) || null;
  }

  isFavorite(id) {
    return this.favorites.has(id);
  }

  /** Adds (`on`) or removes a favourite room. Rejects with the SDK's error. */
  async setFavorite(id, on, summary = null) {
    if (on) {
      await addFavorite(this.base, null, id);
      this.favorites = new Map(this.favorites).set(id, this.summary(id) || summary || { id });
    } else {
      await removeFavorite(this.base, null, id);
      const f = new Map(this.favorites);
      f.delete(id);
      this.favorites = f;
    }
    this.changed();
  }

  isLiked(trackId) {
    return this.liked.has(trackId);
  }

  /** Likes (`on`) or unlikes a track over the socket. Rejects with the SDK's error. */
  async setLiked(trackId, on) {
    await like(this.client, trackId, on);
    const l = new Set(this.liked);
    if (on) l.add(trackId);
    else l.delete(trackId);
    this.liked = l;
    this.changed();
  }

  /** Friends (mutual follows) listening in room `id` now. */
  friendsIn(id) {
    return this.friends.filter((f) => f.listening_in && f.listening_in.id === id);
  }
}

/**
 * A lit ReactiveController: re-renders `host` whenever `host.store` changes, following the
 * property when the app hands the host another store.
 */
export class StoreWatcher {
  constructor(host) {
    this.host = host;
    this.store = null;
    this.onChange = () => host.requestUpdate();
    host.addController(this);
  }

  hostConnected() {
    this._bind(this.host.store);
  }

  hostDisconnected() {
    this._bind(null);
  }

  hostUpdate() {
    if (this.host.store !== this.store && this.host.isConnected) this._bind(this.host.store);
  }

  _bind(s) {
    if (this.store) this.store.removeEventListener('change', this.onChange);
    this.store = s || null;
    if (this.store) this.store.addEventListener('change', this.onChange);
  }
}
