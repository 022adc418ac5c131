package migrate

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// Migration is one migration file: a named, ordered list of operations of one app,
// with the migrations (of any app) it depends on. makemigrations writes them as Go
// source in the app's migrations package; the app hands them over through
// MigrationsProvider.
type Migration struct {
	// App is the app label; Name the migration's name ("0002_article_slug").
	App, Name string
	// Dependencies must be applied before this migration.
	Dependencies []Dependency
	// Operations run in order.
	Operations []Operation
	// Replaces lists the migrations a squashed migration stands for (squashmigrations
	// writes it). A database that applied none of them runs the squashed migration;
	// one that applied all of them takes it as applied; one that applied some runs the
	// rest of the originals. Once every database has migrated past them, the originals
	// can be deleted (move any RunGo code they hold first).
	Replaces []Dependency
}

// Dependency names a migration another depends on.
type Dependency struct {
	App, Name string
}

// Key returns "app.name".
func (m *Migration) Key() string { return m.App + "." + m.Name }

// MigrationsProvider is implemented by installed apps (galvani.AppConfig values) that
// ship migrations. The usual implementation returns the app's migrations package's
// list:
//
//	func (blogApp) Migrations() []*migrate.Migration { return migrations.All }
type MigrationsProvider interface {
	Migrations() []*Migration
}

// MigrationsDirProvider is implemented by apps whose migrations package is not in
// "<label>/migrations" relative to the directory makemigrations runs in.
type MigrationsDirProvider interface {
	MigrationsDir() string
}

// Graph is the migrations of a project ordered by their dependencies.
type Graph struct {
	nodes map[string]*Migration
	order []*Migration // topological, deterministic
	index map[string]int
	all   []*Migration // every migration given, squashed ones and their originals
	// replacedBy maps a migration left out of the graph to the one standing for it:
	// an original to its squashed migration, or a squashed migration to its last
	// original when a database applied only some originals.
	replacedBy map[string]string
}

// NewGraph checks the migrations (unique names, known dependencies, no cycles) and
// orders them. A squashed migration (one with Replaces) stands for its originals,
// as for a database that applied none of them; the Executor chooses per database
// (see ForApplied).
func NewGraph(migs ...*Migration) (*Graph, error) { return newGraph(migs, nil) }

// ForApplied returns the graph as a database with the applied migrations sees it: a
// squashed migration stands for its originals when none or all of them are applied,
// and is left out for the originals when only some are (Django's rule).
func (g *Graph) ForApplied(applied map[string]time.Time) (*Graph, error) {
	return newGraph(g.all, applied)
}

func newGraph(migs []*Migration, applied map[string]time.Time) (*Graph, error) {
	g := &Graph{nodes: map[string]*Migration{}, index: map[string]int{}, replacedBy: map[string]string{}}
	for _, m := range migs {
		if m == nil {
			continue
		}
		if m.App == "" || m.Name == "" {
			return nil, fmt.Errorf("migrate: a migration has no App or Name (%+v)", *m)
		}
		if prev, dup := g.nodes[m.Key()]; dup && prev != m {
			return nil, fmt.Errorf("migrate: migration %s is defined twice", m.Key())
		}
		g.nodes[m.Key()] = m
		g.all = append(g.all, m)
	}
	for _, m := range g.all {
		if len(m.Replaces) == 0 {
			continue
		}
		n := 0
		var missing []string
		for _, r := range m.Replaces {
			k := r.App + "." + r.Name
			if _, ok := applied[k]; ok {
				n++
			}
			if _, ok := g.nodes[k]; !ok {
				missing = append(missing, k)
			}
		}
		if n == 0 || n == len(m.Replaces) {
			for _, r := range m.Replaces {
				k := r.App + "." + r.Name
				g.replacedBy[k] = m.Key()
				delete(g.nodes, k)
			}
			continue
		}
		if len(missing) > 0 {
			return nil, fmt.Errorf("migrate: the database applied some of the migrations %s replaces, and needs the others (%s), which the code no longer has: restore them, migrate, then delete them again", m.Key(), strings.Join(missing, ", "))
		}
		last := m.Replaces[len(m.Replaces)-1]
		g.replacedBy[m.Key()] = last.App + "." + last.Name
		delete(g.nodes, m.Key())
	}
	keys := make([]string, 0, len(g.nodes))
	for k := range g.nodes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	state := map[string]int{}
	var visit func(k string, path []string) error
	visit = func(k string, path []string) error {
		switch state[k] {
		case 1:
			return fmt.Errorf("migrate: circular dependency: %s -> %s", strings.Join(path, " -> "), k)
		case 2:
			return nil
		}
		state[k] = 1
		m := g.nodes[k]
		for _, d := range m.Dependencies {
			dk := g.resolve(d.App + "." + d.Name)
			if dk == k {
				continue // a squashed migration depends on nothing it replaces
			}
			if _, ok := g.nodes[dk]; !ok {
				return fmt.Errorf("migrate: migration %s depends on %s, which does not exist (is app %q installed and does it provide its migrations?)", k, dk, d.App)
			}
			if err := visit(dk, append(path, k)); err != nil {
				return err
			}
		}
		state[k] = 2
		g.index[k] = len(g.order)
		g.order = append(g.order, m)
		return nil
	}
	for _, k := range keys {
		if err := visit(k, nil); err != nil {
			return nil, err
		}
	}
	return g, nil
}

// resolve follows replacements from a migration's key to the one in the graph.
func (g *Graph) resolve(k string) string {
	for i := 0; i < 100; i++ {
		r, ok := g.replacedBy[k]
		if !ok {
			return k
		}
		k = r
	}
	return k
}

// replaced reports whether key names a migration a squashed migration of the graph
// stands for.
func (g *Graph) replaced(key string) bool {
	for _, m := range g.all {
		for _, r := range m.Replaces {
			if r.App+"."+r.Name == key {
				return true
			}
		}
	}
	return false
}

// known reports whether key names a migration of the code, in the graph or standing
// aside for a squashed one.
func (g *Graph) known(key string) bool {
	for _, m := range g.all {
		if m.Key() == key {
			return true
		}
	}
	return false
}

// All returns every migration in dependency order.
func (g *Graph) All() []*Migration { return g.order }

// Get returns the migration app.name; name may be a unique prefix ("0002").
func (g *Graph) Get(app, name string) (*Migration, error) {
	if m, ok := g.nodes[app+"."+name]; ok {
		return m, nil
	}
	var found []*Migration
	for _, m := range g.order {
		if m.App == app && strings.HasPrefix(m.Name, name) {
			found = append(found, m)
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return nil, fmt.Errorf("migrate: app %q has no migration %q", app, name)
	}
	return nil, fmt.Errorf("migrate: %q matches several migrations of app %q; give more of the name", name, app)
}

// Apps returns the labels of apps that have migrations.
func (g *Graph) Apps() []string {
	seen := map[string]bool{}
	var out []string
	for _, m := range g.order {
		if !seen[m.App] {
			seen[m.App] = true
			out = append(out, m.App)
		}
	}
	sort.Strings(out)
	return out
}

// Leaves returns the latest migrations of app: those no other migration of the app
// depends on (normally one).
func (g *Graph) Leaves(app string) []*Migration {
	hasChild := map[string]bool{}
	for _, m := range g.order {
		for _, d := range m.Dependencies {
			if d.App == m.App {
				hasChild[g.resolve(d.App+"."+d.Name)] = true
			}
		}
	}
	var out []*Migration
	for _, m := range g.order {
		if m.App == app && !hasChild[m.Key()] {
			out = append(out, m)
		}
	}
	return out
}

// ancestors returns m and every migration it depends on, transitively.
func (g *Graph) ancestors(m *Migration) map[string]bool {
	out := map[string]bool{}
	var walk func(m *Migration)
	walk = func(m *Migration) {
		if out[m.Key()] {
			return
		}
		out[m.Key()] = true
		for _, d := range m.Dependencies {
			if dm, ok := g.nodes[g.resolve(d.App+"."+d.Name)]; ok && dm != m {
				walk(dm)
			}
		}
	}
	walk(m)
	return out
}

// descendants returns m and every migration depending on it, transitively.
func (g *Graph) descendants(m *Migration) map[string]bool {
	out := map[string]bool{m.Key(): true}
	for _, n := range g.order[g.index[m.Key()]:] {
		for _, d := range n.Dependencies {
			if out[g.resolve(d.App+"."+d.Name)] {
				out[n.Key()] = true
			}
		}
	}
	return out
}

// StateBefore returns the state the migrations before m (in dependency order) build.
func (g *Graph) StateBefore(m *Migration) (*State, error) {
	s := NewState()
	for _, n := range g.order {
		if n == m {
			return s, nil
		}
		if err := applyState(s, n); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// State returns the state after every migration (of the given apps' leaves and
// their dependencies, or of all migrations when no app is given).
func (g *Graph) State() (*State, error) {
	s := NewState()
	for _, n := range g.order {
		if err := applyState(s, n); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func applyState(s *State, m *Migration) error {
	for i, op := range m.Operations {
		if err := op.State(s); err != nil {
			return fmt.Errorf("migration %s, operation %d (%s): %w", m.Key(), i+1, op.Describe(), err)
		}
	}
	return nil
}
