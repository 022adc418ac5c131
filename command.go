package galvani

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sort"
	"syscall"
	"text/tabwriter"
)

// Command is a management command run as `go run . NAME [args]`, like Django's
// manage.py commands. Batteries and apps add theirs through CommandsProvider or
// App.AddCommand.
type Command struct {
	// Name is the word that selects the command.
	Name string
	// Usage is the argument synopsis shown by help, e.g. "[ADDR]".
	Usage string
	// Help is a one-line description.
	Help string
	// Run executes the command. Output goes to stdout/stderr; a returned error is
	// printed and makes the program exit with status 1.
	Run func(ctx context.Context, app *App, args []string) error
}

// AddCommand registers cmd, replacing a command of the same name.
func (a *App) AddCommand(cmd *Command) { a.commands[cmd.Name] = cmd }

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
// (runserver when there is none) and exits.
func (a *App) Run() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := a.RunCommand(ctx, os.Args[1:], os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

// ErrUnknownCommand is returned by RunCommand for a name no command has.
var ErrUnknownCommand = errors.New("unknown command")

// RunCommand runs the command args[0] with the remaining arguments; no arguments
// means runserver.
func (a *App) RunCommand(ctx context.Context, args []string, stdout io.Writer) error {
	name := "runserver"
	if len(args) > 0 {
		name, args = args[0], args[1:]
	}
	cmd, ok := a.commands[name]
	if !ok {
		return fmt.Errorf("%w %q (run `help` for the list)", ErrUnknownCommand, name)
	}
	return cmd.Run(ctx, a, args)
}

func (a *App) registerBuiltinCommands() {
	a.AddCommand(&Command{Name: "runserver", Usage: "[ADDR]", Help: "serve the site (default " + "127.0.0.1:8000)",
		Run: func(ctx context.Context, app *App, args []string) error {
			fs := flag.NewFlagSet("runserver", flag.ContinueOnError)
			if err := fs.Parse(args); err != nil {
				return err
			}
			addr := app.Settings.Addr
			if fs.NArg() > 0 {
				addr = fs.Arg(0)
			}
			return app.ListenAndServe(ctx, addr)
		}})
	a.AddCommand(&Command{Name: "routes", Help: "list routes: method, pattern, name, handler",
		Run: func(ctx context.Context, app *App, args []string) error {
			tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "METHOD\tPATTERN\tNAME\tHANDLER")
			for _, r := range app.Routes() {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", methodsString(r.Methods), r.Pattern, r.FullName(), r.Handler())
			}
			return tw.Flush()
		}})
	a.AddCommand(&Command{Name: "help", Help: "list commands",
		Run: func(ctx context.Context, app *App, args []string) error {
			tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
			for _, c := range app.Commands() {
				fmt.Fprintf(tw, "  %s %s\t%s\n", c.Name, c.Usage, c.Help)
			}
			return tw.Flush()
		}})
}

// ListenAndServe serves the App on addr until ctx is done, then shuts down
// gracefully, letting in-flight requests finish.
func (a *App) ListenAndServe(ctx context.Context, addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	return a.Serve(ctx, ln)
}

// Serve serves the App on ln until ctx is done, then shuts down gracefully.
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	s := a.Settings
	srv := &http.Server{Handler: a, ReadHeaderTimeout: s.ReadHeaderTimeout, ReadTimeout: s.ReadTimeout,
		WriteTimeout: s.WriteTimeout, IdleTimeout: s.IdleTimeout}
	a.Logger.Info("serving", "addr", "http://"+ln.Addr().String(), "debug", s.Debug)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), s.WriteTimeout)
	defer cancel()
	return srv.Shutdown(sctx)
}
