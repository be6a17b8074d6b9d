// sync-report.js - SyncReport: every REPORT_MS, tells the room how far this device plays from
// the schedule (the Player's syncError(), a p95 of |drift| in ms) through the SDK's
// client.reportSync, while a file track plays here (live streams and adapter tracks have no
// position to agree on, so they report nothing and the server forgets this device's last figure
// after 15 s).

const REPORT_MS = 5000;

export class SyncReport {
  #timer = 0;

  /** `player`: the Player; `client()`: the SDK client now (or null). */
  constructor(player, client) {
    this.#timer = setInterval(() => {
      const c = client();
      if (!c || !c.room || c.status !== 'open' || player.mode !== 'file' || player.state !== 'playing') return;
      const ms = player.syncError();
      if (ms != null) c.reportSync(ms).catch(() => {}); // a dropped report: the next one follows
    }, REPORT_MS);
  }

  stop() {
    clearInterval(this.#timer);
  }
}
