// The sandbox page: who you are, channels, the app's Home and Messages tabs, threads, the
// composer, the clock and the activity log. State comes from a long poll of /sandbox/state.
"use strict";

(() => {
  const { h, render, mrkdwn } = window.Blocks;
  const { escapeHtml } = window.Mrkdwn;
  const $ = (id) => document.getElementById(id);
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  const stored = (key, fallback) => {
    try { return JSON.parse(localStorage.getItem(key)) ?? fallback; } catch { return fallback; }
  };

  const page = {
    me: stored("sandbox.me", ""),
    where: stored("sandbox.where", null), // {kind: "channel", id} or {kind: "app", tab}
    thread: null, // {channel, ts}
    data: null,
    version: -1,
    controller: null,
    shown: {},
    seen: {}, // conversation id -> messages already seen there
  };

  function maps() {
    const d = page.data;
    const people = Object.fromEntries(d.people.map((p) => [p.id, p]));
    const channels = Object.fromEntries(d.channels.map((c) => [c.id, c]));
    const me = people[page.me];
    return { people, channels, timezone: (me && me.tz) || d.clock.timezone, now: d.clock.now,
      peopleList: d.people, channelList: d.channels };
  }

  page.blockContext = (where, extra) => {
    const ctx = {
      ...maps(), draft: {}, errors: {}, ...extra,
      suggest(blockId, query) {
        if (where.source !== "view") return Promise.resolve(null);
        return page.act({ kind: "suggest", view_id: where.view_id, block_id: blockId, query })
          .then((outcome) => (outcome.ok ? outcome.options : null));
      },
      activate(place, element, value) {
        window.Modal.confirmFirst(element.confirm, ctx).then((yes) => {
          if (!yes) return;
          const body = { kind: "click", ...where, block: place.block, element: place.element, value };
          if (where.source === "view" && ctx.collect) body.values = ctx.collect();
          page.act(body);
        });
      },
    };
    return ctx;
  };

  function toast(text, kind) {
    const node = h("div", { class: `toast ${kind || ""}`, role: "status" }, text);
    $("toasts").append(node);
    setTimeout(() => node.remove(), 7000);
  }

  page.act = async (body) => {
    try {
      const response = await fetch("/sandbox/act", {
        method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ ...body, user: page.me }), signal: AbortSignal.timeout(20000),
      });
      const outcome = await response.json();
      if (!outcome.ok && outcome.error) toast(outcome.error, "error");
      return outcome;
    } catch (error) {
      toast(`The sandbox did not answer: ${error.message}`, "error");
      return { ok: false, error: error.message };
    }
  };

  function switchTo(user) {
    page.me = user;
    localStorage.setItem("sandbox.me", JSON.stringify(user));
    page.version = -1;
    page.shown = {};
    page.seen = {};
    page.thread = null;
    if (page.controller) page.controller.abort();
    if (page.where && page.where.kind === "app") page.act({ kind: "tab", tab: page.where.tab });
  }

  function go(where) {
    page.where = where;
    page.thread = null;
    localStorage.setItem("sandbox.where", JSON.stringify(where));
    if (where.kind === "app") page.act({ kind: "tab", tab: where.tab });
    renderAll();
  }

  async function poll() {
    for (;;) {
      const me = page.me;
      const controller = new AbortController();
      page.controller = controller;
      const timer = setTimeout(() => controller.abort(), 35000);
      try {
        const url = `/sandbox/state?user=${encodeURIComponent(me)}&since=${page.version}`;
        const response = await fetch(url, { signal: controller.signal, cache: "no-store" });
        const data = await response.json();
        if (me !== page.me) continue;
        if (!data.me) {
          switchTo(data.people[0].id);
          continue;
        }
        page.data = data;
        page.version = data.version;
        $("banner").dataset.offline = "";
        renderAll();
      } catch (error) {
        if (me !== page.me) continue;
        $("banner").dataset.offline = "The sandbox is not answering; retrying…";
        renderBanner();
        await sleep(1500);
      } finally {
        clearTimeout(timer);
      }
    }
  }

  function changed(area, value) {
    const key = JSON.stringify(value);
    if (page.shown[area] === key) return false;
    page.shown[area] = key;
    return true;
  }

  function renderSidebar() {
    const d = page.data;
    if (changed("people", [d.people, page.me])) {
      $("me").replaceChildren(...d.people.map((p) => h("option", { value: p.id, selected: p.id === page.me },
        `${p.real_name} — ${d.about[p.id] || p.name}`)));
      $("me-about").textContent = `@${(d.people.find((p) => p.id === page.me) || {}).name || ""}`;
    }
    const mine = d.channels.filter((c) => c.member);
    if (!page.where || (page.where.kind === "channel" && !mine.some((c) => c.id === page.where.id))) {
      page.where = mine.length ? { kind: "channel", id: mine[0].id } : { kind: "app", tab: "home" };
    }
    // New messages elsewhere show as a count until that conversation is opened.
    const count = (id) => (d.messages[id] || []).length;
    for (const id of Object.keys(d.messages)) if (!(id in page.seen)) page.seen[id] = count(id);
    page.seen[page.where.kind === "app" ? d.dm : page.where.id] = count(page.where.kind === "app" ? d.dm : page.where.id);
    const unread = (id) => {
      const n = count(id) - (page.seen[id] || 0);
      return n > 0 ? h("span", { class: "unread" }, String(n)) : "";
    };
    if (changed("nav", [mine, page.where, Object.keys(d.messages).map((id) => count(id) - page.seen[id])])) {
      $("channels").replaceChildren(...mine.map((c) => h("li", {},
        h("a", { href: "#", class: page.where.kind === "channel" && page.where.id === c.id ? "active" : "",
          "data-testid": `channel-${c.name}`, onclick: (e) => { e.preventDefault(); go({ kind: "channel", id: c.id }); } },
        `# ${c.name}`, c.bot_member ? "" : h("span", { class: "muted", title: "Matchday is not in this channel" }, " ·"),
        unread(c.id)))));
      $("apps").replaceChildren(h("li", {}, h("a", { href: "#", "data-testid": "app-matchday",
        class: page.where.kind === "app" ? "active" : "",
        onclick: (e) => { e.preventDefault(); go({ kind: "app", tab: "home" }); } }, "Matchday", unread(d.dm))));
    }
    const clock = d.clock;
    const when = new Intl.DateTimeFormat("en-GB", { timeZone: clock.timezone, weekday: "short", day: "numeric",
      month: "short", year: "numeric", hour: "2-digit", minute: "2-digit" }).format(new Date(clock.now));
    const ahead = clock.offset_seconds > 0
      ? ` (+${Math.floor(clock.offset_seconds / 86400)} d ${Math.floor((clock.offset_seconds % 86400) / 3600)} h)` : "";
    $("clock").textContent = `${when}${ahead}`;
    $("clock").title = clock.timezone;
    const status = d.status;
    $("app-status").className = `status ${status.app}`;
    $("app-status").textContent = status.app === "up" ? "running" : `${status.app}${status.app_detail ? `: ${status.app_detail}` : ""}`;
    $("restart-app").hidden = status.app !== "down";
  }

  function author(message, ephemeral) {
    const person = maps().people[message.user];
    if (message.sandbox_error) return ["Slack", true];
    if (ephemeral || message.bot_id || !person) return ["Matchday", true];
    return [person.real_name, false];
  }

  function timeOf(ts) {
    return new Intl.DateTimeFormat("en-GB", { timeZone: maps().timezone, hour: "2-digit", minute: "2-digit" })
      .format(new Date(Number(ts) * 1000));
  }

  function messageNode(message, options) {
    const [name, app] = author(message, options.ephemeral);
    const where = options.ephemeral ? { source: "ephemeral", ts: message.ts }
      : { source: "message", channel: options.channel, ts: message.ts };
    const ctx = page.blockContext(where, {});
    const body = message.blocks && message.blocks.length
      ? render(message.blocks, ctx) : h("div", { class: "text", html: mrkdwn(message.text, ctx) });
    const node = h("article", { class: `message${options.ephemeral ? " ephemeral" : ""}${message.sandbox_error ? " error" : ""}`,
      "data-testid": options.ephemeral ? "ephemeral" : "message", "data-ts": message.ts },
    h("div", { class: "avatar", "aria-hidden": "true" }, name.split(" ").map((w) => w[0]).join("").slice(0, 2)),
    h("div", { class: "content" },
      h("div", { class: "meta" }, h("b", {}, name), app ? h("span", { class: "badge" }, "APP") : "",
        h("span", { class: "muted" }, timeOf(message.ts)), message.edited ? h("span", { class: "muted" }, "(edited)") : ""),
      body,
      (message.files || []).map(fileNode),
      options.ephemeral ? h("div", { class: "only-you" }, "Only visible to you · ",
        h("a", { href: "#", onclick: (e) => { e.preventDefault(); page.act({ kind: "dismiss", ts: message.ts }); } }, "Dismiss")) : "",
      options.replies !== undefined ? h("a", { href: "#", class: "replies", "data-testid": "open-thread",
        onclick: (e) => { e.preventDefault(); page.thread = { channel: options.channel, ts: message.ts }; renderAll(); } },
      options.replies ? `${options.replies} ${options.replies === 1 ? "reply" : "replies"}` : "Reply in thread") : ""));
    return node;
  }

  // A file the app uploaded, as Slack shows it: an image inline, anything else to download.
  function fileNode(file) {
    const url = `/sandbox/files/${encodeURIComponent(file.id)}/${encodeURIComponent(file.name)}`;
    const title = file.title || file.name;
    if (String(file.mimetype || "").startsWith("image/")) {
      return h("figure", { class: "file image", "data-testid": "file-image" },
        h("figcaption", { class: "muted" }, title),
        h("a", { href: url, target: "_blank", rel: "noopener" }, h("img", { src: url, alt: file.alt_txt || title })));
    }
    const size = file.size ? ` · ${file.size < 1024 ? `${file.size} B` : `${Math.ceil(file.size / 1024)} KB`}` : "";
    return h("div", { class: "file" }, h("a", { href: url, download: file.name, "data-testid": "file-download" },
      `📎 ${title}`), h("span", { class: "muted" }, ` ${file.filetype || ""}${size}`));
  }

  function keepBottom(container, fill) {
    const atBottom = container.scrollHeight - container.scrollTop - container.clientHeight < 60;
    fill();
    if (atBottom) container.scrollTop = container.scrollHeight;
  }

  function renderChannel(channelId) {
    const d = page.data;
    const all = d.messages[channelId] || [];
    const top = all.filter((m) => !m.thread_ts || m.thread_ts === m.ts);
    const ephemerals = d.ephemerals.filter((e) => e.channel === channelId && !e.thread_ts);
    const items = [...top.map((m) => ({ m, eph: false })), ...ephemerals.map((m) => ({ m, eph: true }))]
      .sort((a, b) => Number(a.m.ts) - Number(b.m.ts));
    if (!changed("messages", [channelId, all, ephemerals, page.me, d.people])) return;
    keepBottom($("messages"), () => {
      const replies = (ts) => all.filter((m) => m.thread_ts === ts && m.ts !== ts).length;
      $("messages").replaceChildren(...(items.length ? items.map(({ m, eph }) => messageNode(m, {
        channel: channelId, ephemeral: eph, replies: eph || channelId === d.dm ? undefined : replies(m.ts),
      })) : [h("p", { class: "muted empty" }, "No messages yet.")]));
    });
  }

  function renderThread() {
    const d = page.data;
    const thread = page.thread;
    $("thread").hidden = !thread;
    if (!thread) return;
    const all = d.messages[thread.channel] || [];
    const messages = all.filter((m) => m.ts === thread.ts || m.thread_ts === thread.ts);
    const ephemerals = d.ephemerals.filter((e) => e.thread_ts === thread.ts);
    if (!changed("thread", [thread, messages, ephemerals, page.me])) return;
    const items = [...messages.map((m) => ({ m, eph: false })), ...ephemerals.map((m) => ({ m, eph: true }))]
      .sort((a, b) => Number(a.m.ts) - Number(b.m.ts));
    keepBottom($("thread-messages"), () => {
      $("thread-messages").replaceChildren(...items.map(({ m, eph }) => messageNode(m, { channel: thread.channel, ephemeral: eph })));
    });
  }

  function renderHome() {
    const d = page.data;
    if (!changed("home", [d.home, page.me])) return;
    const ctx = page.blockContext({ source: "home" }, {});
    $("home").replaceChildren(d.home ? render(d.home.blocks, ctx)
      : h("p", { class: "muted" }, d.status.app === "up" ? "Opening Home…" : "The app is not running, so Home cannot open."));
  }

  function renderMain() {
    const d = page.data;
    const where = page.where;
    const isApp = where.kind === "app";
    const channel = isApp ? null : d.channels.find((c) => c.id === where.id);
    $("conversation-title").textContent = isApp ? "Matchday" : `# ${channel ? channel.name : ""}`;
    $("tabs").hidden = !isApp;
    for (const button of $("tabs").querySelectorAll("button")) button.classList.toggle("active", isApp && button.dataset.tab === where.tab);
    const home = isApp && where.tab === "home";
    $("home").hidden = !home;
    $("messages").hidden = home;
    $("composer").hidden = home;
    if (home) renderHome();
    else renderChannel(isApp ? d.dm : where.id);
    const text = $("composer-text");
    text.placeholder = isApp ? "Only /matchday commands here: sending messages to this app has been turned off."
      : `Message #${channel ? channel.name : ""} — /matchday help for commands, @name to mention`;
  }

  function renderBanner() {
    const d = page.data;
    const banner = $("banner");
    const seed = d ? d.status.seed : "";
    const offline = banner.dataset.offline;
    const text = offline || (seed && seed !== "done" ? `Demo workspace: ${seed}` : "")
      || (d && d.status.app === "down" ? `The app is down: ${d.status.app_detail}` : "");
    banner.hidden = !text;
    banner.textContent = text;
    banner.className = offline || (d && d.status.app === "down") || seed.startsWith("failed") ? "error" : "";
  }

  function renderActivity() {
    const entries = page.data.activity;
    const errors = entries.filter((e) => !e.ok).length;
    $("activity-toggle").textContent = `Activity${errors ? ` · ${errors} error${errors === 1 ? "" : "s"}` : ""}`;
    if (!changed("activity", entries)) return;
    $("activity-list").replaceChildren(...entries.slice().reverse().map((e) => h("li", { class: e.ok ? "" : "error" },
      h("span", { class: "muted" }, timeOf(Date.parse(e.at) / 1000), " ", e.dir === "to app" ? "→ app" : e.dir === "from app" ? "← app" : "•"),
      " ", e.what, e.detail ? h("div", { class: "detail" }, e.detail) : "")));
  }

  function renderAll() {
    if (!page.data) return;
    renderSidebar();
    renderMain();
    renderThread();
    renderBanner();
    renderActivity();
    window.Modal.show(page.data.modal, page);
  }

  async function send(textarea, threadTs) {
    const text = textarea.value;
    if (!text.trim()) return;
    const where = page.where;
    const channel = threadTs ? page.thread.channel : where.kind === "app" ? page.data.dm : where.id;
    textarea.disabled = true;
    const outcome = await page.act({ kind: "send", channel, text, thread_ts: threadTs || null });
    textarea.disabled = false;
    if (outcome.ok) textarea.value = "";
    textarea.focus();
  }

  function wire() {
    $("me").addEventListener("change", (e) => switchTo(e.target.value));
    $("tabs").addEventListener("click", (e) => { if (e.target.dataset.tab) go({ kind: "app", tab: e.target.dataset.tab }); });
    $("composer").addEventListener("submit", (e) => { e.preventDefault(); send($("composer-text"), null); });
    $("thread-composer").addEventListener("submit", (e) => { e.preventDefault(); send($("thread-text"), page.thread.ts); });
    for (const [box, form] of [["composer-text", "composer"], ["thread-text", "thread-composer"]]) {
      $(box).addEventListener("keydown", (e) => {
        if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); $(form).requestSubmit(); }
      });
    }
    $("thread-close").addEventListener("click", () => { page.thread = null; renderAll(); });
    for (const button of document.querySelectorAll("[data-advance]")) {
      button.addEventListener("click", () => page.act({ kind: "advance", seconds: Number(button.dataset.advance) }));
    }
    $("advance-to").addEventListener("submit", (e) => {
      e.preventDefault();
      if ($("advance-to-input").value) page.act({ kind: "advance", to: $("advance-to-input").value });
    });
    $("restart-app").addEventListener("click", () => page.act({ kind: "restart_app" }));
    $("activity-toggle").addEventListener("click", () => $("activity").classList.toggle("collapsed"));
  }

  wire();
  poll();
  window.sandboxPage = page;
  window.escapeHtml = escapeHtml;
})();
