package orm

import (
	"context"
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
	"unsafe"
)

// Hook interfaces: a model implements any of them (on its pointer type) to run code
// around saving and deleting. An error from a Before hook stops the operation.
type (
	// BeforeSaver runs before an instance is inserted or updated.
	BeforeSaver interface {
		BeforeSave(ctx context.Context, db *DB) error
	}
	// AfterSaver runs after an instance is inserted or updated.
	AfterSaver interface {
		AfterSave(ctx context.Context, db *DB, created bool) error
	}
	// BeforeDeleter runs before an instance is deleted with DB.Delete.
	BeforeDeleter interface {
		BeforeDelete(ctx context.Context, db *DB) error
	}
	// AfterDeleter runs after an instance is deleted with DB.Delete.
	AfterDeleter interface {
		AfterDelete(ctx context.Context, db *DB) error
	}
)

type hookSet struct{ beforeSave, afterSave, beforeDelete, afterDelete bool }

func hooksOf(t reflect.Type) hookSet {
	pt := reflect.PointerTo(t)
	return hookSet{
		beforeSave:   pt.Implements(reflect.TypeFor[BeforeSaver]()),
		afterSave:    pt.Implements(reflect.TypeFor[AfterSaver]()),
		beforeDelete: pt.Implements(reflect.TypeFor[BeforeDeleter]()),
		afterDelete:  pt.Implements(reflect.TypeFor[AfterDeleter]()),
	}
}

// ---- signals ------------------------------------------------------------------------

// SignalEvent describes a save or delete to signal receivers.
type SignalEvent struct {
	// Model is the model's metadata.
	Model *ModelInfo
	// Instance is a pointer to the object; nil for rows deleted by a cascade or a
	// QuerySet.Delete, which only have PK.
	Instance any
	// PK is the primary key of the row.
	PK any
	// Created is true when a save inserted the row.
	Created bool
	// Raw is true for a save that stores the object as it is (RawSave), as
	// loaddata does: a receiver should not read or change other rows then, which
	// may not be loaded yet (Django's raw argument).
	Raw bool
	// DB is the database (or transaction) used.
	DB *DB
}

// Signal is an app-level hook run for every model (or the models given to Connect),
// like Django's pre_save/post_save/pre_delete/post_delete.
type Signal struct {
	mu        sync.RWMutex
	receivers []*receiver
}

type receiver struct {
	models map[reflect.Type]bool
	fn     func(ctx context.Context, ev *SignalEvent) error
}

// The model signals. An error from a Pre receiver stops the operation.
var (
	PreSave    = &Signal{}
	PostSave   = &Signal{}
	PreDelete  = &Signal{}
	PostDelete = &Signal{}
)

// Connect adds a receiver for every model, or only for the models given (values or
// pointers of model types). It returns a function that disconnects it.
func (s *Signal) Connect(fn func(ctx context.Context, ev *SignalEvent) error, models ...any) (disconnect func()) {
	r := &receiver{fn: fn}
	if len(models) > 0 {
		r.models = map[reflect.Type]bool{}
		for _, m := range models {
			t := reflect.TypeOf(m)
			for t.Kind() == reflect.Pointer {
				t = t.Elem()
			}
			r.models[t] = true
		}
	}
	s.mu.Lock()
	s.receivers = append(append([]*receiver(nil), s.receivers...), r)
	s.mu.Unlock()
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		out := make([]*receiver, 0, len(s.receivers))
		for _, x := range s.receivers {
			if x != r {
				out = append(out, x)
			}
		}
		s.receivers = out
	}
}

func (s *Signal) has() bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.receivers) > 0
}

func (s *Signal) send(ctx context.Context, ev *SignalEvent) error {
	s.mu.RLock()
	rs := s.receivers
	s.mu.RUnlock()
	for _, r := range rs {
		if r.models != nil && !r.models[ev.Model.Type] {
			continue
		}
		if err := r.fn(ctx, ev); err != nil {
			return err
		}
	}
	return nil
}

// ---- instances ----------------------------------------------------------------------

// instance resolves obj (a pointer to a registered model struct).
func instance(obj any) (*ModelInfo, unsafe.Pointer, error) {
	rv := reflect.ValueOf(obj)
	if !rv.IsValid() || rv.Kind() != reflect.Pointer || rv.IsNil() {
		return nil, nil, fmt.Errorf("orm: expected a non-nil pointer to a model, got %T", obj)
	}
	m, err := infoOfType(rv.Type().Elem())
	if err != nil {
		return nil, nil, err
	}
	return m, rv.UnsafePointer(), nil
}

func fieldValue(f *Field, p unsafe.Pointer) reflect.Value {
	return reflect.NewAt(f.GoType, unsafe.Add(p, f.offset)).Elem()
}

// bindValue returns the value to store for f of the object at p, after checking it
// (max_length, decimal digits, required relations, nullability).
func bindValue(f *Field, p unsafe.Pointer) (any, error) {
	fp := unsafe.Add(p, f.offset)
	fe := func(format string, args ...any) error {
		return &FieldError{Model: f.Model.Name, Field: f.Name, Msg: fmt.Sprintf(format, args...)}
	}
	switch f.GoType {
	case reflect.TypeFor[int64]():
		return *(*int64)(fp), nil
	case reflect.TypeFor[int32]():
		return int64(*(*int32)(fp)), nil
	case reflect.TypeFor[bool]():
		return *(*bool)(fp), nil
	case reflect.TypeFor[float64]():
		return *(*float64)(fp), nil
	case reflect.TypeFor[string]():
		s := *(*string)(fp)
		if f.MaxLength > 0 && len(s) > f.MaxLength && utf8.RuneCountInString(s) > f.MaxLength {
			return nil, fe("value is %d characters, more than max_length %d", utf8.RuneCountInString(s), f.MaxLength)
		}
		if !utf8.ValidString(s) {
			return nil, fe("value is not valid UTF-8")
		}
		return s, nil
	case timeType:
		t := *(*time.Time)(fp)
		if f.Kind == KindDate {
			return t.Format("2006-01-02"), nil
		}
		return t.UTC(), nil
	}
	v := reflect.NewAt(f.GoType, fp).Elem()
	if f.Kind == KindJSON {
		if f.ptr && v.IsNil() {
			return nil, nil
		}
		b, err := json.Marshal(v.Interface())
		if err != nil {
			return nil, fe("cannot encode JSON: %v", err)
		}
		return string(b), nil
	}
	if f.ptr {
		if v.IsNil() {
			return nil, nil
		}
		v = v.Elem()
	}
	iv := v.Interface()
	if val, ok := iv.(driver.Valuer); ok {
		dv, err := val.Value()
		if err != nil {
			return nil, fe("%v", err)
		}
		if dv == nil {
			if !f.Null {
				if f.Rel != nil {
					return nil, fe("is required (a %s without a key)", f.Kind)
				}
				return nil, fe("is not nullable")
			}
			return nil, nil
		}
		if f.Kind == KindDecimal {
			if err := checkDecimal(f, dv.(string)); err != nil {
				return nil, fe("%v", err)
			}
		}
		if nk, ok := iv.(nullKind); ok {
			_ = nk
			inner := v.Field(0)
			tmp := &Field{Model: f.Model, Name: f.Name, GoType: inner.Type(), Kind: f.Kind, MaxLength: f.MaxLength, MaxDigits: f.MaxDigits, DecimalPlaces: f.DecimalPlaces}
			holder := reflect.New(inner.Type())
			holder.Elem().Set(inner)
			return bindValue(tmp, holder.UnsafePointer())
		}
		return dv, nil
	}
	switch {
	case v.Kind() == reflect.String:
		s := v.String()
		if f.MaxLength > 0 && utf8.RuneCountInString(s) > f.MaxLength {
			return nil, fe("value is %d characters, more than max_length %d", utf8.RuneCountInString(s), f.MaxLength)
		}
		return s, nil
	case v.CanInt():
		return v.Int(), nil
	case v.CanUint():
		return int64(v.Uint()), nil
	case v.CanFloat():
		return v.Float(), nil
	case v.Kind() == reflect.Bool:
		return v.Bool(), nil
	case v.Type() == timeType:
		t := iv.(time.Time)
		if f.Kind == KindDate {
			return t.Format("2006-01-02"), nil
		}
		return t.UTC(), nil
	case v.Type() == bytesType:
		if b := iv.([]byte); b == nil && !f.Null {
			return []byte{}, nil
		}
		return iv, nil
	}
	return iv, nil
}

// bindStored is bindValue for a value about to be written: on SQLite it refuses a
// decimal that the column's numeric affinity would round (more than 15 significant
// digits), instead of storing a different number.
func bindStored(d Dialect, f *Field, p unsafe.Pointer) (any, error) {
	v, err := bindValue(f, p)
	if err == nil {
		err = checkStoredDecimal(d, f, v)
	}
	return v, err
}

func checkStoredDecimal(d Dialect, f *Field, v any) error {
	s, ok := v.(string)
	if !ok || f.Kind != KindDecimal || d.Name() != "sqlite" {
		return nil
	}
	digits := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
	if digits = strings.Trim(digits, "0"); len(digits) > 15 {
		return &FieldError{Model: f.Model.Name, Field: f.Name, Msg: fmt.Sprintf("%s has %d significant digits; SQLite keeps decimals as 64-bit numbers and would store only 15 (use PostgreSQL or MySQL for more)", s, len(digits))}
	}
	return nil
}

func checkDecimal(f *Field, s string) error {
	body := strings.TrimPrefix(s, "-")
	ip, fp, _ := strings.Cut(body, ".")
	fp = strings.TrimRight(fp, "0")
	ip = strings.TrimLeft(ip, "0")
	if len(fp) > f.DecimalPlaces {
		return fmt.Errorf("%s has more than %d decimal places", s, f.DecimalPlaces)
	}
	if len(ip) > f.MaxDigits-f.DecimalPlaces {
		return fmt.Errorf("%s has more than %d digits before the point", s, f.MaxDigits-f.DecimalPlaces)
	}
	return nil
}

func isZeroPK(m *ModelInfo, p unsafe.Pointer) bool {
	return fieldValue(m.PK, p).IsZero()
}

// SaveOption changes what Save does.
type SaveOption func(*saveOpts)

type saveOpts struct {
	fields      []string
	onlyChanged bool
	forceInsert bool
	forceUpdate bool
	raw         bool
}

// Fields makes Save update only the named fields (Django's update_fields).
func Fields(names ...string) SaveOption { return func(o *saveOpts) { o.fields = names } }

// OnlyChanged makes Save compare the object with its row and update only the columns
// that differ (no query at all when nothing changed).
func OnlyChanged() SaveOption { return func(o *saveOpts) { o.onlyChanged = true } }

// ForceInsert makes Save insert, even with a primary key set.
func ForceInsert() SaveOption { return func(o *saveOpts) { o.forceInsert = true } }

// ForceUpdate makes Save update and fail with ErrNotFound when no row has the key.
func ForceUpdate() SaveOption { return func(o *saveOpts) { o.forceUpdate = true } }

// RawSave makes Save store the object exactly as it is, as loading a fixture
// does (Django's save_base(raw=True)): auto_now and auto_now_add fields keep their
// values, the model's BeforeSave and AfterSave hooks do not run, and the PreSave and
// PostSave signals are sent with Raw set. The row is updated, or inserted with the
// object's key when none has it.
func RawSave() SaveOption { return func(o *saveOpts) { o.raw = true } }

// Create inserts obj (a pointer to a model) and sets its auto primary key.
func (db *DB) Create(ctx context.Context, obj any) error {
	return db.save(ctx, obj, saveOpts{forceInsert: true})
}

// Save inserts obj when its auto primary key is zero, and otherwise updates its row
// (inserting it when no row has the key), like Django's save(). Options limit the
// columns written (Fields, OnlyChanged) or force one path.
func (db *DB) Save(ctx context.Context, obj any, opts ...SaveOption) error {
	var o saveOpts
	if len(opts) > 0 {
		o = collectSaveOpts(opts)
	}
	return db.save(ctx, obj, o)
}

// collectSaveOpts applies opts (its own function so that a Save without options
// does not move the options to the heap).
func collectSaveOpts(opts []SaveOption) saveOpts {
	o := new(saveOpts)
	for _, fn := range opts {
		fn(o)
	}
	return *o
}

func (db *DB) save(ctx context.Context, obj any, o saveOpts) error {
	m, p, err := instance(obj)
	if err != nil {
		return err
	}
	insert := o.forceInsert || (m.PK.Auto && isZeroPK(m, p))
	if m.hooks.beforeSave && !o.raw {
		if err := obj.(BeforeSaver).BeforeSave(ctx, db); err != nil {
			return err
		}
	}
	if PreSave.has() {
		if err := PreSave.send(ctx, &SignalEvent{Model: m, Instance: obj, PK: pkOf(m, p), Created: insert, Raw: o.raw, DB: db}); err != nil {
			return err
		}
	}
	if !o.raw {
		now := time.Now().UTC()
		for _, f := range m.concrete {
			if f.AutoNow || (f.AutoNowAdd && insert) {
				setTime(f, p, now)
			}
		}
	}
	var files []fileSave
	if len(m.files) > 0 && !o.raw {
		if files, err = db.storeFiles(ctx, m, obj, p, o); err != nil {
			return err
		}
	}
	created, err := db.writeRow(ctx, m, p, o, insert)
	if err != nil {
		abortFiles(ctx, m, files)
		return err
	}
	if len(files) > 0 {
		db.commitFiles(ctx, m, p, files)
	}
	if m.hooks.afterSave && !o.raw {
		if err := obj.(AfterSaver).AfterSave(ctx, db, created); err != nil {
			return err
		}
	}
	if PostSave.has() {
		return PostSave.send(ctx, &SignalEvent{Model: m, Instance: obj, PK: pkOf(m, p), Created: created, Raw: o.raw, DB: db})
	}
	return nil
}

// writeRow inserts or updates the row of the object at p; created reports an insert.
func (db *DB) writeRow(ctx context.Context, m *ModelInfo, p unsafe.Pointer, o saveOpts, insert bool) (created bool, err error) {
	if insert {
		return true, db.insert(ctx, m, p)
	}
	n, err := db.update(ctx, m, p, o)
	if err != nil {
		return false, err
	}
	if n == 0 && !o.onlyChanged {
		if o.forceUpdate || len(o.fields) > 0 {
			return false, notFound(m)
		}
		return true, db.insert(ctx, m, p)
	}
	return false, nil
}

func setTime(f *Field, p unsafe.Pointer, now time.Time) {
	v := fieldValue(f, p)
	if f.Kind == KindDate {
		now = time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	}
	switch {
	case f.GoType == timeType:
		v.Set(reflect.ValueOf(now))
	case f.ptr:
		v.Set(reflect.ValueOf(&now))
	default: // Null[time.Time]
		v.Field(0).Set(reflect.ValueOf(now))
		v.Field(1).SetBool(true)
	}
}

func (db *DB) insert(ctx context.Context, m *ModelInfo, p unsafe.Pointer) error {
	d := db.dialect
	sc := m.sql(d)
	autoPK := m.PK.Auto && isZeroPK(m, p)
	buf := getArgs()
	defer buf.release()
	for _, f := range m.concrete {
		if f == m.PK && autoPK {
			continue
		}
		v, err := bindStored(d, f, p)
		if err != nil {
			return err
		}
		buf.add(v)
	}
	args := buf.args
	if !autoPK {
		_, err := db.exec(ctx, sc.insertAll, args)
		return err
	}
	q := sc.insertAuto
	pk := fieldValue(m.PK, p)
	if d.returning() {
		var id int64
		n, err := db.queryRow(ctx, q, args, []any{&id})
		if err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("orm: insert into %s returned no key", m.Table)
		}
		setInt(pk, id)
		return nil
	}
	res, err := db.exec(ctx, q, args)
	if err != nil {
		return err
	}
	id, err := res.LastInsertId()
	if err != nil {
		return wrapDBErr(err)
	}
	setInt(pk, id)
	return nil
}

func setInt(v reflect.Value, n int64) {
	if v.CanInt() {
		v.SetInt(n)
	} else {
		v.SetUint(uint64(n))
	}
}

func (db *DB) update(ctx context.Context, m *ModelInfo, p unsafe.Pointer, o saveOpts) (int64, error) {
	d := db.dialect
	fields := m.concrete
	if len(o.fields) == 0 && !o.onlyChanged && m.sql(d).updateAll != "" {
		buf := getArgs()
		defer buf.release()
		for _, f := range fields {
			if f.PrimaryKey {
				continue
			}
			v, err := bindStored(d, f, p)
			if err != nil {
				return 0, err
			}
			buf.add(v)
		}
		pk, err := bindValue(m.PK, p)
		if err != nil {
			return 0, err
		}
		buf.add(pk)
		res, err := db.exec(ctx, m.sql(d).updateAll, buf.args)
		if err != nil {
			return 0, err
		}
		n, err := res.RowsAffected()
		return n, wrapDBErr(err)
	}
	if len(o.fields) > 0 {
		fields = nil
		for _, n := range o.fields {
			f, ok := m.byName[n]
			if !ok || !f.Concrete() {
				return 0, unknownField(m, n)
			}
			fields = append(fields, f)
		}
		// auto_now fields are always written, as in Django
		for _, f := range m.concrete {
			if f.AutoNow && indexOf(fields, f) < 0 {
				fields = append(fields, f)
			}
		}
	}
	if o.onlyChanged {
		cur := reflect.New(m.Type)
		if err := db.refresh(ctx, m, cur.UnsafePointer(), pkOf(m, p)); err != nil {
			return 0, err
		}
		var changed []*Field
		for _, f := range fields {
			if f.PrimaryKey {
				continue
			}
			a, err1 := bindValue(f, p)
			if err1 != nil {
				return 0, err1
			}
			b, _ := bindValue(f, cur.UnsafePointer())
			if !reflect.DeepEqual(normalizeCompare(a), normalizeCompare(b)) {
				changed = append(changed, f)
			}
		}
		if len(changed) == 0 {
			return 1, nil
		}
		fields = changed
	}
	sets := make([]string, 0, len(fields))
	args := make([]any, 0, len(fields)+1)
	for _, f := range fields {
		if f.PrimaryKey {
			continue
		}
		v, err := bindStored(d, f, p)
		if err != nil {
			return 0, err
		}
		args = append(args, v)
		sets = append(sets, d.QuoteIdent(f.Column)+" = "+d.Placeholder(len(args)))
	}
	pk, err := bindValue(m.PK, p)
	if err != nil {
		return 0, err
	}
	args = append(args, pk)
	var q string
	if len(sets) == 0 {
		q = "SELECT 1 FROM " + d.QuoteIdent(m.Table) + " WHERE " + d.QuoteIdent(m.PK.Column) + " = " + d.Placeholder(len(args))
		rows, err := db.query(ctx, q, args)
		if err != nil {
			return 0, err
		}
		defer rows.Close()
		if rows.Next() {
			return 1, nil
		}
		return 0, wrapDBErr(rows.Err())
	}
	q = "UPDATE " + d.QuoteIdent(m.Table) + " SET " + strings.Join(sets, ", ") + " WHERE " + d.QuoteIdent(m.PK.Column) + " = " + d.Placeholder(len(args))
	res, err := db.exec(ctx, q, args)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return n, wrapDBErr(err)
}

func normalizeCompare(v any) any {
	if t, ok := v.(time.Time); ok {
		return t.UTC().Truncate(time.Microsecond).Format(time.RFC3339Nano)
	}
	return v
}

// Refresh reloads obj's fields from its row (ErrNotFound when it is gone).
func (db *DB) Refresh(ctx context.Context, obj any) error {
	m, p, err := instance(obj)
	if err != nil {
		return err
	}
	return db.refresh(ctx, m, p, pkOf(m, p))
}

func (db *DB) refresh(ctx context.Context, m *ModelInfo, p unsafe.Pointer, pk any) error {
	d := db.dialect
	cols := make([]string, len(m.concrete))
	for i, f := range m.concrete {
		cols[i] = d.QuoteIdent(f.Column)
	}
	pkv, err := coerce(m.PK, pk)
	if err != nil {
		return err
	}
	q := "SELECT " + strings.Join(cols, ", ") + " FROM " + d.QuoteIdent(m.Table) + " WHERE " + d.QuoteIdent(m.PK.Column) + " = " + d.Placeholder(1)
	rows, err := db.read(ctx, q, []any{pkv})
	if err != nil {
		return err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return wrapDBErr(err)
		}
		return notFound(m)
	}
	rr := newRowReader(&selectPlan{fields: m.concrete})
	if err := rr.scan(rows, p); err != nil {
		return err
	}
	return wrapDBErr(rows.Close())
}

// Delete deletes obj's row, carrying out on_delete for everything that refers to it,
// and returns the number of rows deleted (cascades included).
func (db *DB) Delete(ctx context.Context, obj any) (int64, error) {
	m, p, err := instance(obj)
	if err != nil {
		return 0, err
	}
	if m.hooks.beforeDelete {
		if err := obj.(BeforeDeleter).BeforeDelete(ctx, db); err != nil {
			return 0, err
		}
	}
	pk := pkOf(m, p)
	n, err := db.deletePKs(ctx, m, []any{pk}, map[any]any{pk: obj})
	if err != nil {
		return 0, err
	}
	if m.hooks.afterDelete {
		if err := obj.(AfterDeleter).AfterDelete(ctx, db); err != nil {
			return n, err
		}
	}
	return n, nil
}
