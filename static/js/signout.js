// Signing out, from any page, leaves no offline copy of a console in this
// browser: the console's service worker keeps the page (and so the record it
// shows) in the Cache API for reloads offline. The cache is dropped before the
// sign-out request leaves (signing out here or everywhere); the queue of
// unsent lines (localStorage) is kept. A sign-in or invitation page (marked
// data-drops-console-copy) means nobody is signed in here now, for example
// after a session that ended without signing out on a shared computer: the
// copy kept for the last person is dropped too, before the next signs in.
(() => {
  "use strict";
  const CACHE = "verbatim-console-v1";
  if (!window.caches) return;
  const leaves = (form) =>
    form.action.endsWith("/logout/") || form.action.endsWith("/account/sign-out-everywhere") ||
    "dropsConsoleCopy" in form.dataset;
  if (document.querySelector("form[data-drops-console-copy]")) window.caches.delete(CACHE);
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !leaves(form) || form.dataset.cleared) return;
    event.preventDefault();
    const go = () => { form.dataset.cleared = "1"; form.submit(); };
    const timer = setTimeout(go, 1000);   // never keep anyone from signing out
    window.caches.delete(CACHE).finally(() => { clearTimeout(timer); go(); });
  }, true);
})();
