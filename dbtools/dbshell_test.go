package dbtools

import (
	"bytes"
	"context"
	"errors"
	"os/exec"
	"reflect"
	"strings"
	"testing"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/orm"
)

func TestClientCommand(t *testing.T) {
	lookPath = func(name string) (string, error) {
		if name == "mariadb" {
			return "", errors.New("not installed")
		}
		return "/usr/bin/" + name, nil
	}
	defer func() { lookPath = exec.LookPath }()
	cases := []struct {
		url   string
		extra []string
		want  ShellCommand
	}{
		{"sqlite:///var/db/site.db", nil, ShellCommand{Program: "sqlite3", Args: []string{"var/db/site.db"}}},
		{"sqlite:////abs/site.db?mode=ro", []string{"-readonly"}, ShellCommand{Program: "sqlite3", Args: []string{"/abs/site.db", "-readonly"}}},
		{"postgres://ann:s%20cret@db.example:6543/shop?sslmode=require", []string{"-c", "SELECT 1"},
			ShellCommand{Program: "psql", Args: []string{"-U", "ann", "-h", "db.example", "-p", "6543", "-c", "SELECT 1", "shop"}, Env: []string{"PGPASSWORD=s cret", "PGSSLMODE=require"}}},
		{"postgresql://localhost/shop", nil, ShellCommand{Program: "psql", Args: []string{"-h", "localhost", "shop"}}},
		{"mysql://root@127.0.0.1/shop", nil, ShellCommand{Program: "mysql", Args: []string{"--user=root", "--host=127.0.0.1", "--port=3306", "shop"}}},
		{"mysql://bob:pw@db:3307/shop?tls=true", []string{"-e", "SELECT 1"},
			ShellCommand{Program: "mysql", Args: []string{"--user=bob", "--host=db", "--port=3307", "--ssl", "-e", "SELECT 1", "shop"}, Env: []string{"MYSQL_PWD=pw"}}},
	}
	for _, c := range cases {
		got, err := ClientCommand(c.url, c.extra)
		if err != nil {
			t.Errorf("%s: %v", c.url, err)
			continue
		}
		if !reflect.DeepEqual(*got, c.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", c.url, *got, c.want)
		}
		for _, a := range got.Args {
			if strings.Contains(a, "cret") || a == "pw" {
				t.Errorf("%s: the password is on the command line: %q", c.url, got.Args)
			}
		}
	}
	for _, bad := range []string{"sqlite::memory:", "sqlite://:memory:", "sqlite://", "nope", "oracle://x/y"} {
		if _, err := ClientCommand(bad, nil); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

// TestDbshellRunsTheClient runs the real client of each database, when installed,
// through the command, with a query given after --.
func TestDbshellRunsTheClient(t *testing.T) {
	eachBackend(t, func(t *testing.T, db *orm.DB, url string) {
		c, err := ClientCommand(url, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := exec.LookPath(c.Program); err != nil {
			t.Skipf("%s is not installed", c.Program)
		}
		if _, err := db.Exec(context.Background(), "CREATE TABLE shell_probe (n integer)"); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(context.Background(), "INSERT INTO shell_probe (n) VALUES (40), (2)"); err != nil {
			t.Fatal(err)
		}
		app := galvani.New(galvani.Settings{DatabaseURL: url}, App)
		var args []string
		stdin := ""
		switch db.Dialect().Name() {
		case "sqlite":
			stdin = "SELECT sum(n) FROM shell_probe;\n"
		case "postgres":
			args = []string{"--", "-At", "-c", "SELECT sum(n) FROM shell_probe"}
		case "mysql":
			args = []string{"--", "-N", "-B", "-e", "SELECT sum(n) FROM shell_probe"}
		}
		var out, errOut bytes.Buffer
		err = app.RunCommandIO(context.Background(), append([]string{"dbshell"}, args...), strings.NewReader(stdin), &out, &errOut)
		if err != nil || strings.TrimSpace(out.String()) != "42" {
			t.Errorf("dbshell: %q (stderr %q), %v", out.String(), errOut.String(), err)
		}
	})
}
