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

// Autocomplete for foreign keys (AutocompleteFields): a search box above the key
// input, fed by the target's autocomplete endpoint; picking a result sets the key.
(function () {
  "use strict";
  function setup(input) {
    var url = input.getAttribute("data-autocomplete-url");
    var box = document.createElement("div");
    box.className = "autocomplete";
    var search = document.createElement("input");
    search.type = "search";
    search.className = "autocomplete-search";
    search.setAttribute("aria-label", input.getAttribute("data-autocomplete-label") || "Search");
    search.placeholder = search.getAttribute("aria-label") + "…";
    var list = document.createElement("ul");
    list.className = "autocomplete-results";
    list.setAttribute("aria-live", "polite");
    box.appendChild(search);
    box.appendChild(list);
    input.parentNode.insertBefore(box, input);
    var timer = null, seq = 0;
    function show(results) {
      list.textContent = "";
      results.forEach(function (r) {
        var li = document.createElement("li");
        var b = document.createElement("button");
        b.type = "button";
        b.textContent = r.text;
        b.addEventListener("click", function () {
          input.value = r.id;
          var name = input.parentNode.querySelector(".raw-id-name");
          if (!name) {
            name = document.createElement("strong");
            name.className = "raw-id-name";
            input.parentNode.insertBefore(name, input.nextSibling);
          }
          name.textContent = " " + r.text;
          list.textContent = "";
          search.value = "";
          input.focus();
        });
        li.appendChild(b);
        list.appendChild(li);
      });
    }
    search.addEventListener("input", function () {
      clearTimeout(timer);
      var term = search.value.trim();
      if (!term) { list.textContent = ""; return; }
      timer = setTimeout(function () {
        var mine = ++seq;
        fetch(url + "?term=" + encodeURIComponent(term), { credentials: "same-origin", headers: { Accept: "application/json" } })
          .then(function (r) { return r.ok ? r.json() : { results: [] }; })
          .then(function (d) { if (mine === seq) show(d.results || []); })
          .catch(function () { /* the key input still works */ });
      }, 200);
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("input[data-autocomplete-url]").forEach(setup);
  });
})();
