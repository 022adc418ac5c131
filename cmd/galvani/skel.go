package main

import (
	"bytes"
	"embed"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"text/template"
)

// skel holds the templates of generated files: skel/project for galvani new and
// skel/app for galvani startapp. A file's path in skel is its path in the output
// with ".tmpl" removed, "APPNAME" replaced by the app's name and "gitignore" turned
// into ".gitignore" (go:embed skips dot-files). Placeholders use [[ ]] so the
// Django-style {{ }} and {% %} of generated templates pass through untouched.
//
//go:embed skel
var skel embed.FS

// file is one generated file: its slash-separated path relative to the output
// directory and its content.
type file struct {
	path string
	data []byte
}

// render executes every template under skel/<kind> with data.
func render(kind, appName string, data any) ([]file, error) {
	root := "skel/" + kind
	var out []file
	err := fs.WalkDir(skel, root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		src, err := fs.ReadFile(skel, p)
		if err != nil {
			return err
		}
		t, err := template.New(p).Delims("[[", "]]").Option("missingkey=error").Parse(string(src))
		if err != nil {
			return err
		}
		var b bytes.Buffer
		if err := t.Execute(&b, data); err != nil {
			return err
		}
		rel := strings.TrimSuffix(strings.TrimPrefix(p, root+"/"), ".tmpl")
		rel = strings.ReplaceAll(rel, "APPNAME", appName)
		if rel == "gitignore" {
			rel = ".gitignore"
		}
		out = append(out, file{path: rel, data: b.Bytes()})
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i].path < out[j].path })
	return out, err
}

// writeAll writes files under dir. It first checks that none of them exists, and
// refuses with an error naming every existing one, so nothing is overwritten and a
// refused run writes nothing.
func writeAll(dir string, files []file) error {
	var existing []string
	for _, f := range files {
		p := filepath.Join(dir, filepath.FromSlash(f.path))
		if _, err := os.Lstat(p); err == nil {
			existing = append(existing, p)
		} else if !os.IsNotExist(err) {
			return err
		}
	}
	if len(existing) > 0 {
		return fmt.Errorf("refusing to overwrite existing files (move them away or choose another name):\n  %s",
			strings.Join(existing, "\n  "))
	}
	for _, f := range files {
		p := filepath.Join(dir, filepath.FromSlash(f.path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		fh, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err != nil {
			return err // a file that appeared since the check is not overwritten either
		}
		if _, err := fh.Write(f.data); err != nil {
			fh.Close()
			return err
		}
		if err := fh.Close(); err != nil {
			return err
		}
	}
	return nil
}

// paths lists the files' paths, for messages.
func paths(files []file) []string {
	out := make([]string, len(files))
	for i, f := range files {
		out[i] = path.Clean(f.path)
	}
	return out
}
