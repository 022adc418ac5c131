package orm

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

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

// After a request that wrote, the client's next requests read the primary for
// the replica pin (a cookie), so the page a POST redirects to shows the write
// even when the replica lags; requests that only read leave no cookie, and a
// pin turned off leaves the old per-request rule.
func TestReplicaPinAfterWrite(t *testing.T) {
	db, _ := withReplica(t)
	a := &Author{Name: "Ada", Email: "ada@example.com"}
	if err := db.Create(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	h := Middleware(db)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		if r.Method == http.MethodPost {
			if _, err := Q[Author](From(ctx)).Filter("id", a.ID).Update(ctx, Set("karma", 1)); err != nil {
				t.Error(err)
			}
			if r.URL.Path == "/stream" {
				w.WriteHeader(200)
				http.NewResponseController(w).Flush()
				return
			}
			http.Redirect(w, r, "/done", http.StatusSeeOther)
			return
		}
		if r.URL.Path == "/stream-then-write" {
			http.NewResponseController(w).Flush()
			if _, err := Q[Author](From(ctx)).Filter("id", a.ID).Update(ctx, Set("karma", 2)); err != nil {
				t.Error(err)
			}
			return
		}
		if db.OnReplica(ctx) {
			io.WriteString(w, "replica")
		} else {
			io.WriteString(w, "primary")
		}
	}))
	send := func(method, path string, cookie *http.Cookie, https bool) *http.Response {
		target := path
		if https {
			target = "https://example.com" + path
		}
		req := httptest.NewRequest(method, target, nil)
		if cookie != nil {
			req.AddCookie(cookie)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Result()
	}
	pinCookie := func(resp *http.Response) *http.Cookie {
		for _, c := range resp.Cookies() {
			if c.Name == PinCookie {
				return c
			}
		}
		return nil
	}
	body := func(resp *http.Response) string { b, _ := io.ReadAll(resp.Body); return string(b) }

	if resp := send("GET", "/", nil, false); pinCookie(resp) != nil || body(resp) != "replica" {
		t.Fatalf("a read-only request: cookie %v, read from the %s", pinCookie(resp), body(resp))
	}
	resp := send("POST", "/save", nil, false)
	c := pinCookie(resp)
	if resp.StatusCode != http.StatusSeeOther || c == nil {
		t.Fatalf("a write answered %d with cookies %q, want 303 with %s", resp.StatusCode, resp.Header["Set-Cookie"], PinCookie)
	}
	if c.Value != "1" || c.MaxAge != 5 || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Secure {
		t.Errorf("pin cookie %+v", c)
	}
	if resp := send("GET", "/done", c, false); body(resp) != "primary" || pinCookie(resp) != nil {
		t.Errorf("the request after the write, with the cookie: read from the %s, cookie %v (want primary, none)", body(resp), pinCookie(resp))
	}
	if resp := send("GET", "/done", nil, false); body(resp) != "replica" {
		t.Errorf("another client's request read from the %s", body(resp))
	}
	if c := pinCookie(send("POST", "/save", nil, true)); c == nil || !c.Secure {
		t.Errorf("over HTTPS the pin cookie is %+v, want Secure", c)
	}
	if c := pinCookie(send("POST", "/stream", nil, false)); c == nil {
		t.Error("a write before a flush: no pin cookie")
	}
	if c := pinCookie(send("GET", "/stream-then-write", nil, false)); c != nil {
		t.Error("a write after the headers went out cannot set a cookie, yet one was set")
	}

	db.SetReplicaPin(1500 * time.Millisecond)
	if c := pinCookie(send("POST", "/save", nil, false)); c == nil || c.MaxAge != 2 {
		t.Errorf("a 1.5s pin: cookie %+v, want Max-Age=2", c)
	}
	db.SetReplicaPin(0)
	if db.ReplicaPin() != 0 {
		t.Errorf("SetReplicaPin(0) left the pin at %v", db.ReplicaPin())
	}
	if resp := send("POST", "/save", nil, false); pinCookie(resp) != nil {
		t.Error("the pin is off, yet a write set the cookie")
	}
	if resp := send("GET", "/done", c, false); body(resp) != "replica" {
		t.Errorf("the pin is off, yet a request with the cookie read from the %s", body(resp))
	}
}

// With a real streaming standby that lags (the pair .ci/tools starts applies WAL
// a second late): a request's own reads see its write, the client's next request
// sees it through the pin cookie while the standby does not have it yet, and
// another client reads the standby until it catches up.
func TestReplicaPinWithStreamingStandby(t *testing.T) {
	primaryURL, standbyURL := testdb.PostgresReplica(t)
	ctx := context.Background()
	name := testdb.Name("galvani_orm_replica")
	admin, err := Open(ctx, primaryURL.String())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)") })
	at := func(u *url.URL) string { v := *u; v.Path = "/" + name; return v.String() }
	primary, err := Open(ctx, at(primaryURL))
	if err != nil {
		t.Fatal(err)
	}
	defer primary.Close()
	mustCreate(t, primary)
	var standby *DB
	waitUntil := func(what string, ok func() bool) {
		t.Helper()
		for deadline := time.Now().Add(30 * time.Second); !ok(); time.Sleep(50 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("after 30s: %s", what)
			}
		}
	}
	waitUntil("the standby has the database and its tables", func() bool {
		if standby == nil {
			if standby, err = OpenNamed(ctx, "standby", at(standbyURL)); err != nil {
				standby = nil
				return false
			}
		}
		_, err := Q[Author](standby).Count(ctx)
		return err == nil
	})
	defer standby.Close()
	if err := primary.AddReplica(standby); err != nil {
		t.Fatal(err)
	}

	var committed time.Time
	h := Middleware(primary)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		db := From(ctx)
		if r.Method == http.MethodPost {
			if err := db.Create(ctx, &Author{Name: "Grace", Email: "grace@example.com"}); err != nil {
				t.Error(err)
			}
			committed = time.Now()
			if n, err := Q[Author](db).Filter("name", "Grace").Count(ctx); err != nil || n != 1 {
				t.Errorf("the writing request read %d rows (%v), want its own write", n, err)
			}
			http.Redirect(w, r, "/authors", http.StatusSeeOther)
			return
		}
		n, err := Q[Author](db).Filter("name", "Grace").Count(ctx)
		if err != nil {
			t.Error(err)
		}
		fmt.Fprint(w, n)
	}))
	get := func(cookie *http.Cookie) string {
		req := httptest.NewRequest("GET", "/authors", nil)
		if cookie != nil {
			req.AddCookie(cookie)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Body.String()
	}

	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("POST", "/authors", nil))
	var pin *http.Cookie
	for _, c := range rec.Result().Cookies() {
		if c.Name == PinCookie {
			pin = c
		}
	}
	if pin == nil {
		t.Fatalf("the write answered %d without the pin cookie", rec.Code)
	}
	withPin := get(pin)
	withoutPin := get(nil)
	elapsed := time.Since(committed)
	if withPin != "1" {
		t.Errorf("the redirect after the write, with the pin cookie, counted %s rows, want 1", withPin)
	}
	if elapsed < 500*time.Millisecond {
		// the standby applies the commit a second late: a reader without the
		// pin does not see it yet, which is what the pin is for
		if withoutPin != "0" {
			t.Errorf("%v after the commit a reader without the pin counted %s rows on the lagging standby, want 0", elapsed, withoutPin)
		}
	} else {
		t.Logf("the machine took %v to get here; the standby's lag was not observed", elapsed)
	}
	waitUntil("the standby catches up", func() bool { return get(nil) == "1" })
}
