// Command galvani creates Galvani projects and apps, like django-admin's
// startproject and startapp:
//
//	go install github.com/galvani-web/galvani/cmd/galvani@latest
//	galvani new mysite              # a project in ./mysite, module "mysite"
//	cd mysite && galvani startapp polls
//
// Everything else (runserver, migrate, check, routes, ...) is a command of the project
// itself: go run . help.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

const usage = `galvani creates Galvani projects and apps.

Usage:
  galvani new NAME [--module PATH] [--dir DIR] [--galvani-dir DIR] [--no-tidy]
                        write a new project into DIR (default ./NAME)
  galvani startapp NAME write a new app package NAME/ into the project in this directory
  galvani version       print the Galvani version this command generates projects for
  galvani help          this text

Inside a project, go run . help lists the project's own commands (runserver, migrate,
check, routes, ...).
`

// errUsage marks a wrong command line (exit status 2).
var errUsage = errors.New("usage")

// run executes the command line args and returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "new", "startproject":
		err = cmdNew(args[1:], stdout, stderr)
	case "startapp":
		err = cmdStartapp(args[1:], stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, versionString())
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
	default:
		fmt.Fprintf(stderr, "galvani: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		fmt.Fprintf(stderr, "galvani: %v\nRun 'galvani help' for usage.\n", err)
		return 2
	default:
		fmt.Fprintf(stderr, "galvani: %v\n", err)
		return 1
	}
}

// usageErrorf returns an error that run reports with exit status 2.
func usageErrorf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errUsage, fmt.Sprintf(format, args...))
}

// parseFlags parses fs from args, allowing flags before and after the one
// positional argument (galvani new mysite --module example.com/mysite).
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, usageErrorf("%v", err)
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}
