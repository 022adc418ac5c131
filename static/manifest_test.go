package static

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"testing/fstest"
)

func TestReadManifest(t *testing.T) {
	// As Django 3.2's ManifestStaticFilesStorage writes it, and as Django 4 does.
	for _, src := range []string{
		`{"paths": {"css/site.css": "css/site.55e7cbb9ba48.css", "img/logo.png": "img/logo.8d2c6f1ae3b4.png"}, "version": "1.0"}`,
		`{"paths": {"css/site.css": "css/site.55e7cbb9ba48.css", "img/logo.png": "img/logo.8d2c6f1ae3b4.png"}, "version": "1.1", "hash": "a9f1e2d3c4b5"}`,
	} {
		m, err := ReadManifest(strings.NewReader(src))
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		if h, ok := m.Lookup("css/site.css"); !ok || h != "css/site.55e7cbb9ba48.css" {
			t.Fatalf("Lookup = %q %v", h, ok)
		}
		if !m.isHashed("img/logo.8d2c6f1ae3b4.png") || m.isHashed("img/logo.png") {
			t.Fatal("isHashed wrong")
		}
		if m.Len() != 2 || strings.Join(m.Names(), ",") != "css/site.css,img/logo.png" {
			t.Fatalf("names %v", m.Names())
		}
	}
}

func TestManifestRoundTrip(t *testing.T) {
	m, err := NewManifest(map[string]string{"b.js": "b.0123456789ab.js", "a/é x.css": "a/é x.ba9876543210.css"})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := m.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `"version":"1.1"`) || !strings.Contains(buf.String(), `"hash":"`) {
		t.Fatalf("written: %s", buf.String())
	}
	back, err := LoadManifest(fstest.MapFS{ManifestName: {Data: buf.Bytes()}})
	if err != nil {
		t.Fatal(err)
	}
	if h, _ := back.Lookup("a/é x.css"); h != "a/é x.ba9876543210.css" || back.Len() != 2 {
		t.Fatalf("round trip lost entries: %v", back.Names())
	}
	if _, err := LoadManifest(fstest.MapFS{}); err == nil || !strings.Contains(err.Error(), "not exist") {
		t.Fatalf("missing manifest: %v", err)
	}
}

// Malformed and hostile manifests are refused whole, with a *ManifestError that
// says what is wrong and to run collectstatic again.
func TestReadManifestRefuses(t *testing.T) {
	cases := []struct{ name, src, want string }{
		{"empty", ``, "not a manifest"},
		{"not json", `paths: x`, "not a manifest"},
		{"array", `[1,2]`, "not a manifest"},
		{"truncated", `{"paths": {"a.css": "a.0123456789ab.css"`, "not a manifest"},
		{"no version", `{"paths": {}}`, "unknown version"},
		{"future version", `{"paths": {}, "version": "9"}`, "unknown version"},
		{"no paths", `{"version": "1.0"}`, `no "paths"`},
		{"null paths", `{"paths": null, "version": "1.0"}`, `no "paths"`},
		{"number value", `{"paths": {"a.css": 5}, "version": "1.0"}`, "not a manifest"},
		{"unknown field", `{"paths": {}, "version": "1.0", "evil": 1}`, "not a manifest"},
		{"trailing data", `{"paths": {}, "version": "1.0"} {}`, "trailing data"},
		{"dotdot key", `{"paths": {"../etc/passwd": "a.css"}, "version": "1.0"}`, `".." segment`},
		{"dotdot value", `{"paths": {"a.css": "../../etc/passwd"}, "version": "1.0"}`, `".." segment`},
		{"absolute", `{"paths": {"a.css": "/etc/passwd"}, "version": "1.0"}`, "absolute"},
		{"backslash", `{"paths": {"a.css": "a\\..\\b.css"}, "version": "1.0"}`, `backslash`},
		{"nul", `{"paths": {"a.css": "a\u0000.css"}, "version": "1.0"}`, "control"},
		{"dot-file", `{"paths": {"a.css": ".env"}, "version": "1.0"}`, "dot-file"},
		{"empty segment", `{"paths": {"a//b.css": "a/b.css"}, "version": "1.0"}`, "empty or dot segment"},
		{"empty name", `{"paths": {"": "a.css"}, "version": "1.0"}`, "empty name"},
		{"directory", `{"paths": {"css/": "css/x.css"}, "version": "1.0"}`, "trailing slash"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ReadManifest(strings.NewReader(c.src))
			var me *ManifestError
			if !errors.As(err, &me) {
				t.Fatalf("err = %v, want a *ManifestError", err)
			}
			if !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "run collectstatic again") {
				t.Fatalf("err = %v, want it to mention %q and collectstatic", err, c.want)
			}
		})
	}
}

func TestReadManifestTooLarge(t *testing.T) {
	defer func(n int) { maxManifestBytes = n }(maxManifestBytes)
	maxManifestBytes = 1 << 20
	r := strings.NewReader(`{"paths": {"a": "` + strings.Repeat("x", maxManifestBytes) + `"}, "version": "1.0"}`)
	if _, err := ReadManifest(r); err == nil || !strings.Contains(err.Error(), "larger than 1 MiB") {
		t.Fatalf("oversized manifest: %v", err)
	}
}

func FuzzReadManifest(f *testing.F) {
	for _, s := range []string{
		`{"paths": {"css/site.css": "css/site.55e7cbb9ba48.css"}, "version": "1.0"}`,
		`{"paths": {}, "version": "1.1", "hash": "x"}`,
		`{"paths": {"../a": "b"}, "version": "1.0"}`,
		`{"paths": {"a": "b\\c"}, "version": "1.0"}`,
		`{"paths": {"\u0000": ""}, "version": "1.0"}`,
		`[]`, `null`, `{`, `{"paths": {"a": "b"}, "version": "1.0"} x`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		m, err := ReadManifest(strings.NewReader(src))
		if err != nil {
			var me *ManifestError
			if !errors.As(err, &me) {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		for _, k := range m.Names() {
			v, _ := m.Lookup(k)
			if checkManifestName(k) != nil || checkManifestName(v) != nil {
				t.Fatalf("accepted unsafe entry %q: %q", k, v)
			}
		}
	})
}
