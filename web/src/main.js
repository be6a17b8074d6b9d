// main.js - entry point of the web client: registers the player adapters this build ships and every component; <sr-app> in index.html does the rest.
import { adapters, toneAdapter } from '../../sdk/adapters.js';
import './app.js';

// Tracks of external services play through the SDK's adapters; "tone" needs no network (an
// operator's build would register its services' adapters here too).
if (!adapters.get('tone')) adapters.register(toneAdapter());
