package storage_test

import (
	"path/filepath"
	"testing"

	"github.com/galvani-web/galvani/storage"
	"github.com/galvani-web/galvani/storage/storagetest"
)

func TestConformance(t *testing.T) {
	media := func(name string) string { return "/media/" + name }
	t.Run("FileSystem", func(t *testing.T) {
		storagetest.Run(t, storage.NewFileSystem(filepath.Join(t.TempDir(), "media"), "/media/"), storagetest.Options{URL: media})
	})
	t.Run("Memory", func(t *testing.T) {
		storagetest.Run(t, &storage.Memory{BaseURL: "/media/"}, storagetest.Options{URL: media})
	})
}
