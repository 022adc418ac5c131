package static

import (
	"errors"
	"io/fs"

	"github.com/galvani-web/galvani"
)

// Union returns an fs.FS that looks a name up in each of fss in order and opens the
// first one that has it, so a project's own files override those of its apps (as
// Django's static file finders do). Directories are not merged: listing is not
// something a static server does.
func Union(fss ...fs.FS) fs.FS { return union(fss) }

type union []fs.FS

// Open opens name from the first FS that has it.
func (u union) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	for _, f := range u {
		file, err := f.Open(name)
		if err == nil {
			return file, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
	}
	return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
}

// FromApps returns the static files of a project: first the project's own fss, then
// the Static() FS of every installed app implementing galvani.StaticProvider, in
// installation order.
func FromApps(app *galvani.App, project ...fs.FS) fs.FS {
	all := append([]fs.FS(nil), project...)
	for _, a := range app.Apps() {
		if sp, ok := a.(galvani.StaticProvider); ok {
			if f := sp.Static(); f != nil {
				all = append(all, f)
			}
		}
	}
	return Union(all...)
}
