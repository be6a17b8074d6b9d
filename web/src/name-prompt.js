// name-prompt.js - <sr-name-prompt>: asks a guest for the name others will see (or points to signing in).
// Shown when a guest first acts (enters a room) or asks to choose or change their name; it can
// always be cancelled (the app goes back to where the guest can be without a name).
import { LitElement, html, css } from 'lit';
import { base } from './shared-styles.js';

const MAX_NAME = 40;

class SrNamePrompt extends LitElement {
  static properties = {
    name: { type: String },
    renaming: { type: Boolean }, // the guest has a name already and changes it
    purpose: { type: String }, // 'room': asked on the way into a room
    error: { type: String }, // the server's reason for refusing the last name
    _error: { state: true },
  };

  static styles = [base, css`
    :host { max-width: 420px; margin: 8vh auto 0; }
    h1 { margin: 0 0 4px; font-size: 1.5rem; }
    p { margin: 0 0 16px; }
    form { display: grid; gap: 12px; }
    .row { display: flex; gap: 8px; flex-wrap: wrap; }
    .row button { flex: 1; }
    .account { margin: 16px 0 0; font-size: 0.9rem; }
    .account a { color: var(--accent); }
  `];

  constructor() {
    super();
    this.name = '';
    this.renaming = false;
    this.purpose = '';
    this.error = '';
    this._error = '';
  }

  willUpdate(changed) {
    if (changed.has('error') && this.error) this._error = this.error;
  }

  _submit(e) {
    e.preventDefault();
    const input = this.renderRoot.querySelector('input');
    const name = input.value.trim();
    if (!name) {
      this._error = 'Please enter a name.';
      return;
    }
    if ([...name].length > MAX_NAME) {
      this._error = `At most ${MAX_NAME} characters.`;
      return;
    }
    this._error = '';
    this.dispatchEvent(new CustomEvent('name-chosen', { detail: { name }, bubbles: true, composed: true }));
  }

  firstUpdated() {
    this.renderRoot.querySelector('input').focus();
  }

  render() {
    return html`
      <div class="panel">
        <h1>${this.renaming ? 'Change your name' : 'Welcome to soundroom'}</h1>
        <p class="muted">${this.purpose === 'room' ? 'Pick a name to enter the room. ' : 'Pick a name. '}Others in the
          room see it next to your chat and your tracks.</p>
        <form @submit=${this._submit} novalidate>
          <div>
            <label for="name">Your name</label>
            <input id="name" name="name" autocomplete="nickname" maxlength=${MAX_NAME}
              .value=${this.name || ''} enterkeyhint="go" aria-describedby="name-error">
          </div>
          <p id="name-error" class="error" role="alert" ?hidden=${!this._error}>${this._error}</p>
          <div class="row">
            <button type="button"
              @click=${() => this.dispatchEvent(new CustomEvent('cancel'))}>${this.purpose === 'room' ? 'Back to the lobby' : 'Cancel'}</button>
            <button class="primary" type="submit">${this.renaming ? 'Save' : 'Continue'}</button>
          </div>
        </form>
        ${this.renaming ? '' : html`<p class="account muted">Have an account? <a href="#/signin">Sign in</a>,
          or <a href="#/signup">create one</a> to keep favourite rooms, friends and the tracks you like.</p>`}
      </div>
    `;
  }
}

customElements.define('sr-name-prompt', SrNamePrompt);
