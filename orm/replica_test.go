package orm

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/galvani-web/galvani/internal/testdb"
)

// servedBy returns the names of the databases the log's statements ran on.
func servedBy(l *QueryLog) []string {
	var out []string
	for _, e := range l.Entries() {
		out = append(out, e.DB)
	}
	return out
}

func withReplica(t *testing.T) (primary, replica *DB) {
	t.Helper()
	registerTestModels(t)
	path := filepath.Join(t.TempDir(), "test.db")
	primary, err := Open(context.Background(), "sqlite:///"+path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { primary.Close() })
	mustCreate(t, primary)
	// the same file: replication without lag, so only the query log tells
	// which database answered
	replica, err = OpenNamed(context.Background(), "replica", "sqlite:///"+path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { replica.Close() })
	if err := primary.AddReplica(replica); err != nil {
		t.Fatal(err)
	}
	return primary, replica
}

func TestReplicaRouting(t *testing.T) {
	db, _ := withReplica(t)
	seed := context.Background()
	a := &Author{Name: "Ada", Email: "ada@example.com"}
	if err := db.Create(seed, a); err != nil {
		t.Fatal(err)
	}
	if err := db.Create(seed, &Article{Title: "T", Slug: "t", Author: To(a)}); err != nil {
		t.Fatal(err)
	}

	reads := func(ctx context.Context, db *DB) error {
		if _, err := Q[Author](db).All(ctx); err != nil {
			return err
		}
		if _, err := Q[Author](db).Get(ctx, "id", a.ID); err != nil {
			return err
		}
		if _, err := Q[Author](db).Count(ctx); err != nil {
			return err
		}
		if _, err := Q[Author](db).Filter("name", "Ada").Exists(ctx); err != nil {
			return err
		}
		if _, err := Q[Author](db).ValuesList(ctx, "name"); err != nil {
			return err
		}
		if _, err := Q[Article](db).PrefetchRelated("author").All(ctx); err != nil {
			return err
		}
		for _, err := range Q[Author](db).Iter(ctx) {
			if err != nil {
				return err
			}
		}
		return nil
	}
	only := func(t *testing.T, l *QueryLog, want string) {
		t.Helper()
		got := servedBy(l)
		if len(got) == 0 {
			t.Fatal("no statement logged")
		}
		for i, g := range got {
			if g != want {
				t.Fatalf("statement %d (%s) ran on %q, want every one on %q (all: %v)", i, l.Entries()[i].SQL, g, want, got)
			}
		}
	}

	t.Run("a context that did not ask reads the primary", func(t *testing.T) {
		ctx, l := WithQueryLog(context.Background())
		if err := reads(ctx, db); err != nil {
			t.Fatal(err)
		}
		only(t, l, "default")
		if db.OnReplica(ctx) {
			t.Error("OnReplica without ReadFromReplicas")
		}
	})

	t.Run("a request's reads go to the replica", func(t *testing.T) {
		ctx, l := WithQueryLog(ReadFromReplicas(context.Background()))
		if err := reads(ctx, db); err != nil {
			t.Fatal(err)
		}
		only(t, l, "replica")
	})

	t.Run("after a write the request reads the primary", func(t *testing.T) {
		for _, tc := range []struct {
			name  string
			write func(ctx context.Context) error
		}{
			{"Save", func(ctx context.Context) error { a.Karma++; return db.Save(ctx, a) }},
			{"Update", func(ctx context.Context) error {
				_, err := Q[Author](db).Filter("id", a.ID).Update(ctx, Set("karma", 7))
				return err
			}},
			{"Exec", func(ctx context.Context) error {
				_, err := db.Exec(ctx, "UPDATE ormtest_author SET karma = 8")
				return err
			}},
			{"raw Query", func(ctx context.Context) error {
				rows, err := db.Query(ctx, "SELECT 1")
				if err == nil {
					rows.Close()
				}
				return err
			}},
			{"Atomic", func(ctx context.Context) error {
				return db.Atomic(ctx, func(ctx context.Context, tx *DB) error { return nil })
			}},
			{"UsePrimary", func(ctx context.Context) error { UsePrimary(ctx); return nil }},
		} {
			t.Run(tc.name, func(t *testing.T) {
				ctx := ReadFromReplicas(context.Background())
				if !db.OnReplica(ctx) {
					t.Fatal("not on the replica before the write")
				}
				if err := tc.write(ctx); err != nil {
					t.Fatal(err)
				}
				// a context derived from the request's shares its state
				derived, l := WithQueryLog(context.WithValue(ctx, struct{ k int }{1}, 1))
				if err := reads(derived, db); err != nil {
					t.Fatal(err)
				}
				only(t, l, "default")
			})
		}
	})

	t.Run("reads inside a transaction use it", func(t *testing.T) {
		ctx, l := WithQueryLog(ReadFromReplicas(context.Background()))
		err := db.Atomic(ctx, func(ctx context.Context, tx *DB) error {
			if err := reads(ctx, tx); err != nil {
				return err
			}
			return reads(ctx, db) // the outer DB with the transaction's ctx
		})
		if err != nil {
			t.Fatal(err)
		}
		only(t, l, "default")
	})

	t.Run("the middleware routes each request", func(t *testing.T) {
		var seen []string
		var mu sync.Mutex
		h := Middleware(db)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ctx, l := WithQueryLog(r.Context())
			if _, err := Q[Author](From(ctx)).Count(ctx); err != nil {
				t.Error(err)
			}
			if r.Method == http.MethodPost {
				if _, err := Q[Author](From(ctx)).Filter("id", a.ID).Update(ctx, Set("karma", 9)); err != nil {
					t.Error(err)
				}
				if _, err := Q[Author](From(ctx)).Count(ctx); err != nil {
					t.Error(err)
				}
			}
			mu.Lock()
			for _, e := range l.Entries() {
				seen = append(seen, r.Method+":"+e.DB)
			}
			mu.Unlock()
		}))
		for _, m := range []string{"GET", "POST", "GET"} {
			h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(m, "/", nil))
		}
		want := "GET:replica POST:replica POST:default POST:default GET:replica"
		if got := strings.Join(seen, " "); got != want {
			t.Fatalf("statements ran on %s, want %s", got, want)
		}
	})
}

func TestReplicasInTurn(t *testing.T) {
	db, _ := withReplica(t)
	second, err := OpenNamed(context.Background(), "replica2", "sqlite:///"+filepath.Join(t.TempDir(), "second.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	mustCreate(t, second)
	if err := db.AddReplica(second); err != nil {
		t.Fatal(err)
	}
	if err := db.AddReplica(second); err != nil || len(db.Replicas()) != 2 {
		t.Fatalf("adding a replica twice: %v, %d replicas", err, len(db.Replicas()))
	}
	ctx, l := WithQueryLog(ReadFromReplicas(context.Background()))
	for i := 0; i < 4; i++ {
		if _, err := Q[Author](db).Count(ctx); err != nil {
			t.Fatal(err)
		}
	}
	counts := map[string]int{}
	for _, name := range servedBy(l) {
		counts[name]++
	}
	if counts["replica"] != 2 || counts["replica2"] != 2 {
		t.Fatalf("reads per replica: %v", counts)
	}
}

func TestAddReplicaRefuses(t *testing.T) {
	db, replica := withReplica(t)
	if err := db.AddReplica(db); err == nil {
		t.Error("a database was accepted as its own replica")
	}
	err := db.Atomic(context.Background(), func(ctx context.Context, tx *DB) error {
		if err := tx.AddReplica(replica); err == nil {
			t.Error("a transaction accepted a replica")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Run("another kind of database", func(t *testing.T) {
		pg, err := Open(context.Background(), testdb.PostgresAddr(t).String())
		if err != nil {
			t.Fatal(err)
		}
		defer pg.Close()
		if err := db.AddReplica(pg); err == nil || !strings.Contains(err.Error(), "postgres") {
			t.Errorf("a PostgreSQL replica of SQLite: %v", err)
		}
	})
}

// A replica that stops answering: reads fall back to the primary, and come
// back to the replica when it answers again.
func TestReplicaDownFallsBackToPrimary(t *testing.T) {
	u := testdb.PostgresAddr(t)
	backendsList()[1].open(t) // creates the shared test database and its tables
	pr := newFlakyProxy(t, u.Host)
	v := *u
	v.Host = pr.addr
	v.Path = "/" + testdb.Name("galvani_orm")
	replica, err := OpenNamed(context.Background(), "replica", v.String())
	if err != nil {
		t.Fatal(err)
	}
	defer replica.Close()
	// a fresh primary handle: AddReplica on the shared one would route other tests
	p2, err := Open(context.Background(), strings.Replace(v.String(), pr.addr, u.Host, 1))
	if err != nil {
		t.Fatal(err)
	}
	defer p2.Close()
	if err := p2.AddReplica(replica); err != nil {
		t.Fatal(err)
	}
	count := func() []string {
		t.Helper()
		ctx, l := WithQueryLog(ReadFromReplicas(context.Background()))
		if _, err := Q[Author](p2).Count(ctx); err != nil {
			t.Fatalf("count: %v", err)
		}
		return servedBy(l)
	}
	if got := count(); strings.Join(got, ",") != "replica" {
		t.Fatalf("with the replica up: %v", got)
	}
	pr.down()
	if got := count(); got[len(got)-1] != "default" {
		t.Fatalf("with the replica down: %v", got)
	}
	pr.up()
	var got []string
	for i := 0; i < 5; i++ { // the pool may hand out a connection broken by the outage first
		if got = count(); strings.Join(got, ",") == "replica" {
			break
		}
	}
	if strings.Join(got, ",") != "replica" {
		t.Fatalf("after the replica came back: %v", got)
	}
}

// flakyProxy forwards TCP connections to target until down is called, which
// closes every connection and refuses new ones until up.
type flakyProxy struct {
	t      *testing.T
	target string
	addr   string
	mu     sync.Mutex
	ln     net.Listener
	conns  []net.Conn
}

func newFlakyProxy(t *testing.T, target string) *flakyProxy {
	p := &flakyProxy{t: t, target: target}
	p.up()
	t.Cleanup(p.down)
	return p
}

func (p *flakyProxy) up() {
	p.mu.Lock()
	defer p.mu.Unlock()
	addr := p.addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		p.t.Fatal(err)
	}
	p.ln, p.addr = ln, ln.Addr().String()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, s)
			p.mu.Unlock()
			go func() { _, _ = io.Copy(s, c); s.Close() }()
			go func() { _, _ = io.Copy(c, s); c.Close() }()
		}
	}()
}

func (p *flakyProxy) down() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}
