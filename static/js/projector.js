/* The room's big screen: the exercise clock, the headlines as they break and, only while the
   facilitator shows them, the teams' replies. Read only: it never sends a command.

   The server decides what the projector may see (first delivery of public news/microblog/social
   injects, replies only while shown); this script just lays it out for a screen read from the back
   of the room. New headlines get a "breaking" treatment; the ones replayed from a snapshot do not. */
(function () {
  "use strict";

  const { el, fmtClock, fmtDuration, fmtCount, reach } = window.CrisisDrill;
  const root = document.getElementById("projector");
  if (!root) return;

  const LANG = root.dataset.lang === "fr" ? "fr" : "en";
  const MAX_HEADLINES = 9;
  const MAX_REPLIES = 8;
  const BREAKING_MS = 15000;

  // In the page's language, from the server's catalog (simulator/web/js_strings.py), as data-i18n JSON.
  const STRINGS = JSON.parse(root.dataset.i18n || "{}");
  function t(key, vars) {
    let text = STRINGS[key] ?? key;
    if (vars) text = text.replace(/\{(\w+)\}/g, (m, name) => (vars[name] ?? m));
    return text;
  }

  // --- organisation colours: text on the badge must stay readable whatever the brand colour is ----

  function luminance(hex) {
    const m = /^#?([0-9a-f]{6})$/i.exec(hex || "");
    if (!m) return 0;
    const [r, g, b] = [0, 2, 4].map((i) => parseInt(m[1].slice(i, i + 2), 16) / 255)
      .map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  }

  function paintOrganisation(org) {
    const colour = /^#[0-9a-f]{6}$/i.test(org.colour || "") ? org.colour : "#1d4ed8";
    root.style.setProperty("--org", colour);
    root.style.setProperty("--org-ink", luminance(colour) > 0.35 ? "#0b1220" : "#ffffff");
    const words = String(org.name || "?").split(/\s+/).filter((w) => /^[\p{L}\p{N}]/u.test(w));
    document.getElementById("org-badge").textContent = words.slice(0, 2).map((w) => w[0]).join("").toUpperCase() || "?";
  }
  paintOrganisation({ name: root.dataset.orgName, colour: root.dataset.orgColour });

  // --- state and rendering -----------------------------------------------------------------------

  const feed = document.getElementById("headlines");
  const replyList = document.getElementById("pj-replies");
  const body = document.getElementById("pj-body");
  const repliesPanel = document.getElementById("replies-panel");
  let live = false;
  let headlines = [];       // inject items, oldest first
  let showReplies = false;
  const seenReplies = new Set();

  function avatar(persona) {
    const a = el("span", { class: "pj-avatar", "aria-hidden": "true", text: persona?.avatar?.initials || "?" });
    a.style.backgroundColor = `hsl(${persona?.avatar?.hue ?? 210} 55% 36%)`;
    return a;
  }

  function headlineCard(item, isNew) {
    const p = item.persona || {};
    const news = item.channel === "news";
    const card = el("li", { class: `pj-card pj-${item.channel}${isNew ? " breaking" : ""}`, dataset: { injectId: item.inject_id } },
      isNew ? el("span", { class: "pj-breaking", text: t("breaking") }) : null,
      el("div", { class: "pj-card-head" },
        news ? null : avatar(p),
        el("span", { class: "pj-who" },
          el("span", { class: "pj-name", text: p.name || "" }),
          p.verified ? el("span", { class: "pj-verified", title: t("verified"), text: "✔" }) : null,
          news ? null : el("span", { class: "pj-handle-small", text: p.handle || "" })),
        el("span", { class: `pj-chan pj-chan-${item.channel}`, text: t(`ch_${item.channel}`) }),
        el("span", { class: "pj-time", text: fmtClock(item.delivered_s || 0, true) })),
      news && item.subject ? el("p", { class: "pj-headline", text: item.subject }) : null,
      !news && item.subject ? el("p", { class: "pj-subject", text: item.subject }) : null,
      el("p", { class: "pj-text", text: item.text || "" }),
      news ? null : el("p", { class: "pj-reach", dataset: { followers: p.followers || 0, severity: item.severity || 1, at: item.delivered_s || 0, seed: item.inject_id } }));
    if (isNew) setTimeout(() => card.classList.remove("breaking"), BREAKING_MS);
    return card;
  }

  function addHeadline(item) {
    if (headlines.some((h) => h.inject_id === item.inject_id)) return;
    headlines.push(item);
    feed.prepend(headlineCard(item, live));
    while (feed.children.length > MAX_HEADLINES) feed.lastElementChild.remove();
    document.getElementById("headlines-empty").hidden = true;
    paintTicker();
    fitSoon();
  }

  function addReply(item) {
    if (seenReplies.has(item.reply_id)) return;
    seenReplies.add(item.reply_id);
    replyList.prepend(el("li", { class: `pj-reply${live ? " arriving" : ""}`, dataset: { replyId: item.reply_id } },
      el("p", { class: "pj-reply-head" },
        el("span", { class: "pj-team", text: item.team_name || item.team }),
        el("span", { class: "pj-rkind", text: t(`rk_${item.reply_kind}`) }),
        item.response_s !== undefined && item.response_s !== null
          ? el("span", { class: "pj-response", text: t("responded", { t: fmtDuration(item.response_s) }) }) : null),
      el("p", { class: "pj-reply-text", text: item.text })));
    while (replyList.children.length > MAX_REPLIES) replyList.lastElementChild.remove();
    document.getElementById("replies-empty").hidden = true;
    fitSoon();
  }

  /** Hide the cards that would be cut by the bottom of the screen: half a post reads as a glitch. */
  function fit() {
    for (const list of [feed, replyList]) {
      const limit = list.clientHeight;
      for (const card of list.children) {
        card.classList.toggle("pj-cut", card.offsetTop + card.offsetHeight > limit + 1);
      }
    }
  }
  let fitTimer = null;
  function fitSoon() {
    cancelAnimationFrame(fitTimer);
    fitTimer = requestAnimationFrame(fit);
  }
  window.addEventListener("resize", fitSoon);

  function setShowReplies(show) {
    showReplies = show;
    repliesPanel.hidden = !show;
    body.dataset.replies = show ? "shown" : "hidden";
    fitSoon();
    if (!show) {
      // Hidden means hidden: nothing of the replies stays on the wall.
      replyList.replaceChildren();
      seenReplies.clear();
      document.getElementById("replies-empty").hidden = false;
    }
  }

  function paintTicker() {
    const track = document.getElementById("ticker-track");
    const latest = headlines.slice(-6).reverse().map((h) => {
      const who = h.persona?.name ? `${h.persona.name}: ` : "";
      const text = String(h.subject || h.text || "").replace(/\s+/g, " ");
      return who + (text.length > 140 ? text.slice(0, 139) + "…" : text);
    });
    if (!latest.length) { track.replaceChildren(); return; }
    // Two copies side by side make the scroll loop seamless.
    const line = () => el("span", { class: "pj-ticker-copy" }, latest.flatMap((text, i) => [
      i ? el("span", { class: "pj-dot", text: " ● " }) : null, text]), el("span", { class: "pj-dot", text: " ● " }));
    track.replaceChildren(line(), line());
    const chars = latest.join(" ").length;
    track.style.animationDuration = `${Math.max(25, Math.round(chars / 7))}s`;
  }

  function applyItem(item) {
    if (item.kind === "inject") addHeadline(item);
    else if (item.kind === "reply") { if (showReplies) addReply(item); }
    else if (item.kind === "projector") setShowReplies(!!item.show_replies);
  }

  // --- clock loop --------------------------------------------------------------------------------

  const ui = {
    clock: document.getElementById("scenario-clock"),
    status: document.getElementById("exercise-status"),
    speed: document.getElementById("speed-display"),
    phase: document.getElementById("phase"),
    progress: document.getElementById("clock-progress"),
  };
  let loaded = false;

  function setText(node, text) { if (node.textContent !== text) node.textContent = text; }

  function tick() {
    if (!loaded) return;
    const clock = conn.clock;
    const now = clock.now();
    setText(ui.clock, fmtClock(now));
    if (ui.status.dataset.status !== clock.status) {
      ui.status.dataset.status = clock.status;
      root.dataset.status = clock.status;
    }
    setText(ui.status, t(`status_${clock.status}`));
    setText(ui.speed, `×${Number(clock.speed).toLocaleString(LANG)}`);
    const duration = clock.duration_s || 0;
    setText(ui.phase, clock.status === "ended" ? t("ended") : clock.status === "draft" ? t("waiting")
      : duration ? t("phase", { m: Math.min(Math.floor(now / 60) + 1, Math.ceil(duration / 60)), d: Math.round(duration / 60) }) : "");
    ui.progress.style.width = duration ? `${Math.min(100, (now / duration) * 100).toFixed(2)}%` : "0%";
    // Likes and shares keep growing with the scenario clock, like a real post under fire.
    for (const node of feed.querySelectorAll(".pj-reach")) {
      const d = node.dataset;
      const r = reach(Number(d.followers), Number(d.severity), now - Number(d.at), d.seed);
      setText(node, `♥ ${fmtCount(r.likes)} ${t("likes")}   ⟲ ${fmtCount(r.shares)} ${t("shares")}`);
    }
  }

  const conn = window.CrisisDrill.connect("/projector", {
    onSnapshot(snap) {
      live = false;
      loaded = true;
      headlines = [];
      feed.replaceChildren();
      setShowReplies(false);
      document.getElementById("headlines-empty").hidden = false;
      if (snap.organisation) paintOrganisation(snap.organisation);
      setTimeout(() => { live = true; }, 0);  // the snapshot's items are applied right after this call
    },
    onItems(items) { for (const item of items) applyItem(item); tick(); },
    onConnection(state) {
      const node = document.getElementById("connection");
      node.dataset.state = state;
      node.textContent = t(state);
    },
    onError(message) {
      const node = document.getElementById("connection");
      node.dataset.state = "offline";
      node.textContent = message;
    },
  });

  setInterval(tick, 250);
})();
