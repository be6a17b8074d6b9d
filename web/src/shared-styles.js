// shared-styles.js - the button, field and panel styles every component adopts.
import { css } from 'lit';

export const base = css`
  :host { display: block; min-width: 0; }
  *, *::before, *::after { box-sizing: border-box; }
  [hidden] { display: none !important; }
  h2 {
    margin: 0 0 8px;
    font-size: 0.8rem;
    font-weight: 600;
    letter-spacing: 0.06em;
    text-transform: uppercase;
    color: var(--muted);
  }
  .panel {
    background: var(--panel);
    border: 1px solid var(--line);
    border-radius: var(--radius);
    padding: 12px;
    min-width: 0;
  }
  button, .button {
    font: inherit;
    font-size: 0.95rem;
    color: var(--text);
    background: var(--panel-2);
    border: 1px solid var(--line);
    border-radius: 10px;
    min-height: 40px;
    min-width: 40px;
    padding: 6px 12px;
    cursor: pointer;
    text-decoration: none;
    display: inline-flex;
    align-items: center;
    justify-content: center;
    gap: 6px;
    touch-action: manipulation;
  }
  button:hover:not(:disabled):not([aria-disabled='true']), .button:hover { border-color: var(--accent); }
  button:focus-visible, .button:focus-visible, input:focus-visible, textarea:focus-visible {
    outline: 2px solid var(--accent);
    outline-offset: 2px;
  }
  button:disabled { opacity: 0.5; cursor: default; }
  /* Busy for a moment (a request on its way): aria-disabled, not disabled, which would take the
     focus away from a keyboard user in the middle of what they were doing. */
  button[aria-disabled='true'] { opacity: 0.5; cursor: progress; }
  button.primary, .button.primary {
    background: var(--accent);
    border-color: var(--accent);
    color: var(--accent-text);
    font-weight: 600;
  }
  input, textarea {
    font: inherit;
    color: var(--text);
    background: var(--bg);
    border: 1px solid var(--line);
    border-radius: 10px;
    min-height: 40px;
    padding: 8px 10px;
    width: 100%;
    min-width: 0;
  }
  label { display: block; font-size: 0.85rem; color: var(--muted); margin: 0 0 4px; }
  .muted { color: var(--muted); }
  .ellipsis { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; min-width: 0; }
  .error { color: var(--down); }
  .guest-badge {
    display: inline-block; font-size: 0.7em; font-weight: 600; line-height: 1.3;
    padding: 0 0.45em; border: 1px solid var(--muted); border-radius: 999px; color: var(--muted);
    vertical-align: 0.1em; text-transform: lowercase; white-space: nowrap;
  }
  ul { list-style: none; margin: 0; padding: 0; }
  .visually-hidden {
    position: absolute !important;
    width: 1px; height: 1px; margin: -1px; padding: 0; border: 0;
    overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap;
  }
`;
