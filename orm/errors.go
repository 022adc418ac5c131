package orm

import (
	"errors"
	"fmt"
	"strings"
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

func (e *DBError) Error() string { return "orm: " + e.Err.Error() }
func (e *DBError) Unwrap() error { return e.Err }

func wrapDBErr(err error) error {
	if err == nil {
		return nil
	}
	var d *DBError
	if errors.As(err, &d) {
		return err
	}
	return &DBError{Err: err}
}

// IsUniqueViolation reports whether err is a unique constraint violation.
func IsUniqueViolation(err error) bool {
	if err == nil {
		return false
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
