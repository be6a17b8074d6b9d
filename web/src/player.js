// player.js - plays the room's current track in step with the server clock.
//
// The server says when the track started (server ms). The expected position is
// (now - started_at) / 1000 s, with `now` the client's estimate of server time.
// The element plays `delay` ahead of that (targetPosition): output latency the
// browser's media clock does not already count, plus the listener's own speaker
// delay (offsetMs, remembered per device), so the sound leaves the speaker on time.
// On a new track we seek there; then every CHECK_MS we measure
// drift = audio.currentTime - target and correct it: a hard seek when it is
// large, otherwise a playbackRate nudge proportional to it from START_S until it
// is back within DONE_S. A nudge is a pulse: the rate is 1 ∓ |drift| / PULSE_S
// (within MIN_NUDGE..MAX_NUDGE) for as long as removes the drift, then 1 again,
// and drift is measured at rate 1 (PULSE_SETTLE_MS after a pulse).
// The element resamples rather than time-stretches (preservesPitch = false): in
// Chromium a rate change under pitch-preserving time-stretching (WSOLA) moves the
// position by 13-21 ms more than the rate explains, every time, so nudges there
// could never bring drift under ~15 ms; resampling moves it by exactly
// (rate - 1) x time. A pulse of at most 2% is a pitch change of at most 34
// cents for a moment; the usual one (a few ms of drift) is under 10 cents.
//
// A seek takes time (fetching and decoding from the new position), so a hard seek
// pauses, seeks a little ahead of the schedule (`lead`, learnt from how long seeks
// take), and calls play() when the server clock reaches that position, less the
// time the browser takes to get sound going (`startLatency`, learnt from the drift
// found right after a start).
//
// Three kinds of track (`mode`):
// - 'file': a track with a url and a length (library files, streams of known length): all of
//   the above.
// - 'live': a live stream (`track.live`): there is no position to agree on, so it is played
//   from its live point, never seeked and never nudged (docs/protocol.md, "Sync for a live
//   stream"); started_at only says when the room's slot began.
// - 'adapter': a track without a url (an external service's): played through the SDK's player
//   adapter for its source (sdk/adapters.js), started at the room's position and re-seeked
//   when it drifts past HARD_SEEK_S (an adapter player has no rate to nudge). When no adapter
//   can play it here, the state is 'unsupported' and the room goes on for everyone else.

import { adapters as defaultAdapters } from '../../sdk/adapters.js';

const CHECK_MS = 500;
const HARD_SEEK_S = 0.5; // |drift| above this: seek
const START_S = 0.0025; // |drift| above this: start nudging the rate
const DONE_S = 0.001; // nudge until |drift| is below this, then rate 1.0
const MAX_NUDGE = 0.02; // playbackRate stays within 1 ± MAX_NUDGE
const MIN_NUDGE = 0.002; // a pulse changes the rate by at least this much
const PULSE_S = 1; // a pulse removes the drift in about this long (longer when it hits MAX_NUDGE)
const PULSE_SETTLE_MS = 200; // after a pulse, what was played at the other rate leaves the output
const ERROR_WINDOW_MS = 5000; // syncError() is the p95 of |drift| over this long
const MAX_OFFSET_MS = 2000; // the speaker delay a listener may set, either way
const OFFSET_KEY = 'soundroom.speakerDelayMs';
const RESEEK_S = 0.1; // right after a start, a miss above this is corrected by seeking again
const MAX_RESEEKS = 2; // per track
const LEAD_MIN = 0.15; // s ahead of the schedule a seek aims, at least
const LEAD_MAX = 3;
const HAVE_METADATA = 1;
const HAVE_FUTURE_DATA = 3;

const clamp = (x, lo, hi) => Math.min(hi, Math.max(lo, x));

/**
 * Whether this browser's media clock (HTMLMediaElement.currentTime) already counts the output
 * device's delay: Chromium's AudioClock takes the sink's reported delay, Gecko's position is
 * cubeb's "as heard" one, WebKit's AVPlayer time follows the audio output. For those the
 * reported latency is shown, not added again (that would put the page early by as much).
 */
function mediaClockCountsOutput(ua) {
  return /Chrome\/|Chromium\/|Firefox\/|AppleWebKit\/.*Version\/.*Safari\//.test(ua || '');
}

function storedOffset() {
  try {
    const v = Number(globalThis.localStorage && localStorage.getItem(OFFSET_KEY));
    return Number.isFinite(v) ? clamp(v, -MAX_OFFSET_MS, MAX_OFFSET_MS) : 0;
  } catch {
    return 0; // storage refused (private mode)
  }
}

/**
 * Player owns one <audio> element and, for external tracks, one adapter player at a time.
 * `now` is a function returning the server time estimate in ms (the SDK's client.now);
 * `adapters` the registry to play url-less tracks with (the SDK's default one). It emits
 * 'statechange' whenever `state` changes: 'idle' | 'loading' | 'playing' | 'blocked' (the
 * browser refused autoplay: call unlock() from a user gesture) | 'error' | 'unsupported' (no
 * adapter can play this track in this browser).
 */
export class Player extends EventTarget {
  constructor(now, { adapters = defaultAdapters } = {}) {
    super();
    this.now = now;
    this.adapters = adapters;
    this.mode = 'none'; // 'file' | 'live' | 'adapter' | 'none'
    this.ext = null; // the adapter's player in 'adapter' mode, once loaded
    this.audio = document.createElement('audio');
    this.audio.preload = 'auto';
    // nudges resample (exact) instead of time-stretching (off by 13-21 ms a change in Chromium)
    for (const k of ['preservesPitch', 'mozPreservesPitch', 'webkitPreservesPitch']) if (k in this.audio) this.audio[k] = false;
    this.track = null;
    this.startedAt = 0;
    this.state = 'idle';
    this.drift = null; // last measured drift, s
    this.lead = 0.4; // s; how far ahead a hard seek aims, learnt from how long seeks take
    this.startLatency = 0.05; // s from play() to the clock moving, learnt
    this._afterStart = false;
    this._reseeks = 0;
    this._key = '';
    this._nudging = false;
    this._seek = null; // {target, started, scheduled}: a hard seek until playback restarts
    this._startTimer = 0;
    this._offsetMs = storedOffset(); // the listener's speaker delay, ms (+: the speaker is late)
    // the browser's output latency, s: reported (AudioContext) and the part added to the target
    this.latency = { reported: null, base: null, applied: 0 };
    this._errors = []; // recent |drift| samples, {t, ms}: syncError()
    this._pulse = null; // {settle}: a nudge until performance.now() reaches settle
    this._pulseTimer = 0;
    const a = this.audio;
    a.addEventListener('loadedmetadata', () => {
      if (this.mode === 'file') this._hardSeek();
    });
    a.addEventListener('seeked', () => this._seeked());
    a.addEventListener('canplay', () => this._seeked());
    a.addEventListener('playing', () => {
      this._probeLatency();
      this._setState('playing');
      setTimeout(() => this.check(), 250);
    });
    a.addEventListener('error', () => {
      if (this.track && this.mode !== 'adapter') this._setState('error');
    });
    this._timer = setInterval(() => this.check(), CHECK_MS);
  }

  /** Position (s) the track should be at right now, or null with no track. */
  expectedPosition() {
    if (!this.track) return null;
    const pos = (this.now() - this.startedAt) / 1000;
    const dur = this._duration();
    return dur ? Math.min(pos, dur) : pos;
  }

  /** Seconds the element plays ahead of the schedule on this device (latency and speaker delay). */
  delay() {
    return this.latency.applied + this._offsetMs / 1000;
  }

  /** Where the element should be now: expectedPosition() plus delay(), or null with no track. */
  targetPosition() {
    const pos = this.expectedPosition();
    if (pos == null) return null;
    const dur = this._duration();
    return dur ? Math.min(pos + this.delay(), dur) : pos + this.delay();
  }

  /** The listener's speaker delay in ms (+: the speaker sounds late, so play ahead), per device. */
  get offsetMs() { return this._offsetMs; }
  set offsetMs(v) {
    const ms = clamp(Math.round(Number(v) || 0), -MAX_OFFSET_MS, MAX_OFFSET_MS);
    this._offsetMs = ms;
    try {
      localStorage.setItem(OFFSET_KEY, String(ms));
    } catch {
      /* not remembered: still used here */
    }
    this._errors = [];
    this.check();
  }

  /**
   * How far this device plays from the room's schedule: the p95 of |drift| (ms) over the last
   * ERROR_WINDOW_MS of a file track, or null (nothing measured: live, adapter, not playing).
   */
  syncError() {
    const since = performance.now() - ERROR_WINDOW_MS;
    const xs = this._errors.filter((e) => e.t >= since).map((e) => e.ms).sort((x, y) => x - y);
    if (!xs.length) return null;
    return xs[Math.min(xs.length - 1, Math.ceil(0.95 * xs.length) - 1)];
  }

  /** Switch to `track` started at server time `startedAt`; null stops. Same track: no-op. */
  setTrack(track, startedAt) {
    if (!track) {
      this.stop();
      return;
    }
    const key = `${track.id}@${startedAt}`;
    if (key === this._key) return;
    this._dropExternal();
    this._key = key;
    this.track = track;
    this.startedAt = startedAt;
    this.drift = null;
    this._errors = [];
    this._nudging = false;
    this._endPulse();
    this._seek = null;
    this._reseeks = 0;
    clearTimeout(this._startTimer);
    this.audio.playbackRate = 1;
    if (!track.url) {
      this.mode = 'adapter';
      this._silenceAudio();
      this._loadExternal(track, key);
      return;
    }
    this.mode = track.live ? 'live' : 'file';
    this.audio.src = track.url; // file: loadedmetadata -> _hardSeek -> seeked -> play on time
    if (this.state !== 'blocked') this._setState('loading');
    if (this.mode === 'live') this._play(); // from the live point: no seek, ever
  }

  stop() {
    this._dropExternal();
    this.mode = 'none';
    this._key = '';
    this.track = null;
    this.drift = null;
    this._errors = [];
    this._seek = null;
    clearTimeout(this._startTimer);
    this._silenceAudio();
    this._setState('idle');
  }

  /** The player's view for tests and the debug hook: mode, state and the adapter's position. */
  get playback() {
    return { mode: this.mode, state: this.state, positionMs: this.ext ? this.ext.positionMs : null };
  }

  /** Start playback from a user gesture after the browser refused autoplay. */
  unlock() {
    if (!this.track) return;
    if (this.mode === 'adapter') return this._startExternal();
    this._setState('loading');
    this._play(); // inside the gesture: this is what the browser wants to see
    if (this.mode === 'file') this._hardSeek();
  }

  set muted(v) {
    this.audio.muted = v;
    // an adapter's player has no volume: muting pauses it, unmuting rejoins the room's position
    if (this.ext) v ? this.ext.pause() : this._startExternal();
  }
  get muted() { return this.audio.muted; }

  /** Measure drift and correct it; runs every CHECK_MS and after playback (re)starts. */
  check() {
    const a = this.audio;
    if (!this.track || this.state === 'blocked' || this.state === 'error') return;
    if (this.mode === 'adapter') return this._checkExternal();
    if (this.mode === 'live') {
      // keep it going (a stall or an interruption pauses it), but never move it
      if (a.paused && !a.ended && a.readyState >= HAVE_METADATA) this._play();
      return;
    }
    if (a.readyState < HAVE_METADATA || a.seeking || this._seek) return;
    const expected = this.targetPosition();
    const dur = this._duration();
    if (dur && expected >= dur - 0.05) return; // ending; the server will move on
    if (expected < 0) return this._waitForStart(expected);
    if (a.paused) {
      if (!a.ended) this._play();
      return;
    }
    if (a.readyState < HAVE_FUTURE_DATA) return; // buffering: the clock is not moving
    const t = performance.now();
    if (this._pulse && t < this._pulse.settle) return; // nudging: measure at rate 1 only
    this._pulse = null;
    const drift = a.currentTime - expected;
    this.drift = drift;
    this._errors.push({ t, ms: Math.abs(drift) * 1000 });
    while (this._errors.length && this._errors[0].t < t - ERROR_WINDOW_MS) this._errors.shift();
    if (this._afterStart) {
      // What is left right after a scheduled start is our start-latency error.
      this._afterStart = false;
      if (Math.abs(drift) < HARD_SEEK_S) this.startLatency = clamp(this.startLatency - drift, 0, 0.4);
      if (Math.abs(drift) > RESEEK_S && this._reseeks < MAX_RESEEKS) {
        // Our own start missed by far: nudging would take seconds, so aim again.
        this._reseeks++;
        this._hardSeek();
        return;
      }
    }
    if (Math.abs(drift) > HARD_SEEK_S) {
      this._hardSeek();
    } else if (Math.abs(drift) <= (this._nudging ? DONE_S : START_S)) {
      this._nudging = false;
      a.playbackRate = 1;
    } else {
      this._nudging = true;
      this._nudge(drift);
    }
  }

  /** A rate pulse that removes drift (s; + ahead): 1 ∓ dev for |drift| / dev seconds. */
  _nudge(drift) {
    const dev = clamp(Math.abs(drift) / PULSE_S, MIN_NUDGE, MAX_NUDGE);
    const ms = (Math.abs(drift) / dev) * 1000;
    this._endPulse();
    this.audio.playbackRate = drift > 0 ? 1 - dev : 1 + dev;
    this._pulse = { settle: performance.now() + ms + PULSE_SETTLE_MS };
    this._pulseTimer = setTimeout(() => {
      this.audio.playbackRate = 1;
    }, ms);
  }

  _endPulse() {
    clearTimeout(this._pulseTimer);
    this._pulse = null;
    this.audio.playbackRate = 1;
  }

  destroy() {
    clearInterval(this._timer);
    this.stop();
  }

  _silenceAudio() {
    this.audio.pause();
    this.audio.removeAttribute('src');
    this.audio.load();
  }

  _dropExternal() {
    if (!this.ext) return;
    this.ext.onended = null;
    this.ext.destroy();
    this.ext = null;
  }

  /** Loads the adapter player for track (the current one while _key is key). */
  async _loadExternal(track, key) {
    if (!this.adapters.forTrack(track)) return this._setState('unsupported');
    this._setState('loading');
    let p;
    try {
      p = await this.adapters.load(track);
    } catch (err) {
      if (this._key === key) this._setState(err && err.code === 'no_adapter' ? 'unsupported' : 'error');
      return;
    }
    if (this._key !== key) return p.destroy(); // the room moved on while it loaded
    this.ext = p;
    // the server's now_playing moves the room, not the adapter's end
    p.onended = null;
    this._startExternal();
  }

  /** Starts the adapter's player at the room's position (a live one wherever it is). */
  _startExternal() {
    const p = this.ext;
    if (!p) return;
    clearTimeout(this._startTimer);
    const expected = this.expectedPosition();
    if (expected < 0) {
      this._startTimer = setTimeout(() => this._startExternal(), -expected * 1000);
      return;
    }
    if (this.audio.muted) return;
    p.play(this.track.live ? 0 : expected * 1000);
    this._setState('playing');
  }

  _checkExternal() {
    const p = this.ext;
    if (!p || this.track.live || this.audio.muted || this.state !== 'playing') return;
    const expected = this.expectedPosition();
    const dur = this._duration();
    if (dur && expected >= dur - 0.05) return;
    this.drift = p.positionMs / 1000 - expected;
    if (Math.abs(this.drift) > HARD_SEEK_S) p.seek(expected * 1000);
  }

  _duration() {
    if (this.track && this.track.duration_ms > 0) return this.track.duration_ms / 1000;
    if (this.mode !== 'file') return 0; // a live stream's <audio> duration is only what it buffered
    return Number.isFinite(this.audio.duration) ? this.audio.duration : 0;
  }

  _hardSeek() {
    const a = this.audio;
    const expected = this.targetPosition();
    if (expected == null || a.readyState < HAVE_METADATA) return;
    if (expected < 0) return this._waitForStart(expected);
    this._endPulse();
    this._nudging = false;
    const end = Number.isFinite(a.duration) ? a.duration : Infinity;
    const target = expected + this.lead;
    if (target >= end - 0.1) {
      // Too close to the end to be worth it: the server moves on shortly.
      this._seek = null;
      a.currentTime = Math.max(0, end - 0.05);
      return;
    }
    clearTimeout(this._startTimer);
    this._seek = { target, started: performance.now() };
    if (!a.paused) a.pause();
    a.currentTime = target;
  }

  /** A hard seek landed and can play: start when the server clock reaches the target. */
  _seeked() {
    const a = this.audio;
    const s = this._seek;
    if (!s || s.scheduled || a.seeking || a.readyState < HAVE_FUTURE_DATA) return;
    s.scheduled = true;
    const took = (performance.now() - s.started) / 1000;
    this.lead = clamp(1.5 * took + 0.05, LEAD_MIN, LEAD_MAX);
    // Seconds until the schedule reaches the target, less the start-up time.
    const wait = s.target - this.targetPosition() - this.startLatency;
    if (wait < -RESEEK_S && this._reseeks < MAX_RESEEKS) {
      // The seek took longer than the lead: aim again with the lead just learnt.
      this._reseeks++;
      this._seek = null;
      this._hardSeek();
      return;
    }
    clearTimeout(this._startTimer);
    this._startTimer = setTimeout(() => {
      if (this._seek !== s) return;
      this._seek = null;
      this._afterStart = true;
      this._play();
    }, Math.max(0, wait * 1000));
  }

  _waitForStart(expected) {
    // started_at is in the future: hold at 0 and start on time.
    const a = this.audio;
    if (!a.paused) a.pause();
    if (a.readyState >= HAVE_METADATA && a.currentTime !== 0) a.currentTime = 0;
    clearTimeout(this._startTimer);
    this._startTimer = setTimeout(() => this._play(), -expected * 1000);
  }

  /**
   * Reads the output latency this browser reports (AudioContext.outputLatency, else baseLatency)
   * once sound may play, and adds to the target the part its media clock does not count.
   */
  _probeLatency() {
    if (this._probed || typeof AudioContext !== 'function') return;
    this._probed = true;
    let ctx;
    try {
      ctx = new AudioContext();
    } catch {
      return;
    }
    setTimeout(() => {
      const out = Number(ctx.outputLatency) || 0;
      const base = Number(ctx.baseLatency) || 0;
      const reported = out || base || null;
      const applied = reported && !mediaClockCountsOutput(navigator.userAgent) ? clamp(reported, 0, 0.5) : 0;
      this.latency = { reported, base: base || null, applied };
      ctx.close().catch(() => {});
      if (applied) this.check();
    }, 500); // outputLatency is 0 until the context has run a little
  }

  _play() {
    const p = this.audio.play();
    if (!p) return;
    p.catch((err) => {
      if (err && err.name === 'NotAllowedError' && this.state !== 'blocked') {
        console.info('soundroom: the browser wants a tap before playing sound; showing "Tap to listen"');
        this._setState('blocked');
      }
      // AbortError: src changed or paused before playing; the next check retries.
    });
  }

  _setState(s) {
    if (s === this.state) return;
    this.state = s;
    this.dispatchEvent(new Event('statechange'));
  }
}
