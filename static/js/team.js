/* Crisis Drill — the participant team screen: a simulated social app under fire.
   Everything is built with CrisisDrill.el()/textContent: persona names, scenario text and replies are
   untrusted. The DOM is built once per item; the 250 ms loop only updates clocks, countdowns and counters
   in place. */
(function () {
  "use strict";
  const CD = window.CrisisDrill;
  const root = document.getElementById("team-app");
  if (!CD || !root) return;
  const { el, fmtClock, fmtDuration, fmtCount } = CD;

  // ------------------------------------------------------------------------------------ strings
  // In the page's language, from the server's catalog (simulator/web/js_strings.py), as data-i18n JSON.
  const STRINGS = JSON.parse(root.dataset.i18n || "{}");
  const lang = root.dataset.lang === "fr" ? "fr" : "en";
  function t(key, vars) {
    let s = STRINGS[key] ?? key;
    for (const [k, v] of Object.entries(vars || {})) s = s.split(`{${k}}`).join(String(v));
    return s;
  }
  const numberFmt = new Intl.NumberFormat(lang);
  // Like, share and follower counts, compact in the page's language: 1.2K, 1,2 k.
  const compactFmt = (() => {
    try { return new Intl.NumberFormat(lang, { notation: "compact", compactDisplay: "short" }); } catch (e) { return null; }
  })();
  const count = (n) => {
    const v = Math.max(0, Math.round(Number(n) || 0));
    if (compactFmt) return compactFmt.format(v);
    return lang === "fr" ? fmtCount(v).replace(".", ",") : fmtCount(v);
  };

  // ------------------------------------------------------------------------------------ context
  const ctx = {
    exerciseId: root.dataset.exerciseId || "",
    org: { name: root.dataset.orgName || "", handle: root.dataset.orgHandle || "", colour: root.dataset.colour || "" },
    teamName: root.dataset.teamName || "",
    me: root.dataset.displayName || "",
    meId: root.dataset.participantId || "",
    options: { chain_of_command: false, mood_visible: false },
    limits: { microblog: 280, social: 2000, dm: 1000, statement: 5000, email: 5000 },
    briefing: "",
  };

  // --------------------------------------------------------------------- brand colour (accessible)
  function parseHex(colour) {
    const m = /^#?([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(String(colour || "").trim());
    if (!m) return null;
    const h = m[1].length === 3 ? [...m[1]].map((c) => c + c).join("") : m[1];
    return [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16));
  }
  function luminance(rgb) {
    const [r, g, b] = rgb.map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  }
  const contrastWithWhite = (rgb) => 1.05 / (luminance(rgb) + 0.05);
  const css = (rgb) => `rgb(${rgb.map(Math.round).join(" ")})`;
  /** The organisation's colour as the accent; a darker "ink" variant keeps text and buttons at WCAG AA
      whatever colour a scenario author picked. */
  function applyBrand(colour) {
    const rgb = parseHex(colour) || [29, 78, 216];
    let ink = rgb;
    for (let i = 0; i < 30 && contrastWithWhite(ink) < 4.8; i++) ink = ink.map((v) => v * 0.88);
    root.style.setProperty("--brand", css(rgb));
    root.style.setProperty("--brand-ink", css(ink));
    root.style.setProperty("--on-brand", contrastWithWhite(rgb) >= 4.5 ? "#ffffff" : "#111827");
  }

  // ------------------------------------------------------------------------------------ icons
  const ICONS = {
    hash: [["path", "M4 9h16M4 15h16M10 3 8 21M16 3l-2 18"]],
    users: [["path", "M17 21v-2a4 4 0 0 0-4-4H5a4 4 0 0 0-4 4v2"], ["circle", { cx: 9, cy: 7, r: 4 }],
      ["path", "M23 21v-2a4 4 0 0 0-3-3.87M16 3.13a4 4 0 0 1 0 7.75"]],
    news: [["path", "M4 22h16a2 2 0 0 0 2-2V4a2 2 0 0 0-2-2H8a2 2 0 0 0-2 2v16a2 2 0 0 1-2 2Zm0 0a2 2 0 0 1-2-2v-9c0-1.1.9-2 2-2h2"],
      ["path", "M18 14h-8M15 18h-5M10 6h8v4h-8z"]],
    mail: [["path", "M4 4h16c1.1 0 2 .9 2 2v12c0 1.1-.9 2-2 2H4c-1.1 0-2-.9-2-2V6c0-1.1.9-2 2-2z"], ["path", "m22 6-10 7L2 6"]],
    phone: [["path", "M22 16.92v3a2 2 0 0 1-2.18 2 19.79 19.79 0 0 1-8.63-3.07 19.5 19.5 0 0 1-6-6 19.79 19.79 0 0 1-3.07-8.67A2 2 0 0 1 4.11 2h3a2 2 0 0 1 2 1.72c.13.96.36 1.9.7 2.81a2 2 0 0 1-.45 2.11L8.09 9.91a16 16 0 0 0 6 6l1.27-1.27a2 2 0 0 1 2.11-.45c.91.34 1.85.57 2.81.7A2 2 0 0 1 22 16.92z"]],
    doc: [["path", "M14 2H6a2 2 0 0 0-2 2v16a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2V8z"], ["path", "M14 2v6h6M16 13H8M16 17H8M10 9H8"]],
    reply: [["path", "M21 11.5a8.38 8.38 0 0 1-.9 3.8 8.5 8.5 0 0 1-7.6 4.7 8.38 8.38 0 0 1-3.8-.9L3 21l1.9-5.7a8.38 8.38 0 0 1-.9-3.8 8.5 8.5 0 0 1 4.7-7.6 8.38 8.38 0 0 1 3.8-.9h.5a8.48 8.48 0 0 1 8 8v.5z"]],
    repost: [["path", "m17 1 4 4-4 4M3 11V9a4 4 0 0 1 4-4h14M7 23l-4-4 4-4M21 13v2a4 4 0 0 1-4 4H3"]],
    heart: [["path", "M20.84 4.61a5.5 5.5 0 0 0-7.78 0L12 5.67l-1.06-1.06a5.5 5.5 0 0 0-7.78 7.78l1.06 1.06L12 21.23l7.78-7.78 1.06-1.06a5.5 5.5 0 0 0 0-7.78z"]],
    send: [["path", "M22 2 11 13M22 2l-7 20-4-9-9-4 20-7z"]],
    clock: [["circle", { cx: 12, cy: 12, r: 10 }], ["path", "M12 6v6l4 2"]],
    memo: [["path", "M16 4h2a2 2 0 0 1 2 2v14a2 2 0 0 1-2 2H6a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2h2"], ["path", "M9 2h6v4H9zM8 12h8M8 16h5"]],
    megaphone: [["path", "M3 11v3a1 1 0 0 0 1 1h2l5 4V6L6 10H4a1 1 0 0 0-1 1zM15 8a5 5 0 0 1 0 8M18 5a9 9 0 0 1 0 14"]],
    thumb: [["path", "M7 10v12M15 5.88 14 10h5.83a2 2 0 0 1 1.92 2.56l-2.33 8A2 2 0 0 1 17.5 22H4a2 2 0 0 1-2-2v-8a2 2 0 0 1 2-2h2.76a2 2 0 0 0 1.79-1.11L12 2a3.13 3.13 0 0 1 3 3.88Z"]],
    drafts: [["path", "m9 11 3 3L22 4"], ["path", "M21 12v7a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2h11"]],
    check: [["path", "M20 6 9 17l-5-5"]],
    edit: [["path", "M12 20h9"], ["path", "M16.5 3.5a2.12 2.12 0 0 1 3 3L7 19l-4 1 1-4Z"]],
    cross: [["path", "M18 6 6 18M6 6l12 12"]],
    undo: [["path", "M3 7v6h6"], ["path", "M21 17a9 9 0 0 0-9-9 9 9 0 0 0-6 2.3L3 13"]],
  };
  const SVGNS = "http://www.w3.org/2000/svg";
  function icon(name, cls) {
    const svg = document.createElementNS(SVGNS, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    svg.setAttribute("class", "icon" + (cls ? " " + cls : ""));
    for (const [tag, spec] of ICONS[name] || []) {
      const node = document.createElementNS(SVGNS, tag);
      if (typeof spec === "string") node.setAttribute("d", spec);
      else for (const [k, v] of Object.entries(spec)) node.setAttribute(k, v);
      svg.append(node);
    }
    return svg;
  }
  function verifiedBadge() {
    const svg = document.createElementNS(SVGNS, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("class", "verified");
    svg.setAttribute("role", "img");
    svg.setAttribute("aria-label", t("verified"));
    const title = document.createElementNS(SVGNS, "title");
    title.textContent = t("verified");
    const badge = document.createElementNS(SVGNS, "path");
    badge.setAttribute("d", "M12 1.5l2.6 1.9 3.2-.1 1 3.1 2.6 1.9-1 3.1 1 3.1-2.6 1.9-1 3.1-3.2-.1L12 22.5l-2.6-1.9-3.2.1-1-3.1L2.6 15.7l1-3.1-1-3.1 2.6-1.9 1-3.1 3.2.1z");
    badge.setAttribute("class", "verified-bg");
    const tick = document.createElementNS(SVGNS, "path");
    tick.setAttribute("d", "m7.5 12.3 3 3 6-6.3");
    tick.setAttribute("class", "verified-tick");
    svg.append(title, badge, tick);
    return svg;
  }

  // ------------------------------------------------------------------------------------ avatars
  function personaAvatar(persona, small) {
    const a = persona.avatar || { initials: "?", hue: 0 };
    const node = el("span", { class: "avatar" + (small ? " avatar--sm" : ""), "aria-hidden": "true", text: a.initials });
    node.style.backgroundColor = `hsl(${Number(a.hue) || 0} 55% 34%)`;
    return node;
  }
  function brandInitials() {
    const words = ctx.org.name.split(/\s+/).filter((w) => /^[\p{L}\p{N}]/u.test(w));
    return (words.slice(0, 2).map((w) => [...w][0]).join("") || "?").toUpperCase();
  }
  function brandAvatar(small) {
    return el("span", { class: "avatar avatar--brand" + (small ? " avatar--sm" : ""), "aria-hidden": "true", text: brandInitials() });
  }

  // ------------------------------------------------------------------------------------ layout
  const TABS = [
    { id: "microblog", icon: "hash" }, { id: "social", icon: "users" }, { id: "news", icon: "news" },
    { id: "inbox", icon: "mail" }, { id: "calls", icon: "phone" }, { id: "drafts", icon: "drafts" }, { id: "briefing", icon: "doc" },
  ];
  const CHANNEL_TAB = { microblog: "microblog", social: "social", news: "news", email: "inbox", phone: "calls", memo: "calls" };
  const ui = { tabs: {}, panels: {}, badges: {}, feeds: {} };

  function buildLayout() {
    applyBrand(ctx.org.colour);
    root.replaceChildren();
    ui.clock = el("span", { id: "scenario-clock", class: "clock-time", text: "00:00:00" });
    ui.speed = el("span", { class: "clock-speed", text: "" });
    ui.status = el("span", { id: "exercise-status", class: "status-pill", dataset: { status: "draft" }, text: t("status.draft") });
    ui.connection = el("span", { id: "connection", class: "conn", dataset: { state: connState }, role: "status" },
      el("span", { class: "conn-dot", "aria-hidden": "true" }), ui.connText = el("span", { class: "conn-text", text: loaded ? t(`conn.${connState}`) : t("loading") }));
    ui.teamChip = el("span", { class: "team-chip", text: ctx.teamName });
    // Under a chain of command: this participant's name and role.
    ui.roleChip = el("span", { class: "role-chip", id: "my-role", hidden: true },
      ui.roleChipName = el("span", { class: "role-chip-name", text: ctx.me }), ui.roleChipRole = el("span", { class: "role-badge" }));
    // The public mood (0 calm – 100 outrage), when the facilitator shows it to the teams.
    ui.mood = el("div", { class: "mood", id: "mood-gauge", role: "meter", "aria-valuemin": "0", "aria-valuemax": "100",
      "aria-label": t("mood.label"), title: t("mood.help"), hidden: true, dataset: { band: "calm" } },
    el("span", { class: "mood-label", text: t("mood.label") }),
    el("span", { class: "mood-track", "aria-hidden": "true" }, ui.moodFill = el("span", { class: "mood-fill" })),
    ui.moodValue = el("span", { class: "mood-value", text: "—" }),
    ui.moodBand = el("span", { class: "mood-band" }));
    const header = el("header", { class: "app-header" },
      el("div", { class: "app-brand" }, brandAvatar(),
        el("div", { class: "app-brand-text" },
          el("strong", { class: "app-org", text: ctx.org.name }),
          el("span", { class: "app-handle", text: ctx.org.handle }))),
      el("div", { class: "app-meta" },
        el("span", { class: "clock", title: t("scenarioTime") }, icon("clock"), ui.clock, ui.speed),
        ui.mood, ui.status, ui.teamChip, ui.roleChip, ui.connection),
      ui.pauseStrip = el("div", { class: "pause-strip", role: "status", hidden: true },
        el("span", { class: "pause-icon", "aria-hidden": "true" }),
        el("strong", { text: t("paused.title") }), el("span", { class: "pause-sub", text: t("paused.text") })));

    const nav = el("nav", { class: "app-nav", "aria-label": t("channels") });
    const tablist = el("div", { class: "tablist", role: "tablist", "aria-orientation": "vertical" });
    for (const tab of TABS) {
      ui.badges[tab.id] = el("span", { class: "badge", hidden: true });
      ui.tabs[tab.id] = el("button", {
        type: "button", role: "tab", class: "tab", id: `tab-${tab.id}`, "aria-controls": `panel-${tab.id}`,
        "aria-selected": "false", tabindex: "-1", dataset: { tab: tab.id }, hidden: tab.id === "drafts" && !chain(),
        on: { click: () => selectTab(tab.id, true), keydown: tabKeys },
      }, icon(tab.icon), el("span", { class: "tab-label tab-label--long", text: t(`tab.${tab.id}`) }),
      el("span", { class: "tab-label tab-label--short", "aria-hidden": "true", text: t(`short.${tab.id}`) }), ui.badges[tab.id]);
      tablist.append(ui.tabs[tab.id]);
    }
    nav.append(tablist, el("button", { type: "button", class: "btn btn-brand nav-statement", on: { click: openStatement } },
      icon("megaphone"), el("span", { text: t("newStatement") })));

    const main = el("div", { class: "app-main" });
    for (const tab of TABS) {
      const panel = el("section", { class: "panel", id: `panel-${tab.id}`, role: "tabpanel", "aria-labelledby": `tab-${tab.id}`, hidden: true, tabindex: "-1" });
      ui.panels[tab.id] = panel;
      main.append(panel);
    }
    ui.members = [];
    buildPanels();

    ui.due = el("ol", { class: "due-list" });
    ui.dueEmpty = el("p", { class: "muted small", text: t("dueNone") });
    const aside = el("aside", { class: "app-aside", "aria-label": t("team") },
      el("section", { class: "side-card due-card" }, el("h2", { text: t("due") }), ui.dueEmpty, ui.due),
      teamCard());

    ui.facilitator = el("div", { class: "facilitator-banner", id: "facilitator-banner", role: "status", hidden: true });
    ui.stateBanner = el("div", { class: "state-banner", "aria-live": "polite" });
    ui.toasts = el("div", { class: "toasts", "aria-live": "polite" });
    // Sticky columns sit under the sticky header, whose height changes (pause strip, wrapping on phones).
    if (window.ResizeObserver) {
      new ResizeObserver(() => root.style.setProperty("--header-h", `${header.offsetHeight}px`)).observe(header);
    }
    root.append(header, ui.facilitator, ui.stateBanner,
      el("div", { class: "app-body" }, nav, main, aside), ui.toasts);
  }

  function panelHead(tab, sub) {
    return el("div", { class: "panel-head" }, el("h2", { text: t(`tab.${tab}`) }), sub ? el("p", { class: "muted small", text: sub }) : null);
  }
  function feed(tab, emptyText) {
    const node = el("div", { class: "feed", dataset: { empty: emptyText || t("empty") } });
    ui.feeds[tab] = node;
    return node;
  }

  function buildPanels() {
    const p = ui.panels;
    p.microblog.append(panelHead("microblog", t("sub.microblog", { handle: ctx.org.handle })), feed("microblog"));
    p.social.append(panelHead("social", t("sub.social")), feed("social"));
    ui.statementComposer = composer({ kind: "statement", inject: null, limit: () => ctx.limits.statement,
      label: t("lbl.statement", { org: ctx.org.name }), submit: t("publish"), rows: 4, keep: true });
    ui.statementRole = el("p", { class: "statement-role", id: "statement-role", hidden: true });
    ui.statementCard = el("section", { class: "statement-card", id: "statement-card" },
      el("div", { class: "statement-head" }, icon("megaphone"),
        el("div", {}, el("h3", { text: t("statement.title") }), el("p", { class: "muted small", text: t("statement.help") }))),
      ui.statementRole, ui.statementComposer.node);
    p.news.append(panelHead("news", t("sub.news")), ui.statementCard, feed("news"));
    ui.dmThreads = el("div", { class: "dm-threads", dataset: { empty: t("emptyDms") } });
    p.inbox.append(panelHead("inbox", t("sub.inbox")),
      el("h3", { class: "section-title", text: t("dms") }), ui.dmThreads,
      el("h3", { class: "section-title", text: t("emails") }), feed("inbox"));
    p.calls.append(panelHead("calls", t("sub.calls")), feed("calls"));
    ui.draftsSub = el("p", { class: "muted small" });
    ui.draftList = el("div", { class: "feed draft-list", id: "draft-list", dataset: { empty: t("drafts.none") } });
    p.drafts.append(el("div", { class: "panel-head" }, el("h2", { text: t("tab.drafts") }), ui.draftsSub), ui.draftList);
    ui.briefingText = el("div", { class: "briefing-text" });
    ui.messageList = el("ol", { class: "message-list", dataset: { empty: t("noMessages") } });
    ui.limitsList = el("dl", { class: "limits" });
    p.briefing.append(el("div", { class: "panel-head" }, el("h2", { text: t("tab.briefing") }),
      el("p", { class: "muted small", text: root.dataset.exerciseTitle || "" })),
    el("article", { class: "briefing card-plain" }, ui.briefingText),
    el("section", { class: "card-plain" }, el("h3", { text: t("messages") }), ui.messageList),
    teamCard(),
    el("section", { class: "card-plain" }, el("h3", { text: t("limits") }), ui.limitsList));
  }

  function teamCard() {
    const list = el("ul", { class: "member-list" });
    ui.members.push(list);
    return el("section", { class: "side-card team-card" }, el("h2", { text: t("team") }),
      el("p", { class: "team-name", text: ctx.teamName }), list);
  }

  function renderBriefing() {
    ui.briefingText.replaceChildren();
    // Scenario briefings are hard-wrapped text: blank lines separate paragraphs, "- " starts a bullet,
    // an indented line continues the bullet above it.
    let list = null, item = null, para = null;
    for (const raw of ctx.briefing.split("\n")) {
      const line = raw.trim();
      if (!line) { list = item = para = null; continue; }
      if (/^[-•*]\s+/.test(line)) {
        if (!list) { list = el("ul"); ui.briefingText.append(list); }
        item = el("li", { text: line.replace(/^[-•*]\s+/, "") });
        list.append(item);
        para = null;
      } else if (item && /^\s/.test(raw)) {
        item.append(" " + line);
      } else {
        list = item = null;
        if (para) para.append(" " + line);
        else { para = el("p", { text: line }); ui.briefingText.append(para); }
      }
    }
    ui.limitsList.replaceChildren();
    for (const key of ["microblog", "social", "dm", "email", "statement"]) {
      if (ctx.limits[key] == null) continue;
      ui.limitsList.append(el("div", {}, el("dt", { text: t(`limit.${key}`) }), el("dd", { text: numberFmt.format(ctx.limits[key]) })));
    }
  }

  // ------------------------------------------------------------------------------------ tabs
  const SEEN_KEY = `crisisdrill-seen-${ctx.exerciseId}`;
  let seen = {};
  try { seen = JSON.parse(localStorage.getItem(SEEN_KEY) || "{}") || {}; } catch (e) { seen = {}; }
  const baseTitle = document.title;
  const TAB_KEY = `crisisdrill-tab-${ctx.exerciseId}`;
  const tabSeqs = Object.fromEntries(TABS.map((tab) => [tab.id, []]));
  let activeTab = null;

  function selectTab(id, focusPanel) {
    const wanted = id;
    if (!ui.tabs[id] || ui.tabs[id].hidden) id = "microblog";
    activeTab = id;
    for (const tab of TABS) {
      const on = tab.id === id;
      ui.tabs[tab.id].setAttribute("aria-selected", on ? "true" : "false");
      ui.tabs[tab.id].tabIndex = on ? 0 : -1;
      ui.panels[tab.id].hidden = !on;
    }
    // A tab not shown yet (drafts, before the snapshot says there is a chain of command) stays wanted.
    if (wanted === id) try { sessionStorage.setItem(TAB_KEY, id); } catch (e) { /* private mode */ }
    markSeen(id);
    if (focusPanel && window.matchMedia("(max-width: 760px)").matches) window.scrollTo({ top: 0 });
  }
  function tabKeys(ev) {
    const ids = TABS.map((x) => x.id).filter((id) => !ui.tabs[id].hidden);
    const i = ids.indexOf(ev.currentTarget.dataset.tab);
    const step = { ArrowDown: 1, ArrowRight: 1, ArrowUp: -1, ArrowLeft: -1 }[ev.key];
    let next = null;
    if (step) next = ids[(i + step + ids.length) % ids.length];
    if (ev.key === "Home") next = ids[0];
    if (ev.key === "End") next = ids[ids.length - 1];
    if (next) { ev.preventDefault(); selectTab(next); ui.tabs[next].focus(); }
  }
  function markSeen(tab) {
    if (document.visibilityState === "hidden") return;
    const seqs = tabSeqs[tab];
    const max = seqs.length ? Math.max(...seqs) : 0;
    if ((seen[tab] || 0) >= max) { updateBadges(); return; }
    seen[tab] = max;
    try { localStorage.setItem(SEEN_KEY, JSON.stringify(seen)); } catch (e) { /* quota */ }
    updateBadges();
  }
  function noteInTab(tab, seq) {
    if (!tabSeqs[tab]) tab = "microblog";  // an item whose parent has no tab yet: count it somewhere visible
    tabSeqs[tab].push(seq);
    if (tab === activeTab && !initialBatch) markSeen(tab);
  }
  function updateBadges() {
    let total = 0;
    for (const tab of TABS) {
      // The drafts tab counts what waits for the lead's decision; the others what is new there.
      const waiting = tab.id === "drafts";
      const n = waiting ? pendingDrafts() : tabSeqs[tab.id].filter((s) => s > (seen[tab.id] || 0)).length;
      if (!waiting) total += n;
      const badge = ui.badges[tab.id];
      badge.hidden = n === 0;
      badge.textContent = n > 99 ? "99+" : String(n);
      badge.setAttribute("aria-label", waiting ? t("drafts.pendingN", { n }) : t("new", { n }));
    }
    const base = baseTitle;
    document.title = total ? `(${total}) ${base}` : base;
  }
  document.addEventListener("visibilitychange", () => { if (activeTab) markSeen(activeTab); });

  // ------------------------------------------------------------------------------------ state
  let conn = null;
  let outbox = null;
  let loaded = false; // a snapshot has arrived: before that the clock's status means nothing
  let connState = "offline";
  let initialBatch = false;
  let status = null;
  const injects = new Map(); // inject_id -> record
  const replies = new Map(); // reply_id -> record
  const repliesByKey = new Map(); // idempotency key -> reply item
  const answered = new Map(); // inject_id -> first reply item
  const countdowns = []; // {item, node, text}: reply windows, updated by the 250 ms loop
  const stats = []; // {item, likes, shares}: like/share counters, updated by the 250 ms loop
  const dmThreads = new Map(); // persona id -> thread
  const composers = new Map(); // "kind|inject_id" -> composer
  const pendingNodes = new Map(); // key -> {node, payload}
  const members = new Map(); // participant_id -> {name, role}
  const messages = [];
  const reviews = new Map(); // draft_id -> record of a draft under the chain of command (see "chain of command")
  const reviewByKey = new Map(); // idempotency key -> draft_id
  const engagement = new Map(); // inject_id -> [likes, shares], from the server's pulse; never goes down
  let mood = null; // the team's public mood (0–100) when the facilitator shows it

  function resetState() {
    injects.clear(); replies.clear(); repliesByKey.clear(); answered.clear();
    countdowns.length = 0; stats.length = 0; dmThreads.clear(); composers.clear(); pendingNodes.clear();
    members.clear(); messages.length = 0; reviews.clear(); reviewByKey.clear();
    for (const tab of TABS) tabSeqs[tab.id] = [];
    status = null;
  }

  // ------------------------------------------------------------------------------------ drafts
  const DRAFT_KEY = `crisisdrill-drafts-${ctx.exerciseId}`;
  let drafts = {};
  try { drafts = JSON.parse(localStorage.getItem(DRAFT_KEY) || "{}") || {}; } catch (e) { drafts = {}; }
  let draftTimer = null;
  function saveDraft(id, text) {
    if (text) drafts[id] = text; else delete drafts[id];
    clearTimeout(draftTimer);
    draftTimer = setTimeout(() => { try { localStorage.setItem(DRAFT_KEY, JSON.stringify(drafts)); } catch (e) { /* quota */ } }, 400);
  }

  // ------------------------------------------------------------------------------------ composer
  let composerSeq = 0;
  const textLength = (text) => [...text.trim()].length; // code points, as the server counts

  const allComposers = new Set();
  let sentFrom = null; // the composer being submitted: a refused reply goes back there
  const origins = new Map(); // idempotency key -> composer it was typed in (this page only)

  /** A reply form. opts: kind, inject (item or null), limit(), label, submit, rows, keep (always open),
      draftId, onSend(text) (default: a reply of this kind to this inject). */
  function composer(opts) {
    const id = `composer-${++composerSeq}`;
    const draftId = opts.draftId || `${opts.kind}|${opts.inject ? opts.inject.inject_id : ""}`;
    const textarea = el("textarea", { id, rows: opts.rows || 3, class: "composer-input", "aria-describedby": `${id}-count ${id}-error` });
    const counter = el("span", { class: "counter", id: `${id}-count` });
    const hint = el("span", { class: "composer-hint" });
    const sendLabel = el("span", { text: opts.submit || t("send") });
    const sendBtn = el("button", { type: "submit", class: "btn btn-brand" }, icon("send"), sendLabel);
    const cancelBtn = opts.keep ? null : el("button", { type: "button", class: "btn btn-ghost", text: t("cancel"), on: { click: () => api.close(true) } });
    const error = el("p", { class: "composer-error", id: `${id}-error`, role: "alert", hidden: true });
    const form = el("form", { class: `composer composer--${opts.kind}`, hidden: !opts.keep, dataset: { kind: opts.kind } },
      el("label", { for: id, class: "composer-label" }, opts.kind === "statement" ? null : brandAvatar(true), el("span", { text: opts.label })),
      textarea,
      el("div", { class: "composer-foot" }, hint, counter, cancelBtn, sendBtn),
      error);
    const api = {
      node: form, textarea, kind: opts.kind, inject: opts.inject,
      open(focus) {
        form.hidden = false;
        if (!textarea.value && drafts[draftId]) textarea.value = drafts[draftId];
        api.update();
        if (focus) textarea.focus();
      },
      close(clearText) {
        if (opts.keep) return;
        form.hidden = true;
        if (clearText) { textarea.value = ""; saveDraft(draftId, ""); }
        error.hidden = true;
        if (opts.onClose) opts.onClose();
      },
      showError(message) { error.textContent = message; error.hidden = !message; },
      restore(text) {
        api.open(false);
        const current = textarea.value.trim();
        textarea.value = current ? `${text}\n\n${current}` : text;
        saveDraft(draftId, textarea.value);
        api.update();
      },
      update() {
        const n = textLength(textarea.value), limit = opts.limit();
        counter.textContent = t("chars", { n: numberFmt.format(n), limit: numberFmt.format(limit) });
        const over = n > limit;
        counter.classList.toggle("is-over", over);
        counter.classList.toggle("is-near", !over && n > limit * 0.9);
        const running = status === "running";
        // Under a chain of command, whoever is not a lead submits a draft for the lead's approval, and
        // only a spokesperson (or a lead) drafts press statements.
        const approval = needsApproval();
        setText(sendLabel, approval ? t("submitApproval") : opts.submit || t("send"));
        form.dataset.approval = approval ? "true" : "false";
        const barred = opts.kind === "statement" && !mayPublishStatements();
        sendBtn.disabled = !running || n === 0 || over || barred;
        hint.textContent = over ? t("overLimit", { n: numberFmt.format(n - limit) })
          : barred ? t("statement.barred") : running ? "" : t("onlyRunning");
        hint.classList.toggle("is-over", over);
      },
    };
    textarea.addEventListener("input", () => { api.update(); saveDraft(draftId, textarea.value); if (!error.hidden) api.showError(""); });
    textarea.addEventListener("keydown", (ev) => {
      if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) { ev.preventDefault(); form.requestSubmit(); }
      if (ev.key === "Escape" && !opts.keep) { ev.preventDefault(); api.close(false); }
    });
    textarea.title = t("shortcut");
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      api.update();
      if (sendBtn.disabled) return;
      const text = textarea.value.trim();
      textarea.value = "";
      saveDraft(draftId, "");
      api.showError("");
      api.update();
      sentFrom = api;
      if (opts.onSend) opts.onSend(text); else sendReply(opts.kind, opts.inject, text);
      sentFrom = null;
      if (!opts.keep) api.close(false);
    });
    api.update();
    allComposers.add(api);
    return api;
  }

  function limitFor(kind, channel) {
    if (kind === "dm" || kind === "statement" || kind === "email") return ctx.limits[kind] ?? 5000;
    return ctx.limits[channel] ?? 5000;
  }
  function composerLabel(kind, inject) {
    const p = inject.persona || {};
    const vars = { name: p.name, handle: p.handle, org: ctx.org.name };
    if (kind === "public") return t(`lbl.public.${inject.channel}`, { ...vars, handle: ctx.org.handle });
    if (kind === "email") return t("lbl.email", vars) + (p.email ? ` <${p.email}>` : "");
    return t(`lbl.${kind}`, vars);
  }

  /** The composer of one inject and kind, created in that inject's composer slot on first use. */
  function composerFor(kind, injectId) {
    const id = `${kind}|${injectId || ""}`;
    if (kind === "statement") return ui.statementComposer;
    if (composers.has(id)) return composers.get(id);
    const rec = injects.get(injectId);
    if (!rec || !rec.composerSlot) return null;
    const c = composer({ kind, inject: rec.item, limit: () => limitFor(kind, rec.item.channel), label: composerLabel(kind, rec.item),
      rows: kind === "public" && rec.item.channel === "microblog" ? 3 : 5,
      onClose: () => rec.actions && rec.actions.querySelectorAll("[aria-expanded]").forEach((b) => b.setAttribute("aria-expanded", "false")) });
    rec.composerSlot.append(c.node);
    composers.set(id, c);
    return c;
  }
  function toggleComposer(rec, kind, button) {
    const c = composerFor(kind, rec.item.inject_id);
    if (!c) return;
    const opening = c.node.hidden;
    for (const [key, other] of composers) if (key.endsWith(`|${rec.item.inject_id}`) && other !== c) other.close(false);
    rec.actions.querySelectorAll("[aria-expanded]").forEach((b) => b.setAttribute("aria-expanded", "false"));
    if (opening) { c.open(true); button.setAttribute("aria-expanded", "true"); } else c.close(false);
  }
  function openStatement() {
    selectTab("news");
    ui.statementComposer.open(true);
    ui.statementCard.scrollIntoView({ block: "start", behavior: "smooth" });
  }

  // ------------------------------------------------------------------------------------ sending
  // One outbox per exercise and team, so an unsent reply never follows a participant elsewhere.
  const OUTBOX_KEY = `crisisdrill-outbox-team-${root.dataset.exerciseId}-${root.dataset.teamSlot}`;

  function sendReply(kind, inject, text) {
    const payload = { key: CD.newKey(), text, kind, inject_id: inject ? inject.inject_id : null };
    if (sentFrom) origins.set(payload.key, sentFrom);
    renderPending(payload);
    outbox.send("post_reply", payload).then((reply) => settle(payload, reply));
  }

  /** The server answered a queued reply (now, or after a reload). */
  function settle(payload, reply) {
    const pending = pendingNodes.get(payload.key);
    if (reply && reply.ok) {
      // Published, or (under a chain of command) a draft waiting for the lead: its item replaces this.
      if (pending) pending.settled = true;
      if ((repliesByKey.has(payload.key) || reviewByKey.has(payload.key)) && pending) { pending.node.remove(); pendingNodes.delete(payload.key); }
      else if (pending) setText(pending.status, reply.pending_approval ? t("draft.waiting") : t("published"));
      return;
    }
    if (pending) { pending.node.remove(); pendingNodes.delete(payload.key); }
    const message = t("notSent", { error: (reply && reply.error) || "?" });
    const c = origins.get(payload.key) || composerFor(payload.kind, payload.inject_id);
    origins.delete(payload.key);
    if (c && document.contains(c.node)) {
      c.restore(payload.text);
      c.showError(message);
      if (payload.inject_id) {
        const rec = injects.get(payload.inject_id);
        if (rec && rec.actions) rec.actions.querySelectorAll(`[data-kind="${payload.kind}"]`).forEach((b) => b.setAttribute("aria-expanded", "true"));
      }
      toast(`${message}${/[.!?…]$/.test(message) ? "" : "."} ${t("restored")}`, "error");
    } else {
      toast(`${message}\n\n${payload.text}`, "error", true);
    }
  }

  /** Show every queued reply (this page's or one left by a reload) as "sending". */
  function renderPendingAll() {
    if (!outbox) return;
    for (const entry of outbox.pending) if (entry.name === "post_reply") renderPending(entry.payload);
    for (const [key, p] of pendingNodes) {
      if (repliesByKey.has(key) || reviewByKey.has(key)) { p.node.remove(); pendingNodes.delete(key); }
    }
  }
  function renderPending(payload) {
    if (pendingNodes.has(payload.key) || repliesByKey.has(payload.key) || reviewByKey.has(payload.key)) return;
    const inject = payload.inject_id ? injects.get(payload.inject_id) : null;
    if (payload.inject_id && !inject) return; // its post is not on screen yet (snapshot still loading)
    const item = {
      reply_id: null, key: payload.key, inject_id: payload.inject_id, reply_kind: payload.kind, text: payload.text,
      channel: payload.kind === "statement" ? "news" : payload.kind === "email" ? "email" : inject ? inject.item.channel : "microblog",
    };
    const rec = buildReply(item, true);
    rec.status = rec.node.querySelector(".reply-status");
    setText(rec.status, conn && conn.socket.connected ? t("sending") : t("waitingNet"));
    placeReply(rec, item, false);
    pendingNodes.set(payload.key, rec);
  }

  // ------------------------------------------------------------------------------------ rendering helpers
  function setText(node, text) { if (node && node.textContent !== text) node.textContent = text; }
  function kindLabel(kind) { return t(`kind.${kind}`); }
  function timeEl(seconds) {
    return el("time", { class: "stamp", text: fmtClock(seconds), title: t("scenarioTime") });
  }
  function nameBlock(persona, withFollowers) {
    return el("div", { class: "who" },
      el("div", { class: "who-line" },
        el("span", { class: "who-name", text: persona.name }),
        persona.verified ? verifiedBadge() : null,
        el("span", { class: "who-handle", text: persona.handle }),
        el("span", { class: "who-kind", text: kindLabel(persona.kind) })),
      withFollowers ? el("div", { class: "who-sub", text: t("followers", { n: count(persona.followers || 0) }) }) : null);
  }
  /** Scenario text is often hard-wrapped in the YAML (about 100 columns): rejoin those lines so posts
      read naturally on any width, but keep blank lines, short lines ("Dear Priya,") and list items. */
  function reflow(text) {
    const lines = String(text || "").split("\n");
    const width = Math.max(...lines.map((l) => l.length));
    if (width < 70) return text;
    let out = lines[0];
    for (let i = 1; i < lines.length; i++) {
      const prev = lines[i - 1], line = lines[i];
      const wrapped = prev.trim() && line.trim() && prev.length >= width * 0.75 && !/^\s*([-•*]|\d+[.)])\s/.test(line);
      out += wrapped ? " " + line.trimStart() : "\n" + line;
    }
    return out;
  }
  function bodyText(text, cls) { return el("div", { class: "body-text" + (cls ? " " + cls : ""), text }); }
  function countdownEl(item) {
    if (!item.expects_reply || !item.reply_within_s) return null;
    const node = el("span", { class: "countdown", dataset: { state: "open" }, role: "timer" }, icon("clock"), el("span", { class: "countdown-text" }));
    countdowns.push({ item, node, text: node.lastChild });
    return node;
  }
  function actionsFor(rec) {
    const item = rec.item;
    const specs = {
      microblog: [["public", "act.reply", "reply"], ["dm", "act.message", "mail"]],
      social: [["public", "act.comment", "reply"], ["dm", "act.message", "mail"]],
      news: [["public", "act.respond", "reply"], ["dm", "act.message", "mail"]],
      email: [["email", "act.email", "reply"]],
      phone: [["public", "act.callBack", "phone"]],
      memo: [["public", "act.memo", "reply"]],
    }[item.channel] || [["public", "act.reply", "reply"]];
    const bar = el("div", { class: "post-actions" });
    for (const [kind, label, ico] of specs) {
      const b = el("button", { type: "button", class: "act", dataset: { kind }, "aria-expanded": "false" }, icon(ico), el("span", { text: t(label) }));
      b.addEventListener("click", () => toggleComposer(rec, kind, b));
      bar.append(b);
    }
    return bar;
  }

  // ------------------------------------------------------------------------------------ injects
  function buildInject(item, nested) {
    const p = item.persona || {};
    const rec = { item, thread: el("div", { class: "thread" }), composerSlot: el("div", { class: "composer-slot" }) };
    const attrs = { class: `post post--${item.channel}${nested ? " is-nested" : ""}`, dataset: { injectId: item.inject_id, channel: item.channel }, tabindex: "-1" };
    const cd = countdownEl(item);
    rec.actions = actionsFor(rec);
    rec.dmNote = el("p", { class: "dm-note", hidden: true }, icon("mail"), el("span", { text: t("dmReplied") }));
    let node;
    switch (item.channel) {
      case "microblog": {
        const replyCount = el("span", { class: "stat-num" });
        const reposts = el("span", { class: "stat-num" });
        const likes = el("span", { class: "stat-num" });
        likes.dataset.stat = "likes"; reposts.dataset.stat = "shares";
        stats.push({ item, likes, shares: reposts, server: true });
        rec.replyCount = replyCount;
        node = el("article", attrs,
          el("div", { class: "post-grid" }, personaAvatar(p),
            el("div", { class: "post-main" },
              el("header", { class: "post-head" }, nameBlock(p, true), el("span", { class: "post-time" }, timeEl(item.delivered_s))),
              bodyText(reflow(item.text)),
              el("div", { class: "post-stats" },
                el("span", { class: "stat", title: t("replies") }, icon("reply"), replyCount),
                el("span", { class: "stat", title: t("reposts") }, icon("repost"), reposts),
                el("span", { class: "stat", title: t("likes") }, icon("heart"), likes),
                cd),
              rec.actions, rec.dmNote, rec.composerSlot)),
          rec.thread);
        break;
      }
      case "social": {
        const likes = el("span", { class: "stat-num" });
        const shares = el("span", { class: "stat-num" });
        rec.replyCount = el("span", {});
        likes.dataset.stat = "likes"; shares.dataset.stat = "shares";
        stats.push({ item, likes, shares, server: true });
        node = el("article", attrs,
          el("header", { class: "post-head post-head--social" }, personaAvatar(p), nameBlock(p, true), el("span", { class: "post-time" }, timeEl(item.delivered_s))),
          bodyText(reflow(item.text), "body-text--social"),
          el("div", { class: "social-stats" },
            el("span", { class: "stat" }, el("span", { class: "reaction", "aria-hidden": "true" }, icon("thumb")), likes, el("span", { class: "sr-only", text: t("likes") })),
            el("span", { class: "stat-right" }, rec.replyCount, el("span", { text: " · " }), shares, el("span", { text: ` ${t("shares").toLowerCase()}` }))),
          cd ? el("div", { class: "post-due" }, cd) : null,
          rec.actions, rec.dmNote, el("div", { class: "comments" }, rec.thread, rec.composerSlot));
        break;
      }
      case "news": {
        const shares = el("span", { class: "stat-num" });
        stats.push({ item, shares });
        const subject = item.subject || item.text.split(/[.!?]/)[0];
        node = el("article", attrs,
          el("div", { class: "news-outlet" }, personaAvatar(p, true), el("span", { class: "news-byline" },
            el("span", { class: "who-name", text: p.name }), p.verified ? verifiedBadge() : null,
            el("span", { class: "who-kind", text: kindLabel(p.kind) })), timeEl(item.delivered_s)),
          el("h3", { class: "headline", text: subject }),
          bodyText(reflow(item.text), "body-text--article"),
          el("div", { class: "post-stats" }, el("span", { class: "stat" }, icon("repost"), shares), cd),
          rec.actions, rec.dmNote, rec.composerSlot, rec.thread);
        break;
      }
      case "email": {
        node = el("article", attrs,
          el("header", { class: "mail-head" }, personaAvatar(p),
            el("div", { class: "mail-meta" },
              el("div", { class: "mail-from" }, el("span", { class: "who-name", text: p.name }), p.verified ? verifiedBadge() : null,
                el("span", { class: "who-kind", text: kindLabel(p.kind) })),
              el("div", { class: "mail-addr" }, el("span", { text: `${t("from")}: ` }), el("span", { text: p.email || p.handle })),
              el("div", { class: "mail-addr" }, el("span", { text: `${t("to")}: ${t("pressOffice")}, ${ctx.org.name}` }))),
            el("span", { class: "post-time" }, timeEl(item.delivered_s))),
          el("h3", { class: "mail-subject", text: item.subject || "—" }),
          cd ? el("div", { class: "post-due" }, cd) : null,
          bodyText(reflow(item.text), "body-text--mail"),
          rec.actions, rec.dmNote, rec.thread, rec.composerSlot);
        break;
      }
      default: { // phone, memo
        const phone = item.channel === "phone";
        node = el("article", attrs,
          el("div", { class: "call-label" }, icon(phone ? "phone" : "memo"), el("span", { text: phone ? t("voicemail") : t("memo") }), timeEl(item.delivered_s)),
          el("header", { class: "mail-head" }, personaAvatar(p, true),
            el("div", { class: "mail-meta" }, el("div", { class: "mail-from" }, el("span", { class: "who-name", text: p.name }),
              el("span", { class: "who-kind", text: kindLabel(p.kind) })),
            el("div", { class: "mail-addr", text: p.bio || p.handle }))),
          item.subject ? el("h3", { class: "mail-subject", text: item.subject }) : null,
          cd ? el("div", { class: "post-due" }, cd) : null,
          bodyText(reflow(item.text), phone ? "body-text--transcript" : "body-text--memo"),
          rec.actions, rec.dmNote, rec.thread, rec.composerSlot);
      }
    }
    rec.node = node;
    return rec;
  }

  /** An incoming message in a DM conversation (an ad-hoc post answering one of the team's DMs). */
  function buildDmIncoming(item) {
    const rec = { item, thread: null, composerSlot: null, actions: null };
    rec.node = el("div", { class: "bubble bubble--in", dataset: { injectId: item.inject_id, channel: item.channel }, tabindex: "-1" },
      item.subject ? el("strong", { class: "bubble-subject", text: item.subject }) : null,
      bodyText(reflow(item.text)), el("div", { class: "bubble-meta" }, timeEl(item.delivered_s), countdownEl(item)));
    return rec;
  }

  function addInject(item) {
    if (injects.has(item.inject_id)) return;
    const parent = item.in_reply_to ? replies.get(item.in_reply_to) : null;
    let rec, tab;
    if (parent && parent.item.reply_kind === "dm") {
      rec = buildDmIncoming(item);
      const thread = parent.dmThread;
      thread.list.append(rec.node);
      thread.lastInject = item;
      bumpThread(thread);
      tab = "inbox";
    } else if (parent) {
      rec = buildInject(item, true);
      parent.children.append(rec.node);
      tab = parent.tab;
    } else {
      rec = buildInject(item, false);
      tab = CHANNEL_TAB[item.channel] || "microblog";
      ui.feeds[tab].prepend(rec.node);
    }
    rec.tab = tab;
    injects.set(item.inject_id, rec);
    highlight(rec.node);
    noteInTab(tab, item.seq);
    updateReplyCount(rec);
  }

  function updateReplyCount(rec) {
    if (!rec || !rec.replyCount) return;
    const n = rec.thread.querySelectorAll(":scope > [data-reply-id]").length;
    if (rec.item.channel === "social") setText(rec.replyCount, t(n === 1 ? "comment" : "comments", { n }));
    else setText(rec.replyCount, n ? String(n) : "");
  }

  // ------------------------------------------------------------------------------------ replies
  /** A published reply; with pending, one on its way (or, with draftId, a draft waiting for the lead). */
  function buildReply(item, pending, draftId) {
    const attrs = { class: `reply reply--${item.reply_kind} reply--${item.channel}${pending ? " is-pending" : ""}${draftId ? " is-draft" : ""}` };
    if (draftId) attrs.dataset = { draftId };
    else if (pending) attrs.dataset = { pendingKey: item.key }; else attrs.dataset = { replyId: item.reply_id };
    const inject = item.inject_id ? injects.get(item.inject_id) : null;
    const children = el("div", { class: "thread thread--reply" });
    const statusText = el("span", { class: "reply-status" });
    const when = pending ? statusText : el("span", { class: "reply-when" }, timeEl(item.published_s),
      item.response_s != null ? el("span", { class: "response-time", text: ` · ${t("cd.answeredIn", { t: fmtDuration(item.response_s) })}` }) : null);
    const by = el("span", { class: "reply-author" }, item.author ? ` · ${item.author}` : null,
      // A reply that went through the chain of command says who approved it, discreetly.
      item.approved_by ? el("span", { class: "reply-approved", text: ` · ${t("approvedBy", { name: item.approved_by })}` }) : null);
    let node;
    if (item.reply_kind === "statement") {
      node = el("article", attrs,
        el("div", { class: "release-label" }, icon("megaphone"), el("span", { text: t("pressRelease") }), el("span", { class: "release-sub", text: `· ${t("forImmediate")}` })),
        el("div", { class: "release-from" }, brandAvatar(true), el("strong", { text: ctx.org.name }), el("span", { class: "who-handle", text: ctx.org.handle })),
        bodyText(item.text, "body-text--article"), el("div", { class: "reply-foot" }, when, by), children);
    } else if (item.reply_kind === "dm") {
      node = el("div", { ...attrs, class: attrs.class + " bubble bubble--out" }, bodyText(item.text), el("div", { class: "bubble-meta" }, when, by));
    } else if (item.reply_kind === "email") {
      const p = inject ? inject.item.persona : {};
      node = el("article", attrs,
        el("div", { class: "mail-sent-head" }, brandAvatar(true),
          el("div", { class: "mail-meta" },
            el("div", {}, el("strong", { text: `${t("pressOffice")}, ${ctx.org.name}` }), pending ? null : el("span", { class: "sent-tag", text: t("sentEmail") })),
            el("div", { class: "mail-addr", text: `${t("to")}: ${p.name || ""}${p.email ? ` <${p.email}>` : ""}` }),
            inject && inject.item.subject ? el("div", { class: "mail-addr", text: t("re", { s: inject.item.subject }) }) : null)),
        bodyText(item.text, "body-text--mail"), el("div", { class: "reply-foot" }, when, by), children);
    } else {
      const ch = item.channel;
      const label = ch === "phone" ? t("yourCall") : ch === "memo" ? t("yourMemo") : ch === "news" ? t("yourResponse") : null;
      const target = inject ? inject.item.persona.handle : null;
      node = el("article", attrs,
        el("div", { class: "post-grid" }, brandAvatar(ch !== "microblog"),
          el("div", { class: "post-main" },
            el("header", { class: "post-head" },
              el("div", { class: "who" }, el("div", { class: "who-line" },
                el("span", { class: "who-name", text: ctx.org.name }),
                el("span", { class: "who-handle", text: ctx.org.handle }),
                el("span", { class: "who-kind who-kind--brand", text: t("you") })),
              label ? el("div", { class: "who-sub", text: label }) : target && ch === "microblog" ? el("div", { class: "who-sub", text: t("replyingTo", { handle: target }) }) : null)),
            bodyText(item.text), el("div", { class: "reply-foot" }, when, by))),
        children);
    }
    return { item, node, children, status: statusText };
  }

  /** Put a reply (or a pending one) where it belongs: under its post, in a DM conversation, in the newsroom. */
  function placeReply(rec, item, live) {
    const inject = item.inject_id ? injects.get(item.inject_id) : null;
    if (item.reply_kind === "statement" || (!inject && item.inject_id == null && item.reply_kind !== "dm")) {
      const tab = item.reply_kind === "statement" ? "news" : CHANNEL_TAB[item.channel] || "microblog";
      ui.feeds[tab].prepend(rec.node);
      rec.tab = tab;
    } else if (item.reply_kind === "dm" && inject) {
      const thread = dmThreadFor(inject.item);
      thread.list.append(rec.node);
      rec.dmThread = thread;
      rec.children = thread.list;
      if (!thread.lastInject || thread.lastInject.delivered_s <= inject.item.delivered_s) thread.lastInject = inject.item;
      if (inject.dmNote && !rec.node.classList.contains("is-draft")) inject.dmNote.hidden = false;
      bumpThread(thread);
      rec.tab = "inbox";
    } else if (inject) {
      inject.thread.append(rec.node);
      rec.tab = inject.tab;
      updateReplyCount(inject);
    } else {
      const tab = CHANNEL_TAB[item.channel] || "microblog";
      ui.feeds[tab].prepend(rec.node);
      rec.tab = tab;
    }
    if (live) highlight(rec.node);
  }

  function addReply(item) {
    if (replies.has(item.reply_id)) return;
    const pending = item.key ? pendingNodes.get(item.key) : null;
    if (pending) { pending.node.remove(); pendingNodes.delete(item.key); }
    draftPublished(item);
    const rec = buildReply(item, false);
    replies.set(item.reply_id, rec);
    if (item.key) repliesByKey.set(item.key, item);
    placeReply(rec, item, !initialBatch && !pending);
    if (item.inject_id && !answered.has(item.inject_id)) answered.set(item.inject_id, item);
  }

  // ------------------------------------------------------------------------------------ DM threads
  function dmThreadFor(inject) {
    const p = inject.persona;
    let thread = dmThreads.get(p.id);
    if (!thread) {
      const list = el("div", { class: "dm-list" });
      const slot = el("div", { class: "composer-slot" });
      thread = { persona: p, list, quoted: new Set(), lastInject: inject };
      // The conversation's composer answers the latest message from this persona.
      const c = composer({ kind: "dm", inject: null, limit: () => ctx.limits.dm, label: t("lbl.dm", { name: p.name, handle: p.handle }),
        rows: 2, keep: true, draftId: `dmthread|${p.id}`, onSend: (text) => sendReply("dm", thread.lastInject, text) });
      slot.append(c.node);
      thread.composer = c;
      thread.node = el("section", { class: "dm-thread", dataset: { persona: p.id } },
        el("header", { class: "dm-head" }, personaAvatar(p), nameBlock(p, true)), list, slot);
      dmThreads.set(p.id, thread);
      ui.dmThreads.prepend(thread.node);
    }
    if (!thread.quoted.has(inject.inject_id)) {
      thread.quoted.add(inject.inject_id);
      thread.list.append(el("div", { class: "bubble bubble--in bubble--quote", dataset: { quotedInject: inject.inject_id } },
        el("span", { class: "bubble-subject", text: `${t("dmAbout")} · ${t(`tab.${CHANNEL_TAB[inject.channel] || "microblog"}`)}` }),
        bodyText(inject.subject || reflow(inject.text)), el("div", { class: "bubble-meta" }, timeEl(inject.delivered_s))));
    }
    return thread;
  }
  function bumpThread(thread) { if (ui.dmThreads.firstChild !== thread.node) ui.dmThreads.prepend(thread.node); }

  // ------------------------------------------------------------------------------------ members, messages
  function addMember(item) {
    members.set(item.participant_id, { name: item.display_name, role: item.role || "member" });
    renderMembers();
  }
  function changeRole(item) {
    const member = members.get(item.participant_id);
    if (!member || member.role === item.role) return;
    member.role = item.role;
    renderMembers();
    if (item.participant_id === ctx.meId && !initialBatch && chain()) toast(t("toast.role", { role: roleLabel(item.role) }));
  }
  const isMe = (id, name) => (ctx.meId ? id === ctx.meId : name === ctx.me);
  function renderMembers() {
    for (const list of ui.members) {
      list.replaceChildren(...[...members].map(([id, m]) => el("li", { dataset: { participant: id, role: m.role } },
        el("span", { class: "member-dot", "aria-hidden": "true" }), el("span", { class: "member-name", text: m.name }),
        isMe(id, m.name) ? el("span", { class: "muted small", text: ` (${t("you")})` }) : null,
        chain() ? roleBadge(m.role) : null)));
    }
  }

  // ------------------------------------------------------------------------------------ chain of command
  // With the option chain_of_command, whoever is not a lead submits drafts (post_reply answers
  // pending_approval); the team's lead approves, edits or rejects them (review_draft). A draft shows in
  // place, dashed, under what it answers, and as a card in the Drafts tab; the decision updates both,
  // and an approved draft's reply takes its place.
  const ROLE_KEYS = ["community_manager", "lead", "spokesperson"];
  const COMMENT_MAX = 500;
  const DECIDED = { approve: "approved", edit: "edited", reject: "rejected" };
  const chain = () => Boolean(ctx.options.chain_of_command);
  function myRole() {
    const m = members.get(ctx.meId);
    return m ? m.role : "member";
  }
  const isLead = () => chain() && myRole() === "lead";
  const needsApproval = () => chain() && myRole() !== "lead";
  const mayPublishStatements = () => !chain() || myRole() === "lead" || myRole() === "spokesperson";
  const roleLabel = (role) => t(`role.${ROLE_KEYS.includes(role) ? role : "member"}`);
  const roleBadge = (role) => el("span", { class: "role-badge", dataset: { role }, text: roleLabel(role) });
  const reviewState = (rec) => (rec.review ? DECIDED[rec.review.decision] || "approved" : "pending");
  function pendingDrafts() {
    let n = 0;
    for (const rec of reviews.values()) if (!rec.review) n++;
    return n;
  }

  function applyOptions(options) {
    ctx.options = { chain_of_command: Boolean(options && options.chain_of_command), mood_visible: Boolean(options && options.mood_visible) };
    if (!ctx.options.mood_visible) mood = null;
    refreshChain();
    renderMood();
  }

  /** Everything that depends on the option and on this participant's role. */
  function refreshChain() {
    if (!ui.tabs || !ui.tabs.drafts) return;
    const on = chain(), role = myRole();
    ui.tabs.drafts.hidden = !on;
    if (!on && activeTab === "drafts") selectTab("microblog");
    ui.roleChip.hidden = !on;
    setText(ui.roleChipRole, roleLabel(role));
    ui.roleChipRole.dataset.role = role;
    root.dataset.role = on ? role : "";
    ui.statementRole.hidden = !on || !ROLE_KEYS.includes(role);
    setText(ui.statementRole, ui.statementRole.hidden ? "" : t(`statement.role.${role}`));
    setText(ui.draftsSub, t(isLead() ? "drafts.sub.lead" : "drafts.sub"));
    for (const c of allComposers) c.update();
    for (const rec of reviews.values()) { updateReview(rec); updateInline(rec); }
    renderMembers();
    updateBadges();
  }

  function addDraft(item) {
    if (reviews.has(item.draft_id)) return;
    const rec = { item, review: null, mode: null, busy: false, inline: null, redrafted: false };
    reviews.set(item.draft_id, rec);
    reviewByKey.set(item.key, item.draft_id);
    const pending = pendingNodes.get(item.key);
    if (pending) { pending.node.remove(); pendingNodes.delete(item.key); }
    supersede(item);
    if (!repliesByKey.has(item.key)) showInline(rec);
    buildReviewCard(rec);
    ui.draftList.prepend(rec.card);
    highlight(rec.card);
    if (!initialBatch && isLead() && item.author_id !== ctx.meId) toast(t("toast.newDraft", { name: item.author }));
  }

  function addDecision(item) {
    const rec = reviews.get(item.draft_id);
    if (!rec || rec.review) return;
    rec.review = item;
    rec.mode = null;
    updateReview(rec);
    updateInline(rec);
    if (!initialBatch && rec.item.author_id === ctx.meId && item.decision === "reject") {
      toast(t("toast.rejected", { name: item.reviewer, comment: item.comment }), "info");
    } else if (!initialBatch && rec.item.author_id === ctx.meId) {
      toast(t("toast.approved", { name: item.reviewer }));
    }
  }

  /** A reply was published: the draft it came from leaves the thread, and so do rejected drafts it replaces. */
  function draftPublished(item) {
    const id = item.draft_id || (item.key && reviewByKey.get(item.key));
    const rec = id ? reviews.get(id) : null;
    if (rec && rec.inline) { rec.inline.node.remove(); rec.inline = null; }
    supersede(item);
  }
  function supersede(item) {
    for (const rec of reviews.values()) {
      if (!rec.inline || !rec.review || rec.review.decision !== "reject" || rec.item.key === item.key) continue;
      if ((rec.item.inject_id || null) === (item.inject_id || null) && rec.item.reply_kind === item.reply_kind) {
        rec.inline.node.remove();
        rec.inline = null;
      }
    }
  }

  /** The draft in place, under what it answers: dashed, never counted as a reply. */
  function showInline(rec) {
    const d = rec.item;
    const item = { reply_id: null, key: d.key, inject_id: d.inject_id, reply_kind: d.reply_kind, text: d.text, channel: d.channel, author: d.author };
    const built = buildReply(item, true, d.draft_id);
    rec.inline = { node: built.node, status: built.status, extra: el("div", { class: "draft-inline" }) };
    built.node.append(rec.inline.extra);
    placeReply(built, item, false);
    updateInline(rec);
  }
  function updateInline(rec) {
    if (!rec.inline) return;
    const state = reviewState(rec);
    rec.inline.node.dataset.state = state;
    setText(rec.inline.status, state === "rejected" ? t("draft.by.rejected", { name: rec.review.reviewer })
      : state === "pending" ? t("draft.waiting") : t(`draft.by.${state}`, { name: rec.review.reviewer }));
    const extra = rec.inline.extra;
    const signature = `${state}|${mayRedraft(rec)}|${isLead()}`;
    if (extra.dataset.signature === signature) return; // unchanged: keep the focus where it is
    extra.dataset.signature = signature;
    extra.replaceChildren();
    if (state === "rejected") {
      extra.append(el("blockquote", { class: "draft-comment", text: rec.review.comment }));
      if (mayRedraft(rec)) extra.append(redraftButton(rec));
    } else if (state === "pending" && isLead()) {
      extra.append(el("button", { type: "button", class: "btn btn-ghost btn-sm", text: t("draft.reviewIt"), on: { click: () => showCard(rec) } }));
    }
  }
  function showCard(rec) {
    selectTab("drafts");
    rec.card.scrollIntoView({ block: "center", behavior: "smooth" });
    rec.card.focus({ preventScroll: true });
    highlight(rec.card);
  }

  const mayRedraft = (rec) => rec.item.author_id === ctx.meId && !rec.redrafted && status !== "ended";
  function redraftButton(rec) {
    return el("button", { type: "button", class: "btn btn-brand btn-sm redraft", on: { click: () => redraft(rec) } }, icon("undo"), el("span", { text: t("draft.redraft") }));
  }
  /** Put a rejected draft's text back into the composer it came from, to rework it. */
  function redraft(rec) {
    const d = rec.item;
    const target = d.inject_id ? injects.get(d.inject_id) : null;
    let c = null;
    if (d.reply_kind === "statement") {
      c = ui.statementComposer;
      selectTab("news");
    } else if (target && d.reply_kind === "dm") {
      c = dmThreadFor(target.item).composer;
      selectTab("inbox");
    } else if (target && target.composerSlot) {
      c = composerFor(d.reply_kind, d.inject_id);
      for (const [key, other] of composers) if (key.endsWith(`|${d.inject_id}`) && other !== c) other.close(false);
      if (target.actions) target.actions.querySelectorAll("[aria-expanded]").forEach((b) => b.setAttribute("aria-expanded", b.dataset.kind === d.reply_kind ? "true" : "false"));
      selectTab(target.tab);
    }
    if (!c) { toast(`${t("draft.noComposer")}\n\n${d.text}`, "info", true); return; }
    c.restore(d.text);
    rec.redrafted = true;
    if (rec.inline) { rec.inline.node.remove(); rec.inline = null; }
    updateReview(rec);
    c.node.scrollIntoView({ block: "center", behavior: "smooth" });
    c.textarea.focus({ preventScroll: true });
  }

  function draftWhere(d, target) {
    if (d.reply_kind === "statement") return t("draft.where.statement");
    const channel = t(`tab.${CHANNEL_TAB[d.channel] || "microblog"}`);
    if (!target) return t("draft.where.post", { channel });
    const kind = ["public", "dm", "email"].includes(d.reply_kind) ? d.reply_kind : "public";
    return t(`draft.where.${kind}`, { name: target.item.persona.name, channel });
  }
  function excerpt(text, max) {
    const flat = String(text || "").replace(/\s+/g, " ").trim();
    const chars = [...flat];
    return chars.length > (max || 160) ? `${chars.slice(0, max || 160).join("").trimEnd()}…` : flat;
  }

  /** A draft's card in the Drafts tab: who, where, the text, its status, and the lead's buttons. */
  function buildReviewCard(rec) {
    const d = rec.item;
    const target = d.inject_id ? injects.get(d.inject_id) : null;
    rec.statusNode = el("span", { class: "draft-status" });
    rec.outcome = el("div", { class: "draft-outcome", hidden: true });
    rec.note = el("p", { class: "draft-note", hidden: true });
    rec.error = el("p", { class: "composer-error draft-error", role: "alert", hidden: true });
    rec.buttons = {
      approve: el("button", { type: "button", class: "btn btn-brand btn-sm", dataset: { decision: "approve" }, on: { click: () => review(rec, "approve", {}) } },
        icon("check"), el("span", { text: t("draft.approve") })),
      edit: el("button", { type: "button", class: "btn btn-ghost btn-sm", dataset: { decision: "edit" }, on: { click: () => openEditor(rec, "edit") } },
        icon("edit"), el("span", { text: t("draft.edit") })),
      reject: el("button", { type: "button", class: "btn btn-ghost btn-sm btn-reject", dataset: { decision: "reject" }, on: { click: () => openEditor(rec, "reject") } },
        icon("cross"), el("span", { text: t("draft.reject") })),
    };
    rec.actions = el("div", { class: "draft-actions", hidden: true }, rec.buttons.approve, rec.buttons.edit, rec.buttons.reject);
    rec.editors = { edit: reviewEditor(rec, "edit"), reject: reviewEditor(rec, "reject") };
    rec.redraftSlot = el("div", { class: "draft-foot" });
    const subject = target && target.item.subject ? target.item.subject : target ? excerpt(reflow(target.item.text)) : "";
    rec.card = el("article", { class: "draft-card", dataset: { draftId: d.draft_id, status: "pending", kind: d.reply_kind }, tabindex: "-1" },
      el("header", { class: "draft-head" },
        el("div", { class: "draft-who" }, el("strong", { class: "draft-author", text: d.author }), roleBadge(d.author_role)),
        rec.statusNode),
      el("div", { class: "draft-where" }, el("span", { text: draftWhere(d, target) }), el("span", { "aria-hidden": "true", text: "·" }), timeEl(d.drafted_s),
        target ? el("button", { type: "button", class: "link-btn", text: t("draft.viewPost"), on: { click: () => jumpTo(d.inject_id) } }) : null),
      subject ? el("blockquote", { class: "draft-context", text: subject }) : null,
      bodyText(d.text, "draft-text"),
      rec.outcome, rec.note, rec.actions, rec.editors.edit.node, rec.editors.reject.node, rec.error, rec.redraftSlot);
    updateReview(rec);
  }

  function updateReview(rec) {
    if (!rec.card) return;
    const state = reviewState(rec), r = rec.review;
    rec.card.dataset.status = state;
    rec.statusNode.dataset.status = state;
    setText(rec.statusNode, t(`draft.status.${state}`));
    if (r && rec.outcome.hidden) {
      rec.outcome.hidden = false;
      rec.outcome.replaceChildren(el("p", { class: "draft-verdict" },
        el("span", { text: t(`draft.by.${state}`, { name: r.reviewer }) }), el("span", { "aria-hidden": "true", text: " · " }), timeEl(r.reviewed_s)));
      if (state === "rejected") rec.outcome.append(el("blockquote", { class: "draft-comment", text: r.comment }));
      if (state === "edited" && r.text) rec.outcome.append(el("p", { class: "draft-label", text: t("draft.publishedText") }), bodyText(r.text, "draft-published"));
    }
    const running = status === "running", online = connState === "online";
    const reviewing = state === "pending" && isLead() && status !== "ended";
    rec.actions.hidden = !reviewing || rec.mode !== null;
    for (const [mode, editor] of Object.entries(rec.editors)) {
      editor.node.hidden = !reviewing || rec.mode !== mode;
      editor.update();
    }
    for (const b of Object.values(rec.buttons)) b.disabled = rec.busy || !running || !online;
    const note = state !== "pending" ? "" : !reviewing ? t("draft.waitingLead")
      : rec.busy ? t("sending") : !online ? t("waitingNet") : !running ? t("draft.onlyRunning") : "";
    setText(rec.note, note);
    rec.note.hidden = !note;
    const redraftable = state === "rejected" && mayRedraft(rec);
    if (redraftable !== Boolean(rec.redraftSlot.firstChild)) rec.redraftSlot.replaceChildren(...(redraftable ? [redraftButton(rec)] : []));
  }

  function showReviewError(rec, message) {
    rec.error.textContent = message;
    rec.error.hidden = !message;
  }

  /** The lead's inline editor: the edited text (channel's limit) or the rejection's comment (500). */
  function reviewEditor(rec, mode) {
    const d = rec.item, edit = mode === "edit";
    const limit = edit ? limitFor(d.reply_kind, d.channel) : COMMENT_MAX;
    const id = `review-${mode}-${++composerSeq}`;
    const textarea = el("textarea", { id, class: "composer-input", rows: edit ? 4 : 2, "aria-describedby": `${id}-count ${id}-hint` });
    const counter = el("span", { class: "counter", id: `${id}-count` });
    const hint = el("span", { class: "composer-hint", id: `${id}-hint` });
    const confirm = el("button", { type: "submit", class: `btn ${edit ? "btn-brand" : "btn-danger"}` },
      icon(edit ? "send" : "cross"), el("span", { text: t(edit ? "draft.publishEdited" : "draft.confirmReject") }));
    const cancel = el("button", { type: "button", class: "btn btn-ghost", text: t("cancel"), on: { click: () => closeEditor(rec) } });
    const form = el("form", { class: `composer review-editor review-editor--${mode}`, hidden: true, dataset: { mode } },
      el("label", { for: id, class: "composer-label" }, el("span", { text: t(edit ? "draft.editLabel" : "draft.rejectLabel") })),
      textarea, el("div", { class: "composer-foot" }, hint, counter, cancel, confirm));
    const api = {
      node: form, textarea,
      update() {
        const n = textLength(textarea.value), over = n > limit;
        counter.textContent = t("chars", { n: numberFmt.format(n), limit: numberFmt.format(limit) });
        counter.classList.toggle("is-over", over);
        counter.classList.toggle("is-near", !over && n > limit * 0.9);
        const same = edit && textarea.value.trim() === d.text;
        confirm.disabled = rec.busy || n === 0 || over || same || status !== "running" || connState !== "online";
        hint.textContent = over ? t("overLimit", { n: numberFmt.format(n - limit) })
          : same ? t("draft.unchanged") : !edit && n === 0 ? t("draft.commentNeeded") : "";
        hint.classList.toggle("is-over", over);
      },
    };
    textarea.addEventListener("input", () => { api.update(); if (!rec.error.hidden) showReviewError(rec, ""); });
    textarea.addEventListener("keydown", (ev) => {
      if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) { ev.preventDefault(); form.requestSubmit(); }
      if (ev.key === "Escape") { ev.preventDefault(); closeEditor(rec); }
    });
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      api.update();
      if (confirm.disabled) return;
      const value = textarea.value.trim();
      review(rec, mode, edit ? { text: value } : { comment: value });
    });
    return api;
  }
  function openEditor(rec, mode) {
    rec.mode = mode;
    const editor = rec.editors[mode];
    if (mode === "edit" && !editor.textarea.value) editor.textarea.value = rec.item.text;
    showReviewError(rec, "");
    updateReview(rec);
    editor.textarea.focus();
  }
  function closeEditor(rec) {
    const mode = rec.mode;
    rec.mode = null;
    showReviewError(rec, "");
    updateReview(rec);
    if (mode && rec.buttons[mode] && !rec.actions.hidden) rec.buttons[mode].focus();
  }

  /** Send the lead's decision; on failure the text stays in the editor and the error says why. */
  async function review(rec, decision, extra) {
    if (rec.busy || rec.review || !conn) return;
    rec.busy = true;
    showReviewError(rec, "");
    updateReview(rec);
    const reply = await conn.command("review_draft", { draft_id: rec.item.draft_id, decision, ...extra });
    rec.busy = false;
    if (reply && reply.ok) {
      rec.mode = null;
      for (const editor of Object.values(rec.editors)) editor.textarea.value = "";
    } else if (!rec.review) { // decided meanwhile (by another lead): the card already says so
      const message = t("draft.failed", { error: (reply && reply.error) || "?" });
      showReviewError(rec, message);
      toast(message, "error");
    }
    updateReview(rec);
  }

  // ------------------------------------------------------------------------------------ mood, engagement
  // The server's pulse (every clock message, and the snapshot): like and share counts of the team's
  // microblog and social posts, which only grow, and its public mood when the facilitator shows it.
  const MOOD_BANDS = [[25, "calm"], [50, "tense"], [75, "heated"], [Infinity, "outrage"]];
  function applyPulse(pulse) {
    if (!pulse || typeof pulse !== "object") return;
    for (const [id, pair] of Object.entries(pulse.engagement || {})) {
      if (!Array.isArray(pair)) continue;
      const before = engagement.get(id) || [0, 0];
      engagement.set(id, [Math.max(before[0], Number(pair[0]) || 0), Math.max(before[1], Number(pair[1]) || 0)]);
    }
    if (typeof pulse.mood === "number" && Number.isFinite(pulse.mood)) mood = pulse.mood;
    renderMood();
  }
  function renderMood() {
    if (!ui.mood) return;
    const show = ctx.options.mood_visible && mood != null;
    ui.mood.hidden = !show;
    if (!show) return;
    const value = Math.max(0, Math.min(100, mood));
    const band = MOOD_BANDS.find(([max]) => value < max)[1];
    const shown = Math.round(value);
    ui.mood.dataset.band = band;
    ui.moodFill.style.width = `${value}%`;
    setText(ui.moodValue, numberFmt.format(shown));
    setText(ui.moodBand, t(`mood.${band}`));
    ui.mood.setAttribute("aria-valuenow", String(shown));
    ui.mood.setAttribute("aria-valuetext", `${numberFmt.format(shown)} / 100, ${t(`mood.${band}`)}`);
  }

  const DISMISS_KEY = `crisisdrill-dismissed-${ctx.exerciseId}`;
  function addMessage(item) {
    messages.push(item);
    ui.messageList.prepend(el("li", {}, el("span", { class: "stamp", text: fmtClock(item.sent_s) }), el("span", { text: item.text })));
    noteInTab("briefing", item.seq);
    const dismissed = Number(localStorage.getItem(DISMISS_KEY) || 0);
    if (item.seq > dismissed) showFacilitator(item, !initialBatch);
  }
  function showFacilitator(item, live) {
    const b = ui.facilitator;
    b.replaceChildren(
      el("span", { class: "fac-label" }, icon("megaphone"), el("span", { text: t("facilitator") })),
      el("p", { class: "fac-text", text: item.text }),
      el("span", { class: "stamp", text: fmtClock(item.sent_s) }),
      el("button", { type: "button", class: "btn btn-ghost btn-sm", text: t("dismiss"), on: { click: () => {
        b.hidden = true;
        try { localStorage.setItem(DISMISS_KEY, String(item.seq)); } catch (e) { /* quota */ }
      } } }));
    b.hidden = false;
    if (live) { highlight(b); toast(`${t("newMessage")}: ${item.text}`, "facilitator"); }
  }

  // ------------------------------------------------------------------------------------ feedback
  function highlight(node) {
    if (initialBatch) return;
    node.classList.remove("is-new");
    void node.offsetWidth; // restart the animation
    node.classList.add("is-new");
    setTimeout(() => node.classList.remove("is-new"), 6000);
  }
  function toast(text, kind, sticky) {
    const node = el("div", { class: `toast toast--${kind || "info"}`, role: kind === "error" ? "alert" : "status" },
      el("p", { text }), el("button", { type: "button", class: "toast-close", "aria-label": t("dismiss"), text: "×", on: { click: () => node.remove() } }));
    ui.toasts.append(node);
    if (!sticky) setTimeout(() => node.remove(), kind === "error" ? 15000 : 8000);
  }

  // ------------------------------------------------------------------------------------ status
  function applyStatus(next) {
    if (next === status) return;
    const previous = status;
    status = next;
    root.dataset.status = next;
    ui.status.dataset.status = next;
    setText(ui.status, t(`status.${next}`));
    const banner = ui.stateBanner;
    ui.pauseStrip.hidden = next !== "paused"; // inside the sticky header: visible wherever one has scrolled
    banner.replaceChildren();
    if (next === "draft") {
      banner.append(el("div", { class: "state-card state-card--draft" },
        el("span", { class: "spinner", "aria-hidden": "true" }),
        el("div", {}, el("h2", { text: t("waiting.title") }), el("p", { text: t("waiting.text") }))));
    } else if (next === "ended") {
      banner.append(debriefCard());
    }
    for (const c of allComposers) c.update();
    for (const rec of reviews.values()) { updateReview(rec); updateInline(rec); }
    if (!initialBatch && previous) {
      if (next === "running" && previous === "paused") toast(t("toast.resumed"));
      if (next === "running" && previous === "draft") toast(t("toast.started"));
    }
  }
  // The report link appears on the debrief card once the facilitator releases the report.
  let reportReleased = false;
  function setReportReleased(released) {
    reportReleased = released;
    if (status === "ended") ui.stateBanner.replaceChildren(debriefCard());
  }

  function debriefCard() {
    const own = [...replies.values()].map((r) => r.item);
    const expected = [...injects.values()].filter((r) => r.item.expects_reply);
    const done = expected.map((r) => answered.get(r.item.inject_id)).filter(Boolean);
    const answeredN = done.length;
    const times = done.map((r) => r.response_s).filter((x) => x != null);
    const avg = times.length ? times.reduce((a, b) => a + b, 0) / times.length : null;
    return el("section", { class: "state-card state-card--ended debrief", "aria-labelledby": "debrief-title" },
      el("div", {}, el("h2", { id: "debrief-title", text: t("debrief.title") }), el("p", { text: t("debrief.text") }),
        el("dl", { class: "debrief-stats" },
          el("div", {}, el("dt", { text: t("debrief.replies") }), el("dd", { text: String(own.length) })),
          el("div", {}, el("dt", { text: t("debrief.answered") }), el("dd", { text: `${answeredN} / ${expected.length}` })),
          el("div", {}, el("dt", { text: t("debrief.avg") }), el("dd", { text: avg == null ? "—" : fmtDuration(avg) }))),
        reportReleased ? el("p", {}, el("a", { href: "/team/report", id: "team-report-link", class: "btn btn--primary", text: t("debrief.report") })) : null));
  }

  // ------------------------------------------------------------------------------------ the 250 ms loop
  let lastSpeed = null;
  let dueSignature = "";
  function tick() {
    if (!conn) return;
    const clock = conn.clock;
    const now = clock.now();
    if (!loaded) return;
    const before = status;
    applyStatus(clock.status);
    setText(ui.clock, fmtClock(now));
    if (clock.speed !== lastSpeed) {
      if (lastSpeed != null && !initialBatch && before === "running" && status === "running") toast(t("toast.speed", { n: clock.speed }));
      lastSpeed = clock.speed;
      setText(ui.speed, `×${Number(clock.speed).toLocaleString(lang)}`);
      ui.speed.title = t("speed", { n: clock.speed });
    }
    for (const cd of countdowns) {
      const done = answered.get(cd.item.inject_id);
      const w = CD.windowState(cd.item.delivered_s, cd.item.reply_within_s, now, !!done);
      if (cd.node.dataset.state !== w.state) cd.node.dataset.state = w.state;
      const text = w.state === "answered"
        ? (done.response_s != null ? t("cd.answeredIn", { t: fmtDuration(done.response_s) }) : t("cd.answered"))
        : w.state === "overdue" ? t("cd.overdue") : t("cd.open", { t: fmtClock(w.left_s, true) });
      setText(cd.text, text);
    }
    for (const s of stats) {
      // Microblog and social counts come from the server's pulse; news shares are still simulated here.
      const r = s.server ? null : CD.reach(s.item.persona.followers || 0, s.item.severity || 0, now - s.item.delivered_s, s.item.inject_id);
      const [likes, shares] = r ? [r.likes, r.shares] : engagement.get(s.item.inject_id) || [0, 0];
      if (s.likes) setText(s.likes, count(likes));
      if (s.shares) setText(s.shares, count(shares));
    }
    renderDue(now);
  }

  /** The side list of posts still waiting for an answer, most urgent first. */
  function renderDue(now) {
    const due = countdowns.filter((cd) => !answered.has(cd.item.inject_id) && injects.has(cd.item.inject_id))
      .map((cd) => ({ cd, w: CD.windowState(cd.item.delivered_s, cd.item.reply_within_s, now, false) }))
      .sort((a, b) => a.w.left_s - b.w.left_s).slice(0, 6);
    const signature = due.map((d) => d.cd.item.inject_id).join(",");
    if (signature !== dueSignature) {
      dueSignature = signature;
      ui.due.replaceChildren(...due.map((d) => {
        const item = d.cd.item;
        const li = el("li", { class: "due-item", dataset: { state: d.w.state, due: item.inject_id } },
          el("button", { type: "button", class: "due-btn", on: { click: () => jumpTo(item.inject_id) } },
            personaAvatar(item.persona, true),
            el("span", { class: "due-text" }, el("span", { class: "due-name", text: item.persona.name }),
              el("span", { class: "due-channel", text: t(`tab.${injects.get(item.inject_id).tab}`) })),
            el("span", { class: "due-left" })));
        return li;
      }));
      ui.dueEmpty.hidden = due.length > 0;
    }
    for (const d of due) {
      const li = ui.due.querySelector(`[data-due="${CSS.escape(d.cd.item.inject_id)}"]`);
      if (!li) continue;
      if (li.dataset.state !== d.w.state) li.dataset.state = d.w.state;
      setText(li.querySelector(".due-left"), d.w.state === "overdue" ? t("cd.overdue") : fmtClock(d.w.left_s, true));
    }
  }
  function jumpTo(injectId) {
    const rec = injects.get(injectId);
    if (!rec) return;
    selectTab(rec.tab);
    rec.node.scrollIntoView({ block: "center", behavior: "smooth" });
    rec.node.focus({ preventScroll: true });
    highlight(rec.node);
  }

  // ------------------------------------------------------------------------------------ protocol
  function onSnapshot(snap) {
    resetState();
    ctx.limits = Object.assign({}, ctx.limits, snap.limits || {});
    ctx.briefing = snap.briefing || "";
    if (snap.organisation) {
      ctx.org.name = snap.organisation.name || ctx.org.name;
      ctx.org.handle = snap.organisation.handle || ctx.org.handle;
      ctx.org.colour = snap.organisation.colour || ctx.org.colour;
    }
    if (snap.team && snap.team.name) ctx.teamName = snap.team.name;
    ctx.options = { chain_of_command: Boolean(snap.options && snap.options.chain_of_command), mood_visible: Boolean(snap.options && snap.options.mood_visible) };
    const keepTab = activeTab;
    loaded = true;
    lastSpeed = null; dueSignature = ""; allComposers.clear();
    mood = null;
    buildLayout();
    renderBriefing();
    applyPulse(snap.pulse);
    initialBatch = true;
    // The snapshot's items are applied right after this returns, in the same task.
    queueMicrotask(() => {
      initialBatch = false;
      refreshChain();
      renderPendingAll();
      // The tab last chosen (the drafts tab exists only now that the options are known).
      let tab = null;
      try { tab = sessionStorage.getItem(TAB_KEY); } catch (e) { /* private mode */ }
      selectTab(tab || keepTab || "microblog");
      tick();
    });
  }
  function onItems(items) {
    for (const item of items) {
      if (item.kind === "inject") addInject(item);
      else if (item.kind === "reply") addReply(item);
      else if (item.kind === "participant") addMember(item);
      else if (item.kind === "participant_role") changeRole(item);
      else if (item.kind === "draft") addDraft(item);
      else if (item.kind === "draft_review") addDecision(item);
      else if (item.kind === "options") applyOptions(item.options);
      else if (item.kind === "message") addMessage(item);
      else if (item.kind === "report_released") setReportReleased(item.release !== "none");
    }
    if (!initialBatch) { refreshChain(); renderPendingAll(); updateBadges(); tick(); }
  }
  function onConnection(state) {
    connState = state;
    if (!ui.connection) return;
    ui.connection.dataset.state = state;
    setText(ui.connText, t(`conn.${state}`));
    for (const p of pendingNodes.values()) {
      if (p.status && !p.settled) setText(p.status, state === "online" ? t("sending") : t("waitingNet"));
    }
    for (const rec of reviews.values()) updateReview(rec); // review buttons wait for the connection
  }
  function onError(error) {
    toast(t("sessionEnded", { error }), "error", true);
  }

  function start() {
    buildLayout();
    renderBriefing();
    let saved = null;
    try { saved = sessionStorage.getItem(TAB_KEY); } catch (e) { /* private mode */ }
    selectTab(saved || "microblog");
    conn = CD.connect("/team", { onSnapshot, onItems, onConnection, onError, onClock: () => tick() });
    // The clock message also carries the team's pulse (engagement counts, the mood when shown).
    conn.socket.on("clock", (message) => { if (loaded && message) { applyPulse(message.pulse); tick(); } });
    outbox = new CD.Outbox(conn, OUTBOX_KEY, () => {});
    outbox.onSettled = (entry, reply) => { if (entry.name === "post_reply") settle(entry.payload, reply); };
    setInterval(tick, 250);
  }
  start();
})();
