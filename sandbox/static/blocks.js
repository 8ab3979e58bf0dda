// Block Kit to DOM: messages, App Home and modals. Interactive elements report a click or a
// choice as (place, element, value); the page turns that into a block_actions request.
"use strict";

(() => {

const { mrkdwn, plainText, textObject, escapeHtml } = window.Mrkdwn;

function h(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "html") node.innerHTML = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined && child !== false) {
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
  }
  return node;
}

function optionsOf(element) {
  const flat = [...(element.options || [])];
  for (const group of element.option_groups || []) flat.push(...(group.options || []));
  return flat;
}

function optionNodes(element, chosen) {
  const make = (option) => h("option", {
    value: option.value, selected: chosen.includes(option.value),
    html: plainText(option.text),
  });
  if (element.option_groups) {
    return element.option_groups.map((group) => h("optgroup", { label: (group.label || {}).text || "" },
      (group.options || []).map(make)));
  }
  return (element.options || []).map(make);
}

function peopleNodes(ctx, chosen) {
  return ctx.peopleList.map((p) => h("option", { value: p.id, selected: chosen.includes(p.id) }, p.real_name));
}

function channelNodes(ctx, chosen) {
  return ctx.channelList.map((c) => h("option", { value: c.id, selected: chosen.includes(c.id) }, `#${c.name}`));
}

// The choices an element starts with (initial_* fields), as a list of raw values.
function initialValues(element) {
  const e = element;
  const one = (v) => (v === undefined || v === null || v === "" ? [] : [v]);
  switch (e.type) {
    case "plain_text_input": case "email_text_input": case "url_text_input": case "number_input":
      return one(e.initial_value);
    case "static_select": case "external_select": case "radio_buttons":
      return one(e.initial_option && e.initial_option.value);
    case "multi_static_select": case "multi_external_select": case "checkboxes":
      return (e.initial_options || []).map((o) => o.value);
    case "users_select": return one(e.initial_user);
    case "multi_users_select": return e.initial_users || [];
    case "conversations_select": return one(e.initial_conversation);
    case "multi_conversations_select": return e.initial_conversations || [];
    case "channels_select": return one(e.initial_channel);
    case "multi_channels_select": return e.initial_channels || [];
    case "datepicker": return one(e.initial_date);
    case "timepicker": return one(e.initial_time);
    default: return [];
  }
}

// What each external select was last offered, so a re-render keeps the person's choice.
const offered = new Map();

function offeredOptions(element) {
  const start = element.initial_option ? [element.initial_option] : (element.initial_options || []);
  const known = offered.get(element.action_id) || [];
  return [...start, ...known.filter((o) => !start.some((s) => s.value === o.value))];
}

// The search box under an external select: what is typed goes to the app as Slack sends it
// (a block_suggestion), and the select shows the options the app answers.
function externalSearch(element, select, blockId, ctx) {
  const box = h("input", { type: "search", class: "external-search", "data-testid": `search-${blockId}`,
    placeholder: "Type to search", "aria-label": "Search" });
  const fill = (answer) => {
    const current = [...select.selectedOptions].map((o) => o.value).filter((v) => v);
    const make = (o) => h("option", { value: o.value, selected: current.includes(o.value), html: plainText(o.text) });
    const flat = [...(answer.options || [])];
    for (const group of answer.option_groups || []) flat.push(...(group.options || []));
    const kept = [...select.options].filter((o) => current.includes(o.value) && !flat.some((f) => f.value === o.value));
    const fresh = answer.option_groups
      ? answer.option_groups.map((g) => h("optgroup", { label: (g.label || {}).text || "" }, (g.options || []).map(make)))
      : flat.map(make);
    const empty = select.multiple ? [] : [h("option", { value: "" }, placeholder(element, "Select an item"))];
    select.replaceChildren(...empty, ...kept, ...fresh);
    offered.set(element.action_id, flat);
  };
  let timer = null;
  const ask = () => ctx.suggest(blockId, box.value).then((answer) => { if (answer) fill(answer); });
  box.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(ask, 250); });
  const least = element.min_query_length === undefined ? 3 : element.min_query_length;
  if (least === 0) ask();
  return box;
}

function placeholder(element, fallback) {
  return (element.placeholder && element.placeholder.text) || fallback;
}

// A form control for an element; returns [node, read()] where read() gives the raw value.
function control(element, chosen, onChange) {
  const e = element;
  const multi = e.type.startsWith("multi_") || e.type === "checkboxes";
  const selectOf = (options, emptyText) => {
    const select = h("select", { multiple: multi, onchange: () => onChange && onChange(read()) },
      multi ? null : h("option", { value: "" }, emptyText), options);
    const read = () => (multi ? [...select.selectedOptions].map((o) => o.value) : select.value || null);
    return [select, read];
  };
  let node;
  let read;
  switch (e.type) {
    case "plain_text_input": case "email_text_input": case "url_text_input": case "number_input": {
      const type = { email_text_input: "email", url_text_input: "url", number_input: "number" }[e.type] || "text";
      node = e.multiline ? h("textarea", { rows: 4 }) : h("input", { type });
      node.value = chosen[0] || "";
      if (e.max_length) node.maxLength = e.max_length;
      node.placeholder = placeholder(e, "");
      node.addEventListener("input", () => onChange && onChange(read()));
      read = () => node.value || null;
      break;
    }
    case "static_select": case "multi_static_select":
      [node, read] = selectOf(optionNodes(e, chosen), placeholder(e, "Select an item"));
      break;
    case "external_select": case "multi_external_select": {
      // Only the initial choice (or the options last offered) until the app is asked.
      const known = offeredOptions(e);
      const make = (o) => h("option", { value: o.value, selected: chosen.includes(o.value), html: plainText(o.text) });
      [node, read] = selectOf(known.map(make), placeholder(e, "Select an item"));
      break;
    }
    case "overflow":
      [node, read] = selectOf(optionNodes(e, chosen), "⋯");
      node.classList.add("overflow");
      break;
    case "users_select": case "multi_users_select":
      [node, read] = selectOf(peopleNodes(control.ctx, chosen), placeholder(e, "Select a person"));
      break;
    case "conversations_select": case "multi_conversations_select": case "channels_select": case "multi_channels_select":
      [node, read] = selectOf(channelNodes(control.ctx, chosen), placeholder(e, "Select a channel"));
      break;
    case "datepicker": case "timepicker": {
      node = h("input", { type: e.type === "datepicker" ? "date" : "time", value: chosen[0] || "" });
      node.addEventListener("change", () => onChange && onChange(read()));
      read = () => node.value || null;
      break;
    }
    case "radio_buttons": case "checkboxes": {
      const name = `g${Math.random().toString(36).slice(2)}`;
      const boxes = optionsOf(e).map((option) => {
        const input = h("input", { type: e.type === "checkboxes" ? "checkbox" : "radio", name,
          value: option.value, checked: chosen.includes(option.value) });
        input.addEventListener("change", () => onChange && onChange(read()));
        return h("label", { class: "choice" }, input, h("span", { html: textObject(option.text, control.ctx) }));
      });
      node = h("div", { class: "choices" }, boxes);
      read = () => {
        const on = boxes.map((b) => b.querySelector("input")).filter((i) => i.checked).map((i) => i.value);
        return e.type === "checkboxes" ? on : on[0] || null;
      };
      break;
    }
    default:
      node = h("span", { class: "muted" }, `[${e.type}]`);
      read = () => null;
  }
  return [node, read];
}

// An interactive element in a section accessory, an actions block or a context block.
function interactive(element, place, ctx) {
  const e = element;
  if (e.type === "image") return h("img", { src: e.image_url, alt: e.alt_text || "", class: "thumb" });
  if (e.type === "button") {
    return h("button", {
      class: `btn ${e.style || ""}`, type: "button", "data-action-id": e.action_id,
      onclick: () => ctx.activate(place, e, null),
      html: plainText(e.text),
    });
  }
  control.ctx = ctx;
  const [node] = control(e, initialValues(e), (value) => ctx.activate(place, e, value));
  node.dataset.actionId = e.action_id || "";
  return node;
}

function section(block, index, ctx) {
  const body = h("div", { class: "section-body" });
  if (block.text) body.append(h("div", { class: "text", html: textObject(block.text, ctx) }));
  if (block.fields) {
    body.append(h("div", { class: "fields" },
      block.fields.map((f) => h("div", { class: "field", html: textObject(f, ctx) }))));
  }
  const node = h("div", { class: "block section" }, body);
  if (block.accessory) node.append(h("div", { class: "accessory" }, interactive(block.accessory, { block: index, element: "accessory" }, ctx)));
  return node;
}

function input(block, index, ctx) {
  const e = block.element || {};
  const blockId = block.block_id || `sandbox-${index}`;
  const key = `${blockId}/${e.action_id}`;
  const chosen = key in ctx.draft ? [].concat(ctx.draft[key] || []) : initialValues(e);
  control.ctx = ctx;
  const [node, read] = control(e, chosen, (value) => { ctx.draft[key] = value; });
  node.dataset.blockId = blockId;
  node.dataset.actionId = e.action_id || "";
  node.readValue = read;
  const external = (e.type === "external_select" || e.type === "multi_external_select") && ctx.suggest
    ? externalSearch(e, node, blockId, ctx) : null;
  const error = (ctx.errors || {})[blockId];
  const label = h("label", { class: "label" }, h("span", { html: plainText(block.label) }),
    block.optional ? h("span", { class: "muted" }, " (optional)") : null);
  return h("div", { class: `block input${error ? " has-error" : ""}`, "data-block": blockId }, label, node, external,
    block.hint ? h("div", { class: "hint", html: plainText(block.hint) }) : null,
    error ? h("div", { class: "field-error", "data-testid": `error-${blockId}` }, error) : null);
}

function richText(block, ctx) {
  const text = (elements) => (elements || []).map((el) => {
    if (el.type === "text") return escapeHtml(el.text).replace(/\n/g, "<br>");
    if (el.type === "user") return mrkdwn(`<@${el.user_id}>`, ctx);
    if (el.type === "channel") return mrkdwn(`<#${el.channel_id}>`, ctx);
    if (el.type === "link") return mrkdwn(`<${el.url}|${el.text || el.url}>`, ctx);
    if (el.type === "emoji") return mrkdwn(`:${el.name}:`, ctx);
    return "";
  }).join("");
  const parts = (block.elements || []).map((part) => {
    if (part.type === "rich_text_list") return `<ul>${(part.elements || []).map((item) => `<li>${text(item.elements)}</li>`).join("")}</ul>`;
    if (part.type === "rich_text_preformatted") return `<pre>${text(part.elements)}</pre>`;
    if (part.type === "rich_text_quote") return `<blockquote>${text(part.elements)}</blockquote>`;
    return text(part.elements);
  });
  return h("div", { class: "block rich", html: parts.join("") });
}

function block(block, index, ctx) {
  switch (block.type) {
    case "section": return section(block, index, ctx);
    case "header": return h("div", { class: "block header", html: plainText(block.text) });
    case "divider": return h("hr", { class: "block divider" });
    case "context":
      return h("div", { class: "block context" }, (block.elements || []).map((el, j) => (
        el.type === "image" ? interactive(el, { block: index, element: j }, ctx)
          : h("span", { html: textObject(el, ctx) }))));
    case "actions":
      return h("div", { class: "block actions" },
        (block.elements || []).map((el, j) => interactive(el, { block: index, element: j }, ctx)));
    case "input": return input(block, index, ctx);
    case "image":
      return h("figure", { class: "block image" }, h("img", { src: block.image_url, alt: block.alt_text || "" }),
        block.title ? h("figcaption", { html: plainText(block.title) }) : null);
    case "rich_text": return richText(block, ctx);
    default: return h("div", { class: "block unknown muted" }, `[${block.type} block]`);
  }
}

function render(blocks, ctx) {
  return h("div", { class: "blocks" }, (blocks || []).map((b, i) => block(b, i, ctx)));
}

// The raw values of a rendered form: block id -> action id -> value.
function collectValues(container) {
  const values = {};
  for (const node of container.querySelectorAll("[data-block-id]")) {
    values[node.dataset.blockId] = { [node.dataset.actionId]: node.readValue() };
  }
  return values;
}

window.Blocks = { render, collectValues, h, mrkdwn };
})();
