package migrate

import (
	"fmt"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// SquashOptions controls Squash.
type SquashOptions struct {
	// Start is the first migration to squash (name or unique prefix; empty: the app's
	// first), End the last (required).
	Start, End string
	// Name replaces the generated name part ("0001_<name>"); default
	// "<start>_squashed_<end>" as Django names it.
	Name string
	// Dir is the app's migrations directory (default "<app>/migrations").
	Dir string
	// Now is the time written in the header (default time.Now()).
	Now time.Time
}

// Squash returns a migration that replaces the migrations of app from opts.Start to
// opts.End (Django's squashmigrations): their operations in order, the dependencies
// they have outside the range, and Replaces naming them. Databases that applied the
// originals take it as applied; new databases run it alone. It writes nothing; see
// (*NewMigration).Write.
//
// The operations are copied as data, except RunGo and RunSQL, which the new file
// takes from the original migrations' variables (their code cannot be rewritten):
// before deleting the originals, move that code into the squashed file.
func Squash(g *Graph, app string, opts SquashOptions) (*NewMigration, error) {
	if opts.End == "" {
		return nil, fmt.Errorf("migrate: squashmigrations needs the last migration to squash")
	}
	end, err := g.Get(app, opts.End)
	if err != nil {
		return nil, err
	}
	var mine []*Migration
	for _, m := range g.order {
		if m.App == app {
			mine = append(mine, m)
		}
	}
	first := 0
	if opts.Start != "" {
		start, err := g.Get(app, opts.Start)
		if err != nil {
			return nil, err
		}
		first = indexOfMigration(mine, start)
	}
	last := indexOfMigration(mine, end)
	if last < first {
		return nil, fmt.Errorf("migrate: %s comes before %s: nothing to squash", end.Key(), mine[first].Key())
	}
	if last == first {
		return nil, fmt.Errorf("migrate: squashing needs at least two migrations (%s alone given)", end.Key())
	}
	span := mine[first : last+1]
	inSpan := map[string]bool{}
	var replaces []Dependency
	for _, m := range span {
		inSpan[m.Key()] = true
		if len(m.Replaces) > 0 { // squashing a squashed migration: replace its originals
			for _, r := range m.Replaces {
				inSpan[r.App+"."+r.Name] = true
			}
			replaces = append(replaces, m.Replaces...)
		}
		replaces = append(replaces, Dependency{App: m.App, Name: m.Name})
	}
	// a migration of the app outside the range that one inside needs would have to
	// run in the middle of the squashed one
	for _, m := range span {
		for _, d := range m.Dependencies {
			k := g.resolve(d.App + "." + d.Name)
			if d.App == app && !inSpan[k] && indexOfMigration(mine, g.nodes[k]) > first {
				return nil, fmt.Errorf("migrate: %s depends on %s, which is outside the range to squash", m.Key(), k)
			}
		}
	}
	var deps []Dependency
	seen := map[string]bool{}
	var ops []Operation
	refs := map[Operation]string{}
	for _, m := range span {
		for _, d := range m.Dependencies {
			k := g.resolve(d.App + "." + d.Name)
			if inSpan[k] || seen[k] {
				continue
			}
			seen[k] = true
			n := g.nodes[k]
			deps = append(deps, Dependency{App: n.App, Name: n.Name})
		}
		for i, op := range m.Operations {
			switch op.(type) {
			case *RunGo, *RunSQL:
				if refs[op] == "" {
					refs[op] = VarName(m.Name) + ".Operations[" + strconv.Itoa(i) + "]"
				}
			}
			ops = append(ops, op)
		}
	}
	sort.SliceStable(deps, func(i, j int) bool { return deps[i].App+deps[i].Name < deps[j].App+deps[j].Name })
	num := span[0].Name
	if len(num) >= 4 {
		num = num[:4]
	}
	name := span[0].Name + "_squashed_" + end.Name
	if first == 0 && len(span[0].Name) > 4 {
		name = num + "_squashed_" + end.Name
	}
	if opts.Name != "" {
		n, err := cleanName(opts.Name)
		if err != nil {
			return nil, err
		}
		name = num + "_" + n
	}
	if _, exists := g.nodes[app+"."+name]; exists || g.known(app+"."+name) {
		return nil, fmt.Errorf("migrate: migration %s.%s exists already", app, name)
	}
	m := &Migration{App: app, Name: name, Dependencies: deps, Operations: ops, Replaces: replaces}
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	src, err := writeMigration("migrations", m, now, refs)
	if err != nil {
		return nil, err
	}
	return newFile(g, m, opts.Dir, src)
}

// newFile is the NewMigration writing m (source src) into the app's migrations
// directory (dir, or "<app>/migrations"), with the package's list file naming it
// beside the migrations there and in g.
func newFile(g *Graph, m *Migration, dir string, src []byte) (*NewMigration, error) {
	if dir == "" {
		dir = filepath.Join(m.App, "migrations")
	}
	existing, err := migrationFiles(dir)
	if err != nil {
		return nil, err
	}
	names := map[string]bool{m.Name: true}
	for _, n := range existing {
		names[n] = true
	}
	for _, mm := range g.all {
		if mm.App == m.App {
			names[mm.Name] = true
		}
	}
	list := make([]string, 0, len(names))
	for n := range names {
		list = append(list, n)
	}
	idx, err := WriteIndex("migrations", m.App, list)
	if err != nil {
		return nil, err
	}
	return &NewMigration{Migration: m, Path: joinPath(dir, m.Name), Source: src, IndexPath: filepath.Join(dir, "migrations.go"), Index: idx}, nil
}

func indexOfMigration(list []*Migration, m *Migration) int {
	for i, x := range list {
		if x == m {
			return i
		}
	}
	return -1
}

// Merge returns an empty migration depending on every leaf of app (Django's
// makemigrations --merge), for two branches that each added a migration. branches
// describes, per leaf, the operations its branch adds since the common ancestor, for
// the developer to review: the merge runs both, in dependency order.
func Merge(g *Graph, app string, dir string, now time.Time) (m *NewMigration, branches map[string][]string, err error) {
	leaves := g.Leaves(app)
	if len(leaves) < 2 {
		return nil, nil, fmt.Errorf("migrate: app %s has one latest migration: nothing to merge", app)
	}
	common := g.ancestors(leaves[0])
	for _, l := range leaves[1:] {
		a := g.ancestors(l)
		for k := range common {
			if !a[k] {
				delete(common, k)
			}
		}
	}
	branches = map[string][]string{}
	num := 0
	var deps []Dependency
	var parts []string
	for _, l := range leaves {
		deps = append(deps, Dependency{App: l.App, Name: l.Name})
		parts = append(parts, l.Name)
		for _, n := range g.order {
			if g.ancestors(l)[n.Key()] && !common[n.Key()] {
				for _, op := range n.Operations {
					branches[l.Name] = append(branches[l.Name], n.Name+": "+op.Describe())
				}
			}
		}
	}
	for _, n := range g.all {
		if n.App == app && len(n.Name) >= 4 {
			if k, err := strconv.Atoi(n.Name[:4]); err == nil && k > num {
				num = k
			}
		}
	}
	suffix := "merge_" + strings.Join(parts, "_")
	if len(suffix) > 47 {
		suffix = suffix[:47]
	}
	name := fmt.Sprintf("%04d_%s", num+1, strings.TrimRight(suffix, "_"))
	mig := &Migration{App: app, Name: name, Dependencies: deps}
	if now.IsZero() {
		now = time.Now()
	}
	src, err := WriteMigration("migrations", mig, now)
	if err != nil {
		return nil, nil, err
	}
	n, err := newFile(g, mig, dir, src)
	return n, branches, err
}
