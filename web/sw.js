// sw.js - soundroom's service worker: keeps the app shell for the next visit, and answers a page
// load that cannot reach the server with offline.html (which reloads by itself once the server
// answers again). It never caches what is live: /api/, /ws, /media/ always go to the network.
//
// Served at /sw.js so its scope is the whole app. build.mjs writes the shell's content hash into
// VERSION: a new build installs a new worker, which drops the old cache.
const VERSION = '__SHELL_VERSION__';
const CACHE = `soundroom-shell-${VERSION}`;
const SHELL = ['/', '/app.js', '/style.css', '/icon.svg', '/manifest.webmanifest', '/offline.html', '/offline.js',
  '/icons/icon-192.png', '/icons/icon-512.png'];
const LIVE = /^\/(api|ws|media)(\/|$)/;

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    await cache.addAll(SHELL.map((path) => new Request(path, { cache: 'reload' })));
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) if (key.startsWith('soundroom-shell-') && key !== CACHE) await caches.delete(key);
    await self.clients.claim();
  })());
});

/** The network's answer (kept in the cache when it is a shell file), else the cached copy. */
async function networkFirst(request, cacheKey) {
  const cache = await caches.open(CACHE);
  try {
    const res = await fetch(request);
    if (res.ok && SHELL.includes(cacheKey)) await cache.put(cacheKey, res.clone());
    return res;
  } catch (err) {
    const hit = await cache.match(cacheKey);
    if (hit) return hit;
    throw err;
  }
}

self.addEventListener('fetch', (event) => {
  const req = event.request;
  const url = new URL(req.url);
  if (req.method !== 'GET' || url.origin !== self.location.origin || LIVE.test(url.pathname)) return;
  if (req.mode === 'navigate') {
    // The page: always from the server when it answers; when it does not, say so honestly.
    event.respondWith((async () => {
      try {
        return await fetch(req);
      } catch {
        const offline = await caches.match('/offline.html', { cacheName: CACHE });
        return offline || new Response('soundroom is offline.', { status: 503, headers: { 'content-type': 'text/plain' } });
      }
    })());
    return;
  }
  event.respondWith(networkFirst(req, url.pathname));
});
