/*
 * Cross-origin isolation for static hosts that cannot set headers (GitHub Pages, most CDNs).
 * Without COOP + COEP the page has no SharedArrayBuffer and TensorFlow.js's wasm backend runs on one
 * thread. This worker answers every request of the site with the two headers added; src/main.ts
 * registers it only when the page is not isolated already, then reloads once so the page itself
 * comes through it. The same approach as coi-serviceworker (github.com/gzuidhof/coi-serviceworker),
 * written here in a few lines. Nothing is cached: every request still goes to the host.
 */
self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

self.addEventListener('fetch', (event) => {
  const request = event.request;
  // A request Chrome may not forward from a worker (devtools' cache-only probes).
  if (request.cache === 'only-if-cached' && request.mode !== 'same-origin') return;
  event.respondWith(
    fetch(request).then((response) => {
      // Opaque (cross-origin no-cors) responses cannot be changed; the page loads nothing cross-origin.
      if (response.status === 0) return response;
      const headers = new Headers(response.headers);
      headers.set('Cross-Origin-Opener-Policy', 'same-origin');
      headers.set('Cross-Origin-Embedder-Policy', 'require-corp');
      headers.set('Cross-Origin-Resource-Policy', 'same-origin');
      return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
    }),
  );
});
