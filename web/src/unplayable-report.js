// unplayable-report.js - UnplayableReport: tells the room, once per play, when this device's
// player cannot play the room's track: the audio element failed ('error'), no adapter plays its
// source here ('unsupported'), or a live stream has been loading for STALL_MS. The server moves
// the room on when its listeners cannot play it (docs/protocol.md, "Tracks nobody can play"),
// so a dead stream does not keep everyone silent. A file that is merely slow to load is not
// reported: its length bounds the wait, and a slow connection should not skip it for the room.

const STALL_MS = 8000;
const CHECK_MS = 1000;

export class UnplayableReport {
  #sent = ''; // the play last reported: "track@started_at"
  #loading = { key: '', since: 0 }; // the live play loading, and since when

  /** `player`: the Player; `client()`: the SDK client now (or null). */
  constructor(player, client) {
    const check = () => {
      const t = player.track;
      if (!t) return;
      const key = `${t.id}@${player.startedAt}`;
      let failed = player.state === 'error' || player.state === 'unsupported';
      if (player.state === 'loading' && player.mode === 'live') {
        if (this.#loading.key !== key) this.#loading = { key, since: Date.now() };
        failed = Date.now() - this.#loading.since >= STALL_MS;
      } else {
        this.#loading = { key: '', since: 0 };
      }
      const c = client();
      if (!failed || key === this.#sent || !c || !c.room || c.status !== 'open') return;
      this.#sent = key;
      c.reportCannotPlay(t.id).catch(() => { this.#sent = ''; }); // lost: the next check retries
    };
    player.addEventListener('statechange', check);
    setInterval(check, CHECK_MS);
  }
}
