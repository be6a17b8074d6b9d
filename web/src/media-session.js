// media-session.js - MediaSessionSync: the tab title and the Media Session (lock screen, headset keys) follow the room.
//
// A lit ReactiveController of <sr-app>: after each render it names the room and its track in
// document.title, gives navigator.mediaSession the track's title, artist and cover, and answers
// its actions: play and pause (unmute and mute this listener; the room plays on either way),
// "next track" (vote to skip) and, where the browser offers it, "like". Chromium has no "like"
// action (the Media Session specification names none), so there the like button stays the way.
const APP = 'soundroom';

/** The tab title for a room named `room` playing `track` (either may be missing). */
export function pageTitle(room, track) {
  if (!room) return APP;
  if (!track) return `${room} · ${APP}`;
  return `${track.title || 'Untitled'}${track.artist ? ` — ${track.artist}` : ''} · ${room} · ${APP}`;
}

export class MediaSessionSync {
  #host;
  #get;
  #key = '';

  /**
   * `get()` returns what the page shows: `{room: name or '', track, player, onSkip, onLike}`,
   * where onSkip and onLike (either may be null) act for this listener.
   */
  constructor(host, get) {
    this.#host = host;
    this.#get = get;
    host.addController(this);
  }

  hostUpdated() {
    const { room, track, player, onSkip, onLike } = this.#get();
    const title = pageTitle(room, track);
    if (document.title !== title) document.title = title;
    const ms = navigator.mediaSession;
    if (!ms) return;
    const key = track ? `${room}\n${track.id}\n${track.title}\n${track.artist}\n${track.cover}` : '';
    if (key !== this.#key) {
      this.#key = key;
      ms.metadata = track && typeof MediaMetadata === 'function' ? new MediaMetadata({
        title: track.title || 'Untitled',
        artist: track.artist || '',
        album: track.album || room,
        artwork: track.cover
          ? [{ src: new URL(track.cover, location.href).href }]
          : [{ src: new URL('icon-512.png', location.href).href, sizes: '512x512', type: 'image/png' }],
      }) : null;
      this.#actions(track ? { player, onSkip, onLike } : null);
    }
    const playing = !!(track && player && player.state === 'playing' && !player.muted);
    ms.playbackState = track ? (playing ? 'playing' : 'paused') : 'none';
  }

  #actions(a) {
    const set = (action, fn) => {
      try {
        navigator.mediaSession.setActionHandler(action, fn);
      } catch {
        /* an action this browser does not know */
      }
    };
    const p = a && a.player;
    set('play', p ? () => {
      p.muted = false;
      if (p.state === 'blocked') p.unlock();
      this.#host.requestUpdate();
    } : null);
    set('pause', p ? () => { p.muted = true; this.#host.requestUpdate(); } : null);
    set('stop', p ? () => { p.muted = true; this.#host.requestUpdate(); } : null);
    set('nexttrack', a && a.onSkip ? () => a.onSkip() : null);
    set('like', a && a.onLike ? () => a.onLike() : null);
  }
}
