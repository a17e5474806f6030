/* The page-wide scan listener: a handheld scanner in keyboard ("wedge") mode and
   the station's camera both end in one POST of `code` + `source` to the page's
   scan URL (body[data-scan-url]); the answer replaces body[data-scan-target].

   A scanner types a whole code in a few milliseconds per key and ends it with
   Enter; a person types slower. So keystrokes are watched in the capture phase,
   whatever has focus: once a run of keys comes faster than the gap (data-scan-gap,
   ms), the rest of the run is kept out of the focused field, and when Enter (or
   another terminator, data-scan-end) closes it the field gets back the value it
   had before the run and the code is posted. A run that stops without Enter was
   a fast person: the keys kept back are typed in after all. With a Chinese input
   method on, keydown says "Process" (keyCode 229); the characters are recovered
   from event.code and the composition is thrown away. */
(function () {
  "use strict";

  var body = document.body;
  var GAP = 50, MIN = 4, ENDS = ["Enter"], END_WAIT = 100;
  var CLEAN_MS = 300;  // late input-method commits after a scan are undone this long

  /* The settings, read at each run's start (a page or a test may change them). */
  function configure() {
    GAP = parseInt(body.dataset.scanGap || "50", 10);            // ms between a scanner's keys
    MIN = parseInt(body.dataset.scanMin || "4", 10);             // shortest code taken as a scan
    ENDS = (body.dataset.scanEnd || "Enter").split(",");          // keys that close a scan
    END_WAIT = Math.max(100, GAP * 2);                            // a run without a terminator ends here
  }

  var SHIFTED_DIGITS = ")!@#$%^&*(";
  var PUNCT = { Minus: "-_", Equal: "=+", Slash: "/?", Semicolon: ";:", Period: ".>", Comma: ",<",
                Backquote: "`~", BracketLeft: "[{", BracketRight: "]}", Backslash: "\\|", Quote: "'\"",
                Space: "  ", NumpadSubtract: "--", NumpadAdd: "++", NumpadDivide: "//",
                NumpadMultiply: "**", NumpadDecimal: ".." };

  /* The character a physical key stands for on a US layout (scanners emulate one). */
  function fromCode(code, shift) {
    var m;
    if ((m = /^Key([A-Z])$/.exec(code))) return shift ? m[1] : m[1].toLowerCase();
    if ((m = /^Digit(\d)$/.exec(code))) return shift ? SHIFTED_DIGITS[+m[1]] : m[1];
    if ((m = /^Numpad(\d)$/.exec(code))) return m[1];
    if (PUNCT[code]) return PUNCT[code][shift ? 1 : 0];
    return "";
  }

  function imeKey(ev) {
    return ev.isComposing || ev.keyCode === 229 || ev.key === "Process" || ev.key === "Unidentified";
  }

  function charOf(ev) {
    if (imeKey(ev)) return fromCode(ev.code, ev.shiftKey);
    return ev.key && ev.key.length === 1 ? ev.key : "";
  }

  function isEnd(ev) {
    var name = imeKey(ev) ? (ev.code === "NumpadEnter" ? "Enter" : ev.code) : ev.key;
    return ENDS.indexOf(name) >= 0;
  }

  function editable(el) {
    return el && (el.tagName === "TEXTAREA" || (el.tagName === "INPUT" && "value" in el
      && !/^(button|submit|checkbox|radio|file|hidden|image|reset|range|color)$/i.test(el.type)));
  }

  var run = null;   // the keys of the current run: {chars, last, field, before, held, timer}

  function reset() {
    if (run && run.timer) clearTimeout(run.timer);
    run = null;
  }

  /* The run ended without a terminator: a fast person, not a scanner. Type back the keys kept out. */
  function giveBack() {
    var r = run;
    reset();
    if (!r || !r.held || !r.field || document.activeElement !== r.field) return;
    if (!document.execCommand("insertText", false, r.held)) {
      r.field.value += r.held;
      r.field.dispatchEvent(new Event("input", { bubbles: true }));
    }
  }

  /* Put the field back as it was before the run; undo an input method's late commit too. */
  function restore(field, before) {
    if (!field) return;
    if (field.value !== before) field.value = before;
    var until = performance.now() + CLEAN_MS;
    function undo() {
      if (performance.now() > until) { field.removeEventListener("input", undo, true); return; }
      if (field.value !== before) field.value = before;
    }
    field.addEventListener("input", undo, true);
    field.addEventListener("compositionend", function () { setTimeout(undo, 0); }, { once: true, capture: true });
    setTimeout(function () { field.removeEventListener("input", undo, true); }, CLEAN_MS);
  }

  function scanUrl() { return body.dataset.scanUrl || ""; }

  document.addEventListener("keydown", function (ev) {
    if (!scanUrl()) return;                       // this page takes no scans
    if (ev.ctrlKey || ev.altKey || ev.metaKey) { reset(); return; }
    var now = ev.timeStamp || performance.now();
    var fresh = !run || now - run.last > GAP;

    if (isEnd(ev)) {
      if (!fresh && run.chars.length >= MIN) {
        ev.preventDefault();
        ev.stopImmediatePropagation();
        var r = run;
        reset();
        if (imeKey(ev) && r.field) { r.field.blur(); r.field.focus(); }  // end the composition
        restore(r.field, r.before);
        window.bayflow.scan(r.chars, "wedge");
      } else {
        reset();                                   // a person's Enter: the form submits as usual
      }
      return;
    }

    var ch = charOf(ev);
    if (!ch) {
      if (ev.key !== "Shift" && ev.key !== "CapsLock" && !imeKey(ev)) reset();  // arrows, Backspace …
      return;
    }
    if (fresh) {
      if (run) giveBack();
      configure();
      var field = editable(document.activeElement) ? document.activeElement : null;
      run = { chars: "", last: now, field: field, before: field ? field.value : "", held: "", timer: null };
    }
    run.chars += ch;
    run.last = now;
    if (run.chars.length >= MIN) {
      // Scanner speed: keep the rest out of the field (an input method may still
      // compose; restore() undoes that when the run turns out to be a scan).
      ev.preventDefault();
      if (!imeKey(ev)) run.held += ch;
    }
    if (run.timer) clearTimeout(run.timer);
    run.timer = setTimeout(giveBack, END_WAIT);
  }, true);

  var counter = 0;

  /* Post one scanned code to this page's scan URL; the answer swaps into the scan target. */
  function scan(code, source) {
    var url = scanUrl();
    if (!url || !code || !window.htmx) return null;
    var target = document.querySelector(body.dataset.scanTarget || "#main") || document.getElementById("main");
    var headers = { "X-Scan-Seq": String(++counter) };
    try {
      var extra = JSON.parse(body.getAttribute("hx-headers") || "{}");
      for (var k in extra) headers[k] = extra[k];
    } catch (e) { /* no CSRF header on this page: the server answers */ }
    body.dataset.lastScan = code;
    return htmx.ajax("POST", url, { source: body, target: target, swap: "innerHTML", headers: headers,
                                    values: { code: code, source: source || "typed" } });
  }

  window.bayflow = window.bayflow || {};
  window.bayflow.scan = scan;

  // Camera codes come over the live stream; only a page that takes scans posts them.
  if (scanUrl() && body.dataset.camera === "on" && window.EventSource) {
    var stream = null;
    function listen() {
      stream = new EventSource(body.dataset.eventsUrl || "/events");
      stream.onopen = function () { body.dataset.cameraStream = "open"; };
      stream.onerror = function () {
        body.dataset.cameraStream = "closed";
        // Refused (too many streams): the browser gives up on it; ask again a little later.
        if (stream.readyState === EventSource.CLOSED) setTimeout(listen, 30000);
      };
      stream.addEventListener("camera-scan", onCameraScan);
      stream.addEventListener("camera-state", onCameraState);
    }
    function onCameraScan(ev) {
      var data;
      try { data = JSON.parse(ev.data); } catch (e) { return; }
      if (document.visibilityState === "hidden") return;  // a tab in the background leaves it to the kiosk's front page
      if (!data || !data.code) return;
      document.dispatchEvent(new CustomEvent("bayflow:camera-scan", { detail: data }));  // for pages and the benchmark
      scan(data.code, "camera");
    }
    function onCameraState() {
      var state = document.getElementById("camera-state");
      if (state && window.htmx) htmx.trigger(state, "camera-state");
    }
    listen();
    window.addEventListener("pagehide", function () { if (stream) stream.close(); });
  }
})();
