package orm

import (
	"context"
	"database/sql"
	"log/slog"
	"time"

	"github.com/galvani-web/galvani"
)

// QueryEvent describes one statement the ORM ran, for a QueryHook.
type QueryEvent struct {
	// DB is the name of the database (DB.Name).
	DB string
	// SQL is the statement as sent, with the dialect's placeholders.
	SQL string
	// Args are the parameters. A hook must not keep or change the slice.
	Args []any
	// Duration is how long the driver took to run the statement (for a query,
	// until its rows were ready, not until they were read).
	Duration time.Duration
	// Err is the driver's error, nil on success.
	Err error
}

// QueryHook is called after every statement run through a DB, in the goroutine
// that ran it, with the statement's context: the request's, for queries made while
// serving one (so galvani.RequestIDFromContext(ctx) names the request). Hooks
// feed metrics and logs; they must be quick and must not run queries themselves.
type QueryHook func(ctx context.Context, e QueryEvent)

// AddQueryHook registers h on db and on its transactions: Install adds the SQL
// logger (LogQueries) at LOG_LEVEL=debug, and the metrics battery adds its query
// duration histogram. It is safe to call while queries run. A DB without hooks
// does not read the clock.
func (db *DB) AddQueryHook(h QueryHook) {
	if h == nil {
		return
	}
	root := db.root
	for {
		old := root.hooks.Load()
		var hs []QueryHook
		if old != nil {
			hs = append(hs, *old...)
		}
		hs = append(hs, h)
		if root.hooks.CompareAndSwap(old, &hs) {
			return
		}
	}
}

// LogQueries returns a QueryHook that logs each statement to l at the debug level
// (nil means slog.Default() at the time of each statement): message "sql" with the
// database, the statement, its duration, its error if any, and the request_id of
// the request that ran it. Parameter values are never logged (they hold passwords
// and personal data); "args" is their count. Nothing is formatted when l does not
// log at debug.
func LogQueries(l *slog.Logger) QueryHook {
	return func(ctx context.Context, e QueryEvent) {
		logger := l
		if logger == nil {
			logger = slog.Default()
		}
		if !logger.Enabled(ctx, slog.LevelDebug) {
			return
		}
		attrs := make([]slog.Attr, 0, 6)
		attrs = append(attrs,
			slog.String("db", e.DB),
			slog.String("sql", e.SQL),
			slog.Int("args", len(e.Args)),
			slog.Duration("duration", e.Duration))
		if e.Err != nil {
			attrs = append(attrs, slog.String("err", e.Err.Error()))
		}
		if id := galvani.RequestIDFromContext(ctx); id != "" {
			attrs = append(attrs, slog.String("request_id", id))
		}
		logger.LogAttrs(ctx, slog.LevelDebug, "sql", attrs...)
	}
}

// Stats returns the statistics of db's connection pool in database/sql's terms;
// on PostgreSQL they are read from the pgx pool (open, in use, idle, the most
// allowed, and the acquires that had to wait, with their total wait).
func (db *DB) Stats() sql.DBStats {
	if p, ok := db.root.pool.(*pgxPool); ok {
		s := p.p.Stat()
		return sql.DBStats{
			MaxOpenConnections: int(s.MaxConns()),
			OpenConnections:    int(s.TotalConns()),
			InUse:              int(s.AcquiredConns()),
			Idle:               int(s.IdleConns()),
			WaitCount:          s.EmptyAcquireCount(),
			WaitDuration:       s.EmptyAcquireWaitTime(),
			MaxIdleTimeClosed:  s.MaxIdleDestroyCount(),
			MaxLifetimeClosed:  s.MaxLifetimeDestroyCount(),
		}
	}
	return db.root.pool.sqlDB().Stats()
}

// Instrumenter is implemented by installed apps that watch databases (the
// metrics battery): Install calls InstrumentDatabase for each database it opens,
// with the database's Stats, and adds the function it returns, when not nil, as
// a query hook that receives each statement's duration and error.
type Instrumenter interface {
	InstrumentDatabase(app *galvani.App, name string, stats func() sql.DBStats) func(ctx context.Context, d time.Duration, err error)
}

// instrument offers db to the installed Instrumenters of app.
func instrument(app *galvani.App, db *DB) {
	for _, ac := range app.Apps() {
		in, ok := ac.(Instrumenter)
		if !ok {
			continue
		}
		if obs := in.InstrumentDatabase(app, db.Name(), db.Stats); obs != nil {
			db.AddQueryHook(func(ctx context.Context, e QueryEvent) { obs(ctx, e.Duration, e.Err) })
		}
	}
}
