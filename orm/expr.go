package orm

import (
	"fmt"
	"strings"
)

// Cond is a filter condition tree, Django's Q object: Where leaves combined with And,
// Or and Not. Pass it to Filter or Exclude.
type Cond struct {
	op       byte // 'l' leaf, '&' and, '|' or
	not      bool
	lookup   string
	value    any
	children []Cond
	raw      func(c *compiler) string // op 'r': SQL built by the orm itself
	// op 'x' is a boolean expression (Exists), kept in value: a field of its own
	// would grow every Cond, and Filter's slice of them, on the hot paths
}

// Where is one condition: a lookup ("title__icontains", "author__username") and its
// value, like a keyword argument of Django's filter().
func Where(lookup string, value any) Cond { return Cond{op: 'l', lookup: lookup, value: value} }

// And is true when every condition is.
func And(conds ...Cond) Cond { return Cond{op: '&', children: conds} }

// Or is true when any condition is.
func Or(conds ...Cond) Cond { return Cond{op: '|', children: conds} }

// Not negates a condition.
func Not(c Cond) Cond {
	c.not = !c.not
	return c
}

// Expr is a SQL expression built from fields, values, functions and operators:
// F("views").Add(1), Lower(F("title")), Count("id"), Subquery(...), Window{...}.
// Expressions compile to SQL in which every value is a bound parameter and every
// identifier is quoted. The *Field an expression compiles with describes its result
// (its kind: how filter values are checked and how Values reads it).
type Expr interface {
	compileExpr(c *compiler) (string, *Field, error)
	// flags reports whether the expression holds an aggregate (outside a window) or
	// a window function, which decides GROUP BY, HAVING and where it may be used.
	flags() exprFlags
}

// exprFlags describe what an expression contains.
type exprFlags uint8

const (
	hasAggregate exprFlags = 1 << iota // an aggregate not inside a window
	hasWindow                          // a window function
)

// flagsOf returns the flags of a value that may be an expression.
func flagsOf(v any) exprFlags {
	if e, ok := v.(Expr); ok {
		return e.flags()
	}
	return 0
}

// FExpr refers to a field of the model (or across relations: "author__karma"), like
// Django's F().
type FExpr struct{ path string }

// F returns a reference to a field, for comparing fields with each other and for
// updates such as Set("views", F("views").Add(1)).
func F(path string) FExpr { return FExpr{path: path} }

func (FExpr) flags() exprFlags { return 0 }

// Asc orders by the field ascending (in a Window's OrderBy).
func (f FExpr) Asc() OrderExpr { return OrderExpr{expr: f} }

// Desc orders by the field descending (in a Window's OrderBy).
func (f FExpr) Desc() OrderExpr { return OrderExpr{expr: f, desc: true} }

func (f FExpr) compileExpr(c *compiler) (string, *Field, error) {
	col, field, rest, err := c.resolvePath(f.path, false)
	if err != nil {
		return "", nil, err
	}
	if len(rest) > 0 {
		return "", nil, &FieldError{Model: c.model.Name, Field: f.path, Msg: "F() takes a field, not a lookup"}
	}
	return col, field, nil
}

// Add returns f + v (v a number or another expression).
func (f FExpr) Add(v any) Arith { return Arith{f, "+", v} }

// Sub returns f - v.
func (f FExpr) Sub(v any) Arith { return Arith{f, "-", v} }

// Mul returns f * v.
func (f FExpr) Mul(v any) Arith { return Arith{f, "*", v} }

// Div returns f / v.
func (f FExpr) Div(v any) Arith { return Arith{f, "/", v} }

// Arith is an arithmetic expression; its methods extend it: F("a").Add(1).Mul(2).
type Arith struct {
	left  Expr
	op    string
	right any
}

// Add returns a + v.
func (a Arith) Add(v any) Arith { return Arith{a, "+", v} }

// Sub returns a - v.
func (a Arith) Sub(v any) Arith { return Arith{a, "-", v} }

// Mul returns a * v.
func (a Arith) Mul(v any) Arith { return Arith{a, "*", v} }

// Div returns a / v.
func (a Arith) Div(v any) Arith { return Arith{a, "/", v} }

// As names the expression, for Annotate.
func (a Arith) As(name string) Named { return As(name, a) }

func (a Arith) flags() exprFlags { return a.left.flags() | flagsOf(a.right) }

func (a Arith) compileExpr(c *compiler) (string, *Field, error) {
	l, field, err := a.left.compileExpr(c)
	if err != nil {
		return "", nil, err
	}
	if field == nil { // COUNT(*)
		field = exprField(KindBigInt)
	}
	var r string
	if e, ok := a.right.(Expr); ok {
		var rf *Field
		if r, rf, err = e.compileExpr(c); err != nil {
			return "", nil, err
		}
		if a.op == "/" && c.d.Name() == "mysql" && isIntKind(field) && rf != nil && isIntKind(rf) {
			// MySQL's / gives a decimal; an integer divided by an integer is an
			// integer on SQLite and PostgreSQL (and in Django's result)
			return "(" + l + " DIV " + r + ")", field, nil
		}
		if rf != nil && field.Kind != rf.Kind && isIntKind(field) && (rf.Kind == KindFloat || rf.Kind == KindDecimal) {
			field = rf // int * float is a float
		}
	} else {
		switch field.Kind {
		case KindInt, KindBigInt, KindFloat, KindDecimal:
		default:
			return "", nil, &FieldError{Model: c.model.Name, Field: field.Name, Msg: fmt.Sprintf("arithmetic needs a numeric field, not %s", field.Kind)}
		}
		v, err := checkNumber(a.right)
		if err != nil {
			return "", nil, &FieldError{Model: c.model.Name, Field: field.Name, Msg: err.Error()}
		}
		r = c.param(v)
		if _, isFloat := v.(float64); isFloat && isIntKind(field) {
			field = exprField(KindFloat)
		}
	}
	return "(" + l + " " + a.op + " " + r + ")", field, nil
}

func isIntKind(f *Field) bool {
	return f.Kind == KindInt || f.Kind == KindBigInt
}

// Aggregate is an aggregate function over a field: Count, Sum, Avg, Min, Max. Give it
// a result name with As (default "<field>__<fn>", as in Django).
type Aggregate struct {
	fn       string
	path     string
	alias    string
	distinct bool
}

// Count counts rows with a non-NULL field ("*" or "" counts rows).
func Count(field string) Aggregate { return Aggregate{fn: "COUNT", path: field} }

// CountDistinct counts distinct values of a field.
func CountDistinct(field string) Aggregate {
	return Aggregate{fn: "COUNT", path: field, distinct: true}
}

// Sum adds a field up.
func Sum(field string) Aggregate { return Aggregate{fn: "SUM", path: field} }

// Avg averages a field (a float).
func Avg(field string) Aggregate { return Aggregate{fn: "AVG", path: field} }

// Min is a field's smallest value.
func Min(field string) Aggregate { return Aggregate{fn: "MIN", path: field} }

// Max is a field's largest value.
func Max(field string) Aggregate { return Aggregate{fn: "MAX", path: field} }

func (Aggregate) flags() exprFlags { return hasAggregate }

// Over makes the aggregate a window function over w (Django's
// Window(expression=Sum("views"), ...)): Sum("views").Over(Window{PartitionBy: ...}).
func (a Aggregate) Over(w Window) Window {
	w.Expr = a
	return w
}

// As names the aggregate's result.
func (a Aggregate) As(name string) Aggregate {
	a.alias = name
	return a
}

// Name returns the result name.
func (a Aggregate) Name() string {
	if a.alias != "" {
		return a.alias
	}
	p := a.path
	if p == "" || p == "*" {
		p = "all"
	}
	return p + "__" + strings.ToLower(a.fn)
}

func (a Aggregate) compileExpr(c *compiler) (string, *Field, error) {
	if a.path == "" || a.path == "*" {
		if a.fn != "COUNT" {
			return "", nil, fmt.Errorf("orm: %s needs a field", a.fn)
		}
		return "COUNT(*)", nil, nil
	}
	col, field, rest, err := c.resolvePath(a.path, true)
	if err != nil {
		return "", nil, err
	}
	if len(rest) > 0 {
		return "", nil, &FieldError{Model: c.model.Name, Field: a.path, Msg: "aggregates take a field, not a lookup"}
	}
	if field != nil && (a.fn == "SUM" || a.fn == "AVG") {
		switch field.Kind {
		case KindInt, KindBigInt, KindFloat, KindDecimal, KindBool:
		default:
			return "", nil, &FieldError{Model: c.model.Name, Field: a.path, Msg: fmt.Sprintf("%s needs a numeric field, not %s", a.fn, field.Kind)}
		}
	}
	d := ""
	if a.distinct {
		d = "DISTINCT "
	}
	if a.fn == "AVG" && c.d.Name() == "mysql" && field != nil && field.Kind != KindDecimal {
		// MySQL averages integers as a decimal of 4 places (div_precision_increment);
		// as a double it has the precision of SQLite's and PostgreSQL's
		return "AVG(" + d + "CAST(" + col + " AS double))", field, nil
	}
	return a.fn + "(" + d + col + ")", field, nil
}

// Assignment is one column update of QuerySet.Update: Set("title", "x"),
// Set("views", F("views").Add(1)).
type Assignment struct {
	field string
	value any
}

// Set returns an assignment of a value or expression to a field.
func Set(field string, value any) Assignment { return Assignment{field: field, value: value} }
