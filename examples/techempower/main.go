// Command techempower serves the TechEmpower Framework Benchmarks endpoints on
// Galvani: /plaintext, /json, /db, /queries?queries=N, /fortunes and
// /updates?queries=N, against the world and fortune tables of schema.sql.
//
//	go run ./examples/techempower -addr 127.0.0.1:8080 -db postgres://root@127.0.0.1:5432/bench
//
// The database endpoints use pgx directly for now (they move to the ORM when it
// lands); /fortunes renders through the template engine. /plaintext and /json need no database.
package main

import (
	"context"
	"flag"
	"log"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "listen address (HOST:PORT)")
	dsn := flag.String("db", "postgres://root@127.0.0.1:5432/bench?sslmode=disable", "PostgreSQL URL of the database holding the world and fortune tables")
	flag.Parse()

	pool, err := connect(context.Background(), *dsn)
	if err != nil {
		log.Fatalf("techempower: %v", err)
	}
	defer pool.Close()

	srv := &http.Server{
		Addr:              *addr,
		Handler:           newApp(pool),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
	log.Printf("techempower: serving on http://%s", *addr)
	log.Fatal(srv.ListenAndServe())
}

// connect opens a pool on dsn without connecting yet (so /plaintext and /json work
// without a database). The pool holds 16 connections unless the URL sets
// pool_max_conns, like the peers in the comparison.
func connect(ctx context.Context, dsn string) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, err
	}
	if !hasParam(dsn, "pool_max_conns") {
		cfg.MaxConns = 16
	}
	return pgxpool.NewWithConfig(ctx, cfg)
}
