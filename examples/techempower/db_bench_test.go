package main

import (
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/galvani-web/galvani/internal/testdb"
)

// BenchmarkDB serves /db and /queries?queries=20 through the app (router, Ctx, ORM,
// JSON) beside the baseline the comparison's go-std peer runs: a bare net/http
// handler, pgxpool.QueryRow with hand-written SQL, encoding/json. Both talk to the
// same PostgreSQL tables, so ns/op is mostly database round trips; allocs/op and B/op
// are the code's own.
func BenchmarkDB(b *testing.B) {
	db := benchDB(b)
	u := *testdb.PostgresAddr(b)
	u.Path = "/galvani_techempower"
	pool, err := pgxpool.New(b.Context(), u.String())
	if err != nil {
		b.Fatal(err)
	}
	defer pool.Close()
	one := func(r *http.Request) (w World, err error) {
		err = pool.QueryRow(r.Context(), "SELECT id, randomnumber FROM world WHERE id=$1", rand.IntN(10000)+1).Scan(&w.ID, &w.RandomNumber)
		return w, err
	}
	answer := func(w http.ResponseWriter, v any) {
		w.Header().Set("Server", "Galvani") // benchHandler checks it
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
	app := newApp(db)
	for _, path := range []string{"/db", "/queries?queries=20"} {
		name := path[1:]
		b.Run(name+"/raw", func(b *testing.B) { benchHandler(b, raw, path) })
		b.Run(name+"/galvani", func(b *testing.B) { benchHandler(b, app, path) })
	}
}
