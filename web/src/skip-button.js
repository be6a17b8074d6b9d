// skip-button.js - <sr-skip-button>: vote to skip the current track, with the room's tally.
import { LitElement, html, css } from 'lit';
import { base } from './shared-styles.js';
import { errorText } from './format.js';

class SrSkipButton extends LitElement {
  static properties = {
    client: { attribute: false },
    skip: { attribute: false },
    mine: { type: Boolean },
    _pending: { state: true },
  };

  static styles = [base, css`
    :host { display: inline-block; }
    button[aria-pressed='true'] { border-color: var(--warn); color: var(--warn); }
    .tally { font-variant-numeric: tabular-nums; }
  `];

  constructor() {
    super();
    this.client = null;
    this.skip = { votes: 0, needed: 1 };
    this.mine = false; // the SDK's room.mySkip; reset by the SDK when the track changes
    this._pending = null; // the vote being sent, shown until the server answers
  }

  async _toggle() {
    if (this._pending != null) return;
    const want = !this.mine;
    this._pending = want;
    try {
      await this.client.voteSkip(want);
    } catch (err) {
      this.dispatchEvent(new CustomEvent('sr-toast', {
        detail: { text: `Skip vote failed: ${errorText(err)}`, kind: 'error' }, bubbles: true, composed: true,
      }));
    } finally {
      this._pending = null;
    }
  }

  render() {
    const s = this.skip || { votes: 0, needed: 1 };
    const mine = this._pending ?? this.mine;
    return html`<button type="button" aria-pressed=${mine ? 'true' : 'false'} aria-disabled=${this._pending != null ? 'true' : 'false'}
      @click=${this._toggle} title=${mine ? 'Take back your skip vote' : 'Vote to skip this track'}>
      ${mine ? 'Voted to skip' : 'Vote to skip'}
      <span class="tally" aria-label="${s.votes} of ${s.needed} skip votes">${s.votes}/${s.needed}</span>
    </button>`;
  }
}

customElements.define('sr-skip-button', SrSkipButton);
