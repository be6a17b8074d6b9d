// tv-view.js - <sr-tv-view>: the big screen (/tv/<room id>) for a TV or projector at 1920×1080 or
// 3840×2160, needing no mouse or keyboard: large cover art, title and artist, progress, the next
// tracks with their live scores and who added them (re-ordered with an animation, none under
// prefers-reduced-motion), who is here, a chat ticker, the party's QR code and join code, and the
// countdown to a scheduled start. It keeps the screen awake (the Wake Lock API where there is
// one), hides the cursor, and shows the connection coming back by itself (the Session and the SDK
// reconnect). When it is the party's speaker and the browser wants a gesture before sound, one
// press of a remote's OK (any key) or a tap starts it; then it plays on by itself.
import { LitElement, html, css } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import { clock, plural } from './format.js';
import { guestBadge } from './guest-badge.js';
import { qrPath } from '../../sdk/party.js';

const TICK_MS = 500;
const NEXT_SHOWN = 8;
const PEOPLE_SHOWN = 24;
const CHAT_SHOWN = 4;
const MOVE_MS = 450;

/** "1:02:03" / "12:34" for a countdown of ms. */
function countdown(ms) {
  const s = Math.max(0, Math.ceil(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

/** "K7M 2QX": a join code in two halves, easier to read across a room. */
function spaced(code) {
  return code && code.length === 6 ? `${code.slice(0, 3)} ${code.slice(3)}` : code || '';
}

class SrTvView extends LitElement {
  static properties = {
    client: { attribute: false },
    roomId: { type: Number },
    invite: { type: String },
    rev: { type: Number },
    conn: { type: String },
    joinError: { type: String },
    player: { attribute: false },
    playerState: { type: String },
    speakerHere: { type: Boolean },
  };

  static styles = css`
    :host {
      position: fixed; inset: 0; display: block; overflow: hidden; cursor: none;
      background: var(--bg); color: var(--text); font-size: 2.1vh; line-height: 1.3;
    }
    *, *::before, *::after { box-sizing: border-box; }
    h1, h2, p, ol, ul { margin: 0; padding: 0; }
    ol, ul { list-style: none; }
    .tv {
      height: 100%; display: grid; gap: 2.5vh; padding: 3vh 3vw;
      grid-template-columns: minmax(0, 1.25fr) minmax(0, 1fr) 30vh;
      grid-template-rows: auto minmax(0, 1fr) auto;
      grid-template-areas: 'head head join' 'now next join' 'people ticker join';
    }
    header { grid-area: head; display: flex; align-items: baseline; gap: 2vw; min-width: 0; }
    h1 { font-size: 4.2vh; font-weight: 800; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
    .state { font-size: 2vh; color: var(--muted); white-space: nowrap; }
    .state.bad { color: var(--down); }
    h2 { font-size: 1.8vh; letter-spacing: 0.08em; text-transform: uppercase; color: var(--muted); margin-bottom: 1.2vh; }
    .now { grid-area: now; display: flex; flex-direction: column; min-height: 0; }
    .cover {
      flex: 1 1 auto; min-height: 0; aspect-ratio: 1; max-width: 100%; align-self: flex-start;
      border-radius: 2vh; overflow: hidden; display: grid; place-items: center; font-size: 14vh;
      background: linear-gradient(135deg, var(--accent), var(--panel-2)); color: var(--accent-text);
    }
    .cover img { width: 100%; height: 100%; object-fit: cover; display: block; }
    .title { font-size: 4.4vh; font-weight: 800; margin-top: 2vh; overflow-wrap: anywhere; }
    .artist { font-size: 3vh; color: var(--muted); overflow-wrap: anywhere; }
    .by { font-size: 2vh; color: var(--muted); margin-top: 0.5vh; }
    progress {
      width: 100%; height: 1vh; margin-top: 1.5vh; appearance: none; -webkit-appearance: none; border: 0;
      border-radius: 0.5vh; background: var(--panel-2); overflow: hidden; display: block;
    }
    progress::-webkit-progress-bar { background: var(--panel-2); }
    progress::-webkit-progress-value { background: var(--accent); }
    progress::-moz-progress-bar { background: var(--accent); }
    .times { display: flex; justify-content: space-between; font-size: 1.9vh; color: var(--muted); font-variant-numeric: tabular-nums; }
    .next { grid-area: next; min-height: 0; overflow: hidden; }
    .next li {
      display: grid; grid-template-columns: 4vh minmax(0, 1fr) 7vh; gap: 1.2vw; align-items: center;
      padding: 1.1vh 1.2vw; margin-bottom: 1vh; border-radius: 1.4vh; background: var(--panel);
      border: 1px solid var(--line);
    }
    .pos { font-size: 2.6vh; font-weight: 700; color: var(--muted); text-align: center; }
    .t { font-size: 2.5vh; font-weight: 700; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
    .a { font-size: 1.9vh; color: var(--muted); overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
    .score { font-size: 3vh; font-weight: 800; text-align: right; font-variant-numeric: tabular-nums; }
    .score.neg { color: var(--down); }
    .empty { color: var(--muted); font-size: 2.2vh; }
    .join {
      grid-area: join; display: flex; flex-direction: column; align-items: center; justify-content: center;
      gap: 2vh; text-align: center; min-height: 0;
    }
    .qr { width: 100%; aspect-ratio: 1; background: #fff; border-radius: 2vh; padding: 1vh; }
    .qr img { width: 100%; height: 100%; display: block; image-rendering: pixelated; }
    .code { font-size: 6vh; font-weight: 800; letter-spacing: 0.12em; font-variant-numeric: tabular-nums; white-space: nowrap; }
    .hint { font-size: 2vh; color: var(--muted); overflow-wrap: anywhere; }
    .people { grid-area: people; min-width: 0; }
    .people ul { display: flex; flex-wrap: wrap; gap: 0.8vh 0.8vw; max-height: 9vh; overflow: hidden; }
    .people li { font-size: 2vh; padding: 0.3vh 1vw; border-radius: 999px; background: var(--panel-2); white-space: nowrap; }
    .ticker { grid-area: ticker; min-width: 0; }
    .ticker li { font-size: 2.1vh; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
    .ticker .who { font-weight: 700; }
    .guest-badge {
      display: inline-block; font-size: 0.7em; font-weight: 600; padding: 0 0.45em; margin-left: 0.3em;
      border: 1px solid var(--muted); border-radius: 999px; color: var(--muted); vertical-align: 0.1em;
    }
    .overlay {
      position: absolute; inset: 0; display: grid; place-items: center; text-align: center;
      background: color-mix(in srgb, var(--bg) 88%, transparent); z-index: 2;
    }
    .overlay p { font-size: 3vh; color: var(--muted); }
    .overlay .big { font-size: 14vh; font-weight: 800; color: var(--text); font-variant-numeric: tabular-nums; }
    .overlay .press { font-size: 5vh; font-weight: 800; color: var(--text); }
    .overlay button.press {
      font: inherit; font-size: 5vh; font-weight: 800; cursor: none; padding: 1.5vh 3vw; margin-bottom: 2vh;
      border: 0.4vh solid var(--accent); border-radius: 2vh; background: var(--accent); color: var(--accent-text);
    }
    .overlay button.press:focus-visible { outline: 0.5vh solid var(--text); outline-offset: 0.6vh; }
  `;

  constructor() {
    super();
    this.client = null;
    this.rev = 0;
    this.conn = 'closed';
    this.joinError = '';
    this.invite = '';
    this.playerState = 'idle';
    this.speakerHere = false;
    this._timer = 0;
    this._lock = null;
    this._rects = null;
    this._onVisible = () => { if (document.visibilityState === 'visible') this._keepAwake(); };
    // One press of a remote's OK, any key, or a tap: what a browser wants before sound starts.
    // The player's own state, not the rendered one: a key press on the button is a keydown and
    // then a click, and the second must not start it again.
    this._onGesture = () => { if (this.player && this.player.state === 'blocked') this.player.unlock(); };
  }

  connectedCallback() {
    super.connectedCallback();
    document.documentElement.classList.add('tv'); // style.css hides the cursor page-wide
    this._timer = setInterval(() => this.requestUpdate(), TICK_MS);
    document.addEventListener('visibilitychange', this._onVisible);
    window.addEventListener('keydown', this._onGesture);
    window.addEventListener('pointerdown', this._onGesture);
    this._keepAwake();
  }

  disconnectedCallback() {
    super.disconnectedCallback();
    document.documentElement.classList.remove('tv');
    clearInterval(this._timer);
    document.removeEventListener('visibilitychange', this._onVisible);
    window.removeEventListener('keydown', this._onGesture);
    window.removeEventListener('pointerdown', this._onGesture);
    if (this._lock) this._lock.release().catch(() => {});
    this._lock = null;
  }

  /** The screen stays on (the lock lapses when the page is hidden: asked again when it shows). */
  async _keepAwake() {
    if (!('wakeLock' in navigator) || (this._lock && !this._lock.released)) return;
    try {
      this._lock = await navigator.wakeLock.request('screen');
    } catch {
      /* refused (not visible, no secure context, a policy): the screen's own settings apply */
    }
  }

  get _room() {
    const c = this.client;
    return c && c.room && c.room.id === this.roomId ? c.room : null;
  }

  _now() {
    return this.client ? this.client.now() : Date.now();
  }

  // The next tracks move to their new places (FLIP): where each row was before this render.
  willUpdate() {
    const rows = this.renderRoot && this.renderRoot.querySelectorAll ? this.renderRoot.querySelectorAll('.next li[data-entry]') : [];
    this._rects = new Map(Array.from(rows, (li) => [li.dataset.entry, li.getBoundingClientRect().top]));
  }

  updated(changed) {
    // The start button takes the focus, so a remote's OK lands on it like any keyboard's Enter.
    if (changed.has('playerState') && this.playerState === 'blocked') {
      const go = this.renderRoot.querySelector('.overlay.start button');
      if (go) go.focus({ preventScroll: true });
    }
    if (!this._rects || matchMedia('(prefers-reduced-motion: reduce)').matches) return;
    for (const li of this.renderRoot.querySelectorAll('.next li[data-entry]')) {
      const before = this._rects.get(li.dataset.entry);
      if (before === undefined) continue;
      const dy = before - li.getBoundingClientRect().top;
      if (Math.abs(dy) < 1) continue;
      li.animate([{ transform: `translateY(${dy}px)` }, { transform: 'none' }], { duration: MOVE_MS, easing: 'ease-out' });
    }
  }

  _qrSrc(room) {
    const q = new URLSearchParams();
    if (room && room.party) q.set('code', room.party.code); // also a new picture when the code rotates
    else if (this.invite) q.set('invite', this.invite);
    const s = q.toString();
    return `${qrPath(this.roomId)}${s ? `?${s}` : ''}`;
  }

  _renderNow(room) {
    const np = room.nowPlaying;
    const t = np && np.track;
    if (!t) return html`<section class="now" aria-label="Now playing"><p class="empty">Nothing is playing.</p></section>`;
    const dur = t.duration_ms || 0;
    const pos = Math.max(0, this._now() - np.started_at);
    const frac = dur ? Math.min(1, pos / dur) : 0;
    return html`<section class="now" aria-label="Now playing">
      <div class="cover">${t.cover ? html`<img src="${t.cover}?size=1024" alt="">` : html`<span aria-hidden="true">♪</span>`}</div>
      <p class="title">${t.title}</p>
      <p class="artist">${t.artist || ''}</p>
      ${np.added_by ? html`<p class="by">added by ${np.added_by.name}${guestBadge(np.added_by)}</p>` : ''}
      <progress aria-label="Progress" max="1" .value=${frac}></progress>
      <div class="times"><span>${clock(pos / 1000)}</span><span>${t.live ? 'Live' : clock(dur / 1000)}</span></div>
    </section>`;
  }

  _renderNext(room) {
    const next = room.queue.slice(0, NEXT_SHOWN);
    return html`<section class="next" aria-labelledby="next-h">
      <h2 id="next-h">Up next</h2>
      ${next.length === 0 ? html`<p class="empty">The queue is empty: add a track from your phone.</p>` : ''}
      <ol>${repeat(next, (e) => e.id, (e, i) => html`<li data-entry=${e.id}>
        <span class="pos">${i + 1}</span>
        <span><span class="t">${e.track.title}</span><span class="a">${e.track.artist || ''}${e.added_by ? html` · ${e.added_by.name}${guestBadge(e.added_by)}` : ''}</span></span>
        <span class="score ${e.score < 0 ? 'neg' : ''}" aria-label="score ${e.score}">${e.score > 0 ? `+${e.score}` : e.score}</span>
      </li>`)}</ol>
    </section>`;
  }

  _renderJoin(room) {
    const p = room.party;
    return html`<aside class="join" aria-label="Join from your phone">
      <div class="qr"><img src=${this._qrSrc(room)} alt="QR code to join this room"></div>
      ${p ? html`<p class="hint">or open ${location.host} and enter</p><p class="code" aria-label="Join code ${p.code}">${spaced(p.code)}</p>`
        : html`<p class="hint">Scan to join from your phone</p>`}
      ${p && p.speaker ? html`<p class="hint">${this.speakerHere ? 'Sound plays here' : html`Sound plays on ${p.speaker.user.name}'s device`}</p>` : ''}
    </aside>`;
  }

  render() {
    const room = this._room;
    const state = this.conn === 'open' ? '' : this.conn === 'reconnecting' ? 'Reconnecting…' : 'Connecting…';
    if (!room) {
      return html`<div class="overlay" role="status"><div>
        <p class="press">${this.joinError ? `Cannot show room ${this.roomId}` : 'soundroom'}</p>
        <p>${this.joinError || state || 'Joining the room…'}</p></div></div>`;
    }
    const p = room.party;
    const left = p && p.starts_at ? p.starts_at - this._now() : 0;
    const listeners = room.listeners.slice(0, PEOPLE_SHOWN);
    const chat = room.chat.slice(-CHAT_SHOWN);
    const likes = room.nowPlaying && room.nowPlaying.likes;
    return html`<div class="tv">
      <header>
        <h1>${(room.info && room.info.name) || `Room ${room.id}`}</h1>
        ${p ? html`<span class="state">Party</span>` : ''}
        ${likes ? html`<span class="state">♥ ${likes}</span>` : ''}
        ${state ? html`<span class="state bad" role="status">${state}</span>` : ''}
      </header>
      ${this._renderNow(room)}
      ${this._renderNext(room)}
      ${this._renderJoin(room)}
      <section class="people" aria-labelledby="people-h">
        <h2 id="people-h">${plural(room.listenerCount, 'person')} here</h2>
        <ul>${repeat(listeners, (u) => u.id, (u) => html`<li>${u.name}${guestBadge(u)}</li>`)}</ul>
      </section>
      <section class="ticker" aria-labelledby="chat-h" aria-live="polite">
        <h2 id="chat-h">Chat</h2>
        <ul>${repeat(chat, (m) => m.id, (m) => html`<li><span class="who">${(m.user && m.user.name) || 'someone'}</span>${guestBadge(m.user)}: ${m.text}</li>`)}</ul>
      </section>
    </div>
    ${left > 0 ? html`<div class="overlay countdown" role="timer" aria-label="Starts in ${countdown(left)}"><div>
      <p>${(room.info && room.info.name) || ''} starts in</p><p class="big">${countdown(left)}</p>
      <p>Join now: ${p.code ? spaced(p.code) : ''}</p></div></div>` : ''}
    ${this.playerState === 'blocked' ? html`<div class="overlay start"><div role="alert">
      <button type="button" class="press" @click=${this._onGesture}>Start the sound</button>
      <p>Press OK or tap the screen — it plays on by itself after that</p></div></div>` : ''}`;
  }
}

customElements.define('sr-tv-view', SrTvView);
