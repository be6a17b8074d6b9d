// route.js - hash routing: "#/" is the lobby, "#/room/<id>" a room.

/** Parses location.hash into {view: 'lobby'} or {view: 'room', roomId: <int>}. */
export function parseRoute(hash = location.hash) {
  const m = /^#\/room\/(\d{1,15})\/?$/.exec(hash);
  if (m) return { view: 'room', roomId: Number(m[1]) };
  return { view: 'lobby' };
}

export function roomHref(id) {
  return `#/room/${id}`;
}

export function go(href) {
  if (location.hash !== href) location.hash = href;
}
