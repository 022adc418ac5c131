package main

import (
	"context"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"
	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/internal/nodetest"
	"github.com/galvani-web/galvani/internal/testdb"
	"github.com/galvani-web/galvani/realtime"
	"github.com/galvani-web/galvani/realtime/redislayer"
	"github.com/redis/go-redis/v9"
)

var testSettings = galvani.Settings{SecretKey: "chat-test", Debug: true}

// twoServers starts two copies of the app on one Redis, as behind a load balancer.
func twoServers(t *testing.T) (a, b *httptest.Server) {
	t.Helper()
	addr := testdb.RedisAddr(t)
	prefix := fmt.Sprintf("chat-test:%d:", time.Now().UnixNano())
	start := func() *httptest.Server {
		rdb := redis.NewClient(&redis.Options{Addr: addr})
		layer := redislayer.New(rdb, prefix)
		srv := httptest.NewServer(newApp(testSettings, layer))
		t.Cleanup(func() { srv.Close(); layer.Close(); rdb.Close() })
		return srv
	}
	return start(), start()
}

func dial(t *testing.T, ctx context.Context, srv *httptest.Server, name string) *websocket.Conn {
	t.Helper()
	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+"/ws/?name="+name, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.CloseNow() })
	var e event
	if err := wsjson.Read(ctx, c, &e); err != nil || e.Type != "joined" {
		t.Fatalf("first event %+v, %v; want joined", e, err)
	}
	return c
}

func TestChatAcrossTwoServers(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	a, b := twoServers(t)
	alice, bob := dial(t, ctx, a, "alice"), dial(t, ctx, b, "bob")
	wsjson.Write(ctx, alice, post{Text: "  hi bob  "})
	wsjson.Write(ctx, alice, post{Text: "   "}) // blank posts are ignored
	wsjson.Write(ctx, alice, post{Text: strings.Repeat("é", maxText+10)})
	for _, want := range []event{
		{Type: "message", Name: "alice", Text: "hi bob"},
		{Type: "message", Name: "alice", Text: strings.Repeat("é", maxText)},
	} {
		var got event
		if err := wsjson.Read(ctx, bob, &got); err != nil || got != want {
			t.Fatalf("bob got %+v, %v; want %+v", got, err, want)
		}
	}
}

func TestChatInMemory(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	srv := httptest.NewServer(newApp(testSettings, realtime.NewMemory()))
	defer srv.Close()
	ann, bo := dial(t, ctx, srv, ""), dial(t, ctx, srv, "bo")
	wsjson.Write(ctx, bo, post{Text: "hey"})
	var got event
	if err := wsjson.Read(ctx, ann, &got); err != nil || got != (event{Type: "message", Name: "bo", Text: "hey"}) {
		t.Fatalf("got %+v, %v", got, err)
	}
}

// Two headless Chromium pages, each on its own server, both servers on one Redis.
func TestChatAcrossTwoServersInChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	nodetest.Modules(t, "playwright-core")
	chromium := nodetest.Chromium(t)
	a, b := twoServers(t)
	script, err := filepath.Abs("testdata/chat.js")
	if err != nil {
		t.Fatal(err)
	}
	out, err := nodetest.Run(t, 2*time.Minute, script, []string{"BASE_A=" + a.URL, "BASE_B=" + b.URL, "CHROMIUM=" + chromium})
	t.Logf("%s", out)
	if err != nil {
		t.Fatalf("browser scenario failed: %v", err)
	}
}
