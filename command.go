package galvani

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/galvani-web/galvani/internal/naming"
)

// Command is a management command run as `go run . NAME [flags] [args]`, like
// Django's manage.py commands. Batteries and apps add theirs through
// CommandsProvider or App.AddCommand:
//
//	app.AddCommand(&galvani.Command{
//		Name:  "greet",
//		Usage: "[NAME]",
//		Help:  "print a greeting",
//		Flags: func(fs *flag.FlagSet) { fs.Bool("shout", false, "print in capitals") },
//		Run: func(ctx context.Context, inv *galvani.Invocation) error {
//			msg := "hello, " + inv.Flags.Arg(0)
//			if inv.Bool("shout") {
//				msg = strings.ToUpper(msg)
//			}
//			_, err := fmt.Fprintln(inv.Stdout, msg)
//			return err
//		},
//	})
type Command struct {
	// Name is the word that selects the command.
	Name string
	// Usage is the synopsis of the positional arguments shown by help, e.g. "[ADDR]".
	Usage string
	// Help is a one-line description for the command list.
	Help string
	// Long is an optional longer description shown by `help NAME`.
	Long string
	// Flags, when set, declares the command's flags on fs. It is called for every
	// run and by help, so declare flags only (fs.Bool, fs.String, ...) and read their
	// values in Run from Invocation.Flags or its typed getters.
	Flags func(fs *flag.FlagSet)
	// Args, when set, validates the positional arguments left after the flags; an
	// error it returns is a usage error (exit status 2). Use MaxArgs for the common case.
	Args func(args []string) error
	// Run executes the command. A returned error is printed and makes the program
	// exit with status 1 (2 for errors made with UsageErrorf).
	Run func(ctx context.Context, inv *Invocation) error
}

// Invocation is one run of a command: the App, the parsed flags and positional
// arguments, and the streams to use instead of os.Stdin/os.Stdout/os.Stderr, so
// tests can capture a command's output.
type Invocation struct {
	// App is the project the command runs for.
	App *App
	// Command is the command being run.
	Command *Command
	// Args are the positional arguments left after the flags.
	Args []string
	// Flags holds the command's parsed flags.
	Flags *flag.FlagSet
	// Stdin, Stdout and Stderr are the command's streams.
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
}

// Bool returns the value of the bool flag called name. It panics when the command
// declared no such flag, a programming error.
func (inv *Invocation) Bool(name string) bool { return flagValue[bool](inv, name) }

// String returns the value of the string flag called name.
func (inv *Invocation) String(name string) string { return flagValue[string](inv, name) }

// Int returns the value of the int flag called name.
func (inv *Invocation) Int(name string) int { return flagValue[int](inv, name) }

// Duration returns the value of the duration flag called name.
func (inv *Invocation) Duration(name string) time.Duration {
	return flagValue[time.Duration](inv, name)
}

func flagValue[T any](inv *Invocation, name string) T {
	f := inv.Flags.Lookup(name)
	if f == nil {
		panic(fmt.Sprintf("galvani: command %q has no flag -%s", inv.Command.Name, name))
	}
	g, ok := f.Value.(flag.Getter)
	if !ok {
		panic(fmt.Sprintf("galvani: flag -%s of command %q does not implement flag.Getter", name, inv.Command.Name))
	}
	v, ok := g.Get().(T)
	if !ok {
		var zero T
		panic(fmt.Sprintf("galvani: flag -%s of command %q is a %T, not a %T", name, inv.Command.Name, g.Get(), zero))
	}
	return v
}

// MaxArgs returns an Args validator that accepts at most n positional arguments.
func MaxArgs(n int) func([]string) error {
	return func(args []string) error {
		if len(args) > n {
			if n == 0 {
				return fmt.Errorf("takes no arguments, got %q", args)
			}
			return fmt.Errorf("takes at most %d argument(s), got %d: %q", n, len(args), args)
		}
		return nil
	}
}

// ErrUsage matches (with errors.Is) every error caused by a wrong command line:
// unknown commands, bad flags, wrong arguments. Run exits with status 2 for them.
var ErrUsage = errors.New("usage error")

// ErrUnknownCommand is returned by RunCommand for a name no command has. It also
// matches ErrUsage.
var ErrUnknownCommand = errors.New("unknown command")

type usageError struct {
	msg     string
	unknown bool
}

func (e *usageError) Error() string { return e.msg }

func (e *usageError) Is(target error) bool {
	return target == ErrUsage || (e.unknown && target == ErrUnknownCommand)
}

// UsageErrorf returns an error for a wrong command line; Run prints it with a pointer
// to the command's help and exits with status 2.
func UsageErrorf(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// ExitCode returns the exit status for a command's error: 0 for nil, 2 for usage
// errors (ErrUsage), 1 otherwise.
func ExitCode(err error) int {
	switch {
	case err == nil:
		return 0
	case errors.Is(err, ErrUsage):
		return 2
	}
	return 1
}

// AddCommand registers cmd, replacing a command of the same name. It panics when
// cmd has no name or no Run function: a programming error.
func (a *App) AddCommand(cmd *Command) {
	if cmd == nil || cmd.Name == "" || cmd.Run == nil || strings.ContainsAny(cmd.Name, " \t\n") || strings.HasPrefix(cmd.Name, "-") {
		panic(fmt.Sprintf("galvani: AddCommand: a command needs a one-word Name not starting with - and a Run function (got %+v)", cmd))
	}
	a.commands[cmd.Name] = cmd
}

// Command returns the registered command called name, or nil.
func (a *App) Command(name string) *Command { return a.commands[name] }

// Commands returns the registered commands sorted by name.
func (a *App) Commands() []*Command {
	out := make([]*Command, 0, len(a.commands))
	for _, c := range a.commands {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Run makes the program a manage.py: it runs the command named by os.Args[1]
// (runserver when there is none) with the process's standard streams, cancelling
// the command's context on SIGINT or SIGTERM (a second signal kills the process).
// On error it prints the error and exits with ExitCode's status.
func (a *App) Run() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop() // restore default handling: a second Ctrl-C kills the process
	}()
	code := a.run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	if code != 0 {
		os.Exit(code)
	}
}

// run is Run without the process: it returns the exit status.
func (a *App) run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	err := a.RunCommandIO(ctx, args, stdin, stdout, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "error:", err)
		if errors.Is(err, ErrUsage) {
			name := "runserver"
			if len(args) > 0 && a.commands[args[0]] != nil {
				name = args[0]
			}
			if errors.Is(err, ErrUnknownCommand) {
				fmt.Fprintf(stderr, "Run `%s help` for the list of commands.\n", progName())
			} else {
				fmt.Fprintf(stderr, "Run `%s help %s` for its usage.\n", progName(), name)
			}
		}
	}
	return ExitCode(err)
}

// RunCommand runs the command args[0] with the remaining arguments (no arguments
// means runserver), writing its output and errors to stdout. Its standard input is
// empty. Use it in tests; Run is the program's entry point.
func (a *App) RunCommand(ctx context.Context, args []string, stdout io.Writer) error {
	return a.RunCommandIO(ctx, args, strings.NewReader(""), stdout, stdout)
}

// RunCommandIO is RunCommand with every stream given. Flags are parsed with the
// flag package (-name and --name both work) and may come before or after the
// positional arguments, as in Django (`runserver 0:8000 --noreload`); "--" ends
// them. -h or --help prints the command's help to stdout and returns nil.
func (a *App) RunCommandIO(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	name := "runserver"
	if len(args) > 0 {
		name, args = args[0], args[1:]
	}
	switch {
	case name == "-h" || name == "--help" || name == "-help":
		name, args = "help", nil
	case strings.HasPrefix(name, "-"): // `go run . --noreload`: flags of the default command
		name, args = "runserver", append([]string{name}, args...)
	}
	cmd, ok := a.commands[name]
	if !ok {
		msg := fmt.Sprintf("%s %q", ErrUnknownCommand, name)
		if s := a.suggest(name); s != "" {
			msg += fmt.Sprintf("; did you mean %q?", s)
		}
		return &usageError{msg: msg, unknown: true}
	}
	fs := cmd.flagSet()
	positional, err := parseInterspersed(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return a.writeCommandHelp(stdout, cmd)
		}
		return UsageErrorf("%s: %v", cmd.Name, err)
	}
	if cmd.Args != nil {
		if err := cmd.Args(positional); err != nil {
			if errors.Is(err, ErrUsage) {
				return err
			}
			return UsageErrorf("%s: %v", cmd.Name, err)
		}
	}
	inv := &Invocation{App: a, Command: cmd, Args: positional, Flags: fs, Stdin: stdin, Stdout: stdout, Stderr: stderr}
	return cmd.Run(ctx, inv)
}

// parseInterspersed parses args with fs, allowing flags after positional arguments
// as Django's argparse does (`runserver 0:8000 --noreload`, `migrate blog 0002
// --fake`), and returns the positional arguments. "--" ends the flags: everything
// after it is positional.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			positional = append(positional, rest...)
			break
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
	// Leave fs.Args() (and fs.Arg) answering with all of them, for commands that
	// read their arguments from the flag set.
	if err := fs.Parse(append([]string{"--"}, positional...)); err != nil {
		return nil, err
	}
	return positional, nil
}

// flagSet returns a fresh flag set with the command's flags declared. Errors and
// usage are not printed by the flag package; RunCommandIO reports them.
func (c *Command) flagSet() *flag.FlagSet {
	fs := flag.NewFlagSet(c.Name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	if c.Flags != nil {
		c.Flags(fs)
	}
	return fs
}

// suggest returns the registered command name closest to name, if it is close.
func (a *App) suggest(name string) string {
	best, bestD := "", 3
	var prefixed []string
	for _, c := range a.Commands() {
		if d := naming.EditDistance(strings.ToLower(name), c.Name); d < bestD {
			best, bestD = c.Name, d
		}
		if len(name) >= 3 && strings.HasPrefix(c.Name, name) {
			prefixed = append(prefixed, c.Name)
		}
	}
	if best == "" && len(prefixed) == 1 {
		best = prefixed[0]
	}
	return best
}

// progName is how help refers to the program: its file name, or for a program
// started by `go run` (a binary in the go command's temporary build directory) the
// go run command that starts it from the module directory.
func progName() string {
	if len(os.Args) == 0 {
		return "manage"
	}
	exe := os.Args[0]
	if strings.Contains(filepath.ToSlash(exe), "/go-build") {
		if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Path != "" {
			if bi.Path == bi.Main.Path {
				return "go run ."
			}
			if rel, ok := strings.CutPrefix(bi.Path, bi.Main.Path+"/"); ok {
				return "go run ./" + rel
			}
		}
		return "go run ."
	}
	return filepath.Base(exe)
}

// writeCommandHelp prints `help NAME`: synopsis, description and flags.
func (a *App) writeCommandHelp(w io.Writer, c *Command) error {
	var b strings.Builder
	fs := c.flagSet()
	synopsis := progName() + " " + c.Name
	hasFlags := false
	fs.VisitAll(func(*flag.Flag) { hasFlags = true })
	if hasFlags {
		synopsis += " [flags]"
	}
	if c.Usage != "" {
		synopsis += " " + c.Usage
	}
	fmt.Fprintf(&b, "Usage: %s\n\n", synopsis)
	if c.Help != "" {
		fmt.Fprintf(&b, "%s\n", upperFirst(c.Help))
	}
	if c.Long != "" {
		fmt.Fprintf(&b, "\n%s\n", strings.TrimRight(c.Long, "\n"))
	}
	if hasFlags {
		b.WriteString("\nFlags:\n")
		fs.SetOutput(&b)
		fs.PrintDefaults()
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
