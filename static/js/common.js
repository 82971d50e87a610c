/* Crisis Drill shared client code: connection + catch-up protocol, scenario clock, reliable sends,
   safe DOM building. Pushed text is only ever rendered with textContent (see el()). No framework. */
(function () {
  "use strict";

  /** Build a DOM element. attrs: {class, dataset:{}, text, on:{click: fn}, ...plain attributes}. */
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = String(value);
      else if (key === "dataset") Object.assign(node.dataset, value);
      else if (key === "on") for (const [ev, fn] of Object.entries(value)) node.addEventListener(ev, fn);
      else if (key === "style") Object.assign(node.style, value);
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function pad(n) { return String(Math.floor(n)).padStart(2, "0"); }

  /** Scenario seconds as HH:MM:SS (or MM:SS under an hour when short=true). */
  function fmtClock(seconds, short) {
    const s = Math.max(0, Math.floor(seconds));
    const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    return short && h === 0 ? `${pad(m)}:${pad(r)}` : `${pad(h)}:${pad(m)}:${pad(r)}`;
  }

  /** Seconds as a short duration: 2m10s, 45s, 1h05m. */
  function fmtDuration(seconds) {
    const s = Math.max(0, Math.round(seconds));
    const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    if (h) return `${h}h${pad(m)}m`;
    if (m) return r ? `${m}m${pad(r)}s` : `${m}m`;
    return `${r}s`;
  }

  /** Compact follower/like counts: 1.2k, 3.4M. */
  function fmtCount(n) {
    if (n >= 1e6) return (n / 1e6).toFixed(n >= 1e7 ? 0 : 1) + "M";
    if (n >= 1e3) return (n / 1e3).toFixed(n >= 1e4 ? 0 : 1) + "k";
    return String(Math.round(n));
  }

  /** The scenario clock, run locally between server pushes. */
  class ScenarioClock {
    constructor() { this.set({ status: "draft", speed: 1, scenario_s: 0, server_at_ms: Date.now(), duration_s: 0 }); }
    set(clock) {
      this.status = clock.status; this.speed = clock.speed; this.base_s = clock.scenario_s;
      this.duration_s = clock.duration_s ?? this.duration_s;
      // Anchor on the local clock at reception: immune to skew between the server and this device.
      this.anchor_ms = performance.now();
    }
    /** Current scenario seconds. */
    now() {
      if (this.status !== "running") return this.base_s;
      return this.base_s + ((performance.now() - this.anchor_ms) / 1000) * this.speed;
    }
  }

  /** Reply-window state: answered | open | amber (≤ 50 % left) | red (≤ 20 % left) | overdue. */
  function windowState(deliveredS, withinS, nowS, answered) {
    if (answered) return { state: "answered", left_s: 0 };
    const left = deliveredS + withinS - nowS;
    if (left <= 0) return { state: "overdue", left_s: left };
    if (left <= withinS * 0.2) return { state: "red", left_s: left };
    if (left <= withinS * 0.5) return { state: "amber", left_s: left };
    return { state: "open", left_s: left };
  }

  /** Likes and shares of a post: grow with the author's reach and the post's age (scenario time),
      saturating; severity makes a post travel further. Deterministic per post. */
  function reach(followers, severity, ageS, seed) {
    const jitter = 0.75 + (hash(seed) % 50) / 100;
    const audience = Math.sqrt(Math.max(followers, 50)) * (1 + severity) * jitter;
    const grown = 1 - Math.exp(-Math.max(ageS, 0) / 600);
    return { likes: Math.round(audience * 4 * grown), shares: Math.round(audience * 1.3 * grown) };
  }

  function hash(text) {
    let h = 0;
    for (const c of String(text)) h = (h * 31 + c.charCodeAt(0)) >>> 0;
    return h;
  }

  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return Date.now().toString(36) + Math.random().toString(36).slice(2, 12);
  }

  /**
   * Connect to a namespace and keep the screen in step with the server.
   * handlers.onSnapshot(snapshot) on first load and whenever the client is too far behind;
   * handlers.onItems(items) for new items (deduplicated, in seq order);
   * handlers.onClock(clock); handlers.onConnection(state) with "online" | "offline".
   */
  function connect(namespace, handlers) {
    const socket = io(namespace, { transports: ["websocket", "polling"], reconnectionDelayMax: 4000 });
    let lastSeq = 0;
    let loaded = false;
    const clock = new ScenarioClock();

    function apply(items) {
      const fresh = (items || []).filter((i) => i.seq > lastSeq).sort((a, b) => a.seq - b.seq);
      for (const item of fresh) lastSeq = Math.max(lastSeq, item.seq);
      if (fresh.length && handlers.onItems) handlers.onItems(fresh);
    }

    // Pushes that arrive while a sync is unanswered (or after one failed) wait for it: applied first, a
    // newer push would raise lastSeq past the older items the sync returns, and those would be dropped.
    let syncing = 0;
    let behind = false;
    const held = [];

    function sync() {
      syncing += 1;
      socket.timeout(10000).emit("sync", { after_seq: loaded ? lastSeq : 0 }, (err, reply) => {
        syncing -= 1;
        behind = Boolean(err || !reply || !reply.ok);
        if (behind) {
          // No answer, or the database away for a moment: ask again (a reconnection syncs too).
          if (err || !reply || reply.retryable) setTimeout(() => { if (socket.connected) sync(); }, 2000);
          else if (handlers.onError) handlers.onError(reply.error);
          return;
        }
        if (reply.snapshot) {
          loaded = true;
          lastSeq = 0;
          clock.set(reply.snapshot.clock);
          if (handlers.onSnapshot) handlers.onSnapshot(reply.snapshot, clock);
          apply(reply.snapshot.items);
          lastSeq = Math.max(lastSeq, reply.snapshot.last_seq);
        } else {
          clock.set(reply.clock);
          if (handlers.onClock) handlers.onClock(reply.clock, clock);
          apply(reply.items);
          lastSeq = Math.max(lastSeq, reply.last_seq);
        }
        const syncedAt = (reply.snapshot ? reply.snapshot.clock : reply.clock).server_at_ms;
        if (!syncing) for (const message of held.splice(0)) onPush(message, syncedAt);
      });
    }

    function onPush(message, syncedAt) {
      // A held push may carry an older clock than the sync's: keep the fresher one.
      if (message.clock && !(message.clock.server_at_ms < syncedAt)) {
        clock.set(message.clock);
        if (handlers.onClock) handlers.onClock(message.clock, clock);
      }
      apply(message.items);
    }

    socket.on("connect", () => { if (handlers.onConnection) handlers.onConnection("online"); sync(); });
    socket.on("disconnect", () => { if (handlers.onConnection) handlers.onConnection("offline"); });
    socket.on("connect_error", (err) => {
      if (handlers.onConnection) handlers.onConnection("offline");
      // Refused for a moment (the server's database is unavailable): socket.io never retries a refusal.
      if (!socket.active && err && err.data && err.data.retryable) setTimeout(() => socket.connect(), 2000);
    });
    socket.on("push", (message) => { if (syncing || behind) held.push(message); else onPush(message); });
    socket.on("clock", (message) => {
      clock.set(message.clock);
      if (handlers.onClock) handlers.onClock(message.clock, clock);
      if (message.last_seq > lastSeq) sync();  // something happened that this screen did not get
    });
    // The server's message queue was down: pushes may have been lost although this socket stayed up,
    // and a later push may have arrived since, so reload the whole screen state (a snapshot).
    socket.on("catch_up", () => { loaded = false; sync(); });
    socket.on("session_ended", (message) => { if (handlers.onError) handlers.onError(message.error); socket.disconnect(); });

    /** Emit a command and resolve with its acknowledgement ({ok, ...} or {ok:false, error}). */
    function command(name, payload, timeoutMs) {
      return new Promise((resolve) => {
        socket.timeout(timeoutMs || 10000).emit(name, payload || {}, (err, reply) => {
          resolve(err ? { ok: false, error: "No answer from the server: check the connection and try again.", retryable: true } : reply);
        });
      });
    }

    return { socket, clock, command, sync, lastSeq: () => lastSeq };
  }

  /**
   * An outbox that keeps unacknowledged commands in localStorage and re-sends them (same payload,
   * same idempotency key) until the server acknowledges them: nothing typed is lost on a network cut,
   * a server restart or a page reload.
   */
  class Outbox {
    constructor(connection, storageKey, onChange) {
      this.connection = connection; this.storageKey = storageKey; this.onChange = onChange || (() => {});
      this.pending = JSON.parse(localStorage.getItem(storageKey) || "[]");
      this.sending = false;
      connection.socket.on("connect", () => this.flush());
      setInterval(() => this.flush(), 5000);
    }
    save() { localStorage.setItem(this.storageKey, JSON.stringify(this.pending)); this.onChange(this.pending); }
    /** Queue a command; resolves with the server's acknowledgement (never with a transport error). */
    send(name, payload) {
      const entry = { name, payload, queued_at: Date.now() };
      this.pending.push(entry); this.save();
      return new Promise((resolve) => { entry.resolve = resolve; this.flush(); });
    }
    async flush() {
      if (this.sending || !this.connection.socket.connected) return;
      this.sending = true;
      try {
        while (this.pending.length && this.connection.socket.connected) {
          const entry = this.pending[0];
          const reply = await this.connection.command(entry.name, entry.payload);
          if (!reply.ok && reply.retryable) break;  // keep it; try again later
          this.pending.shift(); this.save();
          if (entry.resolve) entry.resolve(reply);
          else if (this.onSettled) this.onSettled(entry, reply);
        }
      } finally { this.sending = false; }
    }
  }

  /** Characters as the server counts them (Python's len(): code points), where maxlength counts UTF-16
      units (an emoji is two). With spaces="collapse", runs of whitespace count as one space and the ends
      not at all, as the server stores names. */
  function charCount(text, spaces) {
    const value = spaces === "collapse" ? String(text).trim().split(/\s+/).join(" ") : String(text);
    return [...value].length;
  }

  /**
   * Fields with data-max-chars="N" (names: N is the server's limit) are invalid past N characters as the
   * server counts them, with the page's translated data-max-chars-message (data-max-chars-spaces:
   * see charCount). Their maxlength is 2 × N, the UTF-16 worst case, so the browser never cuts first.
   */
  const limited = new WeakSet();
  function limitChars(root) {
    for (const field of (root || document).querySelectorAll("input[data-max-chars], textarea[data-max-chars]")) {
      const max = Number(field.dataset.maxChars);
      if (!Number.isFinite(max) || limited.has(field)) continue;
      limited.add(field);
      const check = () => {
        const over = charCount(field.value, field.dataset.maxCharsSpaces) > max;
        field.setCustomValidity(over ? field.dataset.maxCharsMessage || `≤ ${max}` : "");
      };
      field.addEventListener("input", check);
      check();  // a value the server sent back (a form shown again with its error)
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", () => limitChars());
  else limitChars();

  window.CrisisDrill = {
    el, fmtClock, fmtDuration, fmtCount, ScenarioClock, windowState, reach, newKey, connect, Outbox, hash,
    charCount, limitChars,
  };
})();
