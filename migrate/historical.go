package migrate

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/galvani-web/galvani/orm"
)

// HistoricalModel is a model as it was at a point of the migration history (Django's
// apps.get_model in a data migration): its fields, columns and table come from the
// migration state, not from today's Go struct, so a data migration keeps working after
// the model changes. Rows are maps from field name to value; a FK's value is the key.
type HistoricalModel struct {
	c *Conn
	m *ModelState
}

// Model returns model "app.Name" as it is at this point of the migrations.
func (c *Conn) Model(label string) (*HistoricalModel, error) {
	m, ok := c.State.Model(label)
	if !ok {
		return nil, fmt.Errorf("migrate: model %s does not exist at this point of the migrations", label)
	}
	return &HistoricalModel{c: c, m: m}, nil
}

// Fields returns the names of the model's fields with a column, in order.
func (h *HistoricalModel) Fields() []string {
	var out []string
	for _, f := range h.m.concrete() {
		out = append(out, f.Name)
	}
	return out
}

func (h *HistoricalModel) field(name string) (*Field, error) {
	if name == "pk" {
		if pk := h.m.PK(); pk != nil {
			return pk, nil
		}
	}
	f, ok := h.m.Field(name)
	if !ok || !f.concrete() {
		return nil, fmt.Errorf("migrate: %s has no field %q at this point of the migrations (fields: %s)", h.m.Label(), name, strings.Join(h.Fields(), ", "))
	}
	return f, nil
}

// HistoricalQuery selects rows of a HistoricalModel by equality conditions.
type HistoricalQuery struct {
	h     *HistoricalModel
	conds []string
	args  []any
	err   error
}

// All selects every row.
func (h *HistoricalModel) All() *HistoricalQuery { return &HistoricalQuery{h: h} }

// Where selects the rows whose field equals value (nil: IS NULL; a []any: IN).
func (h *HistoricalModel) Where(field string, value any) *HistoricalQuery {
	return h.All().Where(field, value)
}

// Where adds a condition (ANDed with the others).
func (q *HistoricalQuery) Where(field string, value any) *HistoricalQuery {
	if q.err != nil {
		return q
	}
	f, err := q.h.field(field)
	if err != nil {
		q.err = err
		return q
	}
	col := q.h.c.Quote(f.column())
	switch v := value.(type) {
	case nil:
		q.conds = append(q.conds, col+" IS NULL")
	case []any:
		if len(v) == 0 {
			q.conds = append(q.conds, "1=0")
			break
		}
		q.conds = append(q.conds, col+" IN ("+strings.TrimSuffix(strings.Repeat("?, ", len(v)), ", ")+")")
		q.args = append(q.args, v...)
	default:
		q.conds = append(q.conds, col+" = ?")
		q.args = append(q.args, value)
	}
	return q
}

func (q *HistoricalQuery) where() string {
	if len(q.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(q.conds, " AND ")
}

func (q *HistoricalQuery) table() string { return q.h.c.Quote(q.h.m.Table) }

// Values returns the selected rows, by field name, ordered by primary key.
func (q *HistoricalQuery) Values(ctx context.Context) ([]map[string]any, error) {
	if q.err != nil {
		return nil, q.err
	}
	fields := q.h.m.concrete()
	cols := make([]string, len(fields))
	for i, f := range fields {
		cols[i] = q.h.c.Quote(f.column())
	}
	order := ""
	if pk := q.h.m.PK(); pk != nil {
		order = " ORDER BY " + q.h.c.Quote(pk.column())
	}
	rows, err := q.h.c.Query(ctx, "SELECT "+strings.Join(cols, ", ")+" FROM "+q.table()+q.where()+order, q.args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []map[string]any
	for rows.Next() {
		vals := make([]any, len(fields))
		ptrs := make([]any, len(fields))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		row := make(map[string]any, len(fields))
		for i, f := range fields {
			if b, ok := vals[i].([]byte); ok && f.Kind != orm.KindBytes {
				vals[i] = string(b)
			}
			row[f.Name] = vals[i]
		}
		out = append(out, row)
	}
	return out, rows.Err()
}

// Count returns the number of selected rows.
func (q *HistoricalQuery) Count(ctx context.Context) (int64, error) {
	if q.err != nil {
		return 0, q.err
	}
	rows, err := q.h.c.Query(ctx, "SELECT COUNT(*) FROM "+q.table()+q.where(), q.args...)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	var n int64
	if rows.Next() {
		if err := rows.Scan(&n); err != nil {
			return 0, err
		}
	}
	return n, rows.Err()
}

// setList returns "col = ?, ..." for values by field name, in a stable order.
func (h *HistoricalModel) setList(values map[string]any) (cols []string, args []any, err error) {
	names := make([]string, 0, len(values))
	for n := range values {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		f, err := h.field(n)
		if err != nil {
			return nil, nil, err
		}
		cols = append(cols, h.c.Quote(f.column()))
		args = append(args, values[n])
	}
	return cols, args, nil
}

// Update sets fields of the selected rows and returns how many there were.
func (q *HistoricalQuery) Update(ctx context.Context, values map[string]any) (int64, error) {
	if q.err != nil {
		return 0, q.err
	}
	if len(values) == 0 {
		return 0, fmt.Errorf("migrate: Update of %s with no values", q.h.m.Label())
	}
	cols, args, err := q.h.setList(values)
	if err != nil {
		return 0, err
	}
	for i := range cols {
		cols[i] += " = ?"
	}
	res, err := q.h.c.Exec(ctx, "UPDATE "+q.table()+" SET "+strings.Join(cols, ", ")+q.where(), append(args, q.args...)...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// Delete deletes the selected rows (no on_delete handling: the ORM's relations of the
// past are not known) and returns how many there were.
func (q *HistoricalQuery) Delete(ctx context.Context) (int64, error) {
	if q.err != nil {
		return 0, q.err
	}
	res, err := q.h.c.Exec(ctx, "DELETE FROM "+q.table()+q.where(), q.args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// Create inserts a row with the given fields (the others take their database default
// or NULL; give every NOT NULL field).
func (h *HistoricalModel) Create(ctx context.Context, values map[string]any) error {
	if len(values) == 0 {
		return fmt.Errorf("migrate: Create of %s with no values", h.m.Label())
	}
	cols, args, err := h.setList(values)
	if err != nil {
		return err
	}
	_, err = h.c.Exec(ctx, "INSERT INTO "+h.c.Quote(h.m.Table)+" ("+strings.Join(cols, ", ")+") VALUES ("+
		strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ")+")", args...)
	return err
}
