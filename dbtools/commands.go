package dbtools

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/orm"
)

// App is the data commands battery: install it to get dumpdata, loaddata, flush,
// dbshell and inspectdb.
//
//	app := galvani.New(settings, blog.App, migrate.App, dbtools.App)
//	app.Run() // go run . dumpdata blog --indent 2 > blog.json
var App = &Battery{}

// Battery is the type of App.
type Battery struct{}

// Label implements galvani.AppConfig.
func (*Battery) Label() string { return "dbtools" }

// FixturesProvider is implemented by apps that ship fixtures (Django's <app>/fixtures
// directory): loaddata NAME looks for NAME, NAME.json and NAME.json.gz in each
// installed app's FS when no file of that name exists.
type FixturesProvider interface {
	Fixtures() fs.FS
}

func databaseFlag(fs *flag.FlagSet) {
	fs.String("database", "default", "the named database (Settings.Databases) to use")
}

// Commands implements galvani.CommandsProvider.
func (b *Battery) Commands() []*galvani.Command {
	return []*galvani.Command{
		{
			Name:  "dumpdata",
			Usage: "[APP | APP.MODEL ...]",
			Help:  "write the database's rows as a JSON fixture",
			Long: "Writes the rows of every installed model (or of the apps and models named) as a\n" +
				"Django JSON fixture, which loaddata reads back, here or in a Django project with the\n" +
				"same models. Models come in installation order, rows in primary key order.\n" +
				"--natural-foreign writes references to models with a natural key (NaturalKeyFields:\n" +
				"auth's users, groups and permissions) as that key; --natural-primary leaves those\n" +
				"models' own keys out, so the fixture loads into a database numbered differently.",
			Flags: func(fs *flag.FlagSet) {
				fs.Int("indent", 0, "pretty-print with this many spaces per level")
				fs.Bool("natural-foreign", false, "write references to models with a natural key as that key")
				fs.Bool("natural-primary", false, "leave out the primary key of models with a natural key")
				fs.String("output", "", "write to this file instead of the standard output")
				fs.Var(&listFlag{}, "exclude", "leave out an app or an app.Model (repeatable)")
				databaseFlag(fs)
			},
			Run: runDumpdata,
		},
		{
			Name:  "loaddata",
			Usage: "FIXTURE...",
			Help:  "load JSON fixtures into the database",
			Long: "Loads each FIXTURE (a file; - for the standard input; or a name found in an installed\n" +
				"app's fixtures, with .json or .json.gz added) in one transaction: every object is\n" +
				"stored as written, replacing the row with its key. References are checked after the\n" +
				"last fixture, so objects may come in any order. On an error nothing is loaded.",
			Flags: func(fs *flag.FlagSet) {
				fs.Bool("ignorenonexistent", false, "skip fields and models the project does not have")
				fs.Var(&listFlag{}, "exclude", "skip the objects of an app or an app.model (repeatable)")
				databaseFlag(fs)
			},
			Args: func(args []string) error {
				if len(args) == 0 {
					return galvani.UsageErrorf("loaddata needs at least one fixture")
				}
				return nil
			},
			Run: runLoaddata,
		},
		{
			Name: "flush",
			Help: "delete every row of every model's table",
			Long: "Empties the tables of the installed apps' models (and their join tables) and restarts their\n" +
				"key sequences. The migration history is kept, so the schema stays as migrated.\n" +
				"Asks first unless --no-input is given.",
			Flags: func(fs *flag.FlagSet) {
				fs.Bool("no-input", false, "do not ask for confirmation")
				fs.Bool("noinput", false, "the same as --no-input")
				databaseFlag(fs)
			},
			Args: galvani.MaxArgs(0),
			Run:  runFlush,
		},
		dbshellCommand(),
		inspectdbCommand(),
	}
}

// listFlag collects a repeatable string flag.
type listFlag struct{ vals []string }

func (f *listFlag) String() string     { return strings.Join(f.vals, ",") }
func (f *listFlag) Set(s string) error { f.vals = append(f.vals, s); return nil }
func (f *listFlag) Get() any           { return f.vals }

// registerApps registers the models of the installed apps.
func registerApps(a *galvani.App) error {
	var apps []any
	for _, ac := range a.Apps() {
		apps = append(apps, ac)
	}
	return orm.RegisterApps(apps...)
}

// databaseURL returns the URL of the database the --database flag names.
func databaseURL(inv *galvani.Invocation) (string, error) {
	name := inv.String("database")
	u := inv.App.Settings.Databases[name]
	if name == "default" && inv.App.Settings.DatabaseURL != "" {
		u = inv.App.Settings.DatabaseURL
	}
	if u == "" {
		return "", galvani.UsageErrorf("no database called %q (set DATABASE_URL or Settings.Databases)", name)
	}
	return u, nil
}

func openDB(ctx context.Context, inv *galvani.Invocation) (*orm.DB, error) {
	if err := registerApps(inv.App); err != nil {
		return nil, err
	}
	u, err := databaseURL(inv)
	if err != nil {
		return nil, err
	}
	return orm.OpenNamed(ctx, inv.String("database"), u)
}

// installedModels returns the models of the installed apps, in installation order
// (Django's INSTALLED_APPS); when no installed app has models, every registered
// model (a project that registers its models itself).
func installedModels(a *galvani.App) []*orm.ModelInfo {
	var out []*orm.ModelInfo
	for _, ac := range a.Apps() {
		out = append(out, orm.Models(ac.Label())...)
	}
	if len(out) == 0 {
		return orm.Models()
	}
	return out
}

// selectModels resolves dumpdata's arguments: apps and app.Model labels, minus the
// excluded ones. No arguments means the installed apps' models (installedModels).
func selectModels(a *galvani.App, args, exclude []string) ([]*orm.ModelInfo, error) {
	var out []*orm.ModelInfo
	seen := map[*orm.ModelInfo]bool{}
	add := func(m *orm.ModelInfo) {
		if !seen[m] {
			seen[m] = true
			out = append(out, m)
		}
	}
	if len(args) == 0 {
		for _, m := range installedModels(a) {
			add(m)
		}
	}
	resolve := func(label string) ([]*orm.ModelInfo, error) {
		if strings.Contains(label, ".") {
			m, ok := orm.ModelByLabel(label)
			if !ok {
				return nil, galvani.UsageErrorf("no model %q", label)
			}
			return []*orm.ModelInfo{m}, nil
		}
		ms := orm.Models(label)
		if len(ms) == 0 {
			return nil, galvani.UsageErrorf("no app %q with models", label)
		}
		return ms, nil
	}
	for _, l := range args {
		ms, err := resolve(l)
		if err != nil {
			return nil, err
		}
		for _, m := range ms {
			add(m)
		}
	}
	drop := map[*orm.ModelInfo]bool{}
	for _, l := range exclude {
		ms, err := resolve(l)
		if err != nil {
			return nil, err
		}
		for _, m := range ms {
			drop[m] = true
		}
	}
	kept := out[:0]
	for _, m := range out {
		if !drop[m] {
			kept = append(kept, m)
		}
	}
	return kept, nil
}

func runDumpdata(ctx context.Context, inv *galvani.Invocation) error {
	db, err := openDB(ctx, inv)
	if err != nil {
		return err
	}
	defer db.Close()
	models, err := selectModels(inv.App, inv.Args, inv.Flags.Lookup("exclude").Value.(*listFlag).vals)
	if err != nil {
		return err
	}
	if len(models) == 0 {
		return errors.New("dumpdata: no models to dump")
	}
	indent := inv.Int("indent")
	if indent < 0 {
		return galvani.UsageErrorf("dumpdata: --indent must not be negative")
	}
	opts := DumpOptions{Models: models, Indent: indent,
		NaturalForeign: inv.Bool("natural-foreign"), NaturalPrimary: inv.Bool("natural-primary")}
	w := inv.Stdout
	if out := inv.String("output"); out != "" {
		f, err := os.Create(out)
		if err != nil {
			return err
		}
		defer f.Close()
		if _, err := Dump(ctx, db, f, opts); err != nil {
			return err
		}
		return f.Close()
	}
	_, err = Dump(ctx, db, w, opts)
	return err
}

// findFixture resolves a loaddata argument.
func findFixture(a *galvani.App, stdin io.Reader, name string) (Fixture, error) {
	if name == "-" {
		data, err := io.ReadAll(stdin)
		return Fixture{Name: "stdin", Data: data}, err
	}
	if _, err := os.Stat(name); err == nil {
		return ReadFixtureFile(name)
	}
	candidates := []string{name}
	if path.Ext(name) == "" {
		candidates = append(candidates, name+".json", name+".json.gz")
	}
	var found []Fixture
	var where []string
	for _, ac := range a.Apps() {
		fp, ok := ac.(FixturesProvider)
		if !ok || fp.Fixtures() == nil {
			continue
		}
		for _, c := range candidates {
			if !fs.ValidPath(c) {
				continue
			}
			fx, err := ReadFixtureFS(fp.Fixtures(), c)
			if err == nil {
				fx.Name = ac.Label() + ": " + c
				found = append(found, fx)
				where = append(where, fx.Name)
				break
			}
			if !errors.Is(err, fs.ErrNotExist) {
				return Fixture{}, err
			}
		}
	}
	switch len(found) {
	case 0:
		return Fixture{}, fmt.Errorf("loaddata: no fixture %q: no such file, and no installed app's fixtures have it", name)
	case 1:
		return found[0], nil
	}
	return Fixture{}, fmt.Errorf("loaddata: fixture %q is in several apps (%s); give a path", name, strings.Join(where, "; "))
}

func runLoaddata(ctx context.Context, inv *galvani.Invocation) error {
	db, err := openDB(ctx, inv)
	if err != nil {
		return err
	}
	defer db.Close()
	var fxs []Fixture
	for _, name := range inv.Args {
		fx, err := findFixture(inv.App, inv.Stdin, name)
		if err != nil {
			return err
		}
		fxs = append(fxs, fx)
	}
	opts := LoadOptions{IgnoreNonexistent: inv.Bool("ignorenonexistent"), Exclude: inv.Flags.Lookup("exclude").Value.(*listFlag).vals}
	n, err := LoadWith(ctx, db, opts, fxs...)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(inv.Stdout, "Installed %d object(s) from %d fixture(s)\n", n, len(fxs))
	return err
}

func runFlush(ctx context.Context, inv *galvani.Invocation) error {
	db, err := openDB(ctx, inv)
	if err != nil {
		return err
	}
	defer db.Close()
	if !inv.Bool("no-input") && !inv.Bool("noinput") {
		fmt.Fprintf(inv.Stdout, "This deletes every row of every model's table in the %q database (the migration history stays).\n"+
			"It cannot be undone. Type 'yes' to go on: ", inv.String("database"))
		line, err := bufio.NewReader(inv.Stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		if strings.TrimSpace(line) != "yes" {
			fmt.Fprintln(inv.Stdout, "\nFlush cancelled; nothing was deleted.")
			return nil
		}
	}
	n, err := Flush(ctx, db, installedModels(inv.App))
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(inv.Stdout, "Emptied %d table(s).\n", n)
	return err
}
