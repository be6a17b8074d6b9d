// join-view.js - <sr-join-view>: "#/join/<code>", where a party's QR code leads: resolves the join
// code through the SDK and goes on into the room (with a private room's invite); the name is asked
// on the way in, as for any room. A wrong code (or too many of them) is said in words, with a
// field to type the code from the screen again.
import { LitElement, html, css } from 'lit';
import { base } from './shared-styles.js';
import { resolveJoinCode } from '../../sdk/party.js';
import { roomHref } from './route.js';
import { errorText } from './format.js';

class SrJoinView extends LitElement {
  static properties = {
    code: { type: String },
    origin: { type: String },
    _error: { state: true },
    _busy: { state: true },
  };

  static styles = [base, css`
    :host { max-width: 420px; margin: 10vh auto 0; text-align: center; }
    form { display: flex; gap: 8px; justify-content: center; margin-top: 12px; }
    input { text-transform: uppercase; letter-spacing: 0.2em; width: 10ch; text-align: center; }
  `];

  constructor() {
    super();
    this._error = '';
    this._busy = false;
    this._tried = '';
  }

  updated() {
    if (this.code && this.code !== this._tried) this._resolve(this.code);
  }

  async _resolve(code) {
    this._tried = code;
    this._busy = true;
    this._error = '';
    try {
      const r = await resolveJoinCode(this.origin || location.origin, code);
      // replace: Back from the room should not land on the join link again
      location.replace(roomHref(r.room, r.invite || ''));
    } catch (err) {
      if (err.code === 'no_such_code') this._error = `No party has the code ${code.toUpperCase()}. Check the code on the screen.`;
      else if (err.code === 'throttled') this._error = `Too many wrong codes from here: try again in ${err.retryAfter ?? 60} s.`;
      else this._error = errorText(err);
    } finally {
      this._busy = false;
    }
  }

  _submit(e) {
    e.preventDefault();
    const v = new FormData(e.target).get('code')?.toString().trim();
    if (v) location.replace(`#/join/${encodeURIComponent(v)}`);
  }

  render() {
    return html`
      <h1>Join the party</h1>
      ${this._busy ? html`<p class="muted" role="status">Finding the party ${this.code?.toUpperCase()}…</p>` : ''}
      ${this._error ? html`<p class="error" role="alert">${this._error}</p>
        <form @submit=${this._submit}>
          <input id="code" name="code" autocomplete="off" autocapitalize="characters" maxlength="12"
            aria-label="Join code" placeholder="CODE">
          <button class="primary" type="submit">Join</button>
        </form>` : ''}
    `;
  }
}

customElements.define('sr-join-view', SrJoinView);
