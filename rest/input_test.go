package rest

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// decodeObjectReference reads an object with encoding/json: its keys in order
// (repeats included) and its members, the last of a repeated key winning.
func decodeObjectReference(body []byte) (keys []string, members map[string]json.RawMessage, err error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	if _, err := dec.Token(); err != nil {
		return nil, nil, err
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, nil, err
		}
		keys = append(keys, t.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return nil, nil, err
		}
	}
	err = json.Unmarshal(body, &members)
	return keys, members, err
}

// checkSplit compares parseJSONObject's reading of body with encoding/json's.
func checkSplit(t *testing.T, body []byte) {
	in, err := parseJSONObject(body)
	isObject := json.Valid(body) && bytes.HasPrefix(bytes.TrimLeft(body, " \t\r\n"), []byte("{"))
	if !isObject {
		if err == nil && len(bytes.TrimSpace(body)) > 0 {
			t.Fatalf("%q: no error for a body that is not one JSON object", body)
		}
		return
	}
	if err != nil {
		if !strings.Contains(err.Error(), "UTF-8") {
			t.Fatalf("%q: %v", body, err)
		}
		return
	}
	keys, members, err := decodeObjectReference(body)
	if err != nil {
		t.Fatalf("%q: encoding/json: %v", body, err)
	}
	if len(keys) != len(in.keys) || len(keys) > 0 && !reflect.DeepEqual(keys, in.keys) {
		t.Fatalf("%q: keys %q, encoding/json %q", body, in.keys, keys)
	}
	for k, want := range members {
		v, ok := in.get(k)
		if !ok || !bytes.Equal(v.raw, want) {
			t.Fatalf("%q: member %q = %q (%v), encoding/json %q", body, k, v.raw, ok, want)
		}
		var ws string
		if want[0] == '"' && json.Unmarshal(want, &ws) == nil {
			if s, ok := v.str(); !ok || s != ws {
				t.Fatalf("%q: string %q = %q (%v), encoding/json %q", body, k, s, ok, ws)
			}
		}
	}
}

func TestParseJSONObject(t *testing.T) {
	many := "{"
	for i := 0; i < 40; i++ {
		many += `"k` + strings.Repeat("x", i) + `": ` + `[1, {"a": "}"}]` + ","
	}
	many += `"k": "last", "k": "again"}`
	for _, body := range []string{
		`{}`, ` { } `, `{"a":1}`, "{\n\t\"title\" : \"A\\\"B\" ,\r\n \"n\": -1.5e3 }",
		`{"a": {"b": [1, "]", {"c": "\\"}"}]}, "d": null, "e": true, "f": false}`,
		`{"a\u00e9": "x\u2028y", "a\\b": "\ud83d\ude00", "": ""}`,
		`{"dup": 1, "dup": 2}`, many,
	} {
		checkSplit(t, []byte(body))
	}
}

// Errors keep encoding/json's words and say where.
func TestParseJSONObjectErrors(t *testing.T) {
	for body, want := range map[string]string{
		`{"title": `:           "JSON parse error - the body ends in the middle of a value",
		`{"title":"t"} {}`:     "JSON parse error - unexpected data after the JSON value",
		`{"title" "t"}`:        "JSON parse error - invalid character '\"' after object key (at byte 10)",
		"{\"title\":\"\xff\"}": "JSON parse error - the body is not valid UTF-8",
		`[1, 2]`:               "Invalid data. Expected a dictionary, but got list.",
		`"text"`:               "Invalid data. Expected a dictionary, but got str.",
	} {
		_, err := parseJSONObject([]byte(body))
		var ae *Error
		var ve *ValidationError
		got := ""
		switch {
		case errors.As(err, &ae):
			got = ae.Detail
		case errors.As(err, &ve):
			got = strings.Join(ve.Messages, " ")
		default:
			t.Fatalf("%q: error %v", body, err)
		}
		if got != want {
			t.Errorf("%q: %q, want %q", body, got, want)
		}
	}
}

// FuzzParseJSONObject: the one-pass reader agrees with encoding/json on every
// body — the same keys in the same order, the same values, the same strings —
// and refuses whatever is not one object.
func FuzzParseJSONObject(f *testing.F) {
	for _, s := range []string{`{}`, `{"a":1,"b":[1,2,{"c":"d"}],"e":"\"}"}`, `{"a":"\u00e9\n"}`, `[1]`, `{"a":}`, `{"a":1}{}`, ` {"x" : null } `} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) { checkSplit(t, body) })
}
