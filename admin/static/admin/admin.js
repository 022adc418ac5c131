// Galvani admin: small enhancements only; every page works without them.
(function () {
  "use strict";
  var KEY = "galvani-admin-theme";
  var root = document.documentElement;
  function stored() {
    try { return localStorage.getItem(KEY) || "auto"; } catch (e) { return "auto"; }
  }
  // Applied before the page is drawn, so there is no flash of the other theme.
  root.setAttribute("data-theme", stored());

  function setupTheme() {
    var btn = document.getElementById("theme-toggle");
    if (!btn) return;
    var names = { auto: "automatic", light: "light", dark: "dark" };
    function show(t) {
      root.setAttribute("data-theme", t);
      btn.title = "Theme: " + names[t];
      var label = btn.querySelector(".theme-label");
      if (label) label.textContent = "Theme: " + names[t] + ". Switch theme";
    }
    btn.hidden = false;
    show(stored());
    btn.addEventListener("click", function () {
      var order = ["auto", "light", "dark"];
      var next = order[(order.indexOf(root.getAttribute("data-theme")) + 1) % order.length];
      try { localStorage.setItem(KEY, next); } catch (e) { /* private mode: this page only */ }
      show(next);
    });
  }

  function setupActions() {
    var toggle = document.getElementById("action-toggle");
    var boxes = document.querySelectorAll("input.action-select");
    var counter = document.querySelector(".action-counter");
    function update() {
      var n = 0;
      boxes.forEach(function (b) {
        if (b.checked) n++;
        var tr = b.closest("tr");
        if (tr) tr.classList.toggle("selected", b.checked);
      });
      if (counter) counter.textContent = n + " of " + boxes.length + " selected";
      if (toggle) {
        toggle.checked = n > 0 && n === boxes.length;
        toggle.indeterminate = n > 0 && n < boxes.length;
      }
    }
    if (toggle) {
      toggle.addEventListener("change", function () {
        boxes.forEach(function (b) { b.checked = toggle.checked; });
        update();
      });
    }
    boxes.forEach(function (b) { b.addEventListener("change", update); });
    if (boxes.length) update();
  }

  function setupPrepopulate() {
    document.querySelectorAll("[data-prepopulate-from]").forEach(function (target) {
      var sources = target.getAttribute("data-prepopulate-from").split(",").map(function (id) { return document.getElementById(id); });
      var edited = target.value !== "";
      target.addEventListener("input", function () { edited = target.value !== ""; });
      function slug() {
        if (edited) return;
        var text = sources.map(function (s) { return s ? s.value : ""; }).join(" ");
        var max = parseInt(target.getAttribute("maxlength") || "50", 10);
        target.value = text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
          .replace(/[^\w\s-]/g, "").trim().replace(/[-\s]+/g, "-").slice(0, max);
      }
      sources.forEach(function (s) { if (s) s.addEventListener("input", slug); });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setupTheme();
    setupActions();
    setupPrepopulate();
  });
})();
