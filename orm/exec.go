package orm

import (
	"context"
	"database/sql"
	"errors"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
)

// Rows is the result of Query: database/sql's *sql.Rows on SQLite and MySQL, pgx's
// rows on PostgreSQL (which the ORM drives natively, for speed).
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close() error
	Columns() ([]string, error)
}

// Result is the result of Exec.
type Result interface {
	RowsAffected() (int64, error)
	LastInsertId() (int64, error)
}

// executor runs statements: a pool or a transaction.
type executor interface {
	exec(ctx context.Context, q string, args []any) (Result, error)
	query(ctx context.Context, q string, args []any) (Rows, error)
	// queryRow runs a query read for one row: see scanOne.
	queryRow(ctx context.Context, q string, args, dest []any) (int, error)
}

// rowSource is what scanOne needs of database/sql's and pgx's rows.
type rowSource interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// scanOne scans the first row of rows into dest and reports how many rows there
// were: 0, 1, or 2 for more than one. The caller closes rows. It spares a single-row
// read (Get by key, an insert's RETURNING) the Rows wrapper that Query hands out.
func scanOne(rows rowSource, dest []any) (int, error) {
	if !rows.Next() {
		return 0, rows.Err()
	}
	if err := rows.Scan(dest...); err != nil {
		return 0, err
	}
	if rows.Next() {
		return 2, nil
	}
	return 1, rows.Err()
}

func sqlQueryRow(rows *sql.Rows, err error, dest []any) (int, error) {
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	return scanOne(rows, dest)
}

// pool is an executor that can begin transactions and be closed.
type pool interface {
	executor
	begin(ctx context.Context) (txConn, error)
	close() error
	ping(ctx context.Context) error
	sqlDB() *sql.DB
}

type txConn interface {
	executor
	commit(ctx context.Context) error
	rollback(ctx context.Context) error
}

// ---- database/sql ----

type sqlPool struct{ db *sql.DB }

func (p sqlPool) exec(ctx context.Context, q string, args []any) (Result, error) {
	return p.db.ExecContext(ctx, q, args...)
}
func (p sqlPool) query(ctx context.Context, q string, args []any) (Rows, error) {
	r, err := p.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return r, nil
}
func (p sqlPool) queryRow(ctx context.Context, q string, args, dest []any) (int, error) {
	rows, err := p.db.QueryContext(ctx, q, args...)
	return sqlQueryRow(rows, err, dest)
}
func (p sqlPool) begin(ctx context.Context) (txConn, error) {
	tx, err := p.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	return sqlTx{tx}, nil
}
func (p sqlPool) close() error                   { return p.db.Close() }
func (p sqlPool) ping(ctx context.Context) error { return p.db.PingContext(ctx) }
func (p sqlPool) sqlDB() *sql.DB                 { return p.db }

type sqlTx struct{ tx *sql.Tx }

func (t sqlTx) exec(ctx context.Context, q string, args []any) (Result, error) {
	return t.tx.ExecContext(ctx, q, args...)
}
func (t sqlTx) query(ctx context.Context, q string, args []any) (Rows, error) {
	r, err := t.tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return r, nil
}
func (t sqlTx) queryRow(ctx context.Context, q string, args, dest []any) (int, error) {
	rows, err := t.tx.QueryContext(ctx, q, args...)
	return sqlQueryRow(rows, err, dest)
}
func (t sqlTx) commit(context.Context) error   { return t.tx.Commit() }
func (t sqlTx) rollback(context.Context) error { return t.tx.Rollback() }

// ---- pgx ----

type pgxPool struct {
	p      *pgxpool.Pool
	once   sync.Once
	stdlib *sql.DB
}

type pgxQuerier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

func pgxExec(ctx context.Context, q pgxQuerier, s string, args []any) (Result, error) {
	tag, err := q.Exec(ctx, s, args...)
	if err != nil {
		return nil, err
	}
	return pgResult(tag.RowsAffected()), nil
}

func pgxQuery(ctx context.Context, q pgxQuerier, s string, args []any) (Rows, error) {
	r, err := q.Query(ctx, s, args...)
	if err != nil {
		return nil, err
	}
	return &pgRows{Rows: r}, nil
}

func pgxQueryRow(ctx context.Context, q pgxQuerier, s string, args, dest []any) (int, error) {
	rows, err := q.Query(ctx, s, args...)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	return scanOne(rows, dest)
}

func (p *pgxPool) exec(ctx context.Context, q string, args []any) (Result, error) {
	return pgxExec(ctx, p.p, q, args)
}
func (p *pgxPool) query(ctx context.Context, q string, args []any) (Rows, error) {
	return pgxQuery(ctx, p.p, q, args)
}
func (p *pgxPool) queryRow(ctx context.Context, q string, args, dest []any) (int, error) {
	return pgxQueryRow(ctx, p.p, q, args, dest)
}
func (p *pgxPool) begin(ctx context.Context) (txConn, error) {
	tx, err := p.p.Begin(ctx)
	if err != nil {
		return nil, err
	}
	return pgxTx{tx}, nil
}
func (p *pgxPool) close() error {
	if p.stdlib != nil {
		p.stdlib.Close()
	}
	p.p.Close()
	return nil
}
func (p *pgxPool) ping(ctx context.Context) error { return p.p.Ping(ctx) }
func (p *pgxPool) sqlDB() *sql.DB {
	p.once.Do(func() { p.stdlib = stdlib.OpenDBFromPool(p.p) })
	return p.stdlib
}

type pgxTx struct{ tx pgx.Tx }

func (t pgxTx) exec(ctx context.Context, q string, args []any) (Result, error) {
	return pgxExec(ctx, t.tx, q, args)
}
func (t pgxTx) query(ctx context.Context, q string, args []any) (Rows, error) {
	return pgxQuery(ctx, t.tx, q, args)
}
func (t pgxTx) queryRow(ctx context.Context, q string, args, dest []any) (int, error) {
	return pgxQueryRow(ctx, t.tx, q, args, dest)
}
func (t pgxTx) commit(ctx context.Context) error   { return t.tx.Commit(ctx) }
func (t pgxTx) rollback(ctx context.Context) error { return t.tx.Rollback(ctx) }

type pgResult int64

func (r pgResult) RowsAffected() (int64, error) { return int64(r), nil }
func (r pgResult) LastInsertId() (int64, error) {
	return 0, errors.New("orm: PostgreSQL has no LastInsertId (use RETURNING)")
}

// pgRows adapts pgx.Rows to Rows.
type pgRows struct {
	pgx.Rows
}

func (r *pgRows) Close() error {
	r.Rows.Close()
	return r.Rows.Err()
}

func (r *pgRows) Columns() ([]string, error) {
	fds := r.Rows.FieldDescriptions()
	out := make([]string, len(fds))
	for i, fd := range fds {
		out[i] = fd.Name
	}
	return out, nil
}

// anyScanner receives a column as database/sql would give it (int64, float64, bool,
// string or []byte, time.Time, nil), on every driver.
type anyScanner struct{ v any }

func (a *anyScanner) Scan(src any) error {
	if b, ok := src.([]byte); ok {
		src = string(b)
	}
	a.v = src
	return nil
}

// argBuf is the argument list of a single-row statement, recycled through a pool.
// database/sql and pgx convert the arguments before Exec returns (and before the rows
// of a Query are closed), and the query log copies them, so the list is free again
// once the statement is done.
type argBuf struct{ args []any }

var argBufs = sync.Pool{New: func() any { return &argBuf{args: make([]any, 0, 8)} }}

// getArgs returns an empty argument list; release it after the statement (and its
// rows) are done.
func getArgs() *argBuf { return argBufs.Get().(*argBuf) }

func (b *argBuf) add(v any) { b.args = append(b.args, v) }

func (b *argBuf) release() {
	if cap(b.args) > 64 {
		return // a rare wide row: let the collector have it rather than pin it
	}
	clear(b.args[:cap(b.args)])
	b.args = b.args[:0]
	argBufs.Put(b)
}
