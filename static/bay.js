/* Bay kiosk behaviour: the running clock ticking from its start, the focused job
   brought into view, and the return to the idle screen when nobody touches the
   bay for a while (the server ends the badge session on its side too). */
(function () {
  "use strict";

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  // Time the server stamped the page with, against this browser's clock: the
  // ticker counts from the clock's start in the server's time, whatever the
  // tablet's clock says.
  function tick() {
    document.querySelectorAll("time.ticker[data-since]").forEach(function (el) {
      if (!el.dataset.offset) {
        el.dataset.offset = String(Date.parse(el.dataset.now) - Date.now());
      }
      var now = Date.now() + parseInt(el.dataset.offset, 10);
      var seconds = Math.max(0, Math.floor((now - Date.parse(el.dataset.since)) / 1000));
      el.textContent = Math.floor(seconds / 3600) + ":" + pad(Math.floor(seconds / 60) % 60) + ":" + pad(seconds % 60);
    });
  }
  setInterval(tick, 1000);
  tick();

  function focusJob() {
    var card = document.querySelector(".bay-job-card.focus");
    if (card) card.scrollIntoView({ block: "nearest" });
  }
  document.body.addEventListener("htmx:afterSettle", function () { tick(); focusJob(); });
  focusJob();

  // Idle: back to the idle screen after the bay's idle time without a touch.
  var bay = document.querySelector("[data-bay-idle]");
  var seconds = bay ? parseInt(bay.dataset.bayIdle || "0", 10) : 0;
  var timer = null;
  function someoneAtBay() {
    var strip = document.getElementById("bay-running");
    return strip && strip.dataset.bayPerson;
  }
  function reset() {
    clearTimeout(timer);
    if (!seconds) return;
    timer = setTimeout(function () {
      if (someoneAtBay()) window.location.href = bay.dataset.bayHome;
    }, (seconds + 1) * 1000);
  }
  ["pointerdown", "keydown", "touchstart"].forEach(function (name) {
    document.addEventListener(name, reset, { passive: true });
  });
  reset();
})();
