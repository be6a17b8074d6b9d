// room-sync.js - RoomSync: keeps the SDK client in the room the route names, and the player on that room's track.
//
// A helper of <sr-app> (its `host`). Given each client the Session opens (follow()), it joins
// the room of a `#/room/<id>` route and leaves it on any other route (apply(), called again when
// the route changes or the connection comes back), counts the SDK's room events in `rev` so the
// room view re-renders, points the Player (player.js) at the room's current track, and goes back
// to the lobby when a moderator removes this person. Notices and kicks become `sr-toast` events
// on the host.
//
// In party mode only the speaker device plays: this browser plays when it is the speaker (its
// device id, prefs.device, is the party's `speaker.device`) or when its listener turned sound on
// here (`listenHere`); otherwise the player stays stopped and the page is a remote. A device of
// the person the host handed the speaker to claims it by itself, and so does the big screen
// (`/tv/<id>`) of a host when the party has no speaker.
import { parseRoute, inRoom } from './route.js';
import { errorText } from './format.js';
import { prefs } from './prefs.js';
import { claimSpeaker } from '../../sdk/party.js';

// The SDK events after which the room view may show something new.
const EVENTS = ['snapshot', 'resumed', 'delta', 'now_playing', 'chat', 'presence', 'queue', 'skip', 'party'];
const HOSTS = new Set(['owner', 'moderator', 'admin']);

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
  #claimed = '';
  /** Party mode: play the room here although this device is not the speaker. */
  listenHere = false;

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
    this.#maybeClaim();
    this.#syncPlayer();
  }

  /** True when the room is in party mode and this device is its speaker. */
  get speakerHere() {
    const c = this.#client;
    const sp = c && c.room && c.room.party && c.room.party.speaker;
    return !!(sp && c.user && sp.user && sp.user.id === c.user.id && sp.device === prefs.device);
  }

  /** Party mode: sound on (or off) on this device although it is not the speaker. */
  setListenHere(on) {
    this.listenHere = !!on;
    this.touch();
    this.#syncPlayer();
  }

  /** Makes this device the party's speaker (the host's button; a handed speaker claims by itself). */
  claim() {
    const c = this.#client;
    if (!c || !c.room) return Promise.resolve();
    return claimSpeaker(c, c.room.id, prefs.device).then(() => this.touch());
  }

  // A device of the person the speaker was handed to takes it; so does a host's big screen when
  // the party has no speaker. Once per party state, so a refusal is not retried in a loop.
  #maybeClaim() {
    const c = this.#client;
    const room = c && c.room;
    const p = room && room.party;
    if (!p || !c.user || room.id !== this.#router.route.roomId) return;
    const sp = p.speaker;
    const handed = sp && sp.user && sp.user.id === c.user.id && sp.device === null;
    const tvHost = !sp && this.#router.route.view === 'tv' && HOSTS.has(room.yourRole);
    const key = `${room.id}:${p.code}:${sp ? `${sp.user.id}/${sp.device}` : '-'}`;
    if (!(handed || tvHost) || this.#claimed === key) return;
    this.#claimed = key;
    claimSpeaker(c, room.id, prefs.device).catch((err) => this.#toast(`Could not take the speaker: ${errorText(err)}`, 'error'));
  }

  #onState(room) {
    this.#onEvent();
    if (room !== null) return;
    // The SDK dropped the room (a resume failed): join afresh, which reports any error.
    // Decide after the SDK's current dispatch: a 'kicked' event may follow and go to the lobby.
    setTimeout(() => {
      const c = this.#client;
      if (c && !c.room && !this.#joining && inRoom(parseRoute())) this.apply();
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
    if (inRoom(r)) {
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
      this.listenHere = false; // a remote again in the next party
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
    const remote = room && room.party && !this.speakerHere && !this.listenHere;
    if (inRoom(r) && room && room.id === r.roomId && np && np.track && !remote) {
      this.#player.setTrack(np.track, np.started_at);
    } else {
      this.#player.stop();
    }
  }
}
