package orm

import (
	"fmt"
	"strconv"
	"strings"
)

// combinedPart is one query of a Union, Intersection or Difference.
type combinedPart[T any] struct {
	op string // "" for the first part, else "UNION", "UNION ALL", "INTERSECT", "EXCEPT"
	q  QuerySet[T]
}

// Union returns the rows of q and of the other queries, without duplicates (Django's
// union()). The combined query can be ordered (by the model's own fields), sliced,
// counted and read with All, Values or ValuesList; it cannot be filtered further. Its
// parts may not be ordered or sliced themselves (SQLite refuses it), and every part
// must select the same columns (the same Values fields and annotations).
func (q QuerySet[T]) Union(others ...QuerySet[T]) QuerySet[T] { return q.combine("UNION", others) }

// UnionAll is Union keeping duplicates (Django's union(all=True)).
func (q QuerySet[T]) UnionAll(others ...QuerySet[T]) QuerySet[T] {
	return q.combine("UNION ALL", others)
}

// Intersection returns the rows in q and in every other query (Django's intersection()).
func (q QuerySet[T]) Intersection(others ...QuerySet[T]) QuerySet[T] {
	return q.combine("INTERSECT", others)
}

// Difference returns the rows of q that are in none of the other queries (Django's
// difference(); EXCEPT in SQL).
func (q QuerySet[T]) Difference(others ...QuerySet[T]) QuerySet[T] {
	return q.combine("EXCEPT", others)
}

func (q QuerySet[T]) combine(op string, others []QuerySet[T]) QuerySet[T] {
	if q.err != nil {
		return q
	}
	for _, o := range others {
		if o.err != nil {
			q.err = o.err
			return q
		}
	}
	var out QuerySet[T]
	if len(q.combined) > 0 && !q.orderSet && q.limit < 0 && q.offset == 0 {
		// a chain of one operation: A.Union(B).Union(C)
		if q.combined[len(q.combined)-1].op != op {
			q.err = fmt.Errorf("orm: %s: combining %s with %s in one query is not supported (their precedence differs between databases)", q.info.Name, strings.Fields(q.combined[len(q.combined)-1].op)[0], strings.Fields(op)[0])
			return q
		}
		out = q
		out.combined = clip(q.combined)
	} else {
		out = QuerySet[T]{db: q.db, info: q.info, limit: -1, combined: []combinedPart[T]{{q: q}}}
	}
	for _, o := range others {
		out.combined = append(out.combined, combinedPart[T]{op: op, q: o})
	}
	return out
}

// checkPart refuses what a part of a combined query cannot have.
func (q QuerySet[T]) checkPart(first bool) error {
	switch {
	case q.orderSet && len(q.order) > 0, q.limit >= 0, q.offset > 0:
		return fmt.Errorf("orm: %s: the parts of a Union, Intersection or Difference cannot be ordered or sliced (order and slice the combined query)", q.info.Name)
	case len(q.related) > 0 || len(q.prefetch) > 0 || q.lock != nil:
		return fmt.Errorf("orm: %s: the parts of a combined query cannot use SelectRelated, PrefetchRelated or SelectForUpdate", q.info.Name)
	case len(q.only) > 0 || len(q.deferred) > 0:
		return fmt.Errorf("orm: %s: Only and Defer go on the combined query, not on its parts", q.info.Name)
	case len(q.combined) > 0:
		return fmt.Errorf("orm: %s: a combined query cannot be a part of another", q.info.Name)
	}
	return nil
}

// combinedOrder is the ORDER BY of a combined query: by the position of the named
// columns, the only order every database takes after UNION.
func (q QuerySet[T]) combinedOrder(names []string) (string, error) {
	if !q.orderSet || len(q.order) == 0 {
		return "", nil
	}
	parts := make([]string, len(q.order))
	for i, o := range q.order {
		name := strings.TrimPrefix(o, "-")
		if name == "pk" {
			name = q.info.PK.Name
		}
		pos := -1
		for j, n := range names {
			if n == name {
				pos = j + 1
				break
			}
		}
		if pos < 0 {
			return "", &FieldError{Model: q.info.Name, Field: o, Msg: "a combined query is ordered by the columns it selects"}
		}
		parts[i] = strconv.Itoa(pos)
		if strings.HasPrefix(o, "-") {
			parts[i] += " DESC"
		} else {
			parts[i] += " ASC"
		}
	}
	return " ORDER BY " + strings.Join(parts, ", "), nil
}

// compileCombined compiles a combined query's parts for Values on c.
func (q QuerySet[T]) compileCombined(c *compiler, fields []string) (string, []valueCol, error) {
	if q.err != nil {
		return "", nil, q.err
	}
	var b strings.Builder
	var vcs []valueCol
	for i, p := range q.combined {
		if err := p.q.checkPart(i == 0); err != nil {
			return "", nil, err
		}
		part := p.q
		part.orderSet, part.order = true, nil
		sub := part.newCompiler()
		sub.args = c.args
		s, cols, err := part.valuesSQL(sub, fields, false)
		c.args = sub.args
		c.addZones(sub.zones()...)
		if err != nil {
			return "", nil, err
		}
		if i == 0 {
			vcs = cols
		} else if len(cols) != len(vcs) {
			return "", nil, fmt.Errorf("orm: %s: the parts of a combined query select %d and %d columns", q.info.Name, len(vcs), len(cols))
		} else {
			b.WriteString(" " + p.op + " ")
		}
		b.WriteString(s)
	}
	names := make([]string, len(vcs))
	for i, vc := range vcs {
		names[i] = vc.name
	}
	order, err := q.combinedOrder(names)
	if err != nil {
		return "", nil, err
	}
	b.WriteString(order)
	b.WriteString(q.db.dialect.limitOffset(q.limit, q.offset))
	return b.String(), vcs, nil
}

// compileCombinedSelect compiles a combined query that reads model rows.
func (q QuerySet[T]) compileCombinedSelect() (*selectPlan, error) {
	fields, err := q.loadedFields()
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	var args []any
	var zones []string
	for i, p := range q.combined {
		if err := p.q.checkPart(i == 0); err != nil {
			return nil, err
		}
		if len(p.q.annots) > 0 {
			return nil, fmt.Errorf("orm: %s: Annotate results are read with Values or ValuesList", q.info.Name)
		}
		part := p.q
		part.orderSet, part.order = true, nil
		part.only, part.deferred = q.only, q.deferred
		c := part.newCompiler()
		c.args = args
		s, err := part.selectSQL(c, fields)
		if err != nil {
			return nil, err
		}
		args, zones = c.args, append(zones, c.zones()...)
		if i > 0 {
			b.WriteString(" " + p.op + " ")
		}
		b.WriteString(s)
	}
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = f.Name
	}
	order, err := q.combinedOrder(names)
	if err != nil {
		return nil, err
	}
	b.WriteString(order)
	b.WriteString(q.db.dialect.limitOffset(q.limit, q.offset))
	plan := &selectPlan{sql: b.String(), args: args, fields: fields}
	if len(zones) > 0 {
		plan.x = &exprState{zones: zones}
	}
	return plan, nil
}

// selectSQL is the plain SELECT of fields of a combined query's part.
func (q QuerySet[T]) selectSQL(c *compiler, fields []*Field) (string, error) {
	cols := make([]string, len(fields))
	for i, f := range fields {
		cols[i] = c.col(c.qual, f)
	}
	where, err := q.whereSQL(c)
	if err != nil {
		return "", err
	}
	d := ""
	if q.distinct {
		d = "DISTINCT "
	}
	return "SELECT " + d + strings.Join(cols, ", ") + q.fromSQL(c) + where, nil
}
