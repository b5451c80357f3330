/**
 * Cross-origin isolation where the host cannot send COOP/COEP headers (docs/deploy.md): register
 * public/coi-serviceworker.js, which adds them to every response of the site, and reload once so
 * the page comes through it. Vite's dev and preview servers send the headers themselves, so this
 * only acts on a static host. A page that stays unisolated after the reload (a browser without
 * service workers for this site, private windows in some browsers) runs wasm on one thread, and
 * BackendStatus says so.
 */
const RELOADED = 'infopo-coi-reloaded';

export function ensureIsolation(): void {
  if (typeof crossOriginIsolated === 'boolean' && crossOriginIsolated) {
    sessionStorage.removeItem(RELOADED);
    return;
  }
  if (!window.isSecureContext || !('serviceWorker' in navigator)) return;
  // Relative to the page: the worker's scope is the folder the site is served from.
  const url = new URL('coi-serviceworker.js', document.baseURI);
  navigator.serviceWorker
    .register(url)
    .then(async (registration) => {
      // Reload once: if the page is controlled and still not isolated, another reload would not help.
      if (sessionStorage.getItem(RELOADED)) {
        console.warn('Cross-origin isolation: the service worker did not isolate this page; wasm runs on one thread.');
        return;
      }
      await navigator.serviceWorker.ready;
      if (!registration.active) return;
      sessionStorage.setItem(RELOADED, '1');
      location.reload();
    })
    .catch((error: unknown) => console.warn(`Cross-origin isolation: the service worker could not be registered (${error instanceof Error ? error.message : String(error)}); wasm runs on one thread.`));
}
