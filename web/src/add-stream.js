// add-stream.js - <sr-add-stream>: queue what the library does not have: an internet-radio stream
// by its URL, or a track of an external service that a player adapter plays (SDK addStream /
// addExternal). The server checks everything; this form only says its answer in words.
import { LitElement, html, css } from 'lit';
import { adapters } from '../../sdk/adapters.js';
import { base } from './shared-styles.js';
import { errorText } from './format.js';

/** What the server's refusal of a queue_add means, for the person who tried (docs/protocol.md). */
export function addErrorText(err) {
  const why = errorText(err);
  switch (err && err.code) {
    case 'bad_url': return `That is not a stream URL: ${why}.`;
    case 'private_address': return 'That address is on a private network (or this machine); this server only plays streams from public addresses.';
    case 'unknown_host': return "The server can't find that stream's host name. Check the address.";
    case 'sign_in_required': return 'Sign in to add streams and tracks of other services.';
    case 'queue_full': return 'The queue is full. Try again when some tracks have played.';
    case 'limit_reached': return 'You have as many tracks queued as this room allows.';
    case 'queue_locked': return 'A moderator locked the queue: nobody can add tracks for now.';
    case 'not_allowed': return "This room's rules don't let you add tracks.";
    case 'unknown_source': return "This server doesn't know that service.";
    case 'bad_ref': return `The service can't use that reference: ${why}.`;
    case 'rate_limited': return 'Too many requests at once. Try again in a moment.';
    case 'internal': return 'The server could not save it; nothing was added.';
    default: return why; // bad_field, too_long, missing_field: the server names the field
  }
}

class SrAddStream extends LitElement {
  static properties = {
    client: { attribute: false },
    locked: { type: Boolean }, // a moderator locked the queue (and this person may not add)
    _source: { state: true }, // 'stream' or an adapter's name
    _error: { state: true },
    _done: { state: true },
    _busy: { state: true },
  };

  static styles = [base, css`
    form { display: grid; gap: 8px; }
    .row { display: flex; gap: 8px; align-items: end; }
    .row .grow { flex: 1; min-width: 0; }
    details { font-size: 0.9rem; }
    summary { cursor: pointer; color: var(--muted); padding: 6px 0; }
    .more { display: grid; gap: 8px; grid-template-columns: minmax(0, 1fr); margin-top: 4px; }
    @media (min-width: 560px) { .more { grid-template-columns: repeat(2, minmax(0, 1fr)); } }
    select {
      font: inherit; color: var(--text); background: var(--bg); border: 1px solid var(--line);
      border-radius: 10px; min-height: 40px; padding: 6px 8px; width: 100%;
    }
    .note { margin: 0; font-size: 0.9rem; overflow-wrap: anywhere; }
    .needs-account { margin-bottom: 8px; }
    .needs-account a { color: var(--link); }
    fieldset { border: 0; margin: 0; padding: 0; min-width: 0; display: grid; gap: 8px; }
  `];

  constructor() {
    super();
    this.client = null;
    this.locked = false;
    this._source = 'stream';
    this._error = '';
    this._done = '';
    this._busy = false;
  }

  async _submit(e) {
    e.preventDefault();
    const f = e.target.elements;
    const text = (name) => f[name].value.trim();
    const stream = this._source === 'stream';
    this._error = '';
    this._done = '';
    this._busy = true;
    try {
      let r;
      if (stream) {
        const s = { url: text('where') };
        if (text('title')) s.title = text('title');
        if (text('artist')) s.artist = text('artist');
        r = await this.client.addStream(s);
      } else {
        const x = { source: this._source, ref: text('where'), title: text('title') };
        if (text('artist')) x.artist = text('artist');
        r = await this.client.addExternal(x);
      }
      this._done = `Added “${(r.track && r.track.title) || text('where')}” to the queue.`;
      for (const name of ['where', 'title', 'artist']) f[name].value = '';
    } catch (err) {
      this._error = addErrorText(err);
    } finally {
      this._busy = false;
    }
  }

  render() {
    const stream = this._source === 'stream';
    const others = adapters.list();
    // Only accounts may add these (the server answers a guest sign_in_required): say so first.
    const guest = !(this.client && this.client.account);
    return html`<section class="panel" aria-labelledby="stream-h">
      <h2 id="stream-h">${stream ? 'Add a stream URL' : 'Add from another service'}</h2>
      ${guest ? html`<p class="note needs-account" id="stream-account">Adding streams and tracks of other services needs an
        account: <a href="#/signin">sign in</a> or <a href="#/signup">create one</a>.</p>` : ''}
      <form @submit=${this._submit} @input=${() => { this._error = ''; this._done = ''; }}>
        <fieldset ?disabled=${guest} aria-describedby=${guest ? 'stream-account' : ''}>
        <div class="row">
          <div class="grow">
            <label class="visually-hidden" for="where">${stream ? 'Stream URL' : 'Reference'}</label>
            <input id="where" name="where" type="text" inputmode=${stream ? 'url' : 'text'} required maxlength="2048"
              autocomplete="off" autocapitalize="off" spellcheck="false" enterkeyhint="go"
              placeholder=${stream ? 'https://radio.example/live.mp3' : `A ${this._source} reference`}>
          </div>
          <button type="submit" class="primary" ?disabled=${this._busy || this.locked}>${this._busy ? 'Adding…' : 'Add'}</button>
        </div>
        <details ?open=${!stream}>
          <summary>${stream ? 'Title, artist, other services' : 'Title and artist'}</summary>
          <div class="more">
            <div>
              <label for="title">${stream ? 'Title (optional)' : 'Title'}</label>
              <input id="title" name="title" maxlength="200" autocomplete="off" ?required=${!stream}>
            </div>
            <div>
              <label for="artist">Artist (optional)</label>
              <input id="artist" name="artist" maxlength="200" autocomplete="off">
            </div>
            ${others.length ? html`<div>
              <label for="source">Source</label>
              <select id="source" name="source" @change=${(e) => { this._source = e.target.value; }}>
                <option value="stream" ?selected=${stream}>Stream URL (internet radio)</option>
                ${others.map((n) => html`<option value=${n} ?selected=${this._source === n}>${n}</option>`)}
              </select>
            </div>` : ''}
          </div>
        </details>
        ${this._error ? html`<p class="note error" role="alert">${this._error}</p>` : ''}
        ${this._done ? html`<p class="note muted" role="status">${this._done}</p>` : ''}
        </fieldset>
      </form>
    </section>`;
  }
}

customElements.define('sr-add-stream', SrAddStream);
