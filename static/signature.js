/* Work-order page behaviour: the customer's signature pad, and showing the
   server's refusal fragments, which htmx 2 would otherwise drop.
   Needs signature_pad.min.js (global SignaturePad) loaded before this file. */
(function () {
  "use strict";

  // htmx 2 does not swap 4xx answers by default. Ours are the form again with
  // the message at the field (422) or the reason the order refused (409), and
  // the person must see them.
  document.addEventListener("htmx:beforeSwap", function (ev) {
    var status = ev.detail.xhr.status;
    if (status === 400 || status === 409 || status === 422) {
      ev.detail.shouldSwap = true;
      ev.detail.isError = false;
    }
  });

  function init(canvas) {
    if (canvas.signaturePad || typeof SignaturePad === "undefined") return;
    var form = canvas.closest("form");
    var input = form && form.querySelector("input[name=signature]");
    var frame = canvas.parentElement;
    // White paper, not transparent: the PNG prints and shows the same everywhere.
    var pad = new SignaturePad(canvas, {
      minWidth: 1.5, maxWidth: 4.5, penColor: "#0b1a2b", backgroundColor: "rgb(255,255,255)"
    });
    canvas.signaturePad = pad;

    // The hidden field always holds what the pad shows: empty until a stroke.
    function sync() {
      var empty = pad.isEmpty();
      if (input) input.value = empty ? "" : pad.toDataURL("image/png");
      frame.classList.toggle("signed", !empty);
    }

    // Match the canvas to its on-screen size and pixel density, keeping strokes.
    function resize() {
      if (!document.body.contains(canvas)) {
        window.removeEventListener("resize", resize);
        return;
      }
      var ratio = Math.max(window.devicePixelRatio || 1, 1);
      var strokes = pad.toData();
      canvas.width = canvas.offsetWidth * ratio;
      canvas.height = canvas.offsetHeight * ratio;
      canvas.getContext("2d").scale(ratio, ratio);
      pad.clear();
      if (strokes.length) pad.fromData(strokes);
      sync();
    }

    pad.addEventListener("endStroke", sync);
    var clear = form && form.querySelector("[data-signature-clear]");
    if (clear) {
      clear.addEventListener("click", function () {
        pad.clear();
        sync();
      });
    }
    window.addEventListener("resize", resize);
    resize();
  }

  function setup(root) {
    var scope = root && root.querySelectorAll ? root : document;
    if (scope.matches && scope.matches("canvas[data-signature-pad]")) init(scope);
    scope.querySelectorAll("canvas[data-signature-pad]").forEach(init);
  }

  setup(document);
  // The pad arrives again with each swap of the signature section.
  document.addEventListener("htmx:load", function (ev) { setup(ev.detail.elt); });
})();
