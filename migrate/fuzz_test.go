package migrate

import (
	"go/token"
	"strings"
	"testing"

	"github.com/galvani-web/galvani/orm"
)

func FuzzNames(f *testing.F) {
	for _, s := range []string{"fill slugs", "x;rm -rf /", "", "ÄÖ", strings.Repeat("a", 200), "0002_a", "A-B c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := cleanName(s)
		if err != nil {
			return
		}
		if strings.Trim(n, "abcdefghijklmnopqrstuvwxyz0123456789_") != "" {
			t.Fatalf("cleanName(%q) = %q", s, n)
		}
		if v := VarName("0001_" + n); !token.IsIdentifier(v) {
			t.Fatalf("VarName of %q = %q is not an identifier", n, v)
		}
		var ff fillFlag
		_ = ff.Set(s) // errors are fine; no panic
	})
}

func FuzzDefaultArg(f *testing.F) {
	kinds := []orm.Kind{orm.KindInt, orm.KindBigInt, orm.KindFloat, orm.KindBool, orm.KindVarchar, orm.KindDateTime,
		orm.KindDate, orm.KindDecimal, orm.KindJSON, orm.KindBytes, orm.KindUUID, orm.KindFK}
	for _, s := range []string{"0", "-1", "1e400", "true", "now", "2026-01-02", "{\"a\":1}", "12.50", "'; DROP TABLE x; --", "\x00"} {
		f.Add(uint8(0), s)
		f.Add(uint8(7), s)
	}
	f.Fuzz(func(t *testing.T, k uint8, s string) {
		fld := &Field{Name: "x", Kind: kinds[int(k)%len(kinds)], HasDefault: true, Default: s}
		_, _ = defaultArg(fld)
	})
}

// Hostile identifiers are quoted, never spliced: a model table with quotes stays one
// identifier.
func TestHostileIdentifiersQuoted(t *testing.T) {
	m := &Migration{App: "x", Name: "0001", Operations: []Operation{
		&CreateModel{App: "x", Name: "T", Table: `t"; DROP TABLE users; --`, Fields: []*Field{
			{Name: "id", Kind: orm.KindBigInt, PK: true, Auto: true},
			{Name: `c"x`, Kind: orm.KindInt, Index: true},
		}},
	}}
	g, err := NewGraph(m)
	if err != nil {
		t.Fatal(err)
	}
	stmts, err := g.SQL(orm.SQLite, m, false)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stmts[0].SQL, `"t""; DROP TABLE users; --"`) || !strings.Contains(stmts[0].SQL, `"c""x"`) {
		t.Fatalf("not quoted: %s", stmts[0].SQL)
	}
	db, _ := backends()[0].open(t)
	x := &Executor{DB: db, Graph: g}
	migrateTo(t, x, "", "")
	migrateTo(t, x, "x", "zero")
}

func TestGraphErrors(t *testing.T) {
	a := &Migration{App: "a", Name: "0001", Dependencies: []Dependency{{"a", "0002"}}}
	b := &Migration{App: "a", Name: "0002", Dependencies: []Dependency{{"a", "0001"}}}
	if _, err := NewGraph(a, b); err == nil || !strings.Contains(err.Error(), "circular") {
		t.Errorf("cycle: %v", err)
	}
	c := &Migration{App: "a", Name: "0001", Dependencies: []Dependency{{"zz", "0001"}}}
	if _, err := NewGraph(c); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("missing dependency: %v", err)
	}
	if _, err := NewGraph(&Migration{App: "a", Name: "0001"}, &Migration{App: "a", Name: "0001"}); err == nil {
		t.Error("duplicate accepted")
	}
	if _, err := NewGraph(&Migration{}); err == nil {
		t.Error("nameless migration accepted")
	}
	g, _ := NewGraph(&Migration{App: "a", Name: "0001_x"}, &Migration{App: "a", Name: "0001_y"})
	if _, err := g.Get("a", "0001"); err == nil || !strings.Contains(err.Error(), "several") {
		t.Errorf("ambiguous prefix: %v", err)
	}
	// operations that contradict the state are errors, not panics
	bad := &Migration{App: "a", Name: "0001", Operations: []Operation{&AddField{App: "a", Model: "Nope", Field: &Field{Name: "x", Kind: orm.KindInt}}}}
	g, _ = NewGraph(bad)
	if _, err := g.State(); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("bad op: %v", err)
	}
}

func TestProgressBarRedrawsOnlyWhenItMoves(t *testing.T) {
	var b strings.Builder
	last := -1
	for i := 0; i <= 100000; i++ {
		last = drawProgress(&b, i, 100000, last)
	}
	out := b.String()
	if n := strings.Count(out, "\r"); n > 32 {
		t.Errorf("%d redraws for 100000 updates", n)
	}
	if !strings.HasSuffix(out, "[##############################] 100000/100000") {
		t.Errorf("final bar: %q", out[len(out)-60:])
	}
	if drawProgress(&b, 5, 0, 3) != 3 || drawProgress(&b, -5, 10, -1) != 0 {
		t.Error("bad totals not handled")
	}
}
