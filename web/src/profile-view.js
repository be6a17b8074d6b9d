// profile-view.js - <sr-profile-view>: a person's profile (name, bio, followers, where they listen) with
// follow/unfollow; on one's own profile, the form to edit it and the friends list.
import { LitElement, html, css } from 'lit';
import { profile, follow, unfollow, updateMe, setAvatar, deleteAvatar, userLikes } from '../../sdk/account.js';
import { base } from './shared-styles.js';
import { roomHref } from './route.js';
import { errorText, plural } from './format.js';
import { StoreWatcher } from './store.js';
import './friends-list.js';
import './avatar-img.js';

const LIKES_PAGE = 20;
const AVATAR_MAX = 2 * 1024 * 1024; // the server's limit (docs/protocol.md)

class SrProfileView extends LitElement {
  static properties = {
    store: { attribute: false },
    userId: { type: Number },
    _user: { state: true },
    _error: { state: true },
    _busy: { state: true },
    _saveError: { state: true },
    _saved: { state: true },
    _avatarError: { state: true },
    _likes: { state: true },
    _likesNote: { state: true },
  };

  static styles = [base, css`
    :host { display: grid; gap: var(--gap); max-width: 720px; margin: 0 auto; }
    .head { display: flex; flex-wrap: wrap; align-items: center; gap: 8px 12px; }
    h1 { margin: 0; font-size: 1.4rem; overflow-wrap: anywhere; min-width: 0; }
    .badge { font-size: 0.75rem; padding: 2px 8px; border-radius: 99px; background: var(--panel-2); color: var(--muted); }
    .badge.friend { color: var(--up); }
    .bio { margin: 10px 0 0; white-space: pre-wrap; overflow-wrap: anywhere; }
    .counts { display: flex; flex-wrap: wrap; gap: 4px 16px; margin: 10px 0 0; font-size: 0.9rem; }
    .where { margin: 10px 0 0; overflow-wrap: anywhere; }
    .where a { color: var(--accent); }
    .actions { display: flex; flex-wrap: wrap; gap: 8px; margin-top: 12px; }
    form { display: grid; gap: 12px; }
    textarea { resize: vertical; min-height: 5rem; }
    .check { display: flex; gap: 8px; align-items: center; color: var(--text); font-size: 0.95rem; margin: 0; }
    .check input { width: auto; min-height: 0; }
    .ok { color: var(--up); margin: 0; }
    p.msg { margin: 0; }
    .avatar-form { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; }
    .avatar-form input[type='file'] { width: auto; min-height: 0; }
    ol.likes { list-style: none; margin: 0; padding: 0; display: grid; gap: 6px; }
    ol.likes li { overflow-wrap: anywhere; }
    ol.likes .artist { color: var(--muted); }
  `];

  constructor() {
    super();
    this.store = null;
    this.userId = 0;
    this._user = null;
    this._error = '';
    this._busy = false;
    this._saveError = '';
    this._saved = false;
    this._avatarError = '';
    this._likes = null; // {tracks, total} loaded so far
    this._likesNote = '';
    this._seq = 0;
    new StoreWatcher(this);
  }

  willUpdate(changed) {
    if (changed.has('userId') || (changed.has('store') && this.store)) this._load();
  }

  async _load() {
    if (!this.store || !this.userId) return;
    const seq = ++this._seq;
    this._error = '';
    this._saved = false;
    try {
      const u = await profile(this.store.base, null, this.userId);
      if (seq !== this._seq) return;
      this._user = u;
      this._likes = null;
      this._likesNote = '';
      if (!u.guest) this._moreLikes(seq);
    } catch (err) {
      if (seq !== this._seq) return;
      this._user = null;
      this._error = err && err.code === 'no_such_user' ? 'There is no such person.' : errorText(err);
    }
  }

  /** Appends the next page of the person's liked tracks (private likes say so instead). */
  async _moreLikes(seq = this._seq) {
    const have = this._likes ? this._likes.tracks : [];
    try {
      const page = await userLikes(this.store.base, null, this.userId, { offset: have.length, limit: LIKES_PAGE });
      if (seq === this._seq) this._likes = { tracks: [...have, ...page.tracks], total: page.total };
    } catch (err) {
      if (seq !== this._seq) return;
      this._likesNote = err && err.code === 'not_allowed' ? 'Their likes are private.' : `Could not load likes: ${errorText(err)}`;
    }
  }

  async _upload(e) {
    const file = e.target.files && e.target.files[0];
    e.target.value = '';
    if (!file) return;
    this._avatarError = '';
    if (file.size > AVATAR_MAX) {
      this._avatarError = 'That picture is over 2 MiB.';
      return;
    }
    this._busy = true;
    try {
      await setAvatar(this.store.base, null, file);
      await this._afterAvatar();
    } catch (err) {
      this._avatarError = err && err.code === 'bad_image'
        ? 'That file is not a PNG, JPEG or WebP picture (of at most 4096 × 4096 pixels).'
        : errorText(err);
    } finally {
      this._busy = false;
    }
  }

  async _removeAvatar() {
    this._busy = true;
    this._avatarError = '';
    try {
      await deleteAvatar(this.store.base, null);
      await this._afterAvatar();
    } catch (err) {
      this._avatarError = errorText(err);
    } finally {
      this._busy = false;
    }
  }

  async _afterAvatar() {
    await this._load();
    const user = this._user;
    this.dispatchEvent(new CustomEvent('profile-saved', { detail: { user }, bubbles: true, composed: true }));
  }

  _likesPanel() {
    const l = this._likes;
    return html`<section class="panel" aria-labelledby="likes-h">
      <h2 id="likes-h">Liked tracks${l ? ` (${l.total})` : ''}</h2>
      ${this._likesNote ? html`<p class="muted msg likes-note">${this._likesNote}</p>` : !l ? html`<p class="muted msg">Loading…</p>`
        : !l.tracks.length ? html`<p class="muted msg">No liked tracks yet.</p>`
        : html`<ol class="likes">${l.tracks.map(({ track: t }) => html`<li>
            <span class="title">${t.title || `Track ${t.id}`}</span>${t.artist ? html` <span class="artist">— ${t.artist}</span>` : ''}</li>`)}</ol>
          ${l.tracks.length < l.total ? html`<div class="actions"><button type="button" @click=${() => this._moreLikes()}>More likes</button></div>` : ''}`}
    </section>`;
  }

  get _mine() {
    const me = this.store && this.store.me;
    return !!me && me.id === this.userId;
  }

  async _follow(on) {
    this._busy = true;
    try {
      this._user = await (on ? follow : unfollow)(this.store.base, null, this.userId);
      await this.store.loadFriends();
    } catch (err) {
      this._toast(`Could not ${on ? 'follow' : 'unfollow'}: ${errorText(err)}`);
    } finally {
      this._busy = false;
    }
  }

  async _save(e) {
    e.preventDefault();
    const f = e.target.elements;
    const name = f.name.value.trim();
    if (!name) {
      this._saveError = 'A display name cannot be empty.';
      return;
    }
    this._busy = true;
    this._saveError = '';
    this._saved = false;
    try {
      const user = await updateMe(this.store.base, null, { name, bio: f.bio.value, hide_activity: f.hide.checked });
      this._saved = true;
      this.dispatchEvent(new CustomEvent('profile-saved', { detail: { user }, bubbles: true, composed: true }));
      await this._load();
      this._saved = true;
    } catch (err) {
      this._saveError = errorText(err);
    } finally {
      this._busy = false;
    }
  }

  _toast(text) {
    this.dispatchEvent(new CustomEvent('sr-toast', { detail: { text, kind: 'error' }, bubbles: true, composed: true }));
  }

  _editForm() {
    const me = this.store.me;
    return html`<section class="panel" aria-labelledby="edit-h">
      <h2 id="edit-h">Edit your profile</h2>
      <div class="avatar-form">
        <label for="p-avatar">Picture (PNG, JPEG or WebP, at most 2 MiB)</label>
        <input id="p-avatar" type="file" accept="image/png,image/jpeg,image/webp" ?disabled=${this._busy} @change=${this._upload}>
        ${this._user && this._user.avatar ? html`<button type="button" ?disabled=${this._busy} @click=${this._removeAvatar}>Remove picture</button>` : ''}
      </div>
      <p class="error avatar-error" role="alert" ?hidden=${!this._avatarError}>${this._avatarError}</p>
      <form @submit=${this._save}>
        <div>
          <label for="p-name">Display name</label>
          <input id="p-name" name="name" maxlength="40" .value=${me.name || ''} autocomplete="nickname">
        </div>
        <div>
          <label for="p-bio">Bio</label>
          <textarea id="p-bio" name="bio" maxlength="300" .value=${me.bio || ''}></textarea>
        </div>
        <label class="check"><input type="checkbox" name="hide" .checked=${!!me.hide_activity}>
          Hide my activity (friends do not see which room I am in, and only I see my liked tracks)</label>
        <p class="error" role="alert" ?hidden=${!this._saveError}>${this._saveError}</p>
        <p class="ok" role="status" ?hidden=${!this._saved}>Saved.</p>
        <div><button class="primary" type="submit" ?disabled=${this._busy}>Save profile</button></div>
      </form>
    </section>`;
  }

  render() {
    if (this._error) return html`<div class="panel"><p class="error" role="alert">${this._error}</p><a href="#/">Back to the lobby</a></div>`;
    const u = this._user;
    if (!u || u.id !== this.userId) return html`<p class="muted">Loading profile…</p>`;
    const s = this.store;
    const mine = this._mine;
    // A friend's room comes live from `friend` messages; others' as the profile said.
    const live = s.friends.find((f) => f.user.id === u.id);
    const where = live ? live.listening_in : u.listening_in;
    return html`
      <section class="panel" aria-labelledby="profile-h">
        <div class="head">
          <sr-avatar size="96" .user=${u}></sr-avatar>
          <h1 id="profile-h">${u.name}</h1>
          ${u.guest ? html`<span class="badge">guest</span>` : ''}
          ${u.friend ? html`<span class="badge friend">friend</span>` : ''}
          ${mine ? html`<span class="badge">you</span>` : ''}
        </div>
        ${u.bio ? html`<p class="bio">${u.bio}</p>` : ''}
        <div class="counts muted">
          <span class="followers">${plural(u.followers ?? 0, 'follower')}</span>
          <span class="following">${u.following ?? 0} following</span>
        </div>
        <p class="where muted">${where
          ? html`Listening in <a href=${roomHref(where.id)}>${where.name}</a>`
          : 'Not in a room right now.'}</p>
        ${s.account && !mine && !u.guest ? html`<div class="actions">
          ${u.you_follow
            ? html`<button type="button" ?disabled=${this._busy} @click=${() => this._follow(false)}>Unfollow</button>`
            : html`<button class="primary" type="button" ?disabled=${this._busy} @click=${() => this._follow(true)}>Follow</button>`}
        </div>` : ''}
        ${!s.account && !u.guest ? html`<p class="msg muted"><a href="#/signin">Sign in</a> to follow ${u.name}.</p>` : ''}
      </section>
      ${u.guest ? '' : this._likesPanel()}
      ${mine ? this._editForm() : ''}
      ${mine ? html`<sr-friends-list .store=${s}></sr-friends-list>` : ''}
    `;
  }
}

customElements.define('sr-profile-view', SrProfileView);
