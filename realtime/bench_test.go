package realtime_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync"
	"testing"

	"github.com/coder/websocket"
	"github.com/galvani-web/galvani/realtime"
)

const benchSockets = 1000

// BenchmarkBroadcast1000 holds 1,000 sockets in one group of the in-process layer
// and measures one Publish reaching all of them (every client reads its copy). It
// reports heap and goroutines per connected socket, client side included (both
// ends live in this process). BenchmarkRawWriteLoop1000 is the same fan-out by
// hand on coder/websocket, the baseline.
func BenchmarkBroadcast1000(b *testing.B) {
	layer := realtime.NewMemory()
	ready := make(chan struct{}, benchSockets)
	h := realtime.Handler(func(r *http.Request, ws *realtime.Conn) error {
		if err := ws.Join(r.Context(), layer, "all"); err != nil {
			return err
		}
		ready <- struct{}{}
		<-ws.Context().Done()
		return nil
	}, realtime.Options{})
	fanOut(b, h, ready, func(msg []byte) { layer.Publish(context.Background(), "all", msg) })
}

// BenchmarkRawWriteLoop1000 is the baseline: sockets accepted with plain
// coder/websocket, kept in a slice, and each message written to each in turn.
func BenchmarkRawWriteLoop1000(b *testing.B) {
	var mu sync.Mutex
	var conns []*websocket.Conn
	ready := make(chan struct{}, benchSockets)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		mu.Lock()
		conns = append(conns, c)
		mu.Unlock()
		ready <- struct{}{}
		<-c.CloseRead(context.Background()).Done()
	})
	fanOut(b, h, ready, func(msg []byte) {
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Write(context.Background(), websocket.MessageText, msg)
		}
	})
}

func fanOut(b *testing.B, h http.Handler, ready <-chan struct{}, publish func([]byte)) {
	srv := httptest.NewServer(h)
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	g0 := runtime.NumGoroutine()
	var wg sync.WaitGroup
	for i := 0; i < benchSockets; i++ {
		c, _, err := websocket.Dial(ctx, wsURL(srv, "/"), nil)
		if err != nil {
			b.Fatal(err)
		}
		defer c.CloseNow()
		<-ready
		go func() {
			for {
				if _, _, err := c.Read(ctx); err != nil {
					return
				}
				wg.Done()
			}
		}()
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	heap := float64(after.HeapInuse-before.HeapInuse) / benchSockets
	goroutines := float64(runtime.NumGoroutine()-g0) / benchSockets

	msg := []byte(`{"text":"hello everyone"}`)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		wg.Add(benchSockets)
		publish(msg)
		wg.Wait()
	}
	b.StopTimer()
	b.ReportMetric(heap, "heap-B/socket")
	b.ReportMetric(goroutines, "goroutines/socket")
}
