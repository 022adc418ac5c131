package main

import (
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/galvani-web/galvani/internal/testdb"
	"github.com/galvani-web/galvani/orm"
)

// rawHandlers is the baseline the comparison's go-std peer runs: a bare net/http mux,
// pgxpool.QueryRow with hand-written SQL, encoding/json.
func rawHandlers(pool *pgxpool.Pool) http.Handler {
	one := func(r *http.Request) (w World, err error) {
		err = pool.QueryRow(r.Context(), "SELECT id, randomnumber FROM world WHERE id=$1", rand.IntN(10000)+1).Scan(&w.ID, &w.RandomNumber)
		return w, err
	}
	answer := func(w http.ResponseWriter, v any) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(v)
	}
	raw := http.NewServeMux()
	raw.HandleFunc("GET /db", func(w http.ResponseWriter, r *http.Request) {
		wd, err := one(r)
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		answer(w, wd)
	})
	raw.HandleFunc("GET /queries", func(w http.ResponseWriter, r *http.Request) {
		out := make([]World, queryCount(r.URL))
		for i := range out {
			var err error
			if out[i], err = one(r); err != nil {
				http.Error(w, err.Error(), 500)
				return
			}
		}
		answer(w, out)
	})
	return raw
}

// benchPools opens the app's database and, beside it, a pgx pool of the same size
// for the baseline.
func benchPools(b *testing.B) (*orm.DB, *pgxpool.Pool) {
	db := benchDB(b)
	u := *testdb.PostgresAddr(b)
	u.Path = "/" + testdb.Name("galvani_techempower")
	q := u.Query()
	q.Set("pool_max_conns", "16")
	u.RawQuery = q.Encode()
	pool, err := pgxpool.New(b.Context(), u.String())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(pool.Close)
	return db, pool
}

// BenchmarkDB serves /db and /queries?queries=20 through the app (router, Ctx, ORM,
// JSON) beside rawHandlers, one request at a time. Both talk to the same PostgreSQL
// tables, so ns/op is mostly database round trips; allocs/op and B/op are the code's
// own.
func BenchmarkDB(b *testing.B) {
	db, pool := benchPools(b)
	raw := rawHandlers(pool)
	app := newApp(db, "")
	for _, path := range []string{"/db", "/queries?queries=20"} {
		name := path[1:]
		b.Run(name+"/raw", func(b *testing.B) { benchHandler(b, raw, path) })
		b.Run(name+"/galvani", func(b *testing.B) { benchHandler(b, app, path) })
	}
}

// BenchmarkDBParallel serves /db from 16 goroutines at once (the pool's size), the
// in-process form of the peer comparison without HTTP: ns/op is the inverse of
// throughput with the database on the same machine.
func BenchmarkDBParallel(b *testing.B) {
	db, pool := benchPools(b)
	for _, c := range []struct {
		name string
		h    http.Handler
	}{{"raw", rawHandlers(pool)}, {"galvani", newApp(db, "")}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetParallelism(8) // × GOMAXPROCS goroutines
			b.RunParallel(func(pb *testing.PB) {
				req := httptest.NewRequest("GET", "/db", nil)
				w := &discardWriter{h: http.Header{}}
				for pb.Next() {
					clear(w.h)
					c.h.ServeHTTP(w, req)
				}
			})
		})
	}
}
