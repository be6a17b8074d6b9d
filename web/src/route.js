// route.js - hash routing: "#/" the lobby, "#/room/<id>" a room, "#/user/<id>" a profile,
// "#/music" my likes and history, "#/admin" the server admin's accounts page, "#/signin" and
// "#/signup"; links to them, and Router, which follows the hash for <sr-app>. A room's route may
// carry a private room's invite code: "#/room/<id>?invite=<code>" (the owner's invite link).

const AUTH_VIEWS = new Set(['signin', 'signup']);

/**
 * Parses location.hash into {view: 'lobby'}, {view: 'room', roomId, invite}, {view: 'user', userId},
 * {view: 'music'}, {view: 'admin'}, {view: 'signin'} or {view: 'signup'}. `invite` is the
 * `?invite=` code of an invite link, or ''.
 */
export function parseRoute(hash = location.hash) {
  let m = /^#\/room\/(\d{1,15})\/?(?:\?(.*))?$/.exec(hash);
  if (m) return { view: 'room', roomId: Number(m[1]), invite: new URLSearchParams(m[2] || '').get('invite') || '' };
  m = /^#\/user\/(\d{1,15})\/?$/.exec(hash);
  if (m) return { view: 'user', userId: Number(m[1]) };
  m = /^#\/(music|admin|signin|signup)\/?$/.exec(hash);
  if (m) return { view: m[1] };
  return { view: 'lobby' };
}

/** The hash of a room; with `invite`, the invite link's form that admits its holder to a private room. */
export function roomHref(id, invite = '') {
  return invite ? `#/room/${id}?invite=${encodeURIComponent(invite)}` : `#/room/${id}`;
}

export function userHref(id) {
  return `#/user/${id}`;
}

/** The hash of a route from parseRoute() (the sign-in pages map to the lobby). */
export function routeHref(route) {
  if (route.view === 'room') return roomHref(route.roomId, route.invite);
  if (route.view === 'user') return userHref(route.userId);
  if (route.view === 'music') return '#/music';
  if (route.view === 'admin') return '#/admin';
  return '#/';
}

export function go(href) {
  if (location.hash !== href) location.hash = href;
}

/** True for the sign-in and sign-up pages. */
export function isAuthView(view) {
  return AUTH_VIEWS.has(view);
}

/**
 * A lit ReactiveController: `route` follows location.hash while the host is connected; the
 * host re-renders and `onChange(route)` runs after each change. Remembers the page someone
 * left for the sign-in form, so they can be sent back there (takeReturn()).
 */
export class Router {
  route = parseRoute();
  #host;
  #onChange;
  #returnTo = '#/';
  #onHash = () => this.#update();

  constructor(host, onChange = () => {}) {
    this.#host = host;
    this.#onChange = onChange;
    host.addController(this);
  }

  hostConnected() {
    window.addEventListener('hashchange', this.#onHash);
  }

  hostDisconnected() {
    window.removeEventListener('hashchange', this.#onHash);
  }

  /** Where to go after signing in: the page before the sign-in form (then the lobby again). */
  takeReturn() {
    const back = this.#returnTo;
    this.#returnTo = '#/';
    return back;
  }

  #update() {
    const before = this.route;
    this.route = parseRoute();
    if (!isAuthView(before.view) && isAuthView(this.route.view)) this.#returnTo = routeHref(before);
    this.#host.requestUpdate();
    this.#onChange(this.route);
  }
}
