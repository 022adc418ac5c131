package migrate

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// MakeOptions controls MakeMigrations.
type MakeOptions struct {
	// Apps limits the new migrations to these app labels (empty: every app).
	Apps []string
	// Empty makes an empty migration for the single app in Apps (for RunGo/RunSQL).
	Empty bool
	// Name replaces the generated part of the migration name ("0002_<name>").
	Name string
	// Questioner answers rename and default questions (required unless Empty).
	Questioner Questioner
	// Dirs gives each app's migrations directory (default "<label>/migrations").
	Dirs map[string]string
	// Now is the time written in headers and auto names (default time.Now()).
	Now time.Time
}

// NewMigration is a migration makemigrations wants to write.
type NewMigration struct {
	Migration *Migration
	// Path is the file to write; Source its contents.
	Path   string
	Source []byte
	// IndexPath and Index are the migrations package's list file, rewritten.
	IndexPath string
	Index     []byte
}

// MakeMigrations compares the state built from g's migrations with models (the state
// of the registered models, FromModels) and returns the migration files to write, one
// per app with changes. It writes nothing; see (*NewMigration).Write.
func MakeMigrations(g *Graph, models *State, opts MakeOptions) ([]*NewMigration, error) {
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	dirOf := func(app string) string {
		if d := opts.Dirs[app]; d != "" {
			return d
		}
		return filepath.Join(app, "migrations")
	}
	var name string
	if opts.Name != "" {
		n, err := cleanName(opts.Name)
		if err != nil {
			return nil, err
		}
		name = n
	}
	perApp := map[string][]Operation{}
	if opts.Empty {
		if len(opts.Apps) != 1 {
			return nil, fmt.Errorf("migrate: --empty needs exactly one app label")
		}
		perApp[opts.Apps[0]] = nil
	} else {
		from, err := g.State()
		if err != nil {
			return nil, err
		}
		if opts.Questioner == nil {
			return nil, fmt.Errorf("migrate: MakeMigrations needs a Questioner")
		}
		ops, err := Diff(from, models, opts.Questioner)
		if err != nil {
			return nil, err
		}
		for app, o := range ops {
			if len(opts.Apps) == 0 || containsStr(opts.Apps, app) {
				perApp[app] = o
			}
		}
	}
	// order apps so that an app's new migration comes after the ones it depends on
	apps := make([]string, 0, len(perApp))
	for a := range perApp {
		apps = append(apps, a)
	}
	sort.Strings(apps)
	newNames := map[string]string{}
	var out []*NewMigration
	done := map[string]bool{}
	var visit func(app string, path []string) error
	visit = func(app string, path []string) error {
		if done[app] {
			return nil
		}
		if containsStr(path, app) {
			return fmt.Errorf("migrate: the changes of apps %s depend on each other; make the migrations one app at a time (makemigrations APP), moving the relation fields to a second migration", strings.Join(append(path, app), " -> "))
		}
		ops := perApp[app]
		var deps []Dependency
		for _, l := range g.Leaves(app) {
			deps = append(deps, Dependency{App: l.App, Name: l.Name})
		}
		for _, other := range dependencies(app, ops) {
			if _, pending := perApp[other]; pending {
				if err := visit(other, append(path, app)); err != nil {
					return err
				}
				deps = append(deps, Dependency{App: other, Name: newNames[other]})
				continue
			}
			leaves := g.Leaves(other)
			if len(leaves) == 0 {
				return fmt.Errorf("migrate: app %s points at models of app %s, which has no migrations yet: run makemigrations %s first (or with no app label)", app, other, other)
			}
			for _, l := range leaves {
				deps = append(deps, Dependency{App: l.App, Name: l.Name})
			}
		}
		dir := dirOf(app)
		existing, err := migrationFiles(dir)
		if err != nil {
			return err
		}
		for _, n := range existing {
			if _, err := g.Get(app, n); err != nil && !opts.Empty {
				return fmt.Errorf("migrate: %s holds migration %s, which app %s does not provide: give the app a Migrations() method returning the package's All (or delete the file)", dir, n, app)
			}
		}
		num := 0
		known := append([]string(nil), existing...)
		for _, m := range g.All() {
			if m.App == app {
				known = append(known, m.Name)
			}
		}
		for _, n := range known {
			if len(n) >= 4 {
				if k, err := strconv.Atoi(n[:4]); err == nil && k > num {
					num = k
				}
			}
		}
		suffix := name
		if suffix == "" {
			suffix = suggestName(ops, num == 0, now)
		}
		mname := fmt.Sprintf("%04d_%s", num+1, suffix)
		m := &Migration{App: app, Name: mname, Dependencies: deps, Operations: ops}
		if opts.Empty {
			m.Operations = nil
		}
		src, err := WriteMigration("migrations", m, now)
		if err != nil {
			return err
		}
		names := map[string]bool{mname: true}
		for _, n := range existing {
			names[n] = true
		}
		for _, mm := range g.All() {
			if mm.App == app {
				names[mm.Name] = true
			}
		}
		var list []string
		for n := range names {
			list = append(list, n)
		}
		idx, err := WriteIndex("migrations", app, list)
		if err != nil {
			return err
		}
		newNames[app] = mname
		done[app] = true
		out = append(out, &NewMigration{Migration: m, Path: joinPath(dir, mname), Source: src,
			IndexPath: filepath.Join(dir, "migrations.go"), Index: idx})
		return nil
	}
	for _, a := range apps {
		if err := visit(a, nil); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Write writes the migration file and the package's list file, creating the
// directory if needed. It refuses to overwrite an existing migration file.
func (n *NewMigration) Write() error {
	if err := os.MkdirAll(filepath.Dir(n.Path), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(n.Path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if _, err := f.Write(n.Source); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.WriteFile(n.IndexPath, n.Index, 0o644)
}
