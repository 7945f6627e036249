// NETguide chat page: starts the rasa-webchat widget against Rasa's socketio channel, shows whether the
// server can be reached (and reconnects by itself), and makes numbered citations show their reference.
(function () {
  "use strict";

  var cfg = window.NETGUIDE_CONFIG || {};
  // config.js is written by `make run`; without it, assume the default Rasa port on this host
  var rasaUrl = (cfg.rasaUrl || (location.protocol + "//" + location.hostname + ":5005")).replace(/\/+$/, "");
  var HEALTH_URL = rasaUrl + "/webhooks/rest/";
  var POLL_ONLINE_MS = 10000; // while connected: a cheap check that the server still answers
  var POLL_OFFLINE_MS = 3000; // while unreachable: check often, so the page says "reconnected" quickly
  var POLL_TIMEOUT_MS = 4000; // a server that does not answer in time counts as unreachable

  // ------------------------------------------------------------------------------------------------
  // Status line: one place decides what it says, from the socket events and the health poll.
  // ------------------------------------------------------------------------------------------------
  var statusEl = document.getElementById("server-status");
  var link = { socket: "connecting", http: "unknown", everOnline: false, wasOffline: false, lastError: "" };

  function renderStatus() {
    var state, text;
    if (link.socket === "online" && link.http !== "down") {
      state = "online";
      text = link.wasOffline ? "Reconnected. Your conversation continues." : "Connected to the assistant.";
    } else if (link.http === "down" || link.http === "cors" || link.socket === "offline") {
      state = "offline";
      text = "Cannot reach the assistant at " + rasaUrl + ". Your conversation is kept; reconnecting…";
      if (link.http === "cors") {
        text = "The assistant at " + rasaUrl + " answers but does not accept this page's address (" + location.origin +
          "): start it with NETGUIDE_CORS_ORIGIN=" + location.origin + " (make run sets it for its own page).";
      } else if (link.http === "up") {
        // the server answers HTTP but the chat socket does not connect: a configuration problem
        text = "The assistant answers but the chat connection failed (" + (link.lastError || "socket.io") +
          "): check that credentials.yml enables the socketio channel. Retrying…";
      }
    } else {
      state = "connecting";
      text = "Connecting to the assistant at " + rasaUrl + "…";
    }
    if (state === "offline") link.wasOffline = link.everOnline;
    if (statusEl.getAttribute("data-state") !== state || statusEl.textContent !== text) {
      statusEl.setAttribute("data-state", state);
      statusEl.textContent = text;
    }
  }

  var pollTimer = null;
  var polling = false;
  function poll() {
    if (polling) return; // never two checks at once
    polling = true;
    clearTimeout(pollTimer);
    var controller = window.AbortController ? new AbortController() : null;
    var timeout = setTimeout(function () { if (controller) controller.abort(); }, POLL_TIMEOUT_MS);
    fetch(HEALTH_URL, { cache: "no-store", signal: controller ? controller.signal : undefined })
      .then(function (r) { if (!r.ok) throw new Error("HTTP " + r.status); link.http = "up"; })
      .catch(function () {
        // the readable request failed: an opaque one tells "server down" from "server up, origin not allowed"
        return fetch(HEALTH_URL, { mode: "no-cors", cache: "no-store", signal: controller ? controller.signal : undefined })
          .then(function () { link.http = "cors"; }, function () { link.http = "down"; });
      })
      .then(function () {
        clearTimeout(timeout);
        polling = false;
        renderStatus();
        pollTimer = setTimeout(poll, link.http === "up" && link.socket === "online" ? POLL_ONLINE_MS : POLL_OFFLINE_MS);
      });
  }
  window.addEventListener("online", poll);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) poll(); });

  var socketEvents = {
    // the widget emits session_request on every (re)connect; session_confirm means the conversation is joined
    session_confirm: function () { link.socket = "online"; link.everOnline = true; renderStatus(); },
    disconnect: function () { link.socket = "offline"; renderStatus(); poll(); },
    connect_error: function (err) { link.socket = "offline"; link.lastError = (err && err.message) || ""; renderStatus(); }
  };

  // ------------------------------------------------------------------------------------------------
  // The widget
  // ------------------------------------------------------------------------------------------------
  window.WebChat.default({
    selector: "#webchat",
    initPayload: "/greet", // sent once, for a new conversation only
    customData: { language: "en" },
    socketUrl: rasaUrl,
    socketPath: "/socket.io/",
    title: "NETguide",
    inputTextFieldHint: "Ask, e.g. Ki-67 12%, 1 mitosis per 2 mm², what grade?",
    // the conversation (messages and session id) lives in localStorage: a reload rejoins the same
    // Rasa session (credentials.yml: session_persistence: true) and shows the history
    params: { storage: "local" },
    embedded: true,
    hideWhenNotConnected: false,
    connectingText: "Connecting to NETguide…",
    customMessageDelay: function () { return 150; }, // answers are long: no simulated typing
    // botfront "rules" would hide the widget until the server sends props, and they would replace our
    // session_confirm handler: off, so the history shows even while the server is unreachable
    withRules: false,
    onSocketEvent: socketEvents
  }, document.getElementById("webchat"));

  // ------------------------------------------------------------------------------------------------
  // Citations: every answer carries its reference list ("- [n] ..." under "References"). Each "[1, 2]"
  // in the answer becomes a button that shows those references right under the line and highlights them
  // in the list. Only nodes are added; the widget's own nodes are left in place (React owns them).
  // ------------------------------------------------------------------------------------------------
  var CITE = /\[(\d+(?:,\s*\d+)*)\]/g;
  var HAS_CITE = /\[\d+(?:,\s*\d+)*\]/;
  var REF_LABEL = /^\s*\[(\d+)\]\s/;

  function referenceItems(markdown) {
    var refs = {};
    Array.prototype.forEach.call(markdown.querySelectorAll("li"), function (li) {
      var m = REF_LABEL.exec(li.textContent);
      if (m) { refs[m[1]] = li; li.classList.add("ng-ref"); li.setAttribute("data-ref", m[1]); }
    });
    return refs;
  }

  function textNodes(root) {
    var out = [];
    var walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT, {
      acceptNode: function (node) {
        var p = node.parentNode;
        if (!p || p.closest("a, code, button, .ng-ref, .ng-refbox")) return NodeFilter.FILTER_REJECT;
        return HAS_CITE.test(node.nodeValue) ? NodeFilter.FILTER_ACCEPT : NodeFilter.FILTER_SKIP;
      }
    });
    while (walker.nextNode()) out.push(walker.currentNode);
    return out;
  }

  function citeButton(label, numbers) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "ng-cite";
    b.textContent = label;
    b.setAttribute("data-refs", numbers.join(","));
    b.setAttribute("aria-expanded", "false");
    b.setAttribute("aria-label", "Show reference" + (numbers.length > 1 ? "s " : " ") + numbers.join(", "));
    b.title = "Show reference" + (numbers.length > 1 ? "s" : "");
    return b;
  }

  function linkCitations(node, refs) {
    var text = node.nodeValue, pieces = [], last = 0, m;
    CITE.lastIndex = 0;
    while ((m = CITE.exec(text))) {
      var numbers = m[1].split(/,\s*/);
      if (!numbers.every(function (n) { return refs[n]; })) continue; // not a citation of this answer
      pieces.push(document.createTextNode(text.slice(last, m.index)));
      pieces.push(citeButton(m[0], numbers));
      last = m.index + m[0].length;
    }
    if (!pieces.length) return;
    pieces.push(document.createTextNode(text.slice(last)));
    // keep the widget's text node (shortened to the text before the first citation), add the rest after it
    node.nodeValue = pieces.shift().nodeValue;
    var after = node.nextSibling;
    pieces.forEach(function (piece) { node.parentNode.insertBefore(piece, after); });
  }

  // the markdown renderer splits "\\[1, 2]" into the text nodes "[" and "1, 2]": join each run of sibling
  // text nodes into its first node and empty the others (kept, not removed: React still owns them)
  function joinTextRuns(root) {
    Array.prototype.forEach.call([root].concat(Array.prototype.slice.call(root.querySelectorAll("*"))), function (el) {
      var first = null;
      Array.prototype.forEach.call(el.childNodes, function (child) {
        if (child.nodeType !== Node.TEXT_NODE) { first = null; return; }
        if (!first) { first = child; return; }
        first.nodeValue += child.nodeValue;
        child.nodeValue = "";
      });
    });
  }

  // The bottom line first, the rest one tap away: every section of an answer but "Answer", a workup's "Next
  // steps" and a gap said in "Not answered yet" is closed under its heading, which becomes a button (keyboard and screen reader:
  // aria-expanded). The review status and the disclaimer stay in view. Nodes are hidden, never moved:
  // React still owns them.
  var OPEN_SECTIONS = /^(Answer|Next steps|Possible next tests|Not answered yet)$/;
  var ALWAYS_SHOWN = /^\s*(Review status|Educational information|Information for patients)/;
  var sectionCount = 0;

  function collapseSections(markdown) {
    Array.prototype.forEach.call(markdown.querySelectorAll("h4"), function (heading) {
      var name = heading.textContent.trim();
      if (OPEN_SECTIONS.test(name)) return;
      var parts = [];
      for (var el = heading.nextElementSibling; el && !/^H[1-4]$/.test(el.tagName) && !ALWAYS_SHOWN.test(el.textContent);
           el = el.nextElementSibling) {
        parts.push(el);
      }
      if (!parts.length) return;
      var id = "ng-section-" + (++sectionCount);
      parts.forEach(function (part, i) { part.hidden = true; part.classList.add("ng-section-body"); if (!i) part.id = id; });
      var toggle = document.createElement("button");
      toggle.type = "button";
      toggle.className = "ng-section-toggle";
      toggle.setAttribute("aria-expanded", "false");
      toggle.setAttribute("aria-controls", id);
      toggle.setAttribute("aria-label", "Show " + name);
      toggle.textContent = "Show";
      toggle.addEventListener("click", function () {
        var open = toggle.getAttribute("aria-expanded") !== "true";
        parts.forEach(function (part) { part.hidden = !open; });
        toggle.setAttribute("aria-expanded", open ? "true" : "false");
        toggle.setAttribute("aria-label", (open ? "Hide " : "Show ") + name);
        toggle.textContent = open ? "Hide" : "Show";
      });
      heading.classList.add("ng-section-heading");
      heading.appendChild(toggle);
    });
  }

  // "Copy for the note": the answer as a clinician pastes it into a note or a tumour-board slide (the title, the
  // answer, a gap said, the review status and the references), as plain text
  var NOTE_SECTIONS = /^(Answer|Not answered yet|References)$/;

  function noteText(markdown) {
    var copy = markdown.cloneNode(true);
    Array.prototype.forEach.call(copy.querySelectorAll("button, .ng-refbox, .ng-figure, pre"), function (el) { el.remove(); });
    var lines = [];
    var keep = true;
    Array.prototype.forEach.call(copy.children, function (el) {
      var text = el.textContent.replace(/[ \t]+/g, " ").trim();
      if (!text) return;
      if (el.tagName === "H3") { lines.push(text); return; }
      if (el.tagName === "H4") {
        keep = NOTE_SECTIONS.test(text);
        if (keep && text !== "Answer") lines.push(text + ":");
        return;
      }
      if (/^Review status/.test(text)) { lines.push(text); return; }
      if (!keep) return;
      if (el.tagName === "UL" || el.tagName === "OL") {
        Array.prototype.forEach.call(el.children, function (li) { lines.push("- " + li.textContent.replace(/\s+/g, " ").trim()); });
      } else {
        lines.push(text);
      }
    });
    return lines.join("\n");
  }

  function copyText(text, done) {
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(done, function () { copyByCommand(text); done(); });
    } else {
      copyByCommand(text);
      done();
    }
  }

  function copyByCommand(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed"; area.style.left = "-9999px";
    document.body.appendChild(area);
    area.select();
    try { document.execCommand("copy"); } catch (e) { /* nothing more to try */ }
    document.body.removeChild(area);
  }

  function addNoteButton(markdown) {
    if (!markdown.querySelector("h3")) return;  // only a whole answer, not a short message
    var button = document.createElement("button");
    button.type = "button";
    button.className = "ng-copy-note";
    button.textContent = "Copy for the note";
    button.addEventListener("click", function () {
      copyText(noteText(markdown), function () {
        button.textContent = "Copied";
        setTimeout(function () { button.textContent = "Copy for the note"; }, 2000);
      });
    });
    markdown.appendChild(button);
  }

  // Pictures: the server sends each as one line of SVG in a fenced block ("```netguide-picture"). The page parses
  // it as XML, keeps only the elements and attributes the server draws with (no script, link or style can come
  // through) and shows it in place of the code block, which is hidden, not removed (React owns it).
  var SVG_NS = "http://www.w3.org/2000/svg";
  var PICTURE_ELEMENTS = /^(svg|g|rect|text|path|title)$/;
  var PICTURE_ATTRIBUTES = /^(xmlns|class|role|aria-label|viewBox|width|height|font-family|font-size|font-weight|x|y|rx|d|fill|stroke|stroke-width|stroke-dasharray|text-anchor|data-[a-z-]+)$/;

  function safePicture(source) {
    var doc = new DOMParser().parseFromString(source, "image/svg+xml");
    var root = doc.documentElement;
    if (!root || root.namespaceURI !== SVG_NS || root.localName !== "svg") return null;
    var all = [root].concat(Array.prototype.slice.call(root.getElementsByTagName("*")));
    for (var i = 0; i < all.length; i++) {
      if (all[i].namespaceURI !== SVG_NS || !PICTURE_ELEMENTS.test(all[i].localName)) return null;
      for (var j = 0; j < all[i].attributes.length; j++) {
        if (!PICTURE_ATTRIBUTES.test(all[i].attributes[j].name)) return null;
      }
    }
    return document.importNode(root, true);
  }

  function drawPictures(markdown) {
    Array.prototype.forEach.call(markdown.querySelectorAll("code.language-netguide-picture"), function (code) {
      var block = code.closest("pre") || code;
      var svg = safePicture(code.textContent.trim());
      if (!svg) return; // left as it is: the alt text is in the answer's words anyway
      var figure = document.createElement("figure");
      figure.className = "ng-figure";
      figure.appendChild(svg);
      block.hidden = true;
      block.parentNode.insertBefore(figure, block.nextSibling);
    });
  }

  function enhance(markdown) {
    if (markdown.getAttribute("data-ng")) return;
    markdown.setAttribute("data-ng", "1");
    Array.prototype.forEach.call(markdown.querySelectorAll("p"), function (p) {
      if (/^\s*⚠/.test(p.textContent)) p.classList.add("ng-banner");
    });
    drawPictures(markdown);
    joinTextRuns(markdown);
    var refs = referenceItems(markdown);
    if (Object.keys(refs).length) textNodes(markdown).forEach(function (node) { linkCitations(node, refs); });
    collapseSections(markdown);
    addNoteButton(markdown);
  }

  // Keyboard focus goes to the start of a new reply (its title) when the question was sent with a button: the
  // button is gone and focus would fall back to the page's start. A question typed keeps focus in the message
  // box, so the next one can be typed at once (screen readers hear the reply through aria-live).
  var focusedStart = null;

  function focusStartOfReply(start) {
    if (start === focusedStart) return;
    var active = document.activeElement;
    if (active && active !== document.body && document.contains(active)) return;
    var target = start.querySelector(".rw-markdown h3") || start;
    target.setAttribute("tabindex", "-1");
    target.focus({ preventScroll: true });
    focusedStart = start;
  }

  // A new reply is read from its start: the view goes to the first answer after the last question asked
  // (the widget itself scrolls to the end, the reference list), and screen readers hear it (aria-live).
  function showStartOfReply() {
    var list = chat.querySelector(".rw-messages-container");
    if (list && !list.hasAttribute("aria-live")) list.setAttribute("aria-live", "polite");
    var clients = chat.querySelectorAll(".rw-client");
    var last = clients[clients.length - 1];
    if (!last) return;
    // the first bot message after it in document order (the widget groups messages, so it need not be a sibling)
    var responses = chat.querySelectorAll(".rw-response");
    for (var i = 0; i < responses.length; i++) {
      if (last.compareDocumentPosition(responses[i]) & Node.DOCUMENT_POSITION_FOLLOWING) {
        var start = responses[i].closest(".rw-message") || responses[i];
        // the message list scrolls, not the page
        if (list) list.scrollTop += start.getBoundingClientRect().top - list.getBoundingClientRect().top;
        else start.scrollIntoView({ block: "start" });
        focusStartOfReply(start);
        return;
      }
    }
  }

  function toggleReferences(button) {
    var block = button.closest("li, p, h3, h4") || button.parentNode;
    var open = button.getAttribute("aria-expanded") === "true";
    var existing = block.querySelector(":scope > .ng-refbox") ||
      (block.nextElementSibling && block.nextElementSibling.classList.contains("ng-refbox") ? block.nextElementSibling : null);
    if (existing) existing.parentNode.removeChild(existing);
    Array.prototype.forEach.call(block.querySelectorAll(".ng-cite[aria-expanded='true']"), function (b) {
      b.setAttribute("aria-expanded", "false");
    });
    if (open) return;
    var markdown = button.closest(".rw-markdown");
    var box = document.createElement("div");
    box.className = "ng-refbox";
    box.setAttribute("role", "note");
    var close = document.createElement("button");
    close.type = "button"; close.className = "ng-refbox-close"; close.textContent = "×";
    close.setAttribute("aria-label", "Hide references");
    close.addEventListener("click", function () { toggleReferences(button); });
    box.appendChild(close);
    button.getAttribute("data-refs").split(",").forEach(function (n) {
      var li = markdown.querySelector("li.ng-ref[data-ref='" + n + "']");
      if (!li) return;
      var p = document.createElement("p");
      p.className = "ng-refbox-item";
      Array.prototype.forEach.call(li.childNodes, function (child) { p.appendChild(child.cloneNode(true)); });
      box.appendChild(p);
      li.classList.remove("ng-flash"); void li.offsetWidth; li.classList.add("ng-flash");
      setTimeout(function () { li.classList.remove("ng-flash"); }, 2500);
    });
    if (block.tagName === "LI") block.appendChild(box); else block.parentNode.insertBefore(box, block.nextSibling);
    button.setAttribute("aria-expanded", "true");
  }

  // The widget's own controls, made usable without a mouse: its send button (only an icon) gets a name, and its
  // quick replies (the audience choice, answers to a question, follow-up questions), which are plain divs with
  // a click handler, become buttons that Tab reaches and Enter or Space presses. Attributes and a listener
  // only: React leaves alone what it did not set.
  function accessibleControls() {
    var sendButton = chat.querySelector(".rw-send:not([aria-label])");
    if (sendButton) sendButton.setAttribute("aria-label", "Send");
    var box = chat.querySelector(".rw-new-message:not([aria-label])");
    if (box) box.setAttribute("aria-label", "Your question");
    Array.prototype.forEach.call(chat.querySelectorAll("div.rw-reply:not([role])"), function (reply) {
      reply.setAttribute("role", "button");
      reply.setAttribute("tabindex", "0");
      reply.addEventListener("keydown", function (event) {
        if (event.key !== "Enter" && event.key !== " ") return;
        event.preventDefault();
        reply.click();
      });
    });
  }

  var chat = document.getElementById("webchat");
  chat.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest(".ng-cite");
    if (button) { event.preventDefault(); toggleReferences(button); }
  });
  var scheduled = false;
  var messageCount = 0;
  new MutationObserver(function () {
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(function () {
      scheduled = false;
      accessibleControls();
      var fresh = chat.querySelectorAll(".rw-response .rw-markdown:not([data-ng])");
      Array.prototype.forEach.call(fresh, enhance);
      // the widget scrolls its list to the end whenever a message arrives (a question follows the answer after
      // the message delay): every new message of the reply brings the view back to the reply's start
      var messages = chat.querySelectorAll(".rw-message").length;
      if (fresh.length || messages !== messageCount) showStartOfReply();
      messageCount = messages;
    });
  }).observe(chat, { childList: true, subtree: true });

  // "New conversation": forget this browser's session id; the next load starts a fresh Rasa session
  var restart = document.getElementById("new-conversation");
  if (restart) {
    restart.addEventListener("click", function () {
      try { localStorage.removeItem("chat_session"); sessionStorage.removeItem("chat_session"); } catch (e) { /* storage off */ }
      location.reload();
    });
  }

  renderStatus();
  poll();
})();
