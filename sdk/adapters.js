// adapters.js - client-side player adapters: how the SDK plays tracks of sources the server
// does not serve (external services), and one that needs no network, "tone".
// SPDX-License-Identifier: GPL-3.0-or-later
//
// A track of an external source carries `source` (the adapter's name) and `ref` (what that
// service calls the track); its `url` is null. An adapter turns such a track into a player.
// See docs/sources.md, "Client-side player adapters", for how to write one.
//
//   adapter = {
//     name: 'tone',                  // equals track.source
//     version: 1,                    // the interface version it implements (ADAPTER_VERSION)
//     canPlay(track) -> boolean,     // may this adapter play this track here and now?
//     async load(track, options) -> player,
//   }
//   player = {
//     play(positionMs),              // start (or resume) at this position
//     pause(),
//     seek(positionMs),
//     get positionMs(),              // where it is now
//     destroy(),                     // stop and release everything; the player is done
//     onended: null | () => void,    // set by the caller; called once when the track ends
//   }

import { SoundroomError } from './core.js';

/** The adapter interface version this SDK speaks. */
export const ADAPTER_VERSION = 1;

const NAME = /^[a-z][a-z0-9_-]{0,31}$/;

/** Throws a SoundroomError('bad_adapter') unless a has the adapter shape above. */
export function validateAdapter(a) {
  const bad = (why) => {
    throw new SoundroomError('bad_adapter', `adapter ${a && a.name ? `'${a.name}' ` : ''}${why}`);
  };
  if (!a || typeof a !== 'object') bad('must be an object');
  if (typeof a.name !== 'string' || !NAME.test(a.name)) bad('needs a name of 1-32 of a-z 0-9 _ - (starting with a letter)');
  if (a.name === 'local' || a.name === 'stream') bad('cannot take a name the server plays itself');
  if (a.version !== undefined && (!Number.isInteger(a.version) || a.version > ADAPTER_VERSION)) {
    bad(`implements interface version ${a.version}; this SDK speaks ${ADAPTER_VERSION}`);
  }
  if (typeof a.canPlay !== 'function') bad('needs canPlay(track)');
  if (typeof a.load !== 'function') bad('needs load(track, options)');
  return a;
}

/** The adapters a client knows, by source name. */
export class AdapterRegistry {
  #byName = new Map();

  /** Adds an adapter; a second one with the same name is refused (unregister it first). */
  register(adapter) {
    validateAdapter(adapter);
    if (this.#byName.has(adapter.name)) {
      throw new SoundroomError('adapter_exists', `an adapter named '${adapter.name}' is already registered`);
    }
    this.#byName.set(adapter.name, adapter);
    return () => this.unregister(adapter.name);
  }

  /** Removes the adapter of that name; true when there was one. */
  unregister(name) {
    return this.#byName.delete(name);
  }

  /** The adapter of that name, or null. */
  get(name) {
    return this.#byName.get(name) ?? null;
  }

  /** Names of the registered adapters, in registration order. */
  list() {
    return [...this.#byName.keys()];
  }

  /**
   * The adapter that can play track now, or null: the one named by track.source, if it says it
   * can. Tracks the server plays itself ("local", "stream": they have a url) need none.
   */
  forTrack(track) {
    if (!track || typeof track.source !== 'string' || typeof track.ref !== 'string') return null;
    const a = this.#byName.get(track.source);
    if (!a) return null;
    try {
      return a.canPlay(track) ? a : null;
    } catch {
      return null;
    }
  }

  /**
   * Loads a player for track. Rejects with SoundroomError 'no_adapter' when no registered
   * adapter can play it (the UI then shows the track as unplayable here, and the room plays on).
   */
  async load(track, options = {}) {
    const a = this.forTrack(track);
    if (!a) {
      throw new SoundroomError('no_adapter', `no player for tracks of '${track?.source}' here`, { track });
    }
    const player = await a.load(track, options);
    for (const m of ['play', 'pause', 'seek', 'destroy']) {
      if (typeof player?.[m] !== 'function') {
        throw new SoundroomError('bad_adapter', `adapter '${a.name}' returned a player without ${m}()`);
      }
    }
    return player;
  }
}

/** The SDK's default registry (the web client uses this one). */
export const adapters = new AdapterRegistry();

// ---------- the "tone" adapter: audio synthesised from the reference, no network ----------

const WAVES = new Set(['sine', 'square', 'sawtooth', 'triangle']);

/**
 * Parses a tone reference: `<hz>[+<hz>...][/<wave>][@<ms>]`, e.g. "440+554.37+659.25/triangle@3000"
 * (an A major chord for 3 s). 1-8 frequencies of 20-20000 Hz; wave sine (default), square,
 * sawtooth or triangle; length 1-600000 ms (absent: as long as the track's duration_ms, or
 * endless when that is 0). Returns {freqs, wave, durationMs} or null when ref is not one.
 */
export function parseToneRef(ref) {
  if (typeof ref !== 'string' || ref.length > 200) return null;
  const m = /^([0-9.+]+)(?:\/([a-z]+))?(?:@([0-9]+))?$/.exec(ref);
  if (!m) return null;
  const freqs = m[1].split('+').map(Number);
  if (freqs.length < 1 || freqs.length > 8 || freqs.some((f) => !Number.isFinite(f) || f < 20 || f > 20000)) return null;
  const wave = m[2] ?? 'sine';
  if (!WAVES.has(wave)) return null;
  const durationMs = m[3] === undefined ? null : Number(m[3]);
  if (durationMs !== null && (durationMs < 1 || durationMs > 600000)) return null;
  return { freqs, wave, durationMs };
}

/**
 * The "tone" adapter: plays `{source:"tone", ref:"440+660/sine@5000"}` with WebAudio
 * oscillators. `AudioContext` defaults to the browser's; pass one (or a stand-in) elsewhere.
 * `gain` is the output level (0-1, default 0.2: chords add up).
 */
export function toneAdapter({ AudioContext = globalThis.AudioContext, gain = 0.2 } = {}) {
  let shared = null; // one context for every tone player, made on first use
  const context = () => (shared ??= new AudioContext());
  return {
    name: 'tone',
    version: ADAPTER_VERSION,
    canPlay: (track) => typeof AudioContext === 'function' && parseToneRef(track.ref) !== null,
    async load(track) {
      const spec = parseToneRef(track.ref);
      if (!spec) throw new SoundroomError('bad_ref', `'${track.ref}' is not a tone reference`);
      const ctx = context();
      const lengthMs = spec.durationMs ?? (track.duration_ms > 0 ? track.duration_ms : null);
      let nodes = null; // {oscs, out} while sounding
      let startedAt = 0; // ctx time (s) that corresponds to position 0
      let pausedAt = 0; // position (ms) while paused
      let endTimer = null;
      const player = {
        onended: null,
        get positionMs() {
          const p = nodes ? (ctx.currentTime - startedAt) * 1000 : pausedAt;
          return lengthMs === null ? p : Math.min(p, lengthMs);
        },
        play(positionMs = 0) {
          silence();
          const pos = Math.max(0, positionMs);
          if (lengthMs !== null && pos >= lengthMs) return end();
          if (ctx.state === 'suspended') ctx.resume?.();
          const out = ctx.createGain();
          out.gain.value = gain / spec.freqs.length;
          out.connect(ctx.destination);
          const oscs = spec.freqs.map((f) => {
            const o = ctx.createOscillator();
            o.type = spec.wave;
            o.frequency.value = f;
            o.connect(out);
            o.start();
            if (lengthMs !== null) o.stop(ctx.currentTime + (lengthMs - pos) / 1000);
            return o;
          });
          nodes = { oscs, out };
          startedAt = ctx.currentTime - pos / 1000;
          if (lengthMs !== null) endTimer = setTimeout(end, lengthMs - pos);
        },
        pause() {
          pausedAt = player.positionMs;
          silence();
        },
        seek(positionMs) {
          if (nodes) player.play(positionMs);
          else pausedAt = Math.max(0, positionMs);
        },
        destroy() {
          silence();
          player.onended = null;
        },
      };
      function silence() {
        clearTimeout(endTimer);
        endTimer = null;
        if (!nodes) return;
        for (const o of nodes.oscs) {
          try {
            o.stop();
          } catch {
            /* already stopped by its schedule */
          }
          o.disconnect();
        }
        nodes.out.disconnect();
        nodes = null;
      }
      function end() {
        pausedAt = lengthMs ?? 0;
        silence();
        const cb = player.onended;
        player.onended = null;
        cb?.();
      }
      return player;
    },
  };
}
