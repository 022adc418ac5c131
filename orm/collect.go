package orm

import (
	"context"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"
)

// DeletePlan is what deleting some rows would do, found without deleting anything:
// the rows a cascade removes, model by model, and the relations that would refuse
// the delete. It is Django's Collector as the admin uses it for its confirmation
// page ("deleting this article also deletes 3 comments").
type DeletePlan struct {
	// Deletes lists the rows that would go, per model, in the order they were
	// found: the rows asked for first, then what cascades from them.
	Deletes []DeleteGroup
	// Protected lists the relations that would refuse the delete (on_delete=protect,
	// or restrict when the referring rows are not deleted by the same cascade). A
	// plan with any cannot be carried out.
	Protected []*ProtectedError
}

// DeleteGroup is the rows of one model a delete would remove.
type DeleteGroup struct {
	Model *ModelInfo
	PKs   []any
}

// Count returns the number of rows the plan deletes, all models together.
func (p *DeletePlan) Count() int {
	n := 0
	for _, g := range p.Deletes {
		n += len(g.PKs)
	}
	return n
}

// CollectDelete plans the delete of the rows of model m with the given primary
// keys: it follows on_delete across the relation graph like DB.Delete and
// QuerySet.Delete do, reading keys only, and changes nothing.
func CollectDelete(ctx context.Context, db *DB, m *ModelInfo, pks []any) (*DeletePlan, error) {
	if m == nil || m.PK == nil {
		return nil, fmt.Errorf("orm: CollectDelete needs a registered model")
	}
	plan := &DeletePlan{}
	if len(pks) == 0 {
		return plan, nil
	}
	c := &collector{db: db, deletes: map[*ModelInfo][]any{}, batches: map[*ModelInfo][][]any{}, seen: map[*ModelInfo]map[any]bool{}}
	if err := c.add(ctx, m, pks); err != nil {
		return nil, err
	}
	for _, mm := range c.order {
		if len(c.deletes[mm]) > 0 {
			plan.Deletes = append(plan.Deletes, DeleteGroup{Model: mm, PKs: c.deletes[mm]})
		}
	}
	for _, p := range c.protect {
		if !p.strict {
			all := true
			for _, pk := range p.pks {
				if !c.seen[p.field.Model][normKey(pk)] {
					all = false
					break
				}
			}
			if all {
				continue
			}
		}
		plan.Protected = append(plan.Protected, &ProtectedError{Model: p.field.Model.Name, Field: p.field.Name, PKs: p.pks, Deleting: p.model.Name})
	}
	return plan, nil
}

// LoadPKs reads the rows of model m with the given primary keys, as pointers to
// new structs of the model's type, in primary key order; at most limit rows when
// limit is positive. Relations are not loaded (FK fields hold their keys). It is
// for code that works on models it knows only by their metadata (the admin's
// delete confirmation), where Q[T] needs the type.
func LoadPKs(ctx context.Context, db *DB, m *ModelInfo, pks []any, limit int) ([]any, error) {
	if len(pks) == 0 {
		return nil, nil
	}
	d := db.dialect
	cols := make([]string, len(m.concrete))
	for i, f := range m.concrete {
		cols[i] = d.QuoteIdent(f.Column)
	}
	var out []any
	rr := newRowReader(&selectPlan{fields: m.concrete})
	for _, ch := range chunks(pks, chunkSize(d)) {
		q := "SELECT " + strings.Join(cols, ", ") + " FROM " + d.QuoteIdent(m.Table) + " WHERE " + d.QuoteIdent(m.PK.Column) +
			" IN (" + placeholders(d, 0, len(ch)) + ") ORDER BY " + d.QuoteIdent(m.PK.Column)
		if limit > 0 {
			q += " LIMIT " + strconv.Itoa(limit-len(out))
		}
		rows, err := db.query(ctx, q, ch)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			obj := reflect.New(m.Type)
			if err := rr.scan(rows, obj.UnsafePointer()); err != nil {
				rows.Close()
				return nil, err
			}
			out = append(out, obj.Interface())
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, wrapDBErr(err)
		}
		if limit > 0 && len(out) >= limit {
			break
		}
	}
	return out, nil
}

// ParsePK converts text — a primary key as it appears in a URL — to the Go value
// of model m's key field, for lookups by key. Text that cannot be such a key (not
// a number for an integer key, not a UUID for a UUID key, longer than a varchar
// key) is an error wrapping ErrNotFound, so a handler that returns it answers 404.
func ParsePK(m *ModelInfo, s string) (any, error) {
	if m == nil || m.PK == nil {
		return nil, fmt.Errorf("orm: ParsePK needs a registered model")
	}
	f := m.PK
	bad := func() (any, error) {
		return nil, fmt.Errorf("%w: %q is not a %s key of %s", ErrNotFound, clipText(s), f.Kind, m.Name)
	}
	t := f.GoType
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, err := strconv.ParseInt(s, 10, t.Bits())
		if err != nil || strconv.FormatInt(n, 10) != s { // canonical only: no "+4", "007", "-0"
			return bad()
		}
		return reflect.ValueOf(n).Convert(t).Interface(), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, err := strconv.ParseUint(s, 10, t.Bits())
		if err != nil || strconv.FormatUint(n, 10) != s {
			return bad()
		}
		return reflect.ValueOf(n).Convert(t).Interface(), nil
	case reflect.String:
		if s == "" || !utf8.ValidString(s) || strings.IndexByte(s, 0) >= 0 || f.MaxLength > 0 && utf8.RuneCountInString(s) > f.MaxLength {
			return bad()
		}
		return reflect.ValueOf(s).Convert(t).Interface(), nil
	}
	if t == reflect.TypeFor[UUID]() {
		u, err := ParseUUID(s)
		if err != nil {
			return bad()
		}
		return u, nil
	}
	return nil, fmt.Errorf("orm: ParsePK: %s's key of type %s cannot be parsed from text", m.Name, t)
}

// clip bounds text quoted in an error message.
func clipText(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}
