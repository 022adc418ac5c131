package orm

import (
	"context"
	"strconv"
)

// txState is one open transaction and its savepoints.
type txState struct {
	tx       txConn
	depth    int // open savepoints
	seq      int // savepoint names
	onCommit []pendingCallback
	done     bool
}

type pendingCallback struct {
	depth int
	fn    func(ctx context.Context)
}

// Atomic runs fn in a transaction: committed when fn returns nil, rolled back when it
// returns an error or panics (the panic continues). Nested calls (on the DB given to
// fn, or with the ctx given to fn) use savepoints, so an inner failure rolls back only
// the inner block. Query with the ctx and DB that fn receives.
func (db *DB) Atomic(ctx context.Context, fn func(ctx context.Context, tx *DB) error) (err error) {
	if st := db.txFor(ctx); st != nil {
		return db.savepoint(ctx, st, fn)
	}
	db.wrote(ctx) // the request reads the primary from now on (see ReadFromReplicas)
	sqlTx, err := db.root.pool.begin(ctx)
	if err != nil {
		return wrapDBErr(err)
	}
	st := &txState{tx: sqlTx}
	txdb := &DB{name: db.name, dialect: db.dialect, root: db.root, tx: st}
	tctx := context.WithValue(ctx, txKey{db.root}, st)
	if log := queryLogFrom(ctx); log != nil {
		log.add(db.name, "BEGIN", nil, 0, nil)
	}
	committed := false
	defer func() {
		if committed {
			return
		}
		st.done = true
		_ = sqlTx.rollback(context.WithoutCancel(ctx))
		if log := queryLogFrom(ctx); log != nil {
			log.add(db.name, "ROLLBACK", nil, 0, nil)
		}
	}()
	if err = fn(tctx, txdb); err != nil {
		return err
	}
	st.done = true
	if err = sqlTx.commit(ctx); err != nil {
		committed = true // nothing left to roll back
		return wrapDBErr(err)
	}
	committed = true
	if log := queryLogFrom(ctx); log != nil {
		log.add(db.name, "COMMIT", nil, 0, nil)
	}
	for _, cb := range st.onCommit {
		cb.fn(ctx)
	}
	return nil
}

func (db *DB) savepoint(ctx context.Context, st *txState, fn func(ctx context.Context, tx *DB) error) (err error) {
	st.seq++
	name := "galvani_sp" + strconv.Itoa(st.seq)
	txdb := db
	if db.tx == nil {
		txdb = &DB{name: db.name, dialect: db.dialect, root: db.root, tx: st}
	}
	if _, err := txdb.exec(ctx, "SAVEPOINT "+name, nil); err != nil {
		return err
	}
	st.depth++
	myDepth := st.depth
	ok := false
	defer func() {
		st.depth--
		if ok {
			return
		}
		// drop the callbacks registered inside the rolled-back block
		kept := st.onCommit[:0]
		for _, cb := range st.onCommit {
			if cb.depth < myDepth {
				kept = append(kept, cb)
			}
		}
		st.onCommit = kept
		_, _ = txdb.exec(context.WithoutCancel(ctx), "ROLLBACK TO SAVEPOINT "+name, nil)
		_, _ = txdb.exec(context.WithoutCancel(ctx), "RELEASE SAVEPOINT "+name, nil)
	}()
	if err = fn(ctx, txdb); err != nil {
		return err
	}
	if _, err = txdb.exec(ctx, "RELEASE SAVEPOINT "+name, nil); err != nil {
		return err
	}
	for i := range st.onCommit {
		if st.onCommit[i].depth >= myDepth {
			st.onCommit[i].depth = myDepth - 1
		}
	}
	ok = true
	return nil
}

// OnCommit runs fn after the transaction of db (or ctx) commits — or at once when there
// is none, like Django's transaction.on_commit. Callbacks registered in a savepoint
// that rolls back are dropped, and none run when the transaction rolls back.
func (db *DB) OnCommit(ctx context.Context, fn func(ctx context.Context)) {
	st := db.txFor(ctx)
	if st == nil {
		fn(ctx)
		return
	}
	st.onCommit = append(st.onCommit, pendingCallback{depth: st.depth, fn: fn})
}
