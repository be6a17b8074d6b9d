// admin-view.js - <sr-admin-view>: the server admin's list of accounts, to disable or enable them
// and to make or unmake admins, and of every room (private ones too), to close one. Closing is for
// good, so it takes two clicks: the first turns the button into "Confirm close".
import { LitElement, html, css } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import { adminUsers, adminUpdateUser, adminRooms, closeRoom } from '../../sdk/account.js';
import { base } from './shared-styles.js';
import { roomHref, userHref } from './route.js';
import { errorText } from './format.js';

class SrAdminView extends LitElement {
  static properties = {
    store: { attribute: false },
    _users: { state: true },
    _rooms: { state: true },
    _arming: { state: true },
    _filter: { state: true },
    _error: { state: true },
    _busy: { state: true },
  };

  static styles = [base, css`
    :host { display: grid; gap: var(--gap); max-width: 900px; margin: 0 auto; }
    h1 { margin: 0; font-size: 1.4rem; }
    h2 { margin: 0; font-size: 1.1rem; }
    table { width: 100%; border-collapse: collapse; margin-top: 12px; }
    th, td { text-align: left; padding: 6px 4px; border-bottom: 1px solid var(--line); overflow-wrap: anywhere; }
    td.acts { display: flex; flex-wrap: wrap; gap: 6px; }
    td.acts button { min-height: 32px; font-size: 0.85rem; }
    .badge { font-size: 0.75rem; padding: 2px 8px; border-radius: 99px; background: var(--panel-2); color: var(--muted); }
    .badge.off { color: var(--down); }
    a { color: var(--accent); }
  `];

  constructor() {
    super();
    this.store = null;
    this._users = null;
    this._rooms = null;
    this._arming = 0;
    this._filter = '';
    this._error = '';
    this._busy = 0;
  }

  willUpdate(changed) {
    if (changed.has('store') && this.store) this._load();
  }

  async _load() {
    try {
      [this._users, this._rooms] = await Promise.all([adminUsers(this.store.base, null), adminRooms(this.store.base, null)]);
      this._error = '';
    } catch (err) {
      this._users = null;
      this._error = err && err.code === 'not_allowed' ? 'Only server admins may see this page.' : errorText(err);
    }
  }

  async _set(u, fields) {
    this._busy = u.id;
    this._error = '';
    try {
      const got = await adminUpdateUser(this.store.base, null, u.id, fields);
      this._users = this._users.map((x) => (x.id === u.id ? { ...x, ...got } : x));
    } catch (err) {
      this._error = `Could not change ${u.username}: ${errorText(err)}`;
    } finally {
      this._busy = 0;
    }
  }

  async _close(r) {
    if (this._arming !== r.id) {
      this._arming = r.id;
      return;
    }
    this._arming = 0;
    this._busy = `room-${r.id}`;
    this._error = '';
    try {
      await closeRoom(this.store.base, null, r.id);
      const at = this._rooms.findIndex((x) => x.id === r.id);
      this._rooms = this._rooms.filter((x) => x.id !== r.id);
      // the row and its button are gone: the focus goes to the next room's button (or the
      // heading), not back to the top of the page
      await this.updateComplete;
      const next = this.renderRoot.querySelectorAll('td.acts button[data-close]');
      (next[Math.min(at, next.length - 1)] || this.renderRoot.querySelector('#admin-rooms-h'))?.focus();
    } catch (err) {
      this._error = `Could not close ${r.name}: ${errorText(err)}`;
    } finally {
      this._busy = 0;
    }
  }

  _roomsPanel() {
    if (!this._rooms) return '';
    return html`<section class="panel" aria-labelledby="admin-rooms-h">
      <h2 id="admin-rooms-h" tabindex="-1">Rooms</h2>
      ${this._rooms.length ? html`<table>
        <thead><tr><th>Room</th><th>Visibility</th><th>Owner</th><th>Listening</th><th>Actions</th></tr></thead>
        <tbody>${repeat(this._rooms, (r) => r.id, (r) => html`<tr data-room=${r.name}>
          <td><a href=${roomHref(r.id)}>${r.name}</a></td>
          <td><span class="badge">${r.visibility}</span></td>
          <td>${r.owner ? html`<a href=${userHref(r.owner.id)}>${r.owner.name}</a>` : html`<span class="muted">nobody</span>`}</td>
          <td>${r.listeners}</td>
          <td class="acts"><button type="button" data-close aria-disabled=${this._busy === `room-${r.id}` ? 'true' : 'false'}
            @click=${() => { if (this._busy !== `room-${r.id}`) this._close(r); }}
            @blur=${() => { if (this._arming === r.id) this._arming = 0; }}>
            ${this._arming === r.id ? 'Confirm close' : 'Close room'}</button></td>
        </tr>`)}</tbody>
      </table>` : html`<p class="muted">No open rooms.</p>`}
    </section>`;
  }

  render() {
    const me = this.store && this.store.me;
    const q = this._filter.trim().toLowerCase();
    const list = (this._users || []).filter((u) => !q || u.username.includes(q) || u.name.toLowerCase().includes(q));
    return html`<section class="panel" aria-labelledby="admin-h">
      <h1 id="admin-h">Accounts</h1>
      <p class="error" role="alert" ?hidden=${!this._error}>${this._error}</p>
      ${this._users ? html`
        <label for="admin-filter">Find an account</label>
        <input id="admin-filter" type="search" .value=${this._filter} @input=${(e) => { this._filter = e.target.value; }}>
        <table>
          <thead><tr><th>Username</th><th>Name</th><th>Standing</th><th>Actions</th></tr></thead>
          <tbody>${repeat(list, (u) => u.id, (u) => html`<tr data-user=${u.username}>
            <td><a href=${userHref(u.id)}>${u.username}</a></td>
            <td>${u.name}</td>
            <td>${u.admin ? html`<span class="badge">admin</span>` : ''}
              ${u.disabled ? html`<span class="badge off">disabled</span>` : html`<span class="badge">active</span>`}</td>
            <td class="acts">${me && me.id === u.id ? html`<span class="muted">you</span>` : html`
              <button type="button" aria-disabled=${this._busy === u.id ? 'true' : 'false'}
                @click=${() => { if (this._busy !== u.id) this._set(u, { disabled: !u.disabled }); }}>
                ${u.disabled ? 'Enable' : 'Disable'}</button>
              <button type="button" aria-disabled=${this._busy === u.id ? 'true' : 'false'}
                @click=${() => { if (this._busy !== u.id) this._set(u, { admin: !u.admin }); }}>
                ${u.admin ? 'Demote' : 'Make admin'}</button>`}</td>
          </tr>`)}</tbody>
        </table>` : this._error ? '' : html`<p class="muted">Loading…</p>`}
    </section>
    ${this._roomsPanel()}`;
  }
}

customElements.define('sr-admin-view', SrAdminView);
