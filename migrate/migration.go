package migrate

import (
	"fmt"
	"sort"
	"strings"
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
}

// NewGraph checks the migrations (unique names, known dependencies, no cycles) and
// orders them.
func NewGraph(migs ...*Migration) (*Graph, error) {
	g := &Graph{nodes: map[string]*Migration{}, index: map[string]int{}}
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
			dk := d.App + "." + d.Name
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
				hasChild[d.App+"."+d.Name] = true
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
			walk(g.nodes[d.App+"."+d.Name])
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
			if out[d.App+"."+d.Name] {
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
