// room-settings.js - <sr-room-settings>: the owner's form for the room: name, description, tags, visibility,
// who may add and vote, limits, slow mode and the play mode (queue or top tracks).
import { LitElement, html, css } from 'lit';
import { closeRoom, updateRoom } from '../../sdk/account.js';
import { base } from './shared-styles.js';
import { errorText } from './format.js';

const WHO = [['everyone', 'everyone'], ['members', 'members'], ['moderators', 'moderators']];

class SrRoomSettings extends LitElement {
  static properties = {
    store: { attribute: false },
    roomId: { type: Number },
    info: { attribute: false },
    settings: { attribute: false },
    _busy: { state: true },
    _error: { state: true },
    _saved: { state: true },
    _invite: { state: true },
    _arming: { state: true },
  };

  static styles = [base, css`
    form { display: grid; gap: 12px; }
    .grid { display: grid; gap: 12px; grid-template-columns: minmax(0, 1fr); }
    @media (min-width: 600px) { .grid { grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); } }
    select {
      font: inherit; color: var(--text); background: var(--bg); border: 1px solid var(--line);
      border-radius: 10px; min-height: 40px; padding: 6px 10px; width: 100%;
    }
    .row { display: flex; flex-wrap: wrap; gap: 8px; }
    .ok { color: var(--up); margin: 0; }
    .invite { margin: 0; overflow-wrap: anywhere; font-size: 0.9rem; }
    .hint { font-size: 0.8rem; margin: 4px 0 0; }
    .danger { border-top: 1px solid var(--line); padding-top: 12px; }
    .danger button { color: var(--down); }
  `];

  constructor() {
    super();
    this.store = null;
    this.roomId = 0;
    this.info = {};
    this.settings = {};
    this._busy = false;
    this._error = '';
    this._saved = false;
    this._invite = '';
    this._arming = false;
  }

  /** Closing is for good: the first click asks, the second closes. Everyone in the room (the
   * owner too) then gets 'kicked' with "the room was closed" and goes back to the lobby. */
  async _close() {
    if (!this._arming) {
      this._arming = true;
      return;
    }
    this._arming = false;
    this._busy = true;
    this._error = '';
    try {
      await closeRoom(this.store.base, null, this.roomId);
    } catch (err) {
      this._error = `Could not close the room: ${errorText(err)}`;
    } finally {
      this._busy = false;
    }
  }

  async _submit(e) {
    e.preventDefault();
    const f = e.target.elements;
    const num = (el, lo, hi) => Math.min(hi, Math.max(lo, Number(el.value) || 0));
    const body = {
      name: f.name.value.trim(),
      description: f.description.value.trim(),
      tags: f.tags.value.split(',').map((t) => t.trim()).filter(Boolean),
      visibility: f.visibility.value,
      rules: {
        who_add: f.who_add.value,
        who_vote: f.who_vote.value,
        max_per_person: Math.round(num(f.max_per_person, 0, 500)),
        skip_ratio: num(f.skip_ratio, 0, 1),
        slow_mode_s: Math.round(num(f.slow_mode_s, 0, 3600)),
        mode: f.mode.value,
      },
    };
    if (!body.name) {
      this._error = 'A room needs a name.';
      return;
    }
    this._busy = true;
    this._error = '';
    this._saved = false;
    try {
      const r = await updateRoom(this.store.base, null, this.roomId, body);
      this._invite = r && r.invite ? r.invite : '';
      this._saved = true;
    } catch (err) {
      this._error = errorText(err);
    } finally {
      this._busy = false;
    }
  }

  _select(name, label, value, options, hint = '') {
    return html`<div>
      <label for="rs-${name}">${label}</label>
      <select id="rs-${name}" name=${name}>
        ${options.map(([v, text]) => html`<option value=${v} ?selected=${v === value}>${text}</option>`)}
      </select>
      ${hint ? html`<p class="hint muted">${hint}</p>` : ''}
    </div>`;
  }

  render() {
    const i = this.info || {};
    const s = this.settings || {};
    return html`<section class="panel" aria-labelledby="rs-h">
      <h2 id="rs-h">Room settings</h2>
      <form @submit=${this._submit}>
        <div class="grid">
          <div><label for="rs-name">Room name</label><input id="rs-name" name="name" maxlength="80" .value=${i.name || ''}></div>
          <div><label for="rs-tags">Tags (comma separated)</label><input id="rs-tags" name="tags" maxlength="330" .value=${(i.tags || []).join(', ')}></div>
        </div>
        <div><label for="rs-desc">Description</label><input id="rs-desc" name="description" maxlength="500" .value=${i.description || ''}></div>
        <div class="grid">
          ${this._select('visibility', 'Visibility', s.visibility || 'public',
            [['public', 'public: in the lobby'], ['unlisted', 'unlisted: by link'], ['private', 'private: by invite']])}
          ${this._select('mode', 'Plays', s.mode || 'queue',
            [['queue', 'the queue'], ['top', 'its top 50 tracks']])}
          ${this._select('who_add', 'Who may add tracks', s.who_add || 'everyone', WHO)}
          ${this._select('who_vote', 'Who may vote', s.who_vote || 'everyone', WHO)}
          <div><label for="rs-max">Tracks queued per person (0: no limit)</label>
            <input id="rs-max" name="max_per_person" type="number" min="0" max="500" step="1" .value=${String(s.max_per_person ?? 0)}></div>
          <div><label for="rs-skip">Share of listeners to skip (0: server default)</label>
            <input id="rs-skip" name="skip_ratio" type="number" min="0" max="1" step="0.05" .value=${String(s.skip_ratio ?? 0)}></div>
          <div><label for="rs-slow">Slow mode: seconds between chat lines (0: off)</label>
            <input id="rs-slow" name="slow_mode_s" type="number" min="0" max="3600" step="1" .value=${String(s.slow_mode_s ?? 0)}></div>
        </div>
        <p class="error" role="alert" ?hidden=${!this._error}>${this._error}</p>
        <p class="ok" role="status" ?hidden=${!this._saved}>Saved.</p>
        ${this._invite ? html`<p class="invite">Invite code for this private room: <code>${this._invite}</code></p>` : ''}
        <div class="row">
          <button class="primary" type="submit" ?disabled=${this._busy}>Save settings</button>
          <button type="button" @click=${() => this.dispatchEvent(new CustomEvent('close'))}>Close</button>
        </div>
        <div class="row danger">
          <button type="button" ?disabled=${this._busy} @click=${this._close} @blur=${() => { this._arming = false; }}>
            ${this._arming ? 'Confirm: close this room for good' : 'Close this room for good'}</button>
        </div>
      </form>
    </section>`;
  }
}

customElements.define('sr-room-settings', SrRoomSettings);
