package rest

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"unsafe"

	"github.com/galvani-web/galvani/orm"
)

const (
	// msgEmptyList refuses an empty list for an M2M field that is not blank.
	msgEmptyList = "This list may not be empty."
	// msgLongList refuses more than MaxM2MItems items.
	msgLongList = "Ensure this field has no more than %d elements."
)

// MaxM2MItems bounds the items a request may give an M2M field, so that one
// request cannot make the server look up an unbounded number of keys.
const MaxM2MItems = 1000

// pendingM2M is an M2M field's keys read by Decode, to set once the object is saved.
type pendingM2M struct {
	field string
	keys  []any
}

// decodeM2M reads an M2M field: a list of the target's keys (or slugs), each
// naming a row, looked up in one query. The keys wait in the request until the
// object is saved.
func (s *ModelSerializer[T]) decodeM2M(r *Request, mf *mfield, base unsafe.Pointer, v value) (string, error) {
	var items []value
	if v.form {
		for _, str := range v.strs {
			items = append(items, value{strs: []string{str}, form: true})
		}
	} else {
		if len(v.raw) == 0 || v.raw[0] != '[' {
			return fmt.Sprintf(msgList, jsonKind(v.raw)), nil
		}
		var raws []json.RawMessage
		if err := json.Unmarshal(v.raw, &raws); err != nil {
			return fmt.Sprintf(msgList, jsonKind(v.raw)), nil
		}
		for _, raw := range raws {
			items = append(items, value{raw: raw})
		}
	}
	if len(items) == 0 && !mf.AllowBlank {
		return msgEmptyList, nil
	}
	if len(items) > MaxM2MItems {
		return fmt.Sprintf(msgLongList, MaxM2MItems), nil
	}
	db, err := r.DB()
	if err != nil {
		return "", err
	}
	q := mf.of.Rel.Query(db)
	keys := make([]any, 0, len(items))
	seen := make(map[string]bool, len(items))
	if mf.slug != "" {
		// slugs: one query for all of them
		var slugs []any
		for _, it := range items {
			sv, ok := it.str()
			if !ok {
				return msgString, nil
			}
			if !seen[sv] {
				seen[sv] = true
				slugs = append(slugs, sv)
			}
		}
		sf, _ := mf.target.Field(mf.slug)
		found := map[string]any{}
		for start := 0; start < len(slugs); start += 500 {
			chunk := slugs[start:min(start+500, len(slugs))]
			rows, err := q.Filter(mf.slug+"__in", chunk).All(r.Context())
			if err != nil {
				return "", err
			}
			for _, row := range rows {
				key, _ := orm.PKValue(row)
				found[fmt.Sprint(reflect.ValueOf(row).Elem().FieldByName(sf.GoName).Interface())] = key
			}
		}
		for _, sv := range slugs {
			key, ok := found[sv.(string)]
			if !ok {
				return fmt.Sprintf(msgSlugMiss, mf.slug, sv), nil
			}
			keys = append(keys, key)
		}
	} else {
		pk := mf.target.PK
		var asked []any
		for _, it := range items {
			var key any
			switch kindOfType(pk.GoType) {
			case kInt, kUint:
				if !it.form && len(it.raw) > 0 && (it.raw[0] == '[' || it.raw[0] == '{') {
					return fmt.Sprintf(msgPKType, jsonKind(it.raw)), nil
				}
				pv, msg := parseScalar(kInt, it, true)
				if msg != "" {
					return fmt.Sprintf(msgPKType, jsonKind(it.raw)), nil
				}
				key = pv.i
			default:
				sv, ok := it.str()
				if !ok {
					return fmt.Sprintf(msgPKType, jsonKind(it.raw)), nil
				}
				key = sv
			}
			ks := fmt.Sprint(key)
			if !seen[ks] {
				seen[ks] = true
				asked = append(asked, key)
			}
		}
		found, err := q.InBulk(r.Context(), asked)
		if err != nil {
			return "", err
		}
		byString := make(map[string]any, len(found))
		for k := range found {
			if b, ok := k.([]byte); ok {
				k = string(b)
			}
			byString[fmt.Sprint(k)] = k
		}
		for _, k := range asked {
			key, ok := byString[fmt.Sprint(k)]
			if !ok {
				return fmt.Sprintf(msgPKMissing, fmt.Sprint(k)), nil
			}
			keys = append(keys, key)
		}
	}
	r.addPendingM2M(base, mf.of.Name, keys)
	return "", nil
}

// addPendingM2M records the keys of an M2M field of the object at obj.
func (r *Request) addPendingM2M(obj unsafe.Pointer, field string, keys []any) {
	if r.m2m == nil {
		r.m2m = map[unsafe.Pointer][]pendingM2M{}
	}
	list := r.m2m[obj]
	for i := range list {
		if list[i].field == field {
			list[i].keys = keys
			return
		}
	}
	r.m2m[obj] = append(list, pendingM2M{field: field, keys: keys})
}

// SaveM2M sets the many-to-many fields that a ModelSerializer's Decode read for
// obj (a pointer to the decoded model), now that obj is saved, like the second
// half of DRF's serializer.save(); the viewsets call it themselves, in the
// transaction that saves the object. It does nothing when Decode read no M2M
// field for obj, and each field is set once.
func (r *Request) SaveM2M(obj any) error {
	rv := reflect.ValueOf(obj)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return fmt.Errorf("rest: SaveM2M needs a pointer to a model, not %T", obj)
	}
	p := rv.UnsafePointer()
	pending := r.m2m[p]
	if len(pending) == 0 {
		return nil
	}
	db, err := r.DB()
	if err != nil {
		return err
	}
	err = db.Atomic(r.Context(), func(ctx context.Context, _ *orm.DB) error {
		for _, pm := range pending {
			if err := orm.SetM2MKeys(ctx, db, obj, pm.field, pm.keys...); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	delete(r.m2m, p)
	return nil
}

// pendingM2MFields names the M2M fields Decode read for obj.
func (r *Request) pendingM2MFields(obj unsafe.Pointer) []string {
	var out []string
	for _, pm := range r.m2m[obj] {
		out = append(out, pm.field)
	}
	return out
}

// saveWithM2M runs save and then sets the M2M fields Decode read for obj, in one
// transaction (r.DB() is the transaction meanwhile, for hooks), and reloads those
// fields into obj so the answer shows them.
func saveWithM2M[T any](r *Request, obj *T, save func() error) error {
	fields := r.pendingM2MFields(unsafe.Pointer(obj))
	if len(fields) == 0 {
		return save()
	}
	db, err := r.DB()
	if err != nil {
		return err
	}
	err = db.Atomic(r.Context(), func(ctx context.Context, tx *orm.DB) error {
		outer := r.tx
		r.tx = tx
		defer func() { r.tx = outer }()
		if err := save(); err != nil {
			return err
		}
		return r.SaveM2M(obj)
	})
	if err != nil {
		return err
	}
	key, err := orm.PKValue(obj)
	if err != nil {
		return err
	}
	fresh, err := orm.Q[T](db).PrefetchRelated(fields...).Get(r.Context(), "pk", key)
	if err != nil {
		return err
	}
	dst, src := reflect.ValueOf(obj).Elem(), reflect.ValueOf(fresh).Elem()
	info, _ := orm.InfoOf[T]()
	for _, name := range fields {
		if f, ok := info.Field(name); ok {
			dst.FieldByName(f.GoName).Set(src.FieldByName(f.GoName))
		}
	}
	return nil
}
