// room-sync.js - RoomSync: keeps the SDK client in the room the route names, and the player on that room's track.
//
// A helper of <sr-app> (its `host`). Given each client the Session opens (follow()), it joins
// the room of a `#/room/<id>` route and leaves it on any other route (apply(), called again when
// the route changes or the connection comes back), counts the SDK's room events in `rev` so the
// room view re-renders, points the Player (player.js) at the room's current track, and goes back
// to the lobby when a moderator removes this person. Notices and kicks become `sr-toast` events
// on the host.
import { parseRoute } from './route.js';
import { errorText } from './format.js';

// The SDK events after which the room view may show something new.
const EVENTS = ['snapshot', 'resumed', 'delta', 'now_playing', 'chat', 'presence', 'queue', 'skip'];

export class RoomSync {
  /** Counts SDK room events: the room view re-renders when it changes. */
  rev = 0;
  /** Why joining the route's room failed, or ''. */
  joinError = '';

  #host;
  #router;
  #player;
  #client = null;
  #offs = [];
  #joinSeq = 0;
  #joining = false;
  #mayJoin;

  /**
   * `router`: the Router whose route to follow; `player`: the Player to drive; `mayJoin()`: false
   * while this person may not enter rooms yet (a guest who has not chosen a name).
   */
  constructor(host, { router, player, mayJoin = () => true }) {
    this.#host = host;
    this.#router = router;
    this.#player = player;
    this.#mayJoin = mayJoin;
  }

  /** Something the room view shows may have changed: re-render it. */
  touch() {
    this.rev++;
    this.#host.requestUpdate();
  }

  #toast(text, kind) {
    this.#host.dispatchEvent(new CustomEvent('sr-toast', { detail: { text, kind } }));
  }

  /** Follows `client` (null: none; the player stops), then joins or leaves to match the route. */
  follow(client) {
    for (const off of this.#offs.splice(0)) off();
    this.#client = client;
    if (!client) {
      this.#player.stop();
      return;
    }
    const on = (event, fn) => this.#offs.push(client.on(event, (ev) => {
      if (client === this.#client) fn(ev);
    }));
    for (const ev of EVENTS) on(ev, () => this.#onEvent());
    on('state', (room) => this.#onState(room));
    on('connection', (ev) => {
      if (ev.status === 'open') this.apply();
      this.touch();
    });
    on('notice', (ev) => this.#toast(ev && (ev.text ?? ev.message ?? ev), 'notice'));
    on('kicked', (ev) => this.#onKicked(ev));
    this.apply();
  }

  #onEvent() {
    this.touch();
    this.#syncPlayer();
  }

  #onState(room) {
    this.#onEvent();
    if (room !== null) return;
    // The SDK dropped the room (a resume failed): join afresh, which reports any error.
    // Decide after the SDK's current dispatch: a 'kicked' event may follow and go to the lobby.
    setTimeout(() => {
      const c = this.#client;
      if (c && !c.room && !this.#joining && parseRoute().view === 'room') this.apply();
    }, 0);
  }

  #onKicked(ev) {
    // Removed from the room by a moderator: back to the lobby rather than straight back in.
    const closed = ev && ev.reason === 'the room was closed';
    this.#toast(closed ? 'This room was closed.' : `You were removed from the room${ev && ev.reason ? `: ${ev.reason}` : ''}.`, 'error');
    this.#joinSeq++;
    location.hash = '#/';
  }

  /** Joins or leaves rooms so the client matches the route. */
  async apply() {
    const c = this.#client;
    if (!c) return;
    const r = this.#router.route;
    const current = c.room ? c.room.id : null;
    if (r.view === 'room') {
      if (!this.#mayJoin()) {
        // A guest without a name yet: the app asks for one first (apply() runs again after).
        this.#player.stop();
        this.#host.requestUpdate();
        return;
      }
      if (current === r.roomId && !this.joinError) {
        this.#syncPlayer();
        return;
      }
      const seq = ++this.#joinSeq;
      this.joinError = '';
      this.#joining = true;
      this.#player.stop();
      this.#host.requestUpdate();
      try {
        await c.join(r.roomId, r.invite ? { invite: r.invite } : {});
      } catch (err) {
        // 'disconnected': the join is retried when the connection is back.
        if (seq === this.#joinSeq && err.code !== 'disconnected') this.joinError = errorText(err);
      }
      if (seq === this.#joinSeq) {
        this.#joining = false;
        this.touch();
        this.#syncPlayer();
      }
    } else {
      this.#joinSeq++;
      this.#joining = false;
      this.joinError = '';
      this.#player.stop();
      this.#host.requestUpdate();
      if (current != null) {
        try {
          await c.leave();
        } catch {
          /* leaving a room we are not in is harmless */
        }
      }
      this.touch();
    }
  }

  /** Points the player at the room's current track (or stops it outside a room). */
  #syncPlayer() {
    const c = this.#client;
    const r = this.#router.route;
    const room = c && c.room;
    const np = room && room.nowPlaying;
    if (r.view === 'room' && room && room.id === r.roomId && np && np.track) {
      this.#player.setTrack(np.track, np.started_at);
    } else {
      this.#player.stop();
    }
  }
}
