package realtime_test

import (
	"bufio"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/realtime"
)

// eventsApp streams events 1..5, resuming after Last-Event-ID, then idles so the
// heartbeat shows.
func eventsApp(t *testing.T, heartbeat time.Duration) *httptest.Server {
	app := galvani.New(galvani.Settings{SecretKey: "x", Debug: true})
	app.Get("/events", func(c *galvani.Ctx) error {
		s, err := realtime.SSE(c, realtime.SSEOptions{Heartbeat: heartbeat, Retry: 2 * time.Second})
		if err != nil {
			return err
		}
		defer s.Close()
		from := 1
		if last, err := strconv.Atoi(s.LastEventID()); err == nil {
			from = last + 1
		}
		for i := from; i <= 5; i++ {
			if err := s.Send("tick", strconv.Itoa(i), "n="+strconv.Itoa(i)+"\nsecond line"); err != nil {
				return err
			}
		}
		<-s.Done()
		return nil
	})
	srv := httptest.NewServer(app)
	t.Cleanup(srv.Close)
	return srv
}

// readUntil reads the stream's lines until one equals stop.
func readUntil(t *testing.T, br *bufio.Reader, stop string) []string {
	t.Helper()
	var lines []string
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatalf("after %q: %v", lines, err)
		}
		line = strings.TrimSuffix(line, "\n")
		lines = append(lines, line)
		if line == stop {
			return lines
		}
	}
}

func openStream(t *testing.T, url, lastID string) (*http.Response, *bufio.Reader) {
	t.Helper()
	req, _ := http.NewRequestWithContext(testCtx(t), "GET", url, nil)
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { res.Body.Close() })
	return res, bufio.NewReader(res.Body)
}

func TestSSEEventsAndResume(t *testing.T) {
	srv := eventsApp(t, time.Hour)
	res, br := openStream(t, srv.URL+"/events", "")
	if ct := res.Header.Get("Content-Type"); ct != "text/event-stream; charset=utf-8" {
		t.Fatalf("Content-Type %q", ct)
	}
	if cc := res.Header.Get("Cache-Control"); cc != "no-cache" {
		t.Fatalf("Cache-Control %q", cc)
	}
	got := strings.Join(readUntil(t, br, "id: 2"), "|")
	want := "retry: 2000||event: tick|id: 1|data: n=1|data: second line||event: tick|id: 2"
	if got != want {
		t.Fatalf("stream\n got %s\nwant %s", got, want)
	}

	// A reconnect with Last-Event-ID: 3 resumes at 4.
	_, br = openStream(t, srv.URL+"/events", "3")
	lines := readUntil(t, br, "data: n=4")
	if strings.Contains(strings.Join(lines, "|"), "id: 3") || lines[len(lines)-2] != "id: 4" {
		t.Fatalf("resume after 3 gave %q", lines)
	}
}

func TestSSEHeartbeat(t *testing.T) {
	srv := eventsApp(t, 20*time.Millisecond)
	_, br := openStream(t, srv.URL+"/events", "5") // nothing left to send: only heartbeats
	lines := readUntil(t, br, ":")
	if lines[len(lines)-1] != ":" {
		t.Fatalf("no heartbeat comment: %q", lines)
	}
	readUntil(t, br, ":") // and it repeats
}

func TestSSERejectsLineBreaksInFields(t *testing.T) {
	rec := httptest.NewRecorder()
	s, err := realtime.NewEventStream(rec, httptest.NewRequest("GET", "/", nil), realtime.SSEOptions{Heartbeat: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, tt := range []struct{ event, id string }{{"a\nb", ""}, {"", "1\r2"}, {"", "1\x002"}} {
		if err := s.Send(tt.event, tt.id, "x"); !errors.Is(err, realtime.ErrBadField) {
			t.Errorf("Send(%q, %q): %v, want ErrBadField", tt.event, tt.id, err)
		}
	}
	if err := s.Send("", "", "a\r\nb\rc"); err != nil {
		t.Fatal(err)
	}
	if got := rec.Body.String(); got != "data: a\ndata: b\ndata: c\n\n" {
		t.Fatalf("body %q", got)
	}
	s.Close()
	if err := s.Send("", "", "late"); !errors.Is(err, realtime.ErrClosed) {
		t.Fatalf("Send after Close: %v", err)
	}
}
