// Signing out, from any page, leaves no offline copy of a console in this
// browser: the console's service worker keeps the page (and so the record it
// shows) in the Cache API for reloads offline. The cache is dropped before the
// sign-out request leaves; the queue of unsent lines (localStorage) is kept.
(() => {
  "use strict";
  const CACHE = "verbatim-console-v1";
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.action.endsWith("/logout/") || form.dataset.cleared) return;
    if (!window.caches) return;
    event.preventDefault();
    const go = () => { form.dataset.cleared = "1"; form.submit(); };
    const timer = setTimeout(go, 1000);   // never keep anyone from signing out
    window.caches.delete(CACHE).finally(() => { clearTimeout(timer); go(); });
  }, true);
})();
