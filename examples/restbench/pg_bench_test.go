package main

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/galvani-web/galvani/internal/testdb"
	"github.com/galvani-web/galvani/orm"
)

//go:embed schema.sql
var schema string

// The PostgreSQL benchmarks run the API the comparison runs (newApp, on the
// benchmark's tables) beside rawAPI: plain net/http, a pgx pool, hand-written SQL,
// encoding/json and hand-written validation, the code of the comparison's go-std
// peer. One request at a time, so ns/op is mostly database round trips; allocs/op
// and B/op are the code's own. The Parallel variants keep 16 requests in flight
// (the pools' size), the in-process form of the HTTP comparison.

// rawArticle and rawAuthor are the answer's shape.
type rawAuthor struct {
	ID   int32  `json:"id"`
	Name string `json:"name"`
}

type rawArticle struct {
	ID      int32     `json:"id"`
	Title   string    `json:"title"`
	Body    string    `json:"body"`
	Created time.Time `json:"created"`
	Author  rawAuthor `json:"author"`
}

type rawPage struct {
	Count    int          `json:"count"`
	Next     *string      `json:"next"`
	Previous *string      `json:"previous"`
	Results  []rawArticle `json:"results"`
}

const rawCols = `SELECT a.id, a.title, a.body, a.created, au.id, au.name FROM article a JOIN author au ON au.id = a.author_id`

func rawScan(row pgx.Row) (a rawArticle, err error) {
	err = row.Scan(&a.ID, &a.Title, &a.Body, &a.Created, &a.Author.ID, &a.Author.Name)
	a.Created = a.Created.UTC()
	return
}

func rawJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

func rawInt(s string, def, min int) int {
	n, err := strconv.Atoi(s)
	if err != nil || n < min {
		return def
	}
	return n
}

// rawLinks builds the envelope's next/previous links as DRF does.
func rawLinks(r *http.Request, limit, offset, count int) (next, prev *string) {
	link := func(off int) *string {
		q := r.URL.Query()
		q.Set("limit", strconv.Itoa(limit))
		if off > 0 {
			q.Set("offset", strconv.Itoa(off))
		} else {
			q.Del("offset")
		}
		s := "http://" + r.Host + r.URL.Path + "?" + q.Encode()
		return &s
	}
	if offset+limit < count {
		next = link(offset + limit)
	}
	if offset > 0 {
		prev = link(max(offset-limit, 0))
	}
	return
}

// rawAPI is the baseline: the benchmark's API without the framework.
func rawAPI(pool *pgxpool.Pool) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/articles/{$}", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		limit, offset := rawInt(q.Get("limit"), 20, 1), rawInt(q.Get("offset"), 0, 0)
		var count int
		if err := pool.QueryRow(r.Context(), `SELECT count(*) FROM article`).Scan(&count); err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		rows, err := pool.Query(r.Context(), rawCols+` ORDER BY a.id LIMIT $1 OFFSET $2`, limit, offset)
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		out := make([]rawArticle, 0, limit)
		for rows.Next() {
			a, err := rawScan(rows)
			if err != nil {
				rows.Close()
				http.Error(w, err.Error(), 500)
				return
			}
			out = append(out, a)
		}
		rows.Close()
		next, prev := rawLinks(r, limit, offset, count)
		rawJSON(w, 200, rawPage{Count: count, Next: next, Previous: prev, Results: out})
	})
	mux.HandleFunc("GET /api/articles/{id}/{$}", func(w http.ResponseWriter, r *http.Request) {
		id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
		if err != nil {
			rawJSON(w, 404, map[string]string{"detail": "Not found."})
			return
		}
		a, err := rawScan(pool.QueryRow(r.Context(), rawCols+` WHERE a.id = $1`, id))
		if errors.Is(err, pgx.ErrNoRows) {
			rawJSON(w, 404, map[string]string{"detail": "Not found."})
			return
		}
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		rawJSON(w, 200, a)
	})
	mux.HandleFunc("POST /api/articles/{$}", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Title  *string `json:"title"`
			Body   *string `json:"body"`
			Author *int64  `json:"author"`
		}
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			rawJSON(w, 400, map[string]string{"detail": "JSON parse error - " + err.Error()})
			return
		}
		errs := map[string][]string{}
		text := func(field string, p *string, max int) string {
			switch {
			case p == nil:
				errs[field] = []string{"This field is required."}
			case strings.TrimSpace(*p) == "":
				errs[field] = []string{"This field may not be blank."}
			case max > 0 && utf8.RuneCountInString(strings.TrimSpace(*p)) > max:
				errs[field] = []string{fmt.Sprintf("Ensure this field has no more than %d characters.", max)}
			default:
				return strings.TrimSpace(*p)
			}
			return ""
		}
		title, body := text("title", in.Title, 200), text("body", in.Body, 0)
		var au rawAuthor
		if in.Author == nil {
			errs["author"] = []string{"This field is required."}
		} else if err := pool.QueryRow(r.Context(), `SELECT id, name FROM author WHERE id = $1`, *in.Author).Scan(&au.ID, &au.Name); errors.Is(err, pgx.ErrNoRows) {
			errs["author"] = []string{fmt.Sprintf("Invalid pk \"%d\" - object does not exist.", *in.Author)}
		} else if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		if len(errs) > 0 {
			rawJSON(w, 400, errs)
			return
		}
		a := rawArticle{Title: title, Body: body, Author: au}
		err := pool.QueryRow(r.Context(), `INSERT INTO article (title, body, author_id, created) VALUES ($1, $2, $3, now()) RETURNING id, created`,
			title, body, au.ID).Scan(&a.ID, &a.Created)
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		a.Created = a.Created.UTC()
		rawJSON(w, 201, a)
	})
	return mux
}

// pgBench returns the benchmark's database on the test PostgreSQL server (its
// tables loaded from schema.sql), opened as main opens it, and a pgx pool of the
// same size on it for the baseline. It skips without PostgreSQL.
func pgBench(b testing.TB) (*orm.DB, *pgxpool.Pool) {
	b.Helper()
	once.Do(register)
	ctx := context.Background()
	base := testdb.PostgresAddr(b)
	name := testdb.Name("galvani_restbench")
	admin, err := pgx.Connect(ctx, base.String())
	if err != nil {
		b.Fatalf("connect %s: %v", base.Redacted(), err)
	}
	_, err = admin.Exec(ctx, "CREATE DATABASE "+name)
	var pgErr *pgconn.PgError
	if err != nil && !(errors.As(err, &pgErr) && pgErr.Code == "42P04") { // 42P04: already exists
		b.Fatalf("create database: %v", err)
	}
	admin.Close(ctx)
	u := *base
	u.Path = "/" + name
	pool, err := pgxpool.New(ctx, u.String()+"&pool_max_conns=16")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(pool.Close)
	var n int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM article WHERE id <= 10000`).Scan(&n); err != nil || n != 10000 {
		if _, err := pool.Exec(ctx, schema); err != nil {
			b.Fatalf("loading schema.sql: %v", err)
		}
	}
	db, err := open(ctx, u.String())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return db, pool
}

// resetRows deletes the articles a create benchmark added.
func resetRows(b testing.TB, pool *pgxpool.Pool) {
	if _, err := pool.Exec(context.Background(), `DELETE FROM article WHERE id > 10000`); err != nil {
		b.Fatal(err)
	}
}

// discardWriter is a reusable ResponseWriter, so the benchmark measures the handler.
type discardWriter struct {
	h    http.Header
	code int
	body []byte
}

func (d *discardWriter) Header() http.Header { return d.h }
func (d *discardWriter) Write(p []byte) (int, error) {
	d.body = append(d.body, p...)
	return len(p), nil
}
func (d *discardWriter) WriteHeader(code int) { d.code = code }

func (d *discardWriter) reset() {
	clear(d.h)
	d.code, d.body = 0, d.body[:0]
}

// reusableBody is a request body that can be read again.
type reusableBody struct{ bytes.Reader }

func (*reusableBody) Close() error { return nil }

// benchRequests serves req (with body, when not nil) over and over, checking the
// status of the first answer.
func benchRequests(b *testing.B, h http.Handler, method, path string, body []byte, want int) {
	req := httptest.NewRequest(method, path, nil)
	rb := &reusableBody{}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
		req.ContentLength = int64(len(body))
		req.Body = rb
	}
	w := &discardWriter{h: http.Header{}}
	serve := func() {
		w.reset()
		rb.Reset(body)
		h.ServeHTTP(w, req)
	}
	serve()
	if w.code != want && !(w.code == 0 && want == 200) {
		b.Fatalf("%s %s: %d %s", method, path, w.code, w.body)
	}
	b.ReportAllocs()
	start := cpuTime()
	for b.Loop() {
		serve()
	}
	b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
}

// cpuTime is the CPU time (user and system) this process has used. Per request
// it is the framework's and the driver's own cost, without the database server's
// and without the time spent waiting for it, so it varies much less than ns/op on
// a busy machine.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func benchParallel(b *testing.B, h http.Handler, method, path string, body []byte) {
	b.ReportAllocs()
	b.SetParallelism(8) // × GOMAXPROCS goroutines
	start := cpuTime()
	defer func() { b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op") }()
	b.RunParallel(func(pb *testing.PB) {
		req := httptest.NewRequest(method, path, nil)
		rb := &reusableBody{}
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
			req.ContentLength = int64(len(body))
			req.Body = rb
		}
		w := &discardWriter{h: http.Header{}}
		for pb.Next() {
			w.reset()
			rb.Reset(body)
			h.ServeHTTP(w, req)
		}
	})
}

var createBody = []byte(`{"title": "A benchmark article", "body": "Posted by wrk to measure create.", "author": 7}`)

// benchEndpoints are the comparison's three requests and their expected status.
var benchEndpoints = []struct {
	name, method, path string
	body               []byte
	status             int
}{
	{"list", "GET", "/api/articles/?limit=20&offset=100", nil, 200},
	{"detail", "GET", "/api/articles/17/", nil, 200},
	{"create", "POST", "/api/articles/", createBody, 201},
}

// BenchmarkPG runs the comparison's three requests — a list page, a detail, a
// create — through the rest API (galvani) and rawAPI (raw), on PostgreSQL.
func BenchmarkPG(b *testing.B) {
	db, pool := pgBench(b)
	handlers := []struct {
		name string
		h    http.Handler
	}{{"raw", rawAPI(pool)}, {"galvani", newApp(db)}}
	for _, ep := range benchEndpoints {
		for _, h := range handlers {
			b.Run(ep.name+"/"+h.name, func(b *testing.B) {
				if ep.body != nil {
					defer resetRows(b, pool)
				}
				benchRequests(b, h.h, ep.method, ep.path, ep.body, ep.status)
			})
		}
	}
}

// BenchmarkPGParallel is BenchmarkPG with 16 requests in flight.
func BenchmarkPGParallel(b *testing.B) {
	db, pool := pgBench(b)
	handlers := []struct {
		name string
		h    http.Handler
	}{{"raw", rawAPI(pool)}, {"galvani", newApp(db)}}
	for _, ep := range []struct {
		name, method, path string
		body               []byte
	}{
		{"list", "GET", "/api/articles/?limit=20&offset=100", nil},
		{"detail", "GET", "/api/articles/17/", nil},
		{"create", "POST", "/api/articles/", createBody},
	} {
		for _, h := range handlers {
			b.Run(ep.name+"/"+h.name, func(b *testing.B) {
				if ep.body != nil {
					defer resetRows(b, pool)
				}
				benchParallel(b, h.h, ep.method, ep.path, ep.body)
			})
		}
	}
}

// TestRawAPIMatchesPG checks that the baseline and the rest API give the same
// answers on PostgreSQL, so that the benchmark compares the same work.
func TestRawAPIMatchesPG(t *testing.T) {
	db, pool := pgBench(t)
	raw, app := rawAPI(pool), newApp(db)
	defer resetRows(t, pool)
	for _, c := range []struct {
		method, path string
		body         []byte
		status       int
	}{
		{"GET", "/api/articles/?limit=20&offset=100", nil, 200},
		{"GET", "/api/articles/?limit=5", nil, 200},
		{"GET", "/api/articles/17/", nil, 200},
		{"GET", "/api/articles/99999/", nil, 404},
		{"POST", "/api/articles/", createBody, 201},
		{"POST", "/api/articles/", []byte(`{"title": " ", "body": "b", "author": 7}`), 400},
		{"POST", "/api/articles/", []byte(`{"title": "t", "body": "b", "author": 7000}`), 400},
	} {
		var got [2]string
		for i, h := range []http.Handler{raw, app} {
			req := httptest.NewRequest(c.method, c.path, bytes.NewReader(c.body))
			req.Header.Set("Content-Type", "application/json")
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			if w.Code != c.status {
				t.Fatalf("%s %s: status %d, want %d: %s", c.method, c.path, w.Code, c.status, w.Body)
			}
			var v any
			if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil {
				t.Fatalf("%s %s: %v: %s", c.method, c.path, err, w.Body)
			}
			if m, ok := v.(map[string]any); ok && c.method == "POST" && c.status == 201 {
				delete(m, "id") // two rows, two keys and two times
				delete(m, "created")
			}
			out, _ := json.Marshal(v)
			got[i] = string(out)
		}
		if got[0] != got[1] {
			t.Errorf("%s %s:\nraw     %s\ngalvani %s", c.method, c.path, got[0], got[1])
		}
	}
}
