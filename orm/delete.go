package orm

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// chunkLimit, when positive, bounds IN lists below the dialect's parameter limit (tests
// set it small to exercise chunking).
var chunkLimit = 0

func chunkSize(d Dialect) int {
	n := d.MaxParams() - 100
	if n > 10000 {
		n = 10000
	}
	if chunkLimit > 0 && chunkLimit < n {
		n = chunkLimit
	}
	return n
}

func chunks(vals []any, size int) [][]any {
	var out [][]any
	for len(vals) > size {
		out = append(out, vals[:size])
		vals = vals[size:]
	}
	if len(vals) > 0 {
		out = append(out, vals)
	}
	return out
}

func placeholders(d Dialect, start, n int) string {
	ph := make([]string, n)
	for i := range ph {
		ph[i] = d.Placeholder(start + i + 1)
	}
	return strings.Join(ph, ", ")
}

// collector gathers what deleting some rows implies, like Django's Collector.
type collector struct {
	db      *DB
	order   []*ModelInfo
	deletes map[*ModelInfo][]any
	batches map[*ModelInfo][][]any // deletes in the order found: parents before children
	seen    map[*ModelInfo]map[any]bool
	updates []fieldUpdate
	m2m     []m2mDelete
	protect []protectedRef
}

type fieldUpdate struct {
	field *Field
	value any
	keys  []any // rows whose FK points at these keys
}

type m2mDelete struct {
	table, column string
	keys          []any
}

type protectedRef struct {
	field  *Field
	model  *ModelInfo
	pks    []any
	strict bool // protect (always) vs restrict (allowed when the rows are deleted anyway)
}

func (c *collector) selectPKs(ctx context.Context, m *ModelInfo, col string, keys []any) ([]any, error) {
	d := c.db.dialect
	var out []any
	for _, ch := range chunks(keys, chunkSize(d)) {
		q := "SELECT " + d.QuoteIdent(m.PK.Column) + " FROM " + d.QuoteIdent(m.Table) + " WHERE " + d.QuoteIdent(col) + " IN (" + placeholders(d, 0, len(ch)) + ")"
		rows, err := c.db.query(ctx, q, ch)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var a anyScanner
			if err := rows.Scan(&a); err != nil {
				rows.Close()
				return nil, wrapDBErr(err)
			}
			out = append(out, a.v)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, wrapDBErr(err)
		}
	}
	return out, nil
}

func (c *collector) add(ctx context.Context, m *ModelInfo, pks []any) error {
	if c.seen[m] == nil {
		c.seen[m] = map[any]bool{}
		c.order = append(c.order, m)
	}
	var fresh []any
	for _, pk := range pks {
		k := normKey(pk)
		if !c.seen[m][k] {
			c.seen[m][k] = true
			fresh = append(fresh, pk)
		}
	}
	if len(fresh) == 0 {
		return nil
	}
	c.deletes[m] = append(c.deletes[m], fresh...)
	c.batches[m] = append(c.batches[m], fresh)
	for _, f := range m.m2m {
		if err := resolveThrough(f); err != nil {
			return err
		}
		if f.Rel.throughName == "" {
			c.m2m = append(c.m2m, m2mDelete{f.Rel.ThroughTable, f.Rel.SourceColumn, fresh})
		}
	}
	for _, rev := range m.ReverseRelations() {
		rf := rev.Field
		if rf.Kind == KindM2M {
			if err := resolveThrough(rf); err != nil {
				return err
			}
			if rf.Rel.throughName == "" {
				c.m2m = append(c.m2m, m2mDelete{rf.Rel.ThroughTable, rf.Rel.TargetColumn, fresh})
			}
			continue
		}
		switch rf.Rel.OnDelete {
		case DoNothing:
			continue
		case SetNull:
			c.updates = append(c.updates, fieldUpdate{rf, nil, fresh})
			continue
		case SetDefault:
			v, _ := rf.DefaultValue()
			c.updates = append(c.updates, fieldUpdate{rf, v, fresh})
			continue
		}
		related, err := c.selectPKs(ctx, rf.Model, rf.Column, fresh)
		if err != nil {
			return err
		}
		if len(related) == 0 {
			continue
		}
		switch rf.Rel.OnDelete {
		case Cascade:
			if err := c.add(ctx, rf.Model, related); err != nil {
				return err
			}
		case Protect, Restrict:
			c.protect = append(c.protect, protectedRef{field: rf, model: m, pks: related, strict: rf.Rel.OnDelete == Protect})
		}
	}
	return nil
}

func normKey(v any) any {
	switch x := v.(type) {
	case int:
		return int64(x)
	case int32:
		return int64(x)
	case []byte:
		return string(x)
	}
	return v
}

// ProtectedError lists the rows that prevent a delete. It wraps ErrProtected.
type ProtectedError struct {
	// Model and Field name the protecting relation; PKs are the referring rows.
	Model, Field string
	PKs          []any
	Deleting     string
}

func (e *ProtectedError) Error() string {
	return fmt.Sprintf("orm: cannot delete %s: %d %s row(s) refer to it through %s.%s (on_delete=protect/restrict), e.g. pk %v",
		e.Deleting, len(e.PKs), e.Model, e.Model, e.Field, e.PKs[0])
}

func (e *ProtectedError) Unwrap() error { return ErrProtected }

// deletePKs deletes rows of m by primary key with everything on_delete implies, in one
// transaction. objs maps keys to instances, for signals.
func (db *DB) deletePKs(ctx context.Context, m *ModelInfo, pks []any, objs map[any]any) (int64, error) {
	if len(pks) == 0 {
		return 0, nil
	}
	var total int64
	err := db.Atomic(ctx, func(ctx context.Context, tx *DB) error {
		c := &collector{db: tx, deletes: map[*ModelInfo][]any{}, batches: map[*ModelInfo][][]any{}, seen: map[*ModelInfo]map[any]bool{}}
		if err := c.add(ctx, m, pks); err != nil {
			return err
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
			return &ProtectedError{Model: p.field.Model.Name, Field: p.field.Name, PKs: p.pks, Deleting: p.model.Name}
		}
		if PreDelete.has() {
			for _, mm := range c.order {
				for _, pk := range c.deletes[mm] {
					if err := PreDelete.send(ctx, &SignalEvent{Model: mm, Instance: objs[pk], PK: pk, DB: tx}); err != nil {
						return err
					}
				}
			}
		}
		d := tx.dialect
		size := chunkSize(d)
		for _, u := range c.updates {
			for _, ch := range chunks(u.keys, size-1) {
				args := append([]any{u.value}, ch...)
				q := "UPDATE " + d.QuoteIdent(u.field.Model.Table) + " SET " + d.QuoteIdent(u.field.Column) + " = " + d.Placeholder(1) +
					" WHERE " + d.QuoteIdent(u.field.Column) + " IN (" + placeholders(d, 1, len(ch)) + ")"
				if _, err := tx.exec(ctx, q, args); err != nil {
					return err
				}
			}
		}
		for _, j := range c.m2m {
			for _, ch := range chunks(j.keys, size) {
				q := "DELETE FROM " + d.QuoteIdent(j.table) + " WHERE " + d.QuoteIdent(j.column) + " IN (" + placeholders(d, 0, len(ch)) + ")"
				if _, err := tx.exec(ctx, q, ch); err != nil {
					return err
				}
			}
		}
		// MySQL/MariaDB check foreign keys row by row, so children go first: models
		// that refer to others before those, and a self-referential model's rows
		// deepest first (the reverse of the order the collector found them in).
		for _, mm := range c.deleteOrder() {
			if err := collectFileNames(ctx, tx, mm, c.deletes[mm]); err != nil {
				return err
			}
			for b := len(c.batches[mm]) - 1; b >= 0; b-- {
				if err := deleteBatch(ctx, tx, mm, c.batches[mm][b], size, &total); err != nil {
					return err
				}
			}
		}
		if PostDelete.has() {

			for _, mm := range c.order {
				for _, pk := range c.deletes[mm] {
					if err := PostDelete.send(ctx, &SignalEvent{Model: mm, Instance: objs[pk], PK: pk, DB: tx}); err != nil {
						return err
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		var pe *ProtectedError
		if errors.As(err, &pe) {
			return 0, err
		}
		return 0, err
	}
	return total, nil
}

// deleteBatch deletes rows of m by primary key, chunked.
func deleteBatch(ctx context.Context, tx *DB, m *ModelInfo, pks []any, size int, total *int64) error {
	d := tx.dialect
	for _, ch := range chunks(pks, size) {
		q := "DELETE FROM " + d.QuoteIdent(m.Table) + " WHERE " + d.QuoteIdent(m.PK.Column) + " IN (" + placeholders(d, 0, len(ch)) + ")"
		res, err := tx.exec(ctx, q, ch)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return wrapDBErr(err)
		}
		*total += n
	}
	return nil
}

// deleteOrder sorts the collected models so that a model whose rows refer to another
// collected model comes before it (Django's Collector.sort). Models in a cycle keep
// the reverse of the order they were found in.
func (c *collector) deleteOrder() []*ModelInfo {
	in := map[*ModelInfo]bool{}
	for _, m := range c.order {
		in[m] = true
	}
	// refs[m]: collected models other than m that m's foreign keys point at
	refs := map[*ModelInfo][]*ModelInfo{}
	for _, m := range c.order {
		for _, f := range m.concrete {
			if f.Kind != KindFK && f.Kind != KindO2O {
				continue
			}
			t, err := f.Rel.Target()
			if err == nil && t != m && in[t] {
				refs[m] = append(refs[m], t)
			}
		}
	}
	// referrers left per model: a model can go once no remaining model refers to it
	waiting := map[*ModelInfo]int{}
	for _, m := range c.order {
		for _, t := range refs[m] {
			waiting[t]++
		}
	}
	out := make([]*ModelInfo, 0, len(c.order))
	done := map[*ModelInfo]bool{}
	for len(out) < len(c.order) {
		progressed := false
		for i := len(c.order) - 1; i >= 0; i-- {
			m := c.order[i]
			if done[m] || waiting[m] > 0 {
				continue
			}
			done[m] = true
			out = append(out, m)
			progressed = true
			for _, t := range refs[m] {
				waiting[t]--
			}
		}
		if !progressed { // a cycle: take the latest found model of it
			for i := len(c.order) - 1; i >= 0; i-- {
				if m := c.order[i]; !done[m] {
					done[m] = true
					out = append(out, m)
					for _, t := range refs[m] {
						waiting[t]--
					}
					break
				}
			}
		}
	}
	return out
}
