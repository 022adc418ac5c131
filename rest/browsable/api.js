// The browsable API's script: sends the forms as JSON requests with the CSRF token
// from the cookie, and shows the answer in place of the page.
(function () {
  "use strict";
  function cookie(name) {
    var parts = document.cookie ? document.cookie.split("; ") : [];
    for (var i = 0; i < parts.length; i++) {
      var kv = parts[i].split("=");
      if (kv[0] === name) { return decodeURIComponent(kv.slice(1).join("=")); }
    }
    return "";
  }
  function fieldValue(el) {
    if (el.type === "checkbox") { return el.checked; }
    if (el.value === "" && el.dataset.nullable === "true") { return null; }
    if (el.dataset.kind === "integer" && el.value !== "") { var n = Number(el.value); return isNaN(n) ? el.value : n; }
    if (el.dataset.kind === "number" && el.value !== "") { var f = Number(el.value); return isNaN(f) ? el.value : f; }
    if (el.dataset.kind === "json" && el.value !== "") { try { return JSON.parse(el.value); } catch (e) { return el.value; } }
    return el.value;
  }
  function send(method, body) {
    var headers = { "Accept": "application/json", "X-CSRFToken": cookie("csrftoken") };
    if (body !== undefined) { headers["Content-Type"] = "application/json"; }
    return fetch(window.location.href, { method: method, headers: headers, body: body, credentials: "same-origin" })
      .then(function (resp) {
        return resp.text().then(function (text) {
          var shown = text;
          try { shown = JSON.stringify(JSON.parse(text), null, 2); } catch (e) { /* not JSON */ }
          var status = document.getElementById("status");
          status.textContent = "HTTP " + resp.status + " " + resp.statusText;
          status.className = "status " + (resp.ok ? "ok" : "bad");
          document.getElementById("response").textContent = shown;
          if (method === "DELETE" && resp.ok) { document.getElementById("response").textContent = "(deleted)"; }
        });
      });
  }
  document.querySelectorAll("form[data-method]").forEach(function (form) {
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var method = form.dataset.method;
      if (method === "DELETE") { send(method); return; }
      var raw = form.querySelector("textarea[name=_content]");
      if (raw) { send(method, raw.value); return; }
      var data = {};
      form.querySelectorAll("[data-field]").forEach(function (el) { data[el.dataset.field] = fieldValue(el); });
      send(method, JSON.stringify(data));
    });
  });
})();
