// When the server refuses an htmx request (400, 409, 422), say so where the
// user acted. htmx ignores error responses by default, which left a click
// looking lost. A full fragment (a panel or form re-rendered with its error,
// or the both-texts view of a correction conflict) is swapped in as usual; a
// bare refusal message (<p class="error">) is shown beside the target instead
// of replacing it, so the panel and what was typed in it stay.
(() => {
  "use strict";
  const REFUSALS = new Set([400, 409, 422]);
  document.addEventListener("htmx:beforeSwap", (event) => {
    const { xhr, target } = event.detail;
    if (!REFUSALS.has(xhr.status)) return;
    const body = xhr.responseText || "";
    if (!/^\s*<p class="error"/.test(body)) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
      return;
    }
    event.detail.shouldSwap = false;
    event.detail.isError = false;
    const holder = target.closest(".panel, li, form") || target;
    let note = holder.querySelector(":scope > .refusal");
    if (!note) {
      note = document.createElement("div");
      note.className = "refusal";
      holder.prepend(note);
    }
    note.innerHTML = body; // rendered and escaped by the server
  });
})();
