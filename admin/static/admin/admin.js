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

// The many-to-many chooser (FilterHorizontal, FilterVertical): the field's
// multiple select stays in the form, hidden, and holds the selection; two lists
// show what is available (narrowed by a filter box) and what is chosen, with
// buttons, double clicks and the Enter key moving options between them.
(function () {
  "use strict";
  function el(tag, props) {
    var e = document.createElement(tag);
    Object.keys(props || {}).forEach(function (k) {
      if (k === "text") e.textContent = props[k];
      else if (k === "className") e.className = props[k];
      else e.setAttribute(k, props[k]);
    });
    return e;
  }
  function setup(src) {
    var vertical = src.getAttribute("data-chooser") === "vertical";
    var name = src.getAttribute("data-chooser-name") || "items";
    var id = src.id || src.name;
    var wrap = el("div", { className: "chooser " + (vertical ? "chooser-vertical" : "chooser-horizontal") });
    function box(kind, title) {
      var b = el("div", { className: "chooser-box chooser-" + kind });
      var head = el("div", { className: "chooser-title", id: id + "_" + kind + "_title" });
      head.appendChild(el("span", { text: title }));
      var count = el("span", { className: "chooser-count" });
      head.appendChild(count);
      b.appendChild(head);
      var list = el("select", { multiple: "", id: id + "_" + kind, "aria-labelledby": id + "_" + kind + "_title" });
      return { box: b, list: list, count: count };
    }
    var avail = box("available", "Available " + name);
    var filter = el("input", { type: "search", id: id + "_filter", placeholder: "Filter", "aria-label": "Filter available " + name, autocomplete: "off" });
    avail.box.appendChild(filter);
    avail.box.appendChild(avail.list);
    var chooseAll = el("button", { type: "button", className: "chooser-all", text: "Choose all" });
    avail.box.appendChild(chooseAll);
    var chosen = box("chosen", "Chosen " + name);
    chosen.box.appendChild(chosen.list);
    var removeAll = el("button", { type: "button", className: "chooser-all", text: "Remove all" });
    chosen.box.appendChild(removeAll);
    var moves = el("div", { className: "chooser-moves" });
    var add = el("button", { type: "button", className: "chooser-add", text: vertical ? "Add ↓" : "Add →", "aria-label": "Add the selected " + name });
    var remove = el("button", { type: "button", className: "chooser-remove", text: vertical ? "↑ Remove" : "← Remove", "aria-label": "Remove the selected " + name });
    moves.appendChild(add);
    moves.appendChild(remove);
    wrap.appendChild(avail.box);
    wrap.appendChild(moves);
    wrap.appendChild(chosen.box);
    src.parentNode.insertBefore(wrap, src);
    src.hidden = true;
    src.setAttribute("aria-hidden", "true");
    src.tabIndex = -1;
    var label = document.querySelector('label[for="' + id + '"]');
    if (label) label.htmlFor = filter.id;

    function render() {
      var term = filter.value.trim().toLowerCase();
      var keepA = selectedValues(avail.list), keepC = selectedValues(chosen.list);
      avail.list.textContent = "";
      chosen.list.textContent = "";
      var shown = 0, picked = 0;
      Array.prototype.forEach.call(src.options, function (o) {
        var copy = el("option", { value: o.value, text: o.text });
        if (o.selected) {
          picked++;
          copy.selected = keepC[o.value] === true;
          chosen.list.appendChild(copy);
        } else if (!term || o.text.toLowerCase().indexOf(term) >= 0) {
          shown++;
          copy.selected = keepA[o.value] === true;
          avail.list.appendChild(copy);
        }
      });
      avail.count.textContent = shown + (shown < src.options.length - picked ? " of " + (src.options.length - picked) : "");
      chosen.count.textContent = String(picked);
      update();
    }
    function selectedValues(list) {
      var out = {};
      Array.prototype.forEach.call(list.options, function (o) { if (o.selected) out[o.value] = true; });
      return out;
    }
    function update() {
      add.disabled = avail.list.selectedOptions.length === 0;
      remove.disabled = chosen.list.selectedOptions.length === 0;
      chooseAll.disabled = avail.list.options.length === 0;
      removeAll.disabled = chosen.list.options.length === 0;
    }
    function move(values, on) {
      Array.prototype.forEach.call(src.options, function (o) { if (values[o.value]) o.selected = on; });
      src.dispatchEvent(new Event("change", { bubbles: true })); // render() listens
    }
    function all(list) {
      var out = {};
      Array.prototype.forEach.call(list.options, function (o) { out[o.value] = true; });
      return out;
    }
    add.addEventListener("click", function () { move(selectedValues(avail.list), true); });
    remove.addEventListener("click", function () { move(selectedValues(chosen.list), false); });
    chooseAll.addEventListener("click", function () { move(all(avail.list), true); });
    removeAll.addEventListener("click", function () { move(all(chosen.list), false); });
    [[avail.list, true], [chosen.list, false]].forEach(function (pair) {
      var list = pair[0], on = pair[1];
      list.addEventListener("change", update);
      list.addEventListener("dblclick", function (ev) {
        if (ev.target && ev.target.tagName === "OPTION") {
          var v = {};
          v[ev.target.value] = true;
          move(v, on);
        }
      });
      list.addEventListener("keydown", function (ev) {
        if (ev.key === "Enter") {
          ev.preventDefault();
          move(selectedValues(list), on);
        }
      });
    });
    filter.addEventListener("input", render);
    src.addEventListener("change", render); // a move, or an object added by a popup
    filter.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter") {
        ev.preventDefault(); // a filter box never submits the form
        if (avail.list.options.length === 1) move(all(avail.list), true);
      }
    });
    render();
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("select[data-chooser]").forEach(setup);
  });
})();

// "Add another" popups: the "+" beside a related select opens the target's add
// form in a small window; once saved, that window's page hands the new object
// back (popup_response.html) and it is added to the select, chosen, and the
// window closes. Without JavaScript the "+" opens the add form in a new tab.
(function () {
  "use strict";
  var PREFIX = "galvani_popup_";
  window.galvaniAdminPopupDone = function (name, data) {
    if (name.indexOf(PREFIX) !== 0 || !data) return;
    var select = document.getElementById(name.slice(PREFIX.length));
    if (!select || select.tagName !== "SELECT") return;
    var option = new Option(data.label, data.value, true, true);
    select.appendChild(option);
    option.selected = true;
    select.dispatchEvent(new Event("change", { bubbles: true }));
  };
  document.addEventListener("DOMContentLoaded", function () {
    var answer = document.getElementById("popup-response");
    if (answer && window.opener && !window.opener.closed) {
      try {
        window.opener.galvaniAdminPopupDone(window.name, JSON.parse(answer.textContent));
        window.close();
      } catch (e) { /* another origin or a closed form: the message stays */ }
    }
    document.querySelectorAll("a.related-add[data-popup-for]").forEach(function (a) {
      a.addEventListener("click", function (ev) {
        ev.preventDefault();
        var url = a.href + (a.href.indexOf("?") >= 0 ? "&" : "?") + "_popup=1";
        var win = window.open(url, PREFIX + a.getAttribute("data-popup-for"), "width=960,height=680,resizable=yes,scrollbars=yes");
        if (win) win.focus();
      });
    });
  });
})();
