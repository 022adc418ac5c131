package static

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"io/fs"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"testing/fstest"
)

func collectSources() []Source {
	project := fstest.MapFS{
		"css/site.css":     {Data: []byte("@import \"base.css\";\nbody{background:url(../img/bg.png)}\n/*# sourceMappingURL=site.css.map */")},
		"css/site.css.map": {Data: []byte(`{"version":3}`)},
		"css/base.css":     {Data: []byte("h1{background:url('/static/img/logo.png') no-repeat}")},
		"img/logo.png":     {Data: []byte("project logo")},
		".env":             {Data: []byte("SECRET=1")},
		"src/app.scss":     {Data: []byte("$x: 1;")},
	}
	app := fstest.MapFS{
		"img/logo.png":   {Data: []byte("app logo (shadowed)")},
		"img/bg.png":     {Data: []byte("background")},
		"blog/style.css": {Data: []byte("p{color:red}")},
		".git/config":    {Data: []byte("[core]")},
	}
	return []Source{{Label: "project directory", FS: project}, {Label: "app blog", FS: app}}
}

func readTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestCollect(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "collected")
	var log bytes.Buffer
	res, err := Collect(context.Background(), dir, collectSources(), CollectOptions{Prefix: "/static/", Ignore: []string{"*.scss"}, Log: &log})
	if err != nil {
		t.Fatal(err)
	}
	if res.Copied != 6 || res.Unmodified != 0 || res.PostProcessed != 6 {
		t.Fatalf("result %+v", res)
	}
	if !strings.Contains(log.String(), `Found another file with the destination path "img/logo.png" in app blog`) {
		t.Fatalf("shadowed file not reported: %s", log.String())
	}
	tree := readTree(t, dir)
	m := res.Manifest
	h := func(name string) string {
		v, ok := m.Lookup(name)
		if !ok {
			t.Fatalf("%s not in the manifest", name)
		}
		return v
	}
	// Originals are copied as they are; the project wins over the app.
	if tree["img/logo.png"] != "project logo" || tree["css/site.css"] != string(collectSources()[0].FS.(fstest.MapFS)["css/site.css"].Data) {
		t.Fatalf("originals altered: %q", tree["img/logo.png"])
	}
	for _, gone := range []string{".env", "src/app.scss", ".git/config"} {
		if _, ok := tree[gone]; ok {
			t.Fatalf("%s was collected", gone)
		}
	}
	// Plain files get the same fingerprint Server.URL gives, so URLs do not change
	// between serving the sources and serving the collected files.
	srv := New(Union(collectSources()[0].FS, collectSources()[1].FS), Options{Prefix: "/static/"})
	for _, name := range []string{"img/logo.png", "img/bg.png", "blog/style.css"} {
		u, err := srv.URL(name)
		if err != nil {
			t.Fatal(err)
		}
		if u != "/static/"+h(name) {
			t.Fatalf("%s: collected as %s, served as %s", name, h(name), u)
		}
	}
	// Style sheets point at fingerprinted names, @import chains included, and are
	// fingerprinted after rewriting.
	base := tree[h("css/base.css")]
	if want := "h1{background:url('/static/" + h("img/logo.png") + "') no-repeat}"; base != want {
		t.Fatalf("base.css:\n got %s\nwant %s", base, want)
	}
	site := tree[h("css/site.css")]
	for _, want := range []string{
		`@import "` + strings.TrimPrefix(h("css/base.css"), "css/") + `";`,
		"url(../" + h("img/bg.png") + ")",
		"sourceMappingURL=" + strings.TrimPrefix(h("css/site.css.map"), "css/") + " */",
	} {
		if !strings.Contains(site, want) {
			t.Fatalf("site.css lacks %q:\n%s", want, site)
		}
	}
	if got := fingerprintName("css/site.css", sha256Of(site)); got != h("css/site.css") {
		t.Fatalf("site.css fingerprint %s is not of its rewritten content (%s)", h("css/site.css"), got)
	}
	// The manifest on disk is the one returned, and a Server reads it.
	disk, err := LoadManifest(os.DirFS(dir))
	if err != nil || disk.Len() != 6 {
		t.Fatalf("manifest on disk: %v %v", disk, err)
	}
	rootFS, _ := Dir(dir)
	collected := New(rootFS, Options{Prefix: "/static/", Manifest: disk})
	u, err := collected.URL("css/site.css")
	if err != nil || u != "/static/"+h("css/site.css") {
		t.Fatalf("URL from manifest: %q %v", u, err)
	}
	rec := httptest.NewRecorder()
	collected.ServeHTTP(rec, httptest.NewRequest("GET", "/"+h("css/site.css"), nil))
	if rec.Code != 200 || rec.Header().Get("Cache-Control") != immutable || rec.Body.String() != site {
		t.Fatalf("serving the collected sheet: %d %q", rec.Code, rec.Header().Get("Cache-Control"))
	}
	rec = httptest.NewRecorder()
	collected.ServeHTTP(rec, httptest.NewRequest("GET", "/css/site.css", nil))
	if rec.Code != 200 || rec.Header().Get("Cache-Control") != "no-cache" {
		t.Fatalf("serving the original name: %d %q", rec.Code, rec.Header().Get("Cache-Control"))
	}
	if _, err := collected.URL("css/nope.css"); err == nil || !strings.Contains(err.Error(), "not in the manifest") {
		t.Fatalf("URL of a file missing from the manifest: %v", err)
	}

	// A second run finds everything in place.
	res, err = Collect(context.Background(), dir, collectSources(), CollectOptions{Prefix: "/static/", Ignore: []string{"*.scss"}})
	if err != nil || res.Copied != 0 || res.Unmodified != 6 {
		t.Fatalf("second run: %+v %v", res, err)
	}
	// --clear removes what is no longer a static file.
	os.WriteFile(filepath.Join(dir, "stale.txt"), []byte("old"), 0o644)
	if _, err := Collect(context.Background(), dir, collectSources(), CollectOptions{Prefix: "/static/", Clear: true, NoPostProcess: true}); err != nil {
		t.Fatal(err)
	}
	after := readTree(t, dir)
	if _, ok := after["stale.txt"]; ok {
		t.Fatal("--clear left a stale file")
	}
	if _, ok := after[ManifestName]; ok || len(after) != 7 { // no post-processing: originals only (.scss included now)
		t.Fatalf("after --clear --no-post-process: %v", keys(after))
	}
}

func sha256Of(s string) [32]byte { return sha256.Sum256([]byte(s)) }

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func TestCollectDryRun(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "collected")
	res, err := Collect(context.Background(), dir, collectSources(), CollectOptions{Prefix: "/static/", DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Copied != 7 || res.Manifest == nil {
		t.Fatalf("dry run: %+v", res)
	}
	if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("dry run created the directory: %v", err)
	}
}

func TestCollectErrors(t *testing.T) {
	defer func(n int64) { maxCSSBytes = n }(maxCSSBytes)
	maxCSSBytes = 1 << 20
	src := func(files fstest.MapFS) []Source { return []Source{{Label: "project directory", FS: files}} }
	cases := []struct {
		name    string
		sources []Source
		opts    CollectOptions
		want    string
		target  any
	}{
		{"cycle", src(fstest.MapFS{"a.css": {Data: []byte(`@import "b.css";`)}, "b.css": {Data: []byte(`@import "c.css";`)}, "c.css": {Data: []byte(`x{y:url(a.css)}`)}}),
			CollectOptions{}, "a.css -> b.css -> c.css -> a.css", new(*CSSCycleError)},
		{"self", src(fstest.MapFS{"a.css": {Data: []byte(`x{y:url(a.css)}`)}}), CollectOptions{}, "a.css -> a.css", new(*CSSCycleError)},
		{"missing reference", src(fstest.MapFS{"css/a.css": {Data: []byte("\n\nx{y:url(gone.png)}")}}), CollectOptions{},
			`css/a.css:3: "gone.png" refers to "css/gone.png"`, new(*CSSReferenceError)},
		{"manifest name", src(fstest.MapFS{ManifestName: {Data: []byte("{}")}}), CollectOptions{}, "the name of the manifest", nil},
		{"file and directory", []Source{{Label: "project directory", FS: fstest.MapFS{"x": {Data: []byte("1")}}}, {Label: "app a", FS: fstest.MapFS{"x/y": {Data: []byte("2")}}}},
			CollectOptions{}, `"x" is a file in project directory and a directory in app a`, nil},
		{"directory and file", []Source{{Label: "project directory", FS: fstest.MapFS{"x/y": {Data: []byte("1")}}}, {Label: "app a", FS: fstest.MapFS{"x": {Data: []byte("2")}}}},
			CollectOptions{}, `"x" is a directory in project directory and a file in app a`, nil},
		{"bad pattern", src(fstest.MapFS{"a": {}}), CollectOptions{Ignore: []string{"["}}, "ignore pattern", nil},
		{"huge sheet", src(fstest.MapFS{"a.css": {Data: bytes.Repeat([]byte("a"), int(maxCSSBytes)+1)}}), CollectOptions{}, "larger than 1 MiB, too large a style sheet", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			_, err := Collect(context.Background(), dir, c.sources, c.opts)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want %q", err, c.want)
			}
			if c.target != nil && !errors.As(err, c.target) {
				t.Fatalf("err %T is not %T", err, c.target)
			}
			if _, err := os.Stat(filepath.Join(dir, ManifestName)); err == nil {
				t.Fatal("a failed collect wrote a manifest")
			}
		})
	}
	if _, err := Collect(context.Background(), "", nil, CollectOptions{}); err == nil || !strings.Contains(err.Error(), "STATIC_ROOT") {
		t.Fatalf("no directory: %v", err)
	}
}

// A symbolic link inside the target directory cannot send writes elsewhere.
func TestCollectStaysInRoot(t *testing.T) {
	base := t.TempDir()
	dir, outside := filepath.Join(base, "collected"), filepath.Join(base, "outside")
	os.MkdirAll(dir, 0o755)
	os.MkdirAll(outside, 0o755)
	if err := os.Symlink(outside, filepath.Join(dir, "css")); err != nil {
		t.Skip("no symbolic links here:", err)
	}
	_, err := Collect(context.Background(), dir, []Source{{Label: "p", FS: fstest.MapFS{"css/a.css": {Data: []byte("x{}")}}}}, CollectOptions{})
	if err == nil {
		t.Fatal("collect wrote through a link out of the target directory")
	}
	if entries, _ := os.ReadDir(outside); len(entries) != 0 {
		t.Fatalf("files written outside the target: %v", entries)
	}
}

func TestCollectCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Collect(ctx, t.TempDir(), collectSources(), CollectOptions{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
}
