package orm

import (
	"fmt"
	"strings"
)

// Subqueryable is a query used inside another one: every QuerySet[T]. Pass it to
// Subquery, Exists, or an "__in" lookup (Filter("author__in", orm.Q[Author](db).Filter(...))
// selects the authors' keys).
type Subqueryable interface {
	subquerySQL(c *compiler, field string, exists bool) (string, *Field, error)
	modelInfo() *ModelInfo
}

func (q QuerySet[T]) modelInfo() *ModelInfo { return q.info }

// subquerySQL compiles q inside the query c compiles: the SELECT of one field (or of
// an annotation of q), or, for exists, of 1. Its parameters join c's; OuterRef in its
// conditions refers to c's model.
func (q QuerySet[T]) subquerySQL(c *compiler, field string, exists bool) (string, *Field, error) {
	if q.err != nil {
		return "", nil, q.err
	}
	if q.db.dialect.Name() != c.d.Name() {
		return "", nil, fmt.Errorf("orm: a %s subquery inside a %s query", q.db.dialect.Name(), c.d.Name())
	}
	if len(q.combined) > 0 {
		return "", nil, fmt.Errorf("orm: %s: a combined query (Union...) cannot be a subquery", q.info.Name)
	}
	if q.limit < 0 && q.offset == 0 {
		// the order of a subquery's rows matters only when it is sliced
		q.orderSet, q.order = true, nil
	}
	sub := q.newCompiler()
	sub.args = c.args
	sub.ext().outer = c
	defer func() { c.addZones(sub.zones()...) }()
	defer func() { c.args = sub.args }()
	if exists {
		base := len(sub.args)
		where, err := q.whereSQL(sub)
		if err != nil {
			return "", nil, err
		}
		whereSeg := segment{base, len(sub.args)}
		order, err := q.orderSQL(sub)
		if err != nil {
			return "", nil, err
		}
		sub.textual(base, whereSeg, segment{whereSeg.to, len(sub.args)})
		return "SELECT 1" + q.fromSQL(sub) + where + order + q.db.dialect.limitOffset(q.limit, q.offset), exprField(KindBool), nil
	}
	if field == "" {
		field = q.info.PK.Name
	}
	s, vcs, err := q.valuesSQL(sub, []string{field}, true)
	if err != nil {
		return "", nil, err
	}
	return s, vcs[0].field, nil
}

// SubqueryExpr is a query's single column used as a value (Django's Subquery).
type SubqueryExpr struct {
	q     Subqueryable
	field string
}

// Subquery returns the value of field (a field or an annotation of q) in the one row
// q selects — slice q to one row, e.g. OrderBy("-published").Limit(1), or aggregate —
// as an expression, or as the list an "__in" lookup tests. Refer to the outer query's
// row with OuterRef:
//
//	newest := orm.Q[Comment](db).Filter("article", orm.OuterRef("pk")).OrderBy("-id").Limit(1)
//	orm.Q[Article](db).Annotate(orm.Subquery(newest, "text").As("last_comment"))
func Subquery(q Subqueryable, field string) SubqueryExpr { return SubqueryExpr{q: q, field: field} }

// As names the subquery's value, for Annotate.
func (s SubqueryExpr) As(name string) Named { return As(name, s) }

func (SubqueryExpr) flags() exprFlags { return 0 }

func (s SubqueryExpr) compileExpr(c *compiler) (string, *Field, error) {
	if s.q == nil {
		return "", nil, fmt.Errorf("orm: Subquery of a nil query")
	}
	sql, f, err := s.q.subquerySQL(c, s.field, false)
	if err != nil {
		return "", nil, err
	}
	if f == nil {
		f = exprField(KindBigInt)
	}
	return "(" + sql + ")", resultOf(f), nil
}

// ExistsExpr is SQL's EXISTS (subquery), a boolean (Django's Exists).
type ExistsExpr struct {
	q   Subqueryable
	not bool
}

// Exists is true when q selects a row. Use it in Filter or Exclude, or name it for
// Annotate:
//
//	commented := orm.Q[Comment](db).Filter("article", orm.OuterRef("pk"))
//	orm.Q[Article](db).Filter(orm.Exists(commented))
func Exists(q Subqueryable) ExistsExpr { return ExistsExpr{q: q} }

// As names the boolean, for Annotate.
func (e ExistsExpr) As(name string) Named { return As(name, e) }

// Cond returns the condition "q selects a row", for And, Or, Not and When.
func (e ExistsExpr) Cond() Cond { return Cond{op: 'x', value: e} }

func (ExistsExpr) flags() exprFlags { return 0 }

func (e ExistsExpr) compileExpr(c *compiler) (string, *Field, error) {
	if e.q == nil {
		return "", nil, fmt.Errorf("orm: Exists of a nil query")
	}
	sql, _, err := e.q.subquerySQL(c, "", true)
	if err != nil {
		return "", nil, err
	}
	return "EXISTS (" + sql + ")", exprField(KindBool), nil
}

// OuterRefExpr refers to a field of the query a subquery is in (Django's OuterRef).
type OuterRefExpr struct{ path string }

// OuterRef refers to a field of the enclosing query's row, inside the conditions of a
// Subquery or Exists: Filter("article", orm.OuterRef("pk")).
func OuterRef(path string) OuterRefExpr { return OuterRefExpr{path: path} }

func (OuterRefExpr) flags() exprFlags { return 0 }

func (o OuterRefExpr) compileExpr(c *compiler) (string, *Field, error) {
	out := c.outer()
	if out == nil {
		return "", nil, fmt.Errorf("orm: OuterRef(%q) outside a Subquery or Exists", o.path)
	}
	path := o.path
	if path == "pk" {
		path = out.model.PK.Name
	}
	saveJoined := out.joined
	col, f, rest, err := out.resolvePath(path, false)
	out.joined = saveJoined
	if err != nil {
		return "", nil, err
	}
	if len(rest) > 0 {
		return "", nil, &FieldError{Model: out.model.Name, Field: o.path, Msg: "OuterRef takes a field, not a lookup"}
	}
	return col, f, nil
}

// subqueryIn compiles the list of an "__in" lookup that is a query: its primary keys,
// or the field Subquery names.
func (c *compiler) subqueryIn(v any) (string, bool, error) {
	var q Subqueryable
	field := ""
	switch x := v.(type) {
	case SubqueryExpr:
		q, field = x.q, x.field
	case Subqueryable:
		q = x
	default:
		return "", false, nil
	}
	if q == nil {
		return "", true, fmt.Errorf("orm: __in a nil query")
	}
	if c.d.Name() == "mysql" {
		if lim, ok := q.(interface{ sliced() bool }); ok && lim.sliced() {
			return "", true, fmt.Errorf("orm: MySQL and MariaDB do not support a sliced query (Limit/Offset) in an __in lookup")
		}
	}
	s, _, err := q.subquerySQL(c, field, false)
	if err != nil {
		return "", true, err
	}
	if c.d.Name() == "mysql" && strings.Contains(s, c.qual) && c.outer() == nil {
		// MySQL refuses a subquery on the table an UPDATE or DELETE changes unless it
		// is read into a derived table first
		alias := c.d.QuoteIdent("sub")
		return "SELECT * FROM (" + s + ") " + alias, true, nil
	}
	return s, true, nil
}

func (q QuerySet[T]) sliced() bool { return q.limit >= 0 || q.offset > 0 }
