package dbtools

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"reflect"
	"sort"
	"strings"

	"github.com/galvani-web/galvani/orm"
)

// Fixture is one fixture to load: its name (a file name, for messages) and its
// bytes, a Django JSON fixture.
type Fixture struct {
	Name string
	Data []byte
}

// FixtureError is a fixture that cannot be loaded: bad JSON, an unknown model or
// field, a value that does not fit its field, or a row the database refuses. It names
// the fixture, the line and the object.
type FixtureError struct {
	// Fixture is the fixture's name.
	Fixture string
	// Line is the line of the fault (or of the object's start); 0 when unknown.
	Line int
	// Index is the object's position in the fixture, from 1; 0 for the file as a whole.
	Index int
	// Model and PK name the object, when known; Field the field at fault.
	Model, PK, Field string
	// Err is what went wrong.
	Err error
}

func (e *FixtureError) Error() string {
	var b strings.Builder
	b.WriteString("fixture ")
	b.WriteString(e.Fixture)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	if e.Index > 0 {
		fmt.Fprintf(&b, ": object %d", e.Index)
		if e.Model != "" {
			b.WriteString(" (" + e.Model)
			if e.PK != "" {
				b.WriteString(" pk=" + e.PK)
			}
			b.WriteString(")")
		}
	}
	if e.Field != "" {
		fmt.Fprintf(&b, ": field %q", e.Field)
	}
	b.WriteString(": ")
	b.WriteString(e.Err.Error())
	return b.String()
}

func (e *FixtureError) Unwrap() error { return e.Err }

// ReadFixtureFile reads a fixture from a file; a name ending in .gz is gunzipped.
func ReadFixtureFile(path string) (Fixture, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Fixture{}, err
	}
	return gunzipFixture(path, data)
}

// ReadFixtureFS reads the fixture name from fsys; a name ending in .gz is gunzipped.
func ReadFixtureFS(fsys fs.FS, name string) (Fixture, error) {
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		return Fixture{}, err
	}
	return gunzipFixture(name, data)
}

func gunzipFixture(name string, data []byte) (Fixture, error) {
	if !strings.HasSuffix(name, ".gz") {
		return Fixture{Name: name, Data: data}, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return Fixture{}, &FixtureError{Fixture: name, Err: err}
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		return Fixture{}, &FixtureError{Fixture: name, Err: err}
	}
	return Fixture{Name: name, Data: out}, nil
}

// rawObject is one object of a fixture as written.
type rawObject struct {
	Model  string                     `json:"model"`
	PK     json.RawMessage            `json:"pk"`
	Fields map[string]json.RawMessage `json:"fields"`
}

// loaded remembers where an object came from, for the integrity check's messages.
type loadedKey struct {
	model string
	pk    string
}

type loader struct {
	db      *orm.DB
	opts    LoadOptions
	touched map[*orm.ModelInfo]bool
	order   []*orm.ModelInfo
	from    map[loadedKey]string
	// pending are the objects that refer by natural key to rows not loaded yet,
	// tried again once every fixture is in.
	pending []pendingObject
}

// pendingObject is an object put off until the rows it names are loaded.
type pendingObject struct {
	fixture   string
	idx, line int
	raw       rawObject
	m         *orm.ModelInfo
	err       *FixtureError
}

// Load loads the fixtures in one transaction (a savepoint when ctx is already in
// one), like Django's loaddata: each object is stored as it is (orm.RawSave: auto_now
// fields keep their values, hooks do not run, signals are sent with Raw set), updating
// the row with its key or inserting it; many-to-many lists replace the object's links.
// Foreign keys are checked once every fixture is in, so objects may come in any
// order: PostgreSQL and SQLite defer their constraints to the end of the transaction,
// MySQL and MariaDB have their checks switched off for the load, and every backend
// then has its new rows' references checked, failing with a FixtureError that names
// the object. On PostgreSQL the key sequences of the loaded tables are moved past the
// largest key. It returns the number of objects loaded; on error nothing is.
func Load(ctx context.Context, db *orm.DB, fixtures ...Fixture) (int, error) {
	return LoadWith(ctx, db, LoadOptions{}, fixtures...)
}

// LoadOptions changes what LoadWith takes from the fixtures.
type LoadOptions struct {
	// IgnoreNonexistent skips objects of models the project does not have and
	// fields its models lack (Django's --ignorenonexistent): for a fixture made
	// before a model changed, or by a Django project with apps Galvani lacks.
	IgnoreNonexistent bool
	// Exclude skips the objects of these apps ("contenttypes") and models
	// ("auth.permission"), as Django's loaddata --exclude.
	Exclude []string
}

// excluded reports whether objects labelled model ("app.model") are to be skipped.
func (o LoadOptions) excluded(model string) bool {
	app, _, _ := strings.Cut(model, ".")
	for _, e := range o.Exclude {
		if strings.EqualFold(e, model) || strings.EqualFold(e, app) {
			return true
		}
	}
	return false
}

// LoadWith is Load with options.
func LoadWith(ctx context.Context, db *orm.DB, opts LoadOptions, fixtures ...Fixture) (int, error) {
	n := 0
	err := db.Atomic(ctx, func(ctx context.Context, tx *orm.DB) error {
		l := &loader{db: tx, opts: opts, touched: map[*orm.ModelInfo]bool{}, from: map[loadedKey]string{}}
		if tx.Dialect().Name() == "mysql" {
			if _, err := tx.Exec(ctx, "SET FOREIGN_KEY_CHECKS = 0"); err != nil {
				return err
			}
			defer tx.Exec(context.WithoutCancel(ctx), "SET FOREIGN_KEY_CHECKS = 1")
		}
		for _, fx := range fixtures {
			k, err := l.loadOne(ctx, fx)
			n += k
			if err != nil {
				return err
			}
		}
		k, err := l.loadPending(ctx)
		n += k
		if err != nil {
			return err
		}
		if err := l.checkReferences(ctx); err != nil {
			return err
		}
		return l.resetSequences(ctx)
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// LoadFiles reads the fixture files (see ReadFixtureFile) and loads them with Load.
func LoadFiles(ctx context.Context, db *orm.DB, paths ...string) (int, error) {
	fxs := make([]Fixture, 0, len(paths))
	for _, p := range paths {
		fx, err := ReadFixtureFile(p)
		if err != nil {
			return 0, err
		}
		fxs = append(fxs, fx)
	}
	return Load(ctx, db, fxs...)
}

// LoadFS reads the fixtures called names from fsys and loads them with Load.
func LoadFS(ctx context.Context, db *orm.DB, fsys fs.FS, names ...string) (int, error) {
	fxs := make([]Fixture, 0, len(names))
	for _, name := range names {
		fx, err := ReadFixtureFS(fsys, name)
		if err != nil {
			return 0, err
		}
		fxs = append(fxs, fx)
	}
	return Load(ctx, db, fxs...)
}

// lineAt returns the 1-based line of byte offset off in data.
func lineAt(data []byte, off int64) int {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	return bytes.Count(data[:off], []byte("\n")) + 1
}

// DecodeFixture parses a fixture's objects without touching a database: the JSON
// shape, the models and fields named, and every value against its field. It is what
// Load does before saving, exposed for tests and tools that check fixtures.
func DecodeFixture(fx Fixture) ([]any, error) {
	var out []any
	err := eachObject(fx, LoadOptions{}, func(idx, line int, raw rawObject, m *orm.ModelInfo) *FixtureError {
		obj, _, ferr := buildObject(fx.Name, idx, line, raw, m, false, nil)
		if ferr != nil {
			return ferr
		}
		out = append(out, obj.Addr().Interface())
		return nil
	})
	return out, err
}

// eachObject walks the objects of a fixture, resolving each one's model and
// leaving out those opts excludes (and, with IgnoreNonexistent, those of unknown
// models).
func eachObject(fx Fixture, opts LoadOptions, fn func(idx, line int, raw rawObject, m *orm.ModelInfo) *FixtureError) error {
	dec := json.NewDecoder(bytes.NewReader(fx.Data))
	dec.UseNumber()
	fail := func(idx int, err error) error {
		var se *json.SyntaxError
		off := dec.InputOffset()
		if errors.As(err, &se) {
			off = se.Offset
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			err = errors.New("unexpected end of the file")
		}
		return &FixtureError{Fixture: fx.Name, Line: lineAt(fx.Data, off), Index: idx, Err: err}
	}
	tok, err := dec.Token()
	if err != nil {
		return fail(0, fmt.Errorf("not JSON: %w", err))
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return fail(0, errors.New(`a fixture is a JSON list of objects: [{"model": "app.model", "pk": 1, "fields": {...}}]`))
	}
	for idx := 1; dec.More(); idx++ {
		var whole json.RawMessage
		start := dec.InputOffset()
		if err := dec.Decode(&whole); err != nil {
			return fail(idx, err)
		}
		line := lineAt(fx.Data, start+int64(len(fx.Data[start:])-len(bytes.TrimLeft(fx.Data[start:], " \t\r\n,"))))
		var raw rawObject
		if err := json.Unmarshal(whole, &raw); err != nil || !bytes.HasPrefix(bytes.TrimSpace(whole), []byte("{")) {
			return &FixtureError{Fixture: fx.Name, Line: line, Index: idx, Err: errors.New(`an object is {"model": "app.model", "pk": ..., "fields": {...}}`)}
		}
		if raw.Model == "" {
			return &FixtureError{Fixture: fx.Name, Line: line, Index: idx, Err: errors.New(`the object has no "model"`)}
		}
		if opts.excluded(raw.Model) {
			continue
		}
		m, ok := orm.ModelByLabel(raw.Model)
		if !ok || strings.Count(raw.Model, ".") != 1 {
			if opts.IgnoreNonexistent {
				continue
			}
			return &FixtureError{Fixture: fx.Name, Line: line, Index: idx, Model: raw.Model, Err: errors.New("no such model (is its app installed?)")}
		}
		if ferr := fn(idx, line, raw, m); ferr != nil {
			return ferr
		}
	}
	if _, err := dec.Token(); err != nil {
		return fail(0, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return fail(0, errors.New("text after the closing ]"))
	}
	return nil
}

// m2mLinks is a many-to-many list of an object, to store once the object is saved.
type m2mLinks struct {
	field *orm.Field
	keys  []any
}

// buildObject makes the model value of one fixture object. Natural keys are
// looked up with r; a nil r (no database) only checks their shape. An object that
// names a row not there yet fails with an error that is errDeferred.
func buildObject(name string, idx, line int, raw rawObject, m *orm.ModelInfo, ignoreUnknown bool, r *resolver) (reflect.Value, []m2mLinks, *FixtureError) {
	pkText := strings.Trim(string(bytes.TrimSpace(raw.PK)), `"`)
	ferr := func(field string, err error) *FixtureError {
		return &FixtureError{Fixture: name, Line: line, Index: idx, Model: raw.Model, PK: pkText, Field: field, Err: err}
	}
	obj := reflect.New(m.Type).Elem()
	for _, f := range m.ConcreteFields() {
		if f.HasDefault {
			setDefault(obj, f)
		}
	}
	hasPK := len(raw.PK) > 0 && !isNull(raw.PK)
	if hasPK {
		if err := loadValue(obj, m.PK, raw.PK); err != nil {
			return obj, nil, ferr("pk", err)
		}
	}
	names := make([]string, 0, len(raw.Fields))
	for k := range raw.Fields {
		names = append(names, k)
	}
	sort.Strings(names)
	var links []m2mLinks
	for _, k := range names {
		v := raw.Fields[k]
		f, ok := m.Field(k)
		if !ok && ignoreUnknown {
			continue
		}
		if !ok || f.Kind == orm.KindM2M && f.Rel.Through != nil {
			why := fmt.Errorf("%s has no such field (fields: %s)", m.Label(), strings.Join(m.FieldNames(), ", "))
			if ok {
				why = fmt.Errorf("%s uses the through model %s: load the through model's rows instead", f.Name, f.Rel.Through.Name())
			}
			return obj, nil, ferr(k, why)
		}
		if f.Kind == orm.KindM2M {
			target, err := f.Rel.Target()
			if err != nil {
				return obj, nil, ferr(k, err)
			}
			var list []json.RawMessage
			if err := json.Unmarshal(v, &list); err != nil {
				return obj, nil, ferr(k, fmt.Errorf("is %s, want a list of keys", jsonKind(v)))
			}
			l := m2mLinks{field: f}
			seen := map[any]bool{}
			for _, item := range list {
				key, ok, err := relationKey(target, item, r)
				if err != nil {
					return obj, nil, ferr(k, err)
				}
				if !ok {
					continue // a natural key checked without a database
				}
				if !seen[key] {
					seen[key] = true
					l.keys = append(l.keys, key)
				}
			}
			links = append(links, l)
			continue
		}
		if (f.Kind == orm.KindFK || f.Kind == orm.KindO2O) && isNaturalKey(v) {
			target, err := f.Rel.Target()
			if err != nil {
				return obj, nil, ferr(k, err)
			}
			key, ok, err := relationKey(target, v, r)
			if err != nil {
				return obj, nil, ferr(k, err)
			}
			if ok {
				if err := setKey(fieldOf(obj, f), key); err != nil {
					return obj, nil, ferr(k, err)
				}
			}
			continue
		}
		if err := loadValue(obj, f, v); err != nil {
			return obj, nil, ferr(k, err)
		}
	}
	if !hasPK {
		// Django's build_instance: an object without a pk whose model has a
		// natural key updates the row with that natural key, if there is one.
		fields, err := naturalKey(m)
		if err != nil {
			return obj, nil, ferr("", err)
		}
		found := false
		if fields != nil && r != nil {
			args := make([]any, len(fields))
			for i, f := range fields {
				if args[i], err = queryValue(fieldOf(obj, f)); err != nil {
					return obj, nil, ferr(f.Name, err)
				}
			}
			key, ok, err := r.lookup(m, fields, args)
			if err != nil {
				return obj, nil, ferr("", err)
			}
			if ok {
				pv := fieldOf(obj, m.PK)
				pv.Set(reflect.ValueOf(key).Convert(pv.Type()))
				found = true
			}
		}
		if !found && !m.PK.Auto && !(fields != nil && r == nil) {
			return obj, nil, ferr("", fmt.Errorf("the object has no pk, and %s has no automatic key", m.Label()))
		}
	}
	return obj, links, nil
}

// relationKey reads a reference to a row of target: a primary key, or a natural
// key (a list) looked up with r. ok is false for a natural key checked without a
// database; a natural key that matches no row yet is an *unresolved error.
func relationKey(target *orm.ModelInfo, raw json.RawMessage, r *resolver) (key any, ok bool, err error) {
	if !isNaturalKey(raw) {
		key, err := decodeKey(target.PK, raw)
		return key, err == nil, err
	}
	key, found, err := r.find(target, raw)
	switch {
	case err != nil:
		return nil, false, err
	case r == nil:
		return nil, false, nil
	case !found:
		return nil, false, &unresolved{target: target, key: raw}
	}
	return key, true, nil
}

// setKey points the relation field v at key.
func setKey(v reflect.Value, key any) error {
	ks, ok := v.Addr().Interface().(keySetter)
	if !ok {
		return fmt.Errorf("%s cannot hold a key", v.Type())
	}
	ks.SetID(key)
	return nil
}

func (l *loader) loadOne(ctx context.Context, fx Fixture) (int, error) {
	n := 0
	err := eachObject(fx, l.opts, func(idx, line int, raw rawObject, m *orm.ModelInfo) *FixtureError {
		ferr := l.store(ctx, fx.Name, idx, line, raw, m)
		if ferr != nil && errors.Is(ferr.Err, errDeferred) {
			l.pending = append(l.pending, pendingObject{fixture: fx.Name, idx: idx, line: line, raw: raw, m: m, err: ferr})
			return nil
		}
		if ferr == nil {
			n++
		}
		return ferr
	})
	return n, err
}

// loadPending stores the objects put off for natural keys, in rounds, until all
// are in or a round stores none: then the first one left names the key that
// matches nothing.
func (l *loader) loadPending(ctx context.Context) (int, error) {
	n := 0
	for len(l.pending) > 0 {
		var left []pendingObject
		for _, p := range l.pending {
			ferr := l.store(ctx, p.fixture, p.idx, p.line, p.raw, p.m)
			switch {
			case ferr != nil && errors.Is(ferr.Err, errDeferred):
				p.err = ferr
				left = append(left, p)
			case ferr != nil:
				return n, ferr
			default:
				n++
			}
		}
		if len(left) == len(l.pending) {
			return n, left[0].err
		}
		l.pending = left
	}
	return n, nil
}

// store builds one fixture object and saves it.
func (l *loader) store(ctx context.Context, fixture string, idx, line int, raw rawObject, m *orm.ModelInfo) *FixtureError {
	obj, links, ferr := buildObject(fixture, idx, line, raw, m, l.opts.IgnoreNonexistent, &resolver{ctx: ctx, db: l.db})
	if ferr != nil {
		return ferr
	}
	ptr := obj.Addr().Interface()
	fail := func(err error) *FixtureError {
		pk, _ := orm.PKValue(ptr)
		return &FixtureError{Fixture: fixture, Line: line, Index: idx, Model: raw.Model, PK: fmt.Sprint(pk), Err: err}
	}
	if err := l.db.Save(ctx, ptr, orm.RawSave()); err != nil {
		return fail(err)
	}
	pk, err := orm.PKValue(ptr)
	if err != nil {
		return fail(err)
	}
	if err := l.setLinks(ctx, pk, links); err != nil {
		return fail(err)
	}
	if !l.touched[m] {
		l.touched[m] = true
		l.order = append(l.order, m)
	}
	l.from[loadedKey{m.Label(), fmt.Sprint(pk)}] = fmt.Sprintf("%s: object %d", fixture, idx)
	return nil
}

// setLinks replaces the object's many-to-many links.
func (l *loader) setLinks(ctx context.Context, pk any, links []m2mLinks) error {
	d := l.db.Dialect()
	for _, ln := range links {
		r := ln.field.Rel
		table, src, dst := d.QuoteIdent(r.ThroughTable), d.QuoteIdent(r.SourceColumn), d.QuoteIdent(r.TargetColumn)
		if _, err := l.db.Exec(ctx, "DELETE FROM "+table+" WHERE "+src+" = ?", pk); err != nil {
			return fmt.Errorf("field %q: %w", ln.field.Name, err)
		}
		for _, key := range ln.keys {
			if _, err := l.db.Exec(ctx, "INSERT INTO "+table+" ("+src+", "+dst+") VALUES (?, ?)", pk, key); err != nil {
				return fmt.Errorf("field %q: %w", ln.field.Name, err)
			}
		}
	}
	return nil
}

// checkReferences looks for rows of the loaded models whose foreign keys (and
// many-to-many links) point at no row.
func (l *loader) checkReferences(ctx context.Context) error {
	d := l.db.Dialect()
	q := d.QuoteIdent
	for _, m := range l.order {
		for _, f := range m.ConcreteFields() {
			if f.Kind != orm.KindFK && f.Kind != orm.KindO2O {
				continue
			}
			target, err := f.Rel.Target()
			if err != nil {
				return err
			}
			query := "SELECT s." + q(m.PK.Column) + ", s." + q(f.Column) + " FROM " + q(m.Table) + " s LEFT JOIN " + q(target.Table) +
				" t ON s." + q(f.Column) + " = t." + q(target.PK.Column) + " WHERE s." + q(f.Column) + " IS NOT NULL AND t." + q(target.PK.Column) + " IS NULL"
			if err := l.dangling(ctx, query, func(pk, ref string) error {
				where := l.from[loadedKey{m.Label(), pk}]
				if where == "" {
					where = "a row already in the database"
				}
				return fmt.Errorf("loaddata: %s: %s pk=%s: field %q points at %s pk=%s, which does not exist", where, modelLabel(m), pk, f.Name, modelLabel(target), ref)
			}); err != nil {
				return err
			}
		}
		for _, f := range dumpableM2M(m) {
			target, err := f.Rel.Target()
			if err != nil {
				return err
			}
			r := f.Rel
			query := "SELECT s." + q(r.SourceColumn) + ", s." + q(r.TargetColumn) + " FROM " + q(r.ThroughTable) + " s LEFT JOIN " + q(target.Table) +
				" t ON s." + q(r.TargetColumn) + " = t." + q(target.PK.Column) + " WHERE t." + q(target.PK.Column) + " IS NULL"
			if err := l.dangling(ctx, query, func(pk, ref string) error {
				where := l.from[loadedKey{m.Label(), pk}]
				if where == "" {
					where = "a row already in the database"
				}
				return fmt.Errorf("loaddata: %s: %s pk=%s: field %q lists %s pk=%s, which does not exist", where, modelLabel(m), pk, f.Name, modelLabel(target), ref)
			}); err != nil {
				return err
			}
		}
	}
	return nil
}

func (l *loader) dangling(ctx context.Context, query string, report func(pk, ref string) error) error {
	rows, err := l.db.Query(ctx, query+" LIMIT 1")
	if err != nil {
		return err
	}
	defer rows.Close()
	if rows.Next() {
		var pk, ref any
		if err := rows.Scan(&pk, &ref); err != nil {
			return err
		}
		return report(keyText(pk), keyText(ref))
	}
	return rows.Err()
}

func keyText(v any) string {
	if b, ok := v.([]byte); ok {
		return string(b)
	}
	return fmt.Sprint(v)
}

// resetSequences moves PostgreSQL's key sequences past the loaded keys, so the next
// insert does not collide (SQLite and MySQL do it themselves).
func (l *loader) resetSequences(ctx context.Context) error {
	if l.db.Dialect().Name() != "postgres" {
		return nil
	}
	for _, m := range l.order {
		tables := [][2]string{}
		if m.PK.Auto {
			tables = append(tables, [2]string{m.Table, m.PK.Column})
		}
		for _, f := range dumpableM2M(m) {
			tables = append(tables, [2]string{f.Rel.ThroughTable, "id"})
		}
		for _, tc := range tables {
			if err := ResetSequence(ctx, l.db, tc[0], tc[1]); err != nil {
				return err
			}
		}
	}
	return nil
}

// ResetSequence sets the PostgreSQL sequence behind table.column (a serial or
// identity key) to the column's largest value, so the next generated key follows
// it. On other databases it does nothing.
func ResetSequence(ctx context.Context, db *orm.DB, table, column string) error {
	if db.Dialect().Name() != "postgres" {
		return nil
	}
	q := db.Dialect().QuoteIdent
	_, err := db.Exec(ctx, "SELECT setval(pg_get_serial_sequence(?, ?), COALESCE(MAX("+q(column)+"), 1), MAX("+q(column)+") IS NOT NULL) FROM "+q(table),
		q(table), column)
	return err
}
