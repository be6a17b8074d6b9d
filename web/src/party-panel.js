// party-panel.js - <sr-party-panel>: party mode in the room view. Everyone sees the join code, the
// countdown to a scheduled start and which device plays the sound; a remote (any device that is
// not the speaker) plays nothing until its listener turns sound on here. The host (moderators and
// the owner) makes this device the speaker or hands the speaker to someone present; the owner
// starts and ends the party, schedules it and rotates the code. Everything goes through the SDK
// (sdk/party.js); RoomSync (`sync`) keeps whether this device plays.
import { LitElement, html, css } from 'lit';
import { base } from './shared-styles.js';
import { errorText } from './format.js';
import { guestBadge } from './guest-badge.js';
import { startParty, endParty, rotatePartyCode, giveSpeaker } from '../../sdk/party.js';

/** A server-ms time as the value of a datetime-local field (local time), or ''. */
function localInput(ms) {
  if (!ms) return '';
  const d = new Date(ms);
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

class SrPartyPanel extends LitElement {
  static properties = {
    client: { attribute: false },
    sync: { attribute: false },
    rev: { type: Number },
    isOwner: { type: Boolean },
    canModerate: { type: Boolean },
    _busy: { state: true },
    _error: { state: true },
  };

  static styles = [base, css`
    .panel { margin-bottom: 12px; }
    .row { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; margin-top: 8px; }
    .code { font-size: 1.4rem; font-weight: 800; letter-spacing: 0.15em; }
    .speaker { margin: 6px 0 0; }
    select { font: inherit; color: var(--text); background: var(--bg); border: 1px solid var(--line); border-radius: 10px; min-height: 40px; padding: 6px; }
    input[type='datetime-local'] { width: auto; }
    button[aria-pressed='true'] { background: var(--accent); border-color: var(--accent); color: var(--accent-text); }
  `];

  constructor() {
    super();
    this._busy = false;
    this._error = '';
  }

  async _do(what, fn) {
    this._busy = true;
    this._error = '';
    try {
      await fn();
    } catch (err) {
      this._error = `Could not ${what}: ${errorText(err)}`;
    } finally {
      this._busy = false;
    }
  }

  _schedule(e) {
    e.preventDefault();
    const v = new FormData(e.target).get('starts')?.toString();
    const at = v ? new Date(v).getTime() : null;
    const room = this.client.room;
    this._do('schedule the party', () => startParty(location.origin, null, room.id, { startsAt: Number.isFinite(at) ? at : null }));
  }

  render() {
    const c = this.client;
    const room = c && c.room;
    if (!room) return '';
    const p = room.party;
    const origin = location.origin;
    if (!p) {
      if (!this.isOwner) return '';
      return html`<section class="panel" aria-labelledby="party-h">
        <h2 id="party-h">Party mode</h2>
        <p class="muted">One screen plays the sound; everyone's phone adds, votes and chats. Guests join with the code or the QR code on the big screen.</p>
        <div class="row">
          <button class="primary" type="button" ?disabled=${this._busy}
            @click=${() => this._do('start party mode', () => startParty(origin, null, room.id))}>Start party mode</button>
          <a class="button" href="/tv/${room.id}" target="_blank" rel="noopener">Open the big screen</a>
        </div>
        ${this._error ? html`<p class="error" role="alert">${this._error}</p>` : ''}
      </section>`;
    }
    const here = this.sync ? this.sync.speakerHere : false;
    const listen = this.sync ? this.sync.listenHere : false;
    const sp = p.speaker;
    const left = p.starts_at ? p.starts_at - c.now() : 0;
    const others = (room.listeners || []).filter((u) => !sp || u.id !== sp.user.id);
    return html`<section class="panel" aria-labelledby="party-h">
      <h2 id="party-h">Party mode</h2>
      <p>Join code <span class="code">${p.code}</span> <span class="muted">· ${origin}/#/join/${p.code}</span></p>
      ${left > 0 ? html`<p>Starts at ${new Date(p.starts_at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}</p>` : ''}
      <p class="speaker" role="status">${here ? 'Sound plays on this device.'
        : sp ? html`Sound plays on ${sp.user.name}${guestBadge(sp.user)}'s ${sp.device ? 'device' : 'device (waiting for it)'}.`
          : 'No device plays the sound yet.'}</p>
      <div class="row">
        ${here ? '' : html`<button type="button" aria-pressed=${listen ? 'true' : 'false'}
          @click=${() => this.sync && this.sync.setListenHere(!listen)}>${listen ? 'Sound on here' : 'Listen on this device too'}</button>`}
        ${this.canModerate && !here ? html`<button type="button" ?disabled=${this._busy}
          @click=${() => this._do('take the speaker', () => this.sync.claim())}>Play the sound here</button>` : ''}
        <a class="button" href="/tv/${room.id}" target="_blank" rel="noopener">Open the big screen</a>
      </div>
      ${this.canModerate && others.length ? html`<div class="row">
        <label for="give">Move the speaker to</label>
        <select id="give" ?disabled=${this._busy} @change=${(e) => {
          const uid = Number(e.target.value);
          e.target.value = '';
          if (uid) this._do('move the speaker', () => giveSpeaker(c, room.id, uid));
        }}>
          <option value="">choose…</option>
          ${others.map((u) => html`<option value=${u.id}>${u.name}${u.guest ? ' (guest)' : ''}</option>`)}
        </select>
      </div>` : ''}
      ${this.isOwner ? html`<form class="row" @submit=${this._schedule}>
          <label for="starts">Starts at</label>
          <input id="starts" name="starts" type="datetime-local" .value=${localInput(p.starts_at)}>
          <button type="submit" ?disabled=${this._busy}>Schedule</button>
        </form>
        <div class="row">
          <button type="button" ?disabled=${this._busy}
            @click=${() => this._do('make a new code', () => rotatePartyCode(origin, null, room.id))}>New code</button>
          <button type="button" ?disabled=${this._busy}
            @click=${() => this._do('end the party', () => endParty(origin, null, room.id))}>End party</button>
        </div>` : ''}
      ${this._error ? html`<p class="error" role="alert">${this._error}</p>` : ''}
    </section>`;
  }
}

customElements.define('sr-party-panel', SrPartyPanel);
