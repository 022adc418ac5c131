package dbtools

import (
	"errors"

	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"strings"

	"github.com/galvani-web/galvani"
)

// ShellCommand is the command line of a database's own client, built by
// ClientCommand.
type ShellCommand struct {
	// Program is the client to run: sqlite3, psql, or mariadb (mysql when mariadb
	// is not installed).
	Program string
	// Args are its arguments after the program name.
	Args []string
	// Env holds the variables added to the environment: passwords travel there
	// (PGPASSWORD, MYSQL_PWD), not on the command line that ps shows.
	Env []string
}

// lookPath is exec.LookPath, replaceable in tests.
var lookPath = exec.LookPath

// ClientCommand builds the command that opens the database's interactive client for
// a database URL (as Open takes it), with extra arguments passed on to the client
// (dbshell -- -c 'SELECT 1'). It does not check that the client is installed.
func ClientCommand(rawURL string, extra []string) (*ShellCommand, error) {
	scheme, rest, ok := strings.Cut(rawURL, "://")
	if !ok {
		if strings.HasPrefix(rawURL, "sqlite::memory:") {
			return nil, errors.New("dbshell: an in-memory SQLite database lives only inside its process; there is nothing to open")
		}
		return nil, fmt.Errorf("dbshell: database URL has no scheme (sqlite://, postgres://, mysql://)")
	}
	switch strings.ToLower(scheme) {
	case "sqlite", "sqlite3":
		path, _, _ := strings.Cut(rest, "?")
		if path == ":memory:" || path == "/:memory:" {
			return nil, errors.New("dbshell: an in-memory SQLite database lives only inside its process; there is nothing to open")
		}
		path = strings.TrimPrefix(path, "/")
		if path == "" {
			return nil, errors.New("dbshell: the SQLite URL has no file path")
		}
		return &ShellCommand{Program: "sqlite3", Args: append([]string{path}, extra...)}, nil
	case "postgres", "postgresql", "pgx":
		u, err := url.Parse("postgres://" + rest)
		if err != nil {
			return nil, fmt.Errorf("dbshell: database URL: %v", err)
		}
		c := &ShellCommand{Program: "psql"}
		if u.User != nil {
			if name := u.User.Username(); name != "" {
				c.Args = append(c.Args, "-U", name)
			}
			if pw, ok := u.User.Password(); ok {
				c.Env = append(c.Env, "PGPASSWORD="+pw)
			}
		}
		if h := u.Hostname(); h != "" {
			c.Args = append(c.Args, "-h", h)
		}
		if p := u.Port(); p != "" {
			c.Args = append(c.Args, "-p", p)
		}
		q := u.Query()
		for _, pe := range [][2]string{{"sslmode", "PGSSLMODE"}, {"sslrootcert", "PGSSLROOTCERT"}, {"sslcert", "PGSSLCERT"}, {"sslkey", "PGSSLKEY"}, {"passfile", "PGPASSFILE"}} {
			if v := q.Get(pe[0]); v != "" {
				c.Env = append(c.Env, pe[1]+"="+v)
			}
		}
		if q.Get("host") != "" && u.Hostname() == "" { // a Unix socket directory
			c.Args = append(c.Args, "-h", q.Get("host"))
		}
		c.Args = append(c.Args, extra...)
		if db := strings.TrimPrefix(u.Path, "/"); db != "" {
			c.Args = append(c.Args, db)
		}
		return c, nil
	case "mysql", "mariadb":
		u, err := url.Parse("mysql://" + rest)
		if err != nil {
			return nil, fmt.Errorf("dbshell: database URL: %v", err)
		}
		c := &ShellCommand{Program: "mariadb"}
		if _, err := lookPath("mariadb"); err != nil {
			if _, err := lookPath("mysql"); err == nil {
				c.Program = "mysql"
			}
		}
		if u.User != nil {
			if name := u.User.Username(); name != "" {
				c.Args = append(c.Args, "--user="+name)
			}
			if pw, ok := u.User.Password(); ok {
				c.Env = append(c.Env, "MYSQL_PWD="+pw)
			}
		}
		if h := u.Hostname(); h != "" {
			c.Args = append(c.Args, "--host="+h)
		}
		port := u.Port()
		if port == "" {
			port = "3306"
		}
		c.Args = append(c.Args, "--port="+port)
		if u.Query().Get("tls") == "true" {
			c.Args = append(c.Args, "--ssl")
		}
		c.Args = append(c.Args, extra...)
		if db := strings.TrimPrefix(u.Path, "/"); db != "" {
			c.Args = append(c.Args, db)
		}
		return c, nil
	}
	return nil, fmt.Errorf("dbshell: unsupported database scheme %q", scheme)
}

func dbshellCommand() *galvani.Command {
	return &galvani.Command{
		Name:  "dbshell",
		Usage: "[-- CLIENT-ARGS...]",
		Help:  "open the database's own command-line client",
		Long: "Runs sqlite3, psql or mariadb (mysql) connected to the configured database, with\n" +
			"the password passed in the environment. Arguments after -- go to the client:\n" +
			"dbshell -- -c 'SELECT count(*) FROM blog_article'.",
		Flags: databaseFlag,
		Run: func(ctx context.Context, inv *galvani.Invocation) error {
			u, err := databaseURL(inv)
			if err != nil {
				return err
			}
			c, err := ClientCommand(u, inv.Args)
			if err != nil {
				return err
			}
			prog, err := lookPath(c.Program)
			if err != nil {
				return fmt.Errorf("dbshell: the %s client is not installed (or not on PATH): %v", c.Program, err)
			}
			// not CommandContext: Ctrl-C belongs to the client (psql cancels its query),
			// and reaches it directly from the terminal
			cmd := exec.Command(prog, c.Args...)
			cmd.Env = append(os.Environ(), c.Env...)
			cmd.Stdin, cmd.Stdout, cmd.Stderr = inv.Stdin, inv.Stdout, inv.Stderr
			if err := cmd.Run(); err != nil {
				return fmt.Errorf("dbshell: %s: %w", c.Program, err)
			}
			return nil
		},
	}
}
