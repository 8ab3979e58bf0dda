// Modals (the top of the person's view stack) and Block Kit confirmation dialogs.
"use strict";

const Modal = (() => {
  const { h, render, collectValues } = window.Blocks;
  const { plainText, textObject } = window.Mrkdwn;
  let shownKey = null;
  const drafts = {}; // view id -> { "block/action": value } typed but not yet submitted

  function confirmFirst(confirm, ctx) {
    if (!confirm) return Promise.resolve(true);
    const backdrop = document.getElementById("confirm-backdrop");
    const box = document.getElementById("confirm");
    return new Promise((resolve) => {
      const done = (answer) => { backdrop.hidden = true; box.replaceChildren(); resolve(answer); };
      box.replaceChildren(
        h("h2", { html: plainText(confirm.title) || "Are you sure?" }),
        h("div", { class: "text", html: textObject(confirm.text, ctx) }),
        h("div", { class: "buttons" },
          h("button", { class: "btn", type: "button", onclick: () => done(false),
            html: plainText(confirm.deny) || "Cancel" }),
          h("button", { class: `btn ${confirm.style === "danger" ? "danger" : "primary"}`, type: "button",
            "data-testid": "confirm-yes", onclick: () => done(true),
            html: plainText(confirm.confirm) || "Yes" })));
      backdrop.hidden = false;
    });
  }

  // Shows the top modal; re-renders only when the view or its errors change, keeping typing.
  function show(stack, page) {
    const backdrop = document.getElementById("modal-backdrop");
    const box = document.getElementById("modal");
    const view = stack[stack.length - 1];
    if (!view) {
      shownKey = null;
      backdrop.hidden = true;
      box.replaceChildren();
      return;
    }
    const key = JSON.stringify([view.id, view.hash, view.errors, page.me]);
    if (key === shownKey) return;
    shownKey = key;
    const draft = (drafts[view.id] = drafts[view.id] || {});
    const errors = view.errors || {};
    const ctx = page.blockContext({ source: "view", view_id: view.id }, { draft, errors });
    const form = h("form", { class: "modal-form", onsubmit: (event) => {
      event.preventDefault();
      page.act({ kind: "submit", view_id: view.id, values: collectValues(form) }, { keepErrors: true });
    } });
    ctx.collect = () => collectValues(form);
    form.append(
      h("header", {},
        stack.length > 1 ? h("button", { type: "button", class: "icon", "aria-label": "back",
          onclick: () => page.act({ kind: "close", view_id: view.id }) }, "←") : null,
        h("h2", { "data-testid": "modal-title", html: plainText(view.title) }),
        h("button", { type: "button", class: "icon", "aria-label": "close all",
          onclick: () => page.act({ kind: "close", view_id: view.id, clear: true }) }, "✕")),
      errors._ ? h("div", { class: "modal-error", "data-testid": "modal-error" }, errors._) : "",
      h("div", { class: "modal-body" }, render(view.blocks, ctx)),
      h("footer", {},
        h("button", { type: "button", class: "btn", "data-testid": "modal-close",
          onclick: () => page.act({ kind: "close", view_id: view.id }),
          html: plainText(view.close) || "Cancel" }),
        view.submit ? h("button", { type: "submit", class: "btn primary", "data-testid": "modal-submit",
          html: plainText(view.submit) }) : null));
    box.replaceChildren(form);
    backdrop.hidden = false;
    const first = form.querySelector(".has-error input, .has-error textarea, .has-error select")
      || form.querySelector("input, textarea, select");
    if (first) first.focus();
    const problem = form.querySelector(".has-error");
    if (problem) problem.scrollIntoView({ block: "nearest" }); // the message under the field too
  }

  return { show, confirmFirst };
})();

window.Modal = Modal;
