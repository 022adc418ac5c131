package orm

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
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

// routeState is shared by the contexts of one request (or one unit of work that
// chose replicas): once it is pinned, its reads go to the primary.
type routeState struct{ pinned atomic.Bool }

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
	if st, ok := ctx.Value(routeKey{}).(*routeState); ok && !st.pinned.Load() {
		st.pinned.Store(true)
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
