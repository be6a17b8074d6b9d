// auth-form.js - <sr-auth-form>: sign in, or create an account. The server answers with an HttpOnly session cookie.
import { LitElement, html, css } from 'lit';
import { login, signup } from '../../sdk/account.js';
import { base } from './shared-styles.js';
import { errorText } from './format.js';

const USERNAME = /^[a-z0-9_.-]{3,32}$/;

/** What to tell a person for a refusal of the server. */
function refusal(err) {
  switch (err && err.code) {
    case 'bad_credentials': return 'Wrong username or password.';
    case 'username_taken': return 'That username is taken. Pick another one.';
    case 'throttled': return `Too many attempts. Try again in ${err.retryAfter ?? 'a few'} seconds.`;
    default: return errorText(err);
  }
}

class SrAuthForm extends LitElement {
  static properties = {
    mode: { type: String }, // 'signin' | 'signup'
    store: { attribute: false },
    me: { attribute: false },
    _busy: { state: true },
    _error: { state: true },
  };

  static styles = [base, css`
    :host { max-width: 420px; margin: 6vh auto 0; }
    h1 { margin: 0 0 4px; font-size: 1.5rem; }
    p { margin: 0 0 16px; }
    form { display: grid; gap: 12px; }
    .hint { font-size: 0.8rem; margin: 4px 0 0; }
    .switch { margin: 16px 0 0; font-size: 0.9rem; }
    a { color: var(--accent); }
  `];

  constructor() {
    super();
    this.mode = 'signin';
    this.store = null;
    this.me = null;
    this._busy = false;
    this._error = '';
  }

  willUpdate(changed) {
    if (changed.has('mode')) this._error = '';
  }

  async _submit(e) {
    e.preventDefault();
    const f = e.target.elements;
    const username = f.username.value.trim().toLowerCase();
    const password = f.password.value;
    const signingUp = this.mode === 'signup';
    if (!USERNAME.test(username)) {
      this._error = 'A username is 3 to 32 of a–z, 0–9, “_”, “.” and “-”.';
      return;
    }
    if (signingUp && password.length < 8) {
      this._error = 'The password needs at least 8 characters.';
      return;
    }
    this._busy = true;
    this._error = '';
    try {
      const body = { username, password };
      const name = signingUp ? f.name.value.trim() : '';
      if (name) body.name = name;
      const { user } = await (signingUp ? signup : login)(this.store.base, body);
      f.password.value = '';
      this.dispatchEvent(new CustomEvent('signed-in', { detail: { user }, bubbles: true, composed: true }));
    } catch (err) {
      this._error = refusal(err);
    } finally {
      this._busy = false;
    }
  }

  render() {
    const up = this.mode === 'signup';
    if (this.me) {
      return html`<div class="panel">
        <h1>You are signed in</h1>
        <p class="muted">as <strong>${this.me.name}</strong> (${this.me.username}).</p>
        <a href="#/">Go to the lobby</a>
      </div>`;
    }
    return html`
      <div class="panel">
        <h1>${up ? 'Create an account' : 'Sign in'}</h1>
        <p class="muted">${up
          ? 'Keep favourite rooms, follow friends and see where they listen, and keep the tracks you like.'
          : 'Welcome back.'}</p>
        <form @submit=${this._submit} novalidate>
          <div>
            <label for="username">Username</label>
            <input id="username" name="username" autocomplete="username" autocapitalize="none" spellcheck="false"
              maxlength="32" required enterkeyhint="next">
            ${up ? html`<p class="hint muted">3–32 characters: a–z, 0–9, _ . -</p>` : ''}
          </div>
          ${up ? html`<div>
            <label for="display-name">Display name (optional)</label>
            <input id="display-name" name="name" autocomplete="nickname" maxlength="40" placeholder="What others see">
          </div>` : ''}
          <div>
            <label for="password">Password</label>
            <input id="password" name="password" type="password" required
              autocomplete=${up ? 'new-password' : 'current-password'} minlength=${up ? 8 : 1} enterkeyhint="go">
            ${up ? html`<p class="hint muted">At least 8 characters.</p>` : ''}
          </div>
          <p class="error" role="alert" ?hidden=${!this._error}>${this._error}</p>
          <button class="primary" type="submit" ?disabled=${this._busy}>
            ${this._busy ? (up ? 'Creating…' : 'Signing in…') : up ? 'Create account' : 'Sign in'}</button>
        </form>
        <p class="switch muted">${up
          ? html`Have an account already? <a href="#/signin">Sign in</a>.`
          : html`New here? <a href="#/signup">Create an account</a>.`}
          Or <a href="#/">go on as a guest</a>.</p>
      </div>
    `;
  }
}

customElements.define('sr-auth-form', SrAuthForm);
