package realtime_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/galvanitest"
	"github.com/galvani-web/galvani/realtime"
)

// serveWithTimeouts serves h with short read and write timeouts, like the ones a
// real server has (Galvani's defaults are 60 s), which must not cut a socket or
// a stream, and returns the base URLs of two servers: net/http's own (exact
// deadlines) and Galvani's own (galvanitest.LiveServer: deadlines enforced by a periodic sweep;
// a hijacked connection leaves it). (Event streams: sse_deadline_test.go.)
func serveWithTimeouts(t *testing.T, h http.Handler, timeout time.Duration) map[string]string {
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ReadTimeout = timeout
	srv.Config.WriteTimeout = timeout
	srv.Start()
	t.Cleanup(srv.Close)

	app := galvani.New(galvani.Settings{SecretKey: "x", Debug: true, ReadTimeout: timeout, WriteTimeout: timeout,
		ReadHeaderTimeout: timeout, IdleTimeout: timeout})
	app.Handle(nil, "/{path...}", h)
	live := galvanitest.LiveServer(t, app)
	return map[string]string{"net/http": srv.URL, "App.Serve": live}
}

func TestWebSocketOutlivesServerTimeouts(t *testing.T) {
	h := realtime.Handler(func(r *http.Request, ws *realtime.Conn) error {
		for {
			typ, b, err := ws.Read(ws.Context())
			if err != nil {
				return err
			}
			ws.Send(typ, b)
		}
	}, realtime.Options{})
	for name, base := range serveWithTimeouts(t, h, 100*time.Millisecond) {
		t.Run(name, func(t *testing.T) {
			ctx := testCtx(t)
			c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(base, "http")+"/ws", nil)
			if err != nil {
				t.Fatal(err)
			}
			defer c.CloseNow()
			time.Sleep(400 * time.Millisecond)
			if err := c.Write(ctx, websocket.MessageText, []byte("late")); err != nil {
				t.Fatal(err)
			}
			if _, b, err := c.Read(ctx); err != nil || string(b) != "late" {
				t.Fatalf("after the server's timeouts: %q, %v", b, err)
			}
		})
	}
}
