// Command techempower serves the TechEmpower Framework Benchmarks endpoints on
// Galvani: /plaintext, /json, /db, /queries?queries=N, /fortunes and
// /updates?queries=N, against the world and fortune tables of schema.sql.
//
//	go run ./examples/techempower -addr 127.0.0.1:8080 -db postgres://root@127.0.0.1:5432/bench
//
// The database endpoints go through the ORM (models.go); /fortunes renders through
// the template engine. /plaintext and /json need no database. Answers carry no
// Server header, like the comparison's peers in ../shared/bench; -server Galvani adds
// the one TechEmpower's rules ask for.
package main

import (
	"context"
	"flag"
	"log"
	"net/url"

	"github.com/galvani-web/galvani/orm"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "listen address (HOST:PORT)")
	dsn := flag.String("db", "postgres://root@127.0.0.1:5432/bench?sslmode=disable", "PostgreSQL URL of the database holding the world and fortune tables")
	serverName := flag.String("server", "", "value of the Server header on every answer, e.g. Galvani (TechEmpower's rules ask for one; off by default because the comparison's peers in ../shared/bench send none, and one more header is about 2% of /db's CPU)")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile to this file until SIGINT/SIGTERM (for finding where a request's time goes)")
	flag.Parse()
	if *cpuprofile != "" {
		stop, err := profileCPU(*cpuprofile)
		if err != nil {
			log.Fatalf("techempower: %v", err)
		}
		defer stop()
	}

	db, err := connect(context.Background(), *dsn)
	if err != nil {
		log.Printf("techempower: %v (the database endpoints answer 503)", err)
	} else {
		defer db.Close()
	}

	// App.ListenAndServe applies the settings' server timeouts (header, read,
	// write and idle), enforced by a periodic sweep rather than per request.
	log.Printf("techempower: serving on http://%s", *addr)
	log.Fatal(newApp(db, *serverName).ListenAndServe(context.Background(), *addr))
}

// connect opens the ORM's database on dsn. The pool holds 16 connections unless the
// URL sets pool_max_conns (or max_conns), like the peers in the comparison.
func connect(ctx context.Context, dsn string) (*orm.DB, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return nil, err
	}
	q := u.Query()
	if v := q.Get("pool_max_conns"); v != "" {
		q.Del("pool_max_conns")
		q.Set("max_conns", v)
	}
	if q.Get("max_conns") == "" {
		q.Set("max_conns", "16")
	}
	if q.Get("max_idle_conns") == "" {
		q.Set("max_idle_conns", q.Get("max_conns"))
	}
	u.RawQuery = q.Encode()
	return orm.Open(ctx, u.String())
}
