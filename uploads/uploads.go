// Package uploads parses multipart/form-data request bodies with hard limits: a size
// limit for the whole request, one for each file, one for the text values held in
// memory, and counts of parts and files. Small files stay in memory; larger ones spill
// to temporary files that are removed when the request ends.
//
// Every limit breach is a typed error with an HTTPStatus method (413 for sizes, 400 for
// malformed bodies or too many parts, 415 for a body that is not multipart), so a
// Galvani handler can simply return it.
//
// Client-supplied file names and content types are untrusted: File.Filename is kept
// only for display and for a storage backend to sanitise (see package storage), and
// File.Sniff looks at the content itself.
package uploads

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"os"
	"strings"
	"sync"
)

// Default limits, used for any zero field of Limits.
const (
	DefaultMaxRequestBytes = 10 << 20 // 10 MiB for the whole body
	DefaultMaxMemoryBytes  = 5 << 19  // 2.5 MiB of file content kept in memory
	DefaultMaxValueBytes   = 5 << 19  // 2.5 MiB of text values in total
	DefaultMaxParts        = 1000     // parts (values and files) per request
	DefaultMaxFiles        = 100      // files per request
	tempPattern            = "galvani-upload-*"
	unlimited              = int64(1) << 62 // "no limit" for negative settings
)

// Limits bounds what one request may send. A zero field takes its default; a negative
// size means no limit (use with care).
type Limits struct {
	// MaxRequestBytes bounds the whole body. Exceeding it is a 413.
	MaxRequestBytes int64
	// MaxFileBytes bounds each file. Exceeding it is a 413 naming the field.
	// Zero means MaxRequestBytes.
	MaxFileBytes int64
	// MaxMemoryBytes is how much file content, in total, stays in memory; files that
	// would go beyond it are written to temporary files.
	MaxMemoryBytes int64
	// MaxValueBytes bounds the total size of the text (non-file) values, which are
	// always held in memory. Exceeding it is a 413.
	MaxValueBytes int64
	// MaxParts bounds the number of parts. Exceeding it is a 400.
	MaxParts int
	// MaxFiles bounds the number of files. Exceeding it is a 400.
	MaxFiles int
	// TempDir is where large files are spilled; empty means os.TempDir().
	TempDir string
}

func (l Limits) withDefaults() Limits {
	size := func(v, def int64) int64 {
		switch {
		case v == 0:
			return def
		case v < 0:
			return unlimited
		}
		return v
	}
	l.MaxRequestBytes = size(l.MaxRequestBytes, DefaultMaxRequestBytes)
	l.MaxFileBytes = size(l.MaxFileBytes, l.MaxRequestBytes)
	l.MaxMemoryBytes = size(l.MaxMemoryBytes, DefaultMaxMemoryBytes)
	l.MaxValueBytes = size(l.MaxValueBytes, DefaultMaxValueBytes)
	if l.MaxParts == 0 {
		l.MaxParts = DefaultMaxParts
	}
	if l.MaxFiles == 0 {
		l.MaxFiles = DefaultMaxFiles
	}
	return l
}

// TooLargeError reports a size limit that the request went beyond. Its HTTP status
// is 413 Request Entity Too Large.
type TooLargeError struct {
	// What names the limit: "request body", "file", "form values".
	What string
	// Field is the form field of the file or value, when known.
	Field string
	// Limit is the limit in bytes.
	Limit int64
}

// Error implements error.
func (e *TooLargeError) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("uploads: %s in field %q is larger than %d bytes", e.What, e.Field, e.Limit)
	}
	return fmt.Sprintf("uploads: %s is larger than %d bytes", e.What, e.Limit)
}

// HTTPStatus returns 413.
func (e *TooLargeError) HTTPStatus() int { return http.StatusRequestEntityTooLarge }

// BadRequestError reports a malformed body, or too many parts or files. Its HTTP
// status is 400, or 415 when the body is not multipart at all.
type BadRequestError struct {
	// Status is 400 or 415.
	Status int
	// Msg says what is wrong, in terms a client developer can act on.
	Msg string
	// Err is the underlying parser error, if any.
	Err error
}

// Error implements error.
func (e *BadRequestError) Error() string {
	if e.Err != nil {
		return "uploads: " + e.Msg + ": " + e.Err.Error()
	}
	return "uploads: " + e.Msg
}

// HTTPStatus returns 400 or 415.
func (e *BadRequestError) HTTPStatus() int { return e.Status }

// Unwrap returns the underlying error.
func (e *BadRequestError) Unwrap() error { return e.Err }

func badRequest(msg string, err error) error {
	return &BadRequestError{Status: http.StatusBadRequest, Msg: msg, Err: err}
}

// ErrNotMultipart is returned (wrapped in a 415 *BadRequestError) for a body whose
// Content-Type is not multipart/form-data.
var ErrNotMultipart = errors.New("content type is not multipart/form-data")

// Form is a parsed multipart body.
type Form struct {
	// Value holds the text parts by field name.
	Value url.Values
	// File holds the file parts by field name.
	File map[string][]*File

	once sync.Once
	err  error
}

// RemoveAll deletes the temporary files of the form. Parse arranges for it to run
// when the request's context ends (after the handler returns); calling it earlier is
// allowed and calling it twice is harmless.
func (f *Form) RemoveAll() error {
	f.once.Do(func() {
		for _, files := range f.File {
			for _, fh := range files {
				if fh.tmp != "" {
					if err := os.Remove(fh.tmp); err != nil && !errors.Is(err, os.ErrNotExist) && f.err == nil {
						f.err = err
					}
				}
			}
		}
	})
	return f.err
}

// File is one uploaded file.
type File struct {
	// Field is the form field the file was sent in.
	Field string
	// Filename is the name the client gave, reduced to its last path element by
	// mime/multipart. It is untrusted: never use it as a path yourself; give it to a
	// storage backend, which sanitises it.
	Filename string
	// ContentType is the type the client declared. It is untrusted; see Sniff.
	ContentType string
	// Header is the part's MIME header.
	Header textproto.MIMEHeader
	// Size is the length of the content in bytes.
	Size int64

	data []byte // content when held in memory
	tmp  string // temporary file path when spilled to disk
}

// Reader is an open uploaded file.
type Reader interface {
	io.Reader
	io.ReaderAt
	io.Seeker
	io.Closer
}

type memReader struct{ *bytes.Reader }

func (memReader) Close() error { return nil }

// Open opens the file's content for reading.
func (f *File) Open() (Reader, error) {
	if f.tmp != "" {
		return os.Open(f.tmp)
	}
	return memReader{bytes.NewReader(f.data)}, nil
}

// OnDisk reports whether the content was spilled to a temporary file.
func (f *File) OnDisk() bool { return f.tmp != "" }

// TempPath returns the temporary file's path, or "" when the content is in memory.
// The file is removed when the request ends.
func (f *File) TempPath() string { return f.tmp }

// Sniff detects the content type from the first bytes of the content (see
// http.DetectContentType), ignoring what the client declared.
func (f *File) Sniff() (string, error) {
	r, err := f.Open()
	if err != nil {
		return "", err
	}
	defer r.Close()
	return Sniff(r)
}

// Sniff detects the content type of the data r yields, from at most its first 512
// bytes, with http.DetectContentType. It returns "application/octet-stream" when it
// cannot tell.
func Sniff(r io.Reader) (string, error) {
	buf := make([]byte, 512)
	n, err := io.ReadFull(r, buf)
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return "", err
	}
	return http.DetectContentType(buf[:n]), nil
}

// Parse reads a multipart/form-data request body within the limits l. The temporary
// files it creates are removed when r's context ends, which for a server request is
// when the handler returns; call Form.RemoveAll to remove them sooner.
//
// Errors are *TooLargeError (413) or *BadRequestError (400, or 415 when the body is
// not multipart/form-data).
func Parse(r *http.Request, l Limits) (*Form, error) {
	l = l.withDefaults()
	ct := r.Header.Get("Content-Type")
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil || mt != "multipart/form-data" {
		return nil, &BadRequestError{Status: http.StatusUnsupportedMediaType, Msg: fmt.Sprintf("Content-Type %q", ct), Err: ErrNotMultipart}
	}
	boundary := params["boundary"]
	if boundary == "" {
		return nil, badRequest("multipart/form-data without a boundary parameter", nil)
	}
	if r.ContentLength > l.MaxRequestBytes {
		return nil, &TooLargeError{What: "request body", Limit: l.MaxRequestBytes}
	}
	if r.Body == nil {
		return nil, badRequest("empty body", nil)
	}
	f, err := parse(r.Body, boundary, l)
	if f != nil {
		if r.Context().Done() != nil {
			context.AfterFunc(r.Context(), func() { f.RemoveAll() })
		}
	}
	return f, err
}

// ParseReader parses a multipart body read from body with the given boundary within
// the limits l. The caller must call Form.RemoveAll when done with the files.
func ParseReader(body io.Reader, boundary string, l Limits) (*Form, error) {
	return parse(body, boundary, l.withDefaults())
}

// countingReader fails with a 413 once more than limit bytes were read.
type countingReader struct {
	r     io.Reader
	n     int64
	limit int64
}

var errBodyTooLarge = errors.New("body too large")

func (c *countingReader) Read(p []byte) (int, error) {
	if c.n > c.limit {
		return 0, errBodyTooLarge
	}
	if max := c.limit - c.n + 1; int64(len(p)) > max {
		p = p[:max]
	}
	n, err := c.r.Read(p)
	c.n += int64(n)
	if c.n > c.limit {
		return n, errBodyTooLarge
	}
	return n, err
}

func parse(body io.Reader, boundary string, l Limits) (form *Form, err error) {
	form = &Form{Value: url.Values{}, File: map[string][]*File{}}
	defer func() {
		if err != nil {
			form.RemoveAll()
			form = nil
		}
	}()
	cr := &countingReader{r: body, limit: l.MaxRequestBytes}
	mr := multipart.NewReader(cr, boundary)
	var (
		parts, files int
		memUsed      int64
		valueBytes   int64
	)
	wrap := func(err error, field string) error {
		if errors.Is(err, errBodyTooLarge) {
			return &TooLargeError{What: "request body", Limit: l.MaxRequestBytes}
		}
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			// A limit set further out (http.MaxBytesReader, body-limit middleware).
			return &TooLargeError{What: "request body", Limit: mb.Limit}
		}
		var tl *TooLargeError
		if errors.As(err, &tl) {
			return tl
		}
		var se serverError
		if errors.As(err, &se) {
			return se.err // the server's fault: a 500, not the client's
		}
		if field != "" {
			return badRequest(fmt.Sprintf("malformed multipart body in field %q", field), err)
		}
		return badRequest("malformed multipart body", err)
	}
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return form, nil
		}
		if err != nil {
			return form, wrap(err, "")
		}
		parts++
		if parts > l.MaxParts {
			p.Close()
			return form, badRequest(fmt.Sprintf("more than %d parts", l.MaxParts), nil)
		}
		name := p.FormName()
		if name == "" {
			// Parts without a form name (e.g. a preamble-like attachment) are skipped,
			// as net/http does; their bytes still count against the request limit.
			if _, err := io.Copy(io.Discard, p); err != nil {
				return form, wrap(err, "")
			}
			continue
		}
		filename := p.FileName()
		if filename == "" {
			// A text value.
			var b strings.Builder
			remain := l.MaxValueBytes - valueBytes
			n, err := io.Copy(&b, io.LimitReader(p, remain+1))
			if err != nil {
				return form, wrap(err, name)
			}
			if n > remain {
				return form, &TooLargeError{What: "form values", Field: name, Limit: l.MaxValueBytes}
			}
			valueBytes += n
			form.Value[name] = append(form.Value[name], b.String())
			continue
		}
		files++
		if files > l.MaxFiles {
			return form, badRequest(fmt.Sprintf("more than %d files", l.MaxFiles), nil)
		}
		fh := &File{Field: name, Filename: filename, ContentType: p.Header.Get("Content-Type"), Header: p.Header}
		// Register first so a failure below still removes a half-written temp file.
		form.File[name] = append(form.File[name], fh)
		if err := readFile(fh, p, l, &memUsed); err != nil {
			return form, wrap(err, name)
		}
	}
}

// readFile stores one file part in memory or, beyond the memory budget, in a
// temporary file, enforcing the per-file limit.
func readFile(fh *File, p io.Reader, l Limits, memUsed *int64) error {
	tooBig := &TooLargeError{What: "file", Field: fh.Field, Limit: l.MaxFileBytes}
	limited := io.LimitReader(p, l.MaxFileBytes+1)
	memRoom := l.MaxMemoryBytes - *memUsed
	if memRoom > l.MaxFileBytes {
		memRoom = l.MaxFileBytes
	}
	var buf bytes.Buffer
	n, err := io.Copy(&buf, io.LimitReader(limited, memRoom+1))
	if err != nil {
		return err
	}
	if n <= memRoom {
		fh.data = buf.Bytes()
		fh.Size = n
		*memUsed += n
		return nil
	}
	if memRoom == l.MaxFileBytes {
		return tooBig
	}
	// Spill: what we have so far, then the rest, to a temporary file.
	tmp, err := os.CreateTemp(l.TempDir, tempPattern)
	if err != nil {
		return serverError{fmt.Errorf("uploads: creating temporary file: %w", err)}
	}
	fh.tmp = tmp.Name()
	size, err := copyTo(tmp, io.MultiReader(&buf, limited))
	if cerr := tmp.Close(); err == nil && cerr != nil {
		err = serverError{fmt.Errorf("uploads: writing temporary file: %w", cerr)}
	}
	if err != nil {
		return err
	}
	if size > l.MaxFileBytes {
		return tooBig
	}
	fh.Size = size
	return nil
}

// serverError marks a failure on our side (disk full, no temp dir), which must not be
// reported as the client's fault.
type serverError struct{ err error }

func (e serverError) Error() string { return e.err.Error() }
func (e serverError) Unwrap() error { return e.err }

// copyTo copies src to a file, telling read errors (the client's body) from write
// errors (our disk).
func copyTo(dst *os.File, src io.Reader) (int64, error) {
	buf := make([]byte, 32<<10)
	var total int64
	for {
		n, rerr := src.Read(buf)
		if n > 0 {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return total, serverError{fmt.Errorf("uploads: writing temporary file: %w", werr)}
			}
			total += int64(n)
		}
		if rerr == io.EOF {
			return total, nil
		}
		if rerr != nil {
			return total, rerr
		}
	}
}
