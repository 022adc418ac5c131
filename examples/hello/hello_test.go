package main

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// The hello world is the project's first impression: one file of at most 10 lines.
func TestHelloIsTenLinesAtMost(t *testing.T) {
	src, err := os.ReadFile("main.go")
	if err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(bytes.TrimRight(src, "\n"), []byte("\n")) + 1; n > 10 {
		t.Fatalf("examples/hello/main.go has %d lines; the budget is 10", n)
	}
}

// Its binary must not link a database driver (DESIGN.md: the hello world links none).
func TestHelloLinksNoDatabaseDriver(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the example")
	}
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, driver := range []string{"github.com/jackc/pgx", "github.com/go-sql-driver/mysql", "modernc.org/sqlite", "github.com/redis/go-redis", "github.com/lib/pq", "github.com/mattn/go-sqlite3"} {
			if strings.HasPrefix(dep, driver) {
				t.Errorf("examples/hello links %s", dep)
			}
		}
	}
}
