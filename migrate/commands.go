package migrate

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/orm"
)

// App is the installable migration battery: install it to get the makemigrations,
// migrate, showmigrations and sqlmigrate commands.
//
//	app := galvani.New(settings, blog.App, migrate.App)
//	app.Run() // go run . makemigrations; go run . migrate
var App = &Battery{}

// Battery is the type of App. Its commands find the project's models through the
// installed apps' orm.ModelsProvider and their migrations through MigrationsProvider.
type Battery struct{}

// Label implements galvani.AppConfig.
func (*Battery) Label() string { return "migrate" }

// Commands implements galvani.CommandsProvider.
func (b *Battery) Commands() []*galvani.Command {
	dbFlag := func(fs *flag.FlagSet) {
		fs.String("database", "default", "the named database (Settings.Databases) to use")
	}
	return []*galvani.Command{
		{
			Name:  "makemigrations",
			Usage: "[APP...]",
			Help:  "write new migrations for changed models",
			Long: "Compares the installed apps' models with their migration history and writes a Go\n" +
				"migration file for each app with changes, in <label>/migrations (or the app's\n" +
				"MigrationsDir). Renames are offered only when unambiguous and must be confirmed;\n" +
				"a new NOT NULL field without a default needs a value for existing rows.",
			Flags: func(fs *flag.FlagSet) {
				fs.Bool("check", false, "exit with an error if models have changes without migrations; write nothing")
				fs.Bool("dry-run", false, "show what would be written, write nothing")
				fs.Bool("empty", false, "write an empty migration for one app (for RunGo or RunSQL)")
				fs.String("name", "", "the migration's name (after the number)")
				fs.Bool("yes-renames", false, "accept every detected rename without asking")
				fs.Bool("no-renames", false, "treat detected renames as a removal and an addition")
				fs.Bool("noinput", false, "never prompt; unanswered questions are errors")
				fs.Var(&fillFlag{}, "default", "app.Model.field=VALUE: the value existing rows get for a new NOT NULL field (repeatable)")
				fs.Bool("merge", false, "write a merge migration for each given app (or every app) that has several latest migrations")
			},
			Run: runMakemigrations,
		},
		{
			Name:  "squashmigrations",
			Usage: "APP [START] END",
			Help:  "squash a range of an app's migrations into one",
			Long: "Writes one migration replacing the app's migrations from START (default: the first)\n" +
				"to END: their operations in order, with Replaces naming them. A database that\n" +
				"applied the originals takes it as applied; a new one runs it alone. RunGo and\n" +
				"RunSQL operations are taken from the originals' variables: move that code into\n" +
				"the new file before deleting them. Delete the originals once every database\n" +
				"has migrated past them.",
			Flags: func(fs *flag.FlagSet) {
				fs.String("squashed-name", "", "the name of the squashed migration (after the number)")
				fs.Bool("dry-run", false, "show what would be written, write nothing")
			},
			Args: func(args []string) error {
				if len(args) < 2 || len(args) > 3 {
					return galvani.UsageErrorf("squashmigrations takes APP [START] END, got %q", args)
				}
				return nil
			},
			Run: runSquashmigrations,
		},
		{
			Name:  "migrate",
			Usage: "[APP [TARGET]]",
			Help:  "apply or unapply migrations",
			Long: "Without arguments, applies every unapplied migration. With APP, those of the app\n" +
				"(and what they depend on). With APP TARGET, migrates the app forwards or backwards\n" +
				"to the migration TARGET (a name or its number); TARGET zero unapplies them all.\n" +
				"Flags go before the arguments.",
			Flags: func(fs *flag.FlagSet) {
				fs.Bool("fake", false, "record the migrations as applied (or unapplied) without running them")
				fs.Bool("plan", false, "show the operations that would run, run nothing")
				dbFlag(fs)
			},
			Args: galvani.MaxArgs(2),
			Run:  runMigrate,
		},
		{
			Name:  "showmigrations",
			Usage: "[APP...]",
			Help:  "list migrations and whether they are applied",
			Flags: dbFlag,
			Run:   runShowmigrations,
		},
		{
			Name:  "sqlmigrate",
			Usage: "APP NAME",
			Help:  "print the SQL of a migration for the configured database",
			Flags: func(fs *flag.FlagSet) {
				fs.Bool("backwards", false, "the SQL that unapplies the migration")
				dbFlag(fs)
			},
			Args: func(args []string) error {
				if len(args) != 2 {
					return galvani.UsageErrorf("sqlmigrate takes APP and NAME, got %q", args)
				}
				return nil
			},
			Run: runSqlmigrate,
		},
	}
}

// fillFlag collects --default app.Model.field=value.
type fillFlag struct{ m map[string]string }

func (f *fillFlag) String() string { return "" }
func (f *fillFlag) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok || strings.Count(k, ".") != 2 {
		return fmt.Errorf("want app.Model.field=VALUE, got %q", s)
	}
	if f.m == nil {
		f.m = map[string]string{}
	}
	f.m[k] = v
	return nil
}
func (f *fillFlag) Get() any { return f.m }

// project gathers what the commands need from the installed apps.
type project struct {
	graph  *Graph
	labels []string
	dirs   map[string]string
	hasMig map[string]bool
}

func loadProject(a *galvani.App) (*project, error) {
	p := &project{dirs: map[string]string{}, hasMig: map[string]bool{}}
	var apps []any
	var migs []*Migration
	for _, ac := range a.Apps() {
		apps = append(apps, ac)
		p.labels = append(p.labels, ac.Label())
		if mp, ok := ac.(MigrationsProvider); ok {
			p.hasMig[ac.Label()] = true
			for _, m := range mp.Migrations() {
				if m != nil && m.App != ac.Label() {
					return nil, fmt.Errorf("migrate: app %q provides migration %s of another app", ac.Label(), m.Key())
				}
				migs = append(migs, m)
			}
		}
		if dp, ok := ac.(MigrationsDirProvider); ok {
			p.dirs[ac.Label()] = dp.MigrationsDir()
		}
	}
	if err := orm.RegisterApps(apps...); err != nil {
		return nil, err
	}
	g, err := NewGraph(migs...)
	if err != nil {
		return nil, err
	}
	p.graph = g
	return p, nil
}

func openDB(ctx context.Context, inv *galvani.Invocation) (*orm.DB, error) {
	name := inv.String("database")
	url := inv.App.Settings.Databases[name]
	if name == "default" && url == "" {
		url = inv.App.Settings.DatabaseURL
	}
	if url == "" {
		return nil, galvani.UsageErrorf("no database called %q in Settings.Databases", name)
	}
	return orm.OpenNamed(ctx, name, url)
}

// cliQuestioner asks on the terminal, or answers from flags.
type cliQuestioner struct {
	in         *bufio.Reader
	out        io.Writer
	yesRenames bool
	noRenames  bool
	noinput    bool
	fills      map[string]string
}

func (q *cliQuestioner) ask(prompt string) (string, error) {
	if q.noinput {
		return "", io.EOF
	}
	fmt.Fprint(q.out, prompt)
	line, err := q.in.ReadString('\n')
	if err != nil && line == "" {
		return "", err
	}
	return strings.TrimSpace(line), nil
}

func (q *cliQuestioner) AskRename(what, old, nw string) (bool, error) {
	switch {
	case q.yesRenames:
		fmt.Fprintf(q.out, "Renaming %s %s to %s (--yes-renames).\n", what, old, nw)
		return true, nil
	case q.noRenames:
		return false, nil
	}
	ans, err := q.ask(fmt.Sprintf("Was the %s %s renamed to %s? [y/N] ", what, old, nw))
	if err != nil {
		return false, fmt.Errorf("migrate: %s %s looks renamed to %s, and nobody answered whether it was: run makemigrations in a terminal, or pass --yes-renames (it was) or --no-renames (remove and add; the old data is dropped)", what, old, nw)
	}
	return strings.EqualFold(ans, "y") || strings.EqualFold(ans, "yes"), nil
}

func (q *cliQuestioner) AskFill(label string, becomingNotNull bool) (string, error) {
	if v, ok := q.fills[label]; ok {
		return v, nil
	}
	how := "is a new NOT NULL field without a default"
	if becomingNotNull {
		how = "becomes NOT NULL without a default"
	}
	ans, err := q.ask(fmt.Sprintf("Field %s %s: existing rows need a value.\nValue for existing rows (empty to stop; or add default=... to its orm tag): ", label, how))
	if err != nil || ans == "" {
		return "", fmt.Errorf("migrate: field %s %s, so existing rows need a value: add default=VALUE to its orm tag, make it nullable, or run makemigrations --default %s=VALUE: %w", label, how, label, ErrNeedsDefault)
	}
	return ans, nil
}

func runMakemigrations(ctx context.Context, inv *galvani.Invocation) error {
	p, err := loadProject(inv.App)
	if err != nil {
		return err
	}
	for _, a := range inv.Args {
		if !containsStr(p.labels, a) {
			return galvani.UsageErrorf("no installed app %q (installed: %s)", a, strings.Join(p.labels, ", "))
		}
	}
	if inv.Bool("merge") {
		return runMerge(inv, p)
	}
	models, err := FromModels(orm.Models(p.labels...)...)
	if err != nil {
		return err
	}
	fills, _ := inv.Flags.Lookup("default").Value.(flag.Getter).Get().(map[string]string)
	var q Questioner = &cliQuestioner{in: bufio.NewReader(inv.Stdin), out: inv.Stdout, yesRenames: inv.Bool("yes-renames"),
		noRenames: inv.Bool("no-renames"), noinput: inv.Bool("noinput"), fills: fills}
	if inv.Bool("check") {
		q = silent{} // only whether anything changed matters
	}
	news, err := MakeMigrations(p.graph, models, MakeOptions{Apps: inv.Args, Empty: inv.Bool("empty"), Name: inv.String("name"),
		Questioner: q, Dirs: p.dirs})
	if err != nil {
		return err
	}
	w := inv.Stdout
	if len(news) == 0 {
		fmt.Fprintln(w, "No changes detected.")
		return nil
	}
	for _, n := range news {
		fmt.Fprintf(w, "Migrations for %q:\n  %s\n", n.Migration.App, n.Path)
		for _, op := range n.Migration.Operations {
			fmt.Fprintf(w, "    - %s\n", op.Describe())
		}
	}
	if inv.Bool("check") {
		return errors.New("models have changes that are not in migrations: run makemigrations")
	}
	if inv.Bool("dry-run") {
		return nil
	}
	for _, n := range news {
		if err := n.Write(); err != nil {
			return err
		}
		if !p.hasMig[n.Migration.App] {
			fmt.Fprintf(w, "App %q does not hand its migrations to Galvani yet; give its AppConfig this method\n"+
				"(importing the package in %s):\n\n\tfunc (...) Migrations() []*migrate.Migration { return migrations.All }\n\n",
				n.Migration.App, filepath.Dir(n.Path))
		}
	}
	return nil
}

func runMigrate(ctx context.Context, inv *galvani.Invocation) error {
	p, err := loadProject(inv.App)
	if err != nil {
		return err
	}
	opts := Options{Fake: inv.Bool("fake"), PlanOnly: inv.Bool("plan")}
	if len(inv.Args) > 0 {
		opts.App = inv.Args[0]
		if !containsStr(p.graph.Apps(), opts.App) {
			return galvani.UsageErrorf("app %q has no migrations (apps with migrations: %s)", opts.App, strings.Join(p.graph.Apps(), ", "))
		}
	}
	if len(inv.Args) > 1 {
		opts.Target = inv.Args[1]
	}
	db, err := openDB(ctx, inv)
	if err != nil {
		return err
	}
	defer db.Close()
	x := &Executor{DB: db, Graph: p.graph, Out: inv.Stdout}
	if err := x.Migrate(ctx, opts); err != nil || opts.PlanOnly {
		return err
	}
	if apps := p.unmigratedChanges(); len(apps) > 0 {
		fmt.Fprintf(inv.Stdout, "Your models in app(s) %s have changes that are not yet in a migration. Run makemigrations, then migrate again.\n", strings.Join(apps, ", "))
	}
	return RunPostMigrate(ctx, inv.App, db, inv.Stdout)
}

// silent answers no question: renames are not assumed and fills are left empty, which
// is enough to see whether anything changed.
type silent struct{}

func (silent) AskRename(string, string, string) (bool, error) { return false, nil }
func (silent) AskFill(string, bool) (string, error)           { return "", nil }

// pendingOperations returns, per app, the operations makemigrations would write
// for models that differ from their migrations; nil when the models or the
// migrations cannot be read (the ORM's checks and migrate itself report those).
func (p *project) pendingOperations() map[string][]Operation {
	models, err := FromModels(orm.Models(p.labels...)...)
	if err != nil {
		return nil
	}
	from, err := p.graph.State()
	if err != nil {
		return nil
	}
	ops, err := Diff(from, models, silent{})
	if err != nil {
		return nil
	}
	return ops
}

// unmigratedChanges returns the apps whose models differ from their migrations.
func (p *project) unmigratedChanges() []string {
	var apps []string
	for a := range p.pendingOperations() {
		apps = append(apps, a)
	}
	sort.Strings(apps)
	return apps
}

func runShowmigrations(ctx context.Context, inv *galvani.Invocation) error {
	p, err := loadProject(inv.App)
	if err != nil {
		return err
	}
	db, err := openDB(ctx, inv)
	if err != nil {
		return err
	}
	defer db.Close()
	applied, err := (&Executor{DB: db, Graph: p.graph}).Applied(ctx)
	if err != nil {
		return err
	}
	apps := p.graph.Apps()
	if len(inv.Args) > 0 {
		apps = inv.Args
	}
	sort.Strings(apps)
	w := inv.Stdout
	for _, a := range apps {
		fmt.Fprintln(w, a)
		n := 0
		for _, m := range p.graph.All() {
			if m.App != a {
				continue
			}
			n++
			if at, ok := applied[m.Key()]; ok {
				fmt.Fprintf(w, " [X] %s", m.Name)
				if !at.IsZero() {
					fmt.Fprintf(w, " (applied %s)", at.Local().Format(time.DateTime))
				}
				fmt.Fprintln(w)
			} else {
				fmt.Fprintf(w, " [ ] %s\n", m.Name)
			}
		}
		if n == 0 {
			fmt.Fprintln(w, " (no migrations)")
		}
	}
	return nil
}

func runSqlmigrate(ctx context.Context, inv *galvani.Invocation) error {
	p, err := loadProject(inv.App)
	if err != nil {
		return err
	}
	m, err := p.graph.Get(inv.Args[0], inv.Args[1])
	if err != nil {
		return err
	}
	name := inv.String("database")
	url := inv.App.Settings.Databases[name]
	if name == "default" && url == "" {
		url = inv.App.Settings.DatabaseURL
	}
	scheme, _, _ := strings.Cut(url, ":")
	d, err := orm.DialectByName(scheme)
	if err != nil {
		return err
	}
	stmts, err := p.graph.SQL(d, m, inv.Bool("backwards"))
	if err != nil {
		return err
	}
	w := inv.Stdout
	fmt.Fprintf(w, "-- %s (%s)\n", m.Key(), d.Name())
	for _, s := range stmts {
		fmt.Fprint(w, statementText(s.SQL))
		if len(s.Args) > 0 {
			fmt.Fprintf(w, " -- parameters: %s", formatArgs(s.Args))
		}
		fmt.Fprintln(w)
	}
	return nil
}

func formatArgs(args []any) string {
	parts := make([]string, len(args))
	for i, a := range args {
		switch v := a.(type) {
		case string:
			parts[i] = fmt.Sprintf("%q", v)
		case time.Time:
			parts[i] = v.Format(time.RFC3339)
		default:
			parts[i] = fmt.Sprint(v)
		}
	}
	return strings.Join(parts, ", ")
}

// statementText ends a statement with ";" (comments stay as they are).
func statementText(sql string) string {
	if strings.HasPrefix(sql, "--") {
		return sql
	}
	return sql + ";"
}

func runMerge(inv *galvani.Invocation, p *project) error {
	apps := inv.Args
	if len(apps) == 0 {
		apps = p.graph.Apps()
	}
	w := inv.Stdout
	merged := 0
	for _, app := range apps {
		if len(p.graph.Leaves(app)) < 2 {
			continue
		}
		n, branches, err := Merge(p.graph, app, p.dirs[app], time.Time{})
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "Merging %s\n", app)
		leaves := make([]string, 0, len(branches))
		for l := range branches {
			leaves = append(leaves, l)
		}
		sort.Strings(leaves)
		for _, l := range leaves {
			fmt.Fprintf(w, "  Branch %s\n", l)
			for _, d := range branches[l] {
				fmt.Fprintf(w, "    - %s\n", d)
			}
		}
		fmt.Fprintf(w, "Created new merge migration %s\n", n.Path)
		merged++
		if inv.Bool("dry-run") {
			continue
		}
		if err := n.Write(); err != nil {
			return err
		}
	}
	if merged == 0 {
		fmt.Fprintln(w, "No conflicts detected to merge.")
	}
	return nil
}

func runSquashmigrations(ctx context.Context, inv *galvani.Invocation) error {
	p, err := loadProject(inv.App)
	if err != nil {
		return err
	}
	app := inv.Args[0]
	if !containsStr(p.graph.Apps(), app) {
		return galvani.UsageErrorf("app %q has no migrations (apps with migrations: %s)", app, strings.Join(p.graph.Apps(), ", "))
	}
	opts := SquashOptions{End: inv.Args[len(inv.Args)-1], Name: inv.String("squashed-name"), Dir: p.dirs[app]}
	if len(inv.Args) == 3 {
		opts.Start = inv.Args[1]
	}
	n, err := Squash(p.graph, app, opts)
	if err != nil {
		return err
	}
	w := inv.Stdout
	fmt.Fprintf(w, "Squashed %d migrations of %s into %s:\n", len(n.Migration.Replaces), app, n.Path)
	for _, r := range n.Migration.Replaces {
		fmt.Fprintf(w, "  replaces %s\n", r.Name)
	}
	if inv.Bool("dry-run") {
		return nil
	}
	if err := n.Write(); err != nil {
		return err
	}
	fmt.Fprintln(w, "Migrate every database past the originals, then delete them (and remove them from migrations.go);\n"+
		"move any RunGo code they hold into the new file first.")
	return nil
}
