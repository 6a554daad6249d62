/* The advisor chat widget.

   One tag on any page adds a launcher button and a chat panel that talk to the advisor API:

     <script src="https://support.example.com/advisor/widget.js"
             data-endpoint="https://support.example.com/advisor/"></script>

   data-endpoint is where the API is (default: beside this file); data-label and data-title
   change the launcher's label and the panel's title. Plain JavaScript, no build step.

   Everything the person or the bot says is put on the page with textContent, never as
   HTML: a typed "<img onerror=...>" or a rule file's text shows as the characters it is. */
(() => {
  "use strict";

  const script = document.currentScript;
  if (!script || !window.fetch) return;

  const base = new URL(script.dataset.endpoint || "./", script.src);
  if (!base.pathname.endsWith("/")) base.pathname += "/";
  const storageKey = "advisor-widget:" + base.href;
  const LABELS = {
    cause: "Cause:",
    note: "Note:",
    warning: "Warning:",
    workaround: "Workaround:",
    more_info: "More information:",
  };
  // Answers after which the stored conversation is of no use: start a new one.
  const GONE = ["not_found", "unauthorized", "forbidden", "stale_conversation"];

  class ApiFailure extends Error {
    constructor(code, message) {
      super(message);
      this.code = code;
    }
  }

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function messageId() {
    if (crypto.randomUUID) return crypto.randomUUID();
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  // -- the conversation kept for this tab: a reload resumes it -------------------------

  let state = {};
  try {
    state = JSON.parse(sessionStorage.getItem(storageKey)) || {};
  } catch (err) {
    state = {};
  }

  function save() {
    try {
      sessionStorage.setItem(storageKey, JSON.stringify(state));
    } catch (err) {
      /* storage refused (a sandboxed frame): the conversation lasts until a reload */
    }
  }

  async function call(method, path, body) {
    const headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (state.token) headers.Authorization = "Bearer " + state.token;
    const request = {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "omit",
      cache: "no-store",
    };
    let response;
    for (let attempt = 1; !response; attempt++) {
      try {
        response = await fetch(new URL(path, base), request);
      } catch (err) {
        // A message carries its client_message_id, so sending it again is never
        // answered twice.
        if (attempt === 3) {
          throw new ApiFailure(
            "network",
            "The troubleshooter cannot be reached. Check your connection and try again.",
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 800 * attempt));
      }
    }
    let data = null;
    try {
      data = await response.json();
    } catch (err) {
      data = null;
    }
    if (!response.ok) {
      const error = (data && data.error) || {};
      throw new ApiFailure(
        error.code || "http_" + response.status,
        error.message || "The troubleshooter answered with error " + response.status + ".",
      );
    }
    return data;
  }

  // -- the widget's elements -------------------------------------------------------------

  const n = document.querySelectorAll(".advisor-widget").length + 1;
  const root = el("div", "advisor-widget");
  const launcher = el("button", "advisor-launcher", script.dataset.label || "Help with an e-mail error");
  const panel = el("section", "advisor-panel");
  const header = el("div", "advisor-header");
  const title = el("h2", "", script.dataset.title || "E-mail troubleshooter");
  const close = el("button", "advisor-close", "\u00d7");
  const log = el("div", "advisor-log");
  const form = el("form", "advisor-form");
  const inputLabel = el("label", "advisor-visually-hidden", "Your answer");
  const input = el("textarea");
  const sendButton = el("button", "", "Send");
  const again = el("button", "advisor-new", "Start a new conversation");

  launcher.type = close.type = again.type = "button";
  sendButton.type = "submit";
  launcher.setAttribute("aria-expanded", "false");
  launcher.setAttribute("aria-controls", "advisor-panel-" + n);
  panel.id = "advisor-panel-" + n;
  panel.hidden = true;
  title.id = "advisor-title-" + n;
  panel.setAttribute("aria-labelledby", title.id);
  close.setAttribute("aria-label", "Close the troubleshooter");
  log.setAttribute("role", "log");
  log.setAttribute("aria-live", "polite");
  log.setAttribute("aria-label", "Conversation");
  log.tabIndex = 0; // scrollable with the keyboard
  input.id = "advisor-input-" + n;
  inputLabel.htmlFor = input.id;
  input.rows = 2;
  input.placeholder = "Type your answer, or paste the error message";
  again.hidden = true;

  header.append(title, close);
  form.append(inputLabel, input, sendButton);
  panel.append(header, log, form, again);
  root.append(launcher, panel);

  const stylesheet = new URL("widget.css", script.src).href;
  if (!Array.from(document.styleSheets).some((s) => s.href === stylesheet)) {
    const link = el("link");
    link.rel = "stylesheet";
    link.href = stylesheet;
    document.head.appendChild(link);
  }

  // -- what the bot says ----------------------------------------------------------------

  let current = null; // the last reply, and its choice buttons
  let sending = false;
  let loaded = false;

  function paragraph(message) {
    const type = String(message.type || "").replace(/[^a-z_]/g, "");
    const className = "advisor-msg advisor-" + type.replace(/_/g, "-");
    if (Array.isArray(message.reasons)) {
      // an explanation: its title, and the reasons as a list
      const box = el("div", className);
      box.append(el("p", "", message.title));
      const list = el("ul");
      for (const reason of message.reasons) list.append(el("li", "", reason));
      box.append(list);
      return box;
    }
    const p = el("p", className);
    if (LABELS[type]) p.append(el("strong", "", LABELS[type]), " ");
    p.append(String(message.text || ""));
    return p;
  }

  function renderMessages(box, messages) {
    // Steps nest by level: level 1 "Step 2: ...", level 2 its numbered items, level 3
    // their bullets. lists[level] is the open list of a level, items[level] its last item;
    // a note or warning goes in the item it follows.
    let lists = [];
    let items = [];
    for (const message of messages) {
      const level = Math.min(3, Math.max(1, Number(message.level) || 1));
      if (message.type === "step") {
        lists.length = items.length = level + 1;
        if (!lists[level]) {
          lists[level] = el(level === 3 ? "ul" : "ol", "advisor-steps");
          (items[level - 1] || box).append(lists[level]);
        }
        const item = el("li");
        const number = String(message.number || "").split(".").pop();
        if (level < 3 && /^\d+$/.test(number)) item.value = Number(number);
        item.append(el(level === 1 ? "p" : "span", level === 1 ? "advisor-step-title" : "", message.text));
        lists[level].append(item);
        items[level] = item;
      } else if ((message.type === "note" || message.type === "warning") && items.length) {
        (items[level] || items[level - 1] || box).append(paragraph(message));
      } else {
        lists = [];
        items = [];
        box.append(paragraph(message));
      }
    }
  }

  function renderReply(reply) {
    const group = el("div", "advisor-reply");
    renderMessages(group, reply.messages || []);
    let choices = null;
    if (reply.question) {
      group.append(el("p", "advisor-question", reply.question.text));
      if (reply.question.choices.length) {
        choices = el("div", "advisor-choices");
        choices.setAttribute("role", "group");
        choices.setAttribute("aria-label", reply.question.text);
        for (const choice of reply.question.choices) {
          const button = el("button", "", choice.label);
          button.type = "button";
          button.dataset.choice = choice.id;
          button.addEventListener("click", () => {
            button.classList.add("advisor-chosen");
            send({ choice: choice.id }, choice.label);
          });
          choices.append(button);
        }
        group.append(choices);
      }
    }
    enableChoices(false); // the earlier question is answered
    log.append(group);
    if (reply.done) afterwards(group, reply.messages || []);
    current = { reply, choices };
    form.hidden = Boolean(reply.done);
    again.hidden = !reply.done;
    group.scrollIntoView({ block: "nearest" });
  }

  // -- after the advice: did it help, and a person when it did not ---------------------

  function buttons(box, label, options) {
    const group = el("div", "advisor-choices");
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", label);
    for (const [text, action] of options) {
      const button = el("button", "", text);
      button.type = "button";
      button.addEventListener("click", () => {
        for (const b of group.querySelectorAll("button")) b.disabled = true;
        button.classList.add("advisor-chosen");
        action();
      });
      group.append(button);
    }
    box.append(group);
    return group;
  }

  function afterwards(group, messages) {
    const types = messages.map((m) => m.type);
    if (types.includes("step")) {
      const box = el("div", "advisor-after");
      box.append(el("p", "advisor-question", "Did this solve the problem?"));
      buttons(box, "Did this solve the problem?", [
        ["Yes", () => feedback(box, true)],
        ["No", () => feedback(box, false)],
      ]);
      group.append(box);
    } else if (types.includes("no_match") || types.includes("not_applicable")) {
      offerPerson(group);
    }
  }

  async function feedback(box, solved) {
    try {
      await call("POST", conversationPath("feedback"), { solved });
      if (solved) box.append(el("p", "", "Good. Thank you for saying so."));
      else offerPerson(box);
    } catch (error) {
      problem(error);
    }
  }

  function offerPerson(box) {
    const offer = el("div", "advisor-after");
    buttons(offer, "Talk to a person", [["Talk to a person", () => askPerson(offer)]]);
    box.append(offer);
  }

  function askPerson(box) {
    const form = el("form", "advisor-contact");
    const label = el("label", "", "How can a person reach you? (optional)");
    const contact = el("input");
    contact.type = "text";
    contact.autocomplete = "email";
    contact.id = "advisor-contact-" + Math.random().toString(36).slice(2);
    label.htmlFor = contact.id;
    const submit = el("button", "", "Send to a person");
    submit.type = "submit";
    form.append(label, contact, submit);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      submit.disabled = true;
      try {
        await call("POST", conversationPath("handoff"), { contact: contact.value || null });
        form.replaceWith(
          el("p", "", "A support agent has this conversation and will get back to you."),
        );
      } catch (error) {
        submit.disabled = false;
        problem(error);
      }
    });
    box.append(form);
    contact.focus();
  }

  function conversationPath(what) {
    return "v1/conversations/" + encodeURIComponent(state.id) + "/" + what;
  }

  function enableChoices(enabled) {
    if (current && current.choices) {
      for (const button of current.choices.querySelectorAll("button")) button.disabled = !enabled;
    }
  }

  function said(text) {
    const p = el("p", "advisor-user");
    p.append(el("span", "advisor-visually-hidden", "You said: "), text);
    log.append(p);
    return p;
  }

  function problem(error) {
    log.append(el("p", "advisor-error", error.message));
    log.lastChild.scrollIntoView({ block: "nearest" });
  }

  function focusCurrent() {
    if (panel.hidden) return;
    const first = current && current.choices && current.choices.querySelector("button:enabled");
    if (first) first.focus();
    else if (!form.hidden) input.focus();
    else if (!again.hidden) again.focus();
  }

  function busy(on) {
    sending = on;
    log.setAttribute("aria-busy", String(on));
    sendButton.disabled = on;
  }

  // -- the conversation -------------------------------------------------------------------

  async function start() {
    state = { open: true };
    save();
    log.textContent = "";
    busy(true);
    try {
      const created = await call("POST", "v1/conversations", {});
      state.id = created.conversation_id;
      state.token = created.token;
      save();
      renderReply(created.reply);
    } catch (error) {
      problem(error);
      form.hidden = true;
      again.hidden = false;
    } finally {
      busy(false);
    }
    focusCurrent();
  }

  async function resume() {
    busy(true);
    let data;
    try {
      data = await call("GET", "v1/conversations/" + encodeURIComponent(state.id));
    } catch (error) {
      busy(false);
      if (GONE.includes(error.code)) start();
      else problem(error);
      return;
    }
    log.textContent = "";
    let previous = null;
    for (const turn of data.turns) {
      if (turn.sent) {
        markChosen(turn.sent.choice);
        said(shown(turn.sent, previous));
      }
      renderReply(turn.reply);
      previous = turn.reply;
    }
    busy(false);
    focusCurrent();
  }

  function markChosen(id) {
    const buttons = current && current.choices ? current.choices.querySelectorAll("button") : [];
    for (const button of buttons) {
      if (button.dataset.choice === id) button.classList.add("advisor-chosen");
    }
  }

  function shown(sent, previous) {
    if (sent.text !== undefined) return sent.text;
    const choices = (previous && previous.question && previous.question.choices) || [];
    const choice = choices.find((c) => c.id === sent.choice);
    return choice ? choice.label : sent.choice;
  }

  async function send(payload, text) {
    if (sending || !state.id) return;
    busy(true);
    enableChoices(false);
    const line = said(text);
    const body = { ...payload, client_message_id: messageId() };
    try {
      const path = "v1/conversations/" + encodeURIComponent(state.id) + "/messages";
      renderReply(await call("POST", path, body));
    } catch (error) {
      if (error.code === "conversation_over") {
        const ended = { type: "ended", text: error.message };
        renderReply({ messages: [ended], question: null, done: true });
      } else {
        problem(error);
        if (GONE.includes(error.code)) {
          form.hidden = true;
          again.hidden = false;
        } else {
          // Not sent: it is the person's to send again, and shown once when it is.
          line.remove();
          enableChoices(true);
          if (payload.text !== undefined && !input.value) input.value = payload.text;
        }
      }
    } finally {
      busy(false);
    }
    focusCurrent();
  }

  function sendTyped() {
    const text = input.value;
    if (!text.trim() || sending) return;
    input.value = "";
    send({ text }, text);
  }

  // -- opening and closing --------------------------------------------------------------

  function open() {
    panel.hidden = false;
    launcher.setAttribute("aria-expanded", "true");
    state.open = true;
    save();
    if (loaded) {
      focusCurrent();
      return;
    }
    loaded = true;
    if (state.id) resume();
    else start();
  }

  function shut() {
    panel.hidden = true;
    launcher.setAttribute("aria-expanded", "false");
    state.open = false;
    save();
    launcher.focus();
  }

  launcher.addEventListener("click", () => (panel.hidden ? open() : shut()));
  close.addEventListener("click", shut);
  again.addEventListener("click", start);
  panel.addEventListener("keydown", (event) => {
    if (event.key === "Escape") shut();
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    sendTyped();
  });
  input.addEventListener("keydown", (event) => {
    // Enter sends; Shift+Enter starts a new line (a pasted error has several).
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      sendTyped();
    }
  });

  function mount() {
    document.body.append(root);
    if (state.open) open();
  }

  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount);
})();
