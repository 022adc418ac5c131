package orm

import (
	"context"
	"fmt"
	"iter"
	"reflect"
	"strconv"
	"strings"
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
	annots   []Aggregate
}

type lockOpts struct{ nowait, skipLocked bool }

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
		case string:
			if i+1 >= len(args) {
				return Cond{}, fmt.Errorf("orm: %s: lookup %q has no value", m.Name, a)
			}
			cs = append(cs, Where(a, args[i+1]))
			i++
		default:
			return Cond{}, fmt.Errorf("orm: %s: filter arguments are lookup/value pairs or orm.Cond values, got %T", m.Name, args[i])
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
	c, err := condArgs(q.info, args)
	if err != nil {
		q.err = err
		return q
	}
	if not {
		c = Not(c)
	}
	// conditions on annotations go to HAVING
	if len(q.annots) > 0 && condUsesAnnotation(c, q.annots) {
		q.having = append(clip(q.having), c)
	} else {
		q.where = append(clip(q.where), c)
	}
	return q
}

func condUsesAnnotation(c Cond, annots []Aggregate) bool {
	if c.op == 'l' {
		first, _, _ := strings.Cut(c.lookup, "__")
		for _, a := range annots {
			if a.Name() == first {
				return true
			}
		}
		return false
	}
	for _, ch := range c.children {
		if condUsesAnnotation(ch, annots) {
			return true
		}
	}
	return false
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
// ("author", "author__profile"); read them with the field's Obj method.
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
func (q QuerySet[T]) SelectForUpdate() QuerySet[T] {
	q.lock = &lockOpts{}
	return q
}

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

// Annotate adds aggregates computed per group; the groups are the fields given to
// Values or ValuesList (Django's values(...).annotate(...)). Filter on an
// annotation's name after Annotate becomes a HAVING clause.
func (q QuerySet[T]) Annotate(aggs ...Aggregate) QuerySet[T] {
	q.annots = append(clip(q.annots), aggs...)
	return q
}

// ---- compiling ----------------------------------------------------------------------

type selectPlan struct {
	sql     string
	args    []any
	fields  []*Field
	related []relatedPlan
}

type relatedPlan struct {
	parent int // index into related (-1: base)
	fk     *Field
	target *ModelInfo
	first  int // first column index
}

func (q QuerySet[T]) newCompiler() *compiler {
	c := newCompiler(q.db.dialect, q.info)
	if len(q.annots) > 0 {
		c.annots = map[string]Aggregate{}
		for _, a := range q.annots {
			c.annots[a.Name()] = a
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

func (q QuerySet[T]) orderSQL(c *compiler) (string, error) {
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
		col, _, rest, err := c.resolvePath(name, true)
		if err != nil {
			return "", err
		}
		if len(rest) > 0 {
			return "", &FieldError{Model: q.info.Name, Field: name, Msg: "OrderBy takes field names, not lookups"}
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
	c := q.newCompiler()
	plan := &selectPlan{fields: q.info.concrete}
	cols := c.cache.cols
	if len(q.related) > 0 {
		cols = append([]string(nil), cols...)
	}
	// select related: join each FK along the path
	aliasOf := map[string]int{}
	for _, path := range q.related {
		parts := strings.Split(path, "__")
		m, qual, parent := q.info, c.qual, -1
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
			qual = c.joinFK(prefix, qual, f, t)
			if idx, ok := aliasOf[prefix]; ok {
				parent, m = idx, t
				continue
			}
			rp := relatedPlan{parent: parent, fk: f, target: t, first: len(cols)}
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
		b.WriteString(q.db.dialect.forUpdate(q.lock.nowait, q.lock.skipLocked))
	}
	plan.sql, plan.args = b.String(), c.args
	return plan, nil
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
		r.dests[i] = fieldDest(f, base)
	}
	for j, rp := range r.plan.related {
		obj := reflect.New(rp.target.Type).UnsafePointer()
		r.objs[j] = obj
		for k, tf := range rp.target.concrete {
			r.dests[rp.first+k] = &nullSkip{dst: fieldDest(tf, obj)}
		}
	}
	if err := rows.Scan(r.dests...); err != nil {
		return wrapDBErr(err)
	}
	if r.decs {
		padDecimals(r.plan.fields, base)
	}
	for j, rp := range r.plan.related {
		first := r.dests[rp.first+indexOf(rp.target.concrete, rp.target.PK)].(*nullSkip)
		if !first.set {
			continue
		}
		if r.decs {
			padDecimals(rp.target.concrete, r.objs[j])
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
	rows, err := q.db.query(ctx, plan.sql, plan.args)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	if q.limit > 0 && q.limit <= 1000 {
		out = make([]T, 0, q.limit)
	}
	rr := newRowReader(plan)
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
		if err != nil {
			yield(nil, err)
			return
		}
		rows, err := q.db.query(ctx, plan.sql, plan.args)
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
	if len(args) == 2 && q.simple() {
		if name, ok := args[0].(string); ok && (name == "pk" || name == q.info.PK.Name || name == q.info.PK.Name+"__exact") {
			return q.getPK(ctx, args[1])
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
		q.lock == nil && len(q.annots) == 0 && !q.distinct && q.limit < 0 && q.offset == 0
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
	n, err := q.db.queryRow(ctx, sc.getByPK, buf.args, dests)
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
	where, err := q.whereSQL(c)
	if err != nil {
		return 0, err
	}
	var query string
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
	rows, err := q.db.query(ctx, query, c.args)
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
	c := q.newCompiler()
	where, err := q.whereSQL(c)
	if err != nil {
		return false, err
	}
	query := "SELECT 1" + q.fromSQL(c) + where + q.db.dialect.limitOffset(1, q.offset)
	rows, err := q.db.query(ctx, query, c.args)
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
	field *Field // nil for aggregates
	agg   *Aggregate
}

func (q QuerySet[T]) compileValues(fields []string) (string, []any, []valueCol, error) {
	if q.err != nil {
		return "", nil, nil, q.err
	}
	if !q.orderSet && (len(q.annots) > 0 || q.distinct) {
		// The model's default ordering would put its columns in ORDER BY, which
		// PostgreSQL refuses when they are neither grouped nor selected (and which
		// would change the groups elsewhere): like Django, a GROUP BY query ignores
		// Meta.Ordering, and so does a DISTINCT one. An explicit OrderBy still applies.
		q.orderSet, q.order = true, nil
	}
	c := q.newCompiler()
	if len(fields) == 0 {
		for _, f := range q.info.concrete {
			fields = append(fields, f.Name)
		}
	}
	// WHERE first: the fields and aggregates (which bind no parameters) then reuse
	// its joins across multi-valued relations, as Django's annotate does after filter
	where, err := q.whereSQL(c)
	if err != nil {
		return "", nil, nil, err
	}
	var cols, group []string
	var vcs []valueCol
	for _, name := range fields {
		col, f, rest, err := c.resolvePath(name, true)
		if err != nil {
			return "", nil, nil, err
		}
		if len(rest) > 0 {
			return "", nil, nil, &FieldError{Model: q.info.Name, Field: name, Msg: "Values takes field names, not lookups"}
		}
		if _, isAnnot := c.annots[name]; isAnnot {
			return "", nil, nil, &FieldError{Model: q.info.Name, Field: name, Msg: "annotations are added to Values results automatically"}
		}
		cols = append(cols, col)
		group = append(group, col)
		vcs = append(vcs, valueCol{name: name, field: f})
	}
	for i := range q.annots {
		a := q.annots[i]
		s, f, err := a.compileExpr(c)
		if err != nil {
			return "", nil, nil, err
		}
		cols = append(cols, s)
		vcs = append(vcs, valueCol{name: a.Name(), field: f, agg: &a})
	}
	having := ""
	if len(q.having) > 0 {
		parts := make([]string, len(q.having))
		for i, h := range q.having {
			if parts[i], err = c.cond(h); err != nil {
				return "", nil, nil, err
			}
		}
		having = " HAVING " + strings.Join(parts, " AND ")
		if err := checkParams(c.d, q.info.Name, len(c.args)); err != nil {
			return "", nil, nil, err
		}
	}
	order, err := q.orderSQL(c)
	if err != nil {
		return "", nil, nil, err
	}
	var b strings.Builder
	b.WriteString("SELECT ")
	if q.distinct {
		b.WriteString("DISTINCT ")
	}
	b.WriteString(strings.Join(cols, ", "))
	b.WriteString(q.fromSQL(c))
	b.WriteString(where)
	if len(q.annots) > 0 && len(group) > 0 {
		b.WriteString(" GROUP BY " + strings.Join(group, ", "))
	}
	b.WriteString(having)
	b.WriteString(order)
	b.WriteString(q.db.dialect.limitOffset(q.limit, q.offset))
	return b.String(), c.args, vcs, nil
}

func valueHolder(vc valueCol) (dest any, get func() any) {
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
	query, args, vcs, err := q.compileValues(fields)
	if err != nil {
		return err
	}
	rows, err := q.db.query(ctx, query, args)
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
	rows, err := q.db.query(ctx, query, args)
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
