// listener-list.js - <sr-listener-list>: who is in the room right now. A name opens that person's profile;
// moderators get mute, kick and ban for each listener (owners also appoint moderators).
import { LitElement, html, css } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import { base } from './shared-styles.js';
import { userHref } from './route.js';
import { errorText } from './format.js';
import './avatar-img.js';
import { guestBadge } from './guest-badge.js';

const MUTE_S = 600;

class SrListenerList extends LitElement {
  static properties = {
    client: { attribute: false },
    listeners: { attribute: false },
    count: { type: Number },
    me: { attribute: false },
    canModerate: { type: Boolean },
    isOwner: { type: Boolean },
    _target: { state: true },
    _confirm: { state: true },
    _busy: { state: true },
  };

  static styles = [base, css`
    ul { display: flex; flex-wrap: wrap; gap: 6px; }
    li {
      display: inline-flex; align-items: center; gap: 6px;
      padding: 4px 10px 4px 4px; border-radius: 99px; background: var(--panel-2); font-size: 0.9rem;
      max-width: 100%; overflow: hidden; text-overflow: ellipsis; white-space: nowrap;
    }
    li.me { outline: 1px solid var(--up); }
    a.who { color: inherit; text-decoration: none; overflow: hidden; text-overflow: ellipsis; min-width: 0; }
    a.who:hover, a.who:focus-visible { text-decoration: underline; }
    button.more {
      min-height: 24px; min-width: 28px; padding: 0 4px; margin-left: 4px; border-radius: 99px; font-size: 0.9rem;
    }
    button.more::before { content: '⋯'; }
    button.more[aria-expanded='true'] { border-color: var(--accent); }
    .more-count { margin: 8px 0 0; font-size: 0.9rem; }
    .modbar {
      margin-top: 10px; padding: 10px; border-radius: 10px; border: 1px solid var(--line); background: var(--panel-2);
      display: flex; flex-wrap: wrap; gap: 6px; align-items: center;
    }
    .modbar .target { flex-basis: 100%; font-weight: 600; overflow-wrap: anywhere; }
    .modbar button, .modbar .button { min-height: 36px; font-size: 0.85rem; }
    button.danger { color: var(--down); }
  `];

  constructor() {
    super();
    this.client = null;
    this.listeners = [];
    this.count = 0;
    this.me = {};
    this.canModerate = false;
    this.isOwner = false;
    this._target = null;
    this._confirm = '';
    this._busy = false;
  }

  willUpdate(changed) {
    // The person left, or we lost the right to moderate: close their actions.
    if (this._target && (!this.canModerate || !(this.listeners || []).some((u) => u.id === this._target.id))) {
      this._target = null;
    }
  }

  _choose(u) {
    this._confirm = '';
    if (this._target && this._target.id === u.id) return this._closeBar();
    this._target = u;
    // A menu of actions: the focus moves into it, and Escape or Close hands it back.
    this.updateComplete.then(() => this.renderRoot.querySelector('.modbar a, .modbar button')?.focus());
  }

  _closeBar() {
    const u = this._target;
    this._target = null;
    this._confirm = '';
    if (u) this.updateComplete.then(() => this.renderRoot.querySelector(`button.more[data-user="${u.id}"]`)?.focus());
  }

  async _act(action, fields, done) {
    if (this._busy) return;
    const u = this._target;
    if ((action === 'kick' || action === 'ban') && this._confirm !== action) {
      this._confirm = action; // a second tap confirms
      return;
    }
    this._confirm = '';
    this._busy = true;
    try {
      await this.client.mod(action, { user: u.id, ...fields });
      this.dispatchEvent(new CustomEvent('sr-moderated', { detail: { action, user: u.id }, bubbles: true, composed: true }));
      this.dispatchEvent(new CustomEvent('sr-toast', { detail: { text: `${u.name} ${done}.`, kind: 'notice' }, bubbles: true, composed: true }));
    } catch (err) {
      this.dispatchEvent(new CustomEvent('sr-toast', {
        detail: { text: `Could not ${action.replace('_', ' ')} ${u.name}: ${errorText(err)}`, kind: 'error' }, bubbles: true, composed: true,
      }));
    } finally {
      this._busy = false;
    }
  }

  _modbar() {
    const u = this._target;
    const b = this._busy;
    return html`<div class="modbar" role="group" aria-label="Moderate ${u.name}"
      @keydown=${(e) => { if (e.key === 'Escape') { e.preventDefault(); this._closeBar(); } }}>
      <span class="target">${u.name}</span>
      <a class="button" href=${userHref(u.id)}>Profile</a>
      <button type="button" aria-disabled=${b ? 'true' : 'false'} @click=${() => this._act('mute', { seconds: MUTE_S }, 'is muted for 10 minutes')}>Mute 10 min</button>
      <button type="button" aria-disabled=${b ? 'true' : 'false'} @click=${() => this._act('unmute', {}, 'may chat again')}>Unmute</button>
      <button type="button" class="danger" aria-disabled=${b ? 'true' : 'false'} @click=${() => this._act('kick', {}, 'was removed from the room')}>
        ${this._confirm === 'kick' ? 'Confirm kick' : 'Kick'}</button>
      <button type="button" class="danger" aria-disabled=${b ? 'true' : 'false'} @click=${() => this._act('ban', {}, 'is banned from the room')}>
        ${this._confirm === 'ban' ? 'Confirm ban' : 'Ban'}</button>
      ${this.isOwner ? html`
        <button type="button" aria-disabled=${b ? 'true' : 'false'} @click=${() => this._act('set_role', { role: 'moderator' }, 'is a moderator now')}>Make moderator</button>
        <button type="button" aria-disabled=${b ? 'true' : 'false'} @click=${() => this._act('set_role', { role: 'none' }, 'has no role now')}>Remove role</button>` : ''}
      <button type="button" @click=${this._closeBar}>Close</button>
    </div>`;
  }

  render() {
    const list = this.listeners || [];
    const myId = this.me && this.me.id;
    const t = this._target;
    return html`<section class="panel" aria-labelledby="listeners-h">
      <h2 id="listeners-h">Listening (${Math.max(this.count, list.length)})</h2>
      <ul>${repeat(list, (u) => u.id, (u) => html`<li class=${u.id === myId ? 'me' : ''}><sr-avatar size="24" .user=${u}></sr-avatar><a class="who" href=${userHref(u.id)} title="Profile of ${u.name}">${u.name}</a>${guestBadge(u)}${u.id === myId ? ' (you)' : ''}${this.canModerate && u.id !== myId
        ? html`<button class="more" type="button" data-user=${u.id} aria-label="Moderate ${u.name}" aria-expanded=${t && t.id === u.id ? 'true' : 'false'}
            @click=${() => this._choose(u)}></button>` : ''}</li>`)}</ul>
      ${this.count > list.length ? html`<p class="muted more-count">and ${this.count - list.length} more</p>` : ''}
      ${t ? this._modbar() : ''}
    </section>`;
  }
}

customElements.define('sr-listener-list', SrListenerList);
