package main

import (
	"crypto/rand"
	"encoding/base64"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// appData fills the skel/app templates.
type appData struct {
	Name, Module, Project string
}

func cmdStartapp(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("galvani startapp", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("dir", ".", "the project's directory (where go.mod is)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageErrorf("galvani startapp takes one NAME, got %d arguments", len(pos))
	}
	name := pos[0]
	if err := checkName("app", name); err != nil {
		return err
	}
	gomod, err := os.ReadFile(filepath.Join(*dir, "go.mod"))
	if err != nil {
		return fmt.Errorf("no go.mod in %s: run galvani startapp in the project's directory (the one galvani new made)", *dir)
	}
	module := readModulePath(gomod)
	if module == "" {
		return fmt.Errorf("%s has no module line", filepath.Join(*dir, "go.mod"))
	}
	files, err := render("app", name, appData{Name: name, Module: module, Project: filepath.Base(module)})
	if err != nil {
		return err
	}
	for i := range files {
		files[i].path = name + "/" + files[i].path
	}
	if err := writeAll(*dir, files); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Created app %s:\n", name)
	for _, p := range paths(files) {
		fmt.Fprintf(stdout, "  %s\n", p)
	}
	fmt.Fprintf(stdout, "\nInstall it in project/project.go: import the package and add it to galvani.New:\n")
	fmt.Fprintf(stdout, "\t%q\n", module+"/"+name)
	fmt.Fprintf(stdout, "\tgalvani.Include(\"/%s/\", %s.App),\n", name, name)
	return nil
}

// newSecretKey returns 64 random URL-safe characters, like go run . secretkey.
func newSecretKey() string {
	b := make([]byte, 48)
	rand.Read(b) // never fails (crypto/rand)
	return base64.RawURLEncoding.EncodeToString(b)
}
