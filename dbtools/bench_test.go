package dbtools

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"testing"

	"github.com/galvani-web/galvani/orm"
)

// BenchmarkLoadDump loads a fixture of 1,000 authors into SQLite (a file, in one
// transaction) and dumps them back; ns/op is per 1,000 objects.
func BenchmarkLoadDump(b *testing.B) {
	registerFixtureModels(b)
	ctx := context.Background()
	db, err := orm.Open(ctx, "sqlite:///"+filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if err := orm.CreateTables(ctx, db, Author{}); err != nil {
		b.Fatal(err)
	}
	var fx bytes.Buffer
	fx.WriteString("[")
	for i := 1; i <= 1000; i++ {
		if i > 1 {
			fx.WriteString(", ")
		}
		fmt.Fprintf(&fx, `{"model": "fixtureapp.author", "pk": %d, "fields": {"name": "Author %d", "born": "1990-01-02"}}`, i, i)
	}
	fx.WriteString("]")
	authors, _ := orm.ModelByLabel("fixtureapp.author")
	b.Run("load", func(b *testing.B) {
		for b.Loop() {
			if _, err := Load(ctx, db, Fixture{Name: "bench.json", Data: fx.Bytes()}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("dump", func(b *testing.B) {
		for b.Loop() {
			if _, err := Dump(ctx, db, io.Discard, DumpOptions{Models: []*orm.ModelInfo{authors}}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
