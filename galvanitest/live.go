package galvanitest

import (
	"context"
	"net"
	"testing"

	"github.com/galvani-web/galvani"
)

// LiveServer serves app on a free loopback port with Galvani's own server (the
// one runserver uses: App.Serve, with the settings' timeouts, probes and graceful
// shutdown) until the test ends, and returns its base URL, such as
// "http://127.0.0.1:41234". It is Django's LiveServerTestCase for a browser, a
// WebSocket client or any real HTTP client; the in-process Client (New) is the
// faster choice for everything else. The cleanup shuts the server down gracefully
// and fails the test if that fails.
func LiveServer(t testing.TB, app *galvani.App) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("galvanitest: LiveServer: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- app.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("galvanitest: LiveServer: shutting down: %v", err)
		}
	})
	return "http://" + ln.Addr().String()
}
