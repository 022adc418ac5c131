package orm

import (
	"context"
	"fmt"
	"iter"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"
	"unsafe"
)

// QuerySet is a lazy, immutable query over model T. Every method that refines it
// returns a new QuerySet; nothing runs until a method taking a context does (All,
// Get, Count, Update...). Errors in building (an unknown field, a wrong value type)
// are kept and returned by that method.
type QuerySet[T any] struct {
	db       *DB
	info     *ModelInfo
	err      error
	where    []Cond
	having   []Cond
	order    []string
	orderSet bool
	limit    int
	offset   int
	distinct bool
	related  []string
	prefetch []string
	lock     *lockOpts
	annots   []annot
	only     []string // Only: the fields to load (nil: all)
	deferred []string // Defer: the fields not to load
	combined []combinedPart[T]
}

type lockOpts struct {
	nowait, skipLocked bool
	of                 []string // SelectForUpdate(Of(...)): "self" and relation paths
}

// Q starts a query over model T on db.
func Q[T any](db *DB) QuerySet[T] {
	m, err := infoOfType(reflect.TypeFor[T]())
	qs := QuerySet[T]{db: db, info: m, err: err, limit: -1}
	if db == nil && err == nil {
		qs.err = fmt.Errorf("orm: Q[%s] with a nil *DB", m.Name)
	}
	return qs
}

// Info returns the model metadata.
func (q QuerySet[T]) Info() *ModelInfo { return q.info }

// Err returns the error recorded while building the query, if any.
func (q QuerySet[T]) Err() error { return q.err }

// DB returns a copy of the query that runs on another database.
func (q QuerySet[T]) Using(db *DB) QuerySet[T] {
	q.db = db
	return q
}

func clip[S ~[]E, E any](s S) S { return s[:len(s):len(s)] }

// condArgs reads Filter arguments: lookup/value pairs and Cond values.
func condArgs(m *ModelInfo, args []any) (Cond, error) {
	if len(args) == 2 { // Filter("field", value), the common case, without a slice
		if l, ok := args[0].(string); ok {
			return Where(l, args[1]), nil
		}
	}
	var cs []Cond
	for i := 0; i < len(args); i++ {
		switch a := args[i].(type) {
		case Cond:
			cs = append(cs, a)
		case ExistsExpr:
			cs = append(cs, a.Cond())
		case string:
			if i+1 >= len(args) {
				return Cond{}, fmt.Errorf("orm: %s: lookup %q has no value", m.Name, a)
			}
			cs = append(cs, Where(a, args[i+1]))
			i++
		default:
			return Cond{}, fmt.Errorf("orm: %s: filter arguments are lookup/value pairs, orm.Cond or orm.Exists values, got %T", m.Name, args[i])
		}
	}
	if len(cs) == 1 {
		return cs[0], nil
	}
	return And(cs...), nil
}

func (q QuerySet[T]) addCond(not bool, args []any) QuerySet[T] {
	if q.err != nil {
		return q
	}
	if len(q.combined) > 0 {
		q.err = fmt.Errorf("orm: %s: Filter and Exclude after Union, Intersection or Difference are not supported (filter the parts)", q.info.Name)
		return q
	}
	c, err := condArgs(q.info, args)
	if err != nil {
		q.err = err
		return q
	}
	if not {
		c = Not(c)
	}
	if len(q.annots) > 0 {
		if name, ok := condUsesAnnotation(c, q.annots, hasWindow); ok {
			// Django 3.2 refuses it too: a window is computed after WHERE and HAVING
			q.err = &FieldError{Model: q.info.Name, Field: name, Msg: "a window annotation cannot be filtered on (filter an outer query over it instead)"}
			return q
		}
		// conditions on aggregate annotations go to HAVING, the others to WHERE
		if _, ok := condUsesAnnotation(c, q.annots, hasAggregate); ok {
			q.having = append(clip(q.having), c)
			return q
		}
	}
	q.where = append(clip(q.where), c)
	return q
}

// condUsesAnnotation reports the first annotation with one of the flags that c
// refers to.
func condUsesAnnotation(c Cond, annots []annot, fl exprFlags) (string, bool) {
	if c.op == 'l' {
		first, _, _ := strings.Cut(c.lookup, "__")
		for _, a := range annots {
			if a.name == first && a.fl&fl != 0 {
				return a.name, true
			}
		}
		return "", false
	}
	for _, ch := range c.children {
		if n, ok := condUsesAnnotation(ch, annots, fl); ok {
			return n, true
		}
	}
	return "", false
}

// Filter keeps the rows matching every condition: lookup/value pairs
// ("title__icontains", "go", "views__gte", 10) and Cond values (Or(...), Not(...)).
func (q QuerySet[T]) Filter(args ...any) QuerySet[T] { return q.addCond(false, args) }

// Exclude drops the rows matching the conditions (all of them together).
func (q QuerySet[T]) Exclude(args ...any) QuerySet[T] { return q.addCond(true, args) }

// OrderBy sets the ordering: field paths, "-" for descending ("-published",
// "author__username"), and "?" for a random order (RANDOM() or RAND(), like Django's
// order_by('?'); "-views", "?" shuffles the rows that tie on views). Only known fields
// are accepted. No arguments clears the ordering, including the model's default.
//
// A random order sorts every matching row, so it is slow on large tables.
func (q QuerySet[T]) OrderBy(fields ...string) QuerySet[T] {
	q.order, q.orderSet = clip(fields), true
	return q
}

// Ordered reports whether the rows come in a defined order: OrderBy was given
// fields, or it was not called and the model has a default ordering (Django's
// QuerySet.ordered).
func (q QuerySet[T]) Ordered() bool {
	if q.orderSet {
		return len(q.order) > 0
	}
	return q.info != nil && len(q.info.Ordering) > 0
}

// Distinct removes duplicate rows.
func (q QuerySet[T]) Distinct() QuerySet[T] {
	q.distinct = true
	return q
}

// Limit returns at most n rows.
func (q QuerySet[T]) Limit(n int) QuerySet[T] {
	if n < 0 && q.err == nil {
		q.err = fmt.Errorf("orm: %s: negative limit %d", q.info.Name, n)
	}
	q.limit = n
	return q
}

// Offset skips n rows.
func (q QuerySet[T]) Offset(n int) QuerySet[T] {
	if n < 0 && q.err == nil {
		q.err = fmt.Errorf("orm: %s: negative offset %d", q.info.Name, n)
	}
	q.offset = n
	return q
}

// SelectRelated loads FK and OneToOne targets in the same query with JOINs
// ("author", "author__profile"); read them with the field's Obj method. A relation
// that cannot be NULL is an INNER JOIN (reached through nullable ones, a LEFT JOIN),
// as in Django.
func (q QuerySet[T]) SelectRelated(paths ...string) QuerySet[T] {
	q.related = append(clip(q.related), paths...)
	return q
}

// PrefetchRelated loads relations with one extra query per relation after the main
// one: FK and OneToOne targets (Obj), M2M fields (Items) and reverse relations into
// Reverse fields (orm.Reverse[T]). Paths nest: "articles__comments".
func (q QuerySet[T]) PrefetchRelated(paths ...string) QuerySet[T] {
	q.prefetch = append(clip(q.prefetch), paths...)
	return q
}

// SelectForUpdate locks the selected rows until the transaction ends. Like Django's
// select_for_update it must run inside Atomic: outside a transaction the lock would
// end with the statement, so the query is an error on every database. On SQLite,
// where write transactions already exclude each other, it adds nothing to the SQL.
// Options: NoWait, SkipLocked, and Of("self", "author") to lock only the rows of the
// model itself ("self") and of the named SelectRelated relations (PostgreSQL and
// MySQL 8; MariaDB has no FOR UPDATE OF and refuses the query with an error naming it).
func (q QuerySet[T]) SelectForUpdate(opts ...LockOption) QuerySet[T] {
	l := &lockOpts{}
	for _, o := range opts {
		o(l)
	}
	q.lock = l
	return q
}

// LockOption changes how SelectForUpdate locks.
type LockOption func(*lockOpts)

// NoWait makes SelectForUpdate fail at once when a row is locked (Django's nowait=True).
func NoWait() LockOption { return func(l *lockOpts) { l.nowait = true } }

// SkipLocked makes SelectForUpdate skip locked rows (Django's skip_locked=True).
func SkipLocked() LockOption { return func(l *lockOpts) { l.skipLocked = true } }

// Of makes SelectForUpdate lock only the rows of the model ("self") and of the named
// SelectRelated relations (Django's of=("self", "author")).
func Of(paths ...string) LockOption { return func(l *lockOpts) { l.of = append(l.of, paths...) } }

// SelectForUpdateNoWait is SelectForUpdate that fails at once when a row is locked.
func (q QuerySet[T]) SelectForUpdateNoWait() QuerySet[T] {
	q.lock = &lockOpts{nowait: true}
	return q
}

// SelectForUpdateSkipLocked is SelectForUpdate that skips locked rows.
func (q QuerySet[T]) SelectForUpdateSkipLocked() QuerySet[T] {
	q.lock = &lockOpts{skipLocked: true}
	return q
}

// Annotate adds named expressions to each row, read with Values or ValuesList:
// aggregates computed per group (the groups are the fields given to Values, Django's
// values(...).annotate(...)), and any other expression named with As (F arithmetic,
// functions, Case, Subquery, windows, Trunc/Extract). A Filter on an aggregate
// annotation's name becomes a HAVING clause; on another annotation, a WHERE
// condition. As in Django, an aggregate across a multi-valued relation counts the
// related rows of the Filter calls made before Annotate (filter-then-annotate), while a
// Filter made after it joins anew and leaves the aggregate alone.
func (q QuerySet[T]) Annotate(anns ...Annotation) QuerySet[T] {
	if q.err != nil {
		return q
	}
	if len(q.combined) > 0 {
		q.err = fmt.Errorf("orm: %s: Annotate after Union, Intersection or Difference is not supported (annotate the parts)", q.info.Name)
		return q
	}
	q.annots = clip(q.annots)
	for _, a := range anns {
		if a == nil {
			q.err = fmt.Errorf("orm: %s: a nil annotation", q.info.Name)
			return q
		}
		name := a.Name()
		if _, clash := q.info.byName[name]; clash || name == "pk" {
			q.err = &FieldError{Model: q.info.Name, Field: name, Msg: "the annotation's name is a field of the model"}
			return q
		}
		if name == "" {
			q.err = fmt.Errorf("orm: %s: an annotation needs a name (orm.As)", q.info.Name)
			return q
		}
		for _, b := range q.annots {
			if b.name == name {
				q.err = &FieldError{Model: q.info.Name, Field: name, Msg: "the query already has an annotation of that name"}
				return q
			}
		}
		q.annots = append(q.annots, annot{name: name, expr: a, fl: a.flags(), at: len(q.where)})
	}
	return q
}

// ---- compiling ----------------------------------------------------------------------

type selectPlan struct {
	sql     string
	args    []any
	x       *exprState // what expressions left for running it (time zones), or nil
	fields  []*Field
	related []relatedPlan
}

type relatedPlan struct {
	parent int // index into related (-1: base)
	fk     *Field
	target *ModelInfo
	first  int  // first column index
	inner  bool // joined with INNER JOIN all the way: the row is always there
}

func (q QuerySet[T]) newCompiler() *compiler {
	c := newCompiler(q.db.dialect, q.info)
	c.mariadb = q.db.root.mariadb
	if len(q.annots) > 0 {
		c.annots = make(map[string]annot, len(q.annots))
		for _, a := range q.annots {
			c.annots[a.name] = a
		}
	}
	return c
}

func (q QuerySet[T]) whereSQL(c *compiler) (string, error) {
	if len(q.where) == 0 {
		return "", nil
	}
	parts := make([]string, len(q.where))
	for i, w := range q.where {
		c.scope = i + 1 // each Filter call its own joins across multi-valued relations
		s, err := c.cond(w)
		if err != nil {
			return "", err
		}
		parts[i] = s
	}
	c.scope = 0
	// the WHERE clause holds the lists that can be long (__in): check the statement's
	// parameters so far here, for every kind of query, before anything is sent
	if err := checkParams(c.d, q.info.Name, len(c.args)); err != nil {
		return "", err
	}
	return " WHERE " + strings.Join(parts, " AND "), nil
}

func (q QuerySet[T]) orderSQL(c *compiler) (string, error) { return q.orderSQLAliased(c, nil) }

// orderSQLAliased is orderSQL in a query whose select list names its annotations:
// ordering by one uses its alias, so its expression is neither compiled (and its
// parameters bound) twice nor compared with the GROUP BY's.
func (q QuerySet[T]) orderSQLAliased(c *compiler, aliases map[string]string) (string, error) {
	order := q.order
	if !q.orderSet {
		order = q.info.Ordering
	}
	if len(order) == 0 {
		return "", nil
	}
	parts := make([]string, len(order))
	for i, o := range order {
		if o == "?" {
			if q.distinct {
				// PostgreSQL refuses an ORDER BY expression outside a DISTINCT's select
				// list; refused everywhere, so the query means the same on each database
				return "", &FieldError{Model: q.info.Name, Field: o, Msg: "a random order cannot be combined with Distinct"}
			}
			parts[i] = c.d.random()
			continue
		}
		desc := strings.HasPrefix(o, "-")
		name := strings.TrimPrefix(o, "-")
		if name == "?" {
			return "", &FieldError{Model: q.info.Name, Field: o, Msg: `a random order has no direction (write "?")`}
		}
		col, ok := aliases[name]
		if !ok {
			var rest []string
			var err error
			col, _, rest, err = c.resolvePath(name, true)
			if err != nil {
				return "", err
			}
			if len(rest) > 0 {
				return "", &FieldError{Model: q.info.Name, Field: name, Msg: "OrderBy takes field names, not lookups"}
			}
		}
		if desc {
			col += " DESC"
		} else {
			col += " ASC"
		}
		parts[i] = col
	}
	return " ORDER BY " + strings.Join(parts, ", "), nil
}

func (q QuerySet[T]) fromSQL(c *compiler) string {
	return " FROM " + c.qual + strings.Join(c.joins, "")
}

// compileSelect builds the SELECT of model rows (with SelectRelated columns).
func (q QuerySet[T]) compileSelect() (*selectPlan, error) {
	if q.err != nil {
		return nil, q.err
	}
	if len(q.annots) > 0 {
		return nil, fmt.Errorf("orm: %s: Annotate results are read with Values or ValuesList", q.info.Name)
	}
	if len(q.combined) > 0 {
		return q.compileCombinedSelect()
	}
	c := q.newCompiler()
	plan := &selectPlan{fields: q.info.concrete}
	cols := c.cache.cols
	if len(q.only) > 0 || len(q.deferred) > 0 {
		fields, err := q.loadedFields()
		if err != nil {
			return nil, err
		}
		plan.fields = fields
		cols = make([]string, len(fields))
		for i, f := range fields {
			cols[i] = c.cache.cols[f.cidx]
		}
	} else if len(q.related) > 0 {
		cols = append([]string(nil), cols...)
	}
	// select related: join each FK along the path
	aliasOf := map[string]int{}
	for _, path := range q.related {
		parts := strings.Split(path, "__")
		m, qual, parent := q.info, c.qual, -1
		inner := true // an INNER JOIN while every relation so far is NOT NULL
		prefix := ""
		for _, p := range parts {
			if prefix != "" {
				prefix += "__"
			}
			prefix += p
			f, ok := m.byName[p]
			if !ok {
				return nil, unknownField(m, p)
			}
			if f.Kind != KindFK && f.Kind != KindO2O {
				return nil, &FieldError{Model: m.Name, Field: p, Msg: "SelectRelated follows FK and OneToOne fields only (use PrefetchRelated for M2M and reverse relations)"}
			}
			t, err := f.Rel.Target()
			if err != nil {
				return nil, err
			}
			inner = inner && !f.Null
			if inner {
				qual = c.join(prefix, " INNER JOIN "+c.d.QuoteIdent(t.Table)+" {A} ON {A}."+c.d.QuoteIdent(t.PK.Column)+" = "+c.col(qual, f))
			} else {
				qual = c.joinFK(prefix, qual, f, t)
			}
			if idx, ok := aliasOf[prefix]; ok {
				parent, m = idx, t
				continue
			}
			rp := relatedPlan{parent: parent, fk: f, target: t, first: len(cols), inner: inner}
			for _, tf := range t.concrete {
				cols = append(cols, c.col(qual, tf))
			}
			plan.related = append(plan.related, rp)
			parent = len(plan.related) - 1
			aliasOf[prefix] = parent
			m = t
		}
	}
	where, err := q.whereSQL(c)
	if err != nil {
		return nil, err
	}
	order, err := q.orderSQL(c)
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	b.WriteString("SELECT ")
	if q.distinct {
		b.WriteString("DISTINCT ")
	}
	b.WriteString(strings.Join(cols, ", "))
	b.WriteString(q.fromSQL(c))
	b.WriteString(where)
	b.WriteString(order)
	b.WriteString(q.db.dialect.limitOffset(q.limit, q.offset))
	if q.lock != nil {
		lock := q.db.dialect.forUpdate(q.lock.nowait, q.lock.skipLocked)
		if len(q.lock.of) > 0 && lock != "" {
			of, err := q.lockOf(c)
			if err != nil {
				return nil, err
			}
			lock = strings.Replace(lock, " FOR UPDATE", " FOR UPDATE OF "+of, 1)
		}
		b.WriteString(lock)
	}
	plan.sql, plan.args, plan.x = b.String(), c.args, c.x
	return plan, nil
}

// zones returns the time zones the plan's statement converts to on MySQL.
func (p *selectPlan) zones() []string {
	if p.x == nil {
		return nil
	}
	return p.x.zones
}

// lockOf names the tables of SelectForUpdate(Of(...)): the model's table for "self",
// the alias of a SelectRelated join for a relation path.
func (q QuerySet[T]) lockOf(c *compiler) (string, error) {
	names := make([]string, len(q.lock.of))
	for i, p := range q.lock.of {
		if p == "self" {
			names[i] = c.qual
			if c.d.Name() == "mysql" {
				names[i] = c.d.QuoteIdent(q.info.Table)
			}
			continue
		}
		a, ok := c.joinAlias[p]
		if !ok || !containsString(q.related, p) && !relatedPrefix(q.related, p) {
			return "", &FieldError{Model: q.info.Name, Field: p, Msg: `SelectForUpdate(Of(...)) names "self" or relations given to SelectRelated`}
		}
		names[i] = a
	}
	return strings.Join(names, ", "), nil
}

func relatedPrefix(related []string, p string) bool {
	for _, r := range related {
		if strings.HasPrefix(r, p+"__") {
			return true
		}
	}
	return false
}

// loadedFields returns the fields Only and Defer leave to load (the key always).
func (q QuerySet[T]) loadedFields() ([]*Field, error) {
	if len(q.only) == 0 && len(q.deferred) == 0 {
		return q.info.concrete, nil
	}
	named := map[*Field]bool{}
	for _, n := range append(append([]string(nil), q.only...), q.deferred...) {
		if n == "pk" {
			named[q.info.PK] = true
			continue
		}
		f, ok := q.info.byName[n]
		if !ok {
			return nil, unknownField(q.info, n)
		}
		if !f.Concrete() {
			return nil, &FieldError{Model: q.info.Name, Field: n, Msg: "Only and Defer take fields with a column"}
		}
		named[f] = true
	}
	var out []*Field
	for _, f := range q.info.concrete {
		keep := !named[f]
		if len(q.only) > 0 {
			keep = named[f] && !containsField(q.info, q.deferred, f)
		}
		if keep || f == q.info.PK {
			out = append(out, f)
		}
	}
	return out, nil
}

func containsField(m *ModelInfo, names []string, f *Field) bool {
	for _, n := range names {
		if m.byName[n] == f {
			return true
		}
	}
	return false
}

// Only loads just the named fields (and the primary key); the others keep their zero
// values (Django's only()). Saving such an object writes every field, zeros included:
// save it with db.Save(ctx, &obj, orm.Fields(...)) naming the loaded fields, or load
// it whole.
func (q QuerySet[T]) Only(fields ...string) QuerySet[T] {
	q.only = append(clip(q.only), fields...)
	return q
}

// Defer loads every field but the named ones, which keep their zero values (Django's
// defer()); see Only about saving.
func (q QuerySet[T]) Defer(fields ...string) QuerySet[T] {
	q.deferred = append(clip(q.deferred), fields...)
	return q
}

// SQL returns the SELECT statement and its parameters, for debugging.
func (q QuerySet[T]) SQL() (string, []any, error) {
	p, err := q.compileSelect()
	if err != nil {
		return "", nil, err
	}
	return p.sql, p.args, nil
}

// ---- reading ------------------------------------------------------------------------

// rowReader scans rows of a plan into values of T.
type rowReader struct {
	plan  *selectPlan
	dests []any
	objs  []unsafe.Pointer
	decs  bool // a field read is a decimal (see padDecimals)
	// nativeTime: the driver scans timestamps and dates into a *time.Time itself
	// (pgx), so NOT NULL time fields of rows that are always there take the
	// driver's own path (no sql.Scanner, no allocation per value) and are put in
	// UTC after the scan. See DB.nativeTime.
	nativeTime bool
}

// nativeTime reports whether db's driver scans timestamps into a *time.Time itself
// (pgx does; SQLite gives text, which timeScanner parses).
func (db *DB) nativeTime() bool {
	_, ok := db.root.pool.(*pgxPool)
	return ok
}

// plainTime reports whether f is a NOT NULL time.Time field, which a driver that
// scans times natively can fill directly.
func plainTime(f *Field) bool {
	return (f.Kind == KindDateTime || f.Kind == KindDate) && !f.ptr && !f.Null && f.GoType == timeType
}

// dest returns the scan destination of f in the object at base.
func (r *rowReader) dest(f *Field, base unsafe.Pointer) any {
	if r.nativeTime && plainTime(f) {
		return (*time.Time)(unsafe.Add(base, f.offset))
	}
	return fieldDest(f, base)
}

// utcTimes puts the times scanned natively into fs of the object at base in UTC,
// as timeScanner does.
func utcTimes(fs []*Field, base unsafe.Pointer) {
	for _, f := range fs {
		if plainTime(f) {
			t := (*time.Time)(unsafe.Add(base, f.offset))
			*t = t.UTC()
		}
	}
}

func newRowReader(plan *selectPlan) *rowReader {
	n := len(plan.fields)
	decs := hasDecimal(plan.fields)
	for _, rp := range plan.related {
		n += len(rp.target.concrete)
		decs = decs || hasDecimal(rp.target.concrete)
	}
	return &rowReader{plan: plan, dests: make([]any, n), objs: make([]unsafe.Pointer, len(plan.related)), decs: decs}
}

var rowReaders = sync.Pool{New: func() any { return new(rowReader) }}

// getRowReader is newRowReader with a reader (and its lists) used before, for a
// query that reads its rows and is done with them; give it back with release.
func getRowReader(plan *selectPlan, nativeTime bool) *rowReader {
	n := len(plan.fields)
	decs := hasDecimal(plan.fields)
	for _, rp := range plan.related {
		n += len(rp.target.concrete)
		decs = decs || hasDecimal(rp.target.concrete)
	}
	r := rowReaders.Get().(*rowReader)
	if cap(r.dests) < n {
		r.dests = make([]any, n)
	}
	if cap(r.objs) < len(plan.related) {
		r.objs = make([]unsafe.Pointer, len(plan.related))
	}
	r.plan, r.dests, r.objs, r.decs, r.nativeTime = plan, r.dests[:n], r.objs[:len(plan.related)], decs, nativeTime
	return r
}

// release gives a reader from getRowReader back, keeping no pointer into the rows
// it read.
func (r *rowReader) release() {
	if cap(r.dests) > 256 {
		return
	}
	clear(r.dests)
	clear(r.objs)
	r.plan = nil
	rowReaders.Put(r)
}

func hasDecimal(fs []*Field) bool {
	for _, f := range fs {
		if f.Kind == KindDecimal && f.DecimalPlaces > 0 {
			return true
		}
	}
	return false
}

// padDecimals gives the decimals read into the object at base their field's
// decimal_places digits ("12.50"), as PostgreSQL and MySQL return them: SQLite keeps
// a decimal as a number and gives back 12.5 (Django quantizes it there the same way).
func padDecimals(fs []*Field, base unsafe.Pointer) {
	for _, f := range fs {
		padDecimal(f, unsafe.Add(base, f.offset))
	}
}

// padDecimal is padDecimals for the value of field f at p.
func padDecimal(f *Field, p unsafe.Pointer) {
	if f.Kind != KindDecimal || f.DecimalPlaces <= 0 {
		return
	}
	switch f.GoType {
	case decimalType:
		d := (*Decimal)(p)
		*d = d.places(f.DecimalPlaces)
	case reflect.TypeFor[*Decimal]():
		if d := *(**Decimal)(p); d != nil {
			*d = d.places(f.DecimalPlaces)
		}
	case reflect.TypeFor[Null[Decimal]]():
		if n := (*Null[Decimal])(p); n.Valid {
			n.V = n.V.places(f.DecimalPlaces)
		}
	}
}

func fieldDest(f *Field, base unsafe.Pointer) any { return destAt(f, unsafe.Add(base, f.offset)) }

// destAt returns the scan destination for a value of f's type at p.
func destAt(f *Field, p unsafe.Pointer) any {
	if f.Kind == KindJSON {
		return &jsonScanner{dst: reflect.NewAt(f.GoType, p), null: f.ptr}
	}
	if (f.Kind == KindDateTime || f.Kind == KindDate) && !f.ptr && f.GoType == timeType {
		return timeScanner{dst: (*time.Time)(p)}
	}
	return f.scan(p)
}

func (r *rowReader) scan(rows Rows, base unsafe.Pointer) error {
	for i, f := range r.plan.fields {
		r.dests[i] = r.dest(f, base)
	}
	for j, rp := range r.plan.related {
		obj := reflect.New(rp.target.Type).UnsafePointer()
		r.objs[j] = obj
		for k, tf := range rp.target.concrete {
			if rp.inner {
				// the row is there: its columns scan like the base row's (a
				// nullSkip would cost the driver's fast paths and an allocation)
				r.dests[rp.first+k] = r.dest(tf, obj)
			} else {
				r.dests[rp.first+k] = &nullSkip{dst: fieldDest(tf, obj)}
			}
		}
	}
	if err := rows.Scan(r.dests...); err != nil {
		return wrapDBErr(err)
	}
	if r.decs {
		padDecimals(r.plan.fields, base)
	}
	if r.nativeTime {
		utcTimes(r.plan.fields, base)
	}
	for j, rp := range r.plan.related {
		if !rp.inner && !r.dests[rp.first+indexOf(rp.target.concrete, rp.target.PK)].(*nullSkip).set {
			continue
		}
		if r.decs {
			padDecimals(rp.target.concrete, r.objs[j])
		}
		if r.nativeTime && rp.inner {
			utcTimes(rp.target.concrete, r.objs[j])
		}
		owner := base
		if rp.parent >= 0 {
			owner = r.objs[rp.parent]
			if owner == nil {
				continue
			}
		}
		setRelObj(rp.fk, owner, r.objs[j])
	}
	return nil
}

func indexOf(fs []*Field, f *Field) int {
	for i, x := range fs {
		if x == f {
			return i
		}
	}
	return -1
}

// objSetter is implemented by *ref[T].
type objSetter interface{ setObj(p unsafe.Pointer) }

func (r *ref[T]) setObj(p unsafe.Pointer) { r.obj = (*T)(p) }

func setRelObj(f *Field, owner, obj unsafe.Pointer) {
	reflect.NewAt(f.GoType, unsafe.Add(owner, f.offset)).Interface().(objSetter).setObj(obj)
}

// errNoTxLock reports a SelectForUpdate run outside a transaction.
func (q QuerySet[T]) errNoTxLock(ctx context.Context) error {
	if q.lock != nil && len(q.lock.of) > 0 && q.db.dialect.Name() == "mysql" && q.db.root.isMariaDB(ctx) {
		return fmt.Errorf("orm: %s: MariaDB does not support SELECT ... FOR UPDATE OF (SelectForUpdate(orm.Of(...))); lock without Of", q.info.Name)
	}
	if q.lock == nil || q.db.txFor(ctx) != nil {
		return nil
	}
	return fmt.Errorf("orm: %s: SelectForUpdate outside a transaction (run it inside db.Atomic, with the ctx it passes)", q.info.Name)
}

// All runs the query and returns every row.
func (q QuerySet[T]) All(ctx context.Context) ([]T, error) {
	plan, err := q.compileSelect()
	if err != nil {
		return nil, err
	}
	if err := q.errNoTxLock(ctx); err != nil {
		return nil, err
	}
	if err := q.db.checkZones(ctx, plan.zones()); err != nil {
		return nil, err
	}
	rows, err := q.db.read(ctx, plan.sql, plan.args)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	if q.limit > 0 && q.limit <= 1000 {
		out = make([]T, 0, q.limit)
	}
	rr := getRowReader(plan, q.db.nativeTime())
	defer rr.release()
	var zero T
	for rows.Next() {
		out = append(out, zero)
		if err := rr.scan(rows, unsafe.Pointer(&out[len(out)-1])); err != nil {
			return nil, err
		}
	}
	if err := rows.Err(); err != nil {
		return nil, wrapDBErr(err)
	}
	if len(q.prefetch) > 0 && len(out) > 0 {
		if err := prefetch(ctx, q.db, q.info, unsafe.Pointer(&out[0]), len(out), int(unsafe.Sizeof(zero)), q.prefetch); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Iter streams the rows, one allocation per row, without holding them all. Stop by
// breaking out of the loop; an error is yielded once, last. Inside a transaction on
// PostgreSQL and MySQL it reads the rows before yielding them (the transaction's one
// connection cannot run the loop body's queries while a result is open), so there it
// holds them all like All.
func (q QuerySet[T]) Iter(ctx context.Context) iter.Seq2[*T, error] {
	return func(yield func(*T, error) bool) {
		if len(q.prefetch) > 0 {
			yield(nil, fmt.Errorf("orm: %s: PrefetchRelated needs All, not Iter", q.info.Name))
			return
		}
		plan, err := q.compileSelect()
		if err == nil {
			err = q.errNoTxLock(ctx)
		}
		if err == nil {
			err = q.db.checkZones(ctx, plan.zones())
		}
		if err != nil {
			yield(nil, err)
			return
		}
		rows, err := q.db.read(ctx, plan.sql, plan.args)
		if err != nil {
			yield(nil, err)
			return
		}
		defer rows.Close()
		rr := newRowReader(plan)
		if q.db.txFor(ctx) != nil && q.db.dialect.Name() != "sqlite" {
			// A transaction is one connection, and PostgreSQL and MySQL cannot run
			// another statement on it while a result is open ("conn busy", "bad
			// connection"): read the rows first, so the loop body may write.
			var objs []*T
			for rows.Next() {
				obj := new(T)
				if err := rr.scan(rows, unsafe.Pointer(obj)); err != nil {
					yield(nil, err)
					return
				}
				objs = append(objs, obj)
			}
			if err := rows.Err(); err != nil {
				yield(nil, wrapDBErr(err))
				return
			}
			rows.Close()
			for _, obj := range objs {
				if !yield(obj, nil) {
					return
				}
			}
			return
		}
		for rows.Next() {
			obj := new(T)
			if err := rr.scan(rows, unsafe.Pointer(obj)); err != nil {
				yield(nil, err)
				return
			}
			if !yield(obj, nil) {
				return
			}
		}
		if err := rows.Err(); err != nil {
			yield(nil, wrapDBErr(err))
		}
	}
}

// Get returns the one row matching the query and the optional extra conditions:
// ErrNotFound when there is none (a 404 from a handler), ErrMultipleObjects when there
// are several.
func (q QuerySet[T]) Get(ctx context.Context, args ...any) (*T, error) {
	if len(args) == 2 {
		if name, ok := args[0].(string); ok && (name == "pk" || name == q.info.PK.Name || name == q.info.PK.Name+"__exact") {
			if q.simple() {
				return q.getPK(ctx, args[1])
			}
			if len(q.related) > 0 && args[1] != nil && q.withRelated().simple() {
				return q.getPKRelated(ctx, args[1])
			}
		}
	}
	if len(args) > 0 {
		q = q.Filter(args...)
	}
	if q.limit < 0 {
		q.limit = 2
	}
	q.orderSet, q.order = true, nil
	items, err := q.All(ctx)
	if err != nil {
		return nil, err
	}
	switch len(items) {
	case 0:
		return nil, notFound(q.info)
	case 1:
		return &items[0], nil
	}
	return nil, multiple(q.info, -1)
}

func (q QuerySet[T]) simple() bool {
	return q.err == nil && len(q.where) == 0 && len(q.having) == 0 && len(q.related) == 0 && len(q.prefetch) == 0 &&
		q.lock == nil && len(q.annots) == 0 && !q.distinct && q.limit < 0 && q.offset == 0 &&
		len(q.combined) == 0 && len(q.only) == 0 && len(q.deferred) == 0
}

// withRelated returns q without its SelectRelated paths.
func (q QuerySet[T]) withRelated() QuerySet[T] {
	q.related = nil
	return q
}

// getPKRelated is Get by primary key with SelectRelated paths and nothing else:
// the statement and its reading plan are compiled once per set of paths and kept
// with the model.
func (q QuerySet[T]) getPKRelated(ctx context.Context, key any) (*T, error) {
	v, err := coerce(q.info.PK, key)
	if err != nil {
		return nil, &FieldError{Model: q.info.Name, Field: q.info.PK.Name, Msg: err.Error()}
	}
	sc := q.info.sql(q.db.dialect)
	plan, err := relatedGet(sc, q, v)
	if err != nil {
		return nil, err
	}
	if err := q.db.checkZones(ctx, plan.zones()); err != nil {
		return nil, err
	}
	buf := getArgs()
	defer buf.release()
	buf.add(v)
	rows, err := q.db.read(ctx, plan.sql, buf.args)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	obj := new(T)
	n := 0
	rr := getRowReader(plan, q.db.nativeTime())
	defer rr.release()
	for rows.Next() {
		if n++; n > 1 {
			break
		}
		if err := rr.scan(rows, unsafe.Pointer(obj)); err != nil {
			return nil, err
		}
	}
	if err := rows.Err(); err != nil {
		return nil, wrapDBErr(err)
	}
	switch n {
	case 0:
		return nil, notFound(q.info)
	case 1:
		return obj, nil
	}
	return nil, multiple(q.info, -1)
}

// getPK is Get by primary key with the model's cached statement.
func (q QuerySet[T]) getPK(ctx context.Context, key any) (*T, error) {
	v, err := coerce(q.info.PK, key)
	if err != nil {
		return nil, &FieldError{Model: q.info.Name, Field: q.info.PK.Name, Msg: err.Error()}
	}
	sc := q.info.sql(q.db.dialect)
	buf := getArgs()
	defer buf.release()
	buf.add(v)
	obj := new(T)
	fields := q.info.concrete
	dests := make([]any, len(fields))
	for i, f := range fields {
		dests[i] = fieldDest(f, unsafe.Pointer(obj))
	}
	n, err := q.db.readRow(ctx, sc.getByPK, buf.args, dests)
	switch {
	case err != nil:
		return nil, err
	case n == 0:
		return nil, notFound(q.info)
	case n > 1:
		return nil, multiple(q.info, -1)
	}
	if hasDecimal(fields) {
		padDecimals(fields, unsafe.Pointer(obj))
	}
	return obj, nil
}

// First returns the first row by the query's ordering (by primary key when there is
// none), or ErrNotFound.
func (q QuerySet[T]) First(ctx context.Context) (*T, error) {
	if !q.orderSet && len(q.info.Ordering) == 0 || q.orderSet && len(q.order) == 0 {
		q = q.OrderBy(q.info.PK.Name)
	}
	items, err := q.Limit(1).All(ctx)
	if err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return nil, notFound(q.info)
	}
	return &items[0], nil
}

// Last returns the last row by the query's ordering (by primary key when there is
// none), or ErrNotFound.
func (q QuerySet[T]) Last(ctx context.Context) (*T, error) {
	order := q.order
	if !q.orderSet {
		order = q.info.Ordering
	}
	if len(order) == 0 {
		order = []string{q.info.PK.Name}
	}
	rev := make([]string, len(order))
	for i, o := range order {
		switch {
		case o == "?":
			rev[i] = o // reversed, a random order is a random order
		case strings.HasPrefix(o, "-"):
			rev[i] = o[1:]
		default:
			rev[i] = "-" + o
		}
	}
	return q.OrderBy(rev...).First(ctx)
}

// Count returns the number of matching rows.
func (q QuerySet[T]) Count(ctx context.Context) (int64, error) {
	if q.err != nil {
		return 0, q.err
	}
	c := q.newCompiler()
	var query string
	if len(q.combined) > 0 {
		plan, err := q.compileCombinedSelect()
		if err != nil {
			return 0, err
		}
		query, c.args = "SELECT COUNT(*) FROM ("+plan.sql+") "+q.db.dialect.QuoteIdent("sub"), plan.args
		c.addZones(plan.zones()...)
	} else {
		where, err := q.whereSQL(c)
		if err != nil {
			return 0, err
		}
		if q.distinct || q.limit >= 0 || q.offset > 0 {
			inner := "SELECT "
			if q.distinct {
				inner += "DISTINCT "
			}
			cols := make([]string, len(q.info.concrete))
			for i, f := range q.info.concrete {
				cols[i] = c.col(c.qual, f)
			}
			inner += strings.Join(cols, ", ") + q.fromSQL(c) + where + q.db.dialect.limitOffset(q.limit, q.offset)
			query = "SELECT COUNT(*) FROM (" + inner + ") " + q.db.dialect.QuoteIdent("sub")
		} else {
			query = "SELECT COUNT(*)" + q.fromSQL(c) + where
		}
	}
	if err := q.db.checkZones(ctx, c.zones()); err != nil {
		return 0, err
	}
	rows, err := q.db.read(ctx, query, c.args)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	var n int64
	if rows.Next() {
		if err := rows.Scan(&n); err != nil {
			return 0, wrapDBErr(err)
		}
	}
	return n, wrapDBErr(rows.Err())
}

// Exists reports whether any row matches.
func (q QuerySet[T]) Exists(ctx context.Context) (bool, error) {
	if q.err != nil {
		return false, q.err
	}
	if len(q.combined) > 0 {
		n, err := q.Limit(1).Count(ctx)
		return n > 0, err
	}
	c := q.newCompiler()
	where, err := q.whereSQL(c)
	if err != nil {
		return false, err
	}
	query := "SELECT 1" + q.fromSQL(c) + where + q.db.dialect.limitOffset(1, q.offset)
	if err := q.db.checkZones(ctx, c.zones()); err != nil {
		return false, err
	}
	rows, err := q.db.read(ctx, query, c.args)
	if err != nil {
		return false, err
	}
	defer rows.Close()
	ok := rows.Next()
	return ok, wrapDBErr(rows.Err())
}

// ---- values -------------------------------------------------------------------------

type valueCol struct {
	name  string
	field *Field // nil for COUNT(*)
	agg   *Aggregate
	expr  bool // an annotation: read by its result's kind (see normalizeExpr)
}

// aggOf returns the aggregate an annotation is (alone or as a window function).
func aggOf(e Expr) *Aggregate {
	switch x := e.(type) {
	case Aggregate:
		return &x
	case Named:
		return aggOf(x.expr)
	case Window:
		return aggOf(x.Expr)
	}
	return nil
}

// segment is the range of a compiler's arguments one clause bound.
type segment struct{ from, to int }

// textual puts the arguments bound since base into the order of the segments, which
// is their order in the statement's text. Clauses compile out of textual order (WHERE
// before the select list, whose annotations reuse its joins); "?" markers bind by
// position, so the arguments move with their clause. PostgreSQL's numbered markers
// already name their argument.
func (c *compiler) textual(base int, segs ...segment) {
	if c.d.Name() == "postgres" {
		return
	}
	out := make([]any, 0, len(c.args)-base)
	for _, s := range segs {
		out = append(out, c.args[s.from:s.to]...)
	}
	if len(out) != len(c.args)-base {
		panic("orm: internal error: argument segments do not cover the statement")
	}
	copy(c.args[base:], out)
}

func (q QuerySet[T]) compileValues(fields []string) (string, []any, []valueCol, []string, error) {
	if q.err != nil {
		return "", nil, nil, nil, q.err
	}
	c := q.newCompiler()
	if len(q.combined) > 0 {
		query, vcs, err := q.compileCombined(c, fields)
		return query, c.args, vcs, c.zones(), err
	}
	query, vcs, err := q.valuesSQL(c, fields, false)
	return query, c.args, vcs, c.zones(), err
}

// valuesSQL compiles the SELECT of Values on c, whose arguments it appends to. With
// listedOnly (a subquery's one column) it selects the named fields and annotations
// only.
func (q QuerySet[T]) valuesSQL(c *compiler, fields []string, listedOnly bool) (string, []valueCol, error) {
	grouped := false
	for _, a := range q.annots {
		if !listedOnly || containsString(fields, a.name) {
			grouped = grouped || a.fl&hasAggregate != 0
		}
	}
	if !q.orderSet && (grouped || q.distinct) {
		// The model's default ordering would put its columns in ORDER BY, which
		// PostgreSQL refuses when they are neither grouped nor selected (and which
		// would change the groups elsewhere): like Django, a GROUP BY query ignores
		// Meta.Ordering, and so does a DISTINCT one. An explicit OrderBy still applies.
		q.orderSet, q.order = true, nil
	}
	if len(fields) == 0 {
		for _, f := range q.info.concrete {
			fields = append(fields, f.Name)
		}
	}
	base := len(c.args)
	// WHERE first: the fields and annotations then reuse its joins across
	// multi-valued relations, as Django's annotate does after filter
	where, err := q.whereSQL(c)
	if err != nil {
		return "", nil, err
	}
	whereSeg := segment{base, len(c.args)}
	var cols, group []string
	var vcs []valueCol
	listed := map[string]bool{}
	aliases := map[string]string{}
	addAnnot := func(a annot) error {
		s, f, err := c.annotSQL(a)
		if err != nil {
			return err
		}
		alias := c.d.QuoteIdent(a.name)
		aliases[a.name] = alias
		cols = append(cols, s+" AS "+alias)
		if a.fl&(hasAggregate|hasWindow) == 0 {
			// grouped by position: the expression may hold parameters
			group = append(group, strconv.Itoa(len(cols)))
		}
		vcs = append(vcs, valueCol{name: a.name, field: f, agg: aggOf(a.expr), expr: true})
		return nil
	}
	for _, name := range fields {
		if a, isAnnot := c.annots[name]; isAnnot {
			if a.fl&(hasAggregate|hasWindow) != 0 && !listedOnly {
				return "", nil, &FieldError{Model: q.info.Name, Field: name, Msg: "aggregate and window annotations are added to Values results automatically"}
			}
			if listed[name] {
				continue
			}
			listed[name] = true
			if err := addAnnot(a); err != nil {
				return "", nil, err
			}
			continue
		}
		col, f, rest, err := c.resolvePath(name, true)
		if err != nil {
			return "", nil, err
		}
		if len(rest) > 0 {
			return "", nil, &FieldError{Model: q.info.Name, Field: name, Msg: "Values takes field names, not lookups"}
		}
		cols = append(cols, col)
		group = append(group, col)
		vcs = append(vcs, valueCol{name: name, field: f})
	}
	for _, a := range q.annots {
		if listed[a.name] || listedOnly {
			continue
		}
		if err := addAnnot(a); err != nil {
			return "", nil, err
		}
	}
	selectSeg := segment{whereSeg.to, len(c.args)}
	having := ""
	if len(q.having) > 0 {
		parts := make([]string, len(q.having))
		for i, h := range q.having {
			if parts[i], err = c.cond(h); err != nil {
				return "", nil, err
			}
		}
		having = " HAVING " + strings.Join(parts, " AND ")
		if err := checkParams(c.d, q.info.Name, len(c.args)); err != nil {
			return "", nil, err
		}
	}
	havingSeg := segment{selectSeg.to, len(c.args)}
	order, err := q.orderSQLAliased(c, aliases)
	if err != nil {
		return "", nil, err
	}
	c.textual(base, selectSeg, whereSeg, havingSeg, segment{havingSeg.to, len(c.args)})
	var b strings.Builder
	b.WriteString("SELECT ")
	if q.distinct {
		b.WriteString("DISTINCT ")
	}
	b.WriteString(strings.Join(cols, ", "))
	b.WriteString(q.fromSQL(c))
	b.WriteString(where)
	if grouped && len(group) > 0 {
		b.WriteString(" GROUP BY " + strings.Join(group, ", "))
	}
	b.WriteString(having)
	b.WriteString(order)
	b.WriteString(q.db.dialect.limitOffset(q.limit, q.offset))
	return b.String(), vcs, nil
}

func valueHolder(vc valueCol) (dest any, get func() any) {
	if vc.expr && vc.agg == nil && vc.field != nil {
		a := &anyScanner{}
		return a, func() any { return normalizeExpr(a.v, vc.field) }
	}
	if vc.agg != nil || vc.field == nil {
		a := &anyScanner{}
		return a, func() any { return normalizeAggregate(a.v, vc) }
	}
	f := vc.field
	if f.Rel != nil {
		a := &anyScanner{}
		return a, func() any { return a.v }
	}
	p := reflect.New(f.GoType)
	return destAt(f, p.UnsafePointer()), func() any {
		padDecimal(f, p.UnsafePointer())
		return p.Elem().Interface()
	}
}

func normalizeAggregate(v any, vc valueCol) any {
	if b, ok := v.([]byte); ok {
		v = string(b)
	}
	if v == nil {
		return nil
	}
	if f := vc.field; f != nil && vc.agg != nil {
		switch {
		case (f.Kind == KindDateTime || f.Kind == KindDate) && (vc.agg.fn == "MIN" || vc.agg.fn == "MAX"):
			// the field's own reading: SQLite and MySQL give text, PostgreSQL a time in
			// the session zone; every path returns a UTC time.Time like a model read.
			var tm time.Time
			if (timeScanner{dst: &tm}).Scan(v) == nil {
				return tm
			}
		case f.Kind == KindDecimal && vc.agg.fn != "COUNT" && vc.agg.fn != "AVG":
			// SQLite's numeric affinity keeps decimals as REAL, so its SUM is a float
			// sum (0.1+0.2); the exact sum of values with decimal_places digits has
			// that many digits, so rounding to them restores the exact result.
			var d Decimal
			if d.Scan(v) == nil {
				if f.DecimalPlaces > 0 {
					d = d.Round(f.DecimalPlaces)
				}
				return d
			}
		}
	}
	if vc.field != nil && vc.field.Kind == KindDecimal && (vc.agg == nil || vc.agg.fn != "COUNT") {
		switch v.(type) {
		case float64, int64:
			var d Decimal
			if d.Scan(v) == nil {
				return d
			}
		}
	}
	s, ok := v.(string)
	if !ok {
		if f, isF := v.(float64); isF && vc.agg != nil && vc.agg.fn != "AVG" && vc.field != nil &&
			(vc.field.Kind == KindInt || vc.field.Kind == KindBigInt || vc.field.Kind == KindFK) && f == float64(int64(f)) {
			return int64(f)
		}
		return v
	}
	if vc.field != nil && (vc.field.Kind == KindVarchar || vc.field.Kind == KindText || vc.field.Kind == KindUUID) {
		return s
	}
	if vc.field != nil && vc.field.Kind == KindDecimal {
		if d, err := ParseDecimal(s); err == nil {
			return d
		}
	}
	if vc.agg != nil && vc.agg.fn == "AVG" {
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return f
		}
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		return f
	}
	return s
}

// Values returns the rows as maps from field name to value (all concrete fields when
// none are named). With Annotate, the named fields are the groups and each map also
// holds the aggregates.
func (q QuerySet[T]) Values(ctx context.Context, fields ...string) ([]map[string]any, error) {
	var out []map[string]any
	err := q.readValues(ctx, fields, func(names []string, vals []any) {
		m := make(map[string]any, len(vals))
		for i, n := range names {
			m[n] = vals[i]
		}
		out = append(out, m)
	})
	return out, err
}

// ValuesList returns the rows as slices of values, in the order of fields.
func (q QuerySet[T]) ValuesList(ctx context.Context, fields ...string) ([][]any, error) {
	var out [][]any
	err := q.readValues(ctx, fields, func(_ []string, vals []any) {
		out = append(out, append([]any(nil), vals...))
	})
	return out, err
}

func (q QuerySet[T]) readValues(ctx context.Context, fields []string, emit func([]string, []any)) error {
	query, args, vcs, zones, err := q.compileValues(fields)
	if err != nil {
		return err
	}
	if err := q.db.checkZones(ctx, zones); err != nil {
		return err
	}
	rows, err := q.db.read(ctx, query, args)
	if err != nil {
		return err
	}
	defer rows.Close()
	names := make([]string, len(vcs))
	for i, vc := range vcs {
		names[i] = vc.name
	}
	dests := make([]any, len(vcs))
	gets := make([]func() any, len(vcs))
	vals := make([]any, len(vcs))
	for rows.Next() {
		for i, vc := range vcs {
			dests[i], gets[i] = valueHolder(vc)
		}
		if err := rows.Scan(dests...); err != nil {
			return wrapDBErr(err)
		}
		for i := range vals {
			vals[i] = gets[i]()
		}
		emit(names, vals)
	}
	return wrapDBErr(rows.Err())
}

// Aggregate computes aggregates over the matching rows and returns them by name:
// Aggregate(ctx, Count("id"), Sum("views").As("total")).
func (q QuerySet[T]) Aggregate(ctx context.Context, aggs ...Aggregate) (map[string]any, error) {
	if len(aggs) == 0 {
		return nil, fmt.Errorf("orm: %s: Aggregate needs at least one aggregate", q.info.Name)
	}
	if q.err != nil {
		return nil, q.err
	}
	if len(q.combined) > 0 {
		return nil, fmt.Errorf("orm: %s: Aggregate over a Union, Intersection or Difference is not supported", q.info.Name)
	}
	c := q.newCompiler()
	where, err := q.whereSQL(c) // first, so the aggregates reuse its joins (see compileValues)
	if err != nil {
		return nil, err
	}
	var cols []string
	var vcs []valueCol
	for i := range aggs {
		a := aggs[i]
		s, f, err := a.compileExpr(c)
		if err != nil {
			return nil, err
		}
		cols = append(cols, s)
		vcs = append(vcs, valueCol{name: a.Name(), field: f, agg: &a})
	}
	from := q.fromSQL(c)
	query := "SELECT " + strings.Join(cols, ", ") + from + where
	args := c.args
	if q.limit >= 0 || q.offset > 0 || q.distinct {
		return nil, fmt.Errorf("orm: %s: Aggregate over a sliced or distinct query is not supported", q.info.Name)
	}
	rows, err := q.db.read(ctx, query, args)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]any{}
	if rows.Next() {
		dests := make([]any, len(vcs))
		gets := make([]func() any, len(vcs))
		for i, vc := range vcs {
			dests[i], gets[i] = valueHolder(vc)
		}
		if err := rows.Scan(dests...); err != nil {
			return nil, wrapDBErr(err)
		}
		for i, vc := range vcs {
			out[vc.name] = gets[i]()
		}
	}
	return out, wrapDBErr(rows.Err())
}

// InBulk returns the rows whose primary key is in keys, by key (all rows when keys is
// nil).
func (q QuerySet[T]) InBulk(ctx context.Context, keys []any) (map[any]*T, error) {
	if keys == nil {
		return q.inBulk(ctx, q, nil)
	}
	if len(keys) == 0 {
		return map[any]*T{}, nil
	}
	// one statement binds a bounded number of parameters: chunk the keys (the rest of
	// the query's parameters fit in the margin chunkSize leaves)
	size := chunkSize(q.db.dialect)
	if len(keys) > size && (q.limit >= 0 || q.offset > 0) {
		return nil, fmt.Errorf("orm: %s: InBulk with %d keys on a sliced query: remove Limit/Offset or pass at most %d keys", q.info.Name, len(keys), size)
	}
	out := map[any]*T{}
	for _, ch := range chunks(keys, size) {
		if _, err := q.inBulk(ctx, q.Filter(q.info.PK.Name+"__in", ch), out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (q QuerySet[T]) inBulk(ctx context.Context, sub QuerySet[T], out map[any]*T) (map[any]*T, error) {
	items, err := sub.All(ctx)
	if err != nil {
		return nil, err
	}
	if out == nil {
		out = make(map[any]*T, len(items))
	}
	for i := range items {
		out[pkOf(q.info, unsafe.Pointer(&items[i]))] = &items[i]
	}
	return out, nil
}

func pkOf(m *ModelInfo, p unsafe.Pointer) any {
	return reflect.NewAt(m.PK.GoType, unsafe.Add(p, m.PK.offset)).Elem().Interface()
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// ValuesListFlat returns one field (or annotation) of each row as a []V, Django's
// values_list(field, flat=True): ValuesListFlat[string](ctx, qs, "slug"). V is the
// field's Go value type as Values returns it (any takes every value); a NULL is V's
// zero value (nil for any or a pointer), and a number converts to another number type.
func ValuesListFlat[V any, T any](ctx context.Context, q QuerySet[T], field string) ([]V, error) {
	var out []V
	vt := reflect.TypeFor[V]()
	var convErr error
	err := q.readValues(ctx, []string{field}, func(_ []string, vals []any) {
		if convErr != nil {
			return
		}
		var v V
		switch x := vals[0].(type) {
		case nil:
		case V:
			v = x
		default:
			rv := reflect.ValueOf(x)
			if isNumberKind(rv.Kind()) && isNumberKind(vt.Kind()) && rv.CanConvert(vt) {
				v = rv.Convert(vt).Interface().(V)
			} else {
				convErr = fmt.Errorf("orm: ValuesListFlat[%s]: %s.%s is a %T", vt, q.info.Name, field, x)
				return
			}
		}
		out = append(out, v)
	})
	if err == nil {
		err = convErr
	}
	return out, err
}

func isNumberKind(k reflect.Kind) bool {
	return k >= reflect.Int && k <= reflect.Float64
}
