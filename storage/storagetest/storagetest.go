// Package storagetest checks that a storage backend behaves as every
// storage.Storage must: the tests of FileSystem, Memory and storage/s3 all run it,
// and a backend written outside this module can run it too:
//
//	func TestConformance(t *testing.T) {
//		storagetest.Run(t, myBackend, storagetest.Options{})
//	}
package storagetest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/galvani-web/galvani/storage"
)

// Options adjust Run to a backend.
type Options struct {
	// URL, if set, returns the address URL(name) must give for a stored name
	// (for example "/media/" + name). Without it Run only checks that URL
	// accepts the names Save returns.
	URL func(name string) string
}

// Run checks s against the behaviours every Storage shares: the names Save picks
// (cleaned, never overwriting), Open, Exists, Delete and URL on them, the refusal
// of names Save never returns, missing files matching fs.ErrNotExist, a failed or
// cancelled Save storing nothing, concurrent saves of one name, and Size when s is
// a storage.Sizer. Every name it saves lies under a fresh random directory, so a
// backend whose files outlive the test (a bucket) can be run against repeatedly;
// the files are deleted at the end.
func Run(t *testing.T, s storage.Storage, opts Options) {
	t.Helper()
	var b [6]byte
	rand.Read(b[:])
	dir := "conformance/" + hex.EncodeToString(b[:])
	c := &checker{s: s, dir: dir, opts: opts}
	t.Cleanup(c.cleanup)
	t.Run("SaveOpenDelete", c.saveOpenDelete)
	t.Run("EmptyFile", c.emptyFile)
	t.Run("HostileNames", c.hostileNames)
	t.Run("RefusesUncleanNames", c.refusesUncleanNames)
	t.Run("Missing", c.missing)
	t.Run("FailedSaveStoresNothing", c.failedSave)
	t.Run("ConcurrentSameName", c.concurrentSameName)
	t.Run("Size", c.size)
}

type checker struct {
	s    storage.Storage
	dir  string
	opts Options

	mu    sync.Mutex
	saved []string
}

func (c *checker) save(t *testing.T, name string, r io.Reader) string {
	t.Helper()
	stored, err := c.s.Save(context.Background(), name, r)
	if err != nil {
		t.Fatalf("Save(%q): %v", name, err)
	}
	c.mu.Lock()
	c.saved = append(c.saved, stored)
	c.mu.Unlock()
	return stored
}

func (c *checker) cleanup() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, n := range c.saved {
		c.s.Delete(context.Background(), n)
	}
}

func (c *checker) content(t *testing.T, name string) string {
	t.Helper()
	rc, err := c.s.Open(context.Background(), name)
	if err != nil {
		t.Fatalf("Open(%q): %v", name, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("reading %q: %v", name, err)
	}
	return string(b)
}

func (c *checker) saveOpenDelete(t *testing.T) {
	ctx := context.Background()
	name := c.save(t, c.dir+"/docs/report 1.txt", strings.NewReader("hello"))
	if want := c.dir + "/docs/report_1.txt"; name != want {
		t.Fatalf("stored as %q, want %q", name, want)
	}
	// The same name again: a unique alternative, the first file kept.
	name2 := c.save(t, c.dir+"/docs/report 1.txt", strings.NewReader("second"))
	if name2 == name || !strings.HasPrefix(name2, c.dir+"/docs/report_1_") || !strings.HasSuffix(name2, ".txt") || !storage.ValidName(name2) {
		t.Fatalf("the colliding save was stored as %q", name2)
	}
	for n, want := range map[string]string{name: "hello", name2: "second"} {
		if got := c.content(t, n); got != want {
			t.Errorf("%s holds %q, want %q", n, got, want)
		}
	}
	u, err := c.s.URL(name)
	if err != nil {
		t.Errorf("URL(%q): %v", name, err)
	} else if c.opts.URL != nil && u != c.opts.URL(name) {
		t.Errorf("URL(%q) = %q, want %q", name, u, c.opts.URL(name))
	}
	if ok, err := c.s.Exists(ctx, name); !ok || err != nil {
		t.Errorf("Exists(%q) = %v, %v after Save", name, ok, err)
	}
	if err := c.s.Delete(ctx, name); err != nil {
		t.Fatalf("Delete(%q): %v", name, err)
	}
	if ok, err := c.s.Exists(ctx, name); ok || err != nil {
		t.Errorf("Exists(%q) = %v, %v after Delete", name, ok, err)
	}
	if err := c.s.Delete(ctx, name); err != nil {
		t.Errorf("a second Delete(%q): %v", name, err)
	}
	if _, err := c.s.Open(ctx, name); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Open of a deleted file: %v, want fs.ErrNotExist", err)
	}
	if got := c.content(t, name2); got != "second" {
		t.Errorf("deleting %s changed %s to %q", name, name2, got)
	}
}

func (c *checker) emptyFile(t *testing.T) {
	name := c.save(t, c.dir+"/empty.txt", strings.NewReader(""))
	if got := c.content(t, name); got != "" {
		t.Errorf("an empty file reads back as %q", got)
	}
	if n, err := storage.Size(context.Background(), c.s, name); n != 0 || err != nil {
		t.Errorf("Size of an empty file = %d, %v", n, err)
	}
}

// The attack table: whatever a client calls its file, it is stored under a clean
// name inside the storage, never over another file, never as a hidden file.
func (c *checker) hostileNames(t *testing.T) {
	first := c.save(t, c.dir+"/secret.txt", strings.NewReader("secret"))
	for _, n := range []string{
		"../" + c.dir + "/secret.txt",
		"../../" + c.dir + "/secret.txt",
		"/" + c.dir + "/secret.txt",
		`..\` + strings.ReplaceAll(c.dir, "/", `\`) + `\secret.txt`,
		c.dir + "/secret.txt\x00.jpg",
		"....//....//" + c.dir + "/secret.txt",
		c.dir + "/.htaccess",
		c.dir + "/a/../../../x.txt",
		"/",
		"",
	} {
		stored := c.save(t, n, strings.NewReader("pwned"))
		if !storage.ValidName(stored) || strings.Contains(stored, "..") || strings.HasPrefix(stored, "/") {
			t.Errorf("Save(%q) stored as the unsafe name %q", n, stored)
		}
		for _, seg := range strings.Split(stored, "/") {
			if strings.HasPrefix(seg, ".") {
				t.Errorf("Save(%q) stored as %q, with a hidden segment", n, stored)
			}
		}
		if stored == first {
			t.Errorf("Save(%q) was stored over %q", n, first)
		}
	}
	if got := c.content(t, first); got != "secret" {
		t.Fatalf("%s was overwritten with %q", first, got)
	}
}

func (c *checker) refusesUncleanNames(t *testing.T) {
	ctx := context.Background()
	sizer, _ := c.s.(storage.Sizer)
	presigner, _ := c.s.(storage.Presigner)
	for _, n := range []string{"../x", "/etc/passwd", `a\b`, "a\x00b", ".hidden", "", "a//b", "a/./b", "a/"} {
		if _, err := c.s.Open(ctx, n); !errors.Is(err, storage.ErrInvalidName) {
			t.Errorf("Open(%q) = %v, want ErrInvalidName", n, err)
		}
		if err := c.s.Delete(ctx, n); !errors.Is(err, storage.ErrInvalidName) {
			t.Errorf("Delete(%q) = %v, want ErrInvalidName", n, err)
		}
		if _, err := c.s.Exists(ctx, n); !errors.Is(err, storage.ErrInvalidName) {
			t.Errorf("Exists(%q) = %v, want ErrInvalidName", n, err)
		}
		if _, err := c.s.URL(n); !errors.Is(err, storage.ErrInvalidName) {
			t.Errorf("URL(%q) = %v, want ErrInvalidName", n, err)
		}
		if sizer != nil {
			if _, err := sizer.Size(ctx, n); !errors.Is(err, storage.ErrInvalidName) {
				t.Errorf("Size(%q) = %v, want ErrInvalidName", n, err)
			}
		}
		if presigner != nil {
			if _, err := presigner.PresignGet(ctx, n, time.Minute); !errors.Is(err, storage.ErrInvalidName) {
				t.Errorf("PresignGet(%q) = %v, want ErrInvalidName", n, err)
			}
		}
	}
}

func (c *checker) missing(t *testing.T) {
	ctx := context.Background()
	name := c.dir + "/never/saved.txt"
	if _, err := c.s.Open(ctx, name); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Open of a missing file: %v, want an error matching fs.ErrNotExist", err)
	}
	if ok, err := c.s.Exists(ctx, name); ok || err != nil {
		t.Errorf("Exists of a missing file = %v, %v", ok, err)
	}
	if err := c.s.Delete(ctx, name); err != nil {
		t.Errorf("Delete of a missing file: %v", err)
	}
	if sz, ok := c.s.(storage.Sizer); ok {
		if _, err := sz.Size(ctx, name); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("Size of a missing file: %v, want an error matching fs.ErrNotExist", err)
		}
	}
}

// failingReader yields some data, then an error, like a client that goes away
// in the middle of an upload.
type failingReader struct{ n int }

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n > 0 {
		f.n--
		return copy(p, "data"), nil
	}
	return 0, errors.New("connection reset")
}

func (c *checker) failedSave(t *testing.T) {
	ctx := context.Background()
	name := c.dir + "/failed.txt"
	if stored, err := c.s.Save(ctx, name, &failingReader{n: 3}); err == nil {
		c.mu.Lock()
		c.saved = append(c.saved, stored)
		c.mu.Unlock()
		t.Fatalf("Save with a failing reader stored %q", stored)
	}
	if ok, err := c.s.Exists(ctx, name); ok || err != nil {
		t.Errorf("after a failed Save, Exists = %v, %v: a partial file was left", ok, err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if stored, err := c.s.Save(cctx, c.dir+"/cancelled.txt", strings.NewReader("x")); !errors.Is(err, context.Canceled) {
		t.Errorf("Save with a cancelled context = %q, %v; want context.Canceled", stored, err)
	}
	if ok, _ := c.s.Exists(ctx, c.dir+"/cancelled.txt"); ok {
		t.Error("a Save with a cancelled context stored the file")
	}
}

// Concurrent saves of one name each get their own file: none overwrites another.
func (c *checker) concurrentSameName(t *testing.T) {
	const n = 8
	names := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			stored, err := c.s.Save(context.Background(), c.dir+"/race.txt", strings.NewReader(fmt.Sprint("content ", i)))
			if err != nil {
				t.Errorf("concurrent Save: %v", err)
				return
			}
			c.mu.Lock()
			c.saved = append(c.saved, stored)
			c.mu.Unlock()
			names[i] = stored
		}()
	}
	wg.Wait()
	seen := map[string]bool{}
	for i, name := range names {
		if name == "" {
			continue
		}
		if seen[name] {
			t.Errorf("two concurrent saves were stored under %q", name)
		}
		seen[name] = true
		if got, want := c.content(t, name), fmt.Sprint("content ", i); got != want {
			t.Errorf("%s holds %q, want %q: another save overwrote it", name, got, want)
		}
	}
}

func (c *checker) size(t *testing.T) {
	data := bytes.Repeat([]byte("0123456789"), 1000)
	name := c.save(t, c.dir+"/size.bin", bytes.NewReader(data))
	if n, err := storage.Size(context.Background(), c.s, name); n != int64(len(data)) || err != nil {
		t.Errorf("storage.Size = %d, %v; want %d", n, err, len(data))
	}
	if got := c.content(t, name); got != string(data) {
		t.Errorf("a 10 kB file reads back as %d bytes that differ", len(got))
	}
}
