// The note-taker's console: keyboard capture, a local queue that survives
// reloads and outages, and the live stream's bookkeeping.
(() => {
  "use strict";
  const root = document.querySelector("[data-console]");
  if (!root) return;

  // What the console says, in the page's language (console.html builds it).
  const MESSAGES = JSON.parse(document.getElementById("console-messages")?.textContent || "{}");
  const t = (key, values = {}) =>
    (MESSAGES[key] ?? key).replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
  const session = root.dataset.session;
  const draftKey = `verbatim:draft:${session}`;
  const queueKey = `verbatim:queue:${session}`;
  const failedKey = `verbatim:failed:${session}`;   // the "not recorded" tray
  const csrf = JSON.parse(document.body.getAttribute("hx-headers") || "{}")["x-csrftoken"];
  // Every participant of the negotiation, as the attendance panel last drew
  // them: a participant added in any console appears here with the live update.
  const participants = () => {
    try { return JSON.parse(document.getElementById("participants-data")?.textContent || "[]"); } catch { return []; }
  };
  const timeline = document.getElementById("timeline");
  const pendingList = document.getElementById("pending");
  const connection = document.getElementById("connection");

  // ---- live swaps merge around work in progress ------------------------------
  // The side panels are redrawn whenever another console changes them; the
  // new HTML is merged into the page (idiomorph) rather than replacing it, and
  // what a member is working on is left as it is: a form with focus or typed
  // text, a form opened beside the record (a formulation, a correction), a
  // <details> they opened. A form the member has just sent successfully is
  // no longer work in progress: it is redrawn like the rest.
  const defaultIndex = (select) => {
    let index = 0;
    [...select.options].forEach((o, i) => { if (o.defaultSelected) index = i; });
    return index;
  };
  const typedIn = (form) => [...form.elements].some((el) => {
    if (el.type === "hidden" || el.type === "submit" || el.type === "button" || el.tagName === "BUTTON") return false;
    if (el.type === "checkbox" || el.type === "radio") return el.checked !== el.defaultChecked;
    if (el.tagName === "SELECT") return !el.multiple && el.selectedIndex !== defaultIndex(el);
    return "defaultValue" in el && el.value !== el.defaultValue;
  });
  const inProgress = (el) => {
    if (!(el instanceof Element)) return false;
    if (el.matches("li.editing")) return true;
    if (el.id === "formulation-form-slot") return Boolean(el.querySelector("form:not([data-sent])"));
    if (el.tagName === "FORM" && !el.dataset.sent) return el.contains(document.activeElement) || typedIn(el);
    return false;
  };
  if (window.Idiomorph) {
    window.Idiomorph.defaults.ignoreActiveValue = true;
    Object.assign(window.Idiomorph.defaults.callbacks, {
      beforeNodeMorphed: (old) => !inProgress(old),
      beforeNodeRemoved: (old) => !inProgress(old),
      // a <details> the member opened stays open, unless the form in it was just sent; a box
      // the member just ticked keeps its tick while its request is on the way (a redraw that
      // left the server before it would untick it for a moment)
      beforeAttributeUpdated: (name, el, how) =>
        !(name === "open" && how === "remove" && el.tagName === "DETAILS" && !el.querySelector("form[data-sent]")) &&
        !(name === "checked" && sending.has(el)),
    });
  }
  // The elements whose own change is on its way to the server. Not a class on
  // the element: the same redraw would take the class away before the tick.
  const sending = new WeakSet();
  document.body.addEventListener("htmx:beforeRequest", (event) => {
    const { elt, target, requestConfig } = event.detail;
    if (!requestConfig || requestConfig.verb === "get") return;
    sending.add(elt);
    // A redraw of the same panel already on its way left the server before
    // this change, and the change's answer shows everything it would: that
    // redraw is dropped rather than merged after the answer. (One asked for
    // later may still show the panel before the change for a moment; the
    // change's own live event redraws it again.)
    if (target !== elt && target?.matches?.(".panel[hx-get]") && root.contains(target)) window.htmx?.trigger(target, "htmx:abort");
  });
  document.body.addEventListener("htmx:afterRequest", (event) => sending.delete(event.detail.elt));
  // Before the answer to a member's own form is merged in, that form is done.
  document.body.addEventListener("htmx:beforeSwap", (event) => {
    const { xhr, requestConfig } = event.detail;
    if (!requestConfig || xhr.status < 200 || xhr.status >= 300 || requestConfig.verb === "get") return;
    const form = requestConfig.elt?.closest?.("form");
    if (form && root.contains(form)) form.dataset.sent = "1";
  });
  document.body.addEventListener("htmx:afterSettle", () => {
    root.querySelectorAll("form[data-sent]").forEach((form) => { delete form.dataset.sent; });
  });
  // A row redrawn out of band (corrected, disputed, linked to a formulation) is
  // merged too; a row open for correction is left alone: saving it then shows
  // both texts, theirs and the member's.
  document.body.addEventListener("htmx:oobBeforeSwap", (event) => {
    const { target, fragment } = event.detail;
    if (!target?.matches?.("#timeline > li") || !window.Idiomorph) return;
    event.detail.shouldSwap = false;
    if (target.matches("li.editing")) {
      if (!target.querySelector(".changed-meanwhile")) {
        const note = document.createElement("p");
        note.className = "notice small changed-meanwhile";
        note.setAttribute("role", "status");
        note.textContent = t("changed_meanwhile");
        target.querySelector("form")?.prepend(note);
      }
      return;
    }
    const fresh = fragment.firstElementChild;
    if (!fresh) return;
    window.Idiomorph.morph(target, fresh, { morphStyle: "outerHTML" });
    window.htmx.process(target);
  });

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
  let source = null;   // the stream this console listens to now
  const installEventSourceFactory = () => {
    if (!window.htmx) return;
    window.htmx.createEventSource = (url) => {
      source = new EventSource(streamUrl(url), { withCredentials: true });
      return source;
    };
  };
  installEventSourceFactory();
  // A stream can look open and bring nothing (a server process on its way
  // out, a proxy holding the line): when a line the server stored does not
  // come back on it, open a fresh one, resuming after the last event seen.
  // Closing it and reporting the error lets htmx's SSE extension reconnect.
  let reconnectedAt = 0;
  const reconnectStream = () => {
    if (!source || Date.now() - reconnectedAt < 3000) return;
    reconnectedAt = Date.now();
    const stale = source;
    stale.close();
    stale.onerror?.(new Event("error"));
  };
  const expectRow = (id, attempt = 0) => setTimeout(() => {
    if (document.getElementById(`entry-${id}`)) return;
    reconnectStream();
    if (attempt < 8) expectRow(id, attempt + 1);
  }, 3000 + 2000 * attempt);

  let sendQueued = () => {};   // set below for members who capture
  const setConnection = (state, text) => {
    connection.dataset.state = state;
    connection.textContent = text;
  };
  document.body.addEventListener("htmx:sseOpen", (event) => {
    setConnection("live", t("live"));
    const source = event.detail.source;
    source.addEventListener("entry", (e) => { if (e.lastEventId) lastEventId = e.lastEventId; });
    source.addEventListener("status", (e) => sessionStatus(e.data));
    source.addEventListener("gone", () => { setConnection("gone", t("access_ended")); source.close(); });
    sendQueued();
  });
  document.body.addEventListener("htmx:sseError", () => setConnection("down", t("reconnecting")));
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

  const isOpen = (status) => status === "scheduled" || status === "in_progress";
  const sessionStatus = (status) => {
    root.dataset.status = status;
    const badge = document.getElementById("status-panel");
    if (badge && MESSAGES[`status_${status}`]) {
      badge.textContent = t(`status_${status}`);
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
      note.textContent = t("closed_now", { grace: root.dataset.grace });
      form.before(note);
      form.querySelectorAll("textarea, select, button").forEach((el) => { el.disabled = true; });
    } else if (isOpen(status) && form.dataset.closed) {
      delete form.dataset.closed;   // reopened by a head
      document.getElementById("closed-notice")?.remove();
      form.querySelectorAll("textarea, select, button").forEach((el) => { el.disabled = false; });
    }
  };

  // ---- the newest entry stays in view ----------------------------------------
  // While the member is at the end of the record, each new row (theirs or
  // another console's) is scrolled into view just above the capture box. Once
  // they have scrolled up to read, new rows do not move the page: a button
  // says how many arrived and brings them back to the end.
  const newEntries = document.getElementById("new-entries");
  const newest = () => pendingList.lastElementChild || timeline.lastElementChild;
  // the top of what covers the end of the record: the sticky capture box, or the window's bottom
  const coverTop = () => document.getElementById("capture")?.getBoundingClientRect().top ?? window.innerHeight;
  const newestVisible = () => {
    const row = newest();
    if (!row) return true;
    const box = row.getBoundingClientRect();
    return box.bottom <= coverTop() + 2 && box.bottom > 0;
  };
  let following = true;
  let unseen = 0;
  const showUnseen = () => {
    if (!newEntries) return;
    newEntries.hidden = unseen === 0;
    newEntries.textContent = unseen === 1 ? t("new_entries_one") : unseen ? t("new_entries_other", { n: unseen }) : "";
  };
  const showNewest = () => {
    const row = newest();
    if (row && !newestVisible()) {
      window.scrollBy({ top: row.getBoundingClientRect().bottom - coverTop() + 8, behavior: "instant" });
    }
    following = true;
    unseen = 0;
    showUnseen();
  };
  window.addEventListener("scroll", () => {
    following = newestVisible();
    if (following && unseen) { unseen = 0; showUnseen(); }
  }, { passive: true });
  const rowsAdded = (records) => records.reduce((n, r) =>
    n + [...r.addedNodes].filter((x) => x.nodeName === "LI").length - [...r.removedNodes].filter((x) => x.nodeName === "LI").length, 0);
  // rows put above the others ("Show earlier entries") are not new: only rows added at the end count
  new MutationObserver((records) => {
    const added = rowsAdded(records.filter((r) => !r.nextSibling));
    if (added <= 0) return;
    if (following) showNewest();
    else { unseen += added; showUnseen(); }
  }).observe(timeline, { childList: true });
  // the member's own lines are always shown as they type them
  new MutationObserver((records) => { if (rowsAdded(records) > 0) showNewest(); }).observe(pendingList, { childList: true });
  newEntries?.addEventListener("click", () => {
    showNewest();
    document.getElementById("capture-text")?.focus({ preventScroll: true });
  });
  // A link to an entry older than the rows shown (from search, the minutes)
  // opens the console around that entry instead.
  const linked = /^#entry-([0-9a-f-]{36})$/.exec(window.location.hash);
  const params = new URLSearchParams(window.location.search);
  if (linked && !document.getElementById(`entry-${linked[1]}`) && params.get("around") !== linked[1]) {
    params.set("around", linked[1]);
    window.location.replace(`${window.location.pathname}?${params}${window.location.hash}`);
  }
  // "Show earlier entries" puts rows above the others without moving what
  // the member sees (the newest row stays where it was), and keeps the
  // keyboard on the control, now above the rows it brought.
  const earlierRequest = (event) => event.detail.pathInfo?.requestPath?.includes("/earlier?");
  let kept = null;
  document.body.addEventListener("htmx:beforeSwap", (event) => {
    if (!earlierRequest(event)) return;
    const row = timeline.lastElementChild;
    kept = row && { row, top: row.getBoundingClientRect().top };
  });
  document.body.addEventListener("htmx:afterSwap", (event) => {
    if (!earlierRequest(event) || !kept) return;
    window.scrollBy({ top: kept.row.getBoundingClientRect().top - kept.top, behavior: "instant" });
    kept = null;
    document.querySelector("#earlier-entries button")?.focus({ preventScroll: true });
  });
  if (linked && document.getElementById(`entry-${linked[1]}`)) {
    following = false;
    document.getElementById(`entry-${linked[1]}`).scrollIntoView({ block: "center" });
  } else {
    window.addEventListener("load", showNewest);
    showNewest();
  }

  // ---- offline ----------------------------------------------------------------
  // A service worker keeps this page and its assets, so that a reload without
  // a network (or while the server is down) shows the console again, with the
  // queue and the draft kept in this browser.
  if ("serviceWorker" in navigator && root.dataset.serviceWorker) {
    const controlled = Boolean(navigator.serviceWorker.controller);   // then this load went through it, and is kept
    navigator.serviceWorker.register(root.dataset.serviceWorker, { scope: "/sessions/" }).then(() =>
      navigator.serviceWorker.ready).then((registration) => {
      if (controlled) return;
      const assets = [...document.querySelectorAll("script[src], link[rel=stylesheet]")].map((el) => el.src || el.href);
      registration.active?.postMessage({ keep: [window.location.pathname, ...assets] });
    }).catch(() => { /* no worker (a private window, say): the console works, without the offline copy */ });
    // Signing out from here leaves no copy of the console in this browser.
    document.querySelector("form[action$='/logout/']")?.addEventListener("submit", () => {
      window.caches?.delete("verbatim-console-v1");
    });
  }

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
  const describe = (item) => `${item.kindLabel}${item.speaker ? " · " + item.speaker : ""}${item.visibility === "internal" ? " · " + t("internal_line") : ""}`;

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
    row.querySelector(".meta").textContent = `${describe(item)} · ${t(`state_${state}`)}`;
    return row;
  };

  const showQueue = (offline) => {
    if (!queueStatus) return;
    const n = queue.length;
    queueStatus.textContent = n ? t(offline ? "queue_offline" : "queue_waiting", { n }) : "";
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
    b.textContent = t("copied");
    setTimeout(() => { b.textContent = t("copy"); }, 2000);
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
      meta.textContent = `${describe(item)}${item.captured_at ? " · " + t("typed_at", { time: typedAt(item) }) : ""}`;
      const text = document.createElement("p");
      text.className = "text";
      text.dir = "auto";
      text.textContent = item.text;
      const reason = document.createElement("p");
      reason.className = "error small";
      reason.textContent = item.detail;
      const actions = document.createElement("div");
      actions.className = "tray-actions";
      const copy = button(t("copy"), () => copyText(item, text, copy));
      actions.append(copy);
      if (isOpen(root.dataset.status)) {
        actions.append(button(t("send_again"), () => {
          removeFromTray(item);
          enqueue({ ...item, client_id: crypto.randomUUID(), detail: undefined });
        }));
      }
      const remove = button(t("remove"), () => {
        if (remove.dataset.armed) {
          removeFromTray(item);
          showTray();
        } else {
          remove.dataset.armed = "1";
          remove.textContent = t("remove_confirm");
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
            signal: AbortSignal.timeout(10000),   // a server that stopped answering: try again
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
          else expectRow(body.id);
        } else {
          let detail = t("refused");
          try { detail = (await response.json()).detail || detail; } catch { /* keep the default */ }
          if (typeof detail !== "string") detail = t("refused_invalid");
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
  // Whatever else happens (a stream that does not reconnect, a timer the
  // browser delayed), lines waiting here are sent again every few seconds.
  setInterval(() => { if (queue.length) flush(); }, 5000);
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
    chipSpeaker.textContent = !speakerSelect.value ? t("no_speaker")
      : speakerApplies() ? label(speakerSelect) : t("no_speaker_here");
    chipVisibility.textContent = visibilitySelect.value === "internal" ? t("chip_internal") : t("chip_record");
    chipVisibility.dataset.internal = visibilitySelect.value === "internal" ? "1" : "";
    form.classList.toggle("internal", visibilitySelect.value === "internal");
  };
  // The speaker picker follows the participants drawn in the attendance panel.
  const syncSpeakers = () => {
    const known = new Set([...speakerSelect.options].map((o) => o.value));
    for (const person of participants()) {
      if (known.has(person.name)) continue;
      const option = document.createElement("option");
      option.value = person.name;
      option.dataset.party = person.party;
      option.textContent = `${person.name} (${person.label})`;
      speakerSelect.append(option);
    }
  };
  document.body.addEventListener("htmx:afterSettle", syncSpeakers);
  [kindSelect, speakerSelect, visibilitySelect].forEach((s) => s.addEventListener("change", () => {
    if (s === speakerSelect) namedInLine = Boolean(speakerSelect.value);   // picked by hand for this line
    showChips();
    input.focus();
  }));

  const normalise = (s) => s.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();
  const speakersFor = (prefix) => {
    const p = normalise(prefix);
    return participants().filter((person) =>
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
      hint.textContent = t("hint_kept", { word: unmatched });
    } else if (pending && pending[1] !== "-") {
      const found = speakersFor(pending[1]);
      const person = found[cycle % found.length];
      hint.textContent = found.length
        ? t(found.length > 1 ? "hint_pick_next" : "hint_pick", { name: person.name, party: person.label })
        : t("hint_none");
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
  // (a button the answer replaced, like "Record a formulation", is no longer in the page: its target is)
  const byTheUser = (detail) => Boolean(detail.requestConfig?.triggeringEvent?.isTrusted) &&
    (root.contains(detail.requestConfig.elt) || (!detail.requestConfig.elt.isConnected && root.contains(detail.target)));
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

  // ---- the formulation form: the point by search, the language by script ------------
  // The point is typed, not preselected: "3", "nav" or "3. Navigation", picked
  // from the suggestions; a title that matches no point opens a new one, and
  // the hint says which it will be. The language follows the script of the
  // words (Cyrillic ru, Arabic ar, Han zh; Latin the language last used for
  // Latin words in this console, else the negotiation's first working
  // language) until the member types a language. The server checks both.
  const languageKey = `verbatim:latin-language:${session}`;
  const SCRIPTS = [["ru", /\p{Script=Cyrillic}/gu], ["ar", /\p{Script=Arabic}/gu], ["zh", /\p{Script=Han}/gu], ["latin", /\p{Script=Latin}/gu]];
  const scriptOf = (text) => {
    let best = null;
    let most = 0;
    for (const [name, pattern] of SCRIPTS) {
      const n = (text.match(pattern) || []).length;
      if (n > most) { best = name; most = n; }
    }
    return best;
  };
  const pointFor = (form) => {
    const typed = form.elements.point_search.value.trim();
    const options = [...form.querySelectorAll("#point-choices option")];
    const same = (a, b) => a.localeCompare(b, undefined, { sensitivity: "accent" }) === 0;
    const match = options.find((o) => same(o.value, typed)) ||
      (/^\d+\.?$/.test(typed) ? options.find((o) => o.value.startsWith(`${parseInt(typed, 10)}. `)) : null) ||
      options.find((o) => same(o.value.replace(/^\d+\.\s*/, ""), typed));
    return { typed, match };
  };
  const showPoint = (form) => {
    const { typed, match } = pointFor(form);
    form.elements.point.value = match ? match.dataset.point : typed ? "new" : "";
    form.elements.point_title.value = match ? "" : typed;
    const hintEl = form.querySelector("#point-hint");
    if (!hintEl) return;
    if (match) {
      const [, number, title] = /^(\d+)\.\s*(.*)$/s.exec(match.value) || [null, "", match.value];
      hintEl.textContent = t("point_existing", { number, title });
    } else {
      hintEl.textContent = typed ? t("point_new", { title: typed }) : t("point_empty");
    }
  };
  const guessLanguage = (form) => {
    const language = form.elements.language;
    if (!language || language.dataset.typed) return;
    const script = scriptOf(form.elements.text.value);
    if (!script) return;
    const value = script === "latin"
      ? localStorage.getItem(languageKey) || language.dataset.firstLanguage || language.value
      : script;
    if (value !== language.value) {
      language.value = value;
      const hintEl = form.querySelector("#language-hint");
      if (hintEl) hintEl.textContent = t("language_from_script");
    }
  };
  const formulationForm = (el) => el?.closest?.(".formulation-form");
  root.addEventListener("input", (event) => {
    const form = formulationForm(event.target);
    if (!form) return;
    const name = event.target.name;
    if (name === "point_search") showPoint(form);
    else if (name === "text") guessLanguage(form);
    else if (name === "language") event.target.dataset.typed = "1";
  });
  // An open form keeps its place while the panel is redrawn around it; its
  // suggestions follow the points the panel now shows (opened by anyone).
  const refreshPoints = (form) => {
    const list = form.querySelector("#point-choices");
    const shown = [...document.querySelectorAll("#formulations-panel .point-block h3[data-point]")];
    if (!list || !shown.length) return;
    list.replaceChildren(...shown.map((h) => {
      const option = document.createElement("option");
      option.value = h.textContent.trim();
      option.dataset.point = h.dataset.point;
      return option;
    }));
  };
  document.body.addEventListener("htmx:afterSettle", () => {
    for (const form of root.querySelectorAll(".formulation-form")) {
      refreshPoints(form);
      showPoint(form);
      if (!form.dataset.ready) guessLanguage(form);
      form.dataset.ready = "1";
    }
  });
  document.body.addEventListener("htmx:configRequest", (event) => {
    const form = formulationForm(event.detail.elt);
    if (!form || event.detail.verb !== "post") return;
    showPoint(form);
    event.detail.parameters.point = form.elements.point.value;
    event.detail.parameters.point_title = form.elements.point_title.value;
    if (scriptOf(form.elements.text.value) === "latin" && form.elements.language.value.trim()) {
      localStorage.setItem(languageKey, form.elements.language.value.trim());
    }
  });

  if (!isOpen(root.dataset.status)) sessionStatus(root.dataset.status);
  applyPrefixes();
  input.focus();
})();
