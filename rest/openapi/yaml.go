package openapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

// YAML returns the document as YAML (the same content as JSON, key order kept).
func (d *Document) YAML() ([]byte, error) {
	b, err := json.Marshal(d)
	if err != nil {
		return nil, err
	}
	return JSONToYAML(b)
}

// JSONToYAML converts a JSON document to block-style YAML 1.2 with the same keys in
// the same order. Strings are written double-quoted with JSON's escapes, which YAML's
// double-quoted style shares, so no value can be misread (no "no" becoming false).
func JSONToYAML(js []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.UseNumber()
	v, err := decodeOrdered(dec)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	writeYAML(&b, v, 0, false)
	if b.Len() == 0 || b.Bytes()[b.Len()-1] != '\n' {
		b.WriteByte('\n')
	}
	return b.Bytes(), nil
}

// ordered is a JSON object with its key order.
type ordered struct {
	keys []string
	vals map[string]any
}

func decodeOrdered(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			o := &ordered{vals: map[string]any{}}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				k, ok := kt.(string)
				if !ok {
					return nil, fmt.Errorf("openapi: object key %v is not a string", kt)
				}
				v, err := decodeOrdered(dec)
				if err != nil {
					return nil, err
				}
				if _, dup := o.vals[k]; !dup {
					o.keys = append(o.keys, k)
				}
				o.vals[k] = v
			}
			_, err := dec.Token()
			return o, err
		case '[':
			var a []any
			for dec.More() {
				v, err := decodeOrdered(dec)
				if err != nil {
					return nil, err
				}
				a = append(a, v)
			}
			_, err := dec.Token()
			if a == nil {
				a = []any{}
			}
			return a, err
		}
		return nil, fmt.Errorf("openapi: unexpected %v", t)
	default:
		return t, nil
	}
}

// yamlKey writes a key plain when YAML cannot read it as anything but that string.
func yamlKey(k string) string {
	if k == "" || !plainKey.MatchString(k) {
		return scalar(k)
	}
	switch strings.ToLower(k) {
	case "true", "false", "null", "yes", "no", "on", "off", "y", "n", "~":
		return scalar(k)
	}
	return k
}

var plainKey = regexp.MustCompile(`^[A-Za-z_$/][A-Za-z0-9_.$/{}-]*$`)

func scalar(v any) string {
	switch t := v.(type) {
	case nil:
		return "null"
	case bool:
		if t {
			return "true"
		}
		return "false"
	case json.Number:
		return t.String()
	case string:
		b, _ := json.Marshal(t)
		return string(b)
	}
	return fmt.Sprint(v)
}

func writeYAML(b *bytes.Buffer, v any, indent int, inList bool) {
	pad := strings.Repeat("  ", indent)
	switch t := v.(type) {
	case *ordered:
		if len(t.keys) == 0 {
			b.WriteString("{}\n")
			return
		}
		for i, k := range t.keys {
			if !(inList && i == 0) {
				b.WriteString(pad)
			}
			b.WriteString(yamlKey(k))
			b.WriteByte(':')
			writeValue(b, t.vals[k], indent)
		}
	case []any:
		if len(t) == 0 {
			b.WriteString("[]\n")
			return
		}
		for _, e := range t {
			b.WriteString(pad)
			b.WriteString("-")
			if nested, ok := e.([]any); !ok || len(nested) == 0 {
				b.WriteByte(' ')
			}
			switch et := e.(type) {
			case *ordered:
				if len(et.keys) == 0 {
					b.WriteString("{}\n")
					continue
				}
				writeYAML(b, et, indent+1, true)
			case []any:
				if len(et) == 0 {
					b.WriteString("[]\n")
					continue
				}
				b.WriteByte('\n')
				writeYAML(b, et, indent+1, false)
			default:
				b.WriteString(scalar(e))
				b.WriteByte('\n')
			}
		}
	default:
		b.WriteString(pad)
		b.WriteString(scalar(v))
		b.WriteByte('\n')
	}
}

// writeValue writes what follows "key:" — a scalar on the same line, or a nested
// block on the next lines.
func writeValue(b *bytes.Buffer, v any, indent int) {
	switch t := v.(type) {
	case *ordered:
		if len(t.keys) == 0 {
			b.WriteString(" {}\n")
			return
		}
		b.WriteByte('\n')
		writeYAML(b, t, indent+1, false)
	case []any:
		if len(t) == 0 {
			b.WriteString(" []\n")
			return
		}
		b.WriteByte('\n')
		writeYAML(b, t, indent+1, false)
	default:
		b.WriteByte(' ')
		b.WriteString(scalar(v))
		b.WriteByte('\n')
	}
}
