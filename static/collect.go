package static

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"
)

// Source is one place Collect takes files from: an fs.FS and a label for messages
// ("project", "app blog").
type Source struct {
	Label string
	FS    fs.FS
}

// CollectOptions configure Collect.
type CollectOptions struct {
	// Prefix is the URL prefix the files are served under (STATIC_URL, "/static/"):
	// style-sheet references that start with it are rewritten like relative ones.
	Prefix string
	// Ignore lists path.Match patterns of files to leave out, matched against each
	// file's base name and its whole name ("*.scss", "src/*"). Dot-files and
	// dot-directories are always left out.
	Ignore []string
	// Clear removes everything in the target directory before collecting.
	Clear bool
	// DryRun does everything but write: the result says what would be copied, and
	// reference errors in style sheets are found.
	DryRun bool
	// NoPostProcess copies the files as they are: no fingerprinted copies, no
	// rewritten style sheets, no manifest.
	NoPostProcess bool
	// Log receives a line for each file shadowed by another of the same name.
	Log io.Writer
}

// CollectResult says what Collect did.
type CollectResult struct {
	// Copied counts the files written; Unmodified those already there with the same
	// content (left alone); PostProcessed the fingerprinted copies written or found.
	Copied, Unmodified, PostProcessed int
	// Manifest is the manifest written (nil with NoPostProcess).
	Manifest *Manifest
}

// maxCSSBytes bounds a style sheet collectstatic reads into memory to rewrite (a
// variable so tests can lower it).
var maxCSSBytes int64 = 32 << 20

// CSSCycleError reports style sheets that refer to each other in a circle: each
// one's fingerprint depends on the others', so none can be computed.
type CSSCycleError struct {
	// Files lists the circle, starting and ending with the same file.
	Files []string
}

func (e *CSSCycleError) Error() string {
	return "static: style sheets refer to each other in a circle (" + strings.Join(e.Files, " -> ") +
		"): a fingerprinted name cannot depend on itself; break the circle, or leave one of them out with --ignore"
}

type collected struct {
	src   int // index into sources
	isCSS bool
	data  []byte // style sheets only
	sum   [32]byte
}

// Collect gathers the files of sources into the directory dir, for a web server
// or a CDN to serve, like Django's collectstatic with ManifestStaticFilesStorage.
// A name found in several sources is taken from the first (the others are
// reported to Log), as the static Server's Union does. Each file is copied under
// its own name and, unless NoPostProcess, under its fingerprinted name
// ("css/site.3f2a9c1e4b12.css", the same fingerprint Server.URL gives); in style
// sheets, url(), @import and sourceMappingURL references to other static files are
// rewritten to their fingerprinted names first (a reference to a missing file is a
// *CSSReferenceError, a circle of style sheets a *CSSCycleError). Last, the
// manifest (ManifestName) is written. Every write goes to a temporary dot-file
// renamed into place, and writes cannot leave dir (it is opened as an os.Root).
// A file whose content is already there is left alone (Unmodified).
func Collect(ctx context.Context, dir string, sources []Source, opts CollectOptions) (*CollectResult, error) {
	if dir == "" {
		return nil, errors.New("static: collectstatic needs a target directory (the STATIC_ROOT setting or --root)")
	}
	for _, p := range opts.Ignore {
		if _, err := path.Match(p, ""); err != nil {
			return nil, fmt.Errorf("static: ignore pattern %q: %w", p, err)
		}
	}
	files, names, err := findFiles(sources, opts)
	if err != nil {
		return nil, err
	}
	res := &CollectResult{}
	var root *os.Root
	if !opts.DryRun {
		if abs := strings.TrimRight(dir, "/"); abs == "" {
			return nil, errors.New("static: refusing to collect into the file system root")
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("static: %w", err)
		}
		if root, err = os.OpenRoot(dir); err != nil {
			return nil, fmt.Errorf("static: %w", err)
		}
		defer root.Close()
		if opts.Clear {
			if err := clearDir(root); err != nil {
				return nil, err
			}
		}
	}
	// Copy each file under its own name; remember the content hash.
	for _, name := range names {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		f := files[name]
		written, err := copyFile(root, name, name, sources[f.src].FS, f)
		if err != nil {
			return nil, err
		}
		if written {
			res.Copied++
		} else {
			res.Unmodified++
		}
	}
	if opts.NoPostProcess {
		return res, nil
	}
	hashedNames, err := fingerprintAll(ctx, files, names, opts.Prefix)
	if err != nil {
		return nil, err
	}
	for _, name := range names {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		f := files[name]
		if _, err := copyFile(root, hashedNames[name], name, sources[f.src].FS, f); err != nil {
			return nil, err
		}
		res.PostProcessed++
	}
	m, err := NewManifest(hashedNames)
	if err != nil {
		return nil, err
	}
	res.Manifest = m
	if root != nil {
		var buf bytes.Buffer
		if _, err := m.WriteTo(&buf); err != nil {
			return nil, err
		}
		if err := writeAtomic(root, ManifestName, &buf); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// findFiles walks the sources and returns the files to collect, first source
// winning, with their names sorted.
func findFiles(sources []Source, opts CollectOptions) (map[string]*collected, []string, error) {
	files := map[string]*collected{}
	dirs := map[string]int{} // directory name -> source that has it
	for si, src := range sources {
		if src.FS == nil {
			continue
		}
		err := fs.WalkDir(src.FS, ".", func(name string, d fs.DirEntry, err error) error {
			if err != nil {
				return fmt.Errorf("static: %s: %w", src.Label, err)
			}
			if name == "." {
				return nil
			}
			if strings.HasPrefix(d.Name(), ".") || ignored(name, opts.Ignore) {
				if d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			if d.IsDir() {
				if f, ok := files[name]; ok {
					return fmt.Errorf("static: %q is a file in %s and a directory in %s", name, sources[f.src].Label, src.Label)
				}
				if _, ok := dirs[name]; !ok {
					dirs[name] = si
				}
				return nil
			}
			if name == ManifestName {
				return fmt.Errorf("static: %s has a file called %s, the name of the manifest collectstatic writes; rename it", src.Label, ManifestName)
			}
			if prev, ok := files[name]; ok {
				if opts.Log != nil {
					fmt.Fprintf(opts.Log, "Found another file with the destination path %q in %s; it is ignored (the one in %s wins).\n", name, src.Label, sources[prev.src].Label)
				}
				return nil
			}
			if di, ok := dirs[name]; ok {
				return fmt.Errorf("static: %q is a directory in %s and a file in %s", name, sources[di].Label, src.Label)
			}
			info, err := d.Info()
			if err != nil {
				return fmt.Errorf("static: %s: %w", src.Label, err)
			}
			if !info.Mode().IsRegular() && info.Mode()&fs.ModeSymlink == 0 {
				return nil // devices, sockets: nothing to serve
			}
			files[name] = &collected{src: si, isCSS: strings.EqualFold(path.Ext(name), ".css")}
			return nil
		})
		if err != nil {
			return nil, nil, err
		}
	}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	return files, names, nil
}

func ignored(name string, patterns []string) bool {
	base := path.Base(name)
	for _, p := range patterns {
		if ok, _ := path.Match(p, base); ok {
			return true
		}
		if ok, _ := path.Match(p, name); ok {
			return true
		}
	}
	return false
}

// fingerprintAll computes every file's fingerprinted name: other files from their
// content, style sheets from their content after rewriting, in an order where the
// style sheets a sheet refers to come first.
func fingerprintAll(ctx context.Context, files map[string]*collected, names []string, prefix string) (map[string]string, error) {
	hashed := make(map[string]string, len(files))
	for _, name := range names {
		if f := files[name]; !f.isCSS {
			hashed[name] = fingerprintName(name, f.sum)
		}
	}
	lookup := func(n string) (string, bool) { h, ok := hashed[n]; return h, ok }
	const (
		unseen = iota
		visiting
		done
	)
	state := map[string]int{}
	var stack []string
	var visit func(name string) error
	visit = func(name string) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		switch state[name] {
		case done:
			return nil
		case visiting:
			i := len(stack) - 1
			for i > 0 && stack[i] != name {
				i--
			}
			return &CSSCycleError{Files: append(append([]string(nil), stack[i:]...), name)}
		}
		state[name] = visiting
		stack = append(stack, name)
		f := files[name]
		for _, r := range cssRefs(f.data) {
			target, err := cssTarget(name, r, prefix)
			if err != nil {
				return err
			}
			if t, ok := files[target]; ok && t.isCSS {
				if err := visit(target); err != nil {
					return err
				}
			}
		}
		out, err := rewriteCSS(name, f.data, prefix, lookup)
		if err != nil {
			return err
		}
		f.data = out
		f.sum = sha256.Sum256(out)
		hashed[name] = fingerprintName(name, f.sum)
		stack = stack[:len(stack)-1]
		state[name] = done
		return nil
	}
	for _, name := range names {
		if files[name].isCSS {
			if err := visit(name); err != nil {
				return nil, err
			}
		}
	}
	return hashed, nil
}

// fingerprintName is name with the fingerprint of sum before its extension, as
// Server.URL writes it.
func fingerprintName(name string, sum [32]byte) string {
	dir, base := path.Split(name)
	ext := path.Ext(base)
	fp := hex.EncodeToString(sum[:fingerprintLen/2])
	if ext == base { // ".x" cannot happen (dot-files are left out); "x" has no extension
		ext = ""
	}
	return dir + strings.TrimSuffix(base, ext) + "." + fp + ext
}

// load reads a style sheet into f.data, or hashes a plain file into f.sum, once.
func (f *collected) load(fsys fs.FS, name string) error {
	if f.isCSS {
		if f.data == nil {
			b, err := readLimited(fsys, name, maxCSSBytes)
			if err != nil {
				return err
			}
			f.data = b
			f.sum = sha256.Sum256(b)
		}
		return nil
	}
	if f.sum != ([32]byte{}) {
		return nil
	}
	src, err := fsys.Open(name)
	if err != nil {
		return fmt.Errorf("static: %w", err)
	}
	defer src.Close()
	h := sha256.New()
	if _, err := io.Copy(h, src); err != nil {
		return fmt.Errorf("static: reading %s: %w", name, err)
	}
	h.Sum(f.sum[:0])
	return nil
}

// copyFile writes the file src of fsys (or a style sheet's rewritten data) to dst
// in root, unless an identical file is there, and reports whether it wrote. With
// a nil root (a dry run) it only reads.
func copyFile(root *os.Root, dst, src string, fsys fs.FS, f *collected) (bool, error) {
	if err := f.load(fsys, src); err != nil {
		return false, err
	}
	if root == nil {
		return true, nil
	}
	if same, _ := sameContent(root, dst, f.sum); same {
		return false, nil
	}
	var content io.Reader
	if f.isCSS {
		content = bytes.NewReader(f.data)
	} else {
		r, err := fsys.Open(src)
		if err != nil {
			return false, fmt.Errorf("static: %w", err)
		}
		defer r.Close()
		content = r
	}
	if err := writeAtomic(root, dst, content); err != nil {
		return false, err
	}
	return true, nil
}

func readLimited(fsys fs.FS, name string, max int64) ([]byte, error) {
	src, err := fsys.Open(name)
	if err != nil {
		return nil, fmt.Errorf("static: %w", err)
	}
	defer src.Close()
	b, err := io.ReadAll(io.LimitReader(src, max+1))
	if err != nil {
		return nil, fmt.Errorf("static: reading %s: %w", name, err)
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("static: %s is larger than %d MiB, too large a style sheet to rewrite; leave it out with --ignore", name, max>>20)
	}
	return b, nil
}

// sameContent reports whether root already has name with content sum.
func sameContent(root *os.Root, name string, sum [32]byte) (bool, error) {
	f, err := root.Open(name)
	if err != nil {
		return false, err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return false, err
	}
	var got [32]byte
	h.Sum(got[:0])
	return got == sum, nil
}

// writeAtomic writes content to name in root through a temporary dot-file renamed
// into place, so a server never sees half a file.
func writeAtomic(root *os.Root, name string, content io.Reader) error {
	if dir := path.Dir(name); dir != "." {
		if err := root.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("static: %w", err)
		}
	}
	var rnd [6]byte
	_, _ = rand.Read(rnd[:])
	tmp := path.Join(path.Dir(name), "."+path.Base(name)+".tmp"+hex.EncodeToString(rnd[:]))
	w, err := root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("static: %w", err)
	}
	if _, err := io.Copy(w, content); err != nil {
		w.Close()
		root.Remove(tmp)
		return fmt.Errorf("static: writing %s: %w", name, err)
	}
	if err := w.Close(); err != nil {
		root.Remove(tmp)
		return fmt.Errorf("static: writing %s: %w", name, err)
	}
	if err := root.Rename(tmp, name); err != nil {
		root.Remove(tmp)
		return fmt.Errorf("static: %w", err)
	}
	return nil
}

// clearDir removes everything inside root.
func clearDir(root *os.Root) error {
	d, err := root.Open(".")
	if err != nil {
		return fmt.Errorf("static: %w", err)
	}
	entries, err := d.ReadDir(-1)
	d.Close()
	if err != nil {
		return fmt.Errorf("static: %w", err)
	}
	for _, e := range entries {
		if err := root.RemoveAll(e.Name()); err != nil {
			return fmt.Errorf("static: clearing: %w", err)
		}
	}
	return nil
}
