package orm

import (
	"database/sql/driver"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// compiler turns a query's parts into SQL and its arguments, in textual order (so
// PostgreSQL's numbered parameters line up).
type compiler struct {
	d          Dialect
	cache      *sqlCache
	model      *ModelInfo
	qual       string // quoted base table, the qualifier of its columns
	joins      []string
	joinAlias  map[string]string
	args       []any
	annots     map[string]annot
	usedAnnots bool
	multi      bool // a multi-valued (reverse or M2M) join was added
	joined     bool // the column resolvePath returned last comes from a joined table
	negated    bool // compiling inside a Not (an odd number of them)
	// inAnnot is set while an annotation compiles (see annotSQL and scopeOf).
	inAnnot bool
	mariadb bool // the MySQL-dialect server is MariaDB
	// x holds what only expressions need, allocated when one does: the plain
	// queries' compiler stays the size it was.
	x *exprState
	// scope is the Filter or Exclude call being compiled (1, 2...; 0 outside WHERE).
	// Like Django, each call gets its own joins across multi-valued relations, while
	// the conditions of one call share them; multiScope keeps which one came first,
	// which the other clauses (Values, OrderBy, aggregates) reuse.
	scope      int
	multiScope map[string]string
}

// exprState is the part of a compiler only expressions use.
type exprState struct {
	// annotAt is the number of Filter calls before the annotation compiling: like
	// Django, it reuses the joins across multi-valued relations of the latest Filter
	// before it, and a Filter after it joins anew (see scopeOf).
	annotAt int
	scopes  map[string][]int // the Filter calls (scopes) that crossed each multi-valued path
	outer   *compiler        // the enclosing query of a subquery (OuterRef resolves there)
	zones   []string         // time zones a MySQL query converts to (see DB.checkZones)
}

// ext returns the compiler's exprState, allocating it.
func (c *compiler) ext() *exprState {
	if c.x == nil {
		c.x = &exprState{}
	}
	return c.x
}

// outer returns the enclosing query's compiler of a subquery (nil outside one).
func (c *compiler) outer() *compiler {
	if c.x == nil {
		return nil
	}
	return c.x.outer
}

// zones returns the time zones the statement converts to on MySQL.
func (c *compiler) zones() []string {
	if c.x == nil {
		return nil
	}
	return c.x.zones
}

// addZones records time zones the statement converts to.
func (c *compiler) addZones(z ...string) {
	if len(z) > 0 {
		c.ext().zones = append(c.ext().zones, z...)
	}
}

func newCompiler(d Dialect, m *ModelInfo) *compiler {
	sc := m.sql(d)
	return &compiler{d: d, model: m, qual: sc.table, cache: sc}
}

func (c *compiler) param(v any) string {
	c.args = append(c.args, v)
	return c.d.Placeholder(len(c.args))
}

func (c *compiler) col(qual string, f *Field) string {
	if qual == c.qual && f.Model == c.model && f.Column != "" && c.cache.bare[f.cidx] != "" && c.model.concrete[f.cidx] == f {
		return c.cache.cols[f.cidx]
	}
	return qual + "." + c.d.QuoteIdent(f.Column)
}

var lookupNames = map[string]bool{
	"exact": true, "iexact": true, "contains": true, "icontains": true, "in": true, "gt": true, "gte": true,
	"lt": true, "lte": true, "startswith": true, "istartswith": true, "endswith": true, "iendswith": true,
	"range": true, "isnull": true, "regex": true, "iregex": true,
}

var transformNames = map[string]bool{
	"date": true, "year": true, "month": true, "day": true, "hour": true, "minute": true, "second": true, "week_day": true,
}

// compareOps are the lookups that compare a column with one value or expression.
var compareOps = map[string]string{"exact": " = ", "gt": " > ", "gte": " >= ", "lt": " < ", "lte": " <= "}

const lookupList = "exact iexact contains icontains in gt gte lt lte startswith istartswith endswith iendswith range isnull regex iregex date year month day hour minute second week_day"

func (c *compiler) join(key, sql string) string {
	if a, ok := c.joinAlias[key]; ok {
		return a
	}
	if c.joinAlias == nil {
		c.joinAlias = map[string]string{}
	}
	alias := c.d.QuoteIdent("T" + strconv.Itoa(len(c.joinAlias)+1))
	c.joinAlias[key] = alias
	c.joins = append(c.joins, strings.ReplaceAll(sql, "{A}", alias))
	return alias
}

// joinFK joins the target of FK f (on qual) and returns the target's alias.
func (c *compiler) joinFK(path, qual string, f *Field, t *ModelInfo) string {
	return c.join(path, " LEFT JOIN "+c.d.QuoteIdent(t.Table)+" {A} ON {A}."+c.d.QuoteIdent(t.PK.Column)+" = "+c.col(qual, f))
}

// resolvePath walks "author__profile__city__iexact": it joins the relations it passes
// and returns the column expression, its field, and the remaining parts (transforms
// and lookup). A path ending at a relation gives its key column.
func (c *compiler) resolvePath(path string, allowMulti bool) (string, *Field, []string, error) {
	if path == "" {
		return "", nil, nil, &FieldError{Model: c.model.Name, Field: path, Msg: "empty field name"}
	}
	parts := strings.Split(path, "__")
	m, qual := c.model, c.qual
	var lastCol string
	var lastField *Field
	prefix := ""
	sfx := "" // join key suffix: the scope, once the path crossed a multi-valued relation
	c.joined = false
	for i := 0; i < len(parts); i++ {
		p := parts[i]
		if prefix != "" {
			prefix += "__"
		}
		prefix += p
		f, ok := m.byName[p]
		if !ok {
			if i == 0 && c.annots != nil {
				if a, ok := c.annots[p]; ok {
					sqlExpr, af, err := c.annotSQL(a)
					if err != nil {
						return "", nil, nil, err
					}
					c.usedAnnots = true
					return sqlExpr, annotField(a, af, p, m), parts[1:], nil
				}
			}
			if rev, ok := m.reverse(p); ok {
				other := rev.Field.Model
				c.multi, c.joined = true, true
				sfx = c.scopeOf(prefix, sfx)
				if rev.Field.Kind == KindM2M {
					if err := resolveThrough(rev.Field); err != nil {
						return "", nil, nil, err
					}
					r := rev.Field.Rel
					th := c.join(prefix+"#through"+sfx, " LEFT JOIN "+c.d.QuoteIdent(r.ThroughTable)+" {A} ON {A}."+c.d.QuoteIdent(r.TargetColumn)+" = "+c.col(qual, m.PK))
					qual = c.join(prefix+sfx, " LEFT JOIN "+c.d.QuoteIdent(other.Table)+" {A} ON {A}."+c.d.QuoteIdent(other.PK.Column)+" = "+th+"."+c.d.QuoteIdent(r.SourceColumn))
				} else {
					qual = c.join(prefix+sfx, " LEFT JOIN "+c.d.QuoteIdent(other.Table)+" {A} ON "+c.col("{A}", rev.Field)+" = "+c.col(qual, m.PK))
				}
				m = other
				lastCol, lastField = c.col(qual, m.PK), m.PK
				continue
			}
			if lastField != nil && (lookupNames[p] || transformNames[p]) {
				return lastCol, lastField, parts[i:], nil
			}
			return "", nil, nil, unknownField(m, p)
		}
		switch {
		case f.Kind == KindM2M:
			if err := resolveThrough(f); err != nil {
				return "", nil, nil, err
			}
			t, err := f.Rel.Target()
			if err != nil {
				return "", nil, nil, err
			}
			c.multi, c.joined = true, true
			sfx = c.scopeOf(prefix, sfx)
			r := f.Rel
			th := c.join(prefix+"#through"+sfx, " LEFT JOIN "+c.d.QuoteIdent(r.ThroughTable)+" {A} ON {A}."+c.d.QuoteIdent(r.SourceColumn)+" = "+c.col(qual, m.PK))
			qual = c.join(prefix+sfx, " LEFT JOIN "+c.d.QuoteIdent(t.Table)+" {A} ON {A}."+c.d.QuoteIdent(t.PK.Column)+" = "+th+"."+c.d.QuoteIdent(r.TargetColumn))
			m = t
			lastCol, lastField = c.col(qual, m.PK), m.PK
		case f.Rel != nil:
			t, err := f.Rel.Target()
			if err != nil {
				return "", nil, nil, err
			}
			last := i == len(parts)-1
			if last || lookupNames[parts[i+1]] {
				return c.col(qual, f), f, parts[i+1:], nil
			}
			if (parts[i+1] == t.PK.Name || parts[i+1] == "pk") && (i+2 == len(parts) || lookupNames[parts[i+2]]) {
				return c.col(qual, f), f, parts[i+2:], nil
			}
			qual = c.joinFK(prefix+sfx, qual, f, t)
			c.joined = true
			m = t
			lastCol, lastField = c.col(qual, m.PK), m.PK
		default:
			return c.col(qual, f), f, parts[i+1:], nil
		}
	}
	return lastCol, lastField, nil, nil
}

// scopeOf returns the join key suffix of a path that crosses its first multi-valued
// relation at prefix (sfx is the suffix so far: a path keeps the one it took).
func (c *compiler) scopeOf(prefix, sfx string) string {
	if sfx != "" {
		return sfx
	}
	if c.inAnnot && c.scope == 0 {
		// an annotation reuses the join of the latest Filter before it, or its own
		best := 0
		for _, sc := range c.ext().scopes[prefix] {
			if sc <= c.x.annotAt && sc > best {
				best = sc
			}
		}
		return "@" + strconv.Itoa(best)
	}
	if s, ok := c.multiScope[prefix]; ok && c.scope == 0 {
		return s
	}
	s := "@" + strconv.Itoa(c.scope)
	if c.multiScope == nil {
		c.multiScope = map[string]string{}
	}
	if _, ok := c.multiScope[prefix]; !ok {
		c.multiScope[prefix] = s
	}
	if c.scope > 0 && c.annots != nil {
		x := c.ext()
		if x.scopes == nil {
			x.scopes = map[string][]int{}
		}
		x.scopes[prefix] = append(x.scopes[prefix], c.scope)
	}
	return s
}

// annot is an annotation of a query: its name, expression, what it holds, and the
// number of Filter calls made before it (for its joins, see scopeOf).
type annot struct {
	name string
	expr Expr
	fl   exprFlags
	at   int
}

// annotSQL compiles an annotation's expression in its own join scope.
func (c *compiler) annotSQL(a annot) (string, *Field, error) {
	x := c.ext()
	saveIn, saveAt, saveScope := c.inAnnot, x.annotAt, c.scope
	c.inAnnot, x.annotAt, c.scope = true, a.at, 0
	s, f, err := a.expr.compileExpr(c)
	c.inAnnot, x.annotAt, c.scope = saveIn, saveAt, saveScope
	return s, f, err
}

// annotField describes an annotation's result for lookups on it.
func annotField(a annot, af *Field, name string, m *ModelInfo) *Field {
	if agg, ok := a.expr.(Aggregate); ok {
		if af == nil || agg.fn == "COUNT" {
			return &Field{Name: name, Kind: KindBigInt, Model: m}
		} else if agg.fn == "AVG" {
			return &Field{Name: name, Kind: KindFloat, Model: m}
		}
		return af
	}
	if af == nil {
		return &Field{Name: name, Kind: KindBigInt}
	}
	r := *resultOf(af)
	r.Name = name
	return &r
}

// cond compiles a condition tree.
func (c *compiler) cond(q Cond) (string, error) {
	if !q.not {
		return c.condBody(q)
	}
	if c.condMulti(q) {
		return c.notMulti(q)
	}
	c.negated = !c.negated
	s, err := c.condBody(q)
	c.negated = !c.negated
	if err != nil {
		return "", err
	}
	return "NOT (" + s + ")", nil
}

// condMulti reports whether q follows a multi-valued relation (a reverse FK or an
// M2M) and refers to no annotation.
func (c *compiler) condMulti(q Cond) bool {
	multi, annot := c.condRefs(q)
	return multi && !annot
}

func (c *compiler) condRefs(q Cond) (multi, annot bool) {
	if q.op == 'l' {
		return c.pathMulti(q.lookup)
	}
	for _, ch := range q.children {
		m, a := c.condRefs(ch)
		multi, annot = multi || m, annot || a
	}
	return multi, annot
}

// pathMulti reports whether a lookup path crosses a multi-valued relation, or starts
// at an annotation.
func (c *compiler) pathMulti(path string) (multi, annot bool) {
	m := c.model
	for i := 0; path != ""; i++ {
		var p string
		p, path, _ = strings.Cut(path, "__")
		f, ok := m.byName[p]
		switch {
		case !ok:
			if _, isAnnot := c.annots[p]; isAnnot && i == 0 {
				return false, true
			}
			_, rev := m.reverse(p)
			return rev, false
		case f.Kind == KindM2M:
			return true, false
		case f.Rel != nil:
			t, err := f.Rel.Target()
			if err != nil {
				return false, false
			}
			m = t
		default:
			return false, false
		}
	}
	return false, false
}

// notMulti compiles a negated condition across a multi-valued relation as Django's
// exclude(tags__name="go") does: the rows none of whose related rows match, as
// NOT (pk IN (SELECT pk ... WHERE <condition>)). NOT over the joined rows would keep
// every row that has some other related row, once per such row.
func (c *compiler) notMulti(q Cond) (string, error) {
	sub := newCompiler(c.d, c.model)
	sub.args, sub.annots, sub.mariadb = c.args, c.annots, c.mariadb
	if out := c.outer(); out != nil {
		sub.ext().outer = out
	}
	q.not = false
	s, err := sub.cond(q)
	if err != nil {
		return "", err
	}
	c.args = sub.args
	pk := c.col(c.qual, c.model.PK)
	from := " FROM " + sub.qual + strings.Join(sub.joins, "") + " WHERE " + s
	if c.d.Name() == "mysql" {
		// MySQL refuses a subquery on the table an UPDATE changes, unless it is
		// read into a derived table first
		alias := c.d.QuoteIdent("pk")
		return "NOT (" + pk + " IN (SELECT " + alias + " FROM (SELECT " + pk + " AS " + alias + from + ") " + c.d.QuoteIdent("sub") + "))", nil
	}
	return "NOT (" + pk + " IN (SELECT " + pk + from + "))", nil
}

// condBody compiles a condition tree, ignoring its own negation.
func (c *compiler) condBody(q Cond) (string, error) {
	var s string
	switch q.op {
	case 'l':
		var err error
		if s, err = c.leaf(q.lookup, q.value); err != nil {
			return "", err
		}
	case 'r':
		s = q.raw(c)
	case 'x':
		var err error
		if s, _, err = q.value.(Expr).compileExpr(c); err != nil {
			return "", err
		}
	case '&', '|':
		if len(q.children) == 0 {
			if q.op == '&' {
				s = "1=1"
			} else {
				s = "1=0"
			}
			break
		}
		sep := " AND "
		if q.op == '|' {
			sep = " OR "
		}
		parts := make([]string, 0, len(q.children))
		for _, ch := range q.children {
			p, err := c.cond(ch)
			if err != nil {
				return "", err
			}
			parts = append(parts, p)
		}
		s = "(" + strings.Join(parts, sep) + ")"
	default:
		return "", fmt.Errorf("orm: empty condition")
	}
	return s, nil
}

// isNull reports whether a filter value stands for SQL NULL: nil, a nil pointer, an
// unset Null[T] or an unset relation (FK, OneToOne), as None does in Django.
func isNull(v any) bool {
	if v == nil {
		return true
	}
	switch x := v.(type) {
	case interface{ nullElem() reflect.Type }:
		dv, err := v.(driver.Valuer).Value()
		return err == nil && dv == nil
	case interface{ Key() any }:
		return x.Key() == nil
	}
	rv := reflect.ValueOf(v)
	return rv.Kind() == reflect.Pointer && rv.IsNil()
}

// leaf compiles one lookup.
func (c *compiler) leaf(lookup string, value any) (string, error) {
	col, field, rest, err := c.resolvePath(lookup, true)
	if err != nil {
		return "", err
	}
	// Under a NOT, a column reached through a (LEFT) join is NULL for the rows the
	// join found nothing for: like Django, such a negated lookup keeps those rows.
	nullable := field.Null || c.negated && c.joined
	value = instanceKey(field, value)
	m := field.Model
	if m == nil {
		m = c.model
	}
	fe := func(format string, args ...any) error {
		return &FieldError{Model: m.Name, Field: field.Name, Msg: fmt.Sprintf(format, args...)}
	}
	kind := field.Kind
	lk := "exact"
	for i, r := range rest {
		switch {
		case transformNames[r]:
			if kind != KindDateTime && kind != KindDate {
				return "", fe("transform %q needs a date or time field, not %s", r, kind)
			}
			if r == "date" {
				col, kind = c.d.dateOf(col), KindDate
			} else {
				if kind == KindDate && (r == "hour" || r == "minute" || r == "second") {
					return "", fe("transform %q needs a datetime field", r)
				}
				col, kind = c.d.extract(r, col), KindInt
			}
		case lookupNames[r] && i == len(rest)-1:
			lk = r
		default:
			return "", fe("unsupported lookup %q (lookups: %s)", r, lookupList)
		}
	}
	tf := field
	if kind != field.Kind {
		tf = &Field{Model: field.Model, Name: field.Name, Kind: kind}
	}
	notNull := func(s string) string {
		if nullable && !strings.HasPrefix(col, "COUNT(") {
			return "(" + s + " AND " + col + " IS NOT NULL)"
		}
		return s
	}
	if lk == "in" {
		if sub, ok, err := c.subqueryIn(value); ok {
			if err != nil {
				return "", err
			}
			return notNull(col + " IN (" + sub + ")"), nil
		}
	}
	if e, ok := value.(Expr); ok {
		op, ok := compareOps[lk]
		if !ok {
			return "", fe("lookup %q does not take an expression", lk)
		}
		rhs, _, err := e.compileExpr(c)
		if err != nil {
			return "", err
		}
		return notNull(col + op + rhs), nil
	}
	switch lk {
	case "isnull":
		b, ok := value.(bool)
		if !ok {
			return "", fe("isnull takes a bool, not %T", value)
		}
		if b {
			return col + " IS NULL", nil
		}
		return col + " IS NOT NULL", nil
	case "exact", "gt", "gte", "lt", "lte":
		if isNull(value) {
			if lk == "exact" {
				return col + " IS NULL", nil
			}
			return "", fe("%s takes a value, not nil", lk)
		}
		v, err := coerce(tf, value)
		if err != nil {
			return "", fe("%v", err)
		}
		if v == nil { // a typed nil pointer or an invalid Null[T]: the same as nil
			if lk == "exact" {
				return col + " IS NULL", nil
			}
			return "", fe("%s takes a value, not nil", lk)
		}
		return notNull(col + compareOps[lk] + c.param(v)), nil
	case "iexact":
		s, err := textValue(tf, value)
		if err != nil {
			return "", fe("%v", err)
		}
		return notNull(c.d.lower(c.d.castText(col)) + " = " + c.d.lower(c.param(s))), nil
	case "contains", "icontains", "startswith", "istartswith", "endswith", "iendswith":
		s, err := textValue(tf, value)
		if err != nil {
			return "", fe("%v", err)
		}
		s = escapeLike(s)
		switch strings.TrimPrefix(lk, "i") {
		case "contains":
			s = "%" + s + "%"
		case "startswith":
			s = s + "%"
		case "endswith":
			s = "%" + s
		}
		return notNull(c.d.like(col, c.param(s), lk[0] == 'i')), nil
	case "regex", "iregex":
		s, ok := value.(string)
		if !ok {
			return "", fe("%s takes a string pattern, not %T", lk, value)
		}
		return notNull(c.d.regex(col, c.param(s), lk == "iregex")), nil
	case "in":
		vals, err := sliceValues(value)
		if err != nil {
			return "", fe("in: %v", err)
		}
		if len(vals) == 0 {
			return "1=0", nil
		}
		phs := make([]string, len(vals))
		for i, v := range vals {
			cv, err := coerce(tf, instanceKey(field, v))
			if err != nil {
				return "", fe("in: %v", err)
			}
			phs[i] = c.param(cv)
		}
		return notNull(col + " IN (" + strings.Join(phs, ", ") + ")"), nil
	case "range":
		vals, err := sliceValues(value)
		if err != nil || len(vals) != 2 {
			return "", fe("range takes two values ([]T{lo, hi} or [2]T)")
		}
		lo, err := coerce(tf, vals[0])
		if err != nil {
			return "", fe("range: %v", err)
		}
		hi, err := coerce(tf, vals[1])
		if err != nil {
			return "", fe("range: %v", err)
		}
		return notNull(col + " BETWEEN " + c.param(lo) + " AND " + c.param(hi)), nil
	}
	return "", fe("unsupported lookup %q", lk)
}

// instanceKey turns an object given for its own model's primary key into the key:
// Filter("tags", &tag) and Filter("articles", article) (Django's filter(tags=tag)),
// where the path ends at the related model's key.
func instanceKey(f *Field, v any) any {
	if !f.PrimaryKey || f.Model == nil || v == nil {
		return v
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Pointer && !rv.IsNil() {
		rv = rv.Elem()
	}
	if rv.Type() != f.Model.Type {
		return v
	}
	return rv.FieldByIndex(f.index).Interface()
}

func escapeLike(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s)
}

func textValue(f *Field, v any) (string, error) {
	if f.Kind != KindVarchar && f.Kind != KindText {
		return "", fmt.Errorf("text lookups need a string field, not %s", f.Kind)
	}
	rv := reflect.ValueOf(v)
	if !rv.IsValid() || rv.Kind() != reflect.String {
		return "", fmt.Errorf("expects a string, got %T", v)
	}
	return rv.String(), nil
}

func sliceValues(v any) ([]any, error) {
	if vs, ok := v.([]any); ok {
		return vs, nil
	}
	rv := reflect.ValueOf(v)
	if !rv.IsValid() || (rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array) || rv.Type() == bytesType {
		return nil, fmt.Errorf("expects a slice, got %T", v)
	}
	out := make([]any, rv.Len())
	for i := range out {
		out[i] = rv.Index(i).Interface()
	}
	return out, nil
}

func checkInt(v any) (int64, error) {
	rv := reflect.ValueOf(v)
	switch {
	case !rv.IsValid():
		return 0, fmt.Errorf("expects an integer, got nil")
	case rv.CanInt():
		return rv.Int(), nil
	case rv.CanUint():
		u := rv.Uint()
		if u > math.MaxInt64 {
			return 0, fmt.Errorf("%d overflows int64", u)
		}
		return int64(u), nil
	}
	return 0, fmt.Errorf("expects an integer, got %T", v)
}

func checkNumber(v any) (any, error) {
	rv := reflect.ValueOf(v)
	if rv.IsValid() && rv.CanFloat() {
		f := rv.Float()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, fmt.Errorf("%v is not a storable number", f)
		}
		return f, nil
	}
	if d, ok := v.(Decimal); ok {
		return d.String(), nil
	}
	n, err := checkInt(v)
	if err != nil {
		return nil, fmt.Errorf("expects a number, got %T", v)
	}
	return n, nil
}

// coerce checks that v has a Go type that fits field f and returns the value to bind.
// There are no silent conversions: a string for an integer field is an error.
func coerce(f *Field, v any) (any, error) {
	if v == nil {
		if f.Null {
			return nil, nil
		}
		return nil, fmt.Errorf("is not nullable")
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			if f.Null {
				return nil, nil
			}
			return nil, fmt.Errorf("is not nullable")
		}
		if f.Rel == nil || rv.Elem().Type() != f.Rel.TargetType {
			return coerce(f, rv.Elem().Interface())
		}
	}
	if nv, ok := v.(interface{ nullElem() reflect.Type }); ok {
		_ = nv
		dv, err := v.(driver.Valuer).Value()
		if err != nil {
			return nil, err
		}
		if dv == nil {
			return coerce(f, nil)
		}
		return coerce(f, rv.Field(0).Interface())
	}
	switch f.Kind {
	case KindInt, KindBigInt:
		n, err := checkInt(v)
		if err != nil {
			return nil, err
		}
		if f.Kind == KindInt && (n > math.MaxInt32 || n < math.MinInt32) {
			return nil, fmt.Errorf("%d overflows a 32-bit integer field", n)
		}
		switch v.(type) {
		case int64, int, int32, int16, int8, uint32, uint16, uint8:
			// In range, and every driver binds these Go types itself: handing back the
			// value given saves boxing an int64 copy (an allocation per query).
			return v, nil
		}
		return n, nil
	case KindFloat:
		if _, ok := v.(Decimal); ok {
			return nil, fmt.Errorf("expects a float, got Decimal")
		}
		return checkNumber(v)
	case KindBool:
		if rv.Kind() != reflect.Bool {
			return nil, fmt.Errorf("expects a bool, got %T", v)
		}
		return rv.Bool(), nil
	case KindVarchar, KindText:
		if _, ok := v.(string); ok {
			return v, nil
		}
		if rv.Kind() != reflect.String {
			return nil, fmt.Errorf("expects a string, got %T", v)
		}
		return rv.String(), nil
	case KindDateTime:
		t, ok := v.(time.Time)
		if !ok {
			return nil, fmt.Errorf("expects a time.Time, got %T", v)
		}
		return t.UTC(), nil
	case KindDate:
		t, ok := v.(time.Time)
		if !ok {
			return nil, fmt.Errorf("expects a time.Time, got %T", v)
		}
		return t.Format("2006-01-02"), nil
	case KindDecimal:
		switch d := v.(type) {
		case Decimal:
			return d.String(), nil
		}
		if n, err := checkInt(v); err == nil {
			return strconv.FormatInt(n, 10), nil
		}
		return nil, fmt.Errorf("expects an orm.Decimal, got %T", v)
	case KindUUID:
		switch u := v.(type) {
		case UUID:
			return u.String(), nil
		case string:
			p, err := ParseUUID(u)
			if err != nil {
				return nil, err
			}
			return p.String(), nil
		}
		return nil, fmt.Errorf("expects an orm.UUID, got %T", v)
	case KindBytes:
		b, ok := v.([]byte)
		if !ok {
			return nil, fmt.Errorf("expects []byte, got %T", v)
		}
		return b, nil
	case KindJSON:
		return nil, fmt.Errorf("JSON fields can only be filtered with isnull")
	case KindFK, KindO2O:
		t, err := f.Rel.Target()
		if err != nil {
			return nil, err
		}
		if rv.Kind() == reflect.Pointer && rv.Elem().Type() == t.Type {
			rv = rv.Elem()
		}
		if rv.Type() == t.Type {
			return coerce(t.PK, rv.FieldByIndex(t.PK.index).Interface())
		}
		if k, ok := v.(interface{ Key() any }); ok {
			if _, isRel := v.(driver.Valuer); isRel {
				return coerce(t.PK, k.Key())
			}
		}
		pv, err := coerce(t.PK, v)
		if err != nil {
			return nil, fmt.Errorf("expects a %s key (%s) or a %s, got %T", t.Name, t.PK.Kind, t.Name, v)
		}
		return pv, nil
	}
	return nil, fmt.Errorf("cannot filter a %s field", f.Kind)
}
