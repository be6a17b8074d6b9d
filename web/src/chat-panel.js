// chat-panel.js - <sr-chat-panel>: the room's chat (moderators may delete lines). Messages are rendered as text only, never as HTML.
// The input counts characters as the server does (Unicode code points, after trimming): near the
// limit it shows the count, over it says why it will not send; it never cuts a pasted text.
import { LitElement, html, css } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import { base } from './shared-styles.js';
import { errorText, timeOfDay } from './format.js';
import { guestBadge } from './guest-badge.js';

const MAX_CHAT = 500;
// The counter shows from this many characters on.
const COUNT_FROM = MAX_CHAT - 50;

/** How the server counts a message's length: code points of the trimmed text. */
export function chatLength(text) {
  return [...String(text).trim()].length;
}

class SrChatPanel extends LitElement {
  static properties = {
    client: { attribute: false },
    messages: { attribute: false },
    me: { attribute: false },
    canModerate: { type: Boolean },
    _sending: { state: true },
    _error: { state: true },
    _len: { state: true },
  };

  static styles = [base, css`
    ol {
      list-style: none; margin: 0; padding: 0 4px 0 0; display: flex; flex-direction: column; gap: 6px;
      height: var(--chat-height, 16rem); overflow-y: auto; overscroll-behavior: contain;
    }
    @media (min-width: 900px) { ol { height: var(--chat-height, 24rem); } }
    li { min-width: 0; }
    .line { display: flex; gap: 6px; align-items: baseline; font-size: 0.8rem; }
    .who { font-weight: 600; color: var(--accent); }
    li.me .who { color: var(--up); }
    .text { margin: 0; white-space: pre-wrap; overflow-wrap: anywhere; word-break: break-word; }
    form { display: flex; gap: 8px; margin-top: 10px; }
    form input { flex: 1; }
    .count { margin: 4px 0 0; font-size: 0.85rem; font-variant-numeric: tabular-nums; }
    .count.over { color: var(--down); font-weight: 600; }
    .empty { margin: 0; }
    .line .spacer { flex: 1; }
    button.delete { min-height: 24px; min-width: 24px; padding: 0 6px; font-size: 0.75rem; color: var(--muted); }
  `];

  constructor() {
    super();
    this.client = null;
    this.messages = [];
    this.me = {};
    this.canModerate = false;
    this._sending = false;
    this._error = '';
    this._len = 0;
    this._stick = true;
  }

  willUpdate() {
    const log = this.renderRoot && this.renderRoot.querySelector && this.renderRoot.querySelector('ol');
    // Follow new messages only when the reader is already at the bottom.
    this._stick = !log || log.scrollHeight - log.scrollTop - log.clientHeight < 40;
  }

  updated() {
    const log = this.renderRoot.querySelector('ol');
    if (log && this._stick) log.scrollTop = log.scrollHeight;
  }

  async _send(e) {
    e.preventDefault();
    const input = e.target.elements.text;
    const text = input.value.trim();
    if (!text) {
      this._error = input.value ? 'Only spaces: nothing to send.' : 'Write a message first.';
      return;
    }
    const n = chatLength(text);
    if (n > MAX_CHAT) {
      this._error = `Not sent: ${n} characters, and a message may have at most ${MAX_CHAT}. Shorten it by ${n - MAX_CHAT}.`;
      return;
    }
    this._sending = true;
    this._error = '';
    try {
      await this.client.chat(text);
      input.value = '';
      this._len = 0;
      this._stick = true;
    } catch (err) {
      this._error = errorText(err);
    } finally {
      this._sending = false;
      input.focus();
    }
  }

  async _delete(m) {
    try {
      await this.client.mod('delete_chat', { msg: m.id });
    } catch (err) {
      this.dispatchEvent(new CustomEvent('sr-toast', {
        detail: { text: `Could not delete: ${errorText(err)}`, kind: 'error' }, bubbles: true, composed: true,
      }));
    }
  }

  render() {
    const msgs = this.messages || [];
    const myId = this.me && this.me.id;
    const over = this._len > MAX_CHAT;
    return html`<section class="panel" aria-labelledby="chat-h">
      <h2 id="chat-h">Chat</h2>
      <ol aria-live="polite" aria-label="Chat messages" tabindex="0">
        ${msgs.length === 0 ? html`<li class="empty muted">No messages yet. Say hello!</li>` : ''}
        ${repeat(msgs, (m) => m.id, (m) => html`<li class=${m.user && m.user.id === myId ? 'msg me' : 'msg'} data-msg=${m.id}>
          <div class="line"><span class="who">${(m.user && m.user.name) || 'someone'}</span>${guestBadge(m.user)}
            <time class="muted">${timeOfDay(m.ts)}</time>
            ${this.canModerate ? html`<span class="spacer"></span><button class="delete" type="button"
              aria-label="Delete this message by ${(m.user && m.user.name) || 'someone'}" title="Delete (moderator)"
              @click=${() => this._delete(m)}>✕</button>` : ''}</div>
          <p class="text">${m.text}</p>
        </li>`)}
      </ol>
      <form @submit=${this._send}>
        <label class="visually-hidden" for="chat-input">Message</label>
        <input id="chat-input" name="text" autocomplete="off" placeholder="Say something…" enterkeyhint="send"
          aria-describedby="chat-count" aria-invalid=${over ? 'true' : 'false'}
          @input=${(e) => { this._len = chatLength(e.target.value); this._error = ''; }}>
        <button class="primary" type="submit" ?disabled=${this._sending}>Send</button>
      </form>
      <p id="chat-count" class=${over ? 'count over' : 'count muted'} ?hidden=${this._len < COUNT_FROM}
        aria-live="polite">${this._len}/${MAX_CHAT}${over ? ` — too long by ${this._len - MAX_CHAT}` : ''}</p>
      <p class="error" role="alert" ?hidden=${!this._error}>${this._error}</p>
    </section>`;
  }
}

customElements.define('sr-chat-panel', SrChatPanel);
