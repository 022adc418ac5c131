package middleware

import (
	"errors"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/galvani-web/galvani"
)

func TestRecover(t *testing.T) {
	l, buf := newJSONLogger()
	h := RequestID(Recover(l)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Set-Cookie", "session=half-done")
		w.Header().Set("Content-Type", "application/json")
		panic(errors.New("db password is hunter2"))
	})))
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/x", nil)
	h.ServeHTTP(rec, req)
	if rec.Code != 500 {
		t.Fatalf("status %d, want 500", rec.Code)
	}
	body := rec.Body.String()
	if strings.Contains(body, "hunter2") || strings.Contains(body, "goroutine") || body != "Internal Server Error\n" {
		t.Fatalf("body leaks or is wrong: %q", body)
	}
	if rec.Header().Get("Set-Cookie") != "" || rec.Header().Get("Content-Type") != "text/plain; charset=utf-8" {
		t.Fatalf("handler headers survived: %v", rec.Header())
	}
	if rec.Header().Get("X-Request-ID") == "" {
		t.Fatalf("outer headers lost: %v", rec.Header())
	}
	lines := decodeLines(t, buf)
	if len(lines) != 1 {
		t.Fatalf("want one log line, got %s", buf)
	}
	if !strings.Contains(lines[0]["panic"].(string), "hunter2") || !strings.Contains(lines[0]["stack"].(string), "recover_test.go") ||
		lines[0]["request_id"] != rec.Header().Get("X-Request-ID") {
		t.Fatalf("log line lacks panic, stack or ID: %v", lines[0])
	}
}

func TestRecoverAfterWriteAborts(t *testing.T) {
	l, _ := newJSONLogger()
	h := Recover(l)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("partial"))
		panic("late")
	}))
	defer func() {
		if v := recover(); v != http.ErrAbortHandler {
			t.Fatalf("want ErrAbortHandler re-panic, got %v", v)
		}
	}()
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
}

func TestRecoverPassesAbortHandler(t *testing.T) {
	l, buf := newJSONLogger()
	h := Recover(l)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { panic(http.ErrAbortHandler) }))
	defer func() {
		if v := recover(); v != http.ErrAbortHandler {
			t.Fatalf("got %v", v)
		}
		if buf.Len() != 0 {
			t.Fatalf("ErrAbortHandler was logged: %s", buf)
		}
	}()
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
}

func TestRecoverOverRealServer(t *testing.T) {
	l, _ := newJSONLogger()
	srv := httptest.NewServer(Recover(l)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		panic("nope")
	})))
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 500 {
		t.Fatalf("status %d", resp.StatusCode)
	}
}

// Over a real connection, a panic after the response started reaches the client as
// a failure (the connection is aborted), whether the panic comes from a plain
// handler or from a Galvani App behind Recover: never a 200 with a cut body.
func TestRecoverAfterWriteFailsOnTheWire(t *testing.T) {
	l, _ := newJSONLogger()
	app := galvani.New(galvani.Settings{})
	app.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	app.Get("/app", func(c *galvani.Ctx) error {
		c.Response.Write([]byte("partial"))
		panic("late")
	})
	mux := http.NewServeMux()
	mux.Handle("/app", app)
	mux.HandleFunc("/plain", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("partial"))
		panic("late")
	})
	srv := httptest.NewServer(Recover(l)(mux))
	defer srv.Close()
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	for _, path := range []string{"/plain", "/app"} {
		res, err := srv.Client().Get(srv.URL + path)
		if err != nil {
			continue // aborted before the headers: a failure, as wanted
		}
		body, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err == nil {
			t.Errorf("%s: %d %q looks like a complete answer", path, res.StatusCode, body)
		}
	}
}
