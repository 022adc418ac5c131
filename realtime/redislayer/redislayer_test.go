package redislayer_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/galvani-web/galvani/internal/testdb"
	"github.com/galvani-web/galvani/realtime"
	"github.com/galvani-web/galvani/realtime/redislayer"
	"github.com/redis/go-redis/v9"
)

// newLayer returns a layer with its own Redis connection, as a separate app
// server would have; prefix keeps parallel runs apart.
func newLayer(t *testing.T, prefix string) *redislayer.Layer {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: testdb.RedisAddr(t)})
	t.Cleanup(func() { rdb.Close() })
	l := redislayer.New(rdb, prefix)
	t.Cleanup(func() { l.Close() })
	return l
}

func testPrefix(t *testing.T) string {
	return fmt.Sprintf("galvani-test:%s:%d:", t.Name(), time.Now().UnixNano())
}

type inbox struct {
	mu  sync.Mutex
	got []string
	ch  chan string
}

func newInbox() *inbox { return &inbox{ch: make(chan string, 100)} }

func (b *inbox) Receive(group string, data []byte) { b.ch <- group + ":" + string(data) }

func (b *inbox) next(t *testing.T) string {
	t.Helper()
	select {
	case m := <-b.ch:
		return m
	case <-time.After(10 * time.Second):
		t.Fatal("no message")
		return ""
	}
}

func (b *inbox) none(t *testing.T) {
	t.Helper()
	select {
	case m := <-b.ch:
		t.Fatalf("unexpected message %q", m)
	case <-time.After(200 * time.Millisecond):
	}
}

func TestMessagesCrossServers(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	prefix := testPrefix(t)
	a, b := newLayer(t, prefix), newLayer(t, prefix)
	onA, onB, onB2 := newInbox(), newInbox(), newInbox()
	if err := a.Join(ctx, "room", onA); err != nil {
		t.Fatal(err)
	}
	if err := b.Join(ctx, "room", onB); err != nil {
		t.Fatal(err)
	}
	if err := b.Join(ctx, "room", onB2); err != nil {
		t.Fatal(err)
	}
	if err := a.Publish(ctx, "room", []byte("from a")); err != nil {
		t.Fatal(err)
	}
	for name, in := range map[string]*inbox{"a": onA, "b": onB, "b2": onB2} {
		if got := in.next(t); got != "room:from a" {
			t.Errorf("%s got %q", name, got)
		}
	}
	if err := b.Publish(ctx, "other", []byte("nobody")); err != nil {
		t.Fatal(err)
	}
	b.Leave(ctx, "room", onB)
	b.Leave(ctx, "room", onB2)
	if n := b.Members("room"); n != 0 {
		t.Fatalf("Members after leaving = %d", n)
	}
	b.Publish(ctx, "room", []byte("after leave"))
	if got := onA.next(t); got != "room:after leave" {
		t.Errorf("a got %q", got)
	}
	onB.none(t)
	onB2.none(t)
}

func TestClosedLayerRefuses(t *testing.T) {
	ctx := context.Background()
	l := newLayer(t, testPrefix(t))
	if err := l.Join(ctx, "g", newInbox()); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if err := l.Publish(ctx, "g", []byte("x")); err != realtime.ErrLayerClosed {
		t.Fatalf("Publish after Close: %v", err)
	}
	if err := l.Join(ctx, "g", newInbox()); err != realtime.ErrLayerClosed {
		t.Fatalf("Join after Close: %v", err)
	}
}

// Two app servers on one Redis: a message a client posts on server A reaches a
// WebSocket client connected to server B.
func TestWebSocketsOnTwoServers(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	prefix := testPrefix(t)
	server := func(layer realtime.Layer, joined chan<- struct{}) *httptest.Server {
		srv := httptest.NewServer(realtime.Handler(func(r *http.Request, ws *realtime.Conn) error {
			if err := ws.Join(r.Context(), layer, "lobby"); err != nil {
				return err
			}
			joined <- struct{}{}
			for {
				_, msg, err := ws.Read(ws.Context())
				if err != nil {
					return err
				}
				if err := layer.Publish(ws.Context(), "lobby", msg); err != nil {
					return err
				}
			}
		}, realtime.Options{}))
		t.Cleanup(srv.Close)
		return srv
	}
	joined := make(chan struct{}, 2)
	srvA := server(newLayer(t, prefix), joined)
	srvB := server(newLayer(t, prefix), joined)
	dial := func(srv *httptest.Server) *websocket.Conn {
		c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http"), nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.CloseNow() })
		<-joined
		return c
	}
	alice, bob := dial(srvA), dial(srvB)
	if err := alice.Write(ctx, websocket.MessageText, []byte(`{"text":"hi bob"}`)); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]*websocket.Conn{"bob on B": bob, "alice on A": alice} {
		_, b, err := c.Read(ctx)
		if err != nil || string(b) != `{"text":"hi bob"}` {
			t.Fatalf("%s got %q, %v", name, b, err)
		}
	}
}

func TestPresenceCountsEveryServer(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	prefix := testPrefix(t)
	a, b := newLayer(t, prefix), newLayer(t, prefix)
	count := func(l *redislayer.Layer, want int) {
		t.Helper()
		n, err := l.Count(ctx, "room")
		if err != nil || n != want {
			t.Fatalf("Count = %d, %v; want %d", n, err, want)
		}
	}
	count(a, 0)
	x, y, z := newInbox(), newInbox(), newInbox()
	a.Join(ctx, "room", x)
	a.Join(ctx, "room", y)
	b.Join(ctx, "room", z)
	count(a, 3)
	count(b, 3)
	a.Leave(ctx, "room", y)
	count(b, 2)
	// A server that stops takes its members out of the count at once.
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	count(b, 1)
	b.Leave(ctx, "room", z)
	count(b, 0)
}

func TestMemoryPresence(t *testing.T) {
	m := realtime.NewMemory()
	var p realtime.Presence = m
	m.Join(context.Background(), "g", newInbox())
	if n, err := p.Count(context.Background(), "g"); n != 1 || err != nil {
		t.Fatalf("Count = %d, %v", n, err)
	}
}
