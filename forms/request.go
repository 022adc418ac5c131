package forms

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/galvani-web/galvani/uploads"
)

// ReadRequest returns the form data of r within the limits l (zero fields take
// uploads' defaults): the query string for GET, HEAD and DELETE; otherwise the body,
// URL-encoded or multipart. The values of a URL-encoded body are bounded by
// l.MaxValueBytes and their count by l.MaxParts.
//
// Errors are *RequestError: 413 for a body over a limit, 400 for a malformed one or
// too many fields, 415 for a content type that is not form data.
func ReadRequest(r *http.Request, l uploads.Limits) (url.Values, map[string][]*uploads.File, error) {
	maxParts := l.MaxParts
	if maxParts == 0 {
		maxParts = uploads.DefaultMaxParts
	}
	maxBytes := l.MaxValueBytes
	if maxBytes == 0 {
		maxBytes = uploads.DefaultMaxValueBytes
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodDelete:
		return parseQuery(r.URL.RawQuery, maxParts)
	}
	ct := r.Header.Get("Content-Type")
	mt := ""
	if ct != "" {
		var err error
		mt, _, err = mime.ParseMediaType(ct)
		if err != nil {
			return nil, nil, &RequestError{Status: http.StatusUnsupportedMediaType, Msg: fmt.Sprintf("unreadable Content-Type %q", ct)}
		}
	}
	switch mt {
	case "multipart/form-data":
		form, err := uploads.Parse(r, l)
		if err != nil {
			var s interface{ HTTPStatus() int }
			if errors.As(err, &s) {
				return nil, nil, &RequestError{Status: s.HTTPStatus(), Msg: "unreadable multipart body", Err: err}
			}
			return nil, nil, err // our side failed (temporary files): a 500
		}
		if n := countValues(form.Value); n > maxParts {
			return nil, nil, tooManyFields(maxParts)
		}
		return form.Value, form.File, nil
	case "application/x-www-form-urlencoded", "":
		if r.Body == nil || r.Body == http.NoBody {
			return url.Values{}, nil, nil
		}
		if maxBytes > 0 && r.ContentLength > maxBytes {
			return nil, nil, tooLarge(maxBytes)
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, maxBytes+1))
		if err != nil {
			var mb *http.MaxBytesError
			if errors.As(err, &mb) {
				return nil, nil, tooLarge(mb.Limit)
			}
			return nil, nil, &RequestError{Status: http.StatusBadRequest, Msg: "reading the body failed", Err: err}
		}
		if int64(len(body)) > maxBytes {
			return nil, nil, tooLarge(maxBytes)
		}
		if mt == "" && len(body) > 0 {
			return nil, nil, &RequestError{Status: http.StatusUnsupportedMediaType, Msg: "a body without Content-Type; send application/x-www-form-urlencoded or multipart/form-data"}
		}
		return parseQuery(string(body), maxParts)
	}
	return nil, nil, &RequestError{Status: http.StatusUnsupportedMediaType, Msg: fmt.Sprintf("Content-Type %q is not form data; send application/x-www-form-urlencoded or multipart/form-data", mt)}
}

func tooLarge(n int64) error {
	return &RequestError{Status: http.StatusRequestEntityTooLarge, Msg: fmt.Sprintf("form data larger than %d bytes", n)}
}

func tooManyFields(n int) error {
	return &RequestError{Status: http.StatusBadRequest, Msg: fmt.Sprintf("more than %d form fields", n)}
}

func countValues(v url.Values) int {
	n := 0
	for _, vs := range v {
		n += len(vs)
	}
	return n
}

func parseQuery(s string, maxParts int) (url.Values, map[string][]*uploads.File, error) {
	if strings.Count(s, "&")+1 > maxParts {
		return nil, nil, tooManyFields(maxParts)
	}
	v, err := url.ParseQuery(s)
	if err != nil {
		return nil, nil, &RequestError{Status: http.StatusBadRequest, Msg: "malformed URL-encoded form data", Err: err}
	}
	return v, nil, nil
}
