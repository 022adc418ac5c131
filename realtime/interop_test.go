package realtime_test

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/galvani-web/galvani/internal/testdb"
	"github.com/galvani-web/galvani/realtime"
)

// nodeClient is a WebSocket client nobody here wrote: Node.js's built-in
// WebSocket (undici). It sends a typed message, prints the echo, then sends
// malformed JSON and prints the close code it gets.
const nodeClient = `
const ws = new WebSocket(process.argv[1]);
ws.onopen = () => ws.send(JSON.stringify({text: "from node"}));
ws.onmessage = (ev) => { console.log("echo " + ev.data); ws.send("{not json"); };
ws.onclose = (ev) => { console.log("close " + ev.code); process.exit(0); };
ws.onerror = (ev) => { console.log("error " + (ev.message || ev.type)); };
setTimeout(() => { console.log("timeout"); process.exit(1); }, 10000);
`

func TestInteropWithNodeWebSocketClient(t *testing.T) {
	if _, err := exec.LookPath("node"); err != nil {
		testdb.MissingTool(t, "node is not on PATH")
	}
	srv := newChatApp(t, realtime.Options{})
	args := []string{"-e", nodeClient, wsURL(srv, "/ws")}
	// Node 22 has WebSocket built in; Node 20 needs the flag.
	if exec.Command("node", "-e", "process.exit(typeof WebSocket === 'function' ? 0 : 1)").Run() != nil {
		args = append([]string{"--experimental-websocket"}, args...)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "node", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("node client: %v\n%s", err, out)
	}
	got := strings.TrimSpace(strings.ReplaceAll(string(out), "\r", ""))
	// Node may print an ExperimentalWarning line first.
	if !strings.HasSuffix(got, "echo {\"user\":\"\",\"echo\":\"from node\"}\nclose 1007") {
		t.Fatalf("node client saw:\n%s", got)
	}
}
