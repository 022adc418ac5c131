package middleware

import (
	"bytes"
	"encoding/json"
	"github.com/galvani-web/galvani"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestRequestID(t *testing.T) {
	long := strings.Repeat("a", 65)
	cases := []struct {
		name, in string
		keep     bool
	}{
		{"none", "", false},
		{"safe", "abc-123_X.y:z", true},
		{"uuid", "123e4567-e89b-12d3-a456-426614174000", true},
		{"max length", strings.Repeat("a", 64), true},
		{"too long", long, false},
		{"space", "abc def", false},
		{"newline", "abc\ndef", false},
		{"quote", `abc"def`, false},
		{"non-ascii", "abcé", false},
		{"log injection", "x request=forged", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var seen string
			h := RequestID(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				seen = galvani.RequestID(r)
			}))
			req := httptest.NewRequest("GET", "/", nil)
			if tc.in != "" {
				req.Header.Set("X-Request-ID", tc.in)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			got := rec.Header().Get("X-Request-ID")
			if got != seen {
				t.Fatalf("response ID %q, context ID %q", got, seen)
			}
			if tc.keep && got != tc.in {
				t.Fatalf("incoming ID %q replaced by %q", tc.in, got)
			}
			if !tc.keep {
				if got == tc.in || len(got) != 32 || !ValidRequestID(got) {
					t.Fatalf("incoming %q: want a fresh 32-hex ID, got %q", tc.in, got)
				}
			}
		})
	}
}

func TestRequestIDUnique(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 1000; i++ {
		id := NewRequestID()
		if seen[id] {
			t.Fatalf("duplicate request ID %q after %d", id, i)
		}
		seen[id] = true
	}
}

func TestRequestIDTwiceKeepsFirst(t *testing.T) {
	var inner string
	h := RequestID(RequestID(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		inner = galvani.RequestID(r)
	})))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if rec.Header().Get("X-Request-ID") != inner || len(rec.Header().Values("X-Request-ID")) != 1 {
		t.Fatalf("header %v, context %q", rec.Header().Values("X-Request-ID"), inner)
	}
}

func newJSONLogger() (*slog.Logger, *bytes.Buffer) {
	var buf bytes.Buffer
	return slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})), &buf
}

func decodeLines(t *testing.T, b *bytes.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(b.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		out = append(out, m)
	}
	return out
}

func TestLogger(t *testing.T) {
	l, buf := newJSONLogger()
	h := Logger(l)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/missing" {
			http.NotFound(w, r)
			return
		}
		if r.URL.Path == "/boom" {
			w.WriteHeader(502)
			return
		}
		w.Write([]byte("hello"))
	}))
	for _, p := range []string{"/ok?token=secret", "/missing", "/boom"} {
		req := httptest.NewRequest("GET", p, nil)
		req.Header.Set("X-Request-ID", "req-"+strings.TrimPrefix(strings.Split(p, "?")[0], "/"))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Header().Get("X-Request-ID") == "" {
			t.Fatalf("%s: no X-Request-ID on the response", p)
		}
	}
	lines := decodeLines(t, buf)
	if len(lines) != 3 {
		t.Fatalf("want 3 log lines, got %d: %s", len(lines), buf)
	}
	want := []struct {
		path, level, id string
		status          float64
	}{
		{"/ok", "INFO", "req-ok", 200},
		{"/missing", "WARN", "req-missing", 404},
		{"/boom", "ERROR", "req-boom", 502},
	}
	for i, w := range want {
		m := lines[i]
		if m["path"] != w.path || m["level"] != w.level || m["status"] != w.status || m["request_id"] != w.id || m["method"] != "GET" {
			t.Errorf("line %d = %v, want %+v", i, m, w)
		}
		if m["remote"] != "192.0.2.1" {
			t.Errorf("line %d remote = %v", i, m["remote"])
		}
	}
	if strings.Contains(buf.String(), "secret") {
		t.Errorf("query string leaked into the log: %s", buf)
	}
	if lines[0]["bytes"] != float64(5) {
		t.Errorf("bytes = %v, want 5", lines[0]["bytes"])
	}
}

func TestLoggerUsesExistingIDAndPanics(t *testing.T) {
	l, buf := newJSONLogger()
	var ctxID string
	h := RequestID(Logger(l)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctxID = galvani.RequestID(r)
		panic("kaboom")
	})))
	rec := httptest.NewRecorder()
	func() {
		defer func() {
			if recover() == nil {
				t.Fatal("Logger swallowed the panic")
			}
		}()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/p", nil))
	}()
	lines := decodeLines(t, buf)
	if len(lines) != 1 || lines[0]["status"] != float64(500) || lines[0]["request_id"] != ctxID || ctxID == "" {
		t.Fatalf("lines %v, context ID %q", lines, ctxID)
	}
}

// TestLoggerJSONLinesWithHostileIDs sends inbound IDs built to break log lines
// (newlines, quotes, a huge value) through RequestID, Logger and a handler that
// logs with the request's context: every line parses as JSON, there is no forged
// line, and the handler's line, the access line and the response header share the
// replacement ID.
func TestLoggerJSONLinesWithHostileIDs(t *testing.T) {
	var buf bytes.Buffer
	logger, err := galvani.NewLogger(&buf, "info", "json")
	if err != nil {
		t.Fatal(err)
	}
	h := RequestID(Logger(logger)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		logger.InfoContext(r.Context(), "in handler")
		w.WriteHeader(http.StatusNoContent)
	})))
	for _, id := range []string{
		"x\n{\"msg\":\"forged\",\"level\":\"ERROR\"}",
		"a\"b",
		"\x1b[31mred",
		strings.Repeat("z", 100000),
		"ok-id_1",
	} {
		buf.Reset()
		req := httptest.NewRequest("GET", "/p", nil)
		req.Header.Set(RequestIDHeader, id)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		got := rec.Header().Get(RequestIDHeader)
		if id == "ok-id_1" {
			if got != id {
				t.Errorf("a safe ID was replaced by %q", got)
			}
		} else if got == id || !ValidRequestID(got) {
			t.Errorf("hostile ID %.40q answered as %.40q", id, got)
		}
		lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
		if len(lines) != 2 {
			t.Fatalf("ID %.40q: %d log lines, want 2:\n%s", id, len(lines), buf.String())
		}
		for _, ln := range lines {
			var m map[string]any
			if err := json.Unmarshal([]byte(ln), &m); err != nil {
				t.Fatalf("line %q is not JSON: %v", ln, err)
			}
			if m["request_id"] != got || m["msg"] == "forged" {
				t.Errorf("line %v: request_id want %q", m, got)
			}
		}
	}
}
