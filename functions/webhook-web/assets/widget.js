/* Tổng đài 1022 — chat widget for the city's public-service portal.
 * Embed with one tag:
 *   <script src="https://<api>/widget.js" data-api="https://<api>/chat" defer></script>
 * data-api defaults to the script's own origin + "/chat".
 * Every text from the server or the citizen is shown with textContent:
 * nothing is ever parsed as HTML. */
(function () {
  "use strict";
  if (window.__tongdai1022) return;
  window.__tongdai1022 = true;

  var script = document.currentScript;
  var api = (script && script.getAttribute("data-api")) ||
    (script && script.src ? new URL("/chat", script.src).href : "/chat");
  var KEY = "tongdai1022.session";

  function sessionId() {
    try {
      var id = localStorage.getItem(KEY);
      if (id && /^[A-Za-z0-9_-]{8,64}$/.test(id)) return id;
    } catch (e) { /* storage may be blocked */ }
    var bytes = new Uint8Array(16);
    (window.crypto || window.msCrypto).getRandomValues(bytes);
    var id2 = Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
    try { localStorage.setItem(KEY, id2); } catch (e) { /* keep it for this page */ }
    return id2;
  }
  var session = sessionId();

  var css = [
    ".td-bubble{position:fixed;right:20px;bottom:20px;z-index:2147483000;border:0;border-radius:28px;",
    "background:#c8102e;color:#fff;font:600 15px/1.2 system-ui,sans-serif;padding:14px 18px;",
    "box-shadow:0 4px 14px rgba(0,0,0,.25);cursor:pointer}",
    ".td-panel{position:fixed;right:20px;bottom:84px;z-index:2147483001;width:370px;max-width:calc(100vw - 40px);",
    "height:560px;max-height:calc(100vh - 110px);display:none;flex-direction:column;background:#fff;",
    "border-radius:12px;box-shadow:0 8px 28px rgba(0,0,0,.3);overflow:hidden;font:15px/1.45 system-ui,sans-serif;color:#222}",
    ".td-panel.td-open{display:flex}",
    ".td-head{background:#c8102e;color:#fff;padding:12px 14px;display:flex;align-items:center;justify-content:space-between}",
    ".td-head b{font-size:16px}",
    ".td-close{background:transparent;border:0;color:#fff;font-size:22px;line-height:1;cursor:pointer;padding:4px 8px}",
    ".td-log{flex:1;overflow-y:auto;padding:12px;background:#f6f6f6}",
    ".td-msg{max-width:86%;margin:6px 0;padding:9px 12px;border-radius:12px;white-space:pre-line;word-wrap:break-word}",
    ".td-bot{background:#fff;border:1px solid #e2e2e2;margin-right:auto}",
    ".td-me{background:#c8102e;color:#fff;margin-left:auto}",
    ".td-msg a{color:#0b57d0;font-weight:600}",
    ".td-choices{display:flex;flex-wrap:wrap;gap:6px;margin:6px 0 10px}",
    ".td-choice{border:1px solid #c8102e;background:#fff;color:#c8102e;border-radius:16px;padding:6px 12px;",
    "font:14px system-ui,sans-serif;cursor:pointer}",
    ".td-choice:hover,.td-choice:focus{background:#c8102e;color:#fff}",
    ".td-typing{color:#777;font-style:italic;margin:6px 2px}",
    ".td-form{display:flex;border-top:1px solid #ddd;background:#fff}",
    ".td-input{flex:1;border:0;padding:12px;font:15px system-ui,sans-serif;outline:none;min-width:0}",
    ".td-send{border:0;background:#c8102e;color:#fff;padding:0 16px;font:600 15px system-ui,sans-serif;cursor:pointer}",
    ".td-send:disabled{opacity:.5}",
    "@media (max-width:480px){.td-panel{right:0;bottom:0;width:100vw;max-width:100vw;height:100%;max-height:100%;border-radius:0}}"
  ].join("");

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }

  var style = el("style");
  style.textContent = css;
  document.head.appendChild(style);

  var bubble = el("button", "td-bubble", "Hỏi Tổng đài 1022");
  bubble.type = "button";
  bubble.setAttribute("aria-label", "Mở trợ lý ảo Tổng đài 1022");
  bubble.setAttribute("data-testid", "td-bubble");

  var panel = el("section", "td-panel");
  panel.setAttribute("role", "dialog");
  panel.setAttribute("aria-label", "Trợ lý ảo Tổng đài 1022");
  panel.setAttribute("data-testid", "td-panel");
  var head = el("div", "td-head");
  head.appendChild(el("b", null, "Trợ lý ảo Tổng đài 1022"));
  var close = el("button", "td-close", "×");
  close.type = "button";
  close.setAttribute("aria-label", "Đóng");
  close.setAttribute("data-testid", "td-close");
  head.appendChild(close);
  var log = el("div", "td-log");
  log.setAttribute("aria-live", "polite");
  log.setAttribute("data-testid", "td-log");
  var form = el("form", "td-form");
  var input = el("input", "td-input");
  input.type = "text";
  input.maxLength = 1000;
  input.placeholder = "Nhập câu hỏi…";
  input.setAttribute("aria-label", "Câu hỏi của Anh/Chị");
  input.setAttribute("data-testid", "td-input");
  var send = el("button", "td-send", "Gửi");
  send.type = "submit";
  send.setAttribute("data-testid", "td-send");
  form.appendChild(input);
  form.appendChild(send);
  panel.appendChild(head);
  panel.appendChild(log);
  panel.appendChild(form);

  function mount() {
    document.body.appendChild(panel);
    document.body.appendChild(bubble);
  }
  if (document.body) mount(); else document.addEventListener("DOMContentLoaded", mount);

  var started = false;
  var busy = false;

  function scroll() { log.scrollTop = log.scrollHeight; }

  function say(text, who) {
    var m = el("div", "td-msg " + (who === "me" ? "td-me" : "td-bot"), text);
    m.setAttribute("data-testid", who === "me" ? "td-msg-me" : "td-msg-bot");
    log.appendChild(m);
    scroll();
    return m;
  }

  function safeUrl(u) {
    try {
      var p = new URL(u, window.location.href);
      return p.protocol === "https:" || p.protocol === "http:" ? p.href : null;
    } catch (e) { return null; }
  }

  function render(reply) {
    var messages = (reply && reply.messages) || [];
    messages.forEach(function (m) {
      if (m.type === "text" && typeof m.text === "string") {
        say(m.text, "bot");
      } else if (m.type === "link" && typeof m.url === "string") {
        var href = safeUrl(m.url);
        if (!href) return;
        var box = el("div", "td-msg td-bot");
        box.setAttribute("data-testid", "td-msg-bot");
        var a = el("a", null, m.title || href);
        a.href = href;
        a.target = "_blank";
        a.rel = "noopener noreferrer";
        box.appendChild(a);
        log.appendChild(box);
      } else if (m.type === "call" && typeof m.phone === "string" && /^\+?[0-9]{3,15}$/.test(m.phone)) {
        var box2 = el("div", "td-msg td-bot");
        box2.setAttribute("data-testid", "td-msg-bot");
        var t = el("a", null, (m.title || "Gọi") + " (" + m.phone + ")");
        t.href = "tel:" + m.phone;
        box2.appendChild(t);
        log.appendChild(box2);
      }
    });
    var choices = (reply && reply.choices) || [];
    if (choices.length) {
      var row = el("div", "td-choices");
      row.setAttribute("data-testid", "td-choices");
      choices.forEach(function (c) {
        if (typeof c.title !== "string" || typeof c.payload !== "string") return;
        var b = el("button", "td-choice", c.title);
        b.type = "button";
        b.setAttribute("data-testid", "td-choice");
        b.addEventListener("click", function () {
          if (busy) return;
          row.remove();
          ask({ choice: c.payload }, c.title);
        });
        row.appendChild(b);
      });
      log.appendChild(row);
    }
    scroll();
  }

  function ask(payload, shown) {
    if (busy) return;
    busy = true;
    send.disabled = true;
    if (shown) say(shown, "me");
    var typing = el("div", "td-typing", "Trợ lý ảo đang trả lời…");
    typing.setAttribute("data-testid", "td-typing");
    log.appendChild(typing);
    scroll();
    payload.session_id = session;
    fetch(api, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(payload)
    }).then(function (r) {
      return r.json().then(function (body) { return { ok: r.ok, body: body }; });
    }).then(function (res) {
      typing.remove();
      if (res.ok) render(res.body);
      else say("Xin lỗi Anh/Chị, hệ thống đang bận. Anh/Chị vui lòng thử lại sau hoặc gọi Tổng đài 1022.", "bot");
    }).catch(function () {
      typing.remove();
      say("Không kết nối được tới trợ lý ảo. Anh/Chị kiểm tra mạng rồi thử lại, hoặc gọi Tổng đài 1022.", "bot");
    }).then(function () {
      busy = false;
      send.disabled = false;
    });
  }

  function open() {
    panel.classList.add("td-open");
    bubble.setAttribute("aria-expanded", "true");
    input.focus();
    if (!started) {
      started = true;
      ask({ start: true });
    }
  }

  bubble.addEventListener("click", function () {
    if (panel.classList.contains("td-open")) {
      panel.classList.remove("td-open");
      bubble.setAttribute("aria-expanded", "false");
    } else {
      open();
    }
  });
  close.addEventListener("click", function () {
    panel.classList.remove("td-open");
    bubble.setAttribute("aria-expanded", "false");
    bubble.focus();
  });
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var text = input.value.trim();
    if (!text || busy) return;
    input.value = "";
    ask({ text: text }, text);
  });
})();
