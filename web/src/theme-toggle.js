// theme-toggle.js - <sr-theme-toggle>: light, dark or the system's theme, remembered in localStorage (prefs.theme).
// It sits in the page's footer (the header has no room for it on a phone).
//
// The choice is `data-theme="light|dark"` on <html> (no attribute: the system's), which style.css
// reads; the page's theme-color follows. applyTheme() runs once at start-up (main.js), before
// the first render, so the page does not flash the wrong colours.
import { LitElement, html, css } from 'lit';
import { base } from './shared-styles.js';
import { prefs } from './prefs.js';

const CHOICES = [['', '◐ System'], ['light', '☀ Light'], ['dark', '☾ Dark']];

/** Applies `theme` ('light', 'dark' or '' for the system's) to the page. */
export function applyTheme(theme = prefs.theme) {
  const root = document.documentElement;
  if (theme === 'light' || theme === 'dark') root.dataset.theme = theme;
  else delete root.dataset.theme;
  const meta = document.querySelector('meta[name="theme-color"]');
  if (meta) meta.content = getComputedStyle(root).getPropertyValue('--panel').trim() || meta.content;
}

class SrThemeToggle extends LitElement {
  static properties = { _theme: { state: true } };

  static styles = [base, css`
    :host { display: inline-flex; align-items: center; gap: 8px; }
    label { margin: 0; font-size: 0.85rem; }
    select {
      font: inherit; font-size: 0.85rem; color: var(--text); background: var(--panel-2);
      border: 1px solid var(--line); border-radius: 10px; min-height: 36px; padding: 4px 6px;
    }
    select:focus-visible { outline: 2px solid var(--accent); outline-offset: 2px; }
  `];

  constructor() {
    super();
    this._theme = prefs.theme;
  }

  _change(e) {
    this._theme = e.target.value;
    prefs.theme = this._theme;
    applyTheme(this._theme);
  }

  render() {
    return html`<label for="theme">Theme</label>
      <select id="theme" @change=${this._change}>
        ${CHOICES.map(([v, label]) => html`<option value=${v} ?selected=${this._theme === v}>${label}</option>`)}
      </select>`;
  }
}

customElements.define('sr-theme-toggle', SrThemeToggle);
