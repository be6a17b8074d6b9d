// queue-list.js - <sr-queue-list>: the room's queue with up/down votes, scores and remove-my-entry; for
// moderators also remove-any-entry and move-to-top.
import { LitElement, html, css } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import { base } from './shared-styles.js';
import { clock, errorText } from './format.js';

class SrQueueList extends LitElement {
  static properties = {
    client: { attribute: false },
    entries: { attribute: false },
    me: { attribute: false },
    canModerate: { type: Boolean },
    _votes: { state: true },
    _busy: { state: true },
  };

  static styles = [base, css`
    ol { list-style: none; margin: 0; padding: 0; display: grid; gap: 6px; }
    li {
      display: grid; grid-template-columns: auto minmax(0, 1fr) auto; gap: 8px; align-items: center;
      padding: 6px 8px; border-radius: 10px; background: var(--panel-2); border: 1px solid transparent;
    }
    li.mine { border-color: var(--line); }
    .pos { color: var(--muted); font-variant-numeric: tabular-nums; min-width: 1.5em; text-align: right; }
    .info { min-width: 0; }
    .title { font-weight: 600; }
    .sub { font-size: 0.85rem; }
    .controls { display: flex; align-items: center; gap: 4px; }
    .score { min-width: 2ch; text-align: center; font-weight: 700; font-variant-numeric: tabular-nums; }
    .score.pos-score { color: var(--up); }
    .score.neg-score { color: var(--down); }
    button.vote { padding: 4px; width: 40px; }
    button.up[aria-pressed='true'] { background: var(--up); border-color: var(--up); color: #04140c; }
    button.down[aria-pressed='true'] { background: var(--down); border-color: var(--down); color: #1d0408; }
    button.remove { padding: 4px; width: 40px; color: var(--muted); }
    button.top { padding: 4px; width: 40px; color: var(--muted); }
    .pin { color: var(--warn); }
    .empty { margin: 0; }
    @media (max-width: 480px) { .controls.many { flex-wrap: wrap; justify-content: flex-end; max-width: 132px; } }
    @media (max-width: 380px) { .pos { display: none; } li { grid-template-columns: minmax(0, 1fr) auto; } }
  `];

  constructor() {
    super();
    this.client = null;
    this.entries = [];
    this.me = {};
    this.canModerate = false;
    this._votes = new Map(); // entry id -> my vote while it is being sent (then entry.my_vote)
    this._busy = new Set();
  }

  _myVote(e) {
    if (this._votes.has(e.id)) return this._votes.get(e.id);
    return e.my_vote || 0;
  }

  _toast(text) {
    this.dispatchEvent(new CustomEvent('sr-toast', { detail: { text, kind: 'error' }, bubbles: true, composed: true }));
  }

  async _vote(e, value) {
    this._votes = new Map(this._votes).set(e.id, value);
    try {
      await this.client.vote(e.id, value); // the SDK records entry.my_vote on the ack
    } catch (err) {
      this._toast(`Vote failed: ${errorText(err)}`);
    } finally {
      const m = new Map(this._votes);
      m.delete(e.id);
      this._votes = m;
    }
  }

  async _remove(e, mine = true) {
    this._busy = new Set(this._busy).add(e.id);
    try {
      if (mine) await this.client.removeEntry(e.id);
      else await this.client.mod('remove', { entry: e.id });
    } catch (err) {
      this._toast(`Could not remove: ${errorText(err)}`);
    } finally {
      const b = new Set(this._busy);
      b.delete(e.id);
      this._busy = b;
    }
  }

  async _moveTop(e) {
    if (this._busy.has(e.id)) return;
    this._busy = new Set(this._busy).add(e.id);
    try {
      await this.client.mod('move', { entry: e.id });
    } catch (err) {
      this._toast(`Could not move: ${errorText(err)}`);
    } finally {
      const b = new Set(this._busy);
      b.delete(e.id);
      this._busy = b;
    }
  }

  _entry(e, i) {
    const t = e.track || {};
    const v = this._myVote(e);
    const mine = this.me && e.added_by && e.added_by.id === this.me.id;
    const score = Number(e.score) || 0;
    return html`<li class=${mine ? 'mine' : ''} data-entry=${e.id}>
      <span class="pos" aria-hidden="true">${i + 1}</span>
      <div class="info">
        <div class="title ellipsis">${t.title || 'Untitled'}</div>
        <div class="sub muted ellipsis">${t.artist || 'Unknown artist'} · ${clock((t.duration_ms || 0) / 1000)}
          · added by ${mine ? 'you' : (e.added_by && e.added_by.name) || 'someone'}${e.pinned ? html` · <span class="pin">pinned</span>` : ''}</div>
      </div>
      <div class="controls ${this.canModerate ? 'many' : ''}">
        <button class="vote up" type="button" aria-pressed=${v === 1 ? 'true' : 'false'}
          aria-label="Vote up ${t.title}" title="Vote up" @click=${() => this._vote(e, v === 1 ? 0 : 1)}>▲</button>
        <span class="score ${score > 0 ? 'pos-score' : score < 0 ? 'neg-score' : ''}"
          title="${e.up || 0} up, ${e.down || 0} down" aria-label="score ${score}">${score}</span>
        <button class="vote down" type="button" aria-pressed=${v === -1 ? 'true' : 'false'}
          aria-label="Vote down ${t.title}" title="Vote down" @click=${() => this._vote(e, v === -1 ? 0 : -1)}>▼</button>
        ${this.canModerate && !e.pinned ? html`<button class="top" type="button" aria-label="Move ${t.title} to the top"
          title="Move to the top (play next)" aria-disabled=${this._busy.has(e.id) ? 'true' : 'false'} @click=${() => this._moveTop(e)}>⤒</button>` : ''}
        ${mine || this.canModerate ? html`<button class="remove" type="button" aria-label="Remove ${t.title} from the queue"
          title=${mine ? 'Remove from the queue' : 'Remove from the queue (moderator)'} ?disabled=${this._busy.has(e.id)}
          @click=${() => this._remove(e, mine)}>✕</button>` : ''}
      </div>
    </li>`;
  }

  render() {
    const list = this.entries || [];
    return html`<section class="panel" aria-labelledby="queue-h">
      <h2 id="queue-h">Up next${list.length ? ` (${list.length})` : ''}</h2>
      ${list.length
        ? html`<ol>${repeat(list, (e) => e.id, (e, i) => this._entry(e, i))}</ol>`
        : html`<p class="empty muted">The queue is empty. Add a track from the library below — until then the room plays its favourites.</p>`}
    </section>`;
  }
}

customElements.define('sr-queue-list', SrQueueList);
