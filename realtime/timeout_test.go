package realtime_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/galvani-web/galvani/realtime"
)

// serveWithTimeouts serves h with short read and write timeouts, like the ones a
// real server has (Galvani's defaults are 60 s), which must not cut a socket:
// net/http's deadlines end with the hijack. (Event streams: sse_deadline_test.go.)
func serveWithTimeouts(t *testing.T, h http.Handler) *httptest.Server {
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ReadTimeout = 100 * time.Millisecond
	srv.Config.WriteTimeout = 100 * time.Millisecond
	srv.Start()
	t.Cleanup(srv.Close)
	return srv
}

func TestWebSocketOutlivesServerTimeouts(t *testing.T) {
	ctx := testCtx(t)
	srv := serveWithTimeouts(t, realtime.Handler(func(r *http.Request, ws *realtime.Conn) error {
		for {
			typ, b, err := ws.Read(ws.Context())
			if err != nil {
				return err
			}
			ws.Send(typ, b)
		}
	}, realtime.Options{}))
	c, _, err := websocket.Dial(ctx, wsURL(srv, "/"), nil)
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
}
