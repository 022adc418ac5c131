package galvani

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
)

func (a *App) registerBuiltinCommands() {
	a.AddCommand(runserverCommand())
	a.AddCommand(routesCommand())
	a.AddCommand(checkCommand())
	a.AddCommand(helpCommand())
	a.AddCommand(secretKeyCommand())
	a.AddCommand(settingsCommand())
}

func runserverCommand() *Command {
	return &Command{
		Name:  "runserver",
		Usage: "[ADDR]",
		Help:  "serve the site (the default command)",
		Long: `ADDR is HOST:PORT (127.0.0.1:8000, [::1]:8000), :PORT (every interface),
PORT alone (on 127.0.0.1) or 0:PORT (0.0.0.0). Default: the ADDR setting,
127.0.0.1:8000 unless set.

The system checks run first; errors stop the server (see the check command).
SIGINT or SIGTERM shut the server down gracefully: it stops accepting, lets
in-flight requests finish (up to SHUTDOWN_TIMEOUT) and exits.

With --reload (the default when DEBUG is on) a watcher process keeps the
listening socket, polls the .go and template files of the main module, and
on a change rebuilds the program with "go build" and restarts it on the same
socket. A failed build is printed and the running server keeps serving. The
program must be run from inside its module (go run . or go run ./cmd/site).`,
		Flags: func(fs *flag.FlagSet) {
			fs.Bool("reload", false, "rebuild and restart when .go or template files change (default: on when DEBUG is on)")
			fs.Bool("noreload", false, "do not rebuild and restart on changes")
			fs.Bool("skip-checks", false, "start without running the system checks")
		},
		Args: MaxArgs(1),
		Run:  runserver,
	}
}

func runserver(ctx context.Context, inv *Invocation) error {
	app := inv.App
	addr := app.Settings.Addr
	if len(inv.Args) == 1 {
		var err error
		if addr, err = ParseAddr(inv.Args[0]); err != nil {
			return UsageErrorf("runserver: %v", err)
		}
	} else if a, err := ParseAddr(addr); err != nil {
		return fmt.Errorf("runserver: ADDR setting: %v", err)
	} else {
		addr = a
	}
	if isReloadChild() {
		return serveReloadChild(ctx, inv)
	}
	if startedByGoRun() {
		var cancel context.CancelFunc
		ctx, cancel = watchParent(ctx, os.Getppid, parentPollInterval)
		defer cancel()
	}
	reload := app.Settings.Debug
	inv.Flags.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "reload":
			reload = inv.Bool("reload")
		case "noreload":
			reload = !inv.Bool("noreload")
		}
	})
	if reload {
		if why := reloadUnsupported(); why != "" {
			fmt.Fprintf(inv.Stderr, "galvani: reloading is not available (%s); serving without it.\n", why)
			reload = false
		}
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return fmt.Errorf("runserver: %s is in use by another program (another runserver still running?). "+
				"Stop it, or serve on another port: %s runserver %s", addr, progName(), otherPort(addr))
		}
		return fmt.Errorf("runserver: %w", err)
	}
	if reload {
		return runReloader(ctx, inv, ln) // the child runs the checks at each start
	}
	if !inv.Bool("skip-checks") {
		if err := runStartupChecks(inv, ln.Addr()); err != nil {
			ln.Close()
			return err
		}
	}
	printBanner(inv, ln.Addr(), "")
	return app.Serve(ctx, ln)
}

// otherPort suggests the next port for a runserver whose address is taken, in the
// shortest form runserver accepts for the same host.
func otherPort(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	n, err2 := strconv.Atoi(port)
	if err != nil || err2 != nil || n == 0 || n >= 65535 {
		return "8001"
	}
	next := strconv.Itoa(n + 1)
	switch host {
	case "127.0.0.1":
		return next
	case "", "0.0.0.0":
		return ":" + next
	}
	return net.JoinHostPort(host, next)
}

// runStartupChecks prints the system checks' findings to stderr and fails on errors.
//
// A server on a loopback address is reachable from this machine only, so it is not a
// deployment: there the production-settings errors (no or weak SECRET_KEY, no
// ALLOWED_HOSTS) shrink to a one-line note and the server starts, which lets an
// unconfigured project (`go run .`) serve locally with DEBUG off. `check` still
// counts them as errors, and the batteries that need a key refuse an empty one
// outside debug mode on their own.
func runStartupChecks(inv *Invocation, addr net.Addr) error {
	msgs := inv.App.Check(false)
	var deferred []string
	if isLoopback(addr) {
		kept := msgs[:0]
		for _, m := range msgs {
			if productionOnlyCheck[m.ID] {
				deferred = append(deferred, m.ID)
				continue
			}
			kept = append(kept, m)
		}
		msgs = kept
	}
	if note := hostsNote(&inv.App.Settings, addr); note != "" {
		fmt.Fprintln(inv.Stderr, note)
	}
	if i := slices.Index(deferred, "security.E003"); i >= 0 {
		deferred = slices.Delete(deferred, i, i+1) // hostsNote said it, with the fix
	}
	if len(deferred) > 0 {
		fmt.Fprintf(inv.Stderr, "Note: these settings are not ready for a deployment (%s); fine on %s, which only this machine can reach. Set DEBUG=1 for development; `%s check` explains.\n",
			strings.Join(deferred, ", "), addr, progName())
	}
	if len(msgs) == 0 {
		return nil
	}
	var b strings.Builder
	failing := writeCheckReport(&b, msgs, CheckError)
	io.WriteString(inv.Stderr, b.String())
	if failing > 0 {
		return fmt.Errorf("system check found %d error(s); fix them, or start with --skip-checks", failing)
	}
	return nil
}

// hostsNote warns, before serving with DEBUG off, that the host a browser would use
// for addr is refused by ALLOWED_HOSTS (so every request would get a bare 400), and
// says which setting to change. It returns "" when the hosts are fine.
func hostsNote(s *Settings, addr net.Addr) string {
	if s.Debug {
		return "" // the debug hosts (localhost, 127.0.0.1, [::1]) are allowed
	}
	ta, ok := addr.(*net.TCPAddr)
	if !ok {
		return ""
	}
	host := ta.IP.String()
	if ta.IP.IsUnspecified() {
		host = "localhost"
	} else if ta.IP.To4() == nil {
		host = "[" + host + "]"
	}
	url := "http://" + net.JoinHostPort(strings.Trim(host, "[]"), strconv.Itoa(ta.Port)) + "/"
	if len(s.AllowedHosts) == 0 {
		return fmt.Sprintf("Note: ALLOWED_HOSTS is empty and DEBUG is off, so every request will be refused with 400 Bad Request. "+
			"To browse %s set ALLOWED_HOSTS=%s (comma separated), or DEBUG=1 for development.", url, suggestHosts(host))
	}
	if !(ta.IP.IsLoopback() || ta.IP.IsUnspecified()) {
		return ""
	}
	for _, h := range s.AllowedHosts {
		h = strings.ToLower(strings.TrimSpace(h))
		if h == "*" || h == host || h == ".localhost" || h == "localhost" || strings.HasPrefix(h, host+":") || strings.HasPrefix(h, "localhost:") {
			return ""
		}
	}
	return fmt.Sprintf("Note: ALLOWED_HOSTS=%s does not include %s, so requests to %s will be refused with 400 Bad Request. "+
		"To browse it, add it: ALLOWED_HOSTS=%s,%s.", strings.Join(s.AllowedHosts, ","), host, url, strings.Join(s.AllowedHosts, ","), suggestHosts(host))
}

func suggestHosts(host string) string {
	if host == "localhost" {
		return "localhost"
	}
	return host + ",localhost"
}

// productionOnlyCheck lists the checks about settings a deployment needs, which a
// loopback-only server may start without.
var productionOnlyCheck = map[string]bool{"security.E001": true, "security.E002": true, "security.E003": true}

func isLoopback(addr net.Addr) bool {
	ta, ok := addr.(*net.TCPAddr)
	return ok && ta.IP.IsLoopback()
}

func printBanner(inv *Invocation, addr net.Addr, extra string) {
	mode := "DEBUG off"
	if inv.App.Settings.Debug {
		mode = "DEBUG on"
	}
	host := addr.String()
	if ta, ok := addr.(*net.TCPAddr); ok && ta.IP.IsUnspecified() {
		host = net.JoinHostPort("localhost", strconv.Itoa(ta.Port))
		mode = "all interfaces, " + mode
	}
	fmt.Fprintf(inv.Stdout, "Galvani serving at http://%s/ (%s%s)\nQuit with CONTROL-C.\n", host, mode, extra)
	if inv.App.Settings.RandomSecretKey() {
		fmt.Fprintf(inv.Stderr, "Note: SECRET_KEY is unset, so this server signs sessions and CSRF tokens with a random key: logins end when it stops. To keep them, set SECRET_KEY (make one with `%s secretkey`).\n", progName())
	}
}

func routesCommand() *Command {
	return &Command{
		Name: "routes",
		Help: "list routes: method, pattern, name, handler",
		Long: "Routes are listed in registration order. ANY means every method; GET routes also answer HEAD.",
		Flags: func(fs *flag.FlagSet) {
			fs.Bool("json", false, "print a JSON array instead of a table")
		},
		Args: MaxArgs(0),
		Run: func(ctx context.Context, inv *Invocation) error {
			routes := inv.App.Routes()
			if inv.Bool("json") {
				type jsonRoute struct {
					Methods []string `json:"methods"`
					Pattern string   `json:"pattern"`
					Name    string   `json:"name,omitempty"`
					Handler string   `json:"handler"`
				}
				out := make([]jsonRoute, 0, len(routes))
				for _, r := range routes {
					ms := r.Methods
					if ms == nil {
						ms = []string{}
					}
					out = append(out, jsonRoute{ms, r.Pattern, r.FullName(), r.Handler()})
				}
				enc := json.NewEncoder(inv.Stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(out)
			}
			tw := tabwriter.NewWriter(inv.Stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "METHOD\tPATTERN\tNAME\tHANDLER")
			for _, r := range routes {
				ms := "ANY"
				if len(r.Methods) > 0 {
					ms = strings.Join(r.Methods, ",")
				}
				name := r.FullName()
				if name == "" {
					name = "-"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", ms, r.Pattern, name, r.Handler())
			}
			return tw.Flush()
		},
	}
}

func checkCommand() *Command {
	return &Command{
		Name: "check",
		Help: "validate settings, routes and installed apps (Django's system checks)",
		Long: `Runs the system checks and prints what they find. It exits with status 1
when a finding is at or above --fail-level. With DEBUG off, an empty or weak
SECRET_KEY and an empty ALLOWED_HOSTS are errors. --deploy also judges the
settings as production settings, runs the deployment checks and lists the
environment variables the settings read (the core's and the installed apps'
sections'), marking those that are set. Silence a check by adding its ID to
SILENCED_CHECKS.`,
		Flags: func(fs *flag.FlagSet) {
			fs.Bool("deploy", false, "also run the deployment checks, judging the settings as production settings")
			fs.String("fail-level", "ERROR", "exit with status 1 for findings at this level or above: DEBUG, INFO, WARNING, ERROR or CRITICAL")
		},
		Args: MaxArgs(0),
		Run: func(ctx context.Context, inv *Invocation) error {
			level, err := ParseCheckLevel(inv.String("fail-level"))
			if err != nil {
				return UsageErrorf("check: -fail-level: %v", err)
			}
			var b strings.Builder
			failing := writeCheckReport(&b, inv.App.Check(inv.Bool("deploy")), level)
			if vars := inv.App.Settings.EnvRead(); inv.Bool("deploy") && len(vars) > 0 {
				b.WriteString("\nEnvironment variables the settings read (each also as GALVANI_<NAME>, which wins):\n")
				tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
				for _, v := range vars {
					state := "-"
					if v.Set != "" {
						state = "set: " + v.Set
					}
					fmt.Fprintf(tw, "  %s\t%s\n", v.Name, state)
				}
				tw.Flush()
			}
			if _, err := io.WriteString(inv.Stdout, b.String()); err != nil {
				return err
			}
			if failing > 0 {
				return fmt.Errorf("system check found %d issue(s) at level %s or above", failing, level)
			}
			return nil
		},
	}
}

func helpCommand() *Command {
	return &Command{
		Name:  "help",
		Usage: "[COMMAND]",
		Help:  "list the commands, or show one command's usage and flags",
		Args:  MaxArgs(1),
		Run: func(ctx context.Context, inv *Invocation) error {
			app := inv.App
			if len(inv.Args) == 1 {
				c := app.commands[inv.Args[0]]
				if c == nil {
					msg := fmt.Sprintf("help: %s %q", ErrUnknownCommand, inv.Args[0])
					if s := app.suggest(inv.Args[0]); s != "" {
						msg += fmt.Sprintf("; did you mean %q?", s)
					}
					return &usageError{msg: msg, unknown: true}
				}
				return app.writeCommandHelp(inv.Stdout, c)
			}
			var b strings.Builder
			fmt.Fprintf(&b, "Usage: %s [COMMAND] [flags] [args]\n\nWith no command, runserver runs.\n\nCommands:\n", progName())
			tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
			for _, c := range app.Commands() {
				fmt.Fprintf(tw, "  %s\t%s\n", c.Name, c.Help)
			}
			tw.Flush()
			fmt.Fprintf(&b, "\nRun `%s help COMMAND` for a command's usage and flags.\n", progName())
			_, err := io.WriteString(inv.Stdout, b.String())
			return err
		},
	}
}

func secretKeyCommand() *Command {
	return &Command{
		Name: "secretkey",
		Help: "print a new random SECRET_KEY",
		Long: "Prints 64 random URL-safe characters (384 bits) for the SECRET_KEY setting.",
		Args: MaxArgs(0),
		Run: func(ctx context.Context, inv *Invocation) error {
			_, err := fmt.Fprintln(inv.Stdout, NewSecretKey())
			return err
		},
	}
}

// NewSecretKey returns a new random secret key of 64 URL-safe characters, fit for
// Settings.SecretKey.
func NewSecretKey() string {
	b := make([]byte, 48)
	rand.Read(b) // never fails (crypto/rand)
	return base64.RawURLEncoding.EncodeToString(b)
}

// isReloadChild reports whether this process is a server started by the reloader.
func isReloadChild() bool { return os.Getenv(reloadFDEnv) != "" }
