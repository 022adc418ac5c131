package main

import (
	"context"
	_ "embed"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/galvani-web/galvani/galvanitest"
	"github.com/galvani-web/galvani/internal/testdb"
	"github.com/galvani-web/galvani/orm"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

//go:embed schema.sql
var schema string

func TestPlaintextAndJSON(t *testing.T) {
	c := galvanitest.New(t, newApp(nil, "Galvani"))
	c.Get("/plaintext").AssertStatus(200).AssertHeader("Content-Type", "text/plain").AssertHeader("Server", "Galvani")
	if b := c.Get("/plaintext").Body(); b != "Hello, World!" {
		t.Fatalf("plaintext body %q", b)
	}
	c.Get("/json").AssertStatus(200).AssertHeader("Content-Type", "application/json").AssertHeader("Server", "Galvani").
		AssertJSON(`{"message":"Hello, World!"}`)
	c.Get("/db").AssertStatus(503)
	c.Post("/json", "text/plain", nil).AssertStatus(405)
}

// Over a real connection: net/http adds Date and Content-Length, as the rules want.
// Server is there when -server names one (TechEmpower's rules), and absent by
// default, like the comparison's peers.
func TestHeadersOverHTTP(t *testing.T) {
	for _, name := range []string{"Galvani", ""} {
		srv := httptest.NewServer(newApp(nil, name))
		for _, p := range []string{"/plaintext", "/json"} {
			resp, err := http.Get(srv.URL + p)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			for _, h := range []string{"Date", "Content-Length", "Content-Type"} {
				if resp.Header.Get(h) == "" {
					t.Errorf("%s: no %s header: %v", p, h, resp.Header)
				}
			}
			if got := resp.Header.Get("Server"); got != name {
				t.Errorf("%s with -server %q: Server header %q", p, name, got)
			}
		}
		srv.Close()
	}
}

func TestQueryCount(t *testing.T) {
	cases := map[string]int{"": 1, "queries=": 1, "queries=abc": 1, "queries=0": 1, "queries=-5": 1,
		"queries=1": 1, "queries=20": 20, "queries=500": 500, "queries=501": 500, "queries=99999999999999999999": 1,
		"x=1&queries=7": 7, "queries=3&queries=9": 3, "queries=%33": 1}
	for q, want := range cases {
		req := httptest.NewRequest("GET", "/queries?"+q, nil)
		if got := queryCount(req.URL); got != want {
			t.Errorf("queryCount(%q) = %d, want %d", q, got, want)
		}
	}
}

// benchDB creates (once) the galvani_techempower database with the benchmark's tables.
func benchDB(t testing.TB) *orm.DB {
	t.Helper()
	base := testdb.PostgresAddr(t)
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, base.String())
	if err != nil {
		t.Fatalf("connect %s: %v", base.Redacted(), err)
	}
	_, err = admin.Exec(ctx, "CREATE DATABASE "+testdb.Name("galvani_techempower"))
	var pgErr *pgconn.PgError
	if err != nil && !(errors.As(err, &pgErr) && pgErr.Code == "42P04") { // 42P04: already exists
		t.Fatalf("create database: %v", err)
	}
	admin.Close(ctx)
	u := *base
	u.Path = "/" + testdb.Name("galvani_techempower")
	pool, err := connect(ctx, u.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pool.Close() })
	if _, err := pool.SQL().ExecContext(ctx, schema); err != nil {
		t.Fatalf("loading schema.sql: %v", err)
	}
	return pool
}

func TestDatabaseEndpoints(t *testing.T) {
	pool := benchDB(t)
	c := galvanitest.New(t, newApp(pool, "Galvani"))

	var w World
	c.Get("/db").AssertStatus(200).AssertHeader("Content-Type", "application/json").AssertHeader("Server", "Galvani").JSON(&w)
	if w.ID < 1 || w.ID > 10000 || w.RandomNumber < 1 || w.RandomNumber > 10000 {
		t.Fatalf("/db: %+v", w)
	}

	for q, n := range map[string]int{"": 1, "?queries=abc": 1, "?queries=0": 1, "?queries=7": 7, "?queries=501": 500} {
		var ws []World
		c.Get("/queries" + q).AssertStatus(200).JSON(&ws)
		if len(ws) != n {
			t.Errorf("/queries%s: %d rows, want %d", q, len(ws), n)
		}
		for _, w := range ws {
			if w.ID < 1 || w.ID > 10000 {
				t.Errorf("/queries%s: bad row %+v", q, w)
			}
		}
	}

	var updated []World
	c.Get("/updates?queries=20").AssertStatus(200).JSON(&updated)
	if len(updated) != 20 {
		t.Fatalf("/updates: %d rows", len(updated))
	}
	for _, w := range updated {
		var got int32
		if err := pool.SQL().QueryRowContext(context.Background(), "SELECT randomnumber FROM world WHERE id=$1", w.ID).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != w.RandomNumber {
			t.Errorf("/updates: row %d has %d in the table, %d in the answer", w.ID, got, w.RandomNumber)
		}
	}
	var one []World
	c.Get("/updates?queries=nope").AssertStatus(200).JSON(&one)
	if len(one) != 1 {
		t.Errorf("/updates?queries=nope: %d rows", len(one))
	}

	r := c.Get("/fortunes").AssertStatus(200).AssertHeader("Content-Type", "text/html; charset=utf-8").AssertHeader("Server", "Galvani").
		AssertContains("<td>11</td><td>&lt;script&gt;alert(&quot;This should not be displayed in a browser alert box.&quot;);&lt;/script&gt;</td>",
			"<td>0</td><td>Additional fortune added at request time.</td>", "フレームワークのベンチマーク").
		AssertNotContains("<script>")
	body := r.Body()
	if n := strings.Count(body, "<tr>"); n != 14 { // header row + 12 rows + the added one
		t.Errorf("/fortunes: %d rows", n)
	}
	// Sorted by message: "A bad random..." comes before "A computer program...", and
	// the Japanese one (bytes above ASCII) is last.
	if i, j := strings.Index(body, "A bad random"), strings.Index(body, "A computer program"); i < 0 || j < i {
		t.Errorf("/fortunes not sorted")
	}
	if strings.Index(body, "フレームワーク") < strings.Index(body, "fortune: No such file") {
		t.Errorf("/fortunes: UTF-8 row not last")
	}
}

func BenchmarkPlaintext(b *testing.B) { benchEndpoint(b, "/plaintext") }
func BenchmarkJSON(b *testing.B)      { benchEndpoint(b, "/json") }

// BenchmarkRawPlaintext is the floor: the same answer from a bare http.HandlerFunc.
func BenchmarkRawPlaintext(b *testing.B) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd["Content-Type"] = textPlain
		w.Write(helloWorld)
	})
	benchHandler(b, h, "/plaintext")
}

func benchEndpoint(b *testing.B, path string) { benchHandler(b, newApp(nil, ""), path) }

// discardWriter is a reusable ResponseWriter, so the benchmark measures the handler.
type discardWriter struct{ h http.Header }

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (d *discardWriter) WriteHeader(int)             {}

func benchHandler(b *testing.B, h http.Handler, path string) {
	req := httptest.NewRequest("GET", path, nil)
	w := &discardWriter{h: http.Header{}}
	h.ServeHTTP(w, req)
	if len(w.h["Content-Type"]) == 0 {
		b.Fatalf("handler did not answer: %v", w.h)
	}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		h.ServeHTTP(w, req)
	}
}
