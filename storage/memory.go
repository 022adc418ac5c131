package storage

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"sync"

	"github.com/galvani-web/galvani/internal/ctxio"
)

// Memory stores files in memory. It is meant for tests; it applies the same naming
// rules as FileSystem.
type Memory struct {
	// BaseURL is the URL prefix returned by URL.
	BaseURL string

	mu    sync.Mutex
	files map[string][]byte
}

var _ Storage = (*Memory)(nil)

// Save implements Storage.
func (m *Memory) Save(ctx context.Context, name string, r io.Reader) (string, error) {
	data, err := io.ReadAll(ctxio.Reader(ctx, r))
	if err != nil {
		return "", fmt.Errorf("storage: reading: %w", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.files == nil {
		m.files = map[string][]byte{}
	}
	name = CleanName(name)
	candidate := name
	for attempt := 0; ; attempt++ {
		if _, taken := m.files[candidate]; !taken {
			break
		}
		if attempt >= maxAttempts {
			return "", fmt.Errorf("storage: no free name for %q", name)
		}
		candidate = alternative(name)
	}
	m.files[candidate] = data
	return candidate, nil
}

// Open implements Storage.
func (m *Memory) Open(ctx context.Context, name string) (io.ReadCloser, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	data, ok := m.files[name]
	if !ok {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return io.NopCloser(bytes.NewReader(data)), nil
}

// Delete implements Storage.
func (m *Memory) Delete(ctx context.Context, name string) error {
	if err := checkName(name); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.files, name)
	return nil
}

// Exists implements Storage.
func (m *Memory) Exists(ctx context.Context, name string) (bool, error) {
	if err := checkName(name); err != nil {
		return false, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	_, ok := m.files[name]
	return ok, nil
}

// URL implements Storage.
func (m *Memory) URL(name string) (string, error) { return joinURL(m.BaseURL, name) }
