package orm

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/pgxpool"
	sqlite "modernc.org/sqlite"
)

// DB is a database handle: a connection pool and its dialect, or, inside Atomic, the
// transaction. It is safe for concurrent use (a transaction's DB belongs to the
// goroutine running Atomic).
//
// A DB routes queries made with a context that carries one of its transactions (the
// ctx given to an Atomic function, or a request under AtomicRequests) into that
// transaction, so code that holds the outer DB still sees its own writes.
type DB struct {
	name    string
	pool    pool
	dialect Dialect
	root    *DB
	tx      *txState
	mariadb bool // a MySQL-dialect server that is MariaDB (asked by Open)
	// hooks are the QueryHooks of the root DB (AddQueryHook), nil when none.
	hooks atomic.Pointer[[]QueryHook]
	// ctxTimeout is the statement timeout kept with a context deadline (SQLite,
	// which has no server-side one); 0 when the server enforces it or there is none.
	ctxTimeout time.Duration

	replicas    atomic.Pointer[[]*DB] // read replicas (AddReplica), on the root
	nextReplica atomic.Uint32
	replicaPin  atomic.Int64 // nanoseconds; 0: DefaultReplicaPin, <0: off (SetReplicaPin)
}

// Name returns the name the database was registered under ("default" unless given).
func (db *DB) Name() string { return db.name }

// Dialect returns the database's dialect.
func (db *DB) Dialect() Dialect { return db.dialect }

// SQL returns a *sql.DB on the same connections, for code that needs database/sql
// directly (on PostgreSQL it wraps the pgx pool). Statements run through it do not
// join the ORM's transactions.
func (db *DB) SQL() *sql.DB { return db.root.pool.sqlDB() }

// InTransaction reports whether db (or ctx) is inside Atomic.
func (db *DB) InTransaction(ctx context.Context) bool { return db.txFor(ctx) != nil }

// Close closes the pool. Closing a transaction's DB does nothing.
func (db *DB) Close() error {
	if db.tx != nil {
		return nil
	}
	return db.pool.close()
}

// New wraps an existing *sql.DB with the given dialect.
func New(sqlDB *sql.DB, d Dialect) *DB {
	db := &DB{name: "default", pool: sqlPool{sqlDB}, dialect: d}
	db.root = db
	return db
}

type txKey struct{ root *DB }

func (db *DB) txFor(ctx context.Context) *txState {
	if db.tx != nil {
		return db.tx
	}
	if ctx != nil {
		if st, ok := ctx.Value(txKey{db.root}).(*txState); ok && !st.done {
			return st
		}
	}
	return nil
}

func (db *DB) conn(ctx context.Context) executor {
	if st := db.txFor(ctx); st != nil {
		return st.tx
	}
	return db.root.pool
}

// Exec runs a statement with parameters (written with the dialect's placeholders, or
// "?" on every database: see Raw) and logs it in ctx's query log. On PostgreSQL a "?"
// inside a string, a quoted identifier or a comment is left alone, "??" is a literal
// "?" (the jsonb operators ?, ?| and ?& are written ??, ??| and ??&), and a statement
// already written with $1-style markers is sent unchanged.
func (db *DB) Exec(ctx context.Context, query string, args ...any) (Result, error) {
	return db.exec(ctx, db.rebind(query), args)
}

// Query runs a query with parameters, like Exec.
func (db *DB) Query(ctx context.Context, query string, args ...any) (Rows, error) {
	return db.query(ctx, db.rebind(query), args)
}

// stmt starts a statement: it checks the parameter count and returns the executor
// for ctx and, when ctx keeps a query log or the DB has query hooks, the log and
// the start time (zero otherwise). done ends it.
func (db *DB) stmt(ctx context.Context, nargs int) (executor, *QueryLog, time.Time, error) {
	if err := checkParams(db.dialect, "", nargs); err != nil {
		return nil, nil, time.Time{}, err
	}
	log := queryLogFrom(ctx)
	var start time.Time
	if log != nil || db.root.hooks.Load() != nil {
		start = time.Now()
	}
	return db.conn(ctx), log, start, nil
}

// done logs a statement begun with stmt (when there is a log), calls the query
// hooks and wraps its error.
func (db *DB) done(ctx context.Context, log *QueryLog, start time.Time, query string, args []any, err error) error {
	if start.IsZero() {
		return wrapDBErr(err)
	}
	d := time.Since(start)
	if log != nil {
		log.add(db.name, query, args, d, err)
	}
	if hooks := db.root.hooks.Load(); hooks != nil {
		ev := QueryEvent{DB: db.name, SQL: query, Args: args, Duration: d, Err: err}
		for _, h := range *hooks {
			h(ctx, ev)
		}
	}
	return wrapDBErr(err)
}

func (db *DB) exec(ctx context.Context, query string, args []any) (Result, error) {
	db.wrote(ctx)
	ex, log, start, err := db.stmt(ctx, len(args))
	if err != nil {
		return nil, err
	}
	if d := db.root.ctxTimeout; d > 0 {
		sctx, cancel := context.WithTimeout(ctx, d)
		res, err := ex.exec(sctx, query, args)
		err = timedOut(ctx, sctx, d, err)
		cancel()
		return res, db.done(ctx, log, start, query, args, err)
	}
	res, err := ex.exec(ctx, query, args)
	return res, db.done(ctx, log, start, query, args, err)
}

// query runs a statement that returns rows on the primary (or the transaction). The
// ORM cannot tell a raw or RETURNING statement from a read, so it pins ctx's
// request to the primary (see ReadFromReplicas); QuerySet reads use read.
func (db *DB) query(ctx context.Context, query string, args []any) (Rows, error) {
	db.wrote(ctx)
	return db.run(ctx, query, args)
}

// run is query without pinning.
func (db *DB) run(ctx context.Context, query string, args []any) (Rows, error) {
	ex, log, start, err := db.stmt(ctx, len(args))
	if err != nil {
		return nil, err
	}
	if d := db.root.ctxTimeout; d > 0 {
		sctx, cancel := context.WithTimeout(ctx, d)
		rows, err := ex.query(sctx, query, args)
		if err != nil {
			err = timedOut(ctx, sctx, d, err)
			cancel()
			return nil, db.done(ctx, log, start, query, args, err)
		}
		return &timedRows{Rows: rows, parent: ctx, ctx: sctx, cancel: cancel, timeout: d}, db.done(ctx, log, start, query, args, nil)
	}
	rows, err := ex.query(ctx, query, args)
	return rows, db.done(ctx, log, start, query, args, err)
}

// queryRow runs a query read for one row into dest, like query, and reports how
// many rows there were (0, 1, or 2 for more than one; see scanOne).
func (db *DB) queryRow(ctx context.Context, query string, args, dest []any) (int, error) {
	db.wrote(ctx)
	return db.runRow(ctx, query, args, dest)
}

// runRow is queryRow without pinning.
func (db *DB) runRow(ctx context.Context, query string, args, dest []any) (int, error) {
	ex, log, start, err := db.stmt(ctx, len(args))
	if err != nil {
		return 0, err
	}
	if d := db.root.ctxTimeout; d > 0 {
		sctx, cancel := context.WithTimeout(ctx, d)
		n, err := ex.queryRow(sctx, query, args, dest)
		err = timedOut(ctx, sctx, d, err)
		cancel()
		return n, db.done(ctx, log, start, query, args, err)
	}
	n, err := ex.queryRow(ctx, query, args, dest)
	return n, db.done(ctx, log, start, query, args, err)
}

// timedOut turns err into a *StatementTimeoutError when the statement's own deadline
// (sctx, derived from the caller's ctx) ended it and the caller's context did not.
func timedOut(ctx, sctx context.Context, d time.Duration, err error) error {
	if err != nil && ctx.Err() == nil && errors.Is(sctx.Err(), context.DeadlineExceeded) {
		return &StatementTimeoutError{Timeout: d, Err: err}
	}
	return err
}

// timedRows are the rows of a query under a context statement timeout: the
// deadline lasts until they are closed, and an error it causes says so.
type timedRows struct {
	Rows
	parent, ctx context.Context
	cancel      context.CancelFunc
	timeout     time.Duration
}

func (r *timedRows) Err() error { return timedOut(r.parent, r.ctx, r.timeout, r.Rows.Err()) }

func (r *timedRows) Scan(dest ...any) error {
	return timedOut(r.parent, r.ctx, r.timeout, r.Rows.Scan(dest...))
}

func (r *timedRows) Close() error {
	err := r.Rows.Close()
	r.cancel()
	return err
}

// rebind turns the "?" markers of a hand-written statement into the dialect's markers:
// $1, $2... on PostgreSQL (see rebindDollar); SQLite and MySQL read "?" themselves.
func (db *DB) rebind(q string) string {
	if db.dialect.Name() != "postgres" {
		return q
	}
	return rebindDollar(q)
}

// ---- opening ------------------------------------------------------------------------

var registerSQLiteFuncs sync.Once

func sqliteFuncs() {
	registerSQLiteFuncs.Do(func() {
		var cache sync.Map
		_ = sqlite.RegisterDeterministicScalarFunction("regexp", 2, func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
			pat, ok1 := args[0].(string)
			var s string
			switch v := args[1].(type) {
			case string:
				s = v
			case []byte:
				s = string(v)
			case nil:
				return nil, nil
			default:
				s = fmt.Sprint(v)
			}
			if !ok1 {
				return nil, errors.New("REGEXP: pattern must be text")
			}
			re, ok := cache.Load(pat)
			if !ok {
				c, err := regexp.Compile(pat)
				if err != nil {
					return nil, fmt.Errorf("REGEXP: %v", err)
				}
				re, _ = cache.LoadOrStore(pat, c)
			}
			if re.(*regexp.Regexp).MatchString(s) {
				return int64(1), nil
			}
			return int64(0), nil
		})
		_ = sqlite.RegisterDeterministicScalarFunction("galvani_upper", 1, func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
			switch v := args[0].(type) {
			case string:
				return strings.ToUpper(v), nil
			case []byte:
				return strings.ToUpper(string(v)), nil
			}
			return args[0], nil
		})
		text := func(v driver.Value) string {
			switch x := v.(type) {
			case string:
				return x
			case []byte:
				return string(x)
			}
			return ""
		}
		_ = sqlite.RegisterDeterministicScalarFunction("galvani_trunc", 3, func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
			return sqliteTrunc(text(args[0]), args[1], text(args[2]))
		})
		_ = sqlite.RegisterDeterministicScalarFunction("galvani_extract", 3, func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
			return sqliteExtract(text(args[0]), args[1], text(args[2]))
		})
		_ = sqlite.RegisterDeterministicScalarFunction("galvani_lower", 1, func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
			switch v := args[0].(type) {
			case string:
				return strings.ToLower(v), nil
			case []byte:
				return strings.ToLower(string(v)), nil
			}
			return args[0], nil
		})
	})
}

// Open opens the database named by a URL:
//
//	sqlite:///relative/path.db   sqlite:////absolute/path.db   sqlite://:memory:
//	postgres://user:pass@host:5432/dbname?sslmode=disable
//	mysql://user:pass@host:3306/dbname
//
// SQLite runs in WAL mode with a busy timeout, foreign keys on and write transactions
// that take the write lock when they begin, so concurrent requests wait for each other
// instead of failing with "database is locked". On MySQL and MariaDB the session's
// sql_mode is the server's plus STRICT_TRANS_TABLES, so data that does not fit its
// column is an error rather than silently truncated (a sql_mode= URL parameter, sent as
// SET sql_mode = <value>, replaces it). Times are kept in UTC everywhere.
//
// URL parameters the ORM reads itself (and removes before the driver sees the URL), for
// production:
//
//	max_conns=32            most open connections (default 32)
//	max_idle_conns=32       most idle connections kept (database/sql pools: SQLite, MySQL)
//	conn_max_lifetime=30m   close connections older than this (default: never), so that
//	                        load spreads to new replicas and servers behind a proxy
//	conn_max_idle_time=5m   close connections idle for this long (default: never on
//	                        SQLite and MySQL, pgx's 30m on PostgreSQL)
//	statement_timeout=5s    cancel statements that run longer (default: no limit)
//
// Durations are Go durations (a bare number is milliseconds, as PostgreSQL reads it).
// The statement timeout is the server's own where it has one: PostgreSQL's
// statement_timeout and MariaDB's max_statement_time, set on every connection; on
// MySQL it is max_execution_time, which only limits SELECT; on SQLite the ORM puts a
// deadline on each statement's context. A statement that hits it fails with a
// *StatementTimeoutError (errors.Is(err, ErrStatementTimeout)).
//
// A statement that fails because the server cannot be reached or dropped the
// connection returns an *UnavailableError (errors.Is(err, ErrUnavailable)), which a
// Galvani handler answers with 503 and Retry-After; the pool replaces lost
// connections by itself, so the site recovers when the database does.
//
// Open pings the database, so a bad URL or a missing server fails here.
func Open(ctx context.Context, rawURL string) (*DB, error) {
	return OpenNamed(ctx, "default", rawURL)
}

// OpenNamed is Open for a database with a name (see Databases).
func OpenNamed(ctx context.Context, name, rawURL string) (*DB, error) {
	scheme, rest, ok := strings.Cut(rawURL, "://")
	if !ok {
		if strings.HasPrefix(rawURL, "sqlite::memory:") {
			scheme, rest = "sqlite", ":memory:"
		} else {
			return nil, fmt.Errorf("orm: database URL %q has no scheme (sqlite://, postgres://, mysql://)", redact(rawURL))
		}
	}
	maxOpen, maxIdle := 32, 32
	var lifetime, idleTime, stmtTimeout time.Duration
	var err error
	// strip our pool parameters, keeping every other pair as written (the drivers read
	// them, and re-encoding would change what they see: a charset list's commas)
	if base, q, hasQ := strings.Cut(rest, "?"); hasQ {
		if _, perr := url.ParseQuery(q); perr != nil {
			return nil, fmt.Errorf("orm: database URL %q: %v", redact(rawURL), perr)
		}
		var kept []string
		for _, pair := range strings.Split(q, "&") {
			k, v, _ := strings.Cut(pair, "=")
			k, _ = url.QueryUnescape(k)
			v, _ = url.QueryUnescape(v)
			var dst *int
			var dur *time.Duration
			switch k {
			case "max_conns":
				dst = &maxOpen
			case "max_idle_conns":
				dst = &maxIdle
			case "conn_max_lifetime":
				dur = &lifetime
			case "conn_max_idle_time":
				dur = &idleTime
			case "statement_timeout":
				dur = &stmtTimeout
			}
			switch {
			case dur != nil && v != "":
				if *dur, err = parseURLDuration(v); err != nil {
					return nil, fmt.Errorf("orm: database URL: %s=%q: %v", k, v, err)
				}
			case dst != nil && v != "":
				if *dst, err = strconv.Atoi(v); err != nil || *dst < 0 {
					return nil, fmt.Errorf("orm: database URL: %s=%q is not a count", k, v)
				}
			case pair != "":
				kept = append(kept, pair)
			}
		}
		rest = base
		if len(kept) > 0 {
			rest += "?" + strings.Join(kept, "&")
		}
	}
	var sqlDB *sql.DB
	var pl pool
	var d Dialect
	switch strings.ToLower(scheme) {
	case "sqlite", "sqlite3":
		sqliteFuncs()
		path, _, _ := strings.Cut(rest, "?")
		memory := path == ":memory:" || path == "/:memory:"
		if !memory {
			path = strings.TrimPrefix(path, "/")
			if path == "" {
				return nil, fmt.Errorf("orm: database URL %q has no file path (sqlite:///db.sqlite3)", rawURL)
			}
		}
		dsn := "file:" + path + "?_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=case_sensitive_like(1)&_txlock=immediate&_time_format=sqlite"
		if memory {
			dsn = "file::memory:?_pragma=foreign_keys(1)&_pragma=case_sensitive_like(1)&_time_format=sqlite"
		} else {
			dsn += "&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)"
		}
		sqlDB, err = sql.Open("sqlite", dsn)
		if err != nil {
			return nil, err
		}
		if memory {
			// every connection would be a separate database
			maxOpen, maxIdle = 1, 1
			sqlDB.SetConnMaxLifetime(0)
			sqlDB.SetConnMaxIdleTime(0)
		}
		d = SQLite
	case "postgres", "postgresql", "pgx":
		u := "postgres://" + rest
		if !strings.Contains(rest, "timezone=") {
			if strings.Contains(rest, "?") {
				u += "&timezone=UTC"
			} else {
				u += "?timezone=UTC"
			}
		}
		cfg, perr := pgxpool.ParseConfig(u)
		if perr != nil {
			return nil, fmt.Errorf("orm: database URL %q: %v", redact(rawURL), perr)
		}
		if maxOpen > 0 {
			cfg.MaxConns = int32(maxOpen)
		}
		if lifetime > 0 {
			cfg.MaxConnLifetime = lifetime
		}
		if idleTime > 0 {
			cfg.MaxConnIdleTime = idleTime
		}
		if stmtTimeout > 0 {
			cfg.ConnConfig.RuntimeParams["statement_timeout"] = strconv.FormatInt(stmtTimeout.Milliseconds(), 10)
		}
		p, perr := pgxpool.NewWithConfig(ctx, cfg)
		if perr != nil {
			return nil, fmt.Errorf("orm: %v", perr)
		}
		pl = &pgxPool{p: p}
		d = PostgreSQL
	case "mysql", "mariadb":
		cfg, cerr := mysqlConfig(rest)
		if cerr != nil {
			return nil, fmt.Errorf("orm: database URL %q: %v", redact(rawURL), cerr)
		}
		conn, cerr := mysql.NewConnector(cfg)
		if cerr != nil {
			return nil, fmt.Errorf("orm: %v", cerr)
		}
		sqlDB = sql.OpenDB(conn)
		d = MySQL
	default:
		return nil, fmt.Errorf("orm: unsupported database scheme %q (sqlite, postgres, mysql)", scheme)
	}
	sizePool := func(sqlDB *sql.DB) {
		sqlDB.SetMaxOpenConns(maxOpen)
		sqlDB.SetMaxIdleConns(maxIdle)
		if lifetime > 0 {
			sqlDB.SetConnMaxLifetime(lifetime)
		}
		if idleTime > 0 {
			sqlDB.SetConnMaxIdleTime(idleTime)
		}
	}
	if pl == nil {
		sizePool(sqlDB)
		pl = sqlPool{sqlDB}
	}
	if err := pl.ping(ctx); err != nil {
		pl.close()
		return nil, fmt.Errorf("orm: cannot connect to %s: %w", redact(rawURL), err)
	}
	db := &DB{name: name, pool: pl, dialect: d}
	db.root = db
	if d == MySQL {
		db.mariadb = db.isMariaDB(ctx)
		if stmtTimeout > 0 {
			// The variable depends on the server, known only now: reopen the pool
			// with it set on every connection.
			cfg, _ := mysqlConfig(rest)
			if db.mariadb {
				cfg.Params["max_statement_time"] = strconv.FormatFloat(stmtTimeout.Seconds(), 'f', -1, 64)
			} else {
				cfg.Params["max_execution_time"] = strconv.FormatInt(stmtTimeout.Milliseconds(), 10)
			}
			conn, cerr := mysql.NewConnector(cfg)
			if cerr != nil {
				pl.close()
				return nil, fmt.Errorf("orm: %v", cerr)
			}
			pl.close()
			sqlDB = sql.OpenDB(conn)
			sizePool(sqlDB)
			pl = sqlPool{sqlDB}
			if err := pl.ping(ctx); err != nil {
				pl.close()
				return nil, fmt.Errorf("orm: cannot connect to %s with statement_timeout: %w", redact(rawURL), err)
			}
			db.pool = pl
		}
	}
	if d == SQLite {
		db.ctxTimeout = stmtTimeout
	}
	return db, nil
}

// parseURLDuration reads a duration parameter of a database URL: a Go duration
// ("5s", "1m30s"), or a bare number of milliseconds.
func parseURLDuration(v string) (time.Duration, error) {
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 {
			return 0, errors.New("must not be negative")
		}
		return time.Duration(n) * time.Millisecond, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, errors.New("not a duration (write 5s, 30m or a number of milliseconds)")
	}
	if d < 0 {
		return 0, errors.New("must not be negative")
	}
	return d, nil
}

func mysqlConfig(rest string) (*mysql.Config, error) {
	u, err := url.Parse("mysql://" + rest)
	if err != nil {
		return nil, err
	}
	// The query string is the driver's own DSN parameters (tls, timeout, readTimeout,
	// interpolateParams, ...), read by the driver; names it does not know are MySQL
	// session variables, as in its DSN.
	set := u.Query()
	if set.Has("strict") { // the driver panics on it
		return nil, errors.New("strict= was removed from the MySQL driver (the ORM's sessions are strict: see sql_mode in Open)")
	}
	cfg, err := mysql.ParseDSN("/?" + u.RawQuery)
	if err != nil {
		return nil, fmt.Errorf("mysql URL parameters: %v", err)
	}
	if u.User != nil {
		cfg.User = u.User.Username()
		cfg.Passwd, _ = u.User.Password()
	}
	cfg.Net = "tcp"
	cfg.Addr = u.Host
	if u.Port() == "" {
		cfg.Addr = u.Host + ":3306"
	}
	cfg.DBName = strings.TrimPrefix(u.Path, "/")
	// ParseDSN built the TLS config (tls=true or a registered name) for its default
	// address, naming 127.0.0.1 as the server to verify: drop it, and NewConnector
	// builds it again from cfg.TLSConfig for cfg.Addr.
	cfg.TLS = nil
	// What the ORM needs unless the URL says otherwise: times as time.Time in UTC on
	// both sides, "rows matched" counts (as PostgreSQL and SQLite give), utf8mb4 with
	// byte-wise comparison, like the other databases.
	if !set.Has("parseTime") {
		cfg.ParseTime = true
	}
	if !set.Has("loc") {
		cfg.Loc = time.UTC
	}
	if !set.Has("clientFoundRows") {
		cfg.ClientFoundRows = true
	}
	if !set.Has("collation") && !set.Has("charset") {
		cfg.Collation = "utf8mb4_bin"
	}
	if cfg.Params == nil {
		cfg.Params = map[string]string{}
	}
	if !hasParam(cfg.Params, "time_zone") {
		cfg.Params["time_zone"] = "'+00:00'"
	}
	if !hasParam(cfg.Params, "sql_mode") {
		cfg.Params["sql_mode"] = mysqlStrictMode
	}
	return cfg, nil
}

// mysqlStrictMode is the session sql_mode the ORM sets on every MySQL connection: the
// server's mode plus STRICT_TRANS_TABLES, under which a value that does not fit its
// column (a string longer than a varchar, a number out of range, an invalid date) is
// an error instead of being truncated or converted with a warning. A sql_mode given in
// the URL is used instead. The driver sends it as "SET sql_mode = <this>".
const mysqlStrictMode = "IF(FIND_IN_SET('STRICT_TRANS_TABLES', @@sql_mode) > 0, @@sql_mode, " +
	"CONCAT_WS(',', NULLIF(@@sql_mode, ''), 'STRICT_TRANS_TABLES'))"

// hasParam reports whether params sets the system variable name (case-insensitive, as
// MySQL reads variable names).
func hasParam(params map[string]string, name string) bool {
	for k := range params {
		if strings.EqualFold(k, name) {
			return true
		}
	}
	return false
}

var userinfoRE = regexp.MustCompile(`://([^:/@]*):[^@/]*@`)

// redact hides a password in a database URL.
func redact(u string) string { return userinfoRE.ReplaceAllString(u, "://$1:***@") }

// ---- several databases --------------------------------------------------------------

// Databases holds named databases; "default" is the one Q uses when given the
// registry's Default.
type Databases struct {
	mu    sync.RWMutex
	dbs   map[string]*DB
	order []string
}

// OpenDatabases opens every URL, keyed by name; "default" is opened first.
func OpenDatabases(ctx context.Context, urls map[string]string) (*Databases, error) {
	names := make([]string, 0, len(urls))
	for n := range urls {
		if n != "default" {
			names = append(names, n)
		}
	}
	sortStrings(names)
	if _, ok := urls["default"]; ok {
		names = append([]string{"default"}, names...)
	}
	d := &Databases{dbs: map[string]*DB{}}
	for _, n := range names {
		db, err := OpenNamed(ctx, n, urls[n])
		if err != nil {
			d.Close()
			return nil, fmt.Errorf("database %q: %w", n, err)
		}
		d.Add(db)
	}
	return d, nil
}

// Add registers an open database under its name.
func (d *Databases) Add(db *DB) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.dbs == nil {
		d.dbs = map[string]*DB{}
	}
	if _, ok := d.dbs[db.name]; !ok {
		d.order = append(d.order, db.name)
	}
	d.dbs[db.name] = db
}

// Get returns the database called name.
func (d *Databases) Get(name string) (*DB, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	db, ok := d.dbs[name]
	if !ok {
		return nil, fmt.Errorf("orm: no database called %q (have %s)", name, strings.Join(d.order, ", "))
	}
	return db, nil
}

// Default returns the "default" database, or nil.
func (d *Databases) Default() *DB {
	db, _ := d.Get("default")
	return db
}

// Names returns the database names, "default" first.
func (d *Databases) Names() []string {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return append([]string(nil), d.order...)
}

// Close closes every database.
func (d *Databases) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	var errs []error
	for _, db := range d.dbs {
		errs = append(errs, db.Close())
	}
	return errors.Join(errs...)
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// mariaDB remembers, per root DB, whether its MySQL server is MariaDB (for the
// features one has and the other lacks).
var mariaDB sync.Map // *DB -> bool

// isMariaDB reports whether db's server is MariaDB; asked once per database.
func (db *DB) isMariaDB(ctx context.Context) bool {
	if db.dialect.Name() != "mysql" {
		return false
	}
	if v, ok := mariaDB.Load(db.root); ok {
		return v.(bool)
	}
	var version string
	if _, err := db.root.queryRow(ctx, "SELECT VERSION()", nil, []any{&version}); err != nil {
		return false
	}
	is := strings.Contains(strings.ToLower(version), "mariadb")
	mariaDB.Store(db.root, is)
	return is
}
