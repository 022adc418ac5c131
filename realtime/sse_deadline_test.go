package realtime_test

import (
	"bufio"
	"net/http"
	"testing"
	"time"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/realtime"
)

// TestSSEOutlivesServerTimeouts checks that an event stream keeps going past the
// server's WriteTimeout and ReadTimeout (Galvani's server sets both, 60s by
// default): they bound a request, and a stream is meant to last longer. Before,
// the write deadline net/http sets for the whole response made every Send after
// it fail.
func TestSSEOutlivesServerTimeouts(t *testing.T) {
	const timeout = 300 * time.Millisecond
	app := galvani.New(galvani.Settings{SecretKey: "x", Debug: true})
	sent := make(chan error, 1)
	app.Get("/events", func(c *galvani.Ctx) error {
		s, err := realtime.SSE(c, realtime.SSEOptions{Heartbeat: -1})
		if err != nil {
			return err
		}
		defer s.Close()
		if err := s.Send("", "1", "first"); err != nil {
			return err
		}
		select {
		case <-s.Done():
			sent <- c.Context().Err()
			return nil
		case <-time.After(3 * timeout):
		}
		sent <- s.Send("", "2", "second")
		<-s.Done()
		return nil
	})
	for name, base := range serveWithTimeouts(t, app, timeout) {
		t.Run(name, func(t *testing.T) {
			resp, err := http.Get(base + "/events")
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			br := bufio.NewReader(resp.Body)
			readUntil(t, br, "data: first")
			if err := <-sent; err != nil {
				t.Fatalf("the stream ended at the server's timeouts: %v", err)
			}
			readUntil(t, br, "data: second")
		})
	}
}
