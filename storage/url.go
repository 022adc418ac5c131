package storage

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/galvani-web/galvani/internal/urlopt"
)

// OpenFunc opens the storage a URL names. The URL has been parsed and its scheme
// matched; the function validates the rest and reports unknown options. It must
// not touch the network: a server that is down makes operations fail, not Open.
type OpenFunc func(ctx context.Context, u *url.URL) (Storage, error)

var (
	schemesMu sync.RWMutex
	schemes   = map[string]OpenFunc{
		"file":   openFileSystem,
		"memory": openMemory,
	}
)

// RegisterScheme makes URLs with scheme open storages with fn, the way the
// storage/s3 package adds s3:// when it is imported. It panics when the scheme is
// taken.
func RegisterScheme(scheme string, fn OpenFunc) {
	schemesMu.Lock()
	defer schemesMu.Unlock()
	if _, dup := schemes[scheme]; dup {
		panic("storage: RegisterScheme called twice for " + scheme)
	}
	schemes[scheme] = fn
}

// Schemes returns the registered URL schemes, sorted.
func Schemes() []string {
	schemesMu.RLock()
	defer schemesMu.RUnlock()
	out := make([]string, 0, len(schemes))
	for s := range schemes {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// Open opens the storage a URL names:
//
//	file:///var/lib/site/media?base_url=/media/   a FileSystem (absolute directory)
//	file:///./media?base_url=/media/              a FileSystem (directory relative to the working directory)
//	memory://?base_url=/media/                    a Memory (tests)
//	s3://bucket/prefix?endpoint=...&region=...    an S3-compatible bucket (import storage/s3)
//
// Open does not touch the disk or the network.
func Open(ctx context.Context, rawURL string) (Storage, error) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Scheme == "" || !strings.Contains(rawURL, "://") {
		return nil, fmt.Errorf("storage: %q is not a storage URL (file:///dir, memory://, s3://bucket)", RedactURL(rawURL))
	}
	schemesMu.RLock()
	fn, ok := schemes[u.Scheme]
	schemesMu.RUnlock()
	if !ok {
		hint := ""
		if u.Scheme == "s3" {
			hint = ` (import _ "github.com/galvani-web/galvani/storage/s3" to register it)`
		}
		return nil, fmt.Errorf("storage: URL %q: unknown scheme %q%s; known: %s",
			RedactURL(rawURL), u.Scheme, hint, strings.Join(Schemes(), ", "))
	}
	return fn(ctx, u)
}

// RedactURL returns rawURL with its user information (an access key and secret)
// replaced by "***", for error messages and logs.
func RedactURL(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		if i, j := strings.Index(rawURL, "://"), strings.LastIndex(rawURL, "@"); i >= 0 && j > i {
			return rawURL[:i+3] + "***" + rawURL[j:]
		}
		return rawURL
	}
	if u.User == nil {
		return rawURL
	}
	u.User = nil
	return strings.Replace(u.String(), "://", "://***@", 1)
}

// URLOptions takes the options of a storage URL's query one at a time, so the
// backend can report the ones it did not take. Backends registered with
// RegisterScheme use it for the options they share with the built-in ones.
type URLOptions struct {
	raw    string
	params url.Values
}

// NewURLOptions returns the options of u's query.
func NewURLOptions(u *url.URL) (*URLOptions, error) {
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return nil, fmt.Errorf("storage: URL %q: bad query: %v", RedactURL(u.String()), err)
	}
	return &URLOptions{raw: u.String(), params: q}, nil
}

// Take removes the option name and returns its value and whether it was given.
// An option given twice is an error.
func (o *URLOptions) Take(name string) (string, bool, error) {
	return urlopt.Take(o.params, name, "storage", RedactURL(o.raw))
}

// Done reports the options nobody took as an error.
func (o *URLOptions) Done() error { return urlopt.Done(o.params, "storage", RedactURL(o.raw)) }

func openFileSystem(_ context.Context, u *url.URL) (Storage, error) {
	if u.Host != "" || u.User != nil {
		return nil, fmt.Errorf("storage: URL %q: a file URL names no host; use file:///absolute/dir or file:///./relative/dir", RedactURL(u.String()))
	}
	dir := u.Path
	switch {
	case strings.HasPrefix(dir, "/./"):
		dir = dir[len("/./"):]
	case dir == "" || dir == "/" || !filepath.IsAbs(filepath.FromSlash(dir)):
		return nil, fmt.Errorf("storage: URL %q: use file:///absolute/dir or file:///./relative/dir", RedactURL(u.String()))
	}
	if dir == "" {
		return nil, errors.New("storage: URL " + u.String() + " names no directory")
	}
	opts, err := NewURLOptions(u)
	if err != nil {
		return nil, err
	}
	base, _, err := opts.Take("base_url")
	if err != nil {
		return nil, err
	}
	if err := opts.Done(); err != nil {
		return nil, err
	}
	return NewFileSystem(filepath.Clean(filepath.FromSlash(dir)), base), nil
}

func openMemory(_ context.Context, u *url.URL) (Storage, error) {
	if u.Host != "" || (u.Path != "" && u.Path != "/") {
		return nil, fmt.Errorf("storage: URL %q: a memory URL has no host or path (memory://?base_url=/media/)", u.String())
	}
	opts, err := NewURLOptions(u)
	if err != nil {
		return nil, err
	}
	base, _, err := opts.Take("base_url")
	if err != nil {
		return nil, err
	}
	if err := opts.Done(); err != nil {
		return nil, err
	}
	return &Memory{BaseURL: base}, nil
}
