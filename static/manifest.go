package static

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"sort"
	"strings"
)

// ManifestName is the file collectstatic writes at the root of the collected files:
// the map from each file's name to its fingerprinted name, in the format of Django's
// ManifestStaticFilesStorage (staticfiles.json), so tools that read Django's
// manifest read ours.
const ManifestName = "staticfiles.json"

// maxManifestBytes bounds the manifest a server reads: far more than any real
// project's (a hundred thousand files take about 10 MB), small enough that a corrupt
// or hostile file cannot exhaust memory. A variable so tests can lower it.
var maxManifestBytes = 64 << 20

// Manifest maps the names of static files ("css/site.css") to their fingerprinted
// names ("css/site.3f2a9c1e4b12.css"). collectstatic writes it; a Server given one
// (Options.Manifest) answers URL from it and serves the fingerprinted names it lists
// with far-future caching.
type Manifest struct {
	paths  map[string]string
	hashed map[string]bool
}

// NewManifest returns a manifest of the given name → fingerprinted name pairs. Both
// sides must be clean relative file names (see ReadManifest).
func NewManifest(paths map[string]string) (*Manifest, error) {
	m := &Manifest{paths: make(map[string]string, len(paths)), hashed: make(map[string]bool, len(paths))}
	for k, v := range paths {
		if err := checkManifestName(k); err != nil {
			return nil, &ManifestError{Msg: fmt.Sprintf("entry %s: %v", quoteName(k), err)}
		}
		if err := checkManifestName(v); err != nil {
			return nil, &ManifestError{Msg: fmt.Sprintf("entry %s: fingerprinted name %s: %v", quoteName(k), quoteName(v), err)}
		}
		m.paths[k] = v
		m.hashed[v] = true
	}
	return m, nil
}

// Lookup returns the fingerprinted name of name.
func (m *Manifest) Lookup(name string) (string, bool) {
	v, ok := m.paths[name]
	return v, ok
}

// Len returns the number of files in the manifest.
func (m *Manifest) Len() int { return len(m.paths) }

// Names returns the names of the files in the manifest, sorted.
func (m *Manifest) Names() []string {
	out := make([]string, 0, len(m.paths))
	for k := range m.paths {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// isHashed reports whether name is a fingerprinted name of the manifest.
func (m *Manifest) isHashed(name string) bool { return m.hashed[name] }

// ManifestError reports a manifest that cannot be used: unreadable, malformed,
// too large, or naming files outside the static files. Its message says to run
// collectstatic again.
type ManifestError struct {
	// Msg says what is wrong.
	Msg string
	// Err is the underlying error, if any (a JSON syntax error, a read error).
	Err error
}

func (e *ManifestError) Error() string {
	s := "static: manifest " + ManifestName + ": " + e.Msg
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s + " (run collectstatic again to rewrite it)"
}

// Unwrap returns the underlying error.
func (e *ManifestError) Unwrap() error { return e.Err }

// manifestFile is the JSON shape of staticfiles.json. Django 3.2 writes version
// "1.0" without hash; Django 4 writes "1.1" with a hash of the paths.
type manifestFile struct {
	Paths   map[string]string `json:"paths"`
	Version string            `json:"version"`
	Hash    string            `json:"hash,omitempty"`
}

// ReadManifest reads a manifest in Django's staticfiles.json format. Anything but a
// JSON object with a "paths" object of string pairs and a known version, more than
// 64 MiB, or a name that is not a clean relative file name (empty, absolute, with
// "." or ".." segments, a backslash, control characters, a dot-file) is a
// *ManifestError: a manifest decides which files are served, so a doubtful one is
// refused whole.
func ReadManifest(r io.Reader) (*Manifest, error) {
	b, err := io.ReadAll(io.LimitReader(r, int64(maxManifestBytes)+1))
	if err != nil {
		return nil, &ManifestError{Msg: "cannot read it", Err: err}
	}
	if len(b) > maxManifestBytes {
		return nil, &ManifestError{Msg: fmt.Sprintf("larger than %d MiB", maxManifestBytes>>20)}
	}
	var mf manifestFile
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&mf); err != nil {
		return nil, &ManifestError{Msg: "not a manifest (want {\"paths\": {...}, \"version\": \"1.1\"})", Err: err}
	}
	if dec.More() {
		return nil, &ManifestError{Msg: "trailing data after the JSON object"}
	}
	switch mf.Version {
	case "1.0", "1.1":
	default:
		return nil, &ManifestError{Msg: fmt.Sprintf("unknown version %s (want 1.0 or 1.1)", quoteName(mf.Version))}
	}
	if mf.Paths == nil {
		return nil, &ManifestError{Msg: `no "paths" object`}
	}
	return NewManifest(mf.Paths)
}

// LoadManifest reads ManifestName from the root of fsys. A missing manifest is an
// error matching fs.ErrNotExist.
func LoadManifest(fsys fs.FS) (*Manifest, error) {
	f, err := fsys.Open(ManifestName)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadManifest(f)
}

// WriteTo writes the manifest as Django 4's staticfiles.json (version 1.1, with a
// hash of the paths, keys sorted). Readers use the hash to tell manifests apart;
// ReadManifest does not check it, as Django computes its own differently.
func (m *Manifest) WriteTo(w io.Writer) (int64, error) {
	b, err := json.Marshal(manifestFile{Paths: m.paths, Version: "1.1", Hash: pathsHash(m.paths)})
	if err != nil {
		return 0, err
	}
	n, err := w.Write(b)
	return int64(n), err
}

// pathsHash is the manifest's hash: the fingerprint of its paths' JSON.
func pathsHash(paths map[string]string) string {
	b, _ := json.Marshal(paths) // map keys are sorted by encoding/json
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:fingerprintLen/2])
}

// checkManifestName refuses names that must never be served or written.
func checkManifestName(name string) error {
	if name == "" {
		return errors.New("empty name")
	}
	if strings.HasPrefix(name, "/") {
		return errors.New("absolute name")
	}
	c, err := clean("/" + name)
	switch {
	case errors.Is(err, ErrBadPath):
		return errors.New(`".." segment, backslash or control character`)
	case err != nil || c != name || strings.HasSuffix(name, "/"):
		return errors.New("empty or dot segment, dot-file, or trailing slash")
	}
	return nil
}

// quoteName quotes a name from a file for an error message, cut to a sane length.
func quoteName(s string) string {
	const max = 80
	if len(s) > max {
		s = s[:max] + "..."
	}
	return fmt.Sprintf("%q", s)
}
