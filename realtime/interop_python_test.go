package realtime_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/internal/testdb"
	"github.com/galvani-web/galvani/realtime"
)

// pythonWithWebsockets finds a python3 that can import the websockets library:
// the one on PATH, else Debian's /usr/bin/python3 (where python3-websockets
// installs it when PATH leads to another interpreter, such as pyenv's).
func pythonWithWebsockets(t *testing.T) (python, version string) {
	t.Helper()
	var tried []string
	for _, p := range []string{"python3", "/usr/bin/python3"} {
		path, err := exec.LookPath(p)
		if err != nil {
			tried = append(tried, p+": not found")
			continue
		}
		out, err := exec.Command(path, "-c", "import websockets; print(websockets.__version__)").CombinedOutput()
		if err != nil {
			tried = append(tried, path+": no websockets module")
			continue
		}
		return path, strings.TrimSpace(string(out))
	}
	testdb.MissingTool(t, "no python3 with the websockets module (Debian's python3-websockets) found (%s)", strings.Join(tried, "; "))
	return "", ""
}

// TestInteropWithPythonWebsocketsClient drives Galvani WebSocket routes from the
// python3 websockets library: text and binary frames round-trip, a typed JSON
// message is answered, a message over the read limit is closed with 1009, a page
// from another site is refused with 403, and close codes and reasons cross both
// ways.
func TestInteropWithPythonWebsocketsClient(t *testing.T) {
	python, version := pythonWithWebsockets(t)
	t.Logf("python websockets %s (%s)", version, python)

	app := galvani.New(galvani.Settings{SecretKey: "test-secret", Debug: true})
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	app.Get("/echo", realtime.WebSocket(func(c *galvani.Ctx, ws *realtime.Conn) error {
		for {
			typ, b, err := ws.Read(c.Context())
			if err != nil {
				return err
			}
			if typ == realtime.Text && string(b) == "bye" {
				return ws.Close(4001, "goodbye from galvani")
			}
			if err := ws.Send(typ, b); err != nil {
				return err
			}
		}
	}, realtime.Options{ReadLimit: 1024, Logger: quiet}))
	clientClose := make(chan string, 1)
	app.Get("/chat", realtime.WebSocket(func(c *galvani.Ctx, ws *realtime.Conn) error {
		typed := realtime.JSON[chatIn, chatOut](ws)
		for {
			in, err := typed.Read(c.Context())
			if err != nil {
				clientClose <- fmt.Sprint(int(realtime.CloseStatus(err)))
				return err
			}
			if err := typed.Send(chatOut{User: "py", Echo: in.Text}); err != nil {
				return err
			}
		}
	}, realtime.Options{Logger: quiet}))
	srv := httptest.NewServer(app)
	t.Cleanup(srv.Close)

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, python, "testdata/ws_client.py", wsURL(srv, "")).CombinedOutput()
	if err != nil {
		t.Fatalf("python client: %v\n%s", err, out)
	}
	want := strings.Join([]string{
		"text str héllo text",
		"binary bytes 000102ff",
		"server close 4001 'goodbye from galvani'",
		"json {'user': 'py', 'echo': 'from python'}",
		"client close 4002 'python done'",
		"too big 1009",
		"origin refused 403",
	}, "\n")
	if got := strings.TrimSpace(string(out)); got != want {
		t.Fatalf("python client saw:\n%s\nwant:\n%s", got, want)
	}
	select {
	case code := <-clientClose:
		if code != "4002" {
			t.Fatalf("server saw the client's close as %s, want 4002", code)
		}
	case <-ctx.Done():
		t.Fatal("the /chat handler never saw the client's close")
	}
}
