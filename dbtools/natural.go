package dbtools

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/galvani-web/galvani/orm"
)

// NaturalKeyer is implemented by models that have a natural key — Django's
// natural_key() and get_by_natural_key(): the fields whose values, together,
// identify a row however its primary key was numbered (auth.User: username;
// auth.Group: name; auth.Permission: codename, app, model_name). The fields must
// be concrete and not relations, and unique together.
//
// Dump then writes references to such rows as their natural keys when asked
// (DumpOptions.NaturalForeign, Django's --natural-foreign), and may leave their
// own primary keys out (NaturalPrimary, --natural-primary); Load reads both forms,
// so a fixture moves between databases whose keys differ.
type NaturalKeyer interface {
	NaturalKeyFields() []string
}

// naturalKey returns the fields of m's natural key, or nil when m has none.
func naturalKey(m *orm.ModelInfo) ([]*orm.Field, error) {
	nk, ok := reflect.New(m.Type).Interface().(NaturalKeyer)
	if !ok {
		return nil, nil
	}
	names := nk.NaturalKeyFields()
	if len(names) == 0 {
		return nil, fmt.Errorf("%s: NaturalKeyFields returns no fields", modelLabel(m))
	}
	out := make([]*orm.Field, 0, len(names))
	for _, n := range names {
		f, ok := m.Field(n)
		if !ok || !f.Concrete() || f.Kind == orm.KindFK || f.Kind == orm.KindO2O || f.Kind == orm.KindM2M {
			return nil, fmt.Errorf("%s: natural key field %q is not a field of the model's own (relations cannot be part of one)", modelLabel(m), n)
		}
		out = append(out, f)
	}
	return out, nil
}

// naturalValues returns the natural key of the row obj (a struct value of m) as
// Dump writes it.
func naturalValues(obj reflect.Value, fields []*orm.Field) ([]any, error) {
	out := make([]any, len(fields))
	for i, f := range fields {
		v, err := dumpValue(obj, f)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

// naturalKeys maps the primary keys of one model's rows to their natural keys,
// for Dump with NaturalForeign. It reads the whole table once, before the rows
// that refer to it are streamed (an in-memory SQLite database has one connection).
type naturalKeys map[any][]any

func loadNaturalKeys(ctx context.Context, db *orm.DB, m *orm.ModelInfo, fields []*orm.Field) (naturalKeys, error) {
	out := naturalKeys{}
	err := orm.EachRow(ctx, db, m, func(obj any) error {
		pk, err := orm.PKValue(obj)
		if err != nil {
			return err
		}
		k, err := keyValue(pk)
		if err != nil {
			return err
		}
		vals, err := naturalValues(reflect.ValueOf(obj).Elem(), fields)
		if err != nil {
			return err
		}
		out[mapKey(k)] = vals
		return nil
	})
	return out, err
}

// mapKey makes a key value usable as a map key (numbers are json.Number-like
// strings or ints depending on the key's type; both compare by their text).
func mapKey(k any) any { return fmt.Sprint(k) }

// natural holds what Dump needs for natural keys: each model's natural key
// fields (nil: none) and, with NaturalForeign, the natural keys of the rows of
// the models referred to.
type natural struct {
	ctx     context.Context
	db      *orm.DB
	opts    DumpOptions
	fields  map[*orm.ModelInfo][]*orm.Field
	keysOf  map[*orm.ModelInfo]naturalKeys
	checked map[*orm.ModelInfo]bool
}

func (n *natural) keyFields(m *orm.ModelInfo) ([]*orm.Field, error) {
	if n.checked[m] {
		return n.fields[m], nil
	}
	fs, err := naturalKey(m)
	if err != nil {
		return nil, err
	}
	n.checked[m] = true
	n.fields[m] = fs
	return fs, nil
}

// prepare reads the natural keys of every model m refers to (with a natural
// key) before m's rows are dumped.
func (n *natural) prepare(m *orm.ModelInfo, m2m []*orm.Field) error {
	if !n.opts.NaturalForeign {
		return nil
	}
	var rels []*orm.Field
	for _, f := range m.ConcreteFields() {
		if f.Kind == orm.KindFK || f.Kind == orm.KindO2O {
			rels = append(rels, f)
		}
	}
	rels = append(rels, m2m...)
	for _, f := range rels {
		target, err := f.Rel.Target()
		if err != nil {
			return err
		}
		fs, err := n.keyFields(target)
		if err != nil {
			return err
		}
		if fs == nil || n.keysOf[target] != nil {
			continue
		}
		keys, err := loadNaturalKeys(n.ctx, n.db, target, fs)
		if err != nil {
			return fmt.Errorf("natural keys of %s: %w", modelLabel(target), err)
		}
		n.keysOf[target] = keys
	}
	return nil
}

// foreign returns the natural key written for a reference to key in target, or
// ok false when target has no natural key (or NaturalForeign is off).
func (n *natural) foreign(target *orm.ModelInfo, key any) (vals []any, ok bool, err error) {
	keys := n.keysOf[target]
	if keys == nil {
		return nil, false, nil
	}
	vals, found := keys[mapKey(key)]
	if !found {
		return nil, false, fmt.Errorf("refers to %s %v, which does not exist", modelLabel(target), key)
	}
	return vals, true, nil
}

// errDeferred says that an object refers by natural key to a row not loaded yet:
// the loader tries it again after the others.
var errDeferred = errors.New("refers by natural key to a row that is not loaded yet")

// unresolved is the error of an object still deferred when nothing more loads.
type unresolved struct {
	target *orm.ModelInfo
	key    json.RawMessage
}

func (u *unresolved) Error() string {
	return fmt.Sprintf("the natural key %s matches no %s", compactJSON(u.key), modelLabel(u.target))
}

func (u *unresolved) Is(err error) bool { return err == errDeferred }

func compactJSON(raw json.RawMessage) string {
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return string(raw)
	}
	return b.String()
}

// isNaturalKey reports whether a fixture value is a natural key (a JSON list).
func isNaturalKey(raw json.RawMessage) bool {
	return bytes.HasPrefix(bytes.TrimSpace(raw), []byte("["))
}

// resolver finds rows by natural key for the loader; a nil resolver (a fixture
// checked without a database) accepts any natural key of the right shape.
type resolver struct {
	ctx context.Context
	db  *orm.DB
}

// find returns the primary key of the row of m whose natural key is raw (a JSON
// list of the natural key fields' values), or found false.
func (r *resolver) find(m *orm.ModelInfo, raw json.RawMessage) (key any, found bool, err error) {
	fields, err := naturalKey(m)
	if err != nil {
		return nil, false, err
	}
	if fields == nil {
		return nil, false, fmt.Errorf("is a natural key (a list), but %s has none (no NaturalKeyFields method)", modelLabel(m))
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, false, fmt.Errorf("is %s, want a natural key (a list)", jsonKind(raw))
	}
	if len(items) != len(fields) {
		return nil, false, fmt.Errorf("the natural key %s has %d values; %s's has %d (%s)", compactJSON(raw), len(items), modelLabel(m), len(fields), fieldNames(fields))
	}
	obj := reflect.New(m.Type).Elem()
	args := make([]any, len(fields))
	for i, f := range fields {
		if err := loadValue(obj, f, items[i]); err != nil {
			return nil, false, fmt.Errorf("natural key value %s: %w", f.Name, err)
		}
		v, err := queryValue(fieldOf(obj, f))
		if err != nil {
			return nil, false, fmt.Errorf("natural key value %s: %w", f.Name, err)
		}
		args[i] = v
	}
	if r == nil {
		return nil, false, nil
	}
	return r.lookup(m, fields, args)
}

// lookup runs SELECT pk FROM m WHERE the natural key fields equal args.
func (r *resolver) lookup(m *orm.ModelInfo, fields []*orm.Field, args []any) (any, bool, error) {
	d := r.db.Dialect()
	var where []string
	for _, f := range fields {
		where = append(where, d.QuoteIdent(f.Column)+" = ?")
	}
	q := "SELECT " + d.QuoteIdent(m.PK.Column) + " FROM " + d.QuoteIdent(m.Table) + " WHERE " + strings.Join(where, " AND ")
	rows, err := r.db.Query(r.ctx, q, args...)
	if err != nil {
		return nil, false, err
	}
	defer rows.Close()
	if !rows.Next() {
		return nil, false, rows.Err()
	}
	dst := reflect.New(m.PK.GoType)
	if err := rows.Scan(dst.Interface()); err != nil {
		return nil, false, err
	}
	if rows.Next() {
		return nil, false, fmt.Errorf("the natural key matches several %s rows: its fields (%s) must be unique together", modelLabel(m), fieldNames(fields))
	}
	if err := rows.Err(); err != nil {
		return nil, false, err
	}
	return plainKey(dst.Elem()), true, nil
}

// plainKey is a scanned or decoded key as the loader passes keys on: int64 for
// integers, string for strings, the value itself otherwise.
func plainKey(v reflect.Value) any {
	switch {
	case v.CanInt():
		return v.Int()
	case v.CanUint():
		return int64(v.Uint())
	case v.Kind() == reflect.String:
		return v.String()
	}
	return v.Interface()
}

// queryValue turns a natural key field's Go value into a query argument.
func queryValue(v reflect.Value) (any, error) {
	switch {
	case v.Kind() == reflect.String:
		return v.String(), nil
	case v.CanInt():
		return v.Int(), nil
	case v.CanUint():
		return int64(v.Uint()), nil
	case v.Kind() == reflect.Bool:
		return v.Bool(), nil
	}
	return nil, fmt.Errorf("a natural key field of type %s is not supported (strings, integers and booleans are)", v.Type())
}

func fieldNames(fields []*orm.Field) string {
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = f.Name
	}
	return strings.Join(names, ", ")
}
