package storage

import (
	"context"
	"fmt"
	"io"
	"io/fs"

	"github.com/galvani-web/galvani/internal/ctxio"
)

// Sizer is implemented by a Storage that can tell a stored file's size without
// reading it (FileSystem and Memory do). It is optional: Size falls back to
// reading the file through Open.
type Sizer interface {
	// Size returns the length in bytes of the file stored under name. A missing
	// file is an error matching fs.ErrNotExist.
	Size(ctx context.Context, name string) (int64, error)
}

// Size returns the length in bytes of the file stored in s under name: through
// s's Size method when it has one (Sizer), else by reading the file.
func Size(ctx context.Context, s Storage, name string) (int64, error) {
	if sz, ok := s.(Sizer); ok {
		return sz.Size(ctx, name)
	}
	r, err := s.Open(ctx, name)
	if err != nil {
		return 0, err
	}
	defer r.Close()
	n, err := io.Copy(io.Discard, ctxio.Reader(ctx, r))
	if err != nil {
		return 0, fmt.Errorf("storage: reading %q: %w", name, err)
	}
	return n, nil
}

// Size implements Sizer.
func (s *FileSystem) Size(ctx context.Context, name string) (int64, error) {
	if err := checkName(name); err != nil {
		return 0, err
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	root, err := s.root(false)
	if err != nil {
		return 0, err
	}
	defer root.Close()
	fi, err := root.Stat(name)
	if err != nil {
		return 0, err
	}
	return fi.Size(), nil
}

// Size implements Sizer.
func (m *Memory) Size(ctx context.Context, name string) (int64, error) {
	if err := checkName(name); err != nil {
		return 0, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	data, ok := m.files[name]
	if !ok {
		return 0, &fs.PathError{Op: "stat", Path: name, Err: fs.ErrNotExist}
	}
	return int64(len(data)), nil
}
