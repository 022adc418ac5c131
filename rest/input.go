package rest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"
	"unsafe"
)

// Parsers: the content types request bodies may have.
var parsedTypes = []string{"application/json", "application/x-www-form-urlencoded", "multipart/form-data"}

// input is a parsed request body: a JSON object, or form fields and files.
type input struct {
	keys   []string          // in the order of the input, repeated keys repeated
	raws   []json.RawMessage // for JSON, the value of each of keys
	index  map[string]int    // for JSON objects of many keys: the last index of each key
	form   url.Values
	files  map[string][]*multipart.FileHeader
	isForm bool
}

// manyKeys is the number of keys from which get looks a key up in a map rather
// than along the list.
const manyKeys = 16

// value is one field's input.
type value struct {
	raw   json.RawMessage
	strs  []string
	files []*multipart.FileHeader
	form  bool
}

func (in *input) get(name string) (value, bool) {
	if in == nil {
		return value{}, false
	}
	if in.isForm {
		if fs, ok := in.files[name]; ok {
			return value{files: fs, form: true}, true
		}
		s, ok := in.form[name]
		return value{strs: s, form: true}, ok
	}
	if in.index != nil {
		i, ok := in.index[name]
		if !ok {
			return value{}, false
		}
		return value{raw: in.raws[i]}, true
	}
	for i := len(in.keys) - 1; i >= 0; i-- { // the last of repeated keys wins, as in encoding/json
		if in.keys[i] == name {
			return value{raw: in.raws[i]}, true
		}
	}
	return value{}, false
}

// isNull reports an explicit null (JSON null; an empty form value is not null).
func (v value) isNull() bool { return !v.form && string(v.raw) == "null" }

// str returns the value as a string when it is one: a JSON string, or the (last)
// form value.
func (v value) str() (string, bool) {
	if v.form {
		if len(v.strs) == 0 {
			return "", true
		}
		return v.strs[len(v.strs)-1], true
	}
	if len(v.raw) == 0 || v.raw[0] != '"' {
		return "", false
	}
	if s, ok := plainString(v.raw); ok {
		return s, true
	}
	var s string
	if err := json.Unmarshal(v.raw, &s); err != nil {
		return "", false
	}
	return s, true
}

// jsonKind names the JSON type of a raw value for messages.
func jsonKind(raw json.RawMessage) string {
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
	case '"':
		return "str"
	case '{':
		return "dict"
	case '[':
		return "list"
	case 't', 'f':
		return "bool"
	case 'n':
		return "NoneType"
	}
	if bytes.ContainsAny(raw, ".eE") {
		return "float"
	}
	return "int"
}

// maxBody is the body limit: the App's Settings.MaxBodyBytes, else 10 MiB.
func maxBody(r *Request) int64 {
	if app := r.Ctx.App(); app != nil && app.Settings.MaxBodyBytes > 0 {
		return app.Settings.MaxBodyBytes
	}
	return 10 << 20
}

// input parses the request body once: JSON (an object), url-encoded or multipart
// form. An empty body is empty data. Errors are 400 (malformed), 413 (too large)
// and 415 (another content type).
func (r *Request) input() (*input, error) {
	if !r.dataRead {
		r.dataRead = true
		r.data, r.dataErr = parseInput(r)
	}
	return r.data, r.dataErr
}

func parseInput(r *Request) (*input, error) {
	req := r.Ctx.Request
	if req.Body == nil || req.Body == http.NoBody || req.ContentLength == 0 && req.Header.Get("Content-Type") == "" {
		return &input{}, nil
	}
	ct := req.Header.Get("Content-Type")
	mt := "application/json"
	if ct != "" && ct != mt { // the common case needs no parsing
		var err error
		if mt, _, err = mime.ParseMediaType(ct); err != nil {
			return nil, UnsupportedMediaType(ct)
		}
	}
	switch {
	case mt == "application/json" || strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json"):
		limit := maxBody(r)
		var body []byte
		if n := req.ContentLength; n > 0 && n <= limit {
			// The server delivers exactly Content-Length bytes: read them into a
			// buffer of that size, not one grown step by step.
			body = make([]byte, n)
			if _, err := io.ReadFull(req.Body, body); err != nil {
				return nil, ParseError("Could not read the request body.")
			}
		} else {
			var err error
			body, err = io.ReadAll(io.LimitReader(req.Body, limit+1))
			if err != nil {
				return nil, ParseError("Could not read the request body.")
			}
		}
		if int64(len(body)) > limit {
			return nil, &Error{Status: http.StatusRequestEntityTooLarge, Detail: fmt.Sprintf("Request body is larger than %d bytes.", limit), Code: "too_large"}
		}
		return parseJSONObject(body)
	case mt == "application/x-www-form-urlencoded" || mt == "multipart/form-data":
		form, err := r.Ctx.Form()
		if err != nil {
			return nil, err
		}
		in := &input{isForm: true, form: form}
		for k := range form {
			in.keys = append(in.keys, k)
		}
		if mf := req.MultipartForm; mf != nil {
			in.files = mf.File
			for k := range mf.File {
				in.keys = append(in.keys, k)
			}
		}
		return in, nil
	}
	return nil, UnsupportedMediaType(ct)
}

// parseJSONObject reads a body that must hold one JSON object. The keys and
// values it returns share body's memory, which must not change afterwards.
func parseJSONObject(body []byte) (*input, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return &input{}, nil
	}
	if !utf8.Valid(body) {
		return nil, ParseError("JSON parse error - the body is not valid UTF-8")
	}
	if !json.Valid(body) {
		return nil, jsonSyntaxError(body)
	}
	i := skipSpace(body, 0)
	if body[i] != '{' {
		return nil, &ValidationError{Messages: []string{fmt.Sprintf("Invalid data. Expected a dictionary, but got %s.", jsonKind(body[i:]))}}
	}
	return splitObject(body, i), nil
}

// jsonSyntaxError describes what is wrong with a body json.Valid refused, in
// encoding/json's words (with the offset).
func jsonSyntaxError(body []byte) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	var first json.RawMessage
	if err := dec.Decode(&first); err != nil {
		return ParseError("JSON parse error - " + jsonErrText(err))
	}
	if _, err := dec.Token(); err != io.EOF {
		return ParseError("JSON parse error - unexpected data after the JSON value")
	}
	return ParseError("JSON parse error - the body is not one JSON value")
}

// splitObject lists the members of the object starting at b[i], in one pass over
// input that json.Valid accepted: each key (unquoted) and its value as it was
// written.
func splitObject(b []byte, i int) *input {
	// one allocation for the input and the lists of a small object
	held := &struct {
		in   input
		keys [8]string
		raws [8]json.RawMessage
	}{}
	in := &held.in
	in.keys, in.raws = held.keys[:0], held.raws[:0]
	i++ // {
	for {
		i = skipSpace(b, i)
		switch b[i] {
		case '}':
			if len(in.keys) > manyKeys {
				in.index = make(map[string]int, len(in.keys))
				for k, key := range in.keys {
					in.index[key] = k
				}
			}
			return in
		case ',':
			i = skipSpace(b, i+1)
		}
		end := stringEnd(b, i)
		key, ok := plainString(b[i:end])
		if !ok {
			_ = json.Unmarshal(b[i:end], &key)
		}
		i = skipSpace(b, end) + 1 // :
		i = skipSpace(b, i)
		vend := valueEnd(b, i)
		in.keys = append(in.keys, key)
		in.raws = append(in.raws, b[i:vend:vend])
		i = vend
	}
}

// skipSpace returns the index of the first byte at or after i that is not JSON
// white space.
func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\n' || b[i] == '\r' || b[i] == '\t') {
		i++
	}
	return i
}

// stringEnd returns the index after the valid JSON string starting at b[i].
func stringEnd(b []byte, i int) int {
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return i
}

// valueEnd returns the index after the valid JSON value starting at b[i].
func valueEnd(b []byte, i int) int {
	switch b[i] {
	case '"':
		return stringEnd(b, i)
	case '{', '[':
		depth := 0
		for i < len(b) {
			switch b[i] {
			case '"':
				i = stringEnd(b, i)
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return i
	}
	for i < len(b) {
		switch b[i] {
		case ',', '}', ']', ' ', '\n', '\r', '\t':
			return i
		}
		i++
	}
	return i
}

// plainString returns the text of a valid JSON string without escapes, sharing
// raw's memory; ok is false when it has escapes (decode it with encoding/json).
func plainString(raw []byte) (s string, ok bool) {
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return "", false
	}
	body := raw[1 : len(raw)-1]
	if bytes.IndexByte(body, '\\') >= 0 {
		return "", false
	}
	if len(body) == 0 {
		return "", true
	}
	return unsafe.String(&body[0], len(body)), true
}

func jsonErrText(err error) string {
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		return fmt.Sprintf("%s (at byte %d)", strings.TrimPrefix(syn.Error(), "json: "), syn.Offset)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return "the body ends in the middle of a value"
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}
