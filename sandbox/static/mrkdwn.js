// Slack's mrkdwn and plain_text, rendered to safe HTML. Every piece of text is HTML-escaped
// before any markup is added, so nothing an app or a person typed can inject HTML.
"use strict";

(() => {

const EMOJI = {
  warning: "⚠️", white_check_mark: "✅", heavy_check_mark: "✔️", fast_forward: "⏩",
  bulb: "💡", inbox_tray: "📥", outbox_tray: "📤", tada: "🎉", wave: "👋", calendar: "📅",
  date: "📅", spiral_calendar_pad: "🗓️", x: "❌", hourglass: "⌛",
  hourglass_flowing_sand: "⏳", rocket: "🚀", memo: "📝", star: "⭐", pushpin: "📌",
  information_source: "ℹ️", raising_hand: "🙋", handshake: "🤝", clipboard: "📋",
  bell: "🔔", eyes: "👀", thumbsup: "👍", "+1": "👍", thumbsdown: "👎",
  speech_balloon: "💬", lock: "🔒", link: "🔗", chart_with_upwards_trend: "📈",
  seedling: "🌱", large_green_circle: "🟢", large_yellow_circle: "🟡", red_circle: "🔴",
  construction: "🚧", stopwatch: "⏱️", alarm_clock: "⏰", trophy: "🏆", mag: "🔍",
  envelope: "✉️", page_facing_up: "📄", sparkles: "✨", arrows_counterclockwise: "🔄",
  no_entry: "🚫", no_entry_sign: "🚫", busts_in_silhouette: "👥", bust_in_silhouette: "👤",
  office: "🏢", classical_building: "🏛️", pencil2: "✏️", question: "❓", exclamation: "❗",
  arrow_right: "➡️", heavy_plus_sign: "➕", mailbox: "📫", smile: "😄", slightly_smiling_face: "🙂",
  rotating_light: "🚨", checkered_flag: "🏁", dart: "🎯", bar_chart: "📊", briefcase: "💼",
  mega: "📣", loudspeaker: "📢", pause_button: "⏸️", arrow_forward: "▶️", repeat: "🔁",
};

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => (
    { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
}

// Slack stores typed &, < and > as entities; show them as the characters they are.
function unescapeSlack(text) {
  return String(text).replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

function emojify(html) {
  return html.replace(/:([a-z0-9_+-]+):/g, (all, name) => EMOJI[name] || all);
}

function ordinal(n) {
  const suffix = ["th", "st", "nd", "rd"];
  const v = n % 100;
  return n + (suffix[(v - 20) % 10] || suffix[v] || suffix[0]);
}

// <!date^epoch^{tokens}^link|fallback>, in the reader's time zone.
function slackDate(epoch, layout, ctx) {
  const when = new Date(epoch * 1000);
  const tz = ctx.timezone || "Europe/Stockholm";
  const part = (opts) => new Intl.DateTimeFormat("en-GB", { timeZone: tz, ...opts }).format(when);
  const ymd = (d) => new Intl.DateTimeFormat("en-CA", { timeZone: tz }).format(d);
  const day = Number(part({ day: "numeric" }));
  const long = `${part({ month: "long" })} ${ordinal(day)}, ${part({ year: "numeric" })}`;
  const short = `${part({ month: "short" })} ${day}, ${part({ year: "numeric" })}`;
  const weekday = part({ weekday: "long" });
  const now = ctx.now ? new Date(ctx.now) : new Date();
  const relative = () => {
    const diff = Math.round((new Date(ymd(when)) - new Date(ymd(now))) / 86400000);
    return { 0: "Today", 1: "Tomorrow", "-1": "Yesterday" }[diff];
  };
  const tokens = {
    date_num: ymd(when), date: long, date_short: short, date_long: `${weekday}, ${long}`,
    date_pretty: relative() || long, date_short_pretty: relative() || short,
    date_long_pretty: relative() || `${weekday}, ${long}`,
    time: part({ hour: "2-digit", minute: "2-digit", hour12: false }),
    time_secs: part({ hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false }),
  };
  return layout.replace(/\{(\w+)\}/g, (all, name) => tokens[name] || all);
}

function renderToken(token, ctx) {
  const [target, label] = token.split("|", 2);
  if (target.startsWith("@")) {
    const person = (ctx.people || {})[target.slice(1)];
    return `<span class="mention">@${escapeHtml(person ? person.real_name : label || target.slice(1))}</span>`;
  }
  if (target.startsWith("#")) {
    const channel = (ctx.channels || {})[target.slice(1)];
    return `<span class="mention">#${escapeHtml(channel ? channel.name : label || target.slice(1))}</span>`;
  }
  if (target.startsWith("!date^")) {
    const [, epoch, layout] = target.split("^");
    const shown = Number.isFinite(Number(epoch)) ? slackDate(Number(epoch), layout || "{date}", ctx) : label;
    return `<time>${escapeHtml(shown || unescapeSlack(label || ""))}</time>`;
  }
  if (target.startsWith("!subteam^")) return `<span class="mention">@${escapeHtml(label || "group")}</span>`;
  if (target.startsWith("!")) return `<span class="mention broadcast">@${escapeHtml(target.slice(1))}</span>`;
  if (/^(https?:|mailto:)/.test(target)) {
    const href = escapeHtml(unescapeSlack(target));
    return `<a href="${href}" target="_blank" rel="noopener noreferrer">${escapeHtml(unescapeSlack(label || target))}</a>`;
  }
  return escapeHtml(unescapeSlack(`<${token}>`));
}

function inline(html) {
  return html
    .replace(/`([^`\n]+)`/g, "<code>$1</code>")
    .replace(/(^|[\s(>])\*([^*\n]+)\*(?=$|[\s).,!?:;<])/g, "$1<b>$2</b>")
    .replace(/(^|[\s(>])_([^_\n]+)_(?=$|[\s).,!?:;<])/g, "$1<i>$2</i>")
    .replace(/(^|[\s(>])~([^~\n]+)~(?=$|[\s).,!?:;<])/g, "$1<s>$2</s>");
}

// mrkdwn to HTML: markup tokens out first, then escape, then formatting, then tokens back.
function mrkdwn(text, ctx) {
  const tokens = [];
  const raw = String(text || "").replace(/<([^<>\n]+)>/g, (all, inner) => {
    tokens.push(renderToken(inner, ctx || {}));
    return `\u0000${tokens.length - 1}\u0000`;
  });
  const pieces = raw.split("```");
  const html = pieces.map((piece, index) => {
    const safe = escapeHtml(unescapeSlack(piece));
    if (index % 2 === 1) return `<pre>${safe.replace(/^\n/, "")}</pre>`;
    const lines = safe.split("\n").map((line) => (
      line.startsWith("&gt; ") || line === "&gt;"
        ? `<blockquote>${inline(line.replace(/^&gt; ?/, ""))}</blockquote>` : inline(line)));
    return lines.join("<br>").replace(/<\/blockquote><br>/g, "</blockquote>");
  }).join("");
  return emojify(html).replace(/\u0000(\d+)\u0000/g, (all, index) => tokens[Number(index)]);
}

function plainText(object) {
  if (!object) return "";
  if (typeof object === "string") return escapeHtml(object);
  const safe = escapeHtml(object.text || "");
  return object.emoji === false ? safe : emojify(safe);
}

function textObject(object, ctx) {
  if (!object) return "";
  return object.type === "mrkdwn" ? mrkdwn(object.text, ctx) : plainText(object);
}

window.Mrkdwn = { mrkdwn, plainText, textObject, escapeHtml, slackDate };
})();
