/* Walk-around damage marks: choose a kind with the big buttons, tap the car
   outline to add a mark, tap a mark to remove it. Marks live as JSON
   [{x, y, kind}] (percent of the outline box) in a hidden input, so the form
   post carries them and a re-shown form keeps them. Tap or click only: no drag. */
(function () {
  "use strict";

  function parse(text) {
    try {
      var marks = JSON.parse(text || "[]");
      return Array.isArray(marks) ? marks : [];
    } catch (e) {
      return [];
    }
  }

  function init(root) {
    if (root.dataset.ready) return;
    root.dataset.ready = "1";
    var input = document.getElementById(root.dataset.input);
    var outline = root.querySelector("[data-outline]");
    var layer = root.querySelector("[data-marks]");
    var count = root.querySelector("[data-mark-count]");
    var kindButtons = Array.prototype.slice.call(root.querySelectorAll("[data-kind]"));
    var labels = {};
    kindButtons.forEach(function (b) { labels[b.dataset.kind] = b.dataset.label; });
    var kind = kindButtons.length ? kindButtons[0].dataset.kind : "other";
    var marks = parse(input && input.value);

    function save() {
      if (input) input.value = JSON.stringify(marks);
      if (count) count.textContent = String(marks.length);
    }

    function draw() {
      layer.textContent = "";
      marks.forEach(function (mark, index) {
        var b = document.createElement("button");
        var label = labels[mark.kind] || mark.kind;
        b.type = "button";
        b.className = "mark kind-" + mark.kind;
        b.style.left = mark.x + "%";
        b.style.top = mark.y + "%";
        b.dataset.mark = String(index);
        b.textContent = (label || "?").charAt(0);
        b.title = label;
        b.setAttribute("aria-label", label + " — " + (root.dataset.removeLabel || ""));
        layer.appendChild(b);
      });
      save();
    }

    kindButtons.forEach(function (button) {
      button.addEventListener("click", function () {
        kind = button.dataset.kind;
        kindButtons.forEach(function (b) { b.setAttribute("aria-pressed", b === button ? "true" : "false"); });
      });
    });

    outline.addEventListener("click", function (ev) {
      var hit = ev.target.closest("[data-mark]");
      if (hit) {
        marks.splice(parseInt(hit.dataset.mark, 10), 1);
        draw();
        return;
      }
      // The marks layer is the box the percentages refer to (inside the dashed border).
      var box = layer.getBoundingClientRect();
      if (!box.width || !box.height) return;
      var x = (ev.clientX - box.left) / box.width * 100;
      var y = (ev.clientY - box.top) / box.height * 100;
      if (x < 0 || x > 100 || y < 0 || y > 100) return;
      marks.push({ x: Math.round(x * 10) / 10, y: Math.round(y * 10) / 10, kind: kind });
      draw();
    });

    var clear = root.querySelector("[data-clear-marks]");
    if (clear) clear.addEventListener("click", function () { marks = []; draw(); });

    draw();
  }

  function initAll(scope) {
    scope = scope || document;
    if (scope.matches && scope.matches("[data-walkaround]")) init(scope);
    scope.querySelectorAll("[data-walkaround]").forEach(init);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { initAll(); });
  } else {
    initAll();
  }
  // Content swapped in by htmx gets its widgets too.
  document.addEventListener("htmx:load", function (ev) { initAll(ev.target); });
})();
