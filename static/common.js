/* What screen and paper pages share, without inline script (the pages'
   Content-Security-Policy runs only files from this node): Print buttons,
   Back links, file fields that send their form once a photo is taken
   (data-submit-on-change), and the damage marks placed on the car outline from their
   data-x / data-y (percent across and down). */
(function () {
  "use strict";

  document.addEventListener("click", function (ev) {
    if (ev.target.closest("[data-print]")) {
      ev.preventDefault();
      window.print();
    } else if (ev.target.closest("[data-back]")) {
      ev.preventDefault();
      history.back();
    }
  });

  document.addEventListener("change", function (ev) {
    if (ev.target.matches("[data-submit-on-change]") && ev.target.form) {
      ev.target.form.requestSubmit();
    }
  });

  function placeMarks(root) {
    (root || document).querySelectorAll(".mark[data-x][data-y]").forEach(function (mark) {
      mark.style.left = parseFloat(mark.dataset.x) + "%";
      mark.style.top = parseFloat(mark.dataset.y) + "%";
    });
  }

  document.addEventListener("DOMContentLoaded", function () { placeMarks(document); });
  document.addEventListener("htmx:afterSettle", function (ev) { placeMarks(ev.target); });
})();
