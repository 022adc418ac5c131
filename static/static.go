// Package static serves static files (CSS, JavaScript, images) from an fs.FS with
// the caching headers browsers and CDNs need, like Django's staticfiles app and
// WhiteNoise in one small handler.
//
//	//go:embed assets
//	var assets embed.FS
//
//	sub, _ := fs.Sub(assets, "assets")
//	files := static.New(sub, static.Options{Prefix: "/static/"})
//	app.Mount("/static", files)                  // or, on a plain mux:
//	mux.Handle("/static/", http.StripPrefix("/static", files))
//	href, _ := files.URL("css/site.css") // "/static/css/site.3f2a9c1e4b12.css"
//
// Every file gets an ETag (a hash of its content), Last-Modified when the FS knows
// modification times, a correct Content-Type and X-Content-Type-Options: nosniff;
// conditional requests, HEAD and byte ranges are answered by http.ServeContent (a
// request for more than 16 ranges gets the whole file instead).
// Fingerprinted URLs (from Server.URL) are cached for a year as immutable, because
// their name changes whenever their content does.
//
// Paths are checked before anything is opened: "..", backslashes, NUL and other
// control bytes are refused with 400, in any encoding (the path is checked after
// percent-decoding, so %2e%2e and ..%2f are caught); empty segments ("//etc"),
// dot-files (.env, .git) and directories without an index are 404. There are no
// directory listings.
package static

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Options configures a Server. The zero value serves from the URL root with
// revalidation on every use (Cache-Control: no-cache) for unfingerprinted files.
type Options struct {
	// Prefix is the URL path the files are served under ("/static/"), prepended by
	// URL. ServeHTTP itself expects request paths relative to it, as App.Mount
	// (which strips the mount prefix) and http.StripPrefix deliver them.
	Prefix string
	// MaxAge lets browsers use an unfingerprinted file this long without asking
	// again. Zero sends Cache-Control: no-cache (always revalidate, cheap with ETags).
	MaxAge time.Duration
	// Index serves index.html for a directory URL ending in "/" (and redirects the
	// URL without the slash). Off by default; directory listings are never produced.
	Index bool
	// NotFound answers requests for missing files. Nil means a plain 404.
	NotFound http.Handler
	// Manifest, when set, is the fingerprint manifest of files gathered by
	// collectstatic (LoadManifest reads it): URL answers from it instead of hashing
	// files, and the fingerprinted names it lists are served with far-future caching.
	Manifest *Manifest
}

// immutable is the Cache-Control of fingerprinted files.
const immutable = "public, max-age=31536000, immutable"

// fingerprintLen is the number of hex digits of the content hash in fingerprinted
// names (48 bits, like Django's ManifestStaticFilesStorage).
const fingerprintLen = 12

// Server is an http.Handler serving files from an fs.FS. Create it with New.
type Server struct {
	fsys   fs.FS
	opts   Options
	prefix string
	mu     sync.Mutex
	meta   map[string]*fileMeta
}

type fileMeta struct {
	size int64
	mod  time.Time
	sum  [32]byte
}

func (m *fileMeta) etag() string        { return `"` + hex.EncodeToString(m.sum[:16]) + `"` }
func (m *fileMeta) fingerprint() string { return hex.EncodeToString(m.sum[:fingerprintLen/2]) }

// New returns a Server for fsys. An Options.Prefix with a scheme
// ("https://cdn.example.com/static/") is used as it is by URL, for files served
// from another host; a path prefix gets its slashes normalised ("static" is
// "/static/").
func New(fsys fs.FS, opts Options) *Server {
	p := opts.Prefix
	switch {
	case isAbsoluteURL(p):
		if !strings.HasSuffix(p, "/") {
			p += "/"
		}
	case p != "":
		p = "/" + strings.Trim(p, "/") + "/"
		if p == "//" {
			p = "/"
		}
	}
	return &Server{fsys: fsys, opts: opts, prefix: p, meta: map[string]*fileMeta{}}
}

// ErrBadPath is the error for request paths that try to leave the FS or carry
// characters no file name should (.., backslash, NUL, control bytes).
var ErrBadPath = errors.New("static: invalid path")

// clean turns a request path into an FS name: "" for the root, a trailing "/" kept
// for directory URLs. It returns ErrBadPath for hostile paths and fs.ErrNotExist for
// paths that can name nothing servable (empty segments, dot-files).
func clean(p string) (string, error) {
	for i := 0; i < len(p); i++ {
		if c := p[i]; c < 0x20 || c == 0x7f || c == '\\' {
			return "", ErrBadPath
		}
	}
	name := strings.TrimPrefix(p, "/")
	dir := strings.HasSuffix(name, "/")
	trimmed := strings.TrimSuffix(name, "/")
	if trimmed == "" {
		if name != "" {
			return "", fs.ErrNotExist // "//": an empty segment
		}
		return "", nil
	}
	for _, seg := range strings.Split(trimmed, "/") {
		switch {
		case seg == "..":
			return "", ErrBadPath
		case seg == "" || strings.HasPrefix(seg, "."):
			return "", fs.ErrNotExist
		}
	}
	if !fs.ValidPath(trimmed) {
		return "", ErrBadPath
	}
	if dir {
		return trimmed + "/", nil
	}
	return trimmed, nil
}

// ServeHTTP serves the file named by the request path.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "Method Not Allowed", http.StatusMethodNotAllowed)
		return
	}
	p := r.URL.Path
	name, err := clean(p)
	if errors.Is(err, ErrBadPath) {
		http.Error(w, "Bad Request: invalid path", http.StatusBadRequest)
		return
	}
	if err != nil {
		s.notFound(w, r)
		return
	}
	if name == "" || strings.HasSuffix(name, "/") {
		s.serveIndex(w, r, strings.TrimSuffix(name, "/"))
		return
	}
	if m := s.opts.Manifest; m != nil && m.isHashed(name) {
		if s.serveFile(w, r, name, true) {
			return
		}
	} else if s.serveFile(w, r, name, false) {
		return
	}
	// A fingerprinted name: serve the original if the hash is its current one.
	if orig, fp, ok := splitFingerprint(name); ok {
		if m, err := s.stat(orig); err == nil && m.fingerprint() == fp {
			if s.serveFile(w, r, orig, true) {
				return
			}
		}
	}
	s.notFound(w, r)
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	if s.opts.NotFound != nil {
		s.opts.NotFound.ServeHTTP(w, r)
		return
	}
	http.Error(w, "Not Found", http.StatusNotFound)
}

func (s *Server) serveIndex(w http.ResponseWriter, r *http.Request, dir string) {
	if !s.opts.Index {
		s.notFound(w, r)
		return
	}
	if !s.serveFile(w, r, path.Join(dir, "index.html"), false) {
		s.notFound(w, r)
	}
}

// serveFile serves name and reports whether it existed as a regular file. A
// directory with an index.html (when Index is on) is redirected to its slashed URL.
func (s *Server) serveFile(w http.ResponseWriter, r *http.Request, name string, fingerprinted bool) bool {
	f, err := s.fsys.Open(name)
	if err != nil {
		return false
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return false
	}
	if fi.IsDir() {
		if !s.opts.Index {
			return false
		}
		if _, err := fs.Stat(s.fsys, path.Join(name, "index.html")); err != nil {
			return false
		}
		// A relative Location ("docs/"): the handler sees the path with the mount
		// prefix stripped, and only the browser knows the URL it asked for.
		// http.Redirect would make it absolute from the stripped path.
		target := &url.URL{Path: path.Base(name) + "/", RawQuery: r.URL.RawQuery}
		w.Header().Set("Location", target.String())
		w.WriteHeader(http.StatusMovedPermanently)
		return true
	}
	if !fi.Mode().IsRegular() {
		return false
	}
	m, err := s.metaFor(name, f, fi)
	if err != nil {
		http.Error(w, "Internal Server Error", http.StatusInternalServerError)
		return true
	}
	rs, ok := f.(io.ReadSeeker)
	if !ok {
		// Re-open: metaFor consumed the file while hashing.
		f2, err := s.fsys.Open(name)
		if err != nil {
			return false
		}
		defer f2.Close()
		b, err := io.ReadAll(f2)
		if err != nil {
			http.Error(w, "Internal Server Error", http.StatusInternalServerError)
			return true
		}
		rs = strings.NewReader(string(b))
	} else if _, err := rs.Seek(0, io.SeekStart); err != nil {
		http.Error(w, "Internal Server Error", http.StatusInternalServerError)
		return true
	}
	h := w.Header()
	h.Set("ETag", m.etag())
	h.Set("X-Content-Type-Options", "nosniff")
	switch {
	case fingerprinted:
		h.Set("Cache-Control", immutable)
	case s.opts.MaxAge > 0:
		h.Set("Cache-Control", "public, max-age="+strconv.FormatInt(int64(s.opts.MaxAge/time.Second), 10))
	default:
		h.Set("Cache-Control", "no-cache")
	}
	if ct := TypeByExtension(path.Ext(name)); ct != "" {
		h.Set("Content-Type", ct)
	}
	http.ServeContent(w, limitRanges(r), name, fi.ModTime(), rs)
	return true
}

// maxRanges is the most byte ranges one request may ask for. Browsers and download
// tools ask for one or a few; hundreds of tiny ones only turn a small request into a
// multipart answer many times the file's size.
const maxRanges = 16

// limitRanges returns r without its Range header when it asks for more than
// maxRanges ranges, so the whole file is served (200), as Apache's MaxRanges does.
func limitRanges(r *http.Request) *http.Request {
	rng := r.Header.Get("Range")
	if strings.Count(rng, ",") < maxRanges {
		return r
	}
	r2 := new(http.Request)
	*r2 = *r
	r2.Header = r.Header.Clone()
	r2.Header.Del("Range")
	return r2
}

// metaFor returns the cached hash of name, recomputing it when the file's size or
// modification time changed.
func (s *Server) metaFor(name string, f fs.File, fi fs.FileInfo) (*fileMeta, error) {
	s.mu.Lock()
	m := s.meta[name]
	s.mu.Unlock()
	if m != nil && m.size == fi.Size() && m.mod.Equal(fi.ModTime()) {
		return m, nil
	}
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return nil, err
	}
	m = &fileMeta{size: fi.Size(), mod: fi.ModTime()}
	h.Sum(m.sum[:0])
	s.mu.Lock()
	s.meta[name] = m
	s.mu.Unlock()
	return m, nil
}

func (s *Server) stat(name string) (*fileMeta, error) {
	f, err := s.fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fs.ErrNotExist
	}
	return s.metaFor(name, f, fi)
}

// Prefix returns the URL prefix URL puts before names ("/static/"; "/" when none was given).
func (s *Server) Prefix() string {
	if s.prefix == "" {
		return "/"
	}
	return s.prefix
}

// isAbsoluteURL reports whether p starts with a scheme and "//" (a CDN prefix).
func isAbsoluteURL(p string) bool {
	i := strings.Index(p, "://")
	return i > 0 && hasScheme(p[:i+1])
}

// URL returns the fingerprinted URL of the file name (relative to the FS root, as
// "css/site.css"): the Prefix, then the name with a hash of the content before the
// extension ("/static/css/site.3f2a9c1e4b12.css"). Such URLs are served with
// far-future immutable caching; after the file changes, URL returns a new one and
// the old one is 404. A missing file is an error naming it.
func (s *Server) URL(name string) (string, error) {
	clean, err := cleanName(name)
	if err != nil {
		return "", err
	}
	p := s.prefix
	if p == "" {
		p = "/"
	}
	if s.opts.Manifest != nil {
		h, ok := s.opts.Manifest.Lookup(clean)
		if !ok {
			return "", fmt.Errorf("static: URL(%q): the file is not in the manifest %s (run collectstatic again after adding it)", name, ManifestName)
		}
		return p + h, nil
	}
	m, err := s.stat(clean)
	if err != nil {
		return "", fmt.Errorf("static: URL(%q): %w", name, err)
	}
	dir, base := path.Split(clean)
	ext := path.Ext(base)
	stem := strings.TrimSuffix(base, ext)
	return p + dir + stem + "." + m.fingerprint() + ext, nil
}

func cleanName(name string) (string, error) {
	c, err := clean("/" + strings.TrimPrefix(name, "/"))
	if err != nil || c == "" || strings.HasSuffix(c, "/") {
		if err == nil {
			err = fs.ErrNotExist
		}
		return "", fmt.Errorf("static: URL(%q): not a file name: %w", name, err)
	}
	return c, nil
}

// splitFingerprint splits "css/site.3f2a9c1e4b12.css" into "css/site.css" and the
// fingerprint; ok is false for names without one.
func splitFingerprint(name string) (orig, fp string, ok bool) {
	dir, base := path.Split(name)
	ext := path.Ext(base)
	stem := strings.TrimSuffix(base, ext)
	if isFingerprint(ext) { // "LICENSE.3f2a9c1e4b12": no extension
		return dir + stem, ext[1:], stem != ""
	}
	i := strings.LastIndexByte(stem, '.')
	if i <= 0 || !isFingerprint(stem[i:]) {
		return "", "", false
	}
	return dir + stem[:i] + ext, stem[i+1:], true
}

// isFingerprint reports whether s is "." followed by fingerprintLen lower-case hex digits.
func isFingerprint(s string) bool {
	if len(s) != fingerprintLen+1 || s[0] != '.' {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// types fills gaps in mime.TypeByExtension on systems without /etc/mime.types.
var types = map[string]string{
	".css":         "text/css; charset=utf-8",
	".js":          "text/javascript; charset=utf-8",
	".mjs":         "text/javascript; charset=utf-8",
	".json":        "application/json",
	".map":         "application/json",
	".webmanifest": "application/manifest+json",
	".html":        "text/html; charset=utf-8",
	".htm":         "text/html; charset=utf-8",
	".txt":         "text/plain; charset=utf-8",
	".xml":         "text/xml; charset=utf-8",
	".svg":         "image/svg+xml",
	".png":         "image/png",
	".jpg":         "image/jpeg",
	".jpeg":        "image/jpeg",
	".gif":         "image/gif",
	".webp":        "image/webp",
	".avif":        "image/avif",
	".ico":         "image/x-icon",
	".woff":        "font/woff",
	".woff2":       "font/woff2",
	".ttf":         "font/ttf",
	".otf":         "font/otf",
	".wasm":        "application/wasm",
	".pdf":         "application/pdf",
	".mp4":         "video/mp4",
	".webm":        "video/webm",
	".mp3":         "audio/mpeg",
}

// TypeByExtension returns the Content-Type for a file extension (".css"), from a
// built-in table of web types first, then the system's MIME table; "" when unknown
// (http.ServeContent then sniffs the content).
func TypeByExtension(ext string) string {
	ext = strings.ToLower(ext)
	if t, ok := types[ext]; ok {
		return t
	}
	return mime.TypeByExtension(ext)
}

// Dir returns an fs.FS of the files under the directory dir, for serving from disk
// in place of os.DirFS: every name is confined to dir, so a symbolic link that points
// out of it (to /etc/passwd, to the project's source) is refused rather than followed,
// while links within dir still work. A missing directory is an error.
func Dir(dir string) (fs.FS, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("static: %w", err)
	}
	return root.FS(), nil
}
