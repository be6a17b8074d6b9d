// route.js - hash routing: "#/" the lobby, "#/room/<id>" a room, "#/user/<id>" a profile,
// "#/music" my likes and history, "#/admin" the server admin's accounts page, "#/signin" and
// "#/signup", "#/join/<code>" a party's join code (the TV's QR code); links to them, and Router,
// which follows the hash for <sr-app>. A room's route may carry a private room's invite code:
// "#/room/<id>?invite=<code>" (the owner's invite link). The big screen is a path, not a hash:
// "/tv/<id>" (served as tv.html) is {view: 'tv', roomId} whatever the hash says.

const AUTH_VIEWS = new Set(['signin', 'signup']);

/**
 * Parses location.hash into {view: 'lobby'}, {view: 'room', roomId, invite}, {view: 'user', userId},
 * {view: 'music'}, {view: 'admin'}, {view: 'signin'}, {view: 'signup'} or {view: 'join', code};
 * a "/tv/<id>" path is {view: 'tv', roomId, invite}. `invite` is the `?invite=` code of an
 * invite link, or ''.
 */
export function parseRoute(hash = location.hash, path = location.pathname) {
  let m = /\/tv\/(\d{1,15})\/?$/.exec(path);
  if (m) return { view: 'tv', roomId: Number(m[1]), invite: new URLSearchParams(location.search).get('invite') || '' };
  m = /^#\/join\/([A-Za-z0-9 -]{1,20})\/?$/.exec(hash);
  if (m) return { view: 'join', code: m[1] };
  m = /^#\/room\/(\d{1,15})\/?(?:\?(.*))?$/.exec(hash);
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

/** True for the routes that are in a room: a room, or the room's big screen. */
export function inRoom(route) {
  return route.view === 'room' || route.view === 'tv';
}

/** The hash of a route from parseRoute() (the sign-in pages map to the lobby). */
export function routeHref(route) {
  if (route.view === 'room') return roomHref(route.roomId, route.invite);
  if (route.view === 'join') return `#/join/${route.code}`;
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
