package migrate

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/galvani-web/galvani/orm"
)

const childEnv = "GALVANI_MIGRATE_TEST_CHILD"

func TestMain(m *testing.M) {
	if u := os.Getenv(childEnv); u != "" {
		os.Exit(childMigrate(u))
	}
	os.Exit(m.Run())
}

// lockMigrations is projectMigrations plus a data migration that records each run
// and takes a moment, so that the two processes overlap.
func lockMigrations() []*Migration {
	counter := &Migration{App: "shop", Name: "0003_counted", Dependencies: []Dependency{{"shop", "0002_changes"}}, Operations: []Operation{
		&CreateModel{App: "shop", Name: "Run", Table: "shop_run", Fields: []*Field{id(), {Name: "pid", Kind: orm.KindBigInt}}},
		&RunGo{Name: "count runs", Code: func(ctx context.Context, db *Conn) error {
			time.Sleep(300 * time.Millisecond)
			_, err := db.Exec(ctx, "INSERT INTO shop_run (pid) VALUES (?)", os.Getpid())
			return err
		}, Reverse: Noop},
	}}
	return append(projectMigrations(), counter)
}

// childMigrate is the second process: it migrates the database at url.
func childMigrate(url string) int {
	ctx := context.Background()
	db, err := orm.Open(ctx, url)
	if err != nil {
		fmt.Println("open:", err)
		return 1
	}
	defer db.Close()
	g, err := NewGraph(lockMigrations()...)
	if err != nil {
		fmt.Println(err)
		return 1
	}
	x := &Executor{DB: db, Graph: g, Out: os.Stdout}
	if err := x.Migrate(ctx, Options{}); err != nil {
		fmt.Println("migrate:", err)
		return 1
	}
	return 0
}

func TestTwoProcessesMigrateOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes; skipped in -short")
	}
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			db, url := b.open(t)
			outs := make([]string, 2)
			errs := make([]error, 2)
			var wg sync.WaitGroup
			for i := range 2 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					cmd := exec.Command(os.Args[0], "-test.run=^$")
					cmd.Env = append(os.Environ(), childEnv+"="+url)
					out, err := cmd.CombinedOutput()
					outs[i], errs[i] = string(out), err
				}()
			}
			wg.Wait()
			for i := range 2 {
				if errs[i] != nil {
					t.Fatalf("process %d: %v\n%s", i, errs[i], outs[i])
				}
			}
			all := outs[0] + outs[1]
			for _, m := range lockMigrations() {
				if n := strings.Count(all, "Applying "+m.Key()+"...") - strings.Count(all, "Applying "+m.Key()+"... already done"); n != 1 {
					t.Errorf("%s applied %d times:\n%s\n---\n%s", m.Key(), n, outs[0], outs[1])
				}
			}
			got := queryStrings(t, db, "SELECT COUNT(*) FROM shop_run")
			if len(got) != 1 || got[0] != "1" {
				t.Errorf("data migration ran %v times", got)
			}
			got = queryStrings(t, db, "SELECT COUNT(*) FROM "+Table)
			if got[0] != "5" {
				t.Errorf("%s has %v rows", Table, got)
			}
		})
	}
}
