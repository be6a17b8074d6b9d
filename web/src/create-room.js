// create-room.js - <sr-create-room>: a form to open a new room, then go into it.
import { LitElement, html, css } from 'lit';
import { base } from './shared-styles.js';
import { go, roomHref } from './route.js';
import { errorText } from './format.js';

class SrCreateRoom extends LitElement {
  static properties = {
    client: { attribute: false },
    _busy: { state: true },
    _error: { state: true },
  };

  static styles = [base, css`
    form, fieldset { display: grid; gap: 10px; }
    fieldset { border: 0; margin: 0; padding: 0; min-width: 0; }
    .needs-account { margin: 0 0 10px; font-size: 0.9rem; }
    .needs-account a { color: var(--link); }
  `];

  constructor() {
    super();
    this.client = null;
    this._busy = false;
    this._error = '';
  }

  async _submit(e) {
    e.preventDefault();
    const f = e.target;
    const name = f.elements.name.value.trim();
    const description = f.elements.description.value.trim();
    const tags = f.elements.tags.value.split(',').map((t) => t.trim()).filter(Boolean);
    if (!name) {
      this._error = 'A room needs a name.';
      return;
    }
    this._busy = true;
    this._error = '';
    try {
      const r = await this.client.createRoom({ name, description, tags });
      const room = r && r.room ? r.room : r;
      f.reset();
      go(roomHref(room.id));
    } catch (err) {
      this._error = errorText(err);
    } finally {
      this._busy = false;
    }
  }

  render() {
    // Only accounts may create rooms (the server answers a guest 401): say so before the form.
    const guest = !(this.client && this.client.account);
    return html`
      <section class="panel" aria-labelledby="create-h">
        <h2 id="create-h">Create a room</h2>
        ${guest ? html`<p class="needs-account" id="create-account">Creating a room needs an account:
          <a href="#/signin">sign in</a> or <a href="#/signup">create one</a>.</p>` : ''}
        <form @submit=${this._submit} novalidate>
          <fieldset ?disabled=${guest} aria-describedby=${guest ? 'create-account' : ''}>
          <div>
            <label for="room-name">Name</label>
            <input id="room-name" name="name" maxlength="80" required placeholder="Friday night">
          </div>
          <div>
            <label for="room-desc">Description (optional)</label>
            <input id="room-desc" name="description" maxlength="500" placeholder="What is this room for?">
          </div>
          <div>
            <label for="room-tags">Tags (comma separated, optional)</label>
            <input id="room-tags" name="tags" maxlength="330" placeholder="jazz, chill">
          </div>
          <p class="error" role="alert" ?hidden=${!this._error}>${this._error}</p>
          <button class="primary" type="submit" ?disabled=${this._busy}>
            ${this._busy ? 'Creating…' : 'Create room'}</button>
          </fieldset>
        </form>
      </section>
    `;
  }
}

customElements.define('sr-create-room', SrCreateRoom);
