package dbtools

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"

	"github.com/galvani-web/galvani/orm"
)

// DumpOptions controls Dump.
type DumpOptions struct {
	// Models are the models to dump, in order. Empty means every registered model.
	Models []*orm.ModelInfo
	// Indent pretty-prints with this many spaces per level (Django's --indent); 0
	// writes the compact form.
	Indent int
	// NaturalForeign writes references (foreign keys, many-to-many lists) to rows
	// of models with a natural key (see NaturalKeyer) as that key, a list of
	// values, instead of the primary key (Django's --natural-foreign). The models
	// are then put in Django's dependency order: a model with a natural key comes
	// before the models that refer to it, so that Django's loaddata, which looks
	// natural keys up as it goes, finds the rows.
	NaturalForeign bool
	// NaturalPrimary leaves the primary key out of the objects of models with a
	// natural key (Django's --natural-primary): loading finds the row by its
	// natural key, or inserts it with a new key.
	NaturalPrimary bool
}

// Dump writes the rows of the models as a Django JSON fixture:
//
//	[{"model": "blog.article", "pk": 1, "fields": {"title": "...", "author": 3, "tags": [1, 2]}}]
//
// Each model's rows come in primary key order; fields in declaration order, then the
// many-to-many fields (lists of keys, for automatic join tables only: rows of an
// explicit through model are dumped as that model's own). Relations are written as
// the target's primary key, datetimes as UTC ISO 8601 with milliseconds and "Z",
// dates as YYYY-MM-DD, decimals as strings with the field's decimal places, UUIDs as
// strings and bytes as base64: what Django's dumpdata writes for the same models, byte
// for byte. It returns the number of objects written.
func Dump(ctx context.Context, db *orm.DB, w io.Writer, opts DumpOptions) (int, error) {
	models := opts.Models
	if len(models) == 0 {
		models = orm.Models()
	}
	if opts.Indent < 0 {
		return 0, fmt.Errorf("dbtools: negative indent %d", opts.Indent)
	}
	bw := bufio.NewWriter(w)
	var buf bytes.Buffer
	n := 0
	nat := &natural{ctx: ctx, db: db, opts: opts, fields: map[*orm.ModelInfo][]*orm.Field{},
		keysOf: map[*orm.ModelInfo]naturalKeys{}, checked: map[*orm.ModelInfo]bool{}}
	if opts.NaturalForeign {
		var err error
		if models, err = nat.sortDependencies(models); err != nil {
			return 0, err
		}
	}
	bw.WriteString("[")
	for _, m := range models {
		m2m := dumpableM2M(m)
		if err := nat.prepare(m, m2m); err != nil {
			return n, fmt.Errorf("dumpdata %s: %w", m.Label(), err)
		}
		write := func(obj any) error {
			o, err := dumpObject(ctx, db, m, m2m, obj, nat)
			if err != nil {
				return err
			}
			if n > 0 {
				bw.WriteString(",")
				if opts.Indent == 0 {
					bw.WriteString(" ")
				}
			}
			if opts.Indent > 0 {
				bw.WriteString("\n")
			}
			buf.Reset()
			writeJSON(&buf, o, opts.Indent, 0)
			n++
			_, err = bw.Write(buf.Bytes())
			return err
		}
		var err error
		if len(m2m) == 0 {
			// stream: nothing else is queried while the rows are read
			err = orm.EachRow(ctx, db, m, write)
		} else {
			// read the rows first: the many-to-many queries must not wait for the
			// connection the row cursor holds (an in-memory SQLite database has one)
			var objs []any
			err = orm.EachRow(ctx, db, m, func(obj any) error {
				objs = append(objs, obj)
				return nil
			})
			for _, obj := range objs {
				if err != nil {
					break
				}
				err = write(obj)
			}
		}
		if err != nil {
			return n, fmt.Errorf("dumpdata %s: %w", m.Label(), err)
		}
	}
	if opts.Indent > 0 {
		bw.WriteString("\n")
	}
	bw.WriteString("]")
	if opts.Indent > 0 {
		bw.WriteString("\n")
	}
	return n, bw.Flush()
}

// dumpableM2M returns the many-to-many fields whose links a fixture carries: those
// with an automatic join table.
func dumpableM2M(m *orm.ModelInfo) []*orm.Field {
	var out []*orm.Field
	for _, f := range m.ManyToManyFields() {
		if f.Rel.Through == nil {
			out = append(out, f)
		}
	}
	return out
}

func modelLabel(m *orm.ModelInfo) string { return m.App + "." + m.ModelName }

func dumpObject(ctx context.Context, db *orm.DB, m *orm.ModelInfo, m2m []*orm.Field, obj any, nat *natural) (*object, error) {
	rv := reflect.ValueOf(obj).Elem()
	pk, err := orm.PKValue(obj)
	if err != nil {
		return nil, err
	}
	pkv, err := keyValue(pk)
	if err != nil {
		return nil, err
	}
	fields := &object{}
	for _, f := range m.ConcreteFields() {
		if f == m.PK {
			continue
		}
		v, err := dumpValue(rv, f)
		if err != nil {
			return nil, fmt.Errorf("pk %v: %w", pk, err)
		}
		if v != nil && (f.Kind == orm.KindFK || f.Kind == orm.KindO2O) {
			if v, err = nat.reference(f, v); err != nil {
				return nil, fmt.Errorf("pk %v: field %s: %w", pk, f.Name, err)
			}
		}
		fields.set(f.Name, v)
	}
	for _, f := range m2m {
		keys, err := m2mKeys(ctx, db, f, pk)
		if err != nil {
			return nil, fmt.Errorf("pk %v: field %s: %w", pk, f.Name, err)
		}
		for i, k := range keys {
			if keys[i], err = nat.reference(f, k); err != nil {
				return nil, fmt.Errorf("pk %v: field %s: %w", pk, f.Name, err)
			}
		}
		fields.set(f.Name, keys)
	}
	o := &object{}
	o.set("model", modelLabel(m))
	omitPK := false
	if nat.opts.NaturalPrimary {
		nk, err := nat.keyFields(m)
		if err != nil {
			return nil, err
		}
		omitPK = nk != nil
	}
	if !omitPK {
		o.set("pk", pkv)
	}
	o.set("fields", fields)
	return o, nil
}

// reference returns what a relation field f holding key (as Dump writes keys)
// writes: the target's natural key with NaturalForeign when it has one, else key.
func (n *natural) reference(f *orm.Field, key any) (any, error) {
	if !n.opts.NaturalForeign {
		return key, nil
	}
	target, err := f.Rel.Target()
	if err != nil {
		return nil, err
	}
	vals, ok, err := n.foreign(target, key)
	if err != nil || !ok {
		return key, err
	}
	return vals, nil
}

// m2mKeys lists the keys linked to pk through an automatic join table, in the
// target model's default ordering (Meta.Ordering, then key order), as Django's
// dumpdata lists them.
func m2mKeys(ctx context.Context, db *orm.DB, f *orm.Field, pk any) ([]any, error) {
	d := db.Dialect()
	target, err := f.Rel.Target()
	if err != nil {
		return nil, err
	}
	q := "SELECT " + d.QuoteIdent(f.Rel.TargetColumn) + " FROM " + d.QuoteIdent(f.Rel.ThroughTable) +
		" WHERE " + d.QuoteIdent(f.Rel.SourceColumn) + " = ? ORDER BY " + d.QuoteIdent(f.Rel.TargetColumn)
	if order, ok := orderColumns(d, target, "t"); ok {
		q = "SELECT j." + d.QuoteIdent(f.Rel.TargetColumn) + " FROM " + d.QuoteIdent(f.Rel.ThroughTable) + " j JOIN " +
			d.QuoteIdent(target.Table) + " t ON t." + d.QuoteIdent(target.PK.Column) + " = j." + d.QuoteIdent(f.Rel.TargetColumn) +
			" WHERE j." + d.QuoteIdent(f.Rel.SourceColumn) + " = ? ORDER BY " + order + ", j." + d.QuoteIdent(f.Rel.TargetColumn)
	}
	rows, err := db.Query(ctx, q, pk)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []any{}
	for rows.Next() {
		dst := reflect.New(target.PK.GoType)
		if err := rows.Scan(dst.Interface()); err != nil {
			return nil, err
		}
		v, err := keyValue(dst.Elem().Interface())
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// orderColumns turns m's Meta.Ordering into ORDER BY terms on the table alias,
// when every entry is a field of m's own ("name", "-created"); ok is false when
// m has none or one that crosses a relation.
func orderColumns(d orm.Dialect, m *orm.ModelInfo, alias string) (string, bool) {
	if len(m.Ordering) == 0 {
		return "", false
	}
	terms := make([]string, 0, len(m.Ordering))
	for _, o := range m.Ordering {
		name, desc := strings.CutPrefix(o, "-")
		f, ok := m.Field(name)
		if !ok || !f.Concrete() || strings.Contains(name, "__") {
			return "", false
		}
		term := alias + "." + d.QuoteIdent(f.Column)
		if desc {
			term += " DESC"
		}
		terms = append(terms, term)
	}
	return strings.Join(terms, ", "), true
}

// sortDependencies orders models as Django's serializers.sort_dependencies does
// for dumpdata --natural-foreign (with cycles allowed): a model comes after the
// models with a natural key it refers to by foreign key or automatic
// many-to-many, when those are dumped too; otherwise the given order is kept.
func (n *natural) sortDependencies(models []*orm.ModelInfo) ([]*orm.ModelInfo, error) {
	dumped := map[*orm.ModelInfo]bool{}
	for _, m := range models {
		dumped[m] = true
	}
	type entry struct {
		m    *orm.ModelInfo
		deps []*orm.ModelInfo
	}
	var pending []entry
	for _, m := range models {
		e := entry{m: m}
		rels := dumpableM2M(m)
		for _, f := range m.ConcreteFields() {
			if f.Kind == orm.KindFK || f.Kind == orm.KindO2O {
				rels = append(rels, f)
			}
		}
		for _, f := range rels {
			target, err := f.Rel.Target()
			if err != nil {
				return nil, err
			}
			nk, err := n.keyFields(target)
			if err != nil {
				return nil, err
			}
			if nk != nil && target != m {
				e.deps = append(e.deps, target)
			}
		}
		pending = append(pending, e)
	}
	slices.Reverse(pending) // Django pops from the end
	var out []*orm.ModelInfo
	placed := map[*orm.ModelInfo]bool{}
	for len(pending) > 0 {
		var skipped []entry
		changed := false
		for len(pending) > 0 {
			e := pending[len(pending)-1]
			pending = pending[:len(pending)-1]
			ready := true
			for _, d := range e.deps {
				if dumped[d] && !placed[d] {
					ready = false
					break
				}
			}
			if ready {
				out = append(out, e.m)
				placed[e.m] = true
				changed = true
			} else {
				skipped = append(skipped, e)
			}
		}
		if !changed {
			// A cycle: take the last model put off and ignore its dependencies.
			e := skipped[len(skipped)-1]
			skipped = skipped[:len(skipped)-1]
			out = append(out, e.m)
			placed[e.m] = true
		}
		pending = skipped
	}
	return out, nil
}
