package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path"
	"strings"

	"github.com/galvani-web/galvani/internal/ctxio"
)

// FileSystem stores files in a directory on the local disk. Every operation goes
// through os.Root, so neither a crafted name nor a symbolic link planted inside the
// directory can reach a file outside it.
type FileSystem struct {
	// Dir is the root directory; it is created on first Save if missing.
	Dir string
	// BaseURL is the URL prefix the directory is served under, e.g. "/media/".
	BaseURL string
	// DirPerm and FilePerm are the permissions of created directories and files;
	// zero means 0o755 and 0o644.
	DirPerm, FilePerm fs.FileMode
}

var _ Storage = (*FileSystem)(nil)

// NewFileSystem returns a FileSystem storing under dir, served at baseURL.
func NewFileSystem(dir, baseURL string) *FileSystem {
	return &FileSystem{Dir: dir, BaseURL: baseURL}
}

func (s *FileSystem) perms() (fs.FileMode, fs.FileMode) {
	d, f := s.DirPerm, s.FilePerm
	if d == 0 {
		d = 0o755
	}
	if f == 0 {
		f = 0o644
	}
	return d, f
}

func (s *FileSystem) root(create bool) (*os.Root, error) {
	if s.Dir == "" {
		return nil, errors.New("storage: FileSystem.Dir is empty")
	}
	if create {
		d, _ := s.perms()
		if err := os.MkdirAll(s.Dir, d); err != nil {
			return nil, fmt.Errorf("storage: %w", err)
		}
	}
	r, err := os.OpenRoot(s.Dir)
	if err != nil {
		return nil, fmt.Errorf("storage: %w", err)
	}
	return r, nil
}

// maxAttempts bounds the search for an unused name.
const maxAttempts = 100

// Save implements Storage. The file is created exclusively (O_EXCL): an existing
// file is never overwritten, even by concurrent saves of the same name. If copying
// fails the partial file is removed.
func (s *FileSystem) Save(ctx context.Context, name string, r io.Reader) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	root, err := s.root(true)
	if err != nil {
		return "", err
	}
	defer root.Close()
	dperm, fperm := s.perms()
	name = CleanName(name)
	if dir := path.Dir(name); dir != "." {
		if err := root.MkdirAll(dir, dperm); err != nil {
			return "", fmt.Errorf("storage: creating %q: %w", dir, err)
		}
	}
	candidate := name
	for attempt := 0; ; attempt++ {
		f, err := root.OpenFile(candidate, os.O_WRONLY|os.O_CREATE|os.O_EXCL, fperm)
		if errors.Is(err, fs.ErrExist) && attempt < maxAttempts {
			candidate = alternative(name)
			continue
		}
		if err != nil {
			return "", fmt.Errorf("storage: creating %q: %w", candidate, err)
		}
		_, err = io.Copy(f, ctxio.Reader(ctx, r))
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			root.Remove(candidate)
			return "", fmt.Errorf("storage: writing %q: %w", candidate, err)
		}
		return candidate, nil
	}
}

// Open implements Storage.
func (s *FileSystem) Open(ctx context.Context, name string) (io.ReadCloser, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	root, err := s.root(false)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	return root.Open(name)
}

// Delete implements Storage.
func (s *FileSystem) Delete(ctx context.Context, name string) error {
	if err := checkName(name); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	root, err := s.root(false)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer root.Close()
	if err := root.Remove(name); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("storage: %w", err)
	}
	return nil
}

// Exists implements Storage.
func (s *FileSystem) Exists(ctx context.Context, name string) (bool, error) {
	if err := checkName(name); err != nil {
		return false, err
	}
	root, err := s.root(false)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	defer root.Close()
	_, err = root.Stat(name)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	return err == nil, err
}

// URL implements Storage: BaseURL followed by the name, each segment escaped.
func (s *FileSystem) URL(name string) (string, error) {
	return joinURL(s.BaseURL, name)
}

func joinURL(base, name string) (string, error) {
	if err := checkName(name); err != nil {
		return "", err
	}
	segs := strings.Split(name, "/")
	for i, seg := range segs {
		segs[i] = url.PathEscape(seg)
	}
	if base != "" && !strings.HasSuffix(base, "/") {
		base += "/"
	}
	return base + strings.Join(segs, "/"), nil
}
