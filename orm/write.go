package orm

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
	"unsafe"
)

// Update sets columns of every matching row in one statement and returns the number of
// rows matched: Update(ctx, Set("views", F("views").Add(1))). Values are checked like
// filter values; expressions may use the model's own fields.
//
// The SQL of the common shapes (plain values set, rows chosen by comparisons of the
// model's own fields) is compiled once per shape and kept with the model.
func (q QuerySet[T]) Update(ctx context.Context, sets ...Assignment) (int64, error) {
	if q.err != nil {
		return 0, q.err
	}
	if len(sets) == 0 {
		return 0, fmt.Errorf("orm: %s: Update needs at least one Set", q.info.Name)
	}
	if q.limit >= 0 || q.offset > 0 || len(q.combined) > 0 {
		return 0, fmt.Errorf("orm: %s: Update cannot be used on a sliced or combined query", q.info.Name)
	}
	sc := q.info.sql(q.db.dialect)
	key, cacheable := updateShapeOf(q.info, q.where, sets)
	if cacheable {
		if query, ok := sc.update(key); ok {
			if n, done, err := q.updateCached(ctx, query, sets); done {
				return n, err
			}
		}
	}
	c := q.newCompiler()
	parts := make([]string, 0, len(sets))
	for _, s := range sets {
		f, ok := q.info.byName[s.field]
		if !ok || !f.Concrete() {
			return 0, unknownField(q.info, s.field)
		}
		var rhs string
		if e, ok := s.value.(Expr); ok {
			var err error
			if rhs, _, err = e.compileExpr(c); err != nil {
				return 0, err
			}
		} else {
			v, err := updateValue(q.db.dialect, f, s.value)
			if err != nil {
				return 0, err
			}
			rhs = c.param(v)
		}
		parts = append(parts, c.cache.bare[f.cidx]+" = "+rhs)
	}
	if len(c.joins) > 0 {
		return 0, fmt.Errorf("orm: %s: Update expressions cannot refer to related models", q.info.Name)
	}
	where, err := q.whereSQL(c)
	if err != nil {
		return 0, err
	}
	query := "UPDATE " + c.qual + " SET " + strings.Join(parts, ", ")
	if len(c.joins) > 0 {
		query += " WHERE " + c.col(c.qual, q.info.PK) + " IN (" + q.pkSubquery(c, where) + ")"
	} else {
		query += where
	}
	// A comparison whose value turned out to be nil (a nil pointer, an invalid Null[T])
	// compiled to IS NULL without a parameter: that SQL is not the shape's.
	if cacheable && len(c.joins) == 0 && len(c.args) == key.params() {
		sc.storeUpdate(key, query)
	}
	res, err := q.db.exec(ctx, query, c.args)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return n, wrapDBErr(err)
}

// updateValue checks a plain value assigned by Update and returns what to bind.
func updateValue(d Dialect, f *Field, value any) (any, error) {
	v, err := coerce(f, value)
	if err != nil {
		return nil, &FieldError{Model: f.Model.Name, Field: f.Name, Msg: err.Error()}
	}
	if str, ok := v.(string); ok && f.MaxLength > 0 && len(str) > f.MaxLength && utf8.RuneCountInString(str) > f.MaxLength {
		return nil, &FieldError{Model: f.Model.Name, Field: f.Name, Msg: fmt.Sprintf("value is longer than max_length %d", f.MaxLength)}
	}
	if f.Kind == KindDecimal && v != nil {
		if err := checkDecimal(f, v.(string)); err != nil {
			return nil, &FieldError{Model: f.Model.Name, Field: f.Name, Msg: err.Error()}
		}
		if err := checkStoredDecimal(d, f, v); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// updateCached runs an Update whose SQL came from the shape cache: it binds the set
// values, then the filter values, in the order the compiler wrote their parameters.
// done is false when a value needs the full compiler (a nil, or an error to report
// in the compiler's words); the caller then compiles the query.
func (q QuerySet[T]) updateCached(ctx context.Context, query string, sets []Assignment) (n int64, done bool, err error) {
	buf := getArgs()
	defer buf.release()
	d := q.db.dialect
	for _, s := range sets {
		v, err := updateValue(d, q.info.byName[s.field], s.value)
		if err != nil {
			return 0, false, nil
		}
		buf.add(v)
	}
	for _, w := range q.where {
		if w.op == 'l' {
			if !shapeArg(q.info, w, buf) {
				return 0, false, nil
			}
			continue
		}
		for _, ch := range w.children {
			if !shapeArg(q.info, ch, buf) {
				return 0, false, nil
			}
		}
	}
	res, err := q.db.exec(ctx, query, buf.args)
	if err != nil {
		return 0, true, err
	}
	n, err = res.RowsAffected()
	return n, true, wrapDBErr(err)
}

// shapeArg appends the value of the comparison leaf w (already known to fit a shape).
func shapeArg(m *ModelInfo, w Cond, buf *argBuf) bool {
	name, _, _ := strings.Cut(w.lookup, "__")
	v, err := coerce(m.byName[name], w.value)
	if err != nil || v == nil {
		return false
	}
	buf.add(v)
	return true
}

// pkSubquery selects the matching primary keys (wrapped in a derived table, which MySQL
// needs to select from the table it updates).
func (q QuerySet[T]) pkSubquery(c *compiler, where string) string {
	sel := "SELECT DISTINCT " + c.col(c.qual, q.info.PK) + q.fromSQL(c) + where
	return "SELECT " + q.db.dialect.QuoteIdent("pk") + " FROM (" + strings.Replace(sel, "SELECT DISTINCT "+c.col(c.qual, q.info.PK), "SELECT DISTINCT "+c.col(c.qual, q.info.PK)+" AS "+q.db.dialect.QuoteIdent("pk"), 1) + ") " + q.db.dialect.QuoteIdent("sub")
}

// Delete deletes every matching row, carrying out on_delete across the graph, and
// returns the number of rows deleted (cascades included).
func (q QuerySet[T]) Delete(ctx context.Context) (int64, error) {
	if q.err != nil {
		return 0, q.err
	}
	if q.limit >= 0 || q.offset > 0 || len(q.combined) > 0 {
		return 0, fmt.Errorf("orm: %s: Delete cannot be used on a sliced or combined query", q.info.Name)
	}
	var total int64
	err := q.db.Atomic(ctx, func(ctx context.Context, tx *DB) error {
		vals, err := q.Using(tx).OrderBy().ValuesList(ctx, q.info.PK.Name)
		if err != nil {
			return err
		}
		pks := make([]any, len(vals))
		for i, v := range vals {
			pks[i] = v[0]
		}
		total, err = tx.deletePKs(ctx, q.info, pks, nil)
		return err
	})
	return total, err
}

// Raw runs a SQL query written by hand and scans its rows into T by column name
// (columns without a field are an error). Parameters are bound, never spliced: write
// "?" for each on every database (PostgreSQL's $1 style works there too). On
// PostgreSQL a "?" inside a string, quoted name or comment stays as it is and "??" is
// a literal "?" (for the jsonb operators), as for DB.Exec.
func Raw[T any](ctx context.Context, db *DB, query string, args ...any) ([]T, error) {
	m, err := infoOfType(reflect.TypeFor[T]())
	if err != nil {
		return nil, err
	}
	rows, err := db.query(ctx, db.rebind(query), args)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, wrapDBErr(err)
	}
	fields := make([]*Field, len(cols))
	for i, c := range cols {
		f, ok := m.byName[c]
		if !ok || !f.Concrete() {
			return nil, &FieldError{Model: m.Name, Field: c, Msg: "Raw returned a column that is not a field (columns must be named like the model's columns)"}
		}
		fields[i] = f
	}
	rr := newRowReader(&selectPlan{fields: fields})
	var out []T
	var zero T
	for rows.Next() {
		out = append(out, zero)
		if err := rr.scan(rows, unsafe.Pointer(&out[len(out)-1])); err != nil {
			return nil, err
		}
	}
	return out, wrapDBErr(rows.Err())
}

// GetOrCreate returns the row matching lookups (field/value pairs of exact matches),
// creating it from them plus defaults when there is none. created reports which. It
// runs in a transaction and retries the get when a concurrent create wins the race.
func (q QuerySet[T]) GetOrCreate(ctx context.Context, lookups map[string]any, defaults map[string]any) (obj *T, created bool, err error) {
	if q.err != nil {
		return nil, false, q.err
	}
	args := lookupArgs(lookups)
	obj, err = q.Get(ctx, args...)
	if err == nil || !errors.Is(err, ErrNotFound) {
		return obj, false, err
	}
	obj = new(T)
	if err := applyDefaults(q.info, unsafe.Pointer(obj)); err != nil {
		return nil, false, err
	}
	if err := setFields(q.info, unsafe.Pointer(obj), createValues(q.info, lookups), defaults); err != nil {
		return nil, false, err
	}
	err = q.db.Atomic(ctx, func(ctx context.Context, tx *DB) error { return tx.Create(ctx, obj) })
	if err != nil {
		if IsUniqueViolation(err) {
			if o, gerr := q.Get(ctx, args...); gerr == nil {
				return o, false, nil
			}
		}
		return nil, false, err
	}
	return obj, true, nil
}

// UpdateOrCreate updates the row matching lookups with defaults, or creates it from
// both. It locks the row (SelectForUpdate) in a transaction.
func (q QuerySet[T]) UpdateOrCreate(ctx context.Context, lookups map[string]any, defaults map[string]any) (obj *T, created bool, err error) {
	if q.err != nil {
		return nil, false, q.err
	}
	err = q.db.Atomic(ctx, func(ctx context.Context, tx *DB) error {
		o, err := q.Using(tx).SelectForUpdate().Get(ctx, lookupArgs(lookups)...)
		switch {
		case err == nil:
			if err := setFields(q.info, unsafe.Pointer(o), nil, defaults); err != nil {
				return err
			}
			obj = o
			return tx.Save(ctx, o, ForceUpdate())
		case errors.Is(err, ErrNotFound):
			obj = new(T)
			if err := applyDefaults(q.info, unsafe.Pointer(obj)); err != nil {
				return err
			}
			if err := setFields(q.info, unsafe.Pointer(obj), createValues(q.info, lookups), defaults); err != nil {
				return err
			}
			created = true
			return tx.Create(ctx, obj)
		}
		return err
	})
	if err != nil {
		return nil, false, err
	}
	return obj, created, nil
}

// createValues returns the lookups of GetOrCreate and UpdateOrCreate that set a field
// of the row they create, as Django does: the field names ("pk" for the key), not the
// lookups with "__" (title__iexact), which only find the row.
func createValues(m *ModelInfo, lookups map[string]any) map[string]any {
	out := make(map[string]any, len(lookups))
	for k, v := range lookups {
		switch {
		case k == "pk":
			out[m.PK.Name] = v
		case !strings.Contains(k, "__"):
			out[k] = v
		}
	}
	return out
}

func lookupArgs(m map[string]any) []any {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sortStrings(keys)
	args := make([]any, 0, 2*len(m))
	for _, k := range keys {
		args = append(args, k, m[k])
	}
	return args
}

// setFields assigns values by field name; a value must have the field's Go type (or be
// convertible without loss: an untyped constant int for an int32 field).
func setFields(m *ModelInfo, p unsafe.Pointer, maps ...map[string]any) error {
	for _, vals := range maps {
		for name, v := range vals {
			f, ok := m.byName[name]
			if !ok || !f.Concrete() {
				return unknownField(m, name)
			}
			if strings.Contains(name, "__") {
				return &FieldError{Model: m.Name, Field: name, Msg: "only exact field names can be set"}
			}
			dst := fieldValue(f, p)
			if err := setValue(f, dst, v); err != nil {
				return &FieldError{Model: m.Name, Field: f.Name, Msg: err.Error()}
			}
		}
	}
	return nil
}

func setValue(f *Field, dst reflect.Value, v any) error {
	if v == nil {
		if !f.Null && f.Rel == nil {
			return fmt.Errorf("is not nullable")
		}
		dst.Set(reflect.Zero(dst.Type()))
		return nil
	}
	rv := reflect.ValueOf(v)
	if rv.Type() == dst.Type() {
		dst.Set(rv)
		return nil
	}
	if f.Rel != nil {
		if s, ok := dst.Addr().Interface().(interface{ SetID(any) }); ok {
			t, _ := f.Rel.Target()
			if t != nil && rv.Kind() == reflect.Pointer && rv.Elem().Type() == t.Type {
				v = rv.Elem().FieldByIndex(t.PK.index).Interface()
			} else if _, err := coerce(f, v); err != nil {
				return err
			}
			s.SetID(v)
			return nil
		}
	}
	if f.ptr && rv.Type() == dst.Type().Elem() {
		p := reflect.New(rv.Type())
		p.Elem().Set(rv)
		dst.Set(p)
		return nil
	}
	if nk, ok := dst.Interface().(nullKind); ok && rv.Type() == nk.nullElem() {
		dst.Field(0).Set(rv)
		dst.Field(1).SetBool(true)
		return nil
	}
	// integers of another size, checked for overflow
	if dst.CanInt() {
		n, err := checkInt(v)
		if err != nil {
			return fmt.Errorf("expects %s, got %T", dst.Type(), v)
		}
		if dst.OverflowInt(n) {
			return fmt.Errorf("%d overflows %s", n, dst.Type())
		}
		dst.SetInt(n)
		return nil
	}
	if rv.Kind() == dst.Kind() && (rv.Kind() == reflect.String || rv.Kind() == reflect.Bool || rv.CanFloat()) {
		dst.Set(rv.Convert(dst.Type()))
		return nil
	}
	return fmt.Errorf("expects %s, got %T", dst.Type(), v)
}

// BulkCreate inserts objs with multi-row INSERTs (batched below the database's
// parameter limit) and sets their auto primary keys. Save hooks and signals do not
// run, as in Django.
func BulkCreate[T any](ctx context.Context, db *DB, objs []T) error {
	if len(objs) == 0 {
		return nil
	}
	m, err := infoOfType(reflect.TypeFor[T]())
	if err != nil {
		return err
	}
	d := db.dialect
	var fields []*Field
	autoPK := m.PK.Auto && isZeroPK(m, unsafe.Pointer(&objs[0]))
	for _, f := range m.concrete {
		if f == m.PK && autoPK {
			continue
		}
		fields = append(fields, f)
	}
	if len(fields) == 0 {
		for i := range objs {
			if err := db.Create(ctx, &objs[i]); err != nil {
				return err
			}
		}
		return nil
	}
	cols := make([]string, len(fields))
	for i, f := range fields {
		cols[i] = d.QuoteIdent(f.Column)
	}
	head := "INSERT INTO " + d.QuoteIdent(m.Table) + " (" + strings.Join(cols, ", ") + ") VALUES "
	per := chunkSize(d) / len(fields)
	if per > 1000 {
		per = 1000
	}
	if per < 1 {
		per = 1
	}
	now := time.Now().UTC()
	run := db.Atomic
	if len(objs) <= per {
		run = func(ctx context.Context, fn func(ctx context.Context, tx *DB) error) error { return fn(ctx, db) }
	}
	return run(ctx, func(ctx context.Context, tx *DB) error {
		for start := 0; start < len(objs); start += per {
			end := min(start+per, len(objs))
			var b strings.Builder
			b.WriteString(head)
			args := make([]any, 0, (end-start)*len(fields))
			for i := start; i < end; i++ {
				p := unsafe.Pointer(&objs[i])
				if autoPK != isZeroPK(m, p) {
					return fmt.Errorf("orm: BulkCreate %s: either every object or none must have its primary key set", m.Name)
				}
				for _, f := range fields {
					if f.AutoNow || f.AutoNowAdd {
						setTime(f, p, now)
					}
				}
				if i > start {
					b.WriteString(", ")
				}
				b.WriteByte('(')
				for j, f := range fields {
					v, err := bindStored(d, f, p)
					if err != nil {
						return err
					}
					args = append(args, v)
					if j > 0 {
						b.WriteString(", ")
					}
					writePlaceholder(&b, d, len(args))
				}
				b.WriteByte(')')
			}
			if !autoPK {
				if _, err := tx.exec(ctx, b.String(), args); err != nil {
					return err
				}
				continue
			}
			if d.returning() && d.Name() != "sqlite" {
				b.WriteString(" RETURNING " + d.QuoteIdent(m.PK.Column))
				rows, err := tx.query(ctx, b.String(), args)
				if err != nil {
					return err
				}
				i := start
				var id int64
				for rows.Next() {
					if err := rows.Scan(&id); err != nil {
						rows.Close()
						return wrapDBErr(err)
					}
					if i < end {
						setInt(fieldValue(m.PK, unsafe.Pointer(&objs[i])), id)
					}
					i++
				}
				err = rows.Err()
				rows.Close()
				if err != nil {
					return wrapDBErr(err)
				}
				if i != end {
					return fmt.Errorf("orm: BulkCreate %s: got %d keys for %d rows", m.Name, i-start, end-start)
				}
				continue
			}
			// MySQL: consecutive auto-increment values from LAST_INSERT_ID, the first
			// row's key (InnoDB guarantees them for one multi-row INSERT with the
			// default lock mode). SQLite: one INSERT holds the write lock and numbers
			// its rows consecutively; last_insert_rowid is the last row's key.
			res, err := tx.exec(ctx, b.String(), args)
			if err != nil {
				return err
			}
			first, err := res.LastInsertId()
			if err != nil {
				return wrapDBErr(err)
			}
			if d.Name() == "sqlite" {
				first -= int64(end - start - 1)
			}
			for i := start; i < end; i++ {
				setInt(fieldValue(m.PK, unsafe.Pointer(&objs[i])), first+int64(i-start))
			}
		}
		return nil
	})
}

// BulkUpdate writes the named fields of objs (which have primary keys) with one
// UPDATE ... CASE statement per batch, and returns the number of rows updated.
func BulkUpdate[T any](ctx context.Context, db *DB, objs []T, fields ...string) (int64, error) {
	m, err := infoOfType(reflect.TypeFor[T]())
	if err != nil {
		return 0, err
	}
	if len(fields) == 0 {
		return 0, fmt.Errorf("orm: BulkUpdate %s: name the fields to update", m.Name)
	}
	fs := make([]*Field, len(fields))
	for i, n := range fields {
		f, ok := m.byName[n]
		if !ok || !f.Concrete() || f.PrimaryKey {
			if ok && f.PrimaryKey {
				return 0, &FieldError{Model: m.Name, Field: n, Msg: "BulkUpdate cannot change the primary key"}
			}
			return 0, unknownField(m, n)
		}
		fs[i] = f
	}
	if len(objs) == 0 {
		return 0, nil
	}
	d := db.dialect
	per := chunkSize(d) / (2*len(fs) + 1)
	if per > 500 {
		per = 500
	}
	if per < 1 {
		per = 1
	}
	var total int64
	run := db.Atomic
	if len(objs) <= per {
		// one statement is atomic by itself
		run = func(ctx context.Context, fn func(ctx context.Context, tx *DB) error) error { return fn(ctx, db) }
	}
	err = run(ctx, func(ctx context.Context, tx *DB) error {
		for start := 0; start < len(objs); start += per {
			end := min(start+per, len(objs))
			var args []any
			sets := make([]string, len(fs))
			pkCol := d.QuoteIdent(m.PK.Column)
			for j, f := range fs {
				var b strings.Builder
				b.WriteString(d.QuoteIdent(f.Column) + " = CASE")
				for i := start; i < end; i++ {
					p := unsafe.Pointer(&objs[i])
					pk, err := bindValue(m.PK, p)
					if err != nil {
						return err
					}
					v, err := bindStored(d, f, p)
					if err != nil {
						return err
					}
					args = append(args, pk)
					b.WriteString(" WHEN " + pkCol + " = " + d.Placeholder(len(args)))
					args = append(args, v)
					b.WriteString(" THEN " + castParam(d, f, d.Placeholder(len(args))))
				}
				b.WriteString(" ELSE " + d.QuoteIdent(f.Column) + " END")
				sets[j] = b.String()
			}
			var keys []string
			for i := start; i < end; i++ {
				pk, _ := bindValue(m.PK, unsafe.Pointer(&objs[i]))
				args = append(args, pk)
				keys = append(keys, d.Placeholder(len(args)))
			}
			q := "UPDATE " + d.QuoteIdent(m.Table) + " SET " + strings.Join(sets, ", ") + " WHERE " + pkCol + " IN (" + strings.Join(keys, ", ") + ")"
			res, err := tx.exec(ctx, q, args)
			if err != nil {
				return err
			}
			n, err := res.RowsAffected()
			if err != nil {
				return wrapDBErr(err)
			}
			total += n
		}
		return nil
	})
	return total, err
}

// castParam gives PostgreSQL the type of a CASE branch parameter.
func castParam(d Dialect, f *Field, ph string) string {
	if d.Name() != "postgres" {
		return ph
	}
	return "CAST(" + ph + " AS " + d.ColumnType(f) + ")"
}

// writePlaceholder writes the n-th parameter marker without allocating.
func writePlaceholder(b *strings.Builder, d Dialect, n int) {
	if d.Name() != "postgres" {
		b.WriteByte('?')
		return
	}
	var buf [20]byte
	b.WriteByte('$')
	b.Write(strconv.AppendInt(buf[:0], int64(n), 10))
}

// applyDefaults sets every field with a default= tag to its default, as Django does
// when it makes a new instance. The ORM calls it only for the objects it makes itself
// (GetOrCreate, UpdateOrCreate and M2M through rows); an object you build keeps the
// values you gave it, zero included.
func applyDefaults(m *ModelInfo, p unsafe.Pointer) error {
	for _, f := range m.concrete {
		v, ok := f.DefaultValue()
		if !ok || f.PrimaryKey {
			continue
		}
		if f.Rel != nil {
			// a relation's default is the target's key: an integer for integer keys
			if t, err := f.Rel.Target(); err == nil && (t.PK.Kind == KindInt || t.PK.Kind == KindBigInt) {
				n, err := strconv.ParseInt(fmt.Sprint(v), 10, 64)
				if err != nil {
					return &FieldError{Model: m.Name, Field: f.Name, Msg: fmt.Sprintf("default %q: %v", f.Default, err)}
				}
				v = n
			}
			if s, ok := fieldValue(f, p).Addr().Interface().(interface{ SetID(any) }); ok {
				s.SetID(v)
				continue
			}
		}
		if err := setDefault(fieldValue(f, p), v); err != nil {
			return &FieldError{Model: m.Name, Field: f.Name, Msg: fmt.Sprintf("default %q: %v", f.Default, err)}
		}
	}
	return nil
}

func setDefault(dst reflect.Value, v any) error {
	if t, ok := v.(time.Time); ok {
		switch {
		case dst.Type() == timeType:
			dst.Set(reflect.ValueOf(t))
			return nil
		case dst.Kind() == reflect.Pointer && dst.Type().Elem() == timeType:
			dst.Set(reflect.ValueOf(&t))
			return nil
		}
		v = t.Format(time.RFC3339Nano)
	}
	s := fmt.Sprint(v)
	if dst.Kind() == reflect.Pointer {
		e := reflect.New(dst.Type().Elem())
		if err := setDefault(e.Elem(), s); err != nil {
			return err
		}
		dst.Set(e)
		return nil
	}
	if sc, ok := dst.Addr().Interface().(interface{ Scan(any) error }); ok {
		if _, isNull := dst.Interface().(nullKind); !isNull {
			return sc.Scan(s) // Decimal, UUID, FK/OneToOne keys
		}
		if err := setDefault(dst.Field(0), s); err != nil {
			return err
		}
		dst.Field(1).SetBool(true)
		return nil
	}
	switch dst.Kind() {
	case reflect.String:
		dst.SetString(s)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, err := strconv.ParseInt(s, 10, dst.Type().Bits())
		if err != nil {
			return err
		}
		dst.SetInt(n)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, err := strconv.ParseUint(s, 10, dst.Type().Bits())
		if err != nil {
			return err
		}
		dst.SetUint(n)
	case reflect.Float32, reflect.Float64:
		x, err := strconv.ParseFloat(s, dst.Type().Bits())
		if err != nil {
			return err
		}
		dst.SetFloat(x)
	case reflect.Bool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return err
		}
		dst.SetBool(b)
	default:
		return fmt.Errorf("cannot set a %s from a default", dst.Type())
	}
	return nil
}
