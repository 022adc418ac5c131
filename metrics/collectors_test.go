package metrics_test

import (
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/cache"
	"github.com/galvani-web/galvani/metrics"
	"github.com/galvani-web/galvani/migrate"
	"github.com/galvani-web/galvani/orm"
	"github.com/galvani-web/galvani/tasks"
)

var (
	_ orm.Instrumenter   = metrics.App.(orm.Instrumenter)
	_ cache.Instrumenter = metrics.App.(cache.Instrumenter)
	_ tasks.Instrumenter = metrics.App.(tasks.Instrumenter)
)

type noteArgs struct{ N int }

var noteTask = tasks.Register("metrics_test.note", func(ctx context.Context, a noteArgs) error { return nil })

// TestBatteryCollectors installs the ORM, the cache and the tasks (on SQLite)
// beside the metrics battery and checks that a scrape shows pool use, query
// durations, cache hits and misses and the task queue depth.
func TestBatteryCollectors(t *testing.T) {
	ctx := context.Background()
	url := "sqlite:///" + filepath.Join(t.TempDir(), "m.db")
	cfg := metrics.Config{Enabled: true}
	s := galvani.Settings{DatabaseURL: url, SecretKey: "x", Sections: map[string]any{"metrics": &cfg}}
	app := galvani.New(s, metrics.App, cache.App, tasks.App, migrate.App)
	defer tasks.SetDefault(nil)
	app.Logger = slog.New(slog.DiscardHandler)
	dbs, err := orm.Install(ctx, app)
	if err != nil {
		t.Fatal(err)
	}
	defer dbs.Close()
	var out strings.Builder
	if err := app.RunCommandIO(ctx, []string{"migrate"}, strings.NewReader(""), &out, &out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	for i := 0; i < 3; i++ {
		if _, err := noteTask.Enqueue(ctx, noteArgs{i}); err != nil {
			t.Fatal(err)
		}
	}
	db := dbs.Default()
	if _, err := db.Exec(ctx, "SELECT 1"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(ctx, "SELECT * FROM missing_table"); err == nil {
		t.Fatal("query on a missing table succeeded")
	}
	cs, err := cache.For(&app.Settings)
	if err != nil {
		t.Fatal(err)
	}
	c := cs.Default()
	_ = c.Set(ctx, "k", []byte("v"), 0)
	c.Get(ctx, "k")
	c.Get(ctx, "k")
	c.Get(ctx, "nope")
	c.GetMany(ctx, []string{"k", "x", "y"})

	got := scrape(t, app, "galvani_")
	for k, want := range map[string]string{
		`galvani_cache_hits_total{cache="default"}`:                             "3",
		`galvani_cache_misses_total{cache="default"}`:                           "3",
		`galvani_tasks{status="queued"}`:                                        "3",
		`galvani_tasks{status="dead"}`:                                          "0",
		`galvani_db_query_duration_seconds_count{db="default",outcome="error"}`: "1",
		`galvani_db_connections{db="default",state="in_use"}`:                   "0",
	} {
		if got[k] != want {
			t.Errorf("%s = %q, want %q", k, got[k], want)
		}
	}
	if n := got[`galvani_db_query_duration_seconds_count{db="default",outcome="ok"}`]; n == "" || n == "0" {
		t.Errorf("no successful query observed: %q", n)
	}
	if _, ok := got[`galvani_db_connections_max{db="default"}`]; !ok {
		t.Error("pool size missing")
	}
}

// TestCollectorsOffWhenDisabled checks the batteries add nothing with metrics off.
func TestCollectorsOffWhenDisabled(t *testing.T) {
	if obs := metrics.App.(orm.Instrumenter).InstrumentDatabase(galvani.New(galvani.Settings{}), "default", nil); obs != nil {
		t.Error("InstrumentDatabase returned a hook with metrics off")
	}
}
