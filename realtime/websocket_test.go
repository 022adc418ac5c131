package realtime_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"
	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/realtime"
	"github.com/galvani-web/galvani/session"
)

type chatIn struct {
	Text string `json:"text"`
}

type chatOut struct {
	User string `json:"user"`
	Echo string `json:"echo"`
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func wsURL(srv *httptest.Server, path string) string {
	return "ws" + strings.TrimPrefix(srv.URL, "http") + path
}

// newChatApp serves /login (puts a name in the session) and /ws (echoes typed
// messages, signed with the session's name).
func newChatApp(t *testing.T, opts realtime.Options) *httptest.Server {
	t.Helper()
	app := galvani.New(galvani.Settings{SecretKey: "test-secret", Debug: true, AllowedHosts: []string{"app.example"}})
	app.Use(session.Middleware(&app.Settings))
	app.Get("/login", func(c *galvani.Ctx) error {
		if err := session.From(c.Request).Set("user", c.Query("name")); err != nil {
			return err
		}
		return c.Text(200, "ok")
	})
	app.Get("/ws", realtime.WebSocket(func(c *galvani.Ctx, ws *realtime.Conn) error {
		user, _ := session.Value[string](session.From(c.Request), "user")
		typed := realtime.JSON[chatIn, chatOut](ws)
		for {
			in, err := typed.Read(c.Context())
			if err != nil {
				return err
			}
			if err := typed.Send(chatOut{User: user, Echo: in.Text}); err != nil {
				return err
			}
		}
	}, opts))
	srv := httptest.NewServer(app)
	t.Cleanup(srv.Close)
	return srv
}

func TestWebSocketEchoesTypedMessagesWithSession(t *testing.T) {
	ctx := testCtx(t)
	srv := newChatApp(t, realtime.Options{})
	res, err := http.Get(srv.URL + "/login?name=ada")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	h := http.Header{}
	for _, ck := range res.Cookies() {
		h.Add("Cookie", ck.Name+"="+ck.Value)
	}
	h.Set("Origin", srv.URL) // same origin, as a browser on the site sends
	c, _, err := websocket.Dial(ctx, wsURL(srv, "/ws"), &websocket.DialOptions{HTTPHeader: h})
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	for _, text := range []string{"hello", "second", "ünïcødé"} {
		if err := wsjson.Write(ctx, c, chatIn{Text: text}); err != nil {
			t.Fatal(err)
		}
		var out chatOut
		if err := wsjson.Read(ctx, c, &out); err != nil {
			t.Fatal(err)
		}
		if out != (chatOut{User: "ada", Echo: text}) {
			t.Fatalf("got %+v, want user ada echoing %q", out, text)
		}
	}
	if err := c.Close(websocket.StatusNormalClosure, ""); err != nil {
		t.Fatal(err)
	}
}

func TestWebSocketOriginCheck(t *testing.T) {
	ctx := testCtx(t)
	srv := newChatApp(t, realtime.Options{Origins: []string{".trusted.example"}})
	tests := []struct {
		name   string
		origin string
		ok     bool
	}{
		{"no origin (non-browser client)", "", true},
		{"same origin", srv.URL, true},
		{"allowed host from settings", "https://app.example", true},
		{"extra origin subdomain", "https://chat.trusted.example", true},
		{"other site", "https://evil.example", false},
		{"lookalike suffix", "https://eviltrusted.example", false},
		{"null origin", "null", false},
		{"same host other scheme-less garbage", "127.0.0.1", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			if tt.origin != "" {
				h.Set("Origin", tt.origin)
			}
			c, res, err := websocket.Dial(ctx, wsURL(srv, "/ws"), &websocket.DialOptions{HTTPHeader: h})
			if tt.ok {
				if err != nil {
					t.Fatalf("dial refused: %v", err)
				}
				c.Close(websocket.StatusNormalClosure, "")
				return
			}
			if err == nil {
				c.CloseNow()
				t.Fatal("cross-origin upgrade accepted")
			}
			if res == nil || res.StatusCode != http.StatusForbidden {
				t.Fatalf("got %v (%v), want 403", res, err)
			}
		})
	}
}

func TestWebSocketAllowedHostsStarIsNotAnOriginWildcard(t *testing.T) {
	ctx := testCtx(t)
	app := galvani.New(galvani.Settings{SecretKey: "x", AllowedHosts: []string{"*"}})
	app.Get("/ws", realtime.WebSocket(func(c *galvani.Ctx, ws *realtime.Conn) error { return nil }, realtime.Options{}))
	srv := httptest.NewServer(app)
	defer srv.Close()
	_, res, err := websocket.Dial(ctx, wsURL(srv, "/ws"), &websocket.DialOptions{HTTPHeader: http.Header{"Origin": {"https://evil.example"}}})
	if err == nil || res == nil || res.StatusCode != http.StatusForbidden {
		t.Fatalf("got %v, %v; want 403", res, err)
	}
}

func TestWebSocketBadMessagesCloseWithClearCodes(t *testing.T) {
	srv := newChatApp(t, realtime.Options{ReadLimit: 1024})
	tests := []struct {
		name string
		typ  websocket.MessageType
		data string
		want websocket.StatusCode
	}{
		{"malformed JSON", websocket.MessageText, `{"text": `, websocket.StatusInvalidFramePayloadData},
		{"wrong JSON type", websocket.MessageText, `{"text": 42}`, websocket.StatusInvalidFramePayloadData},
		{"binary message", websocket.MessageBinary, `{"text":"x"}`, websocket.StatusUnsupportedData},
		{"oversized message", websocket.MessageText, `{"text":"` + strings.Repeat("a", 4096) + `"}`, websocket.StatusMessageTooBig},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := testCtx(t)
			c, _, err := websocket.Dial(ctx, wsURL(srv, "/ws"), nil)
			if err != nil {
				t.Fatal(err)
			}
			defer c.CloseNow()
			if err := c.Write(ctx, tt.typ, []byte(tt.data)); err != nil {
				t.Fatal(err)
			}
			_, _, err = c.Read(ctx)
			if got := websocket.CloseStatus(err); got != tt.want {
				t.Fatalf("close status %d (%v), want %d", got, err, tt.want)
			}
		})
	}
	// The server survived every bad message: a fresh socket still echoes.
	ctx := testCtx(t)
	c, _, err := websocket.Dial(ctx, wsURL(srv, "/ws"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	wsjson.Write(ctx, c, chatIn{Text: "still here"})
	var out chatOut
	if err := wsjson.Read(ctx, c, &out); err != nil || out.Echo != "still here" {
		t.Fatalf("after bad messages: %+v, %v", out, err)
	}
}

func TestWebSocketHandlerErrorClosesWith1011(t *testing.T) {
	ctx := testCtx(t)
	h := realtime.Handler(func(r *http.Request, ws *realtime.Conn) error {
		return errors.New("database is down")
	}, realtime.Options{})
	srv := httptest.NewServer(h)
	defer srv.Close()
	c, _, err := websocket.Dial(ctx, wsURL(srv, "/"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	_, _, err = c.Read(ctx)
	if got := websocket.CloseStatus(err); got != websocket.StatusInternalError {
		t.Fatalf("close status %d (%v), want 1011", got, err)
	}
}

func TestWebSocketNotAnUpgradeIsRefused(t *testing.T) {
	srv := newChatApp(t, realtime.Options{})
	res, err := http.Get(srv.URL + "/ws")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode < 400 || res.StatusCode >= 500 {
		t.Fatalf("plain GET of a socket route: %d, want a 4xx", res.StatusCode)
	}
}

func TestPingDropsAClientThatStopsAnswering(t *testing.T) {
	ctx := testCtx(t)
	gone := make(chan string, 2)
	srv := httptest.NewServer(realtime.Handler(func(r *http.Request, ws *realtime.Conn) error {
		_, _, err := ws.Read(ws.Context())
		gone <- r.URL.Query().Get("client")
		return err
	}, realtime.Options{PingInterval: 20 * time.Millisecond, WriteTimeout: 200 * time.Millisecond}))
	defer srv.Close()
	c, _, err := websocket.Dial(ctx, wsURL(srv, "/?client=reader"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	// A client that reads answers pings: the socket stays up across several.
	c.CloseRead(ctx)
	select {
	case who := <-gone:
		t.Fatalf("%s dropped while answering pings", who)
	case <-time.After(300 * time.Millisecond):
	}
	c2, _, err := websocket.Dial(ctx, wsURL(srv, "/?client=silent"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.CloseNow()
	// c2 never reads, so it never answers a ping: the server drops it.
	select {
	case who := <-gone:
		if who != "silent" {
			t.Fatalf("%s dropped, want the silent client", who)
		}
	case <-ctx.Done():
		t.Fatal("client that does not answer pings was not dropped")
	}
}

// A long close reason is cut to fit a control frame at a character boundary: a
// reason cut inside a character is invalid UTF-8, and the peer must then fail the
// connection instead of reporting the code that was sent.
func TestWebSocketLongCloseReasonStaysUTF8(t *testing.T) {
	for _, reason := range []string{
		strings.Repeat("é", 100),      // 2-byte characters: byte 120 starts one
		"x" + strings.Repeat("é", 70), // byte 120 is inside one
		strings.Repeat("€", 50),       // 3-byte characters
		strings.Repeat("🙂", 40),       // 4-byte characters
		"short",
	} {
		ctx := testCtx(t)
		h := realtime.Handler(func(r *http.Request, ws *realtime.Conn) error {
			return ws.Close(websocket.StatusPolicyViolation, reason)
		}, realtime.Options{})
		srv := httptest.NewServer(h)
		c, _, err := websocket.Dial(ctx, wsURL(srv, "/"), nil)
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = c.Read(ctx)
		var ce websocket.CloseError
		if !errors.As(err, &ce) || ce.Code != websocket.StatusPolicyViolation {
			t.Fatalf("reason of %d bytes: %v, want close 1008", len(reason), err)
		}
		if !utf8.ValidString(ce.Reason) || len(ce.Reason) > 120 || !strings.HasPrefix(reason, ce.Reason) ||
			len(ce.Reason) < min(len(reason), 117) {
			t.Errorf("reason of %d bytes arrived as %q (%d bytes)", len(reason), ce.Reason, len(ce.Reason))
		}
		c.CloseNow()
		srv.Close()
	}
}
