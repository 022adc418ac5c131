package cache

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/galvani-web/galvani"
)

// TestStatsCountReads checks hits and misses across Get, Has, GetMany and
// GetOrSet, shared by a WithVersion view, and that the readiness probe's read
// does not count.
func TestStatsCountReads(t *testing.T) {
	ctx := context.Background()
	app := galvani.New(galvani.Settings{}, App)
	cs, err := For(&app.Settings)
	if err != nil {
		t.Fatal(err)
	}
	c := cs.Default()
	h0, m0 := c.Stats()
	_ = c.Set(ctx, "a", []byte("1"), 0)
	c.Get(ctx, "a")                           // hit
	c.Has(ctx, "b")                           // miss
	c.GetMany(ctx, []string{"a", "b", "c"})   // 1 hit, 2 misses
	c.GetOrSet(ctx, "a", 0, nil)              // hit
	c.WithVersion(2).Get(ctx, "a")            // miss, counted on the same cache
	c.Get(ctx, "bad key with spaces\x00\x01") // an invalid key counts as nothing
	h, m := c.Stats()
	if h-h0 != 3 || m-m0 != 4 {
		t.Errorf("hits, misses = %d, %d; want 3, 4", h-h0, m-m0)
	}
	rec := httptest.NewRecorder()
	app.ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
	if rec.Code != 200 {
		t.Fatalf("readiness answered %d", rec.Code)
	}
	if h2, m2 := c.Stats(); h2 != h || m2 != m {
		t.Errorf("the readiness probe counted as a read: %d, %d", h2-h, m2-m)
	}
}
