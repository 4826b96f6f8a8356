// Service worker: makes the app installable (移动办公) and shows a plain
// offline page when the intranet is out of reach. It deliberately keeps no
// business data: API calls, files and pages are never cached (a phone may
// be lost or shared), only the offline page and what it needs.

const CACHE = 'govcollab-offline-v1';
const OFFLINE = ['/offline.html', '/css/offline.css', '/img/favicon.svg'];

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((c) => c.addAll(OFFLINE)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) {
      if (key !== CACHE) await caches.delete(key);
    }
    await self.clients.claim();
  })());
});

self.addEventListener('fetch', (event) => {
  const req = event.request;
  const url = new URL(req.url);
  if (req.method !== 'GET' || url.origin !== self.location.origin) return;
  if (req.mode === 'navigate') {
    // always the network; the offline page only when it cannot be reached
    event.respondWith(fetch(req).catch(() => caches.match('/offline.html')));
    return;
  }
  if (OFFLINE.includes(url.pathname)) {
    event.respondWith(fetch(req).catch(() => caches.match(url.pathname)));
  }
});
