package orm

import (
	"context"
	"errors"
	"reflect"
	"strings"
)

// EachRow calls fn with every row of model m, as a pointer to a new struct of the
// model's type, in primary key order: for code that works on any registered model
// without knowing its type at compile time (dumpdata, an admin), where Q[T] needs
// the type. Relations are not loaded (FK fields hold their keys). Returning
// ErrStopEach from fn stops the loop without an error; any other error stops it and
// is returned. Inside a transaction on PostgreSQL and MySQL the rows are read before
// fn runs, so fn may query (as with QuerySet.Iter).
func EachRow(ctx context.Context, db *DB, m *ModelInfo, fn func(obj any) error) error {
	d := db.dialect
	cols := make([]string, len(m.concrete))
	for i, f := range m.concrete {
		cols[i] = d.QuoteIdent(f.Column)
	}
	q := "SELECT " + strings.Join(cols, ", ") + " FROM " + d.QuoteIdent(m.Table) + " ORDER BY " + d.QuoteIdent(m.PK.Column)
	rows, err := db.read(ctx, q, nil)
	if err != nil {
		return err
	}
	defer rows.Close()
	rr := newRowReader(&selectPlan{fields: m.concrete})
	next := func() (any, error) {
		obj := reflect.New(m.Type)
		if err := rr.scan(rows, obj.UnsafePointer()); err != nil {
			return nil, err
		}
		return obj.Interface(), nil
	}
	if db.txFor(ctx) != nil && d.Name() != "sqlite" {
		var objs []any
		for rows.Next() {
			obj, err := next()
			if err != nil {
				return err
			}
			objs = append(objs, obj)
		}
		if err := rows.Err(); err != nil {
			return wrapDBErr(err)
		}
		rows.Close()
		for _, obj := range objs {
			if err := fn(obj); err != nil {
				return stopped(err)
			}
		}
		return nil
	}
	for rows.Next() {
		obj, err := next()
		if err != nil {
			return err
		}
		if err := fn(obj); err != nil {
			return stopped(err)
		}
	}
	return wrapDBErr(rows.Err())
}

// ErrStopEach stops EachRow without an error.
var ErrStopEach = errors.New("orm: stop EachRow")

func stopped(err error) error {
	if errors.Is(err, ErrStopEach) {
		return nil
	}
	return err
}

// PKValue returns the primary key of obj, a pointer to a registered model.
func PKValue(obj any) (any, error) {
	m, p, err := instance(obj)
	if err != nil {
		return nil, err
	}
	return pkOf(m, p), nil
}
