// Installable app (PWA): registers the service worker (sw.js), which only
// provides an offline page — it caches no business data.
if ('serviceWorker' in navigator && window.isSecureContext) {
  window.addEventListener('load', () => {
    navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch(() => {
      // not fatal: the app works without it, only the offline page is missing
    });
  });
}
