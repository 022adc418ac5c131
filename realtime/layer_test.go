package realtime_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/galvani-web/galvani/realtime"
)

// recorder is a Receiver that keeps what it gets.
type recorder struct {
	mu   sync.Mutex
	msgs []string
	got  chan struct{}
}

func newRecorder() *recorder { return &recorder{got: make(chan struct{}, 1000)} }

func (r *recorder) Receive(group string, data []byte) {
	r.mu.Lock()
	r.msgs = append(r.msgs, group+":"+string(data))
	r.mu.Unlock()
	r.got <- struct{}{}
}

func (r *recorder) wait(t *testing.T, n int) []string {
	t.Helper()
	for i := 0; i < n; i++ {
		select {
		case <-r.got:
		case <-time.After(10 * time.Second):
			t.Fatalf("received %d of %d messages", i, n)
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.msgs...)
}

func TestMemoryLayerGroups(t *testing.T) {
	ctx := context.Background()
	m := realtime.NewMemory()
	a, b := newRecorder(), newRecorder()
	m.Join(ctx, "room", a)
	m.Join(ctx, "room", b)
	m.Join(ctx, "other", b)
	if n := m.Members("room"); n != 2 {
		t.Fatalf("Members(room) = %d, want 2", n)
	}
	m.Publish(ctx, "room", []byte("hi"))
	m.Publish(ctx, "other", []byte("psst"))
	m.Leave(ctx, "room", a)
	m.Publish(ctx, "room", []byte("after"))
	if got := fmt.Sprint(a.wait(t, 1)); got != "[room:hi]" {
		t.Errorf("a got %s", got)
	}
	if got := fmt.Sprint(b.wait(t, 3)); got != "[room:hi other:psst room:after]" {
		t.Errorf("b got %s", got)
	}
	m.Close()
	if err := m.Publish(ctx, "room", []byte("x")); !errors.Is(err, realtime.ErrLayerClosed) {
		t.Errorf("Publish after Close: %v", err)
	}
}

// roomServer serves sockets that join the "room" group of layer and stay until
// the client leaves; messages come only from the layer.
func roomServer(t *testing.T, layer realtime.Layer, opts realtime.Options, conns chan<- *realtime.Conn) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(realtime.Handler(func(r *http.Request, ws *realtime.Conn) error {
		if err := ws.Join(r.Context(), layer, "room"); err != nil {
			return err
		}
		if conns != nil {
			conns <- ws
		}
		ctx := ws.Context()
		for {
			if _, _, err := ws.Read(ctx); err != nil {
				return err
			}
		}
	}, opts))
	t.Cleanup(srv.Close)
	return srv
}

func TestGroupBroadcastReachesEverySocket(t *testing.T) {
	ctx := testCtx(t)
	layer := realtime.NewMemory()
	conns := make(chan *realtime.Conn, 10)
	srv := roomServer(t, layer, realtime.Options{}, conns)
	const n = 5
	var clients []*websocket.Conn
	for i := 0; i < n; i++ {
		c, _, err := websocket.Dial(ctx, wsURL(srv, "/"), nil)
		if err != nil {
			t.Fatal(err)
		}
		defer c.CloseNow()
		clients = append(clients, c)
		<-conns
	}
	for i := 0; i < 3; i++ {
		if err := layer.Publish(ctx, "room", []byte(fmt.Sprintf(`{"n":%d}`, i))); err != nil {
			t.Fatal(err)
		}
	}
	for i, c := range clients {
		for j := 0; j < 3; j++ {
			_, b, err := c.Read(ctx)
			if err != nil {
				t.Fatalf("client %d: %v", i, err)
			}
			if want := fmt.Sprintf(`{"n":%d}`, j); string(b) != want {
				t.Fatalf("client %d message %d = %s, want %s", i, j, b, want)
			}
		}
	}
	// A socket that closes leaves the group.
	clients[0].Close(websocket.StatusNormalClosure, "")
	deadline := time.Now().Add(10 * time.Second)
	for layer.Members("room") != n-1 {
		if time.Now().After(deadline) {
			t.Fatalf("Members = %d after one client left, want %d", layer.Members("room"), n-1)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestSlowConsumerIsBounded connects a client that never reads and floods its
// group: the server's queue for it never exceeds QueueSize, the socket is
// dropped, and a reading client in the same group gets every message.
func TestSlowConsumerIsBounded(t *testing.T) {
	ctx := testCtx(t)
	layer := realtime.NewMemory()
	conns := make(chan *realtime.Conn, 2)
	const queue = 8
	srv := roomServer(t, layer, realtime.Options{QueueSize: queue, WriteTimeout: time.Second}, conns)

	slow, _, err := websocket.Dial(ctx, wsURL(srv, "/"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.CloseNow()
	slowConn := <-conns

	payload := make([]byte, 64<<10)
	var sendErr error
	for i := 0; i < 10000 && sendErr == nil; i++ {
		if q := slowConn.Queued(); q > queue {
			t.Fatalf("queue holds %d messages, bound is %d", q, queue)
		}
		sendErr = slowConn.Send(realtime.Binary, payload)
	}
	if !errors.Is(sendErr, realtime.ErrSlowConsumer) && !errors.Is(sendErr, realtime.ErrClosed) {
		t.Fatalf("a client that never reads was not disconnected (last Send error %v)", sendErr)
	}
	select {
	case <-slowConn.Context().Done():
	case <-ctx.Done():
		t.Fatal("slow socket's context not cancelled")
	}
	if err := slowConn.Send(realtime.Text, []byte("x")); !errors.Is(err, realtime.ErrClosed) {
		t.Fatalf("Send after disconnect: %v, want ErrClosed", err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for layer.Members("room") != 0 {
		if time.Now().After(deadline) {
			t.Fatal("disconnected slow socket still in its group")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestOverflowDropPolicies(t *testing.T) {
	for _, policy := range []realtime.Overflow{realtime.DropNewest, realtime.DropOldest} {
		t.Run(fmt.Sprint(policy), func(t *testing.T) {
			ctx := testCtx(t)
			conns := make(chan *realtime.Conn, 1)
			srv := roomServer(t, realtime.NewMemory(), realtime.Options{QueueSize: 4, Overflow: policy, WriteTimeout: 30 * time.Second}, conns)
			c, _, err := websocket.Dial(ctx, wsURL(srv, "/"), nil)
			if err != nil {
				t.Fatal(err)
			}
			defer c.CloseNow()
			ws := <-conns
			payload := make([]byte, 64<<10)
			for i := 0; i < 2000 && ws.Dropped() == 0; i++ {
				err := ws.Send(realtime.Binary, payload)
				if policy == realtime.DropOldest && err != nil {
					t.Fatalf("DropOldest Send: %v", err)
				}
				if q := ws.Queued(); q > 4 {
					t.Fatalf("queue holds %d, bound 4", q)
				}
			}
			if ws.Dropped() == 0 {
				t.Fatal("nothing dropped for a client that never reads")
			}
			if ws.Context().Err() != nil {
				t.Fatal("drop policy disconnected the socket")
			}
		})
	}
}
