package main

// page is the chat room. Messages are added with textContent, never as HTML, so a
// post cannot inject markup.
const page = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Chat</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body { font: 16px/1.4 system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; padding: 0 1rem; }
#log { list-style: none; padding: 0; min-height: 10rem; border: 1px solid #ccc; border-radius: 4px; }
#log li { padding: .25rem .5rem; }
#log b { margin-right: .5rem; }
form { display: flex; gap: .5rem; }
#text { flex: 1; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); }
</style>
</head>
<body>
<h1>Chat</h1>
<p>Status: <span id="status">connecting</span></p>
<ul id="log" aria-live="polite"></ul>
<form id="send">
<label for="text" class="visually-hidden">Message</label>
<input id="text" autocomplete="off" maxlength="500" required>
<button type="submit">Send</button>
</form>
<script>
const params = new URLSearchParams(location.search);
const scheme = location.protocol === "https:" ? "wss://" : "ws://";
const ws = new WebSocket(scheme + location.host + "/ws/?name=" + encodeURIComponent(params.get("name") || ""));
const status = document.getElementById("status");
const log = document.getElementById("log");
ws.onmessage = (ev) => {
  const e = JSON.parse(ev.data);
  if (e.type === "joined") { status.textContent = "connected"; return; }
  const li = document.createElement("li");
  const who = document.createElement("b");
  who.textContent = e.name + ":";
  li.append(who, document.createTextNode(e.text));
  log.append(li);
};
ws.onclose = (ev) => { status.textContent = "closed (" + ev.code + ")"; };
document.getElementById("send").addEventListener("submit", (ev) => {
  ev.preventDefault();
  const input = document.getElementById("text");
  ws.send(JSON.stringify({text: input.value}));
  input.value = "";
});
</script>
</body>
</html>
`
