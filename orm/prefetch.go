package orm

import (
	"context"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"unsafe"
)

// prefetch loads the relations named by paths for n objects of model m laid out every
// stride bytes from base.
func prefetch(ctx context.Context, db *DB, m *ModelInfo, base unsafe.Pointer, n, stride int, paths []string) error {
	objs := make([]unsafe.Pointer, n)
	for i := range objs {
		objs[i] = unsafe.Add(base, i*stride)
	}
	return prefetchPaths(ctx, db, m, objs, paths)
}

// prefetchPaths groups paths by their first relation, so "articles__comments" and
// "articles__tags" load the articles once.
func prefetchPaths(ctx context.Context, db *DB, m *ModelInfo, objs []unsafe.Pointer, paths []string) error {
	var order []string
	rests := map[string][]string{}
	for _, p := range paths {
		name, rest, _ := strings.Cut(p, "__")
		if _, seen := rests[name]; !seen {
			order = append(order, name)
			rests[name] = nil
		}
		if rest != "" {
			rests[name] = append(rests[name], rest)
		}
	}
	for _, name := range order {
		if err := prefetchOne(ctx, db, m, objs, name, rests[name]); err != nil {
			return err
		}
	}
	return nil
}

// prefetchOne loads relation name of objs and then, recursively, rests on the loaded
// objects.
func prefetchOne(ctx context.Context, db *DB, m *ModelInfo, objs []unsafe.Pointer, name string, rests []string) error {
	if len(objs) == 0 {
		return nil
	}
	f, ok := m.byName[name]
	if !ok {
		if rev, ok := m.reverse(name); ok {
			return prefetchReverse(ctx, db, m, objs, rev, rests)
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
	assign := func() {}
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
			rows, err := db.read(ctx, q, ch)
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
		rank := loadRanks(targets, t)
		assign = func() {
			for _, o := range objs {
				var ps []unsafe.Pointer
				for _, tk := range inLoadOrder(pairs[normKey(pkOf(m, o))], rank) {
					if p, ok := byKey[tk]; ok {
						ps = append(ps, p)
					}
				}
				reflect.NewAt(f.GoType, unsafe.Add(o, f.offset)).Interface().(itemsSetter).setItems(ps)
			}
		}
		loaded = targets
	}
	if len(rests) > 0 {
		if err := prefetchPaths(ctx, db, t, loaded, rests); err != nil {
			return err
		}
	}
	// M2M items are copied into the owners: after the nested prefetches filled them
	assign()
	return nil
}

// loadRanks maps the keys of rows of t that loadByKeys loaded to their place, when t
// has a default ordering (nil otherwise: key order, that of the join table).
func loadRanks(loaded []unsafe.Pointer, t *ModelInfo) map[any]int {
	if len(t.Ordering) == 0 {
		return nil
	}
	rank := make(map[any]int, len(loaded))
	for i, p := range loaded {
		rank[normKey(pkOf(t, p))] = i
	}
	return rank
}

// inLoadOrder sorts keys read from a join table by rank (see loadRanks), so M2M
// items follow the target's default ordering.
func inLoadOrder(keys []any, rank map[any]int) []any {
	if len(keys) < 2 || rank == nil {
		return keys
	}
	out := append([]any(nil), keys...)
	sort.SliceStable(out, func(i, j int) bool { return rank[out[i]] < rank[out[j]] })
	return out
}

func bytesToString(v any) any {
	if b, ok := v.([]byte); ok {
		return string(b)
	}
	return v
}

// itemsSetter is implemented by *M2M[T].
type itemsSetter interface{ setItems(ps []unsafe.Pointer) }

func (r *Reverse[T]) setItems(ps []unsafe.Pointer) {
	r.items = make([]T, len(ps))
	for i, p := range ps {
		r.items[i] = *(*T)(p)
	}
	r.loaded = true
}

// prefetchReverse loads a reverse relation into the owners' Reverse field.
func prefetchReverse(ctx context.Context, db *DB, m *ModelInfo, objs []unsafe.Pointer, rev ReverseRelation, rests []string) error {
	var holder *Field
	for _, rf := range m.revs {
		if rf.Name == rev.Name {
			holder = rf
		}
	}
	if holder == nil {
		return &FieldError{Model: m.Name, Field: rev.Name, Msg: fmt.Sprintf("to prefetch this reverse relation, declare a field %s orm.Reverse[%s] `orm:\"related_name=%s\"` (or query it with orm.Related)",
			exportName(rev.Name), rev.Field.Model.Name, rev.Name)}
	}
	if holder.Rel.TargetType != rev.Field.Model.Type {
		return &FieldError{Model: m.Name, Field: holder.GoName, Msg: fmt.Sprintf("is Reverse[%s] but %s comes from %s", holder.Rel.TargetType.Name(), rev.Name, rev.Field.Model.Name)}
	}
	other := rev.Field.Model
	d := db.dialect
	keys := make([]any, 0, len(objs))
	for _, o := range objs {
		keys = append(keys, pkOf(m, o))
	}
	groups := map[any][]unsafe.Pointer{}
	var loaded []unsafe.Pointer
	if rev.Field.Kind == KindM2M {
		if err := resolveThrough(rev.Field); err != nil {
			return err
		}
		r := rev.Field.Rel
		pairs := map[any][]any{}
		var srcKeys []any
		seen := map[any]bool{}
		for _, ch := range chunks(keys, chunkSize(d)) {
			q := "SELECT " + d.QuoteIdent(r.TargetColumn) + ", " + d.QuoteIdent(r.SourceColumn) + " FROM " + d.QuoteIdent(r.ThroughTable) +
				" WHERE " + d.QuoteIdent(r.TargetColumn) + " IN (" + placeholders(d, 0, len(ch)) + ") ORDER BY " + d.QuoteIdent(r.SourceColumn)
			rows, err := db.read(ctx, q, ch)
			if err != nil {
				return err
			}
			for rows.Next() {
				var ta, sa anyScanner
				if err := rows.Scan(&ta, &sa); err != nil {
					rows.Close()
					return wrapDBErr(err)
				}
				t, s := normKey(ta.v), normKey(sa.v)
				pairs[t] = append(pairs[t], s)
				if !seen[s] {
					seen[s] = true
					srcKeys = append(srcKeys, s)
				}
			}
			err = rows.Err()
			rows.Close()
			if err != nil {
				return wrapDBErr(err)
			}
		}
		srcs, err := loadByKeys(ctx, db, other, other.PK.Column, srcKeys)
		if err != nil {
			return err
		}
		byKey := map[any]unsafe.Pointer{}
		for _, p := range srcs {
			byKey[normKey(pkOf(other, p))] = p
		}
		rank := loadRanks(srcs, other)
		for t, ss := range pairs {
			for _, s := range inLoadOrder(ss, rank) {
				if p, ok := byKey[s]; ok {
					groups[t] = append(groups[t], p)
				}
			}
		}
		loaded = srcs
	} else {
		rows, err := loadByKeys(ctx, db, other, rev.Field.Column, keys)
		if err != nil {
			return err
		}
		for _, p := range rows {
			k := reflect.NewAt(rev.Field.GoType, unsafe.Add(p, rev.Field.offset)).Interface().(interface{ Key() any }).Key()
			groups[normKey(k)] = append(groups[normKey(k)], p)
		}
		loaded = rows
	}
	if len(rests) > 0 {
		if err := prefetchPaths(ctx, db, other, loaded, rests); err != nil {
			return err
		}
	}
	for _, o := range objs {
		reflect.NewAt(holder.GoType, unsafe.Add(o, holder.offset)).Interface().(itemsSetter).setItems(groups[normKey(pkOf(m, o))])
	}
	return nil
}

func exportName(s string) string {
	parts := strings.Split(s, "_")
	for i, p := range parts {
		if p != "" {
			parts[i] = strings.ToUpper(p[:1]) + p[1:]
		}
	}
	return strings.Join(parts, "")
}

func (m *M2M[T]) setItems(ps []unsafe.Pointer) {
	m.items = make([]T, len(ps))
	for i, p := range ps {
		m.items[i] = *(*T)(p)
	}
	m.loaded = true
}

// loadByKeys loads rows of t whose col is in keys, in chunks, in t's default ordering
// (Meta.Ordering, then the key) as Django's prefetch does; it returns pointers to new
// objects.
func loadByKeys(ctx context.Context, db *DB, t *ModelInfo, col string, keys []any) ([]unsafe.Pointer, error) {
	d := db.dialect
	cols := make([]string, len(t.concrete))
	for i, f := range t.concrete {
		cols[i] = d.QuoteIdent(f.Column)
	}
	var order []string
	for _, o := range t.Ordering {
		if f, ok := t.byName[strings.TrimPrefix(o, "-")]; ok && f.Concrete() && f != t.PK {
			dir := " ASC"
			if strings.HasPrefix(o, "-") {
				dir = " DESC"
			}
			order = append(order, d.QuoteIdent(f.Column)+dir)
		}
	}
	order = append(order, d.QuoteIdent(t.PK.Column))
	var out []unsafe.Pointer
	rr := newRowReader(&selectPlan{fields: t.concrete})
	for _, ch := range chunks(keys, chunkSize(d)) {
		q := "SELECT " + strings.Join(cols, ", ") + " FROM " + d.QuoteIdent(t.Table) + " WHERE " + d.QuoteIdent(col) + " IN (" + placeholders(d, 0, len(ch)) + ") ORDER BY " + strings.Join(order, ", ")
		rows, err := db.read(ctx, q, ch)
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
