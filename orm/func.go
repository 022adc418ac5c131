package orm

import (
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// Annotation is a named expression, what Annotate takes: an aggregate (named by As or
// by default "<field>__<fn>") or any expression named with As.
type Annotation interface {
	Expr
	Name() string
}

// Named is an expression with a name, for Annotate: As("lower_title", Lower(F("title"))).
type Named struct {
	name string
	expr Expr
}

// As names an expression for Annotate, like a keyword argument of Django's annotate().
func As(name string, e Expr) Named { return Named{name: name, expr: e} }

// Name returns the annotation's name.
func (n Named) Name() string { return n.name }

func (n Named) flags() exprFlags { return n.expr.flags() }

func (n Named) compileExpr(c *compiler) (string, *Field, error) { return n.expr.compileExpr(c) }

// exprField is the result description of a computed expression: it has a kind but no
// column or model.
func exprField(k Kind) *Field { return &Field{Name: "expression", Kind: k} }

// ValueExpr is a constant, bound as a parameter (Django's Value).
type ValueExpr struct{ v any }

// Value returns an expression holding a constant: a string, number, bool, time.Time or
// Decimal. It is always a bound parameter.
func Value(v any) ValueExpr { return ValueExpr{v: v} }

// As names the value, for Annotate.
func (v ValueExpr) As(name string) Named { return As(name, v) }

func (ValueExpr) flags() exprFlags { return 0 }

// valueKind returns the kind of a Go value given to Value.
func valueKind(v any) (Kind, any, error) {
	switch x := v.(type) {
	case nil:
		return "", nil, nil
	case time.Time:
		return KindDateTime, x.UTC(), nil
	case Decimal:
		return KindDecimal, x.String(), nil
	case []byte:
		return KindBytes, x, nil
	case UUID:
		return KindUUID, x.String(), nil
	}
	rv := reflect.ValueOf(v)
	switch {
	case rv.Kind() == reflect.String:
		return KindText, rv.String(), nil
	case rv.Kind() == reflect.Bool:
		return KindBool, rv.Bool(), nil
	case rv.CanInt(), rv.CanUint():
		n, err := checkInt(v)
		return KindBigInt, n, err
	case rv.CanFloat():
		f, err := checkNumber(v)
		return KindFloat, f, err
	}
	return "", nil, fmt.Errorf("orm: Value(%T): expects a string, number, bool, time.Time, Decimal, UUID or []byte", v)
}

func (v ValueExpr) compileExpr(c *compiler) (string, *Field, error) {
	k, bound, err := valueKind(v.v)
	if err != nil {
		return "", nil, err
	}
	if k == "" {
		return "NULL", exprField(KindText), nil
	}
	return c.typedParam(bound, k), exprField(k), nil
}

// typedParam binds v and, on PostgreSQL, casts the parameter to the type of kind k:
// PostgreSQL cannot infer the type of a parameter inside most functions (CONCAT,
// COALESCE of parameters, CASE results).
func (c *compiler) typedParam(v any, k Kind) string {
	ph := c.param(v)
	if c.d.Name() != "postgres" {
		return ph
	}
	return "CAST(" + ph + " AS " + castType(c.d, k) + ")"
}

// castType is the type name a CAST to kind k uses.
func castType(d Dialect, k Kind) string {
	switch d.Name() {
	case "postgres":
		switch k {
		case KindVarchar, KindText, KindUUID:
			return "text"
		case KindDecimal:
			return "numeric"
		}
		return postgresTypes[k]
	case "mysql":
		switch k {
		case KindInt, KindBigInt, KindBool:
			return "signed"
		case KindFloat:
			return "double"
		case KindDecimal:
			return "decimal(65, 30)"
		case KindVarchar, KindText, KindUUID, KindJSON:
			return "char"
		case KindDateTime:
			return "datetime(6)"
		case KindDate:
			return "date"
		case KindBytes:
			return "binary"
		}
	default:
		switch k {
		case KindInt, KindBigInt, KindBool:
			return "integer"
		case KindFloat:
			return "real"
		case KindDecimal:
			return "numeric"
		case KindBytes:
			return "blob"
		}
		return "text"
	}
	return "text"
}

// Func is a SQL function over expressions (Coalesce, Concat, Lower, Upper, Length,
// Cast, Now). Its methods build arithmetic on its result and name it for Annotate.
type Func struct {
	name  string // for messages
	args  []Expr
	build func(c *compiler, args []string, fields []*Field) (string, *Field, error)
}

// As names the function's result, for Annotate.
func (f Func) As(name string) Named { return As(name, f) }

// Add returns f + v.
func (f Func) Add(v any) Arith { return Arith{f, "+", v} }

// Sub returns f - v.
func (f Func) Sub(v any) Arith { return Arith{f, "-", v} }

// Mul returns f * v.
func (f Func) Mul(v any) Arith { return Arith{f, "*", v} }

// Div returns f / v.
func (f Func) Div(v any) Arith { return Arith{f, "/", v} }

// Asc orders by the function ascending (in a Window's OrderBy).
func (f Func) Asc() OrderExpr { return OrderExpr{expr: f} }

// Desc orders by the function descending (in a Window's OrderBy).
func (f Func) Desc() OrderExpr { return OrderExpr{expr: f, desc: true} }

func (f Func) flags() exprFlags {
	var fl exprFlags
	for _, a := range f.args {
		fl |= a.flags()
	}
	return fl
}

func (f Func) compileExpr(c *compiler) (string, *Field, error) {
	sqls := make([]string, len(f.args))
	fields := make([]*Field, len(f.args))
	for i, a := range f.args {
		if a == nil {
			return "", nil, fmt.Errorf("orm: %s: a nil argument", f.name)
		}
		s, fd, err := a.compileExpr(c)
		if err != nil {
			return "", nil, err
		}
		if fd == nil {
			fd = exprField(KindBigInt) // COUNT(*)
		}
		sqls[i], fields[i] = s, fd
	}
	return f.build(c, sqls, fields)
}

func isText(f *Field) bool { return f.Kind == KindVarchar || f.Kind == KindText }

// Coalesce returns the first of its arguments that is not NULL (at least two).
func Coalesce(exprs ...Expr) Func {
	return Func{name: "Coalesce", args: exprs, build: func(c *compiler, args []string, fs []*Field) (string, *Field, error) {
		if len(args) < 2 {
			return "", nil, fmt.Errorf("orm: Coalesce needs at least two expressions")
		}
		out := fs[0]
		for _, f := range fs[1:] {
			if !sameKind(out, f) {
				return "", nil, fmt.Errorf("orm: Coalesce mixes %s and %s: Cast one of them", out.Kind, f.Kind)
			}
		}
		return "COALESCE(" + strings.Join(args, ", ") + ")", resultOf(out), nil
	}}
}

// sameKind reports whether two results can meet in one expression (Coalesce, Case).
func sameKind(a, b *Field) bool {
	family := func(f *Field) string {
		switch f.Kind {
		case KindVarchar, KindText:
			return "text"
		case KindInt, KindBigInt, KindFK, KindO2O:
			return "int"
		}
		return string(f.Kind)
	}
	return family(a) == family(b)
}

// resultOf returns the description of an expression's result that carries a field's
// type: the field itself for a model field (so Values reads it as the field's Go type)
// without its nullability.
func resultOf(f *Field) *Field {
	if f.Model == nil {
		return f
	}
	r := *f
	r.Null, r.PrimaryKey = false, false
	return &r
}

// Concat joins text expressions (NULLs count as empty text, as in Django).
func Concat(exprs ...Expr) Func {
	return Func{name: "Concat", args: exprs, build: func(c *compiler, args []string, fs []*Field) (string, *Field, error) {
		if len(args) < 2 {
			return "", nil, fmt.Errorf("orm: Concat needs at least two expressions")
		}
		parts := make([]string, len(args))
		for i, a := range args {
			if !isText(fs[i]) {
				a = "CAST(" + a + " AS " + castType(c.d, KindText) + ")"
			}
			parts[i] = "COALESCE(" + a + ", '')"
		}
		if c.d.Name() == "mysql" {
			return "CONCAT(" + strings.Join(parts, ", ") + ")", exprField(KindText), nil
		}
		return "(" + strings.Join(parts, " || ") + ")", exprField(KindText), nil
	}}
}

func textFunc(name string, e Expr, sql func(c *compiler, arg string) string) Func {
	return Func{name: name, args: []Expr{e}, build: func(c *compiler, args []string, fs []*Field) (string, *Field, error) {
		if !isText(fs[0]) {
			return "", nil, fmt.Errorf("orm: %s needs a text expression, not %s", name, fs[0].Kind)
		}
		return sql(c, args[0]), exprField(KindText), nil
	}}
}

// Lower returns the text in lower case (beyond ASCII on every database).
func Lower(e Expr) Func {
	return textFunc("Lower", e, func(c *compiler, a string) string { return c.d.lower(a) })
}

// Upper returns the text in upper case (beyond ASCII on every database).
func Upper(e Expr) Func {
	return textFunc("Upper", e, func(c *compiler, a string) string {
		if c.d.Name() == "sqlite" {
			return "galvani_upper(" + a + ")"
		}
		return "UPPER(" + a + ")"
	})
}

// Length returns the number of characters of a text (NULL for NULL).
func Length(e Expr) Func {
	return Func{name: "Length", args: []Expr{e}, build: func(c *compiler, args []string, fs []*Field) (string, *Field, error) {
		if !isText(fs[0]) {
			return "", nil, fmt.Errorf("orm: Length needs a text expression, not %s", fs[0].Kind)
		}
		fn := "LENGTH("
		if c.d.Name() == "mysql" {
			fn = "CHAR_LENGTH("
		}
		return fn + args[0] + ")", exprField(KindBigInt), nil
	}}
}

// Cast converts an expression to a kind: Cast(F("views"), KindText),
// Cast(F("rating"), KindInt).
func Cast(e Expr, to Kind) Func {
	return Func{name: "Cast", args: []Expr{e}, build: func(c *compiler, args []string, fs []*Field) (string, *Field, error) {
		switch to {
		case KindInt, KindBigInt, KindFloat, KindText, KindVarchar, KindDate, KindDateTime, KindBool:
		default:
			return "", nil, fmt.Errorf("orm: Cast to %s is not supported (int, bigint, float, text, varchar, date, datetime, bool)", to)
		}
		if to == KindDate && c.d.Name() == "sqlite" {
			return "date(" + args[0] + ")", exprField(to), nil
		}
		if to == KindDateTime && c.d.Name() == "sqlite" {
			return args[0], exprField(to), nil
		}
		if (to == KindInt || to == KindBigInt) && fs[0].Kind == KindFloat && c.d.Name() != "sqlite" {
			// SQLite truncates a float cast to an integer, PostgreSQL and MySQL round:
			// truncate everywhere (Django's result on SQLite, and Python's int())
			if c.d.Name() == "mysql" {
				return "CAST(TRUNCATE(" + args[0] + ", 0) AS signed)", exprField(to), nil
			}
			return "CAST(TRUNC(" + args[0] + ") AS " + castType(c.d, to) + ")", exprField(to), nil
		}
		if to == KindText && fs[0].Kind == KindFloat && c.d.Name() == "mysql" {
			return "CAST(" + args[0] + " AS char)", exprField(to), nil
		}
		return "CAST(" + args[0] + " AS " + castType(c.d, to) + ")", exprField(to), nil
	}}
}

// Now is the current time of the database server (the transaction's start on
// PostgreSQL), in UTC.
func Now() Func {
	return Func{name: "Now", build: func(c *compiler, _ []string, _ []*Field) (string, *Field, error) {
		switch c.d.Name() {
		case "sqlite":
			return "strftime('%Y-%m-%d %H:%M:%f+00:00', 'now')", exprField(KindDateTime), nil
		case "mysql":
			return "CURRENT_TIMESTAMP(6)", exprField(KindDateTime), nil
		}
		return "STATEMENT_TIMESTAMP()", exprField(KindDateTime), nil
	}}
}

// OrderExpr is an expression with a direction, for a Window's OrderBy: F("views").Desc().
type OrderExpr struct {
	expr Expr
	desc bool
}

// Asc orders by e ascending.
func Asc(e Expr) OrderExpr { return OrderExpr{expr: e} }

// Desc orders by e descending.
func Desc(e Expr) OrderExpr { return OrderExpr{expr: e, desc: true} }

func (o OrderExpr) flags() exprFlags { return o.expr.flags() }

func (o OrderExpr) compileExpr(c *compiler) (string, *Field, error) {
	s, f, err := o.expr.compileExpr(c)
	if err != nil {
		return "", nil, err
	}
	if o.desc {
		return s + " DESC", f, nil
	}
	return s + " ASC", f, nil
}

// WhenExpr is one branch of Case: When(Where("views__gte", 100), Value("hot")).
type WhenExpr struct {
	cond Cond
	then Expr
}

// When returns a Case branch: its result when the condition holds.
func When(cond Cond, then Expr) WhenExpr { return WhenExpr{cond: cond, then: then} }

// CaseExpr is SQL's CASE WHEN ... THEN ... ELSE ... END (Django's Case).
type CaseExpr struct {
	whens []WhenExpr
	def   Expr
}

// Case returns the result of the first When whose condition holds, else the Default
// (NULL without one).
func Case(whens ...WhenExpr) CaseExpr { return CaseExpr{whens: whens} }

// Default sets the result when no When holds (Django's default=).
func (k CaseExpr) Default(e Expr) CaseExpr {
	k.def = e
	return k
}

// As names the Case, for Annotate.
func (k CaseExpr) As(name string) Named { return As(name, k) }

func (k CaseExpr) flags() exprFlags {
	var fl exprFlags
	for _, w := range k.whens {
		fl |= w.then.flags() | condFlags(w.cond)
	}
	if k.def != nil {
		fl |= k.def.flags()
	}
	return fl
}

// condFlags returns the flags of the expressions a condition compares with.
func condFlags(q Cond) exprFlags {
	fl := flagsOf(q.value)
	for _, ch := range q.children {
		fl |= condFlags(ch)
	}
	return fl
}

func (k CaseExpr) compileExpr(c *compiler) (string, *Field, error) {
	if len(k.whens) == 0 {
		return "", nil, fmt.Errorf("orm: Case needs at least one When")
	}
	var b strings.Builder
	b.WriteString("CASE")
	var out *Field
	check := func(f *Field) error {
		if out == nil {
			out = resultOf(f)
			return nil
		}
		if !sameKind(out, f) {
			return fmt.Errorf("orm: Case mixes %s and %s results: Cast one of them", out.Kind, f.Kind)
		}
		return nil
	}
	for _, w := range k.whens {
		if w.then == nil {
			return "", nil, fmt.Errorf("orm: When without a result")
		}
		cond, err := c.cond(w.cond)
		if err != nil {
			return "", nil, err
		}
		then, f, err := w.then.compileExpr(c)
		if err != nil {
			return "", nil, err
		}
		if err := check(f); err != nil {
			return "", nil, err
		}
		b.WriteString(" WHEN " + cond + " THEN " + then)
	}
	if k.def != nil {
		d, f, err := k.def.compileExpr(c)
		if err != nil {
			return "", nil, err
		}
		if err := check(f); err != nil {
			return "", nil, err
		}
		b.WriteString(" ELSE " + d)
	}
	b.WriteString(" END")
	return b.String(), out, nil
}

// normalizeExpr turns what a driver returns for an expression into the Go value of
// the expression's kind, the same on every database: int64, float64, string, bool,
// Decimal, time.Time (UTC) or []byte.
func normalizeExpr(v any, f *Field) any {
	if v == nil {
		return nil
	}
	if b, ok := v.([]byte); ok && f.Kind != KindBytes {
		v = string(b)
	}
	switch f.Kind {
	case KindInt, KindBigInt, KindFK, KindO2O:
		switch x := v.(type) {
		case string:
			if n, err := strconv.ParseInt(x, 10, 64); err == nil {
				return n
			}
			if fl, err := strconv.ParseFloat(x, 64); err == nil && fl == math.Trunc(fl) {
				return int64(fl)
			}
		case float64:
			if x == math.Trunc(x) {
				return int64(x)
			}
		case bool:
			if x {
				return int64(1)
			}
			return int64(0)
		}
		if n, err := checkInt(v); err == nil {
			return n
		}
	case KindFloat:
		switch x := v.(type) {
		case string:
			if fl, err := strconv.ParseFloat(x, 64); err == nil {
				return fl
			}
		case float32:
			return float64(x)
		}
		if n, err := checkInt(v); err == nil {
			return float64(n)
		}
	case KindDecimal:
		var d Decimal
		if fl, ok := v.(float64); ok {
			v = strconv.FormatFloat(fl, 'f', -1, 64)
		}
		if d.Scan(v) == nil {
			if f.DecimalPlaces > 0 {
				d = d.Round(f.DecimalPlaces).places(f.DecimalPlaces)
			}
			return d
		}
	case KindBool:
		switch x := v.(type) {
		case string:
			return x == "1" || x == "t" || x == "true"
		}
		if n, err := checkInt(v); err == nil {
			return n != 0
		}
	case KindDateTime, KindDate:
		var t time.Time
		if (timeScanner{dst: &t}).Scan(v) == nil {
			if f.loc != nil && f.Kind == KindDateTime {
				return t.In(f.loc)
			}
			return t
		}
	case KindVarchar, KindText, KindUUID:
		if s, ok := v.(string); ok {
			return s
		}
		if u, ok := v.([16]byte); ok {
			return UUID(u).String()
		}
		return fmt.Sprint(v)
	}
	return v
}
