package orm

import (
	"context"
	"fmt"
	"reflect"
	"unsafe"
)

// RelatedManager works with the objects related to one object through an M2M field
// or a reverse relation (Django's article.tags / author.articles managers).
type RelatedManager[T any] struct {
	db       *DB
	owner    *ModelInfo
	ownerPK  any
	instance any    // the owner object, for M2MChanged
	field    *Field // the relation field (on owner for forward M2M, on T for reverse)
	forward  bool   // field is owner's M2M
	err      error
}

// Related returns the manager of relation name of owner (a pointer to a saved model):
// an M2M field of owner, or a reverse relation (a related_name of a FK or M2M of T
// pointing at owner). T is the model at the other end.
func Related[T any](db *DB, owner any, name string) RelatedManager[T] {
	r := RelatedManager[T]{db: db}
	m, p, err := instance(owner)
	if err != nil {
		r.err = err
		return r
	}
	r.owner, r.ownerPK, r.instance = m, pkOf(m, p), owner
	target := reflect.TypeFor[T]()
	if f, ok := m.byName[name]; ok && f.Kind == KindM2M {
		if f.Rel.TargetType != target {
			r.err = fmt.Errorf("orm: %s.%s relates to %s, not %s", m.Name, name, f.Rel.TargetType.Name(), target.Name())
			return r
		}
		r.field, r.forward = f, true
	} else if rev, ok := m.reverse(name); ok {
		if rev.Field.Model.Type != target {
			r.err = fmt.Errorf("orm: %s.%s relates to %s, not %s", m.Name, name, rev.Field.Model.Name, target.Name())
			return r
		}
		r.field = rev.Field
	} else {
		r.err = unknownField(m, name)
		return r
	}
	if r.field.Kind == KindM2M {
		r.err = resolveThrough(r.field)
	}
	if r.err == nil && reflect.ValueOf(r.ownerPK).IsZero() {
		r.err = fmt.Errorf("orm: %s must be saved before using its relation %s", m.Name, name)
	}
	return r
}

// Query returns the related objects as a QuerySet.
func (r RelatedManager[T]) Query() QuerySet[T] {
	q := Q[T](r.db)
	if r.err != nil {
		q.err = r.err
		return q
	}
	f := r.field
	if f.Kind != KindM2M {
		return q.Filter(f.Name, r.ownerPK)
	}
	rel := f.Rel
	sel, by := rel.TargetColumn, rel.SourceColumn
	if !r.forward {
		sel, by = rel.SourceColumn, rel.TargetColumn
	}
	key := r.ownerPK
	cond := Cond{op: 'r', raw: func(c *compiler) string {
		return c.col(c.qual, c.model.PK) + " IN (SELECT " + c.d.QuoteIdent(sel) + " FROM " + c.d.QuoteIdent(rel.ThroughTable) +
			" WHERE " + c.d.QuoteIdent(by) + " = " + c.param(key) + ")"
	}}
	return q.Filter(cond)
}

// All returns the related objects.
func (r RelatedManager[T]) All(ctx context.Context) ([]T, error) { return r.Query().All(ctx) }

// Count counts the related objects.
func (r RelatedManager[T]) Count(ctx context.Context) (int64, error) { return r.Query().Count(ctx) }

func (r RelatedManager[T]) m2m(op string) (src, dst string, err error) {
	if r.err != nil {
		return "", "", r.err
	}
	if r.field.Kind != KindM2M {
		return "", "", fmt.Errorf("orm: %s is a reverse FK; %s the related objects by saving them", r.field.Rel.RelatedName, op)
	}
	src, dst = r.field.Rel.SourceColumn, r.field.Rel.TargetColumn
	if !r.forward {
		src, dst = dst, src
	}
	return src, dst, nil
}

func keysOf[T any](objs []*T) ([]any, error) {
	m, err := infoOfType(reflect.TypeFor[T]())
	if err != nil {
		return nil, err
	}
	keys := make([]any, 0, len(objs))
	for _, o := range objs {
		if o == nil {
			return nil, errNilObject
		}
		k := pkOf(m, unsafe.Pointer(o))
		if reflect.ValueOf(k).IsZero() {
			return nil, fmt.Errorf("orm: %s must be saved before it is related", m.Name)
		}
		keys = append(keys, k)
	}
	return keys, nil
}

func (r RelatedManager[T]) current(ctx context.Context, db *DB, src, dst string) (map[any]bool, error) {
	d := db.dialect
	rows, err := db.query(ctx, "SELECT "+d.QuoteIdent(dst)+" FROM "+d.QuoteIdent(r.field.Rel.ThroughTable)+" WHERE "+d.QuoteIdent(src)+" = "+d.Placeholder(1), []any{r.ownerPK})
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	have := map[any]bool{}
	for rows.Next() {
		var a anyScanner
		if err := rows.Scan(&a); err != nil {
			return nil, wrapDBErr(err)
		}
		have[normKey(a.v)] = true
	}
	return have, wrapDBErr(rows.Err())
}

// Add relates objs (saved objects of T); existing pairs are left alone. On an M2M
// with a through model it creates through rows with their fields' defaults (see
// AddThrough). On a reverse FK (author.articles) it points each object's FK at the
// owner, in the database with one UPDATE and in the objects given, like Django's
// add(bulk=True): no hooks or signals run.
func (r RelatedManager[T]) Add(ctx context.Context, objs ...*T) error {
	if r.err == nil && r.field.Kind != KindM2M {
		return r.reverseAdd(ctx, objs)
	}
	return r.AddThrough(ctx, nil, objs...)
}

// reverseAdd is Add on a reverse FK.
func (r RelatedManager[T]) reverseAdd(ctx context.Context, objs []*T) error {
	keys, err := keysOf(objs)
	if err != nil || len(keys) == 0 {
		return err
	}
	if err := r.reverseUpdate(ctx, keys, r.ownerPK, nil); err != nil {
		return err
	}
	for _, o := range objs {
		setRelKey(r.field, unsafe.Pointer(o), r.ownerPK)
	}
	return nil
}

// reverseUpdate sets the FK of the rows of T whose keys are given (all the owner's
// rows when keys is nil) to value, a key or nil; only rows pointing at the owner
// change when onlyOwner is set.
func (r RelatedManager[T]) reverseUpdate(ctx context.Context, keys []any, value any, onlyOwner *bool) error {
	m := r.field.Model
	return r.db.Atomic(ctx, func(ctx context.Context, tx *DB) error {
		for _, ch := range chunks(keys, chunkSize(tx.dialect)-2) {
			q := Q[T](tx).Filter(m.PK.Name+"__in", ch)
			if onlyOwner != nil {
				q = q.Filter(r.field.Name, r.ownerPK)
			}
			if _, err := q.Update(ctx, Set(r.field.Name, value)); err != nil {
				return err
			}
		}
		if keys == nil && onlyOwner != nil {
			_, err := Q[T](tx).Filter(r.field.Name, r.ownerPK).Update(ctx, Set(r.field.Name, value))
			return err
		}
		return nil
	})
}

// setRelKey sets the FK field f of the object at p to key (nil unsets it).
func setRelKey(f *Field, p unsafe.Pointer, key any) {
	v := reflect.NewAt(f.GoType, unsafe.Add(p, f.offset)).Interface()
	if s, ok := v.(interface{ SetID(any) }); ok {
		s.SetID(key)
	}
}

// errNotNullable refuses Remove, Clear and Set on a reverse FK that cannot be NULL
// (Django's managers have no remove() or clear() there either).
func (r RelatedManager[T]) errNotNullable(op string) error {
	if r.field.Null {
		return nil
	}
	return fmt.Errorf("orm: %s.%s is not nullable, so %s cannot %s its rows: delete them, or point them at another %s", r.field.Model.Name, r.field.Name, r.field.Rel.RelatedName, op, r.owner.Name)
}

// reverseRemove is Remove on a reverse FK: it sets the FK of the owner's rows among
// keys to NULL; a row that does not point at the owner is an error, as in Django.
func (r RelatedManager[T]) reverseRemove(ctx context.Context, objs []*T) error {
	if err := r.errNotNullable("remove"); err != nil {
		return err
	}
	keys, err := keysOf(objs)
	if err != nil || len(keys) == 0 {
		return err
	}
	err = r.db.Atomic(ctx, func(ctx context.Context, tx *DB) error {
		n, err := Q[T](tx).Filter(r.field.Model.PK.Name+"__in", keys, r.field.Name, r.ownerPK).Count(ctx)
		if err != nil {
			return err
		}
		if int(n) != len(uniqueKeys(keys)) {
			return fmt.Errorf("orm: Remove: some %s objects are not related to this %s", r.field.Model.Name, r.owner.Name)
		}
		only := true
		return RelatedManager[T]{db: tx, owner: r.owner, ownerPK: r.ownerPK, field: r.field}.reverseUpdate(ctx, keys, nil, &only)
	})
	if err != nil {
		return err
	}
	for _, o := range objs {
		setRelKey(r.field, unsafe.Pointer(o), nil)
	}
	return nil
}

func uniqueKeys(keys []any) map[any]bool {
	out := make(map[any]bool, len(keys))
	for _, k := range keys {
		out[normKey(k)] = true
	}
	return out
}

// AddThrough is Add that fills the other fields of the through model's new rows from
// values (field name to value), like Django's add(..., through_defaults=...). The
// rows are created with DB.Create, so the through model's defaults, hooks and signals
// apply. On an M2M without a through model values must be empty.
func (r RelatedManager[T]) AddThrough(ctx context.Context, values map[string]any, objs ...*T) error {
	keys, err := keysOf(objs)
	if err != nil {
		return err
	}
	return r.addKeys(ctx, keys, values)
}

// throughFields returns the through model and its FK fields to the owner's side and
// to the other side.
func (r RelatedManager[T]) throughFields(src, dst string) (tm *ModelInfo, own, other *Field, err error) {
	tm, err = infoOfType(r.field.Rel.Through)
	if err != nil {
		return nil, nil, nil, err
	}
	for _, f := range tm.concrete {
		switch f.Column {
		case src:
			own = f
		case dst:
			other = f
		}
	}
	if own == nil || other == nil {
		return nil, nil, nil, fmt.Errorf("orm: through model %s has no columns %s and %s", tm.Name, src, dst)
	}
	return tm, own, other, nil
}

func (r RelatedManager[T]) addKeys(ctx context.Context, keys []any, values map[string]any) error {
	src, dst, err := r.m2m("add")
	if err != nil {
		return err
	}
	through := r.field.Rel.throughName != ""
	if !through && len(values) > 0 {
		return fmt.Errorf("orm: %s.%s has no through model to take values", r.field.Model.Name, r.field.Name)
	}
	if len(keys) == 0 {
		return nil
	}
	return r.db.Atomic(ctx, func(ctx context.Context, tx *DB) error {
		have, err := r.current(ctx, tx, src, dst)
		if err != nil {
			return err
		}
		missing := make([]any, 0, len(keys))
		for _, k := range keys {
			if !have[normKey(k)] {
				have[normKey(k)] = true
				missing = append(missing, k)
			}
		}
		if err := r.sendM2M(ctx, tx, M2MPreAdd, missing); err != nil {
			return err
		}
		d := tx.dialect
		for _, k := range missing {
			if through {
				tm, own, other, err := r.throughFields(src, dst)
				if err != nil {
					return err
				}
				if _, clash := values[own.Name]; clash {
					return &FieldError{Model: tm.Name, Field: own.Name, Msg: "is set by the relation, not by the values"}
				}
				if _, clash := values[other.Name]; clash {
					return &FieldError{Model: tm.Name, Field: other.Name, Msg: "is set by the relation, not by the values"}
				}
				row := reflect.New(tm.Type)
				p := row.UnsafePointer()
				if err := applyDefaults(tm, p); err != nil {
					return err
				}
				if err := setFields(tm, p, map[string]any{own.Name: r.ownerPK, other.Name: k}, values); err != nil {
					return err
				}
				if err := tx.Create(ctx, row.Interface()); err != nil {
					return err
				}
				continue
			}
			q := "INSERT INTO " + d.QuoteIdent(r.field.Rel.ThroughTable) + " (" + d.QuoteIdent(src) + ", " + d.QuoteIdent(dst) + ") VALUES (" + d.Placeholder(1) + ", " + d.Placeholder(2) + ")"
			if _, err := tx.exec(ctx, q, []any{r.ownerPK, k}); err != nil {
				return err
			}
		}
		return r.sendM2M(ctx, tx, M2MPostAdd, missing)
	})
}

// Remove unrelates objs. On a reverse FK it sets their FK to NULL (the FK must be
// nullable, and the objects related to the owner).
func (r RelatedManager[T]) Remove(ctx context.Context, objs ...*T) error {
	if r.err == nil && r.field.Kind != KindM2M {
		return r.reverseRemove(ctx, objs)
	}
	keys, err := keysOf(objs)
	if err != nil {
		return err
	}
	return r.removeKeys(ctx, keys)
}

func (r RelatedManager[T]) removeKeys(ctx context.Context, keys []any) error {
	src, dst, err := r.m2m("remove")
	if err != nil || len(keys) == 0 {
		return err
	}
	return r.withM2MSignals(ctx, M2MPreRemove, M2MPostRemove, keys, func(ctx context.Context, r RelatedManager[T]) error {
		d := r.db.dialect
		if r.field.Rel.throughName != "" {
			return r.deleteThrough(ctx, src, dst, keys)
		}
		for _, ch := range chunks(keys, chunkSize(d)-1) {
			q := "DELETE FROM " + d.QuoteIdent(r.field.Rel.ThroughTable) + " WHERE " + d.QuoteIdent(src) + " = " + d.Placeholder(1) +
				" AND " + d.QuoteIdent(dst) + " IN (" + placeholders(d, 1, len(ch)) + ")"
			if _, err := r.db.exec(ctx, q, append([]any{r.ownerPK}, ch...)); err != nil {
				return err
			}
		}
		return nil
	})
}

// Clear unrelates every object (on a reverse FK, sets the FK of the owner's rows to
// NULL; it must be nullable).
func (r RelatedManager[T]) Clear(ctx context.Context) error {
	if r.err == nil && r.field.Kind != KindM2M {
		if err := r.errNotNullable("clear"); err != nil {
			return err
		}
		_, err := r.Query().Update(ctx, Set(r.field.Name, nil))
		return err
	}
	src, dst, err := r.m2m("clear")
	if err != nil {
		return err
	}
	return r.withM2MSignals(ctx, M2MPreClear, M2MPostClear, nil, func(ctx context.Context, r RelatedManager[T]) error {
		d := r.db.dialect
		if r.field.Rel.throughName != "" {
			return r.deleteThrough(ctx, src, dst, nil)
		}
		_, err := r.db.exec(ctx, "DELETE FROM "+d.QuoteIdent(r.field.Rel.ThroughTable)+" WHERE "+d.QuoteIdent(src)+" = "+d.Placeholder(1), []any{r.ownerPK})
		return err
	})
}

// Set makes objs exactly the related objects (removing the others, adding the new).
// On a reverse FK the removed ones get a NULL FK (it must be nullable).
func (r RelatedManager[T]) Set(ctx context.Context, objs ...*T) error {
	keys, err := keysOf(objs)
	if err != nil {
		return err
	}
	if r.err == nil && r.field.Kind != KindM2M {
		if err := r.errNotNullable("set"); err != nil {
			return err
		}
		return r.db.Atomic(ctx, func(ctx context.Context, tx *DB) error {
			q := Q[T](tx).Filter(r.field.Name, r.ownerPK)
			if len(keys) > 0 {
				q = q.Exclude(r.field.Model.PK.Name+"__in", keys)
			}
			if _, err := q.Update(ctx, Set(r.field.Name, nil)); err != nil {
				return err
			}
			return RelatedManager[T]{db: tx, owner: r.owner, ownerPK: r.ownerPK, field: r.field}.reverseAdd(ctx, objs)
		})
	}
	src, dst, err := r.m2m("set")
	if err != nil {
		return err
	}
	return r.db.Atomic(ctx, func(ctx context.Context, tx *DB) error {
		have, err := r.current(ctx, tx, src, dst)
		if err != nil {
			return err
		}
		want := map[any]bool{}
		for _, k := range keys {
			want[normKey(k)] = true
		}
		var drop []any
		for k := range have {
			if !want[k] {
				drop = append(drop, k)
			}
		}
		r2 := r
		r2.db = tx
		if err := r2.removeKeys(ctx, drop); err != nil {
			return err
		}
		return r2.addKeys(ctx, keys, nil)
	})
}

// deleteThrough deletes the through model's rows of the owner (those pointing at keys
// when keys is not nil) with DB.Delete's on_delete handling and signals.
func (r RelatedManager[T]) deleteThrough(ctx context.Context, src, dst string, keys []any) error {
	tm, _, _, err := r.throughFields(src, dst)
	if err != nil {
		return err
	}
	d := r.db.dialect
	q := "SELECT " + d.QuoteIdent(tm.PK.Column) + " FROM " + d.QuoteIdent(tm.Table) + " WHERE " + d.QuoteIdent(src) + " = " + d.Placeholder(1)
	var pks []any
	read := func(q string, args []any) error {
		rows, err := r.db.query(ctx, q, args)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var a anyScanner
			if err := rows.Scan(&a); err != nil {
				return wrapDBErr(err)
			}
			pks = append(pks, a.v)
		}
		return wrapDBErr(rows.Err())
	}
	if keys == nil {
		if err := read(q, []any{r.ownerPK}); err != nil {
			return err
		}
	} else {
		for _, ch := range chunks(keys, chunkSize(d)-1) {
			if err := read(q+" AND "+d.QuoteIdent(dst)+" IN ("+placeholders(d, 1, len(ch))+")", append([]any{r.ownerPK}, ch...)); err != nil {
				return err
			}
		}
	}
	_, err = r.db.deletePKs(ctx, tm, pks, nil)
	return err
}

// Load returns the target of the relation, fetching it (and keeping it) when it was
// not loaded yet. A NULL relation gives ErrNotFound.
func (r *ref[T]) Load(ctx context.Context, db *DB) (*T, error) {
	if r.obj != nil {
		return r.obj, nil
	}
	if r.state == 0 {
		m, err := infoOfType(reflect.TypeFor[T]())
		if err != nil {
			return nil, err
		}
		return nil, notFound(m)
	}
	obj, err := Q[T](db).Get(ctx, "pk", r.Key())
	if err != nil {
		return nil, err
	}
	r.obj = obj
	return obj, nil
}

// Keys returns the keys of the related objects of an M2M relation, read from the
// join table alone (no query of T), in no particular order.
func (r RelatedManager[T]) Keys(ctx context.Context) ([]any, error) {
	src, dst, err := r.m2m("read")
	if err != nil {
		return nil, err
	}
	have, err := r.current(ctx, r.db, src, dst)
	if err != nil {
		return nil, err
	}
	out := make([]any, 0, len(have))
	for k := range have {
		out = append(out, k)
	}
	return out, nil
}

// SetKeys is Set with the keys of the objects instead of the objects: the rows of T
// with these keys become exactly the related objects, in one transaction, with
// M2MChanged sent as by Set. Repeated keys count once. A key with no row of T is an
// error wrapping ErrNotFound, and nothing changes; keys must have the type of T's
// primary key (int64 for the default one). Only for M2M relations.
func (r RelatedManager[T]) SetKeys(ctx context.Context, keys ...any) error {
	if _, _, err := r.m2m("set"); err != nil {
		return err
	}
	m, err := infoOfType(reflect.TypeFor[T]())
	if err != nil {
		return err
	}
	return r.db.Atomic(ctx, func(ctx context.Context, tx *DB) error {
		found, err := Q[T](tx).InBulk(ctx, keys)
		if err != nil {
			return err
		}
		have := make(map[any]*T, len(found))
		for k, obj := range found {
			have[normKey(k)] = obj
		}
		objs := make([]*T, 0, len(found))
		seen := make(map[any]bool, len(found))
		for _, k := range keys {
			nk := normKey(k)
			obj := have[nk]
			if obj == nil {
				return fmt.Errorf("orm: %s.%s: no %s with key %v: %w", r.owner.Name, r.field.Name, m.Name, k, ErrNotFound)
			}
			if !seen[nk] {
				seen[nk] = true
				objs = append(objs, obj)
			}
		}
		r2 := r
		r2.db = tx
		return r2.Set(ctx, objs...)
	})
}
