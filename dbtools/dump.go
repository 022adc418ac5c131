package dbtools

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"reflect"

	"github.com/galvani-web/galvani/orm"
)

// DumpOptions controls Dump.
type DumpOptions struct {
	// Models are the models to dump, in order. Empty means every registered model.
	Models []*orm.ModelInfo
	// Indent pretty-prints with this many spaces per level (Django's --indent); 0
	// writes the compact form.
	Indent int
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
	bw.WriteString("[")
	for _, m := range models {
		m2m := dumpableM2M(m)
		write := func(obj any) error {
			o, err := dumpObject(ctx, db, m, m2m, obj)
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

func dumpObject(ctx context.Context, db *orm.DB, m *orm.ModelInfo, m2m []*orm.Field, obj any) (*object, error) {
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
		fields.set(f.Name, v)
	}
	for _, f := range m2m {
		keys, err := m2mKeys(ctx, db, f, pk)
		if err != nil {
			return nil, fmt.Errorf("pk %v: field %s: %w", pk, f.Name, err)
		}
		fields.set(f.Name, keys)
	}
	o := &object{}
	o.set("model", modelLabel(m))
	o.set("pk", pkv)
	o.set("fields", fields)
	return o, nil
}

// m2mKeys lists the keys linked to pk through an automatic join table, in key order.
func m2mKeys(ctx context.Context, db *orm.DB, f *orm.Field, pk any) ([]any, error) {
	d := db.Dialect()
	q := "SELECT " + d.QuoteIdent(f.Rel.TargetColumn) + " FROM " + d.QuoteIdent(f.Rel.ThroughTable) +
		" WHERE " + d.QuoteIdent(f.Rel.SourceColumn) + " = ? ORDER BY " + d.QuoteIdent(f.Rel.TargetColumn)
	target, err := f.Rel.Target()
	if err != nil {
		return nil, err
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
