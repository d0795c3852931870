// The note-taker's console: keyboard capture, a local queue that survives
// reloads and outages, and the live stream's bookkeeping.
(() => {
  "use strict";
  const root = document.querySelector("[data-console]");
  if (!root) return;

  const session = root.dataset.session;
  const draftKey = `verbatim:draft:${session}`;
  const queueKey = `verbatim:queue:${session}`;
  const failedKey = `verbatim:failed:${session}`;   // the "not recorded" tray
  const csrf = JSON.parse(document.body.getAttribute("hx-headers") || "{}")["x-csrftoken"];
  const participants = JSON.parse(document.getElementById("participants-data").textContent);
  const timeline = document.getElementById("timeline");
  const pendingList = document.getElementById("pending");
  const connection = document.getElementById("connection");

  // ---- the live stream ---------------------------------------------------
  // Remember the last event id ourselves: when htmx has to open a brand-new
  // EventSource (after the old one closed), it resumes from here instead of
  // the cursor the page was rendered with.
  let lastEventId = null;
  const streamUrl = (url) => {
    const u = new URL(url, window.location.href);
    if (lastEventId) u.searchParams.set("cursor", lastEventId);
    // the status this console shows: a close or reopening missed while away is sent at once
    u.searchParams.set("status", root.dataset.status);
    return u.pathname + u.search;
  };
  const installEventSourceFactory = () => {
    if (!window.htmx) return;
    window.htmx.createEventSource = (url) => new EventSource(streamUrl(url), { withCredentials: true });
  };
  installEventSourceFactory();

  let sendQueued = () => {};   // set below for members who capture
  const setConnection = (state, text) => {
    connection.dataset.state = state;
    connection.textContent = text;
  };
  document.body.addEventListener("htmx:sseOpen", (event) => {
    setConnection("live", "live");
    const source = event.detail.source;
    source.addEventListener("entry", (e) => { if (e.lastEventId) lastEventId = e.lastEventId; });
    source.addEventListener("status", (e) => sessionStatus(e.data));
    source.addEventListener("gone", () => { setConnection("gone", "access ended"); source.close(); });
    sendQueued();
  });
  document.body.addEventListener("htmx:sseError", () => setConnection("down", "reconnecting…"));
  // Back on the network: the side panels may have missed changes (their reloads fail offline).
  window.addEventListener("online", () => window.htmx && window.htmx.trigger(document.body, "refreshPanels"));
  // Never show the same entry twice, whatever the stream replays.
  document.body.addEventListener("htmx:sseBeforeMessage", (event) => {
    if (event.detail.type !== "entry") return;
    const match = /id="(entry-[0-9a-f-]+)"/.exec(event.detail.data);
    if (match && !/hx-swap-oob/.test(event.detail.data.slice(0, event.detail.data.indexOf(">"))) &&
        document.getElementById(match[1])) {
      event.preventDefault();
    }
  });
  // An entry that arrives from the server replaces its pending copy.
  new MutationObserver(() => {
    for (const row of timeline.querySelectorAll("li[data-client-id]")) {
      const pending = document.getElementById(`pending-${row.dataset.clientId}`);
      if (pending && pending.dataset.state === "saved") pending.remove();
    }
  }).observe(timeline, { childList: true });

  const STATUS_LABELS = { scheduled: "Scheduled", in_progress: "In progress", closed: "Closed", minutes_approved: "Minutes approved" };
  const isOpen = (status) => status === "scheduled" || status === "in_progress";
  const sessionStatus = (status) => {
    root.dataset.status = status;
    const badge = document.getElementById("status-panel");
    if (badge && STATUS_LABELS[status]) {
      badge.textContent = STATUS_LABELS[status];
      badge.className = `badge status-${status}`;
    }
    const form = document.getElementById("capture");
    if (!form) {
      // This console was opened on a closed session, so it has no input yet:
      // once a head reopens it, load the page again (the queue and draft are kept).
      if (isOpen(status) && document.getElementById("closed-notice")) window.location.reload();
      return;
    }
    if (!isOpen(status) && !form.dataset.closed) {
      // New lines are refused from now on; lines already typed keep being sent:
      // those captured before the close are accepted, marked late, during the grace period.
      form.dataset.closed = "1";
      const note = document.createElement("p");
      note.className = "notice";
      note.id = "closed-notice";
      note.textContent = `This session is now closed; it accepts no new lines. Lines typed before the close are still sent and recorded late for ${root.dataset.grace}; any the server refuses stay in the "Not recorded" tray.`;
      form.before(note);
      form.querySelectorAll("textarea, select, button").forEach((el) => { el.disabled = true; });
    } else if (isOpen(status) && form.dataset.closed) {
      delete form.dataset.closed;   // reopened by a head
      document.getElementById("closed-notice")?.remove();
      form.querySelectorAll("textarea, select, button").forEach((el) => { el.disabled = false; });
    }
  };

  // ---- the queue of typed lines --------------------------------------------
  // Only members who capture have one. It lives in localStorage until the
  // server has stored each line, and is sent even after the session closed
  // (the server accepts lines captured before the close for a grace period).
  const pendingUrl = root.dataset.pendingUrl;
  if (!pendingUrl) return;
  // One id per browser tab (kept across reloads of the tab), so that reloading
  // does not count as another console in the head's close dialog.
  const consoleKey = `verbatim-console-${root.dataset.session || ""}`;
  const consoleId = sessionStorage.getItem(consoleKey) || crypto.randomUUID();
  sessionStorage.setItem(consoleKey, consoleId);
  const load = (key) => { try { return JSON.parse(localStorage.getItem(key) || "[]"); } catch { return []; } };
  const store = (key, value) => localStorage.setItem(key, JSON.stringify(value));
  let queue = load(queueKey);
  const form = document.getElementById("capture");   // absent when the page was loaded after the close
  const queueStatus = document.getElementById("queue-status");
  const input = document.getElementById("capture-text");

  // Tell the server how many lines wait here, for the head's close dialog:
  // when the number changes, and every 15 seconds while the console is open.
  let reported = null;
  const reportPending = (force) => {
    const count = queue.length;
    if (!force && count === reported) return;
    fetch(pendingUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf },
      body: new URLSearchParams({ console: consoleId, count: String(count) }),
    }).then((r) => { if (r.ok) reported = count; }).catch(() => { /* offline: said again later */ });
  };
  setInterval(() => reportPending(true), 15000);
  // A tab closed with nothing waiting is no longer a console to wait for.
  window.addEventListener("pagehide", () => {
    if (queue.length) return;
    navigator.sendBeacon(pendingUrl, new URLSearchParams({ console: consoleId, count: "-1", csrfmiddlewaretoken: csrf }));
  });

  const typedAt = (item) => item.captured_at ? new Date(item.captured_at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" }) : "";
  const describe = (item) => `${item.kindLabel}${item.speaker ? " · " + item.speaker : ""}${item.visibility === "internal" ? " · internal" : ""}`;

  const pendingRow = (item, state) => {
    let row = document.getElementById(`pending-${item.client_id}`);
    if (!row) {
      row = document.createElement("li");
      row.id = `pending-${item.client_id}`;
      row.className = "entry pending";
      row.innerHTML = '<span class="seq">…</span><span class="time"></span><div class="body"><div class="meta"></div><p class="text" dir="auto"></p></div>';
      row.querySelector(".text").textContent = item.text;
      row.querySelector(".time").textContent = typedAt(item).slice(0, 5);
      pendingList.append(row);
    }
    row.dataset.state = state;
    const words = { queued: "waiting to be sent", sending: "sending…", saved: "saved" };
    row.querySelector(".meta").textContent = `${describe(item)} · ${words[state]}`;
    return row;
  };

  const showQueue = (offline) => {
    if (!queueStatus) return;
    const n = queue.length;
    queueStatus.textContent = n ? `${n} waiting to be sent${offline ? " · offline, retrying" : ""}` : "";
    queueStatus.dataset.offline = offline ? "1" : "";
  };

  // ---- the "not recorded" tray -----------------------------------------------
  // A line the server refused is never dropped: it stays here (and in
  // localStorage) with the reason, to copy or send again, until removed.
  const tray = document.getElementById("not-recorded");
  const trayList = document.getElementById("not-recorded-list");
  const button = (text, onClick, className = "small") => {
    const b = document.createElement("button");
    b.type = "button";
    b.className = className;
    b.textContent = text;
    b.addEventListener("click", onClick);
    return b;
  };
  const copyText = async (item, textNode, b) => {
    try {
      await navigator.clipboard.writeText(item.text);
    } catch {
      const range = document.createRange();   // no clipboard access: select it for Ctrl+C
      range.selectNodeContents(textNode);
      const selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      document.execCommand("copy");
    }
    b.textContent = "Copied";
    setTimeout(() => { b.textContent = "Copy"; }, 2000);
  };
  const removeFromTray = (item) => store(failedKey, load(failedKey).filter((f) => f.client_id !== item.client_id));
  const showTray = () => {
    const items = load(failedKey);
    trayList.replaceChildren();
    for (const item of items) {
      const li = document.createElement("li");
      li.className = "tray-item";
      li.id = `not-recorded-${item.client_id}`;
      const meta = document.createElement("p");
      meta.className = "meta small";
      meta.textContent = `${describe(item)}${item.captured_at ? " · typed at " + typedAt(item) : ""}`;
      const text = document.createElement("p");
      text.className = "text";
      text.dir = "auto";
      text.textContent = item.text;
      const reason = document.createElement("p");
      reason.className = "error small";
      reason.textContent = item.detail;
      const actions = document.createElement("div");
      actions.className = "tray-actions";
      const copy = button("Copy", () => copyText(item, text, copy));
      actions.append(copy);
      if (isOpen(root.dataset.status)) {
        actions.append(button("Send again", () => {
          removeFromTray(item);
          enqueue({ ...item, client_id: crypto.randomUUID(), detail: undefined });
        }));
      }
      const remove = button("Remove", () => {
        if (remove.dataset.armed) {
          removeFromTray(item);
          showTray();
        } else {
          remove.dataset.armed = "1";
          remove.textContent = "Remove for good? It is in no record.";
        }
      }, "small link");
      actions.append(remove);
      li.append(meta, text, reason, actions);
      trayList.append(li);
    }
    tray.hidden = items.length === 0;
  };
  const toTray = (item, detail) => {
    store(failedKey, [...load(failedKey).filter((f) => f.client_id !== item.client_id), { ...item, detail }]);
    showTray();
  };

  // ---- sending ----------------------------------------------------------------
  function enqueue(item) {
    queue.push(item);
    store(queueKey, queue);   // safe in the browser before anything else happens
    pendingRow(item, "queued");
    showQueue(false);
    reportPending();
    flush();
  }

  let flushing = false;
  let retryDelay = 500;
  let retryTimer = null;
  async function flush() {
    if (flushing) return;
    flushing = true;
    clearTimeout(retryTimer);
    try {
      while (queue.length) {
        const item = queue[0];
        pendingRow(item, "sending");
        let response;
        try {
          response = await fetch(root.dataset.entriesUrl, {
            method: "POST",
            credentials: "same-origin",
            headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
            body: JSON.stringify({
              client_id: item.client_id, text: item.text, kind: item.kind,
              speaker: item.speaker, party: item.party, visibility: item.visibility,
              captured_at: item.captured_at || null,
            }),
          });
        } catch {
          response = null;
        }
        if (!response || response.status >= 500 || response.status === 429) {
          pendingRow(item, "queued");
          showQueue(true);
          reportPending();
          retryTimer = setTimeout(flush, retryDelay);
          retryDelay = Math.min(retryDelay * 2, 8000);
          return;
        }
        retryDelay = 500;
        if (response.ok) {
          const body = await response.json();
          queue.shift();
          store(queueKey, queue);
          const row = pendingRow(item, "saved");
          if (document.getElementById(`entry-${body.id}`)) row.remove();
        } else {
          let detail = "The server refused this line.";
          try { detail = (await response.json()).detail || detail; } catch { /* keep the default */ }
          if (typeof detail !== "string") detail = "The line was not accepted; check it and send it again.";
          toTray(item, detail);   // in the tray (and localStorage) before it leaves the queue
          queue.shift();
          store(queueKey, queue);
          document.getElementById(`pending-${item.client_id}`)?.remove();
        }
        reportPending();
      }
      showQueue(false);
    } finally {
      flushing = false;
    }
  }

  sendQueued = flush;
  window.addEventListener("online", () => { reportPending(true); flush(); });
  for (const item of queue) pendingRow(item, "queued");
  showTray();
  showQueue(false);
  reportPending(true);
  flush();

  // ---- capture -------------------------------------------------------------
  if (!form) return;
  const kindSelect = document.getElementById("capture-kind");
  const speakerSelect = document.getElementById("capture-speaker");
  const visibilitySelect = document.getElementById("capture-visibility");
  const chipKind = document.getElementById("chip-kind");
  const chipSpeaker = document.getElementById("chip-speaker");
  const chipVisibility = document.getElementById("chip-visibility");
  const hint = document.getElementById("speaker-hint");
  const KINDS = { s: "statement", p: "proposal", q: "question", a: "action_item", d: "decision", o: "observation", n: "note" };

  const label = (select) => select.options[select.selectedIndex].textContent;
  // Internal notes and observations are the note-taker's own words: the
  // speaker picked for shared lines stays in the picker for the next shared
  // line but is not given to them, unless this very line names one ("@kar").
  const speakerApplies = () => namedInLine || (visibilitySelect.value !== "internal" && kindSelect.value !== "observation");
  const showChips = () => {
    chipKind.textContent = label(kindSelect);
    chipKind.dataset.kind = kindSelect.value;
    chipSpeaker.textContent = !speakerSelect.value ? "No speaker"
      : speakerApplies() ? label(speakerSelect) : "No speaker (internal and observation lines have none)";
    chipVisibility.textContent = visibilitySelect.value === "internal" ? "Internal" : "Shared record";
    chipVisibility.dataset.internal = visibilitySelect.value === "internal" ? "1" : "";
    form.classList.toggle("internal", visibilitySelect.value === "internal");
  };
  [kindSelect, speakerSelect, visibilitySelect].forEach((s) => s.addEventListener("change", () => {
    if (s === speakerSelect) namedInLine = Boolean(speakerSelect.value);   // picked by hand for this line
    showChips();
    input.focus();
  }));

  const normalise = (s) => s.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();
  const speakersFor = (prefix) => {
    const p = normalise(prefix);
    return participants.filter((person) =>
      normalise(person.name).split(/\s+/).some((word) => word.startsWith(p)) || normalise(person.name).startsWith(p));
  };
  let cycle = 0;

  // Prefixes at the start of the line set kind, visibility and speaker; they
  // are not part of the recorded words. This is the one place that decides:
  // the server stores the text it is sent. An "@word " that names nobody is
  // not a prefix: it stays in the text as typed ("@UN Secretary-General's
  // note"), with a quiet hint, and ends the prefixes of the line.
  let namedInLine = false;   // an "@name" of this very line picked the speaker
  const applyPrefixes = () => {
    let text = input.value;
    let unmatched = null;
    let changed = true;
    while (changed) {
      changed = false;
      let m = /^\/([spqadon])\s/.exec(text);
      if (m) { kindSelect.value = KINDS[m[1]]; text = text.slice(m[0].length); changed = true; continue; }
      m = /^\/i\s/.exec(text);
      if (m) { visibilitySelect.value = visibilitySelect.value === "internal" ? "record" : "internal"; text = text.slice(m[0].length); changed = true; continue; }
      m = /^@(\S+)\s/.exec(text);
      if (m) {
        if (m[1] === "-") { speakerSelect.value = ""; namedInLine = false; }
        else {
          const found = speakersFor(m[1]);
          if (!found.length) { unmatched = m[1]; break; }   // words, not a prefix
          speakerSelect.value = found[cycle % found.length].name;
          namedInLine = true;
        }
        text = text.slice(m[0].length); changed = true; cycle = 0;
      }
    }
    if (text !== input.value) { input.value = text; }
    const pending = /^@(\S+)$/.exec(text);
    if (unmatched) {
      hint.textContent = `no participant matches "@${unmatched}": kept in the text`;
    } else if (pending && pending[1] !== "-") {
      const found = speakersFor(pending[1]);
      hint.textContent = found.length ? `→ ${found[cycle % found.length].name} (${found[cycle % found.length].label})  space to pick${found.length > 1 ? ", Tab for next" : ""}` : "no participant matches";
    } else {
      hint.textContent = "";
    }
    showChips();
  };

  input.value = localStorage.getItem(draftKey) || "";
  input.addEventListener("input", () => {
    applyPrefixes();
    localStorage.setItem(draftKey, input.value);
  });
  input.addEventListener("keydown", (event) => {
    if (event.isComposing) return;
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      submit();
    } else if (event.key === "Tab" && /^@\S+$/.test(input.value)) {
      event.preventDefault();
      cycle += 1;
      applyPrefixes();
    } else if (event.key === "Escape") {
      kindSelect.value = "note";
      visibilitySelect.value = "record";
      speakerSelect.value = "";
      namedInLine = false;
      showChips();
    }
  });
  form.addEventListener("submit", (event) => { event.preventDefault(); submit(); });

  function submit() {
    const capturedAt = new Date().toISOString();   // the console's clock when Enter was pressed
    applyPrefixes();
    const text = input.value;
    if (!text.trim() || form.dataset.closed) return;
    const option = speakerSelect.options[speakerSelect.selectedIndex];
    const speaker = speakerApplies() ? speakerSelect.value || null : null;
    const item = {
      client_id: crypto.randomUUID(),
      text,
      kind: kindSelect.value,
      kindLabel: label(kindSelect),
      speaker,
      party: speaker ? option.dataset.party : null,
      visibility: visibilitySelect.value,
      captured_at: capturedAt,
    };
    enqueue(item);   // stored in the browser before the input is cleared
    input.value = "";
    localStorage.removeItem(draftKey);
    kindSelect.value = "note";
    visibilitySelect.value = "record";
    namedInLine = false;
    applyPrefixes();
  }

  // ---- focus, Esc and the forms beside the record --------------------------------
  // After every action in the console (a formulation recorded, a correction
  // saved, an agenda item added, attendance ticked, a participant added) the
  // note-taker is back in the input at once, so that what they type next is
  // captured; every form closes with Esc, back to the input. The input is
  // focused without scrolling, so the view never jumps to the side panels.
  const backToInput = () => input.focus({ preventScroll: true });
  const byTheUser = (detail) => Boolean(detail.requestConfig?.triggeringEvent?.isTrusted) && root.contains(detail.requestConfig.elt);
  const closesAForm = (detail) => detail.requestConfig.verb !== "get" || /[?&]cancel=1/.test(detail.requestConfig.path);
  document.body.addEventListener("htmx:beforeRequest", (event) => {
    const detail = event.detail;
    if (!detail.requestConfig) return;
    const slot = document.getElementById("formulation-form-slot");
    if (slot && detail.target === slot && !slot.querySelector("form")) formSlotHtml = slot.innerHTML;
    if (byTheUser(detail) && closesAForm(detail)) backToInput();
  });
  document.body.addEventListener("htmx:afterSettle", (event) => {
    const detail = event.detail;
    if (!detail.requestConfig || !byTheUser(detail) || closesAForm(detail)) return;
    // a form was opened (a correction, a formulation): into its first field
    const target = detail.target.isConnected ? detail.target : document.getElementById(detail.target.id);
    const field = target?.querySelector("textarea[autofocus], form select, form textarea, form input:not([type=hidden])");
    field?.focus();
  });

  // The "Record a formulation" button the slot held before a form replaced it.
  let formSlotHtml = document.getElementById("formulation-form-slot")?.innerHTML ?? null;
  const closeFormulationForm = (formEl) => {
    const slot = formEl.closest("#formulation-form-slot");
    if (slot && formSlotHtml !== null) {
      slot.innerHTML = formSlotHtml;
      window.htmx?.process(slot);
    } else {
      formEl.remove();
      const panel = document.getElementById("formulations-panel");
      if (panel) window.htmx?.trigger(panel, "sse:formulations");   // draw the panel again, with its button
    }
  };
  const closeForm = (from) => {
    const editing = from.closest("li.editing");
    const formulation = from.closest(".formulation-form");
    const details = from.closest("details");
    if (editing) editing.querySelector("button[hx-get*='cancel=1']")?.click();
    else if (formulation) closeFormulationForm(formulation);
    else if (from.closest("#close-dialog")) document.getElementById("close-slot")?.replaceChildren();
    else if (details) details.open = false;
    backToInput();
  };
  root.addEventListener("click", (event) => {
    const cancel = event.target.closest?.("[data-close-form]");
    if (cancel) closeForm(cancel);
  });
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape" || event.isComposing || event.defaultPrevented) return;
    const from = event.target;
    if (!(from instanceof Element) || from === input || !root.contains(from)) return;
    event.preventDefault();
    closeForm(from);
  });

  // "Record as formulation": the exact words default to the entry's whole
  // text; if the note-taker selected part of the entry's text first, the
  // form starts with that selection, exactly (the server checks it is part of
  // the entry). A click may clear the selection, so it is noted on pointerdown.
  const selectedIn = (row) => {
    const selection = window.getSelection();
    if (!selection || selection.isCollapsed || !selection.rangeCount) return "";
    const text = row?.querySelector(".body > .text");
    const range = selection.getRangeAt(0);
    return text && text.contains(range.startContainer) && text.contains(range.endContainer) ? selection.toString() : "";
  };
  let noted = null;
  timeline.addEventListener("pointerdown", (event) => {
    const button = event.target.closest?.("[data-formulation-from]");
    noted = button ? { button, words: selectedIn(button.closest("li")) } : null;
  }, true);
  document.body.addEventListener("htmx:configRequest", (event) => {
    const button = event.detail.elt;
    if (!button?.dataset?.formulationFrom) return;
    const words = selectedIn(button.closest("li")) || (noted?.button === button ? noted.words : "");
    noted = null;
    if (words) event.detail.parameters.words = words;
  });

  if (!isOpen(root.dataset.status)) sessionStatus(root.dataset.status);
  applyPrefixes();
  input.focus();
})();
