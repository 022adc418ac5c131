package orm

import (
	"fmt"
	"strconv"
	"strings"
)

// Window is a window function (Django's Window): Expr computed over the rows of its
// partition, in OrderBy's order, within Frame. Expr is a window function (RowNumber,
// Rank, DenseRank, Lag, Lead, FirstValue, LastValue, NthValue, Ntile) or an aggregate
// (Sum, Avg, Count, Min, Max: Sum("views").Over(Window{...})). Name it with As for
// Annotate:
//
//	orm.Window{Expr: orm.RowNumber(), PartitionBy: []orm.Expr{orm.F("author")},
//		OrderBy: []orm.Expr{orm.F("views").Desc()}}.As("rank_in_author")
//
// A window annotation can be read and ordered by, not filtered on (as in Django 3.2).
type Window struct {
	Expr        Expr
	PartitionBy []Expr
	OrderBy     []Expr // expressions, or OrderExpr (F("x").Desc()) for a direction
	Frame       *Frame
}

// As names the window expression, for Annotate.
func (w Window) As(name string) Named { return As(name, w) }

func (w Window) flags() exprFlags {
	fl := hasWindow
	for _, e := range w.PartitionBy {
		fl |= e.flags() & hasAggregate
	}
	for _, e := range w.OrderBy {
		fl |= e.flags() & hasAggregate
	}
	return fl
}

func (w Window) compileExpr(c *compiler) (string, *Field, error) {
	if w.Expr == nil {
		return "", nil, fmt.Errorf("orm: Window without an expression")
	}
	if fl := w.Expr.flags(); fl&hasWindow != 0 && !isWindowFunc(w.Expr) {
		return "", nil, fmt.Errorf("orm: a window inside a window")
	} else if fl&hasAggregate == 0 && !isWindowFunc(w.Expr) {
		return "", nil, fmt.Errorf("orm: Window needs a window function or an aggregate, not %T", w.Expr)
	}
	if wf, ok := w.Expr.(windowFunc); ok && c.mariadb && (wf.name == "LAG" || wf.name == "LEAD") && len(wf.args) == 2 {
		return w.mariaLagLead(c, wf)
	}
	fn, f, err := w.Expr.compileExpr(c)
	if err != nil {
		return "", nil, err
	}
	over, err := w.overSQL(c)
	if err != nil {
		return "", nil, err
	}
	if agg, ok := w.Expr.(Aggregate); ok {
		f = aggResult(agg, f)
	}
	return fn + " OVER " + over, f, nil
}

// mariaLagLead writes Lag and Lead with a default for MariaDB, whose LAG and LEAD
// take no default: the default where the partition has no row offset rows away, the
// same answer as the three-argument form of the other databases.
func (w Window) mariaLagLead(c *compiler, wf windowFunc) (string, *Field, error) {
	before := len(c.args)
	over, err := w.overSQL(c)
	if err != nil {
		return "", nil, err
	}
	if len(c.args) != before {
		return "", nil, fmt.Errorf("orm: MariaDB has no default for %s; its window cannot hold parameters either, so this Lag or Lead cannot be written for it", wf.name)
	}
	plain := wf
	plain.args = wf.args[:1]
	fn, f, err := plain.compileExpr(c)
	if err != nil {
		return "", nil, err
	}
	def, _, err := wf.args[1].compileExpr(c)
	if err != nil {
		return "", nil, err
	}
	n := strconv.Itoa(wf.extra[0])
	var cond string
	if wf.name == "LAG" {
		cond = "ROW_NUMBER() OVER " + over + " > " + n
	} else {
		part, err := Window{PartitionBy: w.PartitionBy}.overSQL(c)
		if err != nil {
			return "", nil, err
		}
		cond = "COUNT(*) OVER " + part + " - ROW_NUMBER() OVER " + over + " >= " + n
	}
	return "(CASE WHEN " + cond + " THEN " + fn + " OVER " + over + " ELSE " + def + " END)", f, nil
}

// overSQL is the parenthesized window of an OVER clause.
func (w Window) overSQL(c *compiler) (string, error) {
	var err error
	var over []string
	if len(w.PartitionBy) > 0 {
		parts := make([]string, len(w.PartitionBy))
		for i, e := range w.PartitionBy {
			if parts[i], _, err = e.compileExpr(c); err != nil {
				return "", err
			}
		}
		over = append(over, "PARTITION BY "+strings.Join(parts, ", "))
	}
	if len(w.OrderBy) > 0 {
		parts := make([]string, len(w.OrderBy))
		for i, e := range w.OrderBy {
			if parts[i], _, err = e.compileExpr(c); err != nil {
				return "", err
			}
			if _, directed := e.(OrderExpr); !directed {
				parts[i] += " ASC"
			}
		}
		over = append(over, "ORDER BY "+strings.Join(parts, ", "))
	}
	if w.Frame != nil {
		fr, err := w.Frame.sql()
		if err != nil {
			return "", err
		}
		over = append(over, fr)
	}
	return "(" + strings.Join(over, " ") + ")", nil
}

// aggResult describes an aggregate's result: a count is a bigint, an average a float
// (of a decimal, a decimal), the others have their field's kind.
func aggResult(a Aggregate, f *Field) *Field {
	switch {
	case f == nil || a.fn == "COUNT":
		return exprField(KindBigInt)
	case a.fn == "AVG" && f.Kind != KindDecimal:
		return exprField(KindFloat)
	}
	return f
}

func isWindowFunc(e Expr) bool {
	_, ok := e.(windowFunc)
	return ok
}

// windowFunc is a function that exists only in a window: RowNumber, Rank, Lag...
type windowFunc struct {
	name   string
	args   []Expr
	extra  []int // integer arguments (offsets, counts), written into the SQL
	result Kind  // "" for the kind of the first argument
}

func (w windowFunc) flags() exprFlags { return hasWindow }

func (w windowFunc) compileExpr(c *compiler) (string, *Field, error) {
	parts := make([]string, 0, len(w.args)+len(w.extra))
	var out *Field
	for i, a := range w.args {
		if a == nil {
			return "", nil, fmt.Errorf("orm: %s: a nil argument", w.name)
		}
		if a.flags()&hasWindow != 0 {
			return "", nil, fmt.Errorf("orm: %s: a window inside a window", w.name)
		}
		s, f, err := a.compileExpr(c)
		if err != nil {
			return "", nil, err
		}
		if i == 0 {
			out = resultOf(f)
			parts = append(parts, s)
			for _, n := range w.extra {
				parts = append(parts, strconv.Itoa(n))
			}
			continue
		}
		parts = append(parts, s)
	}
	if len(w.args) == 0 {
		for _, n := range w.extra {
			parts = append(parts, strconv.Itoa(n))
		}
	}
	if w.result != "" {
		out = exprField(w.result)
	}
	return w.name + "(" + strings.Join(parts, ", ") + ")", out, nil
}

// RowNumber numbers the rows of each partition from 1.
func RowNumber() Expr { return windowFunc{name: "ROW_NUMBER", result: KindBigInt} }

// Rank is the rank of the row in its partition, with gaps after ties.
func Rank() Expr { return windowFunc{name: "RANK", result: KindBigInt} }

// DenseRank is the rank of the row in its partition, without gaps.
func DenseRank() Expr { return windowFunc{name: "DENSE_RANK", result: KindBigInt} }

// Ntile divides the partition into n buckets numbered from 1.
func Ntile(n int) Expr {
	return windowFunc{name: "NTILE", extra: []int{n}, result: KindBigInt}
}

// Lag is e's value offset rows before this one in the partition (NULL, or def when not
// nil, where there is none). Django's Lag(expression, offset=1, default=None).
func Lag(e Expr, offset int, def Expr) Expr { return lagLead("LAG", e, offset, def) }

// Lead is e's value offset rows after this one in the partition (see Lag).
func Lead(e Expr, offset int, def Expr) Expr { return lagLead("LEAD", e, offset, def) }

func lagLead(name string, e Expr, offset int, def Expr) Expr {
	if offset < 1 {
		offset = 1
	}
	w := windowFunc{name: name, args: []Expr{e}, extra: []int{offset}}
	if def != nil {
		w.args = append(w.args, def)
	}
	return w
}

// FirstValue is e's value at the first row of the window frame.
func FirstValue(e Expr) Expr { return windowFunc{name: "FIRST_VALUE", args: []Expr{e}} }

// LastValue is e's value at the last row of the window frame.
func LastValue(e Expr) Expr { return windowFunc{name: "LAST_VALUE", args: []Expr{e}} }

// NthValue is e's value at the nth row (from 1) of the window frame.
func NthValue(e Expr, nth int) Expr {
	return windowFunc{name: "NTH_VALUE", args: []Expr{e}, extra: []int{nth}}
}

// Frame is a window frame: the rows (RowRange) or the peer values (ValueRange)
// around the current row that a window aggregate sees.
type Frame struct {
	mode       string
	start, end FrameBound
}

// FrameBound is one end of a frame: UnboundedPreceding, Preceding(n), CurrentRow,
// Following(n) or UnboundedFollowing.
type FrameBound struct {
	n    int
	kind byte // 'u' unbounded preceding, 'p' preceding, 'c' current, 'f' following, 'U' unbounded following
}

// The frame bounds without an offset.
var (
	UnboundedPreceding = FrameBound{kind: 'u'}
	CurrentRow         = FrameBound{kind: 'c'}
	UnboundedFollowing = FrameBound{kind: 'U'}
)

// Preceding is the bound n rows (or values) before the current row.
func Preceding(n int) FrameBound { return FrameBound{n: n, kind: 'p'} }

// Following is the bound n rows (or values) after the current row.
func Following(n int) FrameBound { return FrameBound{n: n, kind: 'f'} }

// RowRange is a ROWS frame from start to end (Django's RowRange(start=-1, end=1) is
// RowRange(Preceding(1), Following(1))).
func RowRange(start, end FrameBound) *Frame { return &Frame{mode: "ROWS", start: start, end: end} }

// ValueRange is a RANGE frame from start to end; the bounds other than CurrentRow and
// the unbounded ones need a single numeric OrderBy expression.
func ValueRange(start, end FrameBound) *Frame {
	return &Frame{mode: "RANGE", start: start, end: end}
}

func (b FrameBound) sql() (string, error) {
	switch b.kind {
	case 'u':
		return "UNBOUNDED PRECEDING", nil
	case 'c':
		return "CURRENT ROW", nil
	case 'U':
		return "UNBOUNDED FOLLOWING", nil
	case 'p', 'f':
		if b.n < 0 {
			return "", fmt.Errorf("orm: a frame offset must not be negative (%d)", b.n)
		}
		if b.n == 0 {
			return "CURRENT ROW", nil
		}
		if b.kind == 'p' {
			return strconv.Itoa(b.n) + " PRECEDING", nil
		}
		return strconv.Itoa(b.n) + " FOLLOWING", nil
	}
	return "", fmt.Errorf("orm: an empty frame bound (use orm.CurrentRow, orm.Preceding(n)...)")
}

func (f *Frame) sql() (string, error) {
	s, err := f.start.sql()
	if err != nil {
		return "", err
	}
	e, err := f.end.sql()
	if err != nil {
		return "", err
	}
	if f.start.kind == 'U' || f.end.kind == 'u' || f.start.order() > f.end.order() {
		return "", fmt.Errorf("orm: frame %s AND %s ends before it starts", s, e)
	}
	return f.mode + " BETWEEN " + s + " AND " + e, nil
}

// order places a bound on the line of rows, for checking that a frame's start comes
// before its end.
func (b FrameBound) order() int {
	switch b.kind {
	case 'u':
		return -1 << 40
	case 'p':
		return -b.n
	case 'f':
		return b.n
	case 'U':
		return 1 << 40
	}
	return 0
}
