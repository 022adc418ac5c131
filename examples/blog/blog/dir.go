package blog

import (
	"path/filepath"
	"runtime"
)

// migrationsDir is the source directory of the migrations package, found from this
// file's own path so makemigrations writes there from any working directory.
func migrationsDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "migrations")
}
