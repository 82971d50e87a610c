/* Facilitator console: drives the exercise (lifecycle, injects, role-play, messages, options,
   automatic reactions, roles) and watches the teams (lobby, public mood, drafts awaiting approval, live
   wall of replies, overdue posts, escalations, observer notes).

   The screen is a pure function of the snapshot plus the items applied in seq order (common.js does
   the ordering and catch-up). Items only update `state` and mark what changed as dirty; `flush()`
   then rebuilds just those pieces (a timeline row, a wall group, a team card), keeping the keyboard
   focus and open menus. Everything that depends on the passing of time (clock, countdowns, overdue
   counts) is refreshed by the 250 ms tick instead. All untrusted text goes through el()/textContent. */
(function () {
  "use strict";

  const { el, fmtClock, fmtDuration, windowState } = window.CrisisDrill;
  const root = document.getElementById("console");
  if (!root) return;

  const LANG = root.dataset.lang === "fr" ? "fr" : "en";
  const ROLE = root.dataset.role;
  const DRIVES = ROLE === "owner" || ROLE === "facilitator";
  const PAGE_TEAMS = JSON.parse(root.dataset.teams || "[]");
  const LIST_MAX = 4;  // unanswered posts listed on a team card
  const CHANNELS = ["microblog", "social", "news", "email", "phone", "memo"];
  const PERSONA_KINDS = ["public", "customer", "journalist", "influencer", "troll", "employee", "activist", "official", "investor"];

  // --- strings -----------------------------------------------------------------------------------

  // In the page's language, from the server's catalog (simulator/web/js_strings.py), as data-i18n JSON.
  const STRINGS = JSON.parse(root.dataset.i18n || "{}");

  function t(key, vars) {
    let text = STRINGS[key] ?? key;
    if (vars) text = text.replace(/\{(\w+)\}/g, (m, name) => (vars[name] ?? m));
    return text;
  }

  function excerpt(text, max) {
    const s = String(text || "").replace(/\s+/g, " ").trim();
    return s.length > max ? s.slice(0, max - 1) + "…" : s;
  }

  // --- state -------------------------------------------------------------------------------------

  let state;
  function emptyState() {
    return {
      duration: 0,
      teams: new Map(),        // slot → {slot, name, join_code, join_url, qr_url, members: Map(id → name)}
      personas: new Map(),     // id → persona payload
      injects: new Map(),      // inject_id → definition (snapshot injects, plus ad-hoc ones seen live)
      triggers: new Map(),     // inject_id → escalation rules that fire it
      skipped: new Set(), held: new Set(),
      deliveries: new Map(),   // inject_id → Map(team → inject item)
      groupSeq: new Map(),     // wall group key ("" = standalone posts) → seq that created it
      replies: new Map(),      // reply_id → reply item
      groupReplies: new Map(), // group key → [reply items]
      answered: new Set(),     // "inject|team" with at least one reply
      lastReply: new Map(),    // team → published_s
      replyCount: new Map(),   // team → number of replies
      followups: new Map(),    // reply_id → [ad-hoc inject items answering it]
      escalations: [],
      escByTarget: new Map(),  // "inject|team" → escalation item
      notes: [],
      notesByReply: new Map(),
      messages: [],
      showReplies: false,
      options: { chain_of_command: false, mood_visible: false, reactions: true },
      roles: ["community_manager", "lead", "spokesperson"],
      moods: new Map(),        // team → {value, rising, heating: [inject ids]} (the console's latest)
      moodsAt: -Infinity,      // server_at_ms of the clock that came with those moods
      reactions: new Map(),    // reaction_id → latest reaction item
      reactionsByReply: new Map(), // reply_id → Set(reaction_id)
      drafts: new Map(),       // draft_id → draft item, plus `review` (its draft_review item, once reviewed)
    };
  }

  const dirty = { rows: new Set(), groups: new Set(), cards: new Set(), timeline: false, cardsAll: false,
    teamPicks: false, personas: false, escalations: false, notes: false, messages: false,
    reactions: false, options: false, moods: false };

  function teamName(slot) { return state.teams.get(slot)?.name || slot; }
  function slots() { return [...state.teams.keys()]; }

  function targetSlots(def) {
    if (def.to === "all") return slots();
    if (Array.isArray(def.to)) return def.to.filter((s) => state.teams.has(s));
    return [...(state.deliveries.get(def.inject_id)?.keys() || [])];
  }

  function groupKey(injectId) { return injectId || ""; }

  function addTeam(team) {
    const page = PAGE_TEAMS.find((p) => p.slot === team.slot || p.join_code === team.join_code) || {};
    const known = state.teams.get(team.slot);
    state.teams.set(team.slot, {
      slot: team.slot, name: team.name, join_code: team.join_code,
      join_url: page.join_url || `${location.origin}/join/${encodeURIComponent(team.join_code)}`,
      qr_url: page.qr_url || guessQrUrl(team.slot, team.join_code),
      members: known ? known.members : new Map(),
    });
  }

  // A team added after the page loaded is not in the page data: derive its QR link from a sibling's.
  function guessQrUrl(slot, code) {
    for (const [field, value] of [["slot", slot], ["join_code", code]]) {
      const model = PAGE_TEAMS.find((p) => p.qr_url && p[field] && p.qr_url.includes(`/${p[field]}`));
      if (model) return model.qr_url.replace(`/${model[field]}`, `/${encodeURIComponent(value)}`);
    }
    return null;
  }

  function addPersona(persona) {
    if (persona && persona.id && !state.personas.has(persona.id)) {
      state.personas.set(persona.id, persona);
      dirty.personas = true;
    }
  }

  function loadSnapshot(snap) {
    state = emptyState();
    state.duration = snap.clock?.duration_s || 0;
    for (const team of snap.teams || []) addTeam(team);
    for (const persona of snap.personas || []) addPersona(persona);
    for (const def of snap.injects || []) {
      state.injects.set(def.inject_id, { ...def, adhoc: def.inject_id.startsWith("adhoc-") });
      for (const rule of def.escalates_to || []) {
        if (!state.triggers.has(rule.inject)) state.triggers.set(rule.inject, []);
        state.triggers.get(rule.inject).push({ ...rule, source: def.inject_id });
      }
    }
    state.skipped = new Set(snap.skipped || []);
    state.held = new Set(snap.held || []);
    state.showReplies = !!snap.projector_shows_replies;
    if (snap.options) state.options = { ...state.options, ...snap.options };
    if (Array.isArray(snap.roles) && snap.roles.length) state.roles = snap.roles;
    setMoods(snap.moods, snap.clock?.server_at_ms);
    document.getElementById("wall").replaceChildren();
    wallGroups.clear();
    Object.assign(dirty, { timeline: true, cardsAll: true, teamPicks: true, personas: true, escalations: true,
      notes: true, messages: true, reactions: true, options: true, moods: true });
  }

  function applyItem(item) {
    switch (item.kind) {
      case "inject": return onInject(item);
      case "reply": return onReply(item);
      case "participant": {
        const team = state.teams.get(item.team);
        if (team) team.members.set(item.participant_id, { name: item.display_name, role: item.role || "member" });
        dirty.cards.add(item.team);
        return;
      }
      case "participant_role": {
        const member = state.teams.get(item.team)?.members.get(item.participant_id);
        if (member) member.role = item.role;
        dirty.cards.add(item.team);
        return;
      }
      case "draft": state.drafts.set(item.draft_id, { ...item, review: null }); dirty.cards.add(item.team); return;
      case "draft_review": {
        const draft = state.drafts.get(item.draft_id);
        if (draft) draft.review = item;
        dirty.cards.add(item.team);
        return;
      }
      case "reaction": return onReaction(item);
      case "options": {
        state.options = { ...state.options, ...(item.options || {}) };
        dirty.options = true;
        dirty.cardsAll = true;  // roles and drafts show under a chain of command only
        dirty.reactions = true; // the "switched off" notice
        return;
      }
      case "message": state.messages.push(item); dirty.messages = true; return;
      case "escalation": {
        state.escalations.push(item);
        state.escByTarget.set(`${item.target_inject}|${item.team}`, item);
        dirty.escalations = true;
        dirty.rows.add(item.target_inject);
        dirty.cards.add(item.team);
        return;
      }
      case "inject_state": {
        if (item.change === "skipped") state.skipped.add(item.inject_id);
        if (item.change === "held") state.held.add(item.inject_id);
        if (item.change === "unheld") state.held.delete(item.inject_id);
        dirty.rows.add(item.inject_id);
        return;
      }
      case "note": {
        state.notes.push(item);
        if (item.reply_id) {
          if (!state.notesByReply.has(item.reply_id)) state.notesByReply.set(item.reply_id, []);
          state.notesByReply.get(item.reply_id).push(item);
          const reply = state.replies.get(item.reply_id);
          if (reply) dirty.groups.add(groupKey(reply.inject_id));
        }
        dirty.notes = true;
        return;
      }
      case "team": addTeam(item); dirty.cardsAll = true; dirty.teamPicks = true; dirty.timeline = true; return;
      case "projector": state.showReplies = !!item.show_replies; return;
      case "adhoc": return;  // its deliveries follow as inject items, which carry the content
      default: return;       // status: the clock object is the source of truth for status and speed
    }
  }

  function onInject(item) {
    const id = item.inject_id;
    let def = state.injects.get(id);
    if (!def) {
      // An ad-hoc inject posted after the snapshot: its first delivery describes it.
      def = { inject_id: id, channel: item.channel, persona: item.persona, subject: item.subject, text: item.text,
        expects_reply: item.expects_reply, reply_within_s: item.reply_within_s, severity: item.severity,
        at_s: null, to: null, adhoc: item.origin === "adhoc" || id.startsWith("adhoc-"), escalates_to: [] };
      state.injects.set(id, def);
      dirty.timeline = true;
    }
    if (item.origin === "reaction" && !def.reaction) { def.reaction = true; dirty.timeline = true; }
    addPersona(item.persona);
    if (!state.deliveries.has(id)) state.deliveries.set(id, new Map());
    state.deliveries.get(id).set(item.team, item);
    if (item.in_reply_to) {
      const list = state.followups.get(item.in_reply_to) || [];
      if (!list.some((f) => f.inject_id === id)) list.push(item);
      state.followups.set(item.in_reply_to, list);
      const target = state.replies.get(item.in_reply_to);
      if (target) dirty.groups.add(groupKey(target.inject_id));
    }
    if (def.expects_reply && !state.groupSeq.has(id)) state.groupSeq.set(id, item.seq);
    if (state.groupSeq.has(id)) dirty.groups.add(id);
    dirty.rows.add(id);
    dirty.cards.add(item.team);
  }

  function onReply(item) {
    if (state.replies.has(item.reply_id)) return;
    state.replies.set(item.reply_id, item);
    const key = groupKey(item.inject_id);
    if (!state.groupSeq.has(key)) state.groupSeq.set(key, item.seq);
    if (!state.groupReplies.has(key)) state.groupReplies.set(key, []);
    state.groupReplies.get(key).push(item);
    if (item.inject_id) state.answered.add(`${item.inject_id}|${item.team}`);
    state.lastReply.set(item.team, Math.max(state.lastReply.get(item.team) ?? -1, item.published_s));
    state.replyCount.set(item.team, (state.replyCount.get(item.team) || 0) + 1);
    if (live) {
      freshReplies.add(item.reply_id);
      setTimeout(() => freshReplies.delete(item.reply_id), 8000);
    }
    dirty.groups.add(key);
    if (item.inject_id) dirty.rows.add(item.inject_id);
    dirty.cards.add(item.team);
  }

  /** A reaction item is the reaction as it stands now (planned, held, suppressed, released): the latest wins. */
  function onReaction(item) {
    const id = item.reaction_id;
    const known = state.reactions.has(id);
    state.reactions.set(id, item);
    if (!state.reactionsByReply.has(item.reply_id)) state.reactionsByReply.set(item.reply_id, new Set());
    state.reactionsByReply.get(item.reply_id).add(id);
    const reply = state.replies.get(item.reply_id);
    if (reply) dirty.groups.add(groupKey(reply.inject_id));
    // A released reaction is also an inject (in the snapshot's list, or as its delivery): not a scenario one.
    const def = state.injects.get(id);
    if (def && !def.reaction) { def.reaction = true; dirty.timeline = true; }
    const ed = editing.get(id);
    if (ed && !PENDING.has(item.status)) {
      // Released or suppressed (by its time, or by a co-facilitator) while this screen was editing it.
      editing.delete(id);
      if (ed.text.trim() !== item.text) reactionNotes.set(id, t("r_edit_lost", { status: t(`r_${item.status}`) }));
    }
    if (live && !known) {
      freshReactions.add(id);
      setTimeout(() => freshReactions.delete(id), 8000);
    }
    dirtyReactions.add(id);
  }

  /** Teams' public moods: every team's from the snapshot or a clock, the teams a push concerns from
   * a push (`partial`, merged into the others). The freshest clock wins. */
  function setMoods(moods, at, partial = false) {
    if (!state || !moods || typeof moods !== "object") return;
    if (typeof at === "number") {
      if (at < state.moodsAt) return;  // a push held during a sync may be older than the sync's answer
      state.moodsAt = at;
    }
    const entries = Object.entries(moods);
    if (partial) {
      for (const [team, mood] of entries) state.moods.set(team, mood);
    } else {
      state.moods = new Map(entries);
    }
    dirty.moods = true;
  }

  // --- connection --------------------------------------------------------------------------------

  let live = false;               // false while a snapshot's items are replayed: no "new" highlights
  const freshReplies = new Set();
  let conn = null;

  function start() {
    state = emptyState();
    conn = window.CrisisDrill.connect("/facilitator", {
      onSnapshot(snap) {
        live = false;
        loaded = true;
        loadSnapshot(snap);
        setTimeout(() => { live = true; }, 0);  // the snapshot's items are applied synchronously after this
      },
      onItems(items) {
        for (const item of items) applyItem(item);
        flush();
      },
      onConnection(s) {
        const node = document.getElementById("connection");
        node.dataset.state = s;
        node.textContent = t(s);
      },
      onError(message) { showError(message); },
    });
    // The moods travel beside the items (in `clock` and `push` messages), which common.js does not pass on.
    for (const name of ["clock", "push"]) {
      conn.socket.on(name, (message) => {
        if (!loaded || !message || !message.moods) return;
        setMoods(message.moods, message.clock?.server_at_ms, name === "push");
        flush();
      });
    }
    setInterval(tick, 250);
    tick();
  }

  async function run(name, payload, button) {
    if (button) button.disabled = true;
    try {
      const reply = await conn.command(name, payload);
      if (!reply || !reply.ok) showError(reply?.error || "Error");
      return reply || { ok: false };
    } finally {
      if (button) button.disabled = false;
    }
  }

  let errorTimer = null;
  function showError(message) {
    const box = document.getElementById("console-error");
    document.getElementById("console-error-text").textContent = message;
    box.hidden = false;
    clearTimeout(errorTimer);
    errorTimer = setTimeout(() => { box.hidden = true; }, 15000);
  }
  document.getElementById("console-error-close").addEventListener("click", () => {
    document.getElementById("console-error").hidden = true;
  });

  // --- rendering helpers -------------------------------------------------------------------------

  /** Replace `old` by `fresh`, keeping keyboard focus and open <details> menus across the swap. */
  function swap(old, fresh) {
    const active = document.activeElement;
    const focusKey = old.contains(active) ? active.dataset.fkey : null;
    for (const details of old.querySelectorAll("details[data-fkey]")) {
      const twin = fresh.querySelector(`details[data-fkey="${CSS.escape(details.dataset.fkey)}"]`);
      if (twin) twin.open = details.open;
    }
    old.replaceWith(fresh);
    if (focusKey) fresh.querySelector(`[data-fkey="${CSS.escape(focusKey)}"]`)?.focus();
  }

  function channelTag(channel) {
    return el("span", { class: `chan chan-${channel}`, text: t(`ch_${channel}`) });
  }

  function avatar(persona) {
    const a = el("span", { class: "avatar", "aria-hidden": "true", text: persona?.avatar?.initials || "?" });
    a.style.backgroundColor = `hsl(${persona?.avatar?.hue ?? 210} 55% 38%)`;
    return a;
  }

  function personaLine(persona) {
    return el("span", { class: "persona" },
      avatar(persona),
      el("span", { class: "persona-name", text: persona?.name || "?" }),
      persona?.verified ? el("span", { class: "verified", title: t("verified"), text: "✔" }) : null,
      el("span", { class: "handle", text: persona?.handle || "" }));
  }

  function severityTag(n) {
    return el("span", { class: `sev sev-${n || 1}`, title: t("severity", { n: n || 1 }), text: "●".repeat(n || 1) });
  }

  /** A clamped paragraph with a More/Less toggle when the text is long. */
  function longText(text, cls, limit, fkey) {
    const p = el("p", { class: `${cls} clamp`, text });
    if (String(text || "").length <= limit) return p;
    const toggle = el("button", { type: "button", class: "linkish", text: t("more"), "aria-expanded": "false",
      dataset: { fkey }, on: { click() {
        const open = p.classList.toggle("clamp");
        toggle.textContent = open ? t("more") : t("less");
        toggle.setAttribute("aria-expanded", String(!open));
      } } });
    return el("div", { class: "long" }, p, toggle);
  }

  const countdowns = [];  // {node, delivered_s, within_s, key} refreshed by tick()
  function countdown(deliveredS, withinS, key) {
    const node = el("span", { class: "countdown", dataset: { state: "open" } });
    countdowns.push({ node, delivered_s: deliveredS, within_s: withinS, key });
    paintCountdown(countdowns[countdowns.length - 1], clockNow());
    return node;
  }

  function paintCountdown(c, now) {
    const w = windowState(c.delivered_s, c.within_s, now, state.answered.has(c.key));
    const text = w.state === "answered" ? t("answered")
      : w.state === "overdue" ? t("overdue_by", { t: fmtDuration(-w.left_s) }) : t("left", { t: fmtDuration(w.left_s) });
    if (c.node.dataset.state !== w.state) c.node.dataset.state = w.state;
    if (c.node.textContent !== text) c.node.textContent = text;
  }

  function clockNow() { return conn ? conn.clock.now() : 0; }
  const PAGE_STATUS = root.dataset.status;
  let loaded = false;  // before the first snapshot the clock object only holds defaults
  function status() { return loaded ? conn.clock.status : PAGE_STATUS; }

  // --- header: clock, status, lifecycle controls -------------------------------------------------

  const ui = {
    clock: document.getElementById("scenario-clock"),
    duration: document.getElementById("clock-duration"),
    progress: document.getElementById("clock-progress"),
    status: document.getElementById("exercise-status"),
    speed: document.getElementById("speed-display"),
    speedSelect: document.getElementById("speed-select"),
    start: document.getElementById("btn-start"),
    pause: document.getElementById("btn-pause"),
    resume: document.getElementById("btn-resume"),
    end: document.getElementById("btn-end"),
    projector: document.getElementById("projector-toggle"),
  };

  let shownStatus = null, shownSpeed = null;
  function paintHeader(now) {
    const s = status();
    const speed = conn ? conn.clock.speed : 1;
    ui.clock.textContent = fmtClock(now);
    const duration = conn?.clock.duration_s || state.duration;
    ui.duration.textContent = duration ? fmtClock(duration) : "--:--:--";
    ui.progress.style.width = duration ? `${Math.min(100, (now / duration) * 100).toFixed(2)}%` : "0%";
    if (s !== shownStatus) {
      shownStatus = s;
      ui.status.dataset.status = s;
      ui.status.textContent = t(`status_${s}`);
      root.dataset.status = s;
      if (ui.start) {
        ui.start.hidden = s !== "draft";
        ui.pause.hidden = s !== "running";
        ui.resume.hidden = s !== "paused";
        ui.end.hidden = !(s === "running" || s === "paused");
        ui.speedSelect.disabled = s === "ended";
      }
      dirty.timeline = true;  // fire/skip/hold buttons depend on the status
      dirty.cardsAll = true;  // the join links fold away once the exercise starts
      dirty.options = true;   // the chain of command is chosen before the start
      dirty.reactions = true; // no reaction commands once the exercise has ended
      flush();
    }
    if (speed !== shownSpeed) {
      shownSpeed = speed;
      ui.speed.textContent = `×${Number(speed).toLocaleString(LANG)}`;
      // Do not fight the facilitator while they are choosing.
      if (ui.speedSelect && document.activeElement !== ui.speedSelect) {
        const value = String(Math.round(speed));
        if (![...ui.speedSelect.options].some((o) => o.value === value)) {
          ui.speedSelect.append(el("option", { value, text: `×${value}` }));
        }
        ui.speedSelect.value = value;
      }
    }
    if (ui.projector && ui.projector.checked !== state.showReplies && !ui.projector.disabled) {
      ui.projector.checked = state.showReplies;
    }
  }

  if (DRIVES) {
    ui.start.addEventListener("click", () => run("start_exercise", { speed: Number(ui.speedSelect.value) }, ui.start));
    ui.pause.addEventListener("click", () => run("pause_exercise", {}, ui.pause));
    ui.resume.addEventListener("click", () => run("resume_exercise", {}, ui.resume));
    ui.end.addEventListener("click", () => {
      if (window.confirm(t("confirm_end"))) run("end_exercise", {}, ui.end);
    });
    ui.speedSelect.addEventListener("change", async () => {
      // Before the start the speed travels with start_exercise; afterwards it applies at once.
      if (status() === "draft") return;
      const reply = await run("set_speed", { speed: Number(ui.speedSelect.value) }, ui.speedSelect);
      if (!reply.ok) { shownSpeed = null; ui.speedSelect.blur(); }
    });
    ui.projector.addEventListener("change", async () => {
      const wanted = ui.projector.checked;
      ui.projector.disabled = true;
      const reply = await run("show_replies_on_projector", { show: wanted });
      ui.projector.disabled = false;
      if (reply.ok) state.showReplies = wanted;
      ui.projector.checked = state.showReplies;
    });
  }

  // --- team cards (lobby + status) ---------------------------------------------------------------

  const cardsBox = document.getElementById("team-cards");
  const cardNodes = new Map();  // slot → {node, counters}

  function teamCard(team) {
    const members = [...team.members.entries()];
    const chain = !!state.options.chain_of_command;
    const counters = {
      mood: moodGauge(team.slot),
      unanswered: el("strong", { text: "0" }),
      overdue: el("strong", { text: "0" }),
      replies: el("strong", { text: "0" }),
      last: el("span", { class: "last-activity" }),
      list: el("ul", { class: "overdue-list" }),
      listKey: "",
    };
    const copyBtn = el("button", { type: "button", class: "btn small", text: t("copy"), dataset: { fkey: `copy-${team.slot}` },
      on: { click() {
        navigator.clipboard?.writeText(team.join_url).then(() => {
          copyBtn.textContent = t("copied");
          setTimeout(() => { copyBtn.textContent = t("copy"); }, 1500);
        }).catch(() => {});
      } } });
    const lastEsc = [...state.escalations].reverse().find((e) => e.team === team.slot);
    const node = el("li", { class: "team-card", dataset: { team: team.slot } },
      el("div", { class: "team-card-head" },
        el("h3", { text: team.name }),
        el("span", { class: "join-code", title: t("code"), text: team.join_code }),
        el("button", { type: "button", class: "btn small", text: `✎ ${t("note")}`, dataset: { fkey: `note-${team.slot}` },
          on: { click: () => openNote({ team: team.slot }) } })),
      counters.mood.node,
      el("div", { class: `members${chain ? " with-roles" : ""}` },
        el("span", { class: members.length ? "joined" : "joined none", text: members.length ? t("joined", { n: members.length }) : t("nobody_joined") }),
        ...members.map(([id, m]) => memberChip(team.slot, id, m, chain))),
      draftsBlock(team.slot),
      el("dl", { class: "team-stats" },
        el("div", { class: "stat stat-unanswered" }, el("dt", { text: t("unanswered") }), el("dd", {}, counters.unanswered)),
        el("div", { class: "stat stat-overdue" }, el("dt", { text: t("overdue") }), el("dd", {}, counters.overdue)),
        el("div", { class: "stat" }, el("dt", { text: t("replies") }), el("dd", {}, counters.replies))),
      counters.last,
      counters.list,
      lastEsc ? el("p", { class: "team-esc", text: `⚠ ${fmtClock(lastEsc.at_s, true)} ${lastEsc.why || ""}` }) : null,
      // The lobby part: open before the start, folded away once the exercise runs.
      el("details", { class: "join-details", dataset: { fkey: `join-${team.slot}` }, open: status() === "draft" },
        el("summary", { text: t("join_link") }),
        el("p", { class: "join-url" }, el("a", { href: team.join_url, target: "_blank", rel: "noopener", text: team.join_url })),
        el("p", { class: "join-buttons" }, copyBtn,
          team.qr_url ? el("a", { class: "btn small", href: team.qr_url, target: "_blank", rel: "noopener", text: `${t("qr")} ↗` }) : null)));
    return { node, counters };
  }

  function renderCard(slot) {
    const team = state.teams.get(slot);
    if (!team) return;
    const fresh = teamCard(team);
    const old = cardNodes.get(slot);
    if (old) swap(old.node, fresh.node); else cardsBox.append(fresh.node);
    cardNodes.set(slot, fresh);
    paintMood(slot);
    paintCard(slot, clockNow());
  }

  // The public mood: 0 calm – 100 outrage, in four bands (the team screen's gauge uses the same value).
  const MOOD_BANDS = [[75, "outrage"], [50, "heated"], [25, "tense"], [0, "calm"]];
  function moodBand(value) { return (MOOD_BANDS.find(([min]) => value >= min) || MOOD_BANDS[3])[1]; }

  function heatingLabel(injectId) {
    const def = state.injects.get(injectId);
    if (!def) return injectId;
    return `${def.persona?.name || "?"} (${t(`ch_${def.channel}`)}): ${excerpt(def.subject || def.text, 60)}`;
  }

  function moodGauge(slot) {
    const g = {
      value: el("strong", { class: "mood-value", text: "–" }),
      arrow: el("span", { class: "mood-rising", title: t("mood_rising"), "aria-label": t("mood_rising"), text: "↑", hidden: true }),
      band: el("span", { class: "mood-band" }),
      heating: el("span", { class: "mood-heating" }),
      fill: el("span", { class: "mood-fill" }),
      key: null,
    };
    g.bar = el("span", { class: "mood-bar", role: "meter", "aria-valuemin": "0", "aria-valuemax": "100",
      "aria-label": t("mood_of", { team: teamName(slot) }) }, g.fill);
    g.node = el("div", { class: "mood", dataset: { band: "calm" } },
      el("div", { class: "mood-head" }, el("span", { class: "mood-label", text: t("mood") }), g.value, g.arrow, g.band, g.heating),
      g.bar);
    return g;
  }

  /** Update a card's gauge in place (the moods change every two seconds; the card is not rebuilt). */
  function paintMood(slot) {
    const g = cardNodes.get(slot)?.counters.mood;
    if (!g) return;
    const m = state.moods.get(slot);
    const value = m ? Math.max(0, Math.min(100, Number(m.value) || 0)) : null;
    const heating = Array.isArray(m?.heating) ? m.heating : [];
    const key = m ? `${Math.round(value)}|${!!m.rising}|${heating.join(",")}` : "";
    if (key === g.key) return;
    g.key = key;
    g.node.hidden = value === null;
    if (value === null) return;
    const band = moodBand(value);
    g.node.dataset.band = band;
    setText(g.value, Math.round(value));
    setText(g.band, t(`mood_${band}`));
    g.arrow.hidden = !m.rising;
    g.fill.style.width = `${value.toFixed(1)}%`;
    g.bar.setAttribute("aria-valuenow", String(Math.round(value)));
    g.bar.setAttribute("aria-valuetext", `${Math.round(value)} — ${t(`mood_${band}`)}`);
    setText(g.heating, heating.length ? t(heating.length === 1 ? "mood_heating_one" : "mood_heating", { n: heating.length }) : "");
    const list = heating.map(heatingLabel).join("\n");
    if (list) g.heating.title = `${t("mood_heating_by")}\n${list}`; else g.heating.removeAttribute("title");
  }

  /** The teams at a glance, hottest first: one facilitator can run several teams. */
  function renderMoodSummary() {
    const box = document.getElementById("mood-summary");
    if (!box) return;
    const rows = slots().map((slot) => ({ slot, m: state.moods.get(slot) })).filter((r) => r.m)
      .sort((a, b) => (Number(b.m.value) || 0) - (Number(a.m.value) || 0) || teamName(a.slot).localeCompare(teamName(b.slot), LANG));
    const key = rows.map((r) => `${r.slot}:${teamName(r.slot)}:${Math.round(r.m.value)}:${!!r.m.rising}:${(r.m.heating || []).join("+")}`).join(",");
    document.getElementById("mood-overview").hidden = rows.length < 2;  // a single team: its card says it all
    if (box.dataset.key === key) return;
    box.dataset.key = key;
    const active = document.activeElement;
    const focusKey = box.contains(active) ? active.dataset.fkey : null;
    box.replaceChildren(...rows.map(({ slot, m }) => {
      const value = Math.max(0, Math.min(100, Number(m.value) || 0));
      const band = moodBand(value);
      const heating = Array.isArray(m.heating) ? m.heating : [];
      const title = [`${teamName(slot)}: ${Math.round(value)} — ${t(`mood_${band}`)}${m.rising ? ` ${t("mood_rising")}` : ""}`,
        ...(heating.length ? [t("mood_heating_by"), ...heating.map(heatingLabel)] : [])].join("\n");
      return el("li", { class: "mood-chip", dataset: { band, team: slot } },
        el("button", { type: "button", class: "mood-chip-btn", title, dataset: { fkey: `moodchip-${slot}` },
          on: { click: () => revealCard(slot) } },
          el("span", { class: "mood-chip-name", text: teamName(slot) }),
          el("span", { class: "mood-chip-value", text: Math.round(value) }),
          m.rising ? el("span", { class: "mood-rising", "aria-label": t("mood_rising"), text: "↑" }) : null,
          heating.length ? el("span", { class: "mood-chip-heat", "aria-label": t(heating.length === 1 ? "mood_heating_one" : "mood_heating", { n: heating.length }), text: heating.length }) : null));
    }));
    if (focusKey) box.querySelector(`[data-fkey="${CSS.escape(focusKey)}"]`)?.focus();
  }

  function revealCard(slot) {
    const card = cardNodes.get(slot)?.node;
    if (!card) return;
    card.scrollIntoView({ behavior: "smooth", block: "nearest" });
    card.classList.remove("flash");
    void card.offsetWidth;  // restart the animation
    card.classList.add("flash");
  }

  // --- chain of command: roles and drafts --------------------------------------------------------

  function memberChip(slot, id, m, chain) {
    if (!chain) return el("span", { class: "member-chip", dataset: { participantId: id }, text: m.name });
    // Someone who joined before the chain of command was switched on has no role yet ("member").
    const roles = state.roles.includes(m.role) ? state.roles : [m.role, ...state.roles];
    const control = DRIVES && status() !== "ended"
      ? el("select", { class: "role-select", "aria-label": t("role_of", { who: m.name }), dataset: { fkey: `role-${id}` },
        on: { change: (e) => changeRole(slot, id, e.currentTarget) } },
        roles.map((r) => el("option", { value: r, text: t(`role_${r}`), selected: r === m.role, disabled: !state.roles.includes(r) })))
      : el("span", { class: `role-tag role-${m.role}`, text: t(`role_${m.role}`) });
    return el("span", { class: "member-chip with-role", dataset: { participantId: id, role: m.role } },
      el("span", { class: "member-name", text: m.name }), control);
  }

  async function changeRole(slot, id, select) {
    const reply = await run("set_role", { participant_id: id, role: select.value }, select);
    if (!reply.ok) select.value = state.teams.get(slot)?.members.get(id)?.role ?? select.value;
  }

  /** Drafts waiting for the team lead (under a chain of command), oldest first. */
  function draftsBlock(slot) {
    const drafts = [...state.drafts.values()].filter((d) => d.team === slot);
    if (!state.options.chain_of_command && !drafts.length) return null;
    const pending = drafts.filter((d) => !d.review).sort((a, b) => a.drafted_s - b.drafted_s);
    const approved = drafts.filter((d) => d.review && d.review.decision !== "reject").length;
    const rejected = drafts.filter((d) => d.review?.decision === "reject").length;
    return el("div", { class: `drafts${pending.length ? " has-pending" : ""}` },
      el("p", { class: "drafts-head" },
        el("strong", { class: "drafts-count", text: pending.length ? t("drafts_pending", { n: pending.length }) : t("drafts_none") }),
        approved ? el("span", { class: "muted", text: t("drafts_approved", { n: approved }) }) : null,
        rejected ? el("span", { class: "muted", text: t("drafts_rejected", { n: rejected }) }) : null),
      pending.length ? el("ul", { class: "draft-list" },
        pending.slice(0, LIST_MAX).map((d) => el("li", { class: "draft", dataset: { draftId: d.draft_id } },
          el("span", { class: "draft-who", text: `${d.author} · ${t(`role_${d.author_role}`)} · ${t(`rk_${d.reply_kind}`)}` }),
          el("span", { class: "draft-wait", dataset: { drafted: d.drafted_s } }),
          el("span", { class: "draft-text", title: d.text, text: `“${excerpt(d.text, 90)}”` }))),
        pending.length > LIST_MAX ? el("li", { class: "more", text: t("and_more", { n: pending.length - LIST_MAX }) }) : null) : null);
  }

  function teamStats(slot, now) {
    const unanswered = [], overdue = [];
    for (const [id, byTeam] of state.deliveries) {
      const d = byTeam.get(slot);
      if (!d || !d.expects_reply || state.answered.has(`${id}|${slot}`)) continue;
      unanswered.push(d);
      if (d.reply_within_s && d.delivered_s + d.reply_within_s <= now) overdue.push(d);
    }
    return { unanswered, overdue };
  }

  function paintCard(slot, now) {
    const card = cardNodes.get(slot);
    if (!card) return;
    const { unanswered, overdue } = teamStats(slot, now);
    const c = card.counters;
    setText(c.unanswered, unanswered.length);
    setText(c.overdue, overdue.length);
    c.overdue.parentElement.parentElement.classList.toggle("alarm", overdue.length > 0);
    setText(c.replies, state.replyCount.get(slot) || 0);
    for (const node of card.node.querySelectorAll(".draft-wait")) {
      setText(node, t("waiting_for", { t: fmtDuration(Math.max(0, now - Number(node.dataset.drafted))) }));
    }
    const last = state.lastReply.get(slot);
    setText(c.last, last === undefined ? t("no_reply") : t("last_reply", { t: fmtDuration(Math.max(0, now - last)) }));
    // The list of posts still waiting: rebuilt only when its content changes.
    // Overdue first, then the oldest; a handful is enough to act on.
    const waiting = [...overdue, ...unanswered.filter((d) => !overdue.includes(d))];
    const key = waiting.map((d) => d.inject_id + (overdue.includes(d) ? "!" : "")).join(",");
    if (key !== c.listKey) {
      c.listKey = key;
      const shown = waiting.slice(0, LIST_MAX);
      c.list.replaceChildren(...shown.map((d) => el("li", { class: overdue.includes(d) ? "is-overdue" : "" },
        el("button", { type: "button", class: "linkish", dataset: { fkey: `goto-${slot}-${d.inject_id}` },
          on: { click: () => revealGroup(d.inject_id) } },
        `${t(`ch_${d.channel}`)} · ${d.persona?.name || "?"}`))),
        ...(waiting.length > LIST_MAX ? [el("li", { class: "more", text: t("and_more", { n: waiting.length - LIST_MAX }) })] : []));
    }
  }

  function setText(node, value) {
    const text = String(value);
    if (node.textContent !== text) node.textContent = text;
  }

  function revealGroup(injectId) {
    const group = wallGroups.get(injectId);
    if (!group) return;
    group.scrollIntoView({ behavior: "smooth", block: "start" });
    group.classList.remove("flash");
    void group.offsetWidth;  // restart the animation
    group.classList.add("flash");
  }

  // --- timeline ----------------------------------------------------------------------------------

  const timelineBox = document.getElementById("timeline");
  const rowNodes = new Map();  // inject_id → row element
  let nowLine = null;
  let scheduledList = null;

  function renderTimeline() {
    rowNodes.clear();
    const defs = [...state.injects.values()];
    const scheduled = defs.filter((d) => d.at_s !== null && d.at_s !== undefined).sort((a, b) => a.at_s - b.at_s);
    const unscheduled = defs.filter((d) => d.at_s === null || d.at_s === undefined);
    const triggered = unscheduled.filter((d) => !d.adhoc && !isReaction(d));
    const adhoc = unscheduled.filter((d) => d.adhoc && !isReaction(d));
    const reacted = unscheduled.filter((d) => isReaction(d));
    const section = (title, list, cls) => {
      const ol = el("ol", { class: `tl-list ${cls}` }, list.map((d) => {
        const row = timelineRow(d);
        rowNodes.set(d.inject_id, row);
        return row;
      }));
      return { node: el("section", { class: "tl-section" }, el("h3", { class: "tl-heading" }, title, el("span", { class: "count", text: list.length })), ol), ol };
    };
    const parts = [section(t("scheduled"), scheduled, "tl-scheduled")];
    scheduledList = parts[0].ol;
    nowLine = el("li", { class: "now-line", "aria-hidden": "true" }, el("span", { text: t("now") }));
    nowIndexShown = -2;
    if (triggered.length) parts.push(section(t("on_trigger"), triggered, "tl-trigger"));
    if (adhoc.length) parts.push(section(t("roleplay"), adhoc, "tl-adhoc"));
    if (reacted.length) parts.push(section(t("tl_reactions"), reacted, "tl-reactions"));
    const active = document.activeElement;
    const focusKey = timelineBox.contains(active) ? active.dataset.fkey : null;
    const open = [...timelineBox.querySelectorAll("details[open][data-fkey]")].map((d) => d.dataset.fkey);
    timelineBox.replaceChildren(...parts.map((p) => p.node));
    for (const key of open) { const d = timelineBox.querySelector(`details[data-fkey="${CSS.escape(key)}"]`); if (d) d.open = true; }
    if (focusKey) timelineBox.querySelector(`[data-fkey="${CSS.escape(focusKey)}"]`)?.focus();
    placeNowLine(clockNow());
  }

  /** An automatic reaction once released: an inject of its own, but neither scheduled nor fired by hand. */
  function isReaction(def) { return !!def.reaction || state.reactions.has(def.inject_id); }

  function rowState(def) {
    const id = def.inject_id;
    const delivered = state.deliveries.get(id) || new Map();
    const targets = targetSlots(def);
    const done = targets.length > 0 && targets.every((s) => delivered.has(s));
    return { delivered, targets, done, skipped: state.skipped.has(id), held: state.held.has(id) };
  }

  function timelineRow(def) {
    const id = def.inject_id;
    const rs = rowState(def);
    const s = status();
    const scheduled = def.at_s !== null && def.at_s !== undefined;
    const cls = ["tl-row"];
    if (rs.done) cls.push("done");
    if (rs.delivered.size && !rs.done) cls.push("partial");
    if (rs.skipped) cls.push("skipped");
    if (rs.held) cls.push("held");

    const stateTag = rs.skipped ? el("span", { class: "tl-state st-skipped", text: t("skipped") })
      : rs.held ? el("span", { class: "tl-state st-held", text: t("held") })
      : rs.done ? el("span", { class: "tl-state st-done", text: t("released") })
      : null;
    const eta = scheduled && !rs.done && !rs.skipped ? el("span", { class: "eta", dataset: { at: def.at_s } }) : null;

    const triggers = (state.triggers.get(id) || []).map((rule) => {
      const src = excerpt(state.injects.get(rule.source)?.persona?.name || rule.source, 40);
      return el("li", { text: rule.when === "unanswered"
        ? t("trigger_unanswered", { src, t: fmtDuration(rule.after_s || 0) })
        : t("trigger_flag", { src, flag: rule.flag }) });
    });

    // One mark per team: delivered (and when), answered, or waiting.
    const markSlots = scheduled || (def.adhoc && !isReaction(def)) ? rs.targets : [...rs.delivered.keys()];
    const marks = markSlots.map((slot) => {
      const d = rs.delivered.get(slot);
      const answered = state.answered.has(`${id}|${slot}`);
      const esc = state.escByTarget.get(`${id}|${slot}`);
      const st = !d ? "pending" : answered ? "answered" : def.expects_reply ? "waiting" : "delivered";
      const title = [teamName(slot), d ? t("delivered_at", { t: fmtClock(d.delivered_s) }) : t("not_delivered"),
        answered ? t("answered") : null, esc ? t("escalated_for", { team: teamName(slot), why: esc.why || "" }) : null]
        .filter(Boolean).join(" — ");
      return el("li", { class: `mark mark-${st}`, title, dataset: { team: slot } },
        el("span", { class: "mark-icon", "aria-hidden": "true", text: st === "answered" ? "✓" : d ? "●" : "○" }),
        el("span", { class: "mark-name", text: teamName(slot) }),
        d ? el("span", { class: "mark-time", text: fmtClock(d.delivered_s, true) }) : null);
    });
    const escWhy = [...rs.delivered.keys()].map((slot) => state.escByTarget.get(`${id}|${slot}`)).filter(Boolean);

    let actions = null;
    const canAct = DRIVES && !def.adhoc && !isReaction(def) && s !== "ended" && !rs.skipped && !(scheduled && rs.done);
    if (canAct) {
      const missing = slots().filter((slot) => !rs.delivered.has(slot));
      const firing = s === "running" || s === "paused";
      actions = el("div", { class: "tl-actions" },
        firing && missing.length ? el("button", { type: "button", class: "btn small primary", dataset: { fkey: `fire-${id}` }, text: `⚡ ${t("fire")}`,
          on: { click: (e) => run("fire_inject", { inject_id: id }, e.currentTarget) } }) : null,
        firing && missing.length > 1 ? el("details", { class: "menu", dataset: { fkey: `firemenu-${id}` } },
          el("summary", { class: "btn small", text: t("fire_to") }),
          el("div", { class: "menu-body" }, missing.map((slot) => el("button", { type: "button", class: "btn small",
            dataset: { fkey: `fire-${id}-${slot}` }, text: teamName(slot),
            on: { click: (e) => { e.currentTarget.closest("details").open = false; run("fire_inject", { inject_id: id, teams: [slot] }); } } })))) : null,
        !rs.done ? (rs.held
          ? el("button", { type: "button", class: "btn small", dataset: { fkey: `hold-${id}` }, text: t("unhold"),
            on: { click: (e) => run("release_inject", { inject_id: id }, e.currentTarget) } })
          : el("button", { type: "button", class: "btn small", dataset: { fkey: `hold-${id}` }, text: t("hold"),
            on: { click: (e) => run("hold_inject", { inject_id: id }, e.currentTarget) } })) : null,
        !rs.done ? el("button", { type: "button", class: "btn small danger-text", dataset: { fkey: `skip-${id}` }, text: t("skip"),
          on: { click: (e) => {
            if (window.confirm(t("confirm_skip", { what: excerpt(def.subject || def.text, 60) }))) run("skip_inject", { inject_id: id }, e.currentTarget);
          } } }) : null);
    }

    return el("li", { class: cls.join(" "), dataset: { injectId: id, at: scheduled ? def.at_s : "" } },
      el("div", { class: "tl-when" },
        el("span", { class: "tl-at", text: scheduled ? fmtClock(def.at_s, true) : "—" }),
        eta, stateTag),
      el("div", { class: "tl-body" },
        el("div", { class: "tl-meta" }, channelTag(def.channel), personaLine(def.persona), severityTag(def.severity)),
        def.subject ? el("p", { class: "tl-subject", text: def.subject }) : null,
        longText(def.text, "tl-text", 150, `more-${id}`),
        el("p", { class: "tl-facts" },
          el("span", { text: def.expects_reply ? `${t("expects", { t: fmtDuration(def.reply_within_s || 0) })}` : t("no_reply_needed") }),
          el("span", { text: def.to === "all" ? t("all_teams") : (def.to || [...rs.delivered.keys()]).map(teamName).join(", ") })),
        triggers.length ? el("ul", { class: "tl-triggers" }, triggers) : null,
        escWhy.length ? el("ul", { class: "tl-why" }, escWhy.map((e) => el("li", { text: t("escalated_for", { team: teamName(e.team), why: e.why || e.when }) }))) : null,
        marks.length ? el("ul", { class: "marks" }, marks) : (!scheduled && !def.adhoc && !isReaction(def) ? el("p", { class: "muted small", text: t("not_triggered") }) : null),
        actions));
  }

  function renderRow(id) {
    const old = rowNodes.get(id);
    const def = state.injects.get(id);
    if (!old || !def) { dirty.timeline = true; return; }
    const fresh = timelineRow(def);
    swap(old, fresh);
    rowNodes.set(id, fresh);
  }

  let nowIndexShown = -2;
  function placeNowLine(now) {
    if (!scheduledList || !nowLine) return;
    const rows = [...scheduledList.children].filter((n) => n !== nowLine);
    let index = rows.findIndex((r) => Number(r.dataset.at) > now);
    if (index === nowIndexShown && nowLine.isConnected) return;
    nowIndexShown = index;
    if (index === -1) scheduledList.append(nowLine); else scheduledList.insertBefore(nowLine, rows[index]);
  }

  function paintEtas(now) {
    for (const node of timelineBox.querySelectorAll(".eta")) {
      const at = Number(node.dataset.at);
      const id = node.closest("[data-inject-id]")?.dataset.injectId;
      const left = at - now;
      // A held inject past its time already says "held" in its state tag.
      const text = state.held.has(id) && left <= 0 ? "" : left > 0 ? t("in", { t: fmtDuration(left) }) : t("due");
      setText(node, text);
      node.classList.toggle("soon", left > 0 && left <= 120);
    }
  }

  document.getElementById("tl-hide-done").addEventListener("change", (e) => {
    timelineBox.classList.toggle("hide-done", e.currentTarget.checked);
  });
  document.getElementById("tl-jump").addEventListener("click", () => {
    nowLine?.scrollIntoView({ behavior: "smooth", block: "center" });
  });

  // --- live wall ---------------------------------------------------------------------------------

  const wallBox = document.getElementById("wall");
  const wallGroups = new Map();  // group key → element

  function renderGroup(key) {
    const fresh = wallGroup(key);
    const old = wallGroups.get(key);
    if (old) { swap(old, fresh); wallGroups.set(key, fresh); return; }
    // Newest inject first: insert before the first group created earlier.
    const seq = state.groupSeq.get(key) ?? 0;
    const after = [...wallGroups.entries()].filter(([k]) => (state.groupSeq.get(k) ?? 0) < seq)
      .sort((a, b) => (state.groupSeq.get(b[0]) ?? 0) - (state.groupSeq.get(a[0]) ?? 0))[0];
    if (after) wallBox.insertBefore(fresh, after[1]); else wallBox.append(fresh);
    wallGroups.set(key, fresh);
  }

  function wallGroup(key) {
    const replies = state.groupReplies.get(key) || [];
    if (key === "") {
      const teamsWith = [...new Set(replies.map((r) => r.team))];
      return el("article", { class: "wall-group standalone", dataset: { group: "standalone" } },
        el("header", { class: "wg-head" }, el("h3", { class: "wg-title", text: t("standalone") })),
        el("div", { class: "wg-teams" }, teamsWith.map((slot) => teamCell(null, slot, replies.filter((r) => r.team === slot)))));
    }
    const def = state.injects.get(key) || { inject_id: key, persona: null, text: key };
    const delivered = state.deliveries.get(key) || new Map();
    const cells = [...new Set([...targetSlots(def).filter((s) => delivered.has(s)), ...replies.map((r) => r.team)])];
    const firstAt = Math.min(...[...delivered.values()].map((d) => d.delivered_s));
    return el("article", { class: "wall-group", dataset: { injectId: key } },
      el("header", { class: "wg-head" },
        el("div", { class: "wg-meta" },
          channelTag(def.channel), personaLine(def.persona),
          Number.isFinite(firstAt) ? el("span", { class: "wg-time", text: fmtClock(firstAt) }) : null,
          def.expects_reply ? el("span", { class: "wg-window", text: `${t("expects", { t: fmtDuration(def.reply_within_s || 0) })}` }) : null,
          severityTag(def.severity)),
        def.subject ? el("p", { class: "wg-subject", text: def.subject }) : null,
        longText(def.text, "wg-text", 200, `wmore-${key}`)),
      el("div", { class: "wg-teams" }, cells.map((slot) => teamCell(def, slot, replies.filter((r) => r.team === slot)))));
  }


  function teamCell(def, slot, replies) {
    const d = def ? state.deliveries.get(def.inject_id)?.get(slot) : null;
    const windowKey = def ? `${def.inject_id}|${slot}` : null;
    return el("section", { class: "wg-team", dataset: { team: slot } },
      el("header", { class: "wg-team-head" },
        el("h4", { text: teamName(slot) }),
        d && d.expects_reply && d.reply_within_s ? countdown(d.delivered_s, d.reply_within_s, windowKey) : null),
      replies.length ? el("ol", { class: "replies" }, replies.map((r) => replyCard(r, def?.channel)))
        : el("p", { class: "no-reply", text: t("no_reply_yet") }));
  }

  /** groupChannel: the channel of the inject answered; the reply's own is highlighted when it differs. */
  function replyCard(r, groupChannel) {
    const notes = state.notesByReply.get(r.reply_id) || [];
    const followups = state.followups.get(r.reply_id) || [];
    const fresh = freshReplies.has(r.reply_id);
    const waitingReactions = [...(state.reactionsByReply.get(r.reply_id) || [])]
      .map((id) => state.reactions.get(id)).filter((x) => x && PENDING.has(x.status));
    const review = r.draft_id ? state.drafts.get(r.draft_id)?.review : null;
    return el("li", { class: `reply reply-${r.reply_kind}${fresh ? " fresh" : ""}`, dataset: { replyId: r.reply_id } },
      el("p", { class: "reply-meta" },
        el("span", { class: `rkind rk-${r.reply_kind}`, text: t(`rk_${r.reply_kind}`) }),
        // The channel as plain text when it is the inject's own (the group header already says it).
        r.channel ? (r.channel !== groupChannel ? channelTag(r.channel) : el("span", { class: "reply-chan", text: t(`ch_${r.channel}`) })) : null,
        el("span", { class: "reply-time", title: r.author || "", text: fmtClock(r.published_s, true) }),
        r.response_s !== undefined && r.response_s !== null
          ? el("span", { class: "response", text: t("answered_in", { t: fmtDuration(r.response_s) }) }) : null),
      el("p", { class: "reply-text", text: r.text }),
      r.author ? el("p", { class: "reply-author", text: `— ${r.author}` }) : null,
      r.draft_id ? el("p", { class: "reply-approval", text: t(review?.decision === "edit" ? "edited_after" : "approved_after",
        { who: r.approved_by || review?.reviewer || "?", t: fmtDuration(Math.max(0, r.published_s - (r.drafted_s ?? r.published_s))) }) }) : null,
      followups.length ? el("ul", { class: "followups" }, followups.map((f) => el("li", {
        class: f.origin === "reaction" ? "auto" : null,
        text: t(f.origin === "reaction" ? "followup_auto" : "followup", { who: f.persona?.name || "?", ch: t(`ch_${f.channel}`) }) }))) : null,
      waitingReactions.length ? el("ul", { class: "reply-reactions" }, waitingReactions.map((x) => el("li", {},
        el("button", { type: "button", class: "linkish", dataset: { fkey: `goreact-${x.reaction_id}` },
          text: t(x.status === "held" ? "reaction_held_line" : "reaction_planned_line", { who: x.persona_name || x.persona }),
          on: { click: () => revealReaction(x.reaction_id) } })))) : null,
      notes.length ? el("ul", { class: "reply-notes" }, notes.map((n) => el("li", {},
        el("span", { class: "note-time", text: fmtClock(n.noted_s, true) }), ` ${n.author}: `, n.text))) : null,
      el("div", { class: "reply-actions" },
        DRIVES ? el("button", { type: "button", class: "btn small", dataset: { fkey: `ras-${r.reply_id}` }, text: `↩ ${t("reply_as")}`,
          on: { click: () => replyAsPersona(r) } }) : null,
        el("button", { type: "button", class: "btn small", dataset: { fkey: `rnote-${r.reply_id}` }, text: `✎ ${t("note")}`,
          on: { click: () => openNote({ reply: r }) } })));
  }

  // --- automatic reactions ----------------------------------------------------------------------

  const reactionsBox = document.getElementById("reactions");
  const reactionFilter = document.getElementById("reactions-team");
  const PENDING = new Set(["planned", "held"]);
  const REACTION_LIMITS = { microblog: 280, social: 2000 };  // the server's limits for an edited text
  const reactionRows = new Map();   // reaction_id → row element
  const dirtyReactions = new Set(); // reaction ids whose row must be rebuilt
  const editing = new Map();        // reaction_id → {text, error, autoHeld}: an open editor, kept across re-renders
  const reactionNotes = new Map();  // reaction_id → the last error (or lost edit) shown on its row
  const freshReactions = new Set();

  /** Why the rule fired, in the console's language (simulator/engine/reactions.py WHY, with its params). */
  function whyText(r) {
    const code = r.why?.code || r.when;
    const key = `why_${code}`;
    return key in STRINGS ? t(key, r.why?.params || {}) : code;
  }

  function moodEffect(delta) {
    const n = Number(delta) || 0;
    if (!n) return t("r_mood_none");
    return t("r_mood", { delta: `${n > 0 ? "+" : "−"}${Math.abs(n).toLocaleString(LANG)}` });
  }

  /** Pending ones first (the next due first), then the others, the latest change first. */
  function reactionOrder() {
    const team = reactionFilter ? reactionFilter.value : "";
    const list = [...state.reactions.values()].filter((r) => !team || r.team === team);
    const pending = list.filter((r) => PENDING.has(r.status)).sort((a, b) => a.due_s - b.due_s || a.seq - b.seq);
    const done = list.filter((r) => !PENDING.has(r.status)).sort((a, b) => b.seq - a.seq);
    return [...pending, ...done];
  }

  function renderReactions(all) {
    if (!reactionsBox) return;
    if (all) reactionRows.clear();
    const active = document.activeElement;
    const inside = reactionsBox.contains(active);
    const focusKey = inside ? active.dataset.fkey : null;
    const caret = inside && active.tagName === "TEXTAREA" ? [active.selectionStart, active.selectionEnd] : null;
    const nodes = reactionOrder().map((r) => {
      const id = r.reaction_id;
      if (!reactionRows.has(id) || dirtyReactions.has(id)) reactionRows.set(id, reactionRow(r));
      return reactionRows.get(id);
    });
    const same = nodes.length === reactionsBox.children.length && nodes.every((n, i) => reactionsBox.children[i] === n);
    if (!same) {
      reactionsBox.replaceChildren(...nodes);
      if (focusKey) {
        const node = reactionsBox.querySelector(`[data-fkey="${CSS.escape(focusKey)}"]`);
        if (node) {
          node.focus();
          if (caret && node.setSelectionRange) node.setSelectionRange(caret[0], caret[1]);
        }
      }
    }
    dirtyReactions.clear();
    const all_ = [...state.reactions.values()];
    const pending = all_.filter((r) => PENDING.has(r.status)).length;
    const countNode = document.getElementById("reactions-count");
    setText(countNode, pending);
    countNode.title = t("r_count", { pending, n: all_.length });
    countNode.classList.toggle("hot", pending > 0);
    const empty = document.getElementById("reactions-empty");
    empty.hidden = nodes.length > 0;
    if (all_.length && !nodes.length) setText(empty, t("r_none_for_team"));
    else if (empty.dataset.text) setText(empty, empty.dataset.text);
    document.getElementById("reactions-off").hidden = state.options.reactions !== false;
    paintReactionTimes(clockNow());
  }

  function reactionRow(r) {
    const id = r.reaction_id;
    const reply = state.replies.get(r.reply_id);
    const persona = state.personas.get(r.persona) || { name: r.persona_name || r.persona, handle: "" };
    const pending = PENDING.has(r.status);
    const ed = pending ? editing.get(id) : null;
    const canAct = DRIVES && pending && status() !== "ended";
    const note = reactionNotes.get(id);
    const button = (what, text, cls, onClick) => el("button", { type: "button", class: `btn small${cls ? ` ${cls}` : ""}`,
      dataset: { fkey: `r${what}-${id}` }, text, on: { click: (e) => onClick(e.currentTarget) } });
    const actions = canAct && !ed ? el("div", { class: "tl-actions reaction-actions" },
      r.status === "held"
        ? button("hold", t("unhold"), "", (b) => changeReaction(id, "unhold", b))
        : button("hold", t("hold"), "", (b) => changeReaction(id, "hold", b)),
      button("edit", `✎ ${t("r_edit")}`, "", (b) => startEdit(id, b)),
      button("send", `⚡ ${t("r_send")}`, "primary", (b) => changeReaction(id, "send", b)),
      button("suppress", t("r_suppress"), "danger-text", (b) => {
        if (window.confirm(t("confirm_suppress", { who: r.persona_name || r.persona, team: teamName(r.team) }))) changeReaction(id, "suppress", b);
      })) : null;
    return el("li", { class: `reaction rs-${r.status}${freshReactions.has(id) ? " fresh" : ""}`,
      dataset: { reactionId: id, status: r.status, team: r.team } },
      el("div", { class: "reaction-head" },
        el("span", { class: `rstate rstate-${r.status}`, text: t(`r_${r.status}`) }),
        el("strong", { class: "reaction-team", text: teamName(r.team) }),
        el("span", { class: "reaction-when", dataset: { due: r.due_s } })),
      el("div", { class: "tl-meta" }, channelTag(r.channel), personaLine(persona), severityTag(r.severity)),
      el("p", { class: "reaction-why", text: t("r_why", { why: whyText(r) }) }),
      reply ? el("p", { class: "reaction-reply" },
        el("button", { type: "button", class: "linkish", dataset: { fkey: `rreply-${id}` }, title: reply.text,
          text: t("r_answers", { text: excerpt(reply.text, 80) }), on: { click: () => revealGroup(groupKey(reply.inject_id)) } })) : null,
      ed ? reactionEditor(r, ed) : el("p", { class: "reaction-text", text: r.text }),
      el("p", { class: "tl-facts" },
        el("span", { class: `reaction-mood${r.mood > 0 ? " up" : r.mood < 0 ? " down" : ""}`, text: moodEffect(r.mood) }),
        el("span", { class: "reaction-expects", text: r.expects_reply ? t("expects", { t: fmtDuration(r.reply_within || 0) }) : t("no_reply_needed") })),
      note ? el("p", { class: "reaction-error", role: "alert", text: note }) : null,
      actions);
  }

  function reactionEditor(r, ed) {
    const id = r.reaction_id;
    const limit = REACTION_LIMITS[r.channel] || 5000;
    const count = el("span", { class: "reaction-count" });
    const paintCount = () => {
      setText(count, `${ed.text.length} / ${limit}`);
      count.classList.toggle("over", ed.text.length > limit);
    };
    const box = el("textarea", { class: "reaction-edit", rows: "3", "aria-label": t("r_edit_label", { who: r.persona_name || r.persona }),
      dataset: { fkey: `redtext-${id}` },
      on: {
        input: (e) => { ed.text = e.currentTarget.value; paintCount(); },
        keydown: (e) => {
          if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); saveEdit(id, save); }
          if (e.key === "Escape") { e.preventDefault(); cancelEdit(id); }
        },
      } });
    box.value = ed.text;
    paintCount();
    const save = el("button", { type: "button", class: "btn small primary", dataset: { fkey: `rsave-${id}` }, text: t("r_save"),
      on: { click: (e) => saveEdit(id, e.currentTarget) } });
    return el("div", { class: "reaction-editor" }, box,
      el("div", { class: "form-actions" }, save,
        el("button", { type: "button", class: "btn small", dataset: { fkey: `rcancel-${id}` }, text: t("r_cancel"),
          on: { click: () => cancelEdit(id) } }),
        count,
        ed.autoHeld ? el("span", { class: "muted small", text: t("r_held_while_editing") }) : null),
      ed.error ? el("p", { class: "reaction-error", role: "alert", text: ed.error }) : null);
  }

  function refreshReaction(id, focusKey) {
    dirtyReactions.add(id);
    flush();
    if (focusKey) reactionsBox.querySelector(`[data-fkey="${CSS.escape(focusKey)}"]`)?.focus();
  }

  /** Send one change; an error stays on the reaction's row (and in the banner) until the next success. */
  async function changeReaction(id, change, button, extra) {
    const reply = await run("change_reaction", { reaction_id: id, change, ...(extra || {}) }, button);
    if (!reply.ok) { reactionNotes.set(id, reply.error || "Error"); refreshReaction(id); }
    else if (reactionNotes.delete(id)) refreshReaction(id);
    return reply;
  }

  async function startEdit(id, button) {
    const r = state.reactions.get(id);
    if (!r || !PENDING.has(r.status)) return;
    const ed = { text: r.text, error: "", autoHeld: false };
    if (r.status === "planned") {
      // Held while the facilitator types: at ×20 a reaction is due within seconds, and would go out unedited.
      const reply = await changeReaction(id, "hold", button);
      if (!reply.ok) return;
      ed.autoHeld = true;
    }
    const now = state.reactions.get(id);
    if (!now || !PENDING.has(now.status)) return;
    ed.text = now.text;
    editing.set(id, ed);
    refreshReaction(id, `redtext-${id}`);
  }

  async function saveEdit(id, button) {
    const ed = editing.get(id);
    if (!ed) return;
    const text = ed.text.trim();
    if (!text) { ed.error = t("need_text"); refreshReaction(id, `redtext-${id}`); return; }
    const reply = await run("change_reaction", { reaction_id: id, change: "edit", text }, button);
    if (editing.get(id) !== ed) return;  // released or suppressed meanwhile: its row already says so
    if (!reply.ok) {
      ed.error = reply.error || "Error";  // the text stays in the editor
      refreshReaction(id, `redtext-${id}`);
      return;
    }
    editing.delete(id);
    reactionNotes.delete(id);
    refreshReaction(id, `redit-${id}`);
    if (ed.autoHeld && state.reactions.get(id)?.status === "held") await changeReaction(id, "unhold");
  }

  async function cancelEdit(id) {
    const ed = editing.get(id);
    editing.delete(id);
    refreshReaction(id, `redit-${id}`);
    if (ed?.autoHeld && state.reactions.get(id)?.status === "held") await changeReaction(id, "unhold");
  }

  function revealReaction(id) {
    if (reactionFilter && reactionFilter.value && state.reactions.get(id)?.team !== reactionFilter.value) {
      reactionFilter.value = "";
      dirty.reactions = true;
      flush();
    }
    const row = reactionRows.get(id);
    if (!row || !row.isConnected) return;
    row.scrollIntoView({ behavior: "smooth", block: "center" });
    row.classList.remove("flash");
    void row.offsetWidth;  // restart the animation
    row.classList.add("flash");
  }

  /** The status line of each row: a countdown in scenario time while planned. */
  function paintReactionTimes(now) {
    if (!reactionsBox) return;
    for (const node of reactionsBox.querySelectorAll(".reaction-when")) {
      const r = state.reactions.get(node.closest("[data-reaction-id]")?.dataset.reactionId);
      if (!r) continue;
      const at = fmtClock(r.due_s, true);
      let text = "";
      if (r.status === "planned") text = r.due_s > now ? t("r_due_in", { t: fmtDuration(r.due_s - now), at }) : t("r_due_now");
      else if (r.status === "held") text = t("r_held_due", { at });
      else if (r.status === "released") text = t("r_released_at", { t: fmtClock(r.released_s ?? r.at_s ?? 0, true) });
      else if (r.status === "suppressed") text = t("r_suppressed_at", { t: fmtClock(r.at_s ?? 0, true) });
      setText(node, text);
      node.classList.toggle("soon", r.status === "planned" && r.due_s - now <= 30);
    }
  }

  if (reactionFilter) {
    reactionFilter.addEventListener("change", () => { dirty.reactions = true; flush(); });
  }
  const reactionsEmpty = document.getElementById("reactions-empty");
  if (reactionsEmpty) reactionsEmpty.dataset.text = reactionsEmpty.textContent;

  function renderReactionFilter() {
    if (!reactionFilter) return;
    const current = reactionFilter.value;
    reactionFilter.replaceChildren(el("option", { value: "", text: t("all_teams") }),
      ...slots().map((slot) => el("option", { value: slot, text: teamName(slot) })));
    reactionFilter.value = state.teams.has(current) ? current : "";
  }

  // --- exercise options --------------------------------------------------------------------------

  const OPTION_NAMES = ["mood_visible", "reactions", "chain_of_command"];
  function renderOptions() {
    const box = document.getElementById("options");
    if (!box || !loaded) return;  // the page's defaults are not the exercise's options
    const draft = status() === "draft";
    const active = document.activeElement;
    const focusKey = box.contains(active) ? active.dataset.fkey : null;
    box.replaceChildren(...OPTION_NAMES.map((name) => {
      const on = !!state.options[name];
      const locked = name === "chain_of_command" && !draft;
      const hint = locked ? t("opt_chain_locked") : t(`opt_${name}_hint`);
      if (!DRIVES) {
        return el("li", { class: "option", dataset: { option: name } },
          el("span", { class: "option-name", text: t(`opt_${name}`) }),
          el("strong", { class: `opt-state ${on ? "on" : "off"}`, text: on ? t("on") : t("off") }),
          el("span", { class: "option-hint", text: hint }));
      }
      return el("li", { class: "option", dataset: { option: name } },
        el("label", { class: "switch" },
          el("input", { type: "checkbox", id: `opt-${name}`, checked: on, disabled: locked, dataset: { fkey: `opt-${name}` },
            "aria-describedby": `opt-${name}-hint`, on: { change: (e) => setOption(name, e.currentTarget) } }),
          el("span", { class: "option-name", text: t(`opt_${name}`) })),
        el("span", { class: "option-hint", id: `opt-${name}-hint`, text: hint }));
    }));
    if (focusKey) box.querySelector(`[data-fkey="${CSS.escape(focusKey)}"]`)?.focus();
  }

  async function setOption(name, input) {
    const reply = await run("set_options", { [name]: input.checked }, input);
    if (!reply.ok) input.checked = !!state.options[name];
  }

  // --- escalations, notes, messages --------------------------------------------------------------

  function renderEscalations() {
    const list = document.getElementById("escalations");
    list.replaceChildren(...[...state.escalations].reverse().map((e) => {
      const src = state.injects.get(e.source_inject);
      const dst = state.injects.get(e.target_inject);
      return el("li", { class: `esc esc-${e.when}` },
        el("p", { class: "esc-head" },
          el("span", { class: "note-time", text: fmtClock(e.at_s ?? 0, true) }),
          el("strong", { text: teamName(e.team) }),
          el("span", { class: "esc-kind", text: t(`esc_${e.when}`) })),
        el("p", { class: "esc-path", text: `${excerpt(src?.persona?.name || e.source_inject, 30)} → `
          + `${excerpt(dst?.persona?.name || e.target_inject, 30)} (${t(`ch_${dst?.channel || "memo"}`)})` }),
        e.why ? el("p", { class: "esc-why", text: e.why }) : null);
    }));
    document.getElementById("esc-empty").hidden = state.escalations.length > 0;
    setText(document.getElementById("esc-count"), state.escalations.length);
  }

  function renderNotes() {
    const list = document.getElementById("notes");
    list.replaceChildren(...[...state.notes].reverse().map((n) => {
      const reply = n.reply_id ? state.replies.get(n.reply_id) : null;
      return el("li", { class: "note" },
        el("p", { class: "note-head" },
          el("span", { class: "note-time", text: fmtClock(n.noted_s ?? n.at_s ?? 0, true) }),
          el("strong", { text: teamName(n.team) }),
          el("span", { class: "muted", text: t("by", { who: n.author }) })),
        reply ? el("p", { class: "note-on", text: t("on_reply", { text: excerpt(reply.text, 70) }) }) : null,
        el("p", { class: "note-text", text: n.text }));
    }));
    document.getElementById("notes-empty").hidden = state.notes.length > 0;
    setText(document.getElementById("notes-count"), state.notes.length);
  }

  function renderMessages() {
    const list = document.getElementById("messages");
    if (!list) return;
    list.replaceChildren(...[...state.messages].reverse().map((m) => el("li", { class: "message" },
      el("span", { class: "note-time", text: fmtClock(m.sent_s ?? m.at_s ?? 0, true) }),
      el("span", { class: "muted", text: ` ${m.teams && m.teams.length ? t("to_teams", { teams: m.teams.map(teamName).join(", ") }) : t("to_all")} — ` }),
      m.text)));
  }

  // --- observer notes dialog ---------------------------------------------------------------------

  const noteDialog = document.getElementById("note-dialog");
  const noteForm = document.getElementById("note-form");
  const noteText = document.getElementById("note-text");
  const noteError = document.getElementById("note-error");
  let noteTarget = null;

  function openNote(target) {
    noteTarget = target;
    noteError.hidden = true;
    noteText.value = "";
    document.getElementById("note-about").textContent = target.reply
      ? t("note_reply", { team: teamName(target.reply.team), text: excerpt(target.reply.text, 90) })
      : t("note_team", { team: teamName(target.team) });
    if (noteDialog.showModal) noteDialog.showModal(); else noteDialog.setAttribute("open", "");
    noteText.focus();
  }

  noteForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = noteText.value.trim();
    if (!text) { noteError.textContent = t("need_text"); noteError.hidden = false; return; }
    const payload = noteTarget.reply ? { text, reply_id: noteTarget.reply.reply_id } : { text, team: noteTarget.team };
    const button = noteForm.querySelector("button[type=submit]");
    button.disabled = true;
    const reply = await conn.command("add_note", payload);
    button.disabled = false;
    if (reply.ok) noteDialog.close();
    else { noteError.textContent = reply.error; noteError.hidden = false; }
  });
  document.getElementById("note-cancel").addEventListener("click", () => noteDialog.close());

  // --- role-play composer and messages -----------------------------------------------------------

  const composer = document.getElementById("composer");
  const c = composer ? {
    panel: document.getElementById("composer-panel"),
    persona: document.getElementById("c-persona"),
    channel: document.getElementById("c-channel"),
    newBox: document.getElementById("c-new-persona"),
    npName: document.getElementById("c-np-name"),
    npHandle: document.getElementById("c-np-handle"),
    npKind: document.getElementById("c-np-kind"),
    npFollowers: document.getElementById("c-np-followers"),
    npVerified: document.getElementById("c-np-verified"),
    subject: document.getElementById("c-subject"),
    text: document.getElementById("c-text"),
    count: document.getElementById("c-count"),
    teams: document.getElementById("c-teams"),
    expects: document.getElementById("c-expects"),
    within: document.getElementById("c-within"),
    severity: document.getElementById("c-severity"),
    replyTo: document.getElementById("c-reply-to"),
    replyToText: document.getElementById("c-reply-to-text"),
    status: document.getElementById("c-status"),
    inReplyTo: null,
    pendingHandle: null,
  } : null;

  function teamChecks(box, prefix) {
    const checked = new Set([...box.querySelectorAll("input:checked")].map((i) => i.value));
    const first = !box.children.length;
    box.replaceChildren(...slots().map((slot) => el("label", { class: "check" },
      el("input", { type: "checkbox", value: slot, id: `${prefix}-${slot}`, checked: first || checked.has(slot) }),
      ` ${teamName(slot)}`)));
  }
  function pickedTeams(box) {
    const all = [...box.querySelectorAll("input")];
    const picked = all.filter((i) => i.checked).map((i) => i.value);
    return { picked, all: picked.length === all.length };
  }
  function setPicked(box, wanted) {
    for (const input of box.querySelectorAll("input")) input.checked = !wanted || wanted.includes(input.value);
  }

  function renderPersonas() {
    if (!c) return;
    const current = c.persona.value;
    const sorted = [...state.personas.values()].sort((a, b) => a.name.localeCompare(b.name, LANG));
    c.persona.replaceChildren(
      ...sorted.map((p) => el("option", { value: p.id, text: `${p.name} (${p.handle}) · ${t(`k_${p.kind}`)}` })),
      el("option", { value: "__new", text: t("new_persona") }));
    if (current && [...c.persona.options].some((o) => o.value === current)) c.persona.value = current;
    const created = c.pendingHandle && sorted.find((p) => p.handle === c.pendingHandle);
    if (created) { c.persona.value = created.id; c.pendingHandle = null; }
    c.newBox.hidden = c.persona.value !== "__new";
  }

  if (c) {
    c.npKind.replaceChildren(...PERSONA_KINDS.map((k) => el("option", { value: k, text: t(`k_${k}`) })));
    c.persona.addEventListener("change", () => {
      c.newBox.hidden = c.persona.value !== "__new";
      if (!c.newBox.hidden) c.npName.focus();
    });
    c.text.addEventListener("input", () => {
      const n = c.text.value.length;
      c.count.textContent = c.channel.value === "microblog" ? `${n} / 280` : String(n);
      c.count.classList.toggle("over", c.channel.value === "microblog" && n > 280);
    });
    c.channel.addEventListener("change", () => c.text.dispatchEvent(new Event("input")));
    c.expects.addEventListener("change", () => { c.within.disabled = !c.expects.checked; });
    c.within.disabled = true;
    document.getElementById("c-reply-to-clear").addEventListener("click", () => setReplyTo(null));

    composer.addEventListener("submit", async (event) => {
      event.preventDefault();
      const text = c.text.value.trim();
      const teams = pickedTeams(c.teams);
      if (!text) return composerStatus(t("need_text"), true, c.text);
      if (!teams.picked.length) return composerStatus(t("need_team"), true);
      const payload = { channel: c.channel.value, text, expects_reply: c.expects.checked, severity: Number(c.severity.value) };
      if (c.persona.value === "__new") {
        const name = c.npName.value.trim();
        let handle = c.npHandle.value.trim().replace(/\s+/g, "_");
        if (handle && !handle.startsWith("@")) handle = "@" + handle;
        if (!name || handle.length < 2) return composerStatus(t("need_persona"), true, name ? c.npHandle : c.npName);
        if (!/^@[\p{L}\p{N}_]{1,30}$/u.test(handle)) return composerStatus(t("bad_handle"), true, c.npHandle);
        payload.new_persona = { name, handle, kind: c.npKind.value,
          followers: Math.max(0, Math.round(Number(c.npFollowers.value) || 0)), verified: c.npVerified.checked };
      } else {
        payload.persona_id = c.persona.value;
      }
      const subject = c.subject.value.trim();
      if (subject) payload.subject = subject;
      if (!teams.all) payload.teams = teams.picked;
      if (c.expects.checked) payload.reply_within_s = Math.max(1, Number(c.within.value) || 5) * 60;
      if (c.inReplyTo) payload.in_reply_to = c.inReplyTo.reply_id;
      composerStatus(t("sending"));
      const reply = await run("post_adhoc", payload, document.getElementById("c-submit"));
      if (!reply.ok) return composerStatus(reply.error || "Error", true);
      composerStatus(t("posted"));
      c.text.value = ""; c.subject.value = "";
      c.text.dispatchEvent(new Event("input"));
      if (payload.new_persona) {
        // Its id is only known from its first delivery, which may come before or after this
        // acknowledgement: select it by handle now or when it arrives.
        c.pendingHandle = payload.new_persona.handle;
        c.npName.value = ""; c.npHandle.value = "";
        renderPersonas();
      }
      // A follow-up goes to one team; the next post should not silently inherit that choice.
      if (payload.in_reply_to) setPicked(c.teams, null);
      setReplyTo(null);
    });
  }

  function composerStatus(message, isError, focus) {
    c.status.textContent = message;
    c.status.classList.toggle("error-text", !!isError);
    if (focus) focus.focus();
  }

  function setReplyTo(reply) {
    c.inReplyTo = reply;
    c.replyTo.hidden = !reply;
    if (reply) c.replyToText.textContent = t("reply_to", { team: teamName(reply.team), text: excerpt(reply.text, 90) });
  }

  function replyAsPersona(reply) {
    if (!c) return;
    const def = reply.inject_id ? state.injects.get(reply.inject_id) : null;
    if (def?.persona?.id && state.personas.has(def.persona.id)) c.persona.value = def.persona.id;
    c.newBox.hidden = c.persona.value !== "__new";
    const channel = CHANNELS.includes(reply.channel) ? reply.channel : def?.channel;
    if (channel) c.channel.value = channel;
    if (def?.subject && (channel === "email" || channel === "memo")) c.subject.value = `Re: ${def.subject}`;
    setPicked(c.teams, [reply.team]);
    setReplyTo(reply);
    c.panel.open = true;
    c.panel.scrollIntoView({ behavior: "smooth", block: "start" });
    c.text.focus({ preventScroll: true });
    c.text.dispatchEvent(new Event("input"));
  }

  const messageForm = document.getElementById("message-form");
  if (messageForm) {
    messageForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      const box = document.getElementById("m-text");
      const statusNode = document.getElementById("m-status");
      const text = box.value.trim();
      const teams = pickedTeams(document.getElementById("m-teams"));
      statusNode.classList.remove("error-text");
      if (!text) { statusNode.textContent = t("need_text"); statusNode.classList.add("error-text"); box.focus(); return; }
      if (!teams.picked.length) { statusNode.textContent = t("need_team"); statusNode.classList.add("error-text"); return; }
      statusNode.textContent = t("sending");
      const reply = await run("send_message", teams.all ? { text } : { text, teams: teams.picked }, messageForm.querySelector("button[type=submit]"));
      if (!reply.ok) { statusNode.textContent = reply.error || "Error"; statusNode.classList.add("error-text"); return; }
      statusNode.textContent = t("sent");
      box.value = "";
    });
  }

  // --- flush and tick ----------------------------------------------------------------------------

  function flush() {
    if (!state) return;
    if (dirty.timeline) { renderTimeline(); dirty.timeline = false; dirty.rows.clear(); }
    for (const id of dirty.rows) renderRow(id);
    dirty.rows.clear();
    if (dirty.timeline) { renderTimeline(); dirty.timeline = false; }
    for (const key of dirty.groups) renderGroup(key);
    dirty.groups.clear();
    if (dirty.cardsAll) {
      cardsBox.replaceChildren(); cardNodes.clear();
      for (const slot of slots()) renderCard(slot);
      dirty.cardsAll = false; dirty.cards.clear();
      dirty.moods = true;  // team names in the summary
    }
    for (const slot of dirty.cards) renderCard(slot);
    dirty.cards.clear();
    if (dirty.teamPicks) {
      if (c) teamChecks(c.teams, "c-team");
      const m = document.getElementById("m-teams");
      if (m) teamChecks(m, "m-team");
      renderReactionFilter();
      dirty.teamPicks = false;
      dirty.reactions = true;
    }
    if (dirty.moods) {
      for (const slot of cardNodes.keys()) paintMood(slot);
      renderMoodSummary();
      dirty.moods = false;
    }
    if (dirty.options) { renderOptions(); dirty.options = false; }
    if (dirty.reactions || dirtyReactions.size) { renderReactions(dirty.reactions); dirty.reactions = false; }
    if (dirty.personas) { renderPersonas(); dirty.personas = false; }
    if (dirty.escalations) { renderEscalations(); dirty.escalations = false; }
    if (dirty.notes) { renderNotes(); dirty.notes = false; }
    if (dirty.messages) { renderMessages(); dirty.messages = false; }
    document.getElementById("wall-empty").hidden = wallGroups.size > 0;
    setText(document.getElementById("wall-count"), t("wall_count", { n: state.replies.size }));
  }

  function tick() {
    const now = clockNow();
    paintHeader(now);
    for (let i = countdowns.length - 1; i >= 0; i--) {
      if (!countdowns[i].node.isConnected) countdowns.splice(i, 1);
      else paintCountdown(countdowns[i], now);
    }
    for (const slot of cardNodes.keys()) paintCard(slot, now);
    paintReactionTimes(now);
    paintEtas(now);
    placeNowLine(now);
  }

  // Expose a tiny hook for debugging from the browser console (read-only view of the state).
  window.CrisisDrillConsole = { state: () => state };

  start();
})();
