/* Workshop pages: the wall board's minutes left tick in the browser between
   refreshes, and a refused QC or dispatch form (400/403/404/409/422) still
   shows its message in place. No framework, no network of its own. */
(function () {
  "use strict";

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  // The server's clock, not the wall screen's, says what "now" is.
  var offset = 0;
  function syncOffset() {
    var board = document.getElementById("ws-board");
    if (board && board.dataset.now) offset = Date.parse(board.dataset.now) - Date.now();
  }

  // A duration in the page's language, never a clock time: the board carries the
  // translated texts with {h}, {m} and {t} slots (kiosk.services.board.duration_formats).
  function fill(text, values) {
    return text.replace(/\{(\w)\}/g, function (_, key) { return values[key]; });
  }

  function left(board, minutes) {
    var abs = Math.abs(minutes), h = Math.floor(abs / 60), m = abs % 60;
    var span = h ? fill(board.dataset.fmtHm, { h: h, m: pad(m) }) : fill(board.dataset.fmtM, { m: m });
    return minutes < 0 ? fill(board.dataset.fmtLate, { t: span }) : span;
  }

  function tick() {
    var now = Date.now() + offset;
    var board = document.getElementById("ws-board");
    if (!board || !board.dataset.fmtHm) return;
    document.querySelectorAll(".ws-left[data-promised]").forEach(function (cell) {
      var minutes = Math.trunc((Date.parse(cell.dataset.promised) - now) / 60000);
      cell.textContent = left(board, minutes);
      var row = cell.closest("tr");
      if (row) row.classList.toggle("overdue", minutes < 0);
    });
  }

  document.addEventListener("DOMContentLoaded", function () { syncOffset(); tick(); });
  document.addEventListener("htmx:afterSwap", function () { syncOffset(); tick(); });
  setInterval(tick, 15000);

  document.addEventListener("htmx:beforeSwap", function (ev) {
    var status = ev.detail.xhr.status;
    if ((status === 400 || status === 403 || status === 404 || status === 409 || status === 422)
        && ev.detail.serverResponse) {
      ev.detail.shouldSwap = true;
      ev.detail.isError = false;
    }
  });
})();
