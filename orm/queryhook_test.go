package orm_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/middleware"
	"github.com/galvani-web/galvani/orm"
)

// TestSQLLogCarriesRequestID serves a request through RequestID into a handler
// that queries: the SQL log line is JSON, names the statement and carries the
// same request ID as the response header, and leaves the parameter values out.
func TestSQLLogCarriesRequestID(t *testing.T) {
	db, ctx := setup()
	defer db.Close()
	var buf bytes.Buffer
	logger, err := galvani.NewLogger(&buf, "debug", "json")
	if err != nil {
		t.Fatal(err)
	}
	db.AddQueryHook(orm.LogQueries(logger))
	var hooked atomic.Int64
	db.AddQueryHook(func(ctx context.Context, e orm.QueryEvent) {
		if e.DB == "default" && e.Duration >= 0 {
			hooked.Add(1)
		}
	})
	if err := db.Create(ctx, &Writer{Name: "secret-name"}); err != nil {
		t.Fatal(err)
	}
	buf.Reset()
	h := middleware.RequestID(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, err := orm.Q[Writer](db).Filter("name", "secret-name").Count(r.Context())
		if err != nil || n != 1 {
			t.Errorf("Count = %d, %v", n, err)
		}
	}))
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("X-Request-ID", "sql-req-1")
	rec := httptest.NewRecorder()
	before := hooked.Load()
	h.ServeHTTP(rec, req)
	if rec.Header().Get("X-Request-ID") != "sql-req-1" {
		t.Fatalf("response ID %q", rec.Header().Get("X-Request-ID"))
	}
	if hooked.Load() != before+1 {
		t.Errorf("second hook ran %d times for one query", hooked.Load()-before)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 1 {
		t.Fatalf("want one SQL line, got:\n%s", buf.String())
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &m); err != nil {
		t.Fatalf("%q: %v", lines[0], err)
	}
	if m["msg"] != "sql" || m["request_id"] != "sql-req-1" || m["level"] != "DEBUG" || m["db"] != "default" || m["args"] != float64(1) {
		t.Errorf("SQL line = %v", m)
	}
	if sql, _ := m["sql"].(string); !strings.Contains(sql, "COUNT") {
		t.Errorf("sql = %q", sql)
	}
	if strings.Contains(lines[0], "secret-name") {
		t.Errorf("a parameter value reached the log: %s", lines[0])
	}
}

// TestLogQueriesQuietAboveDebug checks that a logger above debug gets nothing and
// that a failed statement's line carries its error.
func TestLogQueriesQuietAboveDebug(t *testing.T) {
	db, ctx := setup()
	defer db.Close()
	var quiet, loud bytes.Buffer
	ql, _ := galvani.NewLogger(&quiet, "info", "json")
	ll, _ := galvani.NewLogger(&loud, "debug", "json")
	db.AddQueryHook(orm.LogQueries(ql))
	db.AddQueryHook(orm.LogQueries(ll))
	db.AddQueryHook(nil)
	if _, err := db.Exec(ctx, "SELECT * FROM no_such_table"); err == nil {
		t.Fatal("query on a missing table succeeded")
	}
	if quiet.Len() != 0 {
		t.Errorf("info logger wrote %q", quiet.String())
	}
	if !strings.Contains(loud.String(), `"err":`) || !strings.Contains(loud.String(), "no_such_table") {
		t.Errorf("debug logger wrote %q", loud.String())
	}
}
