// room-stats.js - <sr-room-stats>: the room's top tracks (by plays or votes, all time or 7 days), top fans and
// play history (who added each track, how it was voted), in tabs.
import { LitElement, html, css } from 'lit';
import { topTracks, topFans, roomHistory } from '../../sdk/lobby.js';
import { base } from './shared-styles.js';
import { userHref } from './route.js';
import { dateTime, duration, errorText, plural } from './format.js';
import './artist-link.js';

const TABS = [['top', 'Top tracks'], ['fans', 'Top fans'], ['history', 'History']];
const LIMIT = 20;

class SrRoomStats extends LitElement {
  static properties = {
    store: { attribute: false },
    roomId: { type: Number },
    trackId: { type: Number }, // what plays now: a change refreshes the figures
    _tab: { state: true },
    _by: { state: true },
    _period: { state: true },
    _rows: { state: true },
    _error: { state: true },
  };

  static styles = [base, css`
    [role='tablist'] { display: flex; gap: 4px; flex-wrap: wrap; margin-bottom: 10px; }
    [role='tab'] { min-height: 36px; font-size: 0.9rem; }
    [role='tab'][aria-selected='true'] { background: var(--accent); border-color: var(--accent); color: var(--accent-text); }
    .filters { display: flex; flex-wrap: wrap; gap: 8px; margin-bottom: 10px; }
    .filters label { display: flex; gap: 6px; align-items: center; margin: 0; }
    select {
      font: inherit; font-size: 0.9rem; color: var(--text); background: var(--bg); border: 1px solid var(--line);
      border-radius: 8px; min-height: 36px; padding: 4px 8px;
    }
    ol { list-style: none; margin: 0; padding: 0; display: grid; gap: 6px; }
    li {
      display: grid; grid-template-columns: auto minmax(0, 1fr) auto; gap: 8px; align-items: center;
      padding: 6px 8px; border-radius: 10px; background: var(--panel-2);
    }
    .rank { color: var(--muted); font-variant-numeric: tabular-nums; min-width: 1.5em; text-align: right; }
    .info { min-width: 0; }
    .title { font-weight: 600; overflow-wrap: anywhere; }
    .sub { font-size: 0.85rem; overflow-wrap: anywhere; }
    .sub a, a.who { color: inherit; }
    .fig { font-size: 0.85rem; text-align: right; font-variant-numeric: tabular-nums; }
    .up { color: var(--up); }
    .down { color: var(--down); }
    p { margin: 0; }
  `];

  constructor() {
    super();
    this.store = null;
    this.roomId = 0;
    this.trackId = 0;
    this._tab = 'top';
    this._by = 'plays';
    this._period = 'all';
    this._rows = null;
    this._error = '';
    this._seq = 0;
  }

  willUpdate(changed) {
    if (['roomId', 'trackId', 'store', '_tab', '_by', '_period'].some((k) => changed.has(k))) this._load();
  }

  async _load() {
    if (!this.store || !this.roomId) return;
    const seq = ++this._seq;
    const b = this.store.base;
    try {
      // Only what differs from the server's defaults goes in the query: the server reads one
      // query parameter only (GET …/top-tracks?by=votes&period=7d answers 400 bad_field).
      const by = this._by === 'plays' ? undefined : this._by;
      const period = this._period === 'all' ? undefined : this._period;
      let rows;
      if (this._tab === 'top') rows = await topTracks(b, null, this.roomId, { by, period });
      else if (this._tab === 'fans') rows = await topFans(b, null, this.roomId, { period });
      else rows = await roomHistory(b, null, this.roomId, { limit: LIMIT });
      rows = rows.slice(0, LIMIT);
      if (seq !== this._seq) return;
      this._rows = rows;
      this._error = '';
    } catch (err) {
      if (seq === this._seq) this._error = errorText(err);
    }
  }

  _select(tab) {
    if (tab === this._tab) return;
    this._rows = null;
    this._tab = tab;
  }

  _onKey(e) {
    // Arrow keys move between tabs, as tabs do.
    const i = TABS.findIndex(([k]) => k === this._tab);
    const d = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
    if (!d) return;
    e.preventDefault();
    this._select(TABS[(i + d + TABS.length) % TABS.length][0]);
    this.updateComplete.then(() => this.renderRoot.querySelector('[aria-selected="true"]')?.focus());
  }

  _artist(t) {
    return t.artist ? html`<sr-artist-link .store=${this.store} .name=${t.artist}></sr-artist-link>` : 'Unknown artist';
  }

  _filters() {
    return html`<div class="filters">
      ${this._tab === 'top' ? html`<label>Rank by
        <select @change=${(e) => { this._by = e.target.value; }}>
          <option value="plays" ?selected=${this._by === 'plays'}>plays</option>
          <option value="votes" ?selected=${this._by === 'votes'}>votes</option>
        </select></label>` : ''}
      <label>Over
        <select @change=${(e) => { this._period = e.target.value; }}>
          <option value="all" ?selected=${this._period === 'all'}>all time</option>
          <option value="7d" ?selected=${this._period === '7d'}>the last 7 days</option>
        </select></label>
    </div>`;
  }

  _top(rows) {
    return html`<ol>${rows.map((r, i) => html`<li>
      <span class="rank">${i + 1}</span>
      <div class="info"><div class="title">${r.track.title || 'Untitled'}</div><div class="sub muted">${this._artist(r.track)}</div></div>
      <div class="fig"><div>${plural(r.plays, 'play')}</div><div class="up">▲ ${r.upvotes}</div></div>
    </li>`)}</ol>`;
  }

  _fans(rows) {
    return html`<ol>${rows.map((f, i) => html`<li>
      <span class="rank">${i + 1}</span>
      <div class="info"><a class="who title" href=${userHref(f.user.id)}>${f.user.name}</a>
        <div class="sub muted">${duration(f.listening_ms)} listening · ${plural(f.tracks_played, 'track')} played · ${plural(f.votes, 'vote')}</div></div>
      <div class="fig">${f.score} pts</div>
    </li>`)}</ol>`;
  }

  _history(rows) {
    return html`<ol>${rows.map((p) => html`<li>
      <span class="rank" aria-hidden="true">${p.skipped ? '»' : '♪'}</span>
      <div class="info"><div class="title">${p.track.title || 'Untitled'}</div>
        <div class="sub muted">${this._artist(p.track)} · ${dateTime(p.started_at)} · ${p.added_by
          ? html`added by <a href=${userHref(p.added_by.id)}>${p.added_by.name}</a>`
          : p.from === 'fallback' ? 'picked by the room' : 'added by someone'}${p.skipped ? ' · skipped' : ''}</div></div>
      <div class="fig"><span class="up">▲ ${p.up}</span> <span class="down">▼ ${p.down}</span></div>
    </li>`)}</ol>`;
  }

  render() {
    const rows = this._rows;
    const empty = { top: 'No tracks played here yet.', fans: 'No fans yet: listen a while!', history: 'Nothing played yet.' }[this._tab];
    return html`<section class="panel" aria-labelledby="stats-h">
      <h2 id="stats-h">This room</h2>
      <div role="tablist" aria-label="Room statistics" @keydown=${this._onKey}>
        ${TABS.map(([k, label]) => html`<button type="button" role="tab" id="tab-${k}" aria-controls="stats-panel"
          aria-selected=${this._tab === k ? 'true' : 'false'} tabindex=${this._tab === k ? '0' : '-1'}
          @click=${() => this._select(k)}>${label}</button>`)}
      </div>
      <div id="stats-panel" role="tabpanel" aria-labelledby="tab-${this._tab}">
        ${this._tab === 'history' ? '' : this._filters()}
        ${this._error ? html`<p class="error" role="alert">Could not load: ${this._error}</p>`
          : rows == null ? html`<p class="muted">Loading…</p>`
          : rows.length === 0 ? html`<p class="muted">${empty}</p>`
          : this._tab === 'top' ? this._top(rows) : this._tab === 'fans' ? this._fans(rows) : this._history(rows)}
      </div>
    </section>`;
  }
}

customElements.define('sr-room-stats', SrRoomStats);
