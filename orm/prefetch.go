package orm

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"unsafe"
)

// prefetch loads the relations named by paths for n objects of model m laid out every
// stride bytes from base.
func prefetch(ctx context.Context, db *DB, m *ModelInfo, base unsafe.Pointer, n, stride int, paths []string) error {
	for _, path := range paths {
		name, rest, _ := strings.Cut(path, "__")
		objs := make([]unsafe.Pointer, n)
		for i := range objs {
			objs[i] = unsafe.Add(base, i*stride)
		}
		if err := prefetchOne(ctx, db, m, objs, name, rest); err != nil {
			return err
		}
	}
	return nil
}

// prefetchOne loads relation name of objs and then, recursively, rest on the loaded
// objects.
func prefetchOne(ctx context.Context, db *DB, m *ModelInfo, objs []unsafe.Pointer, name, rest string) error {
	if len(objs) == 0 {
		return nil
	}
	f, ok := m.byName[name]
	if !ok {
		if rev, ok := m.reverse(name); ok {
			return &FieldError{Model: m.Name, Field: name, Msg: fmt.Sprintf("reverse relation from %s: query it with orm.Related or a Filter on %s", rev.Field.Model.Name, rev.Field.Name)}
		}
		return unknownField(m, name)
	}
	if f.Rel == nil {
		return &FieldError{Model: m.Name, Field: name, Msg: "PrefetchRelated follows relations only"}
	}
	t, err := f.Rel.Target()
	if err != nil {
		return err
	}
	var loaded []unsafe.Pointer
	switch f.Kind {
	case KindFK, KindO2O:
		keys := map[any]bool{}
		var list []any
		for _, o := range objs {
			k := reflect.NewAt(f.GoType, unsafe.Add(o, f.offset)).Interface().(interface{ Key() any }).Key()
			if k != nil && !keys[k] {
				keys[k] = true
				list = append(list, k)
			}
		}
		targets, err := loadByKeys(ctx, db, t, t.PK.Column, list)
		if err != nil {
			return err
		}
		byKey := map[any]unsafe.Pointer{}
		for _, p := range targets {
			byKey[normKey(pkOf(t, p))] = p
		}
		for _, o := range objs {
			k := reflect.NewAt(f.GoType, unsafe.Add(o, f.offset)).Interface().(interface{ Key() any }).Key()
			if p, ok := byKey[normKey(k)]; ok {
				setRelObj(f, o, p)
			}
		}
		loaded = targets
	case KindM2M:
		if err := resolveThrough(f); err != nil {
			return err
		}
		r := f.Rel
		d := db.dialect
		var keys []any
		for _, o := range objs {
			keys = append(keys, pkOf(m, o))
		}
		pairs := map[any][]any{} // source key -> target keys
		var targetKeys []any
		seenT := map[any]bool{}
		for _, ch := range chunks(keys, chunkSize(d)) {
			q := "SELECT " + d.QuoteIdent(r.SourceColumn) + ", " + d.QuoteIdent(r.TargetColumn) + " FROM " + d.QuoteIdent(r.ThroughTable) +
				" WHERE " + d.QuoteIdent(r.SourceColumn) + " IN (" + placeholders(d, 0, len(ch)) + ") ORDER BY " + d.QuoteIdent(r.TargetColumn)
			rows, err := db.query(ctx, q, ch)
			if err != nil {
				return err
			}
			for rows.Next() {
				var sa, ta anyScanner
				if err := rows.Scan(&sa, &ta); err != nil {
					rows.Close()
					return wrapDBErr(err)
				}
				s, tk := normKey(sa.v), normKey(ta.v)
				pairs[s] = append(pairs[s], tk)
				if !seenT[tk] {
					seenT[tk] = true
					targetKeys = append(targetKeys, tk)
				}
			}
			err = rows.Err()
			rows.Close()
			if err != nil {
				return wrapDBErr(err)
			}
		}
		targets, err := loadByKeys(ctx, db, t, t.PK.Column, targetKeys)
		if err != nil {
			return err
		}
		byKey := map[any]unsafe.Pointer{}
		for _, p := range targets {
			byKey[normKey(pkOf(t, p))] = p
		}
		for _, o := range objs {
			var ps []unsafe.Pointer
			for _, tk := range pairs[normKey(pkOf(m, o))] {
				if p, ok := byKey[tk]; ok {
					ps = append(ps, p)
				}
			}
			reflect.NewAt(f.GoType, unsafe.Add(o, f.offset)).Interface().(itemsSetter).setItems(ps)
		}
		loaded = targets
	}
	if rest != "" {
		next, more, _ := strings.Cut(rest, "__")
		return prefetchOne(ctx, db, t, loaded, next, more)
	}
	return nil
}

func bytesToString(v any) any {
	if b, ok := v.([]byte); ok {
		return string(b)
	}
	return v
}

// itemsSetter is implemented by *M2M[T].
type itemsSetter interface{ setItems(ps []unsafe.Pointer) }

func (m *M2M[T]) setItems(ps []unsafe.Pointer) {
	m.items = make([]T, len(ps))
	for i, p := range ps {
		m.items[i] = *(*T)(p)
	}
	m.loaded = true
}

// loadByKeys loads rows of t whose col is in keys, in chunks; it returns pointers to
// new objects.
func loadByKeys(ctx context.Context, db *DB, t *ModelInfo, col string, keys []any) ([]unsafe.Pointer, error) {
	d := db.dialect
	cols := make([]string, len(t.concrete))
	for i, f := range t.concrete {
		cols[i] = d.QuoteIdent(f.Column)
	}
	var out []unsafe.Pointer
	rr := newRowReader(&selectPlan{fields: t.concrete})
	for _, ch := range chunks(keys, chunkSize(d)) {
		q := "SELECT " + strings.Join(cols, ", ") + " FROM " + d.QuoteIdent(t.Table) + " WHERE " + d.QuoteIdent(col) + " IN (" + placeholders(d, 0, len(ch)) + ")"
		rows, err := db.query(ctx, q, ch)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			p := reflect.New(t.Type).UnsafePointer()
			if err := rr.scan(rows, p); err != nil {
				rows.Close()
				return nil, err
			}
			out = append(out, p)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, wrapDBErr(err)
		}
	}
	return out, nil
}
