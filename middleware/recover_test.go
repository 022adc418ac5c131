package middleware

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
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
