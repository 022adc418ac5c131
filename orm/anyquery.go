package orm

import (
	"context"
	"fmt"
	"reflect"
)

// AnyQuerySet is a QuerySet whose model's Go type is known only at run time: code
// that works on any model — a model form's relation fields, an admin — holds one
// where Q[T] would need T. Its rows come back as pointers to the model's struct
// (a *Tag as an any). Make one with QuerySet.Any, or with Relation.Query for the
// target of a relation field. The zero value is an error on use.
type AnyQuerySet struct {
	q anyQuerier
}

// anyQuerier is QuerySet[T] with T erased.
type anyQuerier interface {
	info() *ModelInfo
	err() error
	filter(exclude bool, args []any) anyQuerier
	orderBy(fields []string) anyQuerier
	using(db *DB) anyQuerier
	all(ctx context.Context) ([]any, error)
	count(ctx context.Context) (int64, error)
	exists(ctx context.Context) (bool, error)
	inBulk(ctx context.Context, keys []any) (map[any]any, error)
}

type typedQuery[T any] struct{ q QuerySet[T] }

func (t typedQuery[T]) info() *ModelInfo { return t.q.info }
func (t typedQuery[T]) err() error       { return t.q.err }
func (t typedQuery[T]) filter(exclude bool, args []any) anyQuerier {
	return typedQuery[T]{t.q.addCond(exclude, args)}
}
func (t typedQuery[T]) orderBy(fields []string) anyQuerier {
	return typedQuery[T]{t.q.OrderBy(fields...)}
}
func (t typedQuery[T]) using(db *DB) anyQuerier { return typedQuery[T]{t.q.Using(db)} }
func (t typedQuery[T]) count(ctx context.Context) (int64, error) {
	return t.q.Count(ctx)
}
func (t typedQuery[T]) exists(ctx context.Context) (bool, error) { return t.q.Exists(ctx) }
func (t typedQuery[T]) all(ctx context.Context) ([]any, error) {
	rows, err := t.q.All(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]any, len(rows))
	for i := range rows {
		out[i] = &rows[i]
	}
	return out, nil
}
func (t typedQuery[T]) inBulk(ctx context.Context, keys []any) (map[any]any, error) {
	got, err := t.q.InBulk(ctx, keys)
	if err != nil {
		return nil, err
	}
	out := make(map[any]any, len(got))
	for k, v := range got {
		out[k] = v
	}
	return out, nil
}

// Any returns the query with its model type erased, for code that takes queries of
// any model (modelform.Options.Querysets).
func (q QuerySet[T]) Any() AnyQuerySet { return AnyQuerySet{typedQuery[T]{q}} }

var errZeroAnyQuerySet = fmt.Errorf("orm: a zero AnyQuerySet (make one with QuerySet.Any or Relation.Query)")

// Info returns the model metadata (nil for the zero AnyQuerySet).
func (q AnyQuerySet) Info() *ModelInfo {
	if q.q == nil {
		return nil
	}
	return q.q.info()
}

// Err returns the error recorded while building the query, if any.
func (q AnyQuerySet) Err() error {
	if q.q == nil {
		return errZeroAnyQuerySet
	}
	return q.q.err()
}

// Filter is QuerySet.Filter.
func (q AnyQuerySet) Filter(args ...any) AnyQuerySet {
	if q.q == nil {
		return q
	}
	return AnyQuerySet{q.q.filter(false, args)}
}

// Exclude is QuerySet.Exclude.
func (q AnyQuerySet) Exclude(args ...any) AnyQuerySet {
	if q.q == nil {
		return q
	}
	return AnyQuerySet{q.q.filter(true, args)}
}

// OrderBy is QuerySet.OrderBy.
func (q AnyQuerySet) OrderBy(fields ...string) AnyQuerySet {
	if q.q == nil {
		return q
	}
	return AnyQuerySet{q.q.orderBy(fields)}
}

// Using returns a copy of the query that runs on another database (a transaction).
func (q AnyQuerySet) Using(db *DB) AnyQuerySet {
	if q.q == nil {
		return q
	}
	return AnyQuerySet{q.q.using(db)}
}

// All returns the rows, each a pointer to a new struct of the model's type.
func (q AnyQuerySet) All(ctx context.Context) ([]any, error) {
	if q.q == nil {
		return nil, errZeroAnyQuerySet
	}
	return q.q.all(ctx)
}

// Count is QuerySet.Count.
func (q AnyQuerySet) Count(ctx context.Context) (int64, error) {
	if q.q == nil {
		return 0, errZeroAnyQuerySet
	}
	return q.q.count(ctx)
}

// Exists is QuerySet.Exists.
func (q AnyQuerySet) Exists(ctx context.Context) (bool, error) {
	if q.q == nil {
		return false, errZeroAnyQuerySet
	}
	return q.q.exists(ctx)
}

// InBulk is QuerySet.InBulk: the rows whose key is in keys (pointers to the
// model's struct), by key as the database returned it.
func (q AnyQuerySet) InBulk(ctx context.Context, keys []any) (map[any]any, error) {
	if q.q == nil {
		return nil, errZeroAnyQuerySet
	}
	return q.q.inBulk(ctx, keys)
}

// relOps is implemented by FK[T], OneToOne[T] and M2M[T]: the operations on a
// relation's target that need T, reached from the field's metadata.
type relOps interface {
	targetQuery(db *DB) AnyQuerySet
}

// m2mOps is implemented by M2M[T].
type m2mOps interface {
	m2mKeys(ctx context.Context, db *DB, owner any, name string) ([]any, error)
	setM2MKeys(ctx context.Context, db *DB, owner any, name string, keys []any) error
}

func (ref[T]) targetQuery(db *DB) AnyQuerySet { return Q[T](db).Any() }
func (M2M[T]) targetQuery(db *DB) AnyQuerySet { return Q[T](db).Any() }

func (M2M[T]) m2mKeys(ctx context.Context, db *DB, owner any, name string) ([]any, error) {
	return Related[T](db, owner, name).Keys(ctx)
}

func (M2M[T]) setM2MKeys(ctx context.Context, db *DB, owner any, name string, keys []any) error {
	return Related[T](db, owner, name).SetKeys(ctx, keys...)
}

// Query returns every row of the relation's target model on db, as the start of
// the rows a form offers for the relation (narrow it with Filter).
func (r *Relation) Query(db *DB) AnyQuerySet {
	if ops, ok := r.ops.(relOps); ok {
		return ops.targetQuery(db)
	}
	return AnyQuerySet{}
}

// m2mField finds the M2M field name of the model of owner (a pointer to a model).
func m2mField(owner any, name string) (*Field, error) {
	m, _, err := instance(owner)
	if err != nil {
		return nil, err
	}
	f, ok := m.byName[name]
	if !ok {
		return nil, unknownField(m, name)
	}
	if f.Kind != KindM2M {
		return nil, fmt.Errorf("orm: %s.%s is not a many-to-many field", m.Name, name)
	}
	return f, nil
}

// M2MKeys returns the keys of the objects related to owner (a pointer to a saved
// model) through its M2M field name — Related(db, owner, name).Keys for code that
// does not know the target type.
func M2MKeys(ctx context.Context, db *DB, owner any, name string) ([]any, error) {
	f, err := m2mField(owner, name)
	if err != nil {
		return nil, err
	}
	return f.Rel.ops.(m2mOps).m2mKeys(ctx, db, owner, name)
}

// SetM2MKeys makes the objects with the given keys exactly those related to owner
// through its M2M field name — Related(db, owner, name).SetKeys for code that does
// not know the target type (model forms, serializers).
func SetM2MKeys(ctx context.Context, db *DB, owner any, name string, keys ...any) error {
	f, err := m2mField(owner, name)
	if err != nil {
		return err
	}
	return f.Rel.ops.(m2mOps).setM2MKeys(ctx, db, owner, name, keys)
}

// relOpsOf returns the relation operations of a relation field's type.
func relOpsOf(t reflect.Type) any {
	v := reflect.Zero(t).Interface()
	if _, ok := v.(relOps); ok {
		return v
	}
	return nil
}
