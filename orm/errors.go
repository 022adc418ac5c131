package orm

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/pgconn"
	sqlite "modernc.org/sqlite"
)

// ErrNotFound is returned by Get (and friends) when no row matches. Returned from a
// Galvani handler it becomes a 404 (it has an HTTPStatus method).
var ErrNotFound error = &statusError{msg: "orm: object not found", status: 404}

// ErrMultipleObjects is returned by Get when more than one row matches.
var ErrMultipleObjects error = &statusError{msg: "orm: get returned more than one object", status: 500}

// ErrProtected is returned by Delete when an on_delete=protect or restrict relation
// refers to a row being deleted; the error wrapping it names the objects.
var ErrProtected = errors.New("orm: delete is prevented by a protected relation")

type statusError struct {
	msg    string
	status int
}

func (e *statusError) Error() string { return e.msg }

// HTTPStatus reports the status a handler returning the error answers with.
func (e *statusError) HTTPStatus() int { return e.status }

// notFound wraps ErrNotFound with the model name, keeping errors.Is working.
func notFound(m *ModelInfo) error {
	return &modelError{base: ErrNotFound, msg: fmt.Sprintf("orm: %s matching query does not exist", m.Name)}
}

func multiple(m *ModelInfo, n int) error {
	s := fmt.Sprintf("%d", n)
	if n < 0 {
		s = "more than one"
	}
	return &modelError{base: ErrMultipleObjects, msg: fmt.Sprintf("orm: get returned %s %s objects", s, m.Name)}
}

type modelError struct {
	base error
	msg  string
}

func (e *modelError) Error() string { return e.msg }
func (e *modelError) Unwrap() error { return e.base }

// HTTPStatus reports the status of the wrapped sentinel.
func (e *modelError) HTTPStatus() int {
	if s, ok := e.base.(interface{ HTTPStatus() int }); ok {
		return s.HTTPStatus()
	}
	return 500
}

// FieldError is returned when a query names a field or lookup that does not exist,
// or gives a value of the wrong type. It names the model, the field and what exists.
type FieldError struct {
	Model string
	Field string
	Msg   string
}

func (e *FieldError) Error() string {
	return fmt.Sprintf("orm: %s.%s: %s", e.Model, e.Field, e.Msg)
}

func unknownField(m *ModelInfo, name string) error {
	names := m.FieldNames()
	for _, r := range m.ReverseRelations() {
		names = append(names, r.Name)
	}
	return &FieldError{Model: m.Name, Field: name, Msg: "no such field (choices are: " + strings.Join(names, ", ") + ")"}
}

// TooManyParametersError is returned, before anything is sent, by a statement that
// would bind more parameters than the database takes in one statement (Dialect.MaxParams:
// 32766 on SQLite as modernc.org/sqlite is built, 65535 on PostgreSQL and MySQL). The
// usual cause is a long __in list: look rows up by key with InBulk, which splits its
// keys into statements below the limit, or run the query once per chunk of the list.
type TooManyParametersError struct {
	Model    string // the model queried; "" for Raw, Exec and Query
	Count    int    // the parameters the statement would bind
	Limit    int    // the most the database takes
	Database string // the dialect's name
}

func (e *TooManyParametersError) Error() string {
	what := "statement"
	if e.Model != "" {
		what = e.Model + " query"
	}
	return fmt.Sprintf("orm: %s binds %d parameters, more than %s takes in one statement (%d): "+
		"fetch by primary key with InBulk, which chunks the keys itself, or split the __in list into chunks",
		what, e.Count, e.Database, e.Limit)
}

// checkParams returns a *TooManyParametersError when n parameters exceed d's limit.
func checkParams(d Dialect, model string, n int) error {
	if limit := d.MaxParams(); n > limit {
		return &TooManyParametersError{Model: model, Count: n, Limit: limit, Database: d.Name()}
	}
	return nil
}

// DBError wraps an error from the database driver (a constraint violation, a lost
// connection...). IsUniqueViolation and friends classify it.
type DBError struct {
	Err error
}

func (e *DBError) Error() string {
	if schemaBehind(e.Err) {
		return "orm: " + e.Err.Error() + schemaHint
	}
	return "orm: " + e.Err.Error()
}

// schemaHint ends the message of an error about a missing table or column: almost
// always a model changed without makemigrations, or migrations not applied.
const schemaHint = " (the database schema is behind the models: run `go run . makemigrations` if you changed a model, then `go run . migrate`)"

// schemaBehind reports whether err is the database saying that a table or column
// does not exist: SQLite's "no such table/column", PostgreSQL's undefined_table
// and undefined_column (42P01, 42703), MySQL's 1146 and 1054.
func schemaBehind(err error) bool {
	s := err.Error()
	for _, m := range []string{"no such table:", "no such column:", "has no column named",
		"SQLSTATE 42P01", "SQLSTATE 42703", "Error 1146", "Error 1054"} {
		if strings.Contains(s, m) {
			return true
		}
	}
	return false
}
func (e *DBError) Unwrap() error { return e.Err }

func wrapDBErr(err error) error {
	if err == nil {
		return nil
	}
	var d *DBError
	if errors.As(err, &d) {
		return err
	}
	if uv := uniqueViolation(err); uv != nil {
		return &DBError{Err: uv}
	}
	var st *StatementTimeoutError
	if errors.As(err, &st) {
		return &DBError{Err: err}
	}
	if statementTimeout(err) {
		return &DBError{Err: &StatementTimeoutError{Err: err}}
	}
	if unavailable(err) {
		return &DBError{Err: &UnavailableError{Err: err}}
	}
	return &DBError{Err: err}
}

// ErrUniqueViolation matches, with errors.Is, every error of a statement that
// broke a unique constraint (a unique field, unique_together, a primary key), on
// every database:
//
//	if errors.Is(err, orm.ErrUniqueViolation) { ... the slug is taken: pick another ... }
//
// errors.As with a *UniqueViolationError tells which constraint, where the
// database says.
var ErrUniqueViolation = errors.New("orm: unique constraint violated")

// UniqueViolationError is the error of a statement that broke a unique
// constraint. It is wrapped in a *DBError and unwraps to the driver's error.
// The fields hold what the database reports, and are empty where it does not:
// SQLite names the table and columns, PostgreSQL the table, the constraint and
// (in its detail) the columns, MySQL and MariaDB only the constraint (the unique
// index, whose name for a unique field is the column's).
type UniqueViolationError struct {
	Table      string
	Constraint string
	Columns    []string
	// Err is the driver's error.
	Err error
}

func (e *UniqueViolationError) Error() string { return e.Err.Error() }

// Unwrap returns the driver's error.
func (e *UniqueViolationError) Unwrap() error { return e.Err }

// Is reports whether target is ErrUniqueViolation.
func (e *UniqueViolationError) Is(target error) bool { return target == ErrUniqueViolation }

// Driver codes of unique violations.
const (
	pgUniqueViolation     = "23505"
	sqliteConstraintPK    = 1555 // SQLITE_CONSTRAINT_PRIMARYKEY
	sqliteConstraintUniq  = 2067 // SQLITE_CONSTRAINT_UNIQUE
	mysqlDupEntry         = 1062 // ER_DUP_ENTRY
	mysqlDupEntryWithName = 1586 // ER_DUP_ENTRY_WITH_KEY_NAME
)

// uniqueViolation returns the typed error for a driver's unique violation, or nil.
func uniqueViolation(err error) *UniqueViolationError {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		if pg.Code != pgUniqueViolation {
			return nil
		}
		return &UniqueViolationError{Table: pg.TableName, Constraint: pg.ConstraintName, Columns: pgKeyColumns(pg.Detail), Err: err}
	}
	var lite *sqlite.Error
	if errors.As(err, &lite) {
		if c := lite.Code(); c != sqliteConstraintUniq && c != sqliteConstraintPK {
			return nil
		}
		uv := &UniqueViolationError{Err: err}
		uv.Table, uv.Columns = sqliteUniqueColumns(lite.Error())
		return uv
	}
	var my *mysql.MySQLError
	if errors.As(err, &my) {
		if my.Number != mysqlDupEntry && my.Number != mysqlDupEntryWithName {
			return nil
		}
		return &UniqueViolationError{Constraint: mysqlKeyName(my.Message), Err: err}
	}
	return nil
}

// pgKeyColumns reads the columns from PostgreSQL's detail
// "Key (group_id, author_id)=(1, 2) already exists.".
func pgKeyColumns(detail string) []string {
	rest, ok := strings.CutPrefix(detail, "Key (")
	if !ok {
		return nil
	}
	cols, _, ok := strings.Cut(rest, ")=(")
	if !ok {
		return nil
	}
	return splitColumns(cols, "")
}

// sqliteUniqueColumns reads "UNIQUE constraint failed: t.a, t.b" from SQLite's
// message into the table and the columns.
func sqliteUniqueColumns(msg string) (table string, cols []string) {
	_, rest, ok := strings.Cut(msg, " constraint failed: ")
	if !ok {
		return "", nil
	}
	if i := strings.LastIndex(rest, " ("); i >= 0 { // modernc appends " (2067)"
		rest = rest[:i]
	}
	if t, _, ok := strings.Cut(rest, "."); ok {
		table = t
	}
	return table, splitColumns(rest, table+".")
}

func splitColumns(list, prefix string) []string {
	var cols []string
	for _, c := range strings.Split(list, ",") {
		if c = strings.TrimPrefix(strings.TrimSpace(c), prefix); c != "" {
			cols = append(cols, strings.Trim(c, `"`))
		}
	}
	return cols
}

// mysqlKeyName reads the key from "Duplicate entry 'x' for key 'k'" (MySQL 8
// writes 'table.k'; the table part is dropped).
func mysqlKeyName(msg string) string {
	i := strings.LastIndex(msg, " for key '")
	if i < 0 {
		return ""
	}
	k := strings.TrimSuffix(msg[i+len(" for key '"):], "'")
	if _, after, ok := strings.Cut(k, "."); ok {
		k = after
	}
	return k
}

// IsUniqueViolation reports whether err is a unique constraint violation:
// errors.Is(err, ErrUniqueViolation), or a driver's error that did not pass
// through the ORM.
func IsUniqueViolation(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, ErrUniqueViolation) || uniqueViolation(err) != nil {
		return true
	}
	s := err.Error()
	return strings.Contains(s, "UNIQUE constraint failed") || strings.Contains(s, "SQLSTATE 23505") ||
		strings.Contains(s, "Error 1062") || strings.Contains(s, "Duplicate entry")
}

// IsForeignKeyViolation reports whether err is a foreign key constraint violation.
func IsForeignKeyViolation(err error) bool {
	if err == nil {
		return false
	}
	s := err.Error()
	return strings.Contains(s, "FOREIGN KEY constraint failed") || strings.Contains(s, "SQLSTATE 23503") ||
		strings.Contains(s, "Error 1451") || strings.Contains(s, "Error 1452")
}

// ErrUnavailable matches, with errors.Is, every error that says the database cannot
// be reached or dropped the connection: the server is down, restarting or refusing
// connections, a connection was terminated (pg_terminate_backend, KILL, a failover),
// too many connections, or SQLite still busy after its busy timeout. Such errors are
// about the moment, not the statement: the pool reconnects by itself, and the same
// statement is expected to work once the database is back.
//
// Returned from a Galvani handler, the error (an *UnavailableError) becomes a 503
// Service Unavailable with a Retry-After header, in production and in debug mode,
// rather than a 500 with a stack trace.
var ErrUnavailable = errors.New("orm: database unavailable")

// UnavailableRetryAfter is the Retry-After an *UnavailableError asks clients to wait.
const UnavailableRetryAfter = 5 * time.Second

// UnavailableError is the error of a statement that failed because the database was
// unreachable or the connection was lost. It is wrapped in a *DBError and unwraps to
// the driver's error; errors.Is(err, ErrUnavailable) is true.
type UnavailableError struct {
	// Err is the driver's error.
	Err error
}

func (e *UnavailableError) Error() string { return "database unavailable: " + e.Err.Error() }

// Unwrap returns the driver's error.
func (e *UnavailableError) Unwrap() error { return e.Err }

// Is reports whether target is ErrUnavailable.
func (e *UnavailableError) Is(target error) bool { return target == ErrUnavailable }

// HTTPStatus reports 503: the site cannot answer until the database is back.
func (e *UnavailableError) HTTPStatus() int { return 503 }

// RetryAfter is how long a client should wait before trying again (the response's
// Retry-After header).
func (e *UnavailableError) RetryAfter() time.Duration { return UnavailableRetryAfter }

// ErrStatementTimeout matches, with errors.Is, the error of a statement that ran
// longer than the database's statement timeout (the statement_timeout parameter of
// the URL given to Open). errors.As with a *StatementTimeoutError tells the limit.
var ErrStatementTimeout = errors.New("orm: statement timeout")

// StatementTimeoutError is the error of a statement cancelled by the statement
// timeout: PostgreSQL's statement_timeout (57014), MariaDB's max_statement_time
// (1969), MySQL's max_execution_time (3024), or, on SQLite, the deadline the ORM
// puts on the statement's context. It is wrapped in a *DBError. Returned from a
// handler it becomes a 503 (the site is too slow to answer, not broken); the query
// itself usually needs an index, a smaller page or a background task.
type StatementTimeoutError struct {
	// Timeout is the configured limit; 0 when the database reported a limit set
	// outside the URL (a role's or server's statement_timeout).
	Timeout time.Duration
	// Err is the driver's error.
	Err error
}

func (e *StatementTimeoutError) Error() string {
	if e.Timeout > 0 {
		return fmt.Sprintf("statement timeout (%v): %v", e.Timeout, e.Err)
	}
	return "statement timeout: " + e.Err.Error()
}

// Unwrap returns the driver's error.
func (e *StatementTimeoutError) Unwrap() error { return e.Err }

// Is reports whether target is ErrStatementTimeout.
func (e *StatementTimeoutError) Is(target error) bool { return target == ErrStatementTimeout }

// HTTPStatus reports 503.
func (e *StatementTimeoutError) HTTPStatus() int { return 503 }

// Driver codes of connection-level failures and statement timeouts.
const (
	pgQueryCanceled        = "57014"
	pgAdminShutdown        = "57P01" // pg_terminate_backend, smart/fast shutdown
	pgCrashShutdown        = "57P02"
	pgCannotConnectNow     = "57P03" // starting up, shutting down, recovering
	pgTooManyConnections   = "53300"
	sqliteBusy             = 5 // SQLITE_BUSY (after the busy timeout); extended codes keep it in the low byte
	sqliteInterrupt        = 9 // SQLITE_INTERRUPT: the statement's context was cancelled
	mysqlTooManyConns      = 1040
	mysqlServerShutdown    = 1053
	mysqlConnKilled        = 1927 // MariaDB ER_CONNECTION_KILLED
	mariaStatementTimeout  = 1969 // ER_STATEMENT_TIMEOUT (max_statement_time)
	mysqlExecutionTimeout  = 3024 // ER_QUERY_TIMEOUT (max_execution_time)
	mysqlNetReadError      = 1158
	mysqlNetWriteInterrupt = 1161
)

// unavailable reports whether err says the database could not be reached or the
// connection was lost, rather than that the statement was wrong.
func unavailable(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false // the caller gave up (a client went away, a request deadline)
	}
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		switch pg.Code {
		case pgAdminShutdown, pgCrashShutdown, pgCannotConnectNow, pgTooManyConnections:
			return true
		}
		return strings.HasPrefix(pg.Code, "08") // connection_exception
	}
	var my *mysql.MySQLError
	if errors.As(err, &my) {
		switch my.Number {
		case mysqlTooManyConns, mysqlServerShutdown, mysqlConnKilled, mysqlNetReadError, mysqlNetWriteInterrupt:
			return true
		}
		return my.Number >= 2000 && my.Number < 3000 // client-side connection errors (CR_*)
	}
	var lite *sqlite.Error
	if errors.As(err, &lite) {
		return lite.Code()&0xff == sqliteBusy
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	return errors.As(err, &ce) || errors.As(err, &ne) ||
		errors.Is(err, pgconn.ErrConnClosed) || errors.Is(err, driver.ErrBadConn) ||
		errors.Is(err, mysql.ErrInvalidConn) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET)
}

// statementTimeout reports whether err is the database cancelling a statement that
// ran past its statement timeout.
func statementTimeout(err error) bool {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		// 57014 is also a cancel request (pgx sends one when a context ends); only
		// the statement_timeout's cancel says so in its message.
		return pg.Code == pgQueryCanceled && strings.Contains(pg.Message, "statement timeout")
	}
	var my *mysql.MySQLError
	if errors.As(err, &my) {
		return my.Number == mariaStatementTimeout || my.Number == mysqlExecutionTimeout
	}
	return false
}
