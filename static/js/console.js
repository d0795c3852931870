// The note-taker's console: keyboard capture, a local queue that survives
// reloads and outages, and the live stream's bookkeeping.
(() => {
  "use strict";
  const root = document.querySelector("[data-console]");
  if (!root) return;

  const session = root.dataset.session;
  const draftKey = `verbatim:draft:${session}`;
  const queueKey = `verbatim:queue:${session}`;
  const failedKey = `verbatim:failed:${session}`;
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
    if (!lastEventId) return url;
    const u = new URL(url, window.location.href);
    u.searchParams.set("cursor", lastEventId);
    return u.pathname + u.search;
  };
  const installEventSourceFactory = () => {
    if (!window.htmx) return;
    window.htmx.createEventSource = (url) => new EventSource(streamUrl(url), { withCredentials: true });
  };
  installEventSourceFactory();

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
    flush();
  });
  document.body.addEventListener("htmx:sseError", () => setConnection("down", "reconnecting…"));
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
  const sessionStatus = (status) => {
    root.dataset.status = status;
    const badge = document.getElementById("status-panel");
    if (badge && STATUS_LABELS[status]) {
      badge.textContent = STATUS_LABELS[status];
      badge.className = `badge status-${status}`;
    }
    if (status !== "scheduled" && status !== "in_progress") {
      const form = document.getElementById("capture");
      if (form && !form.dataset.closed) {
        form.dataset.closed = "1";
        const note = document.createElement("p");
        note.className = "notice";
        note.textContent = "This session is now closed; it accepts no more entries. Reload to see the final record.";
        form.before(note);
        form.querySelectorAll("textarea, select, button").forEach((el) => { el.disabled = true; });
      }
    }
  };

  // ---- capture -------------------------------------------------------------
  const form = document.getElementById("capture");
  if (!form) return;
  const input = document.getElementById("capture-text");
  const kindSelect = document.getElementById("capture-kind");
  const speakerSelect = document.getElementById("capture-speaker");
  const visibilitySelect = document.getElementById("capture-visibility");
  const chipKind = document.getElementById("chip-kind");
  const chipSpeaker = document.getElementById("chip-speaker");
  const chipVisibility = document.getElementById("chip-visibility");
  const hint = document.getElementById("speaker-hint");
  const queueStatus = document.getElementById("queue-status");
  const KINDS = { s: "statement", p: "proposal", q: "question", a: "action_item", d: "decision", o: "observation", n: "note" };

  const load = (key) => { try { return JSON.parse(localStorage.getItem(key) || "[]"); } catch { return []; } };
  const store = (key, value) => localStorage.setItem(key, JSON.stringify(value));
  let queue = load(queueKey);

  const label = (select) => select.options[select.selectedIndex].textContent;
  const showChips = () => {
    chipKind.textContent = label(kindSelect);
    chipKind.dataset.kind = kindSelect.value;
    chipSpeaker.textContent = speakerSelect.value ? label(speakerSelect) : "No speaker";
    chipVisibility.textContent = visibilitySelect.value === "internal" ? "Internal" : "Shared record";
    chipVisibility.dataset.internal = visibilitySelect.value === "internal" ? "1" : "";
    form.classList.toggle("internal", visibilitySelect.value === "internal");
  };
  [kindSelect, speakerSelect, visibilitySelect].forEach((s) => s.addEventListener("change", () => { showChips(); input.focus(); }));

  const normalise = (s) => s.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();
  const speakersFor = (prefix) => {
    const p = normalise(prefix);
    return participants.filter((person) =>
      normalise(person.name).split(/\s+/).some((word) => word.startsWith(p)) || normalise(person.name).startsWith(p));
  };
  let cycle = 0;

  // Prefixes at the start of the line set kind, visibility and speaker; they
  // are not part of the recorded words.
  const applyPrefixes = () => {
    let text = input.value;
    let changed = true;
    while (changed) {
      changed = false;
      let m = /^\/([spqadon])\s/.exec(text);
      if (m) { kindSelect.value = KINDS[m[1]]; text = text.slice(m[0].length); changed = true; continue; }
      m = /^\/i\s/.exec(text);
      if (m) { visibilitySelect.value = visibilitySelect.value === "internal" ? "record" : "internal"; text = text.slice(m[0].length); changed = true; continue; }
      m = /^@(\S+)\s/.exec(text);
      if (m) {
        if (m[1] === "-") { speakerSelect.value = ""; }
        else {
          const found = speakersFor(m[1]);
          if (found.length) speakerSelect.value = found[cycle % found.length].name;
        }
        text = text.slice(m[0].length); changed = true; cycle = 0;
      }
    }
    if (text !== input.value) { input.value = text; }
    const pending = /^@(\S+)$/.exec(text);
    if (pending && pending[1] !== "-") {
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
      showChips();
    }
  });
  form.addEventListener("submit", (event) => { event.preventDefault(); submit(); });

  const pendingRow = (item, state, message) => {
    let row = document.getElementById(`pending-${item.client_id}`);
    if (!row) {
      row = document.createElement("li");
      row.id = `pending-${item.client_id}`;
      row.className = "entry pending";
      row.innerHTML = '<span class="seq">…</span><span class="time"></span><div class="body"><div class="meta"></div><p class="text" dir="auto"></p></div>';
      row.querySelector(".text").textContent = item.text;
      pendingList.append(row);
    }
    row.dataset.state = state;
    const meta = row.querySelector(".meta");
    const words = { queued: "waiting to be sent", sending: "sending…", saved: "saved", failed: "not stored" };
    meta.textContent = `${item.kindLabel}${item.speaker ? " · " + item.speaker : ""}${item.visibility === "internal" ? " · internal" : ""} · ${words[state]}`;
    if (state === "failed") {
      const note = document.createElement("p");
      note.className = "error";
      note.textContent = message;
      const back = document.createElement("button");
      back.type = "button";
      back.className = "link small";
      back.textContent = "Put the text back in the input";
      back.addEventListener("click", () => {
        input.value = item.text + (input.value ? "\n" + input.value : "");
        localStorage.setItem(draftKey, input.value);
        store(failedKey, load(failedKey).filter((f) => f.client_id !== item.client_id));
        row.remove();
        input.focus();
      });
      row.querySelector(".body").append(note, back);
    }
    return row;
  };

  const showQueue = (offline) => {
    const n = queue.length;
    queueStatus.textContent = n ? `${n} waiting to be sent${offline ? " · offline, retrying" : ""}` : "";
    queueStatus.dataset.offline = offline ? "1" : "";
  };

  function submit() {
    applyPrefixes();
    const text = input.value;
    if (!text.trim() || form.dataset.closed) return;
    const option = speakerSelect.options[speakerSelect.selectedIndex];
    const item = {
      client_id: crypto.randomUUID(),
      text,
      kind: kindSelect.value,
      kindLabel: label(kindSelect),
      speaker: speakerSelect.value || null,
      party: speakerSelect.value ? option.dataset.party : null,
      visibility: visibilitySelect.value,
    };
    queue.push(item);
    store(queueKey, queue);   // safe in the browser before the input is cleared
    input.value = "";
    localStorage.removeItem(draftKey);
    kindSelect.value = "note";
    visibilitySelect.value = "record";
    showChips();
    pendingRow(item, "queued");
    showQueue(false);
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
            }),
          });
        } catch {
          response = null;
        }
        if (!response || response.status >= 500 || response.status === 429) {
          pendingRow(item, "queued");
          showQueue(true);
          retryTimer = setTimeout(flush, retryDelay);
          retryDelay = Math.min(retryDelay * 2, 8000);
          return;
        }
        retryDelay = 500;
        queue.shift();
        store(queueKey, queue);
        if (response.ok) {
          const body = await response.json();
          const row = pendingRow(item, "saved");
          if (document.getElementById(`entry-${body.id}`)) row.remove();
        } else {
          let detail = "The server refused this entry.";
          try { detail = (await response.json()).detail || detail; } catch { /* keep the default */ }
          if (typeof detail !== "string") detail = "The entry was not accepted; check it and send it again.";
          store(failedKey, [...load(failedKey), { ...item, detail }]);
          pendingRow(item, "failed", detail);
        }
      }
      showQueue(false);
    } finally {
      flushing = false;
    }
  }

  window.addEventListener("online", flush);
  for (const item of queue) pendingRow(item, "queued");
  for (const item of load(failedKey)) pendingRow(item, "failed", item.detail);
  showQueue(false);
  applyPrefixes();
  flush();
  input.focus();
})();
