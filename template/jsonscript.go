package template

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// filterJSONScript is Django's json_script: the value as Python's json.dumps with
// DjangoJSONEncoder would write it, with < > & escaped, in a
// <script id="..." type="application/json"> element.
func filterJSONScript(in, arg any, _ bool) (any, error) {
	b, err := pyJSON(nil, reflect.ValueOf(in), 0)
	if err != nil {
		return nil, err
	}
	s := strings.NewReplacer(">", `\u003E`, "<", `\u003C`, "&", `\u0026`).Replace(string(b))
	return SafeString(`<script id="` + conditionalEscape(reflect.ValueOf(arg)) + `" type="application/json">` + s + `</script>`), nil
}

// pyJSON appends json.dumps(v, cls=DjangoJSONEncoder): ", " and ": " separators,
// ASCII only, NaN and Infinity allowed, datetimes as ISO 8601 to the millisecond,
// Decimals as strings.
func pyJSON(b []byte, v reflect.Value, depth int) ([]byte, error) {
	if depth > maxValueDepth {
		return nil, fmt.Errorf("json: value nested deeper than %d levels (circular reference?)", maxValueDepth)
	}
	v = unwrapIface(v)
	if !v.IsValid() {
		return append(b, "null"...), nil
	}
	if t, ok := asTime(v); ok {
		s := string(appendISO(nil, t, 'T'))
		if us := t.Nanosecond() / 1000; us != 0 {
			s = s[:23] + s[26:]
		}
		if strings.HasSuffix(s, "+00:00") {
			s = s[:len(s)-6] + "Z"
		}
		return appendJSONString(b, s), nil
	}
	if n, ok := asNumber(v); ok && v.Kind() != reflect.Bool {
		switch n.kind {
		case numDec:
			return appendJSONString(b, n.d.String()), nil
		case numFloat:
			switch {
			case math.IsNaN(n.f):
				return append(b, "NaN"...), nil
			case math.IsInf(n.f, 1):
				return append(b, "Infinity"...), nil
			case math.IsInf(n.f, -1):
				return append(b, "-Infinity"...), nil
			}
			return appendPyFloat(b, n.f), nil
		}
		return append(b, n.bigInt().String()...), nil
	}
	switch v.Kind() {
	case reflect.Bool:
		if v.Bool() {
			return append(b, "true"...), nil
		}
		return append(b, "false"...), nil
	case reflect.String:
		return appendJSONString(b, v.String()), nil
	case reflect.Slice, reflect.Array:
		b = append(b, '[')
		for i := 0; i < v.Len(); i++ {
			if i > 0 {
				b = append(b, ", "...)
			}
			var err error
			if b, err = pyJSON(b, v.Index(i), depth+1); err != nil {
				return nil, err
			}
		}
		return append(b, ']'), nil
	}
	if m, ok := asMapping(v); ok {
		b = append(b, '{')
		for i, k := range m.keys {
			if i > 0 {
				b = append(b, ", "...)
			}
			ks, err := jsonKey(k)
			if err != nil {
				return nil, err
			}
			b = appendJSONString(b, ks)
			b = append(b, ": "...)
			val, _ := m.get(k)
			if b, err = pyJSON(b, val, depth+1); err != nil {
				return nil, err
			}
		}
		return append(b, '}'), nil
	}
	if v.Kind() == reflect.Pointer {
		return pyJSON(b, v.Elem(), depth+1)
	}
	// Structs and other types: through encoding/json, then re-encoded Python-style.
	raw, err := json.Marshal(valueToAny(v))
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var generic any
	if err := dec.Decode(&generic); err != nil {
		return nil, err
	}
	if num, ok := generic.(json.Number); ok {
		return append(b, num...), nil
	}
	return pyJSON(b, reflect.ValueOf(generic), depth+1)
}

// jsonKey is the text json.dumps writes for a dict key: strings as they are,
// numbers, booleans and None as their JSON.
func jsonKey(k reflect.Value) (string, error) {
	k = unwrapIface(k)
	switch {
	case !k.IsValid():
		return "null", nil
	case isString(k):
		return k.String(), nil
	case k.Kind() == reflect.Bool:
		return strconv.FormatBool(k.Bool()), nil
	}
	if _, ok := asNumber(k); ok {
		b, err := pyJSON(nil, k, 0)
		return string(b), err
	}
	return "", fmt.Errorf("json: keys must be str, int, float, bool or None, not %s", pyTypeName(valueToAny(k)))
}

// appendJSONString appends s as a JSON string with every non-ASCII character
// escaped, as json.dumps with ensure_ascii does.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	for _, r := range s {
		switch {
		case r == '"':
			b = append(b, `\"`...)
		case r == '\\':
			b = append(b, `\\`...)
		case r == '\n':
			b = append(b, `\n`...)
		case r == '\r':
			b = append(b, `\r`...)
		case r == '\t':
			b = append(b, `\t`...)
		case r == '\b':
			b = append(b, `\b`...)
		case r == '\f':
			b = append(b, `\f`...)
		case r < 0x20 || r > 0x7e:
			if r > 0xffff {
				r -= 0x10000
				b = fmt.Appendf(b, `\u%04x\u%04x`, 0xd800+(r>>10)&0x3ff, 0xdc00+r&0x3ff)
			} else {
				b = fmt.Appendf(b, `\u%04x`, r)
			}
		default:
			b = append(b, byte(r))
		}
	}
	return append(b, '"')
}

var _ = time.Now
