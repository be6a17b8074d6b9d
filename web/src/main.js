// main.js - entry point of the web client: applies the theme, registers the player adapters this build ships,
// every component and the service worker; <sr-app> in index.html does the rest.
import { adapters, toneAdapter } from '../../sdk/adapters.js';
import { applyTheme } from './theme-toggle.js';
import './app.js';

applyTheme();

// Tracks of external services play through the SDK's adapters; "tone" needs no network (an
// operator's build would register its services' adapters here too).
if (!adapters.get('tone')) adapters.register(toneAdapter());

// The installable app: sw.js (at the root, so it controls every page) keeps the shell and shows
// an offline page when the server cannot be reached.
if ('serviceWorker' in navigator) {
  navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch(() => {
    /* no secure context (http on another host than localhost): the app works, just not offline */
  });
}
