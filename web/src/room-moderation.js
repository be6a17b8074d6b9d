// room-moderation.js - <sr-room-moderation>: the owner's view of a room's invite link (see, revoke,
// make a new one), its bans (with unban) and its audit log. They are read when it opens, again after each
// moderator action taken in this page (`rev` changes), after the room's deltas that follow a moderator's
// action anywhere (see `afterModeration`), and on Refresh.
//
// Bans, mutes and kicks are not announced to the room, but the owner (and an admin) gets a
// `moderation` message for each audit log entry, which reloads too; so does a `presence` delta
// with `left` (a ban or kick seen as someone leaving).
import { LitElement, html, css } from 'lit';
import { roomInvite, revokeInvite, createInvite, roomBans, roomAudit } from '../../sdk/account.js';
import { base } from './shared-styles.js';
import { errorText, timeOfDay } from './format.js';

/** The audit log's action names in words. */
const ACTIONS = {
  skip: 'skipped the track', remove: 'removed an entry', move: 'moved an entry to the top', delete_chat: 'deleted a chat line',
  mute: 'muted', unmute: 'unmuted', kick: 'removed', ban: 'banned', unban: 'unbanned', lock: 'locked the queue',
  unlock: 'unlocked the queue', set_role: 'set the role of', update_room: 'changed the room', new_invite: 'made a new invite',
  revoke_invite: 'revoked the invite',
};

const RELOAD_MS = 300; // a burst of deltas (a ban: presence, then others acting) reloads once

/** Whether a room delta may follow a moderator's action, so the audit log or the bans changed. */
export function afterModeration(d) {
  switch (d && d.type) {
    case 'role': case 'room_updated': case 'entry_moved': case 'chat_deleted': return true;
    case 'entry_removed': return d.reason === 'moderator';
    case 'now_playing': return !!d.skipped; // a moderator's skip (or a vote's: one reload too many)
    case 'presence': return Array.isArray(d.left) && d.left.length > 0; // a kick or a ban
    default: return false;
  }
}

class SrRoomModeration extends LitElement {
  static properties = {
    store: { attribute: false },
    client: { attribute: false },
    roomId: { type: Number },
    rev: { type: Number },
    _invite: { state: true },
    _bans: { state: true },
    _audit: { state: true },
    _error: { state: true },
    _busy: { state: true },
  };

  static styles = [base, css`
    :host { display: grid; gap: var(--gap); }
    ul { list-style: none; margin: 0; padding: 0; display: grid; gap: 6px; }
    li { display: flex; flex-wrap: wrap; align-items: center; gap: 4px 10px; overflow-wrap: anywhere; }
    .row { display: flex; flex-wrap: wrap; gap: 8px; margin-top: 8px; }
    .when { font-size: 0.85rem; }
    code { overflow-wrap: anywhere; }
    p { margin: 0; }
  `];

  constructor() {
    super();
    this.store = null;
    this.client = null;
    this.roomId = 0;
    this.rev = 0;
    this._invite = null;
    this._bans = null;
    this._audit = null;
    this._error = '';
    this._busy = false;
    this._off = null; // unsubscribes from the client's deltas
    this._timer = 0;
    this._seq = 0; // only the latest read is shown: reads may finish out of order
  }

  connectedCallback() {
    super.connectedCallback();
    this._listen();
  }

  disconnectedCallback() {
    super.disconnectedCallback();
    if (this._off) this._off();
    if (this._offMsg) this._offMsg();
    this._off = this._offMsg = null;
    clearTimeout(this._timer);
    this._timer = 0;
  }

  _listen() {
    if (this._off) this._off();
    if (this._offMsg) this._offMsg();
    const soon = () => {
      if (!this._timer) this._timer = setTimeout(() => { this._timer = 0; this._load(); }, RELOAD_MS);
    };
    this._off = this.client ? this.client.on('delta', (d) => {
      if (d.room === this.roomId && afterModeration(d)) soon();
    }) : null;
    this._offMsg = this.client ? this.client.on('message', (m) => {
      if (m && m.type === 'moderation' && m.room === this.roomId) soon();
    }) : null;
  }

  willUpdate(changed) {
    if (changed.has('client') && this.isConnected) this._listen();
    if ((changed.has('roomId') || changed.has('store') || changed.has('rev')) && this.store && this.roomId) this._load();
  }

  async _load() {
    const b = this.store.base;
    const seq = ++this._seq;
    try {
      const [invite, bans, audit] = await Promise.all([
        roomInvite(b, null, this.roomId), roomBans(b, null, this.roomId), roomAudit(b, null, this.roomId),
      ]);
      if (seq !== this._seq) return;
      this._invite = invite;
      this._bans = bans;
      this._audit = audit;
    } catch (err) {
      if (seq === this._seq) this._error = errorText(err);
    }
  }

  async _do(fn) {
    this._busy = true;
    this._error = '';
    try {
      await fn();
      await this._load();
    } catch (err) {
      this._error = errorText(err);
    } finally {
      this._busy = false;
    }
  }

  _inviteUrl() {
    return new URL(this._invite.url, location.href).href;
  }

  render() {
    const inv = this._invite;
    const b = this._busy;
    const base = this.store && this.store.base;
    return html`
      <p class="error" role="alert" ?hidden=${!this._error}>${this._error}</p>
      <section class="panel invite" aria-labelledby="rm-inv-h">
        <h2 id="rm-inv-h">Invite link</h2>
        ${!inv ? html`<p class="muted">Loading…</p>` : inv.invite
          ? html`<p>Anyone with this link may enter: <code class="link">${this._inviteUrl()}</code></p>`
          : html`<p class="muted none">No invite link. A private room is entered by invite only.</p>`}
        <div class="row">
          <button type="button" ?disabled=${b} @click=${() => this._do(() => createInvite(base, null, this.roomId))}>
            ${inv && inv.invite ? 'Replace link' : 'Make a link'}</button>
          ${inv && inv.invite ? html`<button type="button" class="revoke" ?disabled=${b}
            @click=${() => this._do(() => revokeInvite(base, null, this.roomId))}>Revoke link</button>` : ''}
        </div>
      </section>
      <section class="panel bans" aria-labelledby="rm-bans-h">
        <h2 id="rm-bans-h">Banned</h2>
        ${!this._bans ? html`<p class="muted">Loading…</p>` : !this._bans.length ? html`<p class="muted">Nobody is banned.</p>`
          : html`<ul>${this._bans.map((x) => html`<li><span class="who">${x.user ? x.user.name : 'someone'}</span>
              <span class="muted when">${x.until ? `until ${new Date(x.until).toLocaleString()}` : 'no end'}</span>
              <button type="button" ?disabled=${b} aria-label="Unban ${x.user ? x.user.name : ''}"
                @click=${() => this._do(() => this.client.mod('unban', { user: x.user.id }))}>Unban</button></li>`)}</ul>`}
      </section>
      <section class="panel audit" aria-labelledby="rm-audit-h">
        <h2 id="rm-audit-h">Audit log</h2>
        <div class="row"><button type="button" ?disabled=${b} @click=${() => this._do(() => null)}>Refresh</button></div>
        ${!this._audit ? html`<p class="muted">Loading…</p>` : !this._audit.length ? html`<p class="muted">Nothing yet.</p>`
          : html`<ul>${this._audit.map((e) => html`<li class="entry">
              <span class="muted when">${timeOfDay(e.ts)}</span>
              <span>${e.actor ? e.actor.name : 'someone'} ${ACTIONS[e.action] || e.action}${e.target ? ` ${e.target.name}` : ''}${e.detail ? ` (${e.detail})` : ''}</span></li>`)}</ul>`}
      </section>`;
  }
}

customElements.define('sr-room-moderation', SrRoomModeration);
