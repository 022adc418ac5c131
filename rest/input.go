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
)

// Parsers: the content types request bodies may have.
var parsedTypes = []string{"application/json", "application/x-www-form-urlencoded", "multipart/form-data"}

// input is a parsed request body: a JSON object, or form fields and files.
type input struct {
	keys   []string
	json   map[string]json.RawMessage
	form   url.Values
	files  map[string][]*multipart.FileHeader
	isForm bool
}

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
	raw, ok := in.json[name]
	return value{raw: raw}, ok
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
	mt, _, err := mime.ParseMediaType(ct)
	if ct == "" {
		mt, err = "application/json", nil
	}
	if err != nil {
		return nil, UnsupportedMediaType(ct)
	}
	switch {
	case mt == "application/json" || strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json"):
		limit := maxBody(r)
		body, err := io.ReadAll(io.LimitReader(req.Body, limit+1))
		if err != nil {
			return nil, ParseError("Could not read the request body.")
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

// parseJSONObject reads a body that must hold one JSON object.
func parseJSONObject(body []byte) (*input, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return &input{}, nil
	}
	if !utf8.Valid(body) {
		return nil, ParseError("JSON parse error - the body is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	var m map[string]json.RawMessage
	var first json.RawMessage
	if err := dec.Decode(&first); err != nil {
		return nil, ParseError("JSON parse error - " + jsonErrText(err))
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, ParseError("JSON parse error - unexpected data after the JSON value")
	}
	if len(first) == 0 || first[0] != '{' {
		return nil, &ValidationError{Messages: []string{fmt.Sprintf("Invalid data. Expected a dictionary, but got %s.", jsonKind(first))}}
	}
	keys, err := objectKeys(first)
	if err != nil {
		return nil, ParseError("JSON parse error - " + jsonErrText(err))
	}
	if err := json.Unmarshal(first, &m); err != nil {
		return nil, ParseError("JSON parse error - " + jsonErrText(err))
	}
	return &input{json: m, keys: keys}, nil
}

// objectKeys lists the keys of a JSON object in order.
func objectKeys(obj json.RawMessage) ([]string, error) {
	dec := json.NewDecoder(bytes.NewReader(obj))
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	var keys []string
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, err
		}
		k, _ := t.(string)
		keys = append(keys, k)
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return nil, err
		}
	}
	return keys, nil
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
