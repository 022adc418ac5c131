package i18n

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/galvani-web/galvani"
)

// Commands implements galvani.CommandsProvider: makemessages and compilemessages.
func (l *Locale) Commands() []*galvani.Command {
	return []*galvani.Command{
		{
			Name: "makemessages",
			Help: "extract translatable messages into .po catalogs",
			Long: "Scans the Go source (calls to i18n.Gettext and friends with literal messages, and\n" +
				"\"Translators:\" comments just before them) and the templates ({% translate %},\n" +
				"{% blocktranslate %}, _(\"...\")) under --root, and writes\n" +
				"<locale-dir>/<locale>/LC_MESSAGES/galvani.po for each language: new messages are\n" +
				"added untranslated, translations and translator comments are kept, and translated\n" +
				"messages no longer in the source become obsolete (#~) entries. A file is written\n" +
				"only when it changes, so running it twice changes nothing. Test files (_test.go),\n" +
				"vendor, node_modules, testdata and hidden directories are skipped.",
			Flags: func(fs *flag.FlagSet) {
				fs.Var(&listFlag{}, "locale", "a locale to write, like fr or pt_BR (repeatable, or comma separated)")
				fs.Bool("all", false, "update every locale that already has a directory")
				fs.String("root", ".", "the source tree to scan")
				fs.String("locale-dir", "", "where the catalogs go (default: the first LOCALE_PATHS entry, else ./locale)")
				fs.String("ext", "html,txt", "template file extensions (comma separated)")
				fs.Bool("no-obsolete", false, "drop messages no longer in the source instead of keeping them as #~ entries")
			},
			Args: galvani.MaxArgs(0),
			Run:  l.runMakeMessages,
		},
		{
			Name:  "compilemessages",
			Usage: "[DIR...]",
			Help:  "compile .po catalogs into .mo files (byte for byte as GNU msgfmt)",
			Long: "Compiles every <locale>/LC_MESSAGES/*.po under the given directories (default: the\n" +
				"LOCALE_PATHS setting, else ./locale) into the .mo file beside it, exactly as\n" +
				"`msgfmt -o` would. A malformed catalog is an error naming its file and line.",
			Flags: func(fs *flag.FlagSet) {
				fs.Var(&listFlag{}, "locale", "compile only this locale (repeatable, or comma separated)")
			},
			Run: l.runCompileMessages,
		},
	}
}

// listFlag is a repeatable, comma-separated string flag.
type listFlag struct{ vals []string }

func (f *listFlag) String() string { return strings.Join(f.vals, ",") }

func (f *listFlag) Set(s string) error {
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			f.vals = append(f.vals, v)
		}
	}
	return nil
}

func listValue(inv *galvani.Invocation, name string) []string {
	if fl := inv.Flags.Lookup(name); fl != nil {
		if lf, ok := fl.Value.(*listFlag); ok {
			return lf.vals
		}
	}
	return nil
}

func (l *Locale) localeDirs() []string {
	l.mu.RLock()
	dirs := append([]string(nil), l.cfg.LocalePaths...)
	l.mu.RUnlock()
	if len(dirs) == 0 {
		dirs = []string{"locale"}
	}
	return dirs
}

func (l *Locale) runCompileMessages(ctx context.Context, inv *galvani.Invocation) error {
	dirs := inv.Args
	if len(dirs) == 0 {
		dirs = l.localeDirs()
	}
	n, err := CompileMessages(dirs, listValue(inv, "locale"), inv.Stdout)
	if err != nil {
		return err
	}
	if n == 0 {
		fmt.Fprintf(inv.Stdout, "no .po files found in %s\n", strings.Join(dirs, ", "))
	}
	return nil
}

// CompileMessages compiles every <locale>/LC_MESSAGES/*.po under dirs (only the
// given locales, when any) into the .mo beside it, writing a file only when its
// bytes change, and reports each file on w. It returns the number of catalogs.
func CompileMessages(dirs, locales []string, w io.Writer) (int, error) {
	want := map[string]bool{}
	for _, l := range locales {
		want[ToLocale(l)] = true
	}
	count := 0
	for _, dir := range dirs {
		ents, err := os.ReadDir(dir)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && len(dirs) == 1 {
				return 0, fmt.Errorf("compilemessages: no locale directory %s (set LOCALE_PATHS or pass one)", dir)
			}
			return count, err
		}
		for _, e := range ents {
			if !e.IsDir() || len(want) > 0 && !want[e.Name()] {
				continue
			}
			pos, _ := filepath.Glob(filepath.Join(dir, e.Name(), "LC_MESSAGES", "*.po"))
			sort.Strings(pos)
			for _, po := range pos {
				data, err := os.ReadFile(po)
				if err != nil {
					return count, err
				}
				f, err := ParsePO(po, data)
				if err != nil {
					return count, err
				}
				if _, err := NewCatalog(po, f); err != nil {
					return count, err
				}
				mo, err := CompileMO(f)
				if err != nil {
					return count, err
				}
				moPath := strings.TrimSuffix(po, ".po") + ".mo"
				if old, err := os.ReadFile(moPath); err != nil || !bytes.Equal(old, mo) {
					if err := os.WriteFile(moPath, mo, 0o644); err != nil {
						return count, err
					}
					fmt.Fprintf(w, "compiled %s\n", po)
				} else {
					fmt.Fprintf(w, "%s is up to date\n", moPath)
				}
				count++
			}
		}
	}
	return count, nil
}

// MakeMessagesOptions configure MakeMessages.
type MakeMessagesOptions struct {
	// Root is the source tree to scan; LocaleDir where the catalogs go.
	Root, LocaleDir string
	// Locales are the locales to write ("fr", "pt_BR"); with All, every locale
	// directory already in LocaleDir is updated as well.
	Locales []string
	All     bool
	// Extensions are the template file extensions, without the dot.
	Extensions []string
	// NoObsolete drops messages that left the source.
	NoObsolete bool
}

// MakeMessages extracts the messages under opts.Root and merges them into each
// locale's galvani.po (see Merge). It returns the files it wrote (only those whose
// content changed) and the extractor's warnings.
func MakeMessages(opts MakeMessagesOptions) (written, warnings []string, err error) {
	if opts.Root == "" {
		opts.Root = "."
	}
	if len(opts.Extensions) == 0 {
		opts.Extensions = []string{"html", "txt"}
	}
	locales := map[string]bool{}
	for _, l := range opts.Locales {
		if !validLanguageCode(l) {
			return nil, nil, fmt.Errorf("makemessages: %q is not a locale name", l)
		}
		locales[ToLocale(l)] = true
	}
	if opts.All {
		if ents, err := os.ReadDir(opts.LocaleDir); err == nil {
			for _, e := range ents {
				if e.IsDir() && validLanguageCode(e.Name()) {
					locales[e.Name()] = true
				}
			}
		}
	}
	if len(locales) == 0 {
		return nil, nil, galvani.UsageErrorf("makemessages: name the locales to write with --locale fr,de (or --all)")
	}
	x := NewExtractor()
	absLocale, _ := filepath.Abs(opts.LocaleDir)
	err = filepath.WalkDir(opts.Root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if path != opts.Root && (strings.HasPrefix(name, ".") || name == "vendor" || name == "node_modules" || name == "testdata") {
				return filepath.SkipDir
			}
			if abs, _ := filepath.Abs(path); abs == absLocale {
				return filepath.SkipDir
			}
			return nil
		}
		rel, _ := filepath.Rel(opts.Root, path)
		rel = filepath.ToSlash(rel)
		switch {
		case strings.HasSuffix(name, ".go") && !strings.HasSuffix(name, "_test.go"):
			src, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			if err := x.Go(rel, src); err != nil {
				return err
			}
		case hasExt(name, opts.Extensions):
			src, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			if err := x.Template(rel, src); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	msgs := x.Messages()
	names := make([]string, 0, len(locales))
	for l := range locales {
		names = append(names, l)
	}
	sort.Strings(names)
	for _, loc := range names {
		path := filepath.Join(opts.LocaleDir, loc, "LC_MESSAGES", DefaultDomain+".po")
		var f *PO
		old, err := os.ReadFile(path)
		switch {
		case err == nil:
			prev, perr := ParsePO(path, old)
			if perr != nil {
				return written, x.Warnings, perr
			}
			f = Merge(prev, msgs)
		case errors.Is(err, fs.ErrNotExist):
			f = NewPO(loc, msgs)
		default:
			return written, x.Warnings, err
		}
		if opts.NoObsolete {
			kept := f.Messages[:0]
			for _, m := range f.Messages {
				if !m.Obsolete {
					kept = append(kept, m)
				}
			}
			f.Messages = kept
		}
		out := f.Format()
		if bytes.Equal(out, old) {
			continue
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return written, x.Warnings, err
		}
		if err := os.WriteFile(path, out, 0o644); err != nil {
			return written, x.Warnings, err
		}
		written = append(written, path)
	}
	return written, x.Warnings, nil
}

func hasExt(name string, exts []string) bool {
	for _, e := range exts {
		if strings.HasSuffix(name, "."+strings.TrimPrefix(e, ".")) {
			return true
		}
	}
	return false
}

func (l *Locale) runMakeMessages(ctx context.Context, inv *galvani.Invocation) error {
	dir := inv.String("locale-dir")
	if dir == "" {
		dir = l.localeDirs()[0]
	}
	var exts []string
	for _, e := range strings.Split(inv.String("ext"), ",") {
		if e = strings.TrimSpace(e); e != "" {
			exts = append(exts, e)
		}
	}
	written, warnings, err := MakeMessages(MakeMessagesOptions{Root: inv.String("root"), LocaleDir: dir,
		Locales: listValue(inv, "locale"), All: inv.Bool("all"), Extensions: exts, NoObsolete: inv.Bool("no-obsolete")})
	for _, w := range warnings {
		fmt.Fprintln(inv.Stderr, "warning: "+w)
	}
	if err != nil {
		return err
	}
	for _, w := range written {
		fmt.Fprintf(inv.Stdout, "wrote %s\n", w)
	}
	if len(written) == 0 {
		fmt.Fprintln(inv.Stdout, "the catalogs are up to date")
	}
	return nil
}
