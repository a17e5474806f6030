/* bayflow kiosk behaviour shared by every page: PIN keypad, idle return to the
   home screen, and short success/failure tones. No framework, no network. */
(function () {
  "use strict";
  var body = document.body;

  // PIN keypad: big buttons type into the field named by data-keypad-for.
  document.addEventListener("click", function (ev) {
    var key = ev.target.closest("[data-key]");
    if (!key) return;
    var pad = key.closest("[data-keypad-for]");
    var input = pad && document.getElementById(pad.dataset.keypadFor);
    if (!input) return;
    input.value = key.dataset.key === "clear" ? "" : input.value + key.dataset.key;
    input.focus();
  });

  // Idle: after the configured time without a touch, go back to the station's
  // home screen (the server logs the person out on the next request too).
  var idleSeconds = parseInt(document.body.dataset.idleSeconds || "0", 10);
  var idleTimer = null;
  function resetIdle() {
    if (!idleSeconds || document.body.dataset.loggedIn !== "yes") return;
    clearTimeout(idleTimer);
    idleTimer = setTimeout(function () {
      window.location.href = document.body.dataset.homeUrl || "/";
    }, (idleSeconds + 1) * 1000);
  }
  ["pointerdown", "keydown", "touchstart"].forEach(function (name) {
    document.addEventListener(name, resetIdle, { passive: true });
  });
  resetIdle();

  // Feedback tones made on the spot (no sound files to fetch).
  var audio = null;
  function tone(freq, ms) {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      var osc = audio.createOscillator(), gain = audio.createGain();
      osc.frequency.value = freq; osc.connect(gain); gain.connect(audio.destination);
      gain.gain.value = 0.15; osc.start(); osc.stop(audio.currentTime + ms / 1000);
    } catch (e) { /* no audio device: the colour still tells */ }
  }
  window.bayflow = window.bayflow || {};
  window.bayflow.feedback = function (ok) {
    document.body.classList.remove("scan-ok", "scan-bad");
    document.body.classList.add(ok ? "scan-ok" : "scan-bad");
    if (ok) { tone(880, 120); } else { tone(220, 160); setTimeout(function () { tone(220, 160); }, 220); }
    setTimeout(function () { document.body.classList.remove("scan-ok", "scan-bad"); }, 900);
  };
  // Forms that ask first (data-confirm="question").
  document.addEventListener("submit", function (ev) {
    var form = ev.target.closest("form[data-confirm]");
    if (form && !window.confirm(form.dataset.confirm)) ev.preventDefault();
  }, true);

  // A typed scan field empties itself once its scan was answered (data-reset-on-success).
  document.body.addEventListener("htmx:afterRequest", function (ev) {
    var form = ev.detail.elt && ev.detail.elt.closest && ev.detail.elt.closest("form[data-reset-on-success]");
    if (form && ev.detail.successful) form.reset();
  });

  // Blocks that show a refusal (4xx) in place instead of keeping the old content (data-swap-refusals).
  document.body.addEventListener("htmx:beforeSwap", function (ev) {
    var elt = ev.detail.elt;
    var status = ev.detail.xhr && ev.detail.xhr.status;
    if (elt && elt.closest && elt.closest("[data-swap-refusals]") && status >= 400 && status < 500) {
      ev.detail.shouldSwap = true;
      ev.detail.isError = false;
    }
  });

  // A failure the server explains (a full disk, an unexpected error) comes as an
  // out-of-band scan-bar message with a 4xx or 5xx status, which htmx would not swap.
  document.body.addEventListener("htmx:beforeSwap", function (ev) {
    var xhr = ev.detail.xhr;
    if (xhr && xhr.status >= 400 && xhr.getResponseHeader("X-Bayflow-Failure")) {
      ev.detail.shouldSwap = true;
      ev.detail.isError = false;
    }
  });
  // Live updates without a stream: when the server refuses a page's live-update
  // stream (too many open from this computer or in all: 429/503) or it cannot be
  // kept open, the parts that follow stream events ("sse:…" triggers) are asked
  // for again on a timer instead, until the stream opens again (htmx's SSE
  // extension keeps retrying it, waiting longer each time).
  var POLL_MS = 1000 * parseInt(body.dataset.pollSeconds || "15", 10);
  var pollTimer = null;
  function sseNames(el) {
    return (el.getAttribute("hx-trigger") || "").split(",").map(function (t) { return t.trim().split(/\s|\[/)[0]; })
      .filter(function (t) { return t.indexOf("sse:") === 0; });
  }
  function pollOnce() {
    document.querySelectorAll("[hx-trigger*='sse:']").forEach(function (el) {
      var names = sseNames(el);
      if (names.length) htmx.trigger(el, names[0], { polled: true });  // one request per part is enough
    });
  }
  document.body.addEventListener("htmx:sseError", function (ev) {
    var source = ev.detail && ev.detail.source;
    if (source && source.readyState === EventSource.CLOSED && !pollTimer && window.htmx) {
      body.dataset.live = "polling";
      pollTimer = setInterval(pollOnce, POLL_MS);
    }
  });
  document.body.addEventListener("htmx:sseOpen", function () {
    if (pollTimer) { clearInterval(pollTimer); pollTimer = null; }
    body.dataset.live = "stream";
  });
  // A live section holds still while the person works in it: data-hold-while names what,
  // open inside it, holds a live refresh (an edit row, a confirm step), data-hold-focus holds
  // it while the focus is inside, data-hold-on lists the events held (default: every live
  // update, "sse:…", streamed or polled). Here, not in hx-trigger "[…]" filters: those are
  // evaluated code, which the pages' Content-Security-Policy does not run.
  document.body.addEventListener("htmx:confirm", function (ev) {
    var el = ev.detail.elt, cause = ev.detail.triggeringEvent;
    if (!el || !el.hasAttribute || !(el.hasAttribute("data-hold-while") || el.hasAttribute("data-hold-focus"))) return;
    var type = (cause && cause.type) || "";
    var held = (el.getAttribute("data-hold-on") || "").split(/\s+/).filter(Boolean);
    if (held.length ? held.indexOf(type) < 0 : type.indexOf("sse:") !== 0) return;
    var busy = el.getAttribute("data-hold-while");
    if ((busy && el.querySelector(busy)) || (el.hasAttribute("data-hold-focus") && el.contains(document.activeElement))) {
      ev.preventDefault();
    }
  });
  // A refresh made by the timer is not a person at the screen: it must not keep a login alive.
  document.body.addEventListener("htmx:configRequest", function (ev) {
    var cause = ev.detail.triggeringEvent;
    if (cause && cause.detail && cause.detail.polled) ev.detail.headers["X-Bayflow-Poll"] = "1";
  });

  // Server fragments announce the outcome with HX-Trigger: {"feedback": "ok"|"bad"}.
  document.body.addEventListener("feedback", function (ev) {
    window.bayflow.feedback(ev.detail && ev.detail.value === "ok");
  });
})();
