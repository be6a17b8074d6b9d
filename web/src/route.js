// route.js - hash routing: "#/" the lobby, "#/room/<id>" a room, "#/user/<id>" a profile,
// "#/music" my likes and history, "#/admin" the server admin's accounts page, "#/signin" and "#/signup".

/**
 * Parses location.hash into {view: 'lobby'}, {view: 'room', roomId}, {view: 'user', userId},
 * {view: 'music'}, {view: 'admin'}, {view: 'signin'} or {view: 'signup'}.
 */
export function parseRoute(hash = location.hash) {
  let m = /^#\/room\/(\d{1,15})\/?$/.exec(hash);
  if (m) return { view: 'room', roomId: Number(m[1]) };
  m = /^#\/user\/(\d{1,15})\/?$/.exec(hash);
  if (m) return { view: 'user', userId: Number(m[1]) };
  m = /^#\/(music|admin|signin|signup)\/?$/.exec(hash);
  if (m) return { view: m[1] };
  return { view: 'lobby' };
}

export function roomHref(id) {
  return `#/room/${id}`;
}

export function userHref(id) {
  return `#/user/${id}`;
}

export function go(href) {
  if (location.hash !== href) location.hash = href;
}
