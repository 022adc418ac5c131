package orm

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"
)

// Read replicas.
//
// A database can be given replicas (AddReplica). Reads made through QuerySets
// then go to the replicas in turn, but only for a context that asked for it with
// ReadFromReplicas — orm.Middleware does for every request — and only until
// something on that context writes: from the first write (Save, Delete, Update,
// Exec, a raw Query, a transaction) the rest of the request reads the primary,
// so a request always sees its own writes. Reads inside a transaction go to the
// primary. Commands, migrations and task workers read the primary unless their
// code passes a ReadFromReplicas context.
//
// A request that wrote also pins the client's next requests for a few seconds
// (SetReplicaPin): orm.Middleware answers it with the PinCookie cookie and reads
// a request that carries it from the primary, so the page a POST redirects to
// shows what the POST saved even while the replicas lag behind.

// routeState is shared by the contexts of one request (or one unit of work that
// chose replicas): once it is pinned, its reads go to the primary. wrote records
// that the request itself wrote (pinned may come from the PinCookie).
type routeState struct{ pinned, wrote atomic.Bool }

// PinCookie is the cookie orm.Middleware sets on the answer to a request that
// wrote to a database with replicas; while the client sends it back (for the
// replica pin, SetReplicaPin), its requests read the primary. It holds no data:
// a client that forges it only reads the primary.
const PinCookie = "galvani_primary"

// DefaultReplicaPin is how long the requests that follow a write read the primary
// unless SetReplicaPin says otherwise: long enough for a redirect and the pages
// right after it while a replica is a moment behind (replication lag is normally
// well under a second), short enough to leave the reads of a busy site on the
// replicas.
const DefaultReplicaPin = 5 * time.Second

// SetReplicaPin sets how long, after a request that wrote to db, the same
// client's requests read db rather than its replicas (orm.Middleware remembers it
// in the PinCookie cookie). d <= 0 turns the pin off: then only the request that
// wrote reads its own writes, and a page it redirects to may read a replica that
// has not caught up. Settings.DatabaseReplicaPin (DATABASE_REPLICA_PIN) sets it
// for Install.
func (db *DB) SetReplicaPin(d time.Duration) {
	if d <= 0 {
		d = -1
	}
	db.root.replicaPin.Store(int64(d))
}

// ReplicaPin returns how long the requests after a write read the primary (see
// SetReplicaPin); 0 when the pin is off.
func (db *DB) ReplicaPin() time.Duration {
	switch d := db.root.replicaPin.Load(); {
	case d == 0:
		return DefaultReplicaPin
	case d < 0:
		return 0
	default:
		return time.Duration(d)
	}
}

// pinWriter adds the PinCookie to the answer of a request that wrote, when its
// headers go out.
type pinWriter struct {
	http.ResponseWriter
	st     *routeState
	maxAge string
	secure bool
	done   bool
}

func (p *pinWriter) pin() {
	if p.done {
		return
	}
	p.done = true
	if !p.st.wrote.Load() {
		return
	}
	c := PinCookie + "=1; Path=/; Max-Age=" + p.maxAge + "; HttpOnly; SameSite=Lax"
	if p.secure {
		c += "; Secure"
	}
	p.Header().Add("Set-Cookie", c)
}

func (p *pinWriter) WriteHeader(code int) {
	if code >= 200 {
		p.pin()
	}
	p.ResponseWriter.WriteHeader(code)
}

func (p *pinWriter) Write(b []byte) (int, error) {
	p.pin()
	return p.ResponseWriter.Write(b)
}

// Flush sends the headers (with the cookie when the request wrote) and flushes.
func (p *pinWriter) Flush() {
	p.pin()
	_ = http.NewResponseController(p.ResponseWriter).Flush()
}

// FlushError is Flush for http.ResponseController.
func (p *pinWriter) FlushError() error {
	p.pin()
	return http.NewResponseController(p.ResponseWriter).Flush()
}

// Unwrap gives http.ResponseController the underlying writer (deadlines, hijack).
func (p *pinWriter) Unwrap() http.ResponseWriter { return p.ResponseWriter }

// routeRequest starts the replica routing of a request on db: its reads go to
// the replicas unless it carries the PinCookie, and the answer to a request that
// writes carries the cookie while the pin is on.
func (db *DB) routeRequest(ctx context.Context, w http.ResponseWriter, r *http.Request) (http.ResponseWriter, context.Context) {
	st := &routeState{}
	ctx = context.WithValue(ctx, routeKey{}, st)
	pin := db.ReplicaPin()
	if pin <= 0 {
		return w, ctx
	}
	if c, err := r.Cookie(PinCookie); err == nil && c.Value == "1" {
		st.pinned.Store(true)
	}
	secs := int64((pin + time.Second - 1) / time.Second)
	return &pinWriter{ResponseWriter: w, st: st, maxAge: strconv.FormatInt(secs, 10), secure: r.TLS != nil}, ctx
}

type routeKey struct{}

// ReadFromReplicas returns a context whose QuerySet reads, outside transactions,
// may be served by the replicas of the database they run on, until a write made
// with this context (or one derived from it) pins it to the primary. The
// contexts derived from it share that state. orm.Middleware calls it for each
// request when the database has replicas.
func ReadFromReplicas(ctx context.Context) context.Context {
	return context.WithValue(ctx, routeKey{}, &routeState{})
}

// UsePrimary pins ctx to the primary: reads made with it, and with the contexts
// of the same request, go to the primary from now on. Call it before a read that
// must see the latest data (after a write made elsewhere, for example).
func UsePrimary(ctx context.Context) context.Context {
	if st, ok := ctx.Value(routeKey{}).(*routeState); ok {
		st.pinned.Store(true)
		return ctx
	}
	st := &routeState{}
	st.pinned.Store(true)
	return context.WithValue(ctx, routeKey{}, st)
}

// OnReplica reports whether a read made with ctx on db now would be sent to a
// replica.
func (db *DB) OnReplica(ctx context.Context) bool { return db.reader(ctx) != db }

// AddReplica makes r a read replica of db, which must be a database opened by
// Open (not a transaction's) on the same kind of database. Add replicas before
// serving; reads are spread over them in turn. Query logs name the database
// that ran each statement. Closing db does not close r.
func (db *DB) AddReplica(r *DB) error {
	if db.tx != nil || db.root != db || r.tx != nil || r.root != r {
		return errors.New("orm: AddReplica takes two opened databases, not transactions")
	}
	if r == db {
		return errors.New("orm: a database cannot be its own replica")
	}
	if db.dialect.Name() != r.dialect.Name() {
		return fmt.Errorf("orm: replica %q is %s, its primary %q is %s", r.name, r.dialect.Name(), db.name, db.dialect.Name())
	}
	var next []*DB
	if cur := db.replicas.Load(); cur != nil {
		next = append(next, *cur...)
	}
	for _, have := range next {
		if have == r {
			return nil
		}
	}
	next = append(next, r)
	db.replicas.Store(&next)
	return nil
}

// Replicas returns db's read replicas.
func (db *DB) Replicas() []*DB {
	if cur := db.root.replicas.Load(); cur != nil {
		return append([]*DB(nil), *cur...)
	}
	return nil
}

// reader returns the database a read made with ctx goes to: a replica when db
// has some, ctx chose them and is not pinned, and no transaction is open; db
// otherwise.
func (db *DB) reader(ctx context.Context) *DB {
	if db.tx != nil || ctx == nil {
		return db
	}
	rs := db.root.replicas.Load()
	if rs == nil {
		return db
	}
	st, ok := ctx.Value(routeKey{}).(*routeState)
	if !ok || st.pinned.Load() {
		return db
	}
	if tx, ok := ctx.Value(txKey{db.root}).(*txState); ok && !tx.done {
		return db
	}
	n := db.root.nextReplica.Add(1)
	return (*rs)[int(n%uint32(len(*rs)))]
}

// wrote pins ctx's request to the primary after a write on db (or on a statement
// the ORM cannot tell is a read).
func (db *DB) wrote(ctx context.Context) {
	if ctx == nil || db.root.replicas.Load() == nil {
		return
	}
	if st, ok := ctx.Value(routeKey{}).(*routeState); ok {
		if !st.wrote.Load() {
			st.wrote.Store(true)
		}
		if !st.pinned.Load() {
			st.pinned.Store(true)
		}
	}
}

// read runs a QuerySet's read on the database ctx routes it to; a replica that
// cannot be reached is skipped for the primary.
func (db *DB) read(ctx context.Context, query string, args []any) (Rows, error) {
	r := db.reader(ctx)
	if r == db {
		return db.run(ctx, query, args)
	}
	primary := func() (Rows, error) { return db.run(ctx, query, args) }
	rows, err := r.run(ctx, query, args)
	if err != nil {
		if unreachable(err) && ctx.Err() == nil {
			return primary()
		}
		return nil, err
	}
	// pgx reports a broken connection at the first Next, not here
	return &fallbackRows{Rows: rows, ctx: ctx, primary: primary}, nil
}

// fallbackRows reads a replica's rows; when the replica's connection fails
// before the first row, it runs the query on the primary instead.
type fallbackRows struct {
	Rows
	ctx     context.Context
	primary func() (Rows, error)
	started bool
	err     error
}

func (f *fallbackRows) Next() bool {
	if f.started || f.err != nil {
		return f.err == nil && f.Rows.Next()
	}
	f.started = true
	if f.Rows.Next() {
		return true
	}
	if err := f.Rows.Err(); err == nil || !unreachable(err) || f.ctx.Err() != nil {
		return false
	}
	_ = f.Rows.Close()
	rows, err := f.primary()
	if err != nil {
		f.err = err
		return false
	}
	f.Rows = rows
	return rows.Next()
}

func (f *fallbackRows) Err() error {
	if f.err != nil {
		return f.err
	}
	return f.Rows.Err()
}

// readRow is read for one row (see queryRow).
func (db *DB) readRow(ctx context.Context, query string, args, dest []any) (int, error) {
	r := db.reader(ctx)
	if r == db {
		return db.runRow(ctx, query, args, dest)
	}
	n, err := r.runRow(ctx, query, args, dest)
	if err != nil && unreachable(err) && ctx.Err() == nil {
		return db.runRow(ctx, query, args, dest)
	}
	return n, err
}

// unreachable reports whether err says the replica could not be reached or the
// connection broke (see ErrUnavailable), rather than that the statement failed.
func unreachable(err error) bool { return errors.Is(err, ErrUnavailable) || unavailable(err) }
