package static

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"net/url"
	"strings"
	"sync"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/template"
)

// Config is the settings section "static" (galvani.Section), read by the Files
// app.
type Config struct {
	// URL is the prefix static files are served and linked under: a path
	// ("/static/", the default) or, for a CDN, an absolute URL whose path the App
	// still serves. Env: STATIC_URL.
	URL string `env:"STATIC_URL"`
	// Root is the directory collectstatic writes to. When it holds a manifest and
	// Debug is off, the App serves the collected files from it. Env: STATIC_ROOT.
	Root string `env:"STATIC_ROOT"`
}

// DefaultURL is the static prefix when neither the settings nor Files.Options set one.
const DefaultURL = "/static/"

// Files is the static files battery as an installed app, Django's
// django.contrib.staticfiles:
//
//	app := galvani.New(settings, ..., &static.Files{Dirs: []fs.FS{assets}}, blog.App)
//	template.Setup(app) // {% load static %} works in every template
//
// Installed, it serves the project's Dirs and then every installed app's Static()
// files (galvani.StaticProvider) under the URL setting (/static/ by default), with
// the Server's caching headers and fingerprinted URLs; it registers the "static"
// template library (see Server.Library) with engines that template.Setup creates;
// and it adds the collectstatic and findstatic commands. Outside Debug, when the
// Root setting names a directory collectstatic wrote (with its manifest), the App
// serves that directory and links the names the manifest gives.
//
// A Files value holds the Server of the last App it was installed in: a process that
// builds several Apps at once gives each its own &static.Files{}.
type Files struct {
	// Dirs are the project's own static directories, searched before the apps'
	// (Django's STATICFILES_DIRS). Use an embed.FS or static.Dir, not os.DirFS.
	Dirs []fs.FS
	// Options configure the Server; an empty Prefix takes the URL setting.
	// Options.Manifest is ignored: the manifest comes from the Root setting.
	Options Options

	mu      sync.RWMutex
	server  *Server
	sources []Source
	cfg     Config
}

// App is the static files app with no project directories: every installed app's
// static files, under /static/.
var App = &Files{}

// Label implements galvani.AppConfig.
func (f *Files) Label() string { return "staticfiles" }

// Ready implements galvani.ReadyHook: it builds the Server from the settings and the
// installed apps and mounts it. A Root holding a malformed manifest is an error, so
// the project refuses to start rather than link files that may not exist.
func (f *Files) Ready(app *galvani.App) error {
	def := f.Options.Prefix
	if def == "" {
		def = DefaultURL
	}
	cfg := *galvani.Section(&app.Settings, "static", Config{URL: def})
	if cfg.URL == "" {
		cfg.URL = def
	}
	mountPath, err := mountPathOf(cfg.URL)
	if err != nil {
		return err
	}
	var sources []Source
	for i, d := range f.Dirs {
		label := "project directory"
		if len(f.Dirs) > 1 {
			label = fmt.Sprintf("project directory %d", i+1)
		}
		sources = append(sources, Source{Label: label, FS: d})
	}
	for _, a := range app.Apps() {
		if sp, ok := a.(galvani.StaticProvider); ok {
			if fsys := sp.Static(); fsys != nil {
				sources = append(sources, Source{Label: "app " + a.Label(), FS: fsys})
			}
		}
	}
	opts := f.Options
	opts.Prefix = cfg.URL
	opts.Manifest = nil
	var srv *Server
	if !app.Settings.Debug && cfg.Root != "" {
		if rootFS, err := Dir(cfg.Root); err == nil {
			m, err := LoadManifest(rootFS)
			switch {
			case err == nil:
				opts.Manifest = m
				srv = New(rootFS, opts)
			case !errors.Is(err, fs.ErrNotExist):
				return fmt.Errorf("STATIC_ROOT %s: %w", cfg.Root, err)
			}
		}
	}
	if srv == nil {
		fss := make([]fs.FS, len(sources))
		for i, s := range sources {
			fss[i] = s.FS
		}
		srv = New(Union(fss...), opts)
	}
	f.mu.Lock()
	f.server, f.sources, f.cfg = srv, sources, cfg
	f.mu.Unlock()
	app.Mount(mountPath, srv)
	return nil
}

// mountPathOf returns the path the App serves a static prefix at.
func mountPathOf(prefix string) (string, error) {
	p := prefix
	if isAbsoluteURL(prefix) {
		u, err := url.Parse(prefix)
		if err != nil {
			return "", fmt.Errorf("static: STATIC_URL %q: %w", prefix, err)
		}
		p = u.Path
	} else if strings.Contains(prefix, "://") || strings.HasPrefix(prefix, "//") {
		return "", fmt.Errorf("static: STATIC_URL %q is neither a path (/static/) nor an absolute URL (https://cdn.example.com/static/)", prefix)
	}
	p = "/" + strings.Trim(p, "/")
	return p, nil
}

// Server returns the Server built by Ready, or nil before the app is installed.
func (f *Files) Server() *Server {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return f.server
}

// URL returns the URL of the static file name, as {% static %} does.
func (f *Files) URL(name string) (string, error) {
	s := f.Server()
	if s == nil {
		return "", errNotReady
	}
	return s.URL(name)
}

// TemplateLibraries implements template.LibraryProvider: {% load static %}.
func (f *Files) TemplateLibraries() map[string]*template.Library {
	return map[string]*template.Library{"static": newLibrary(func() (*Server, error) {
		if s := f.Server(); s != nil {
			return s, nil
		}
		return nil, errNotReady
	})}
}

// Commands implements galvani.CommandsProvider: collectstatic and findstatic.
func (f *Files) Commands() []*galvani.Command {
	return []*galvani.Command{
		{
			Name: "collectstatic",
			Help: "copy the static files into one directory, fingerprinted, with a manifest",
			Long: "Gathers the project's static directories and every installed app's static files into\n" +
				"the STATIC_ROOT directory (or --root), for a web server or a CDN to serve. Each file is\n" +
				"copied under its own name and its fingerprinted name (css/site.3f2a9c1e4b12.css); style\n" +
				"sheets' url(), @import and sourceMappingURL references are rewritten to fingerprinted\n" +
				"names; staticfiles.json maps one to the other. With DEBUG off and STATIC_ROOT set, the\n" +
				"project then serves and links the collected files.",
			Flags: func(fs *flag.FlagSet) {
				fs.String("root", "", "the target directory (default: the STATIC_ROOT setting)")
				fs.Bool("clear", false, "delete everything in the target directory first")
				fs.Bool("dry-run", false, "say what would be copied; write nothing")
				fs.Bool("no-post-process", false, "copy only: no fingerprinted names, no manifest")
				fs.Var(&listFlag{}, "ignore", "leave out files matching this glob pattern (repeatable)")
			},
			Args: galvani.MaxArgs(0),
			Run:  f.runCollect,
		},
		{
			Name:  "findstatic",
			Usage: "NAME...",
			Help:  "show where static files are found",
			Flags: func(fs *flag.FlagSet) {
				fs.Bool("all", false, "list every source that has the file, not only the one served")
			},
			Args: func(args []string) error {
				if len(args) == 0 {
					return galvani.UsageErrorf("findstatic needs at least one file name")
				}
				return nil
			},
			Run: f.runFind,
		},
	}
}

func (f *Files) state() ([]Source, Config, error) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	if f.server == nil {
		return nil, Config{}, errNotReady
	}
	return f.sources, f.cfg, nil
}

func (f *Files) runCollect(ctx context.Context, inv *galvani.Invocation) error {
	sources, cfg, err := f.state()
	if err != nil {
		return err
	}
	root := inv.String("root")
	if root == "" {
		root = cfg.Root
	}
	if root == "" {
		return galvani.UsageErrorf("collectstatic: set STATIC_ROOT (or pass --root DIR) to the directory to collect into")
	}
	prefix := cfg.URL
	if isAbsoluteURL(prefix) {
		if u, err := url.Parse(prefix); err == nil {
			prefix = u.Path
		}
	}
	res, err := Collect(ctx, root, sources, CollectOptions{
		Prefix:        "/" + strings.Trim(prefix, "/") + "/",
		Ignore:        inv.Flags.Lookup("ignore").Value.(*listFlag).list,
		Clear:         inv.Bool("clear"),
		DryRun:        inv.Bool("dry-run"),
		NoPostProcess: inv.Bool("no-post-process"),
		Log:           inv.Stdout,
	})
	if err != nil {
		return err
	}
	verb := "copied to"
	if inv.Bool("dry-run") {
		verb = "would be copied to"
	}
	msg := fmt.Sprintf("%d static file(s) %s %s", res.Copied, verb, root)
	if res.Unmodified > 0 {
		msg += fmt.Sprintf(", %d unmodified", res.Unmodified)
	}
	if !inv.Bool("no-post-process") {
		msg += fmt.Sprintf(", %d post-processed", res.PostProcessed)
	}
	_, err = fmt.Fprintln(inv.Stdout, msg+".")
	return err
}

func (f *Files) runFind(ctx context.Context, inv *galvani.Invocation) error {
	sources, _, err := f.state()
	if err != nil {
		return err
	}
	missing := 0
	for _, name := range inv.Args {
		clean, err := cleanName(name)
		if err != nil {
			fmt.Fprintf(inv.Stdout, "No matching file found for %q.\n", name)
			missing++
			continue
		}
		var found []string
		for _, s := range sources {
			if st, err := fs.Stat(s.FS, clean); err == nil && !st.IsDir() {
				found = append(found, s.Label)
				if !inv.Bool("all") {
					break
				}
			}
		}
		if len(found) == 0 {
			fmt.Fprintf(inv.Stdout, "No matching file found for %q.\n", name)
			missing++
			continue
		}
		fmt.Fprintf(inv.Stdout, "Found %q in: %s\n", clean, strings.Join(found, ", "))
	}
	if missing > 0 {
		return fmt.Errorf("findstatic: %d of %d file(s) not found", missing, len(inv.Args))
	}
	return nil
}

// listFlag collects a repeatable string flag.
type listFlag struct{ list []string }

func (l *listFlag) String() string     { return strings.Join(l.list, ",") }
func (l *listFlag) Set(s string) error { l.list = append(l.list, s); return nil }
func (l *listFlag) Get() any           { return l.list }
