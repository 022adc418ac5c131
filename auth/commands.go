package auth

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	osuser "os/user"
	"strings"

	"golang.org/x/term"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/orm"
)

// Environment variables createsuperuser reads with --no-input.
const (
	EnvSuperuserUsername = "GALVANI_SUPERUSER_USERNAME"
	EnvSuperuserEmail    = "GALVANI_SUPERUSER_EMAIL"
	EnvSuperuserPassword = "GALVANI_SUPERUSER_PASSWORD"
)

// Commands implements galvani.CommandsProvider: createsuperuser and changepassword.
func (m *Manager) Commands() []*galvani.Command {
	return []*galvani.Command{m.createSuperuserCommand(), m.changePasswordCommand()}
}

// prompter reads answers: passwords without echo when stdin is a terminal.
type prompter struct {
	in  *bufio.Reader
	fd  int
	tty bool
	out io.Writer
}

func newPrompter(inv *galvani.Invocation) *prompter {
	p := &prompter{in: bufio.NewReader(inv.Stdin), out: inv.Stderr}
	if f, ok := inv.Stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p.fd, p.tty = int(f.Fd()), true
	}
	return p
}

func (p *prompter) line(prompt string) (string, error) {
	fmt.Fprint(p.out, prompt)
	s, err := p.in.ReadString('\n')
	if err != nil && (err != io.EOF || s == "") {
		if err == io.EOF {
			return "", errors.New("auth: input ended")
		}
		return "", err
	}
	if len(s) > 4096 {
		return "", errors.New("auth: input line too long")
	}
	return strings.TrimRight(s, "\r\n"), nil
}

func (p *prompter) password(prompt string) (string, error) {
	if !p.tty {
		return p.line(prompt)
	}
	fmt.Fprint(p.out, prompt)
	b, err := term.ReadPassword(p.fd)
	fmt.Fprintln(p.out)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// askPassword asks twice until both match and the validators pass (or the user
// chooses to bypass them); attempts bounds the rounds.
func (m *Manager) askPassword(p *prompter, u *AbstractUser, attempts int, allowBypass bool) (string, error) {
	for i := 0; i < attempts; i++ {
		p1, err := p.password("Password: ")
		if err != nil {
			return "", err
		}
		p2, err := p.password("Password (again): ")
		if err != nil {
			return "", err
		}
		if p1 != p2 {
			fmt.Fprintln(p.out, "Error: Your passwords didn't match.")
			continue
		}
		if strings.TrimSpace(p1) == "" {
			fmt.Fprintln(p.out, "Error: Blank passwords aren't allowed.")
			continue
		}
		if err := ValidatePassword(p1, u.attrs(), m.opts.PasswordValidators); err != nil {
			fmt.Fprintln(p.out, err.Error())
			if !allowBypass {
				continue
			}
			ans, err := p.line("Bypass password validation and create user anyway? [y/N]: ")
			if err != nil {
				return "", err
			}
			if !strings.EqualFold(strings.TrimSpace(ans), "y") {
				continue
			}
		}
		return p1, nil
	}
	return "", fmt.Errorf("auth: too many attempts (%d)", attempts)
}

func (m *Manager) createSuperuserCommand() *galvani.Command {
	return &galvani.Command{
		Name: "createsuperuser",
		Help: "create a user with every permission",
		Long: "Asks for the username, e-mail and password (typed without echo). With --no-input,\n" +
			"the values come from --username/--email or " + EnvSuperuserUsername + "/" + EnvSuperuserEmail + ",\n" +
			"and the password from " + EnvSuperuserPassword + " (never from a flag: command lines are\n" +
			"visible to other users of the machine); without it the account has no usable password.",
		Flags: func(fs *flag.FlagSet) {
			fs.String("username", "", "the username")
			fs.String("email", "", "the e-mail address")
			fs.Bool("no-input", false, "ask nothing; read values from flags and environment variables")
		},
		Args: galvani.MaxArgs(0),
		Run: func(ctx context.Context, inv *galvani.Invocation) error {
			m.settingsFrom(inv)
			db, release, err := m.commandDB(ctx, &inv.App.Settings)
			if err != nil {
				return err
			}
			defer release()
			return m.createSuperuser(ctx, db, inv)
		},
	}
}

func (m *Manager) settingsFrom(inv *galvani.Invocation) {
	if m.settings == nil && inv.App != nil {
		m.settings = &inv.App.Settings
	}
}

func (m *Manager) createSuperuser(ctx context.Context, db *orm.DB, inv *galvani.Invocation) error {
	user := m.NewUser()
	u := user.AuthUser()
	u.Username, u.Email = inv.String("username"), inv.String("email")
	password := ""
	if inv.Bool("no-input") {
		if u.Username == "" {
			u.Username = os.Getenv(EnvSuperuserUsername)
		}
		if u.Email == "" {
			u.Email = os.Getenv(EnvSuperuserEmail)
		}
		if u.Username == "" {
			return galvani.UsageErrorf("createsuperuser --no-input: give --username or set %s", EnvSuperuserUsername)
		}
		if err := ValidateUsername(u.Username); err != nil {
			return err
		}
		password = os.Getenv(EnvSuperuserPassword)
		if password != "" {
			if err := ValidatePassword(password, u.attrs(), m.opts.PasswordValidators); err != nil {
				return fmt.Errorf("%s: %w", EnvSuperuserPassword, err)
			}
		}
	} else {
		p := newPrompter(inv)
		for u.Username == "" {
			name, err := p.line("Username: ")
			if err != nil {
				return err
			}
			if err := ValidateUsername(name); err != nil {
				fmt.Fprintln(p.out, "Error:", err)
				continue
			}
			if _, err := m.GetUser(ctx, db, name); err == nil {
				fmt.Fprintln(p.out, "Error: That username is already taken.")
				continue
			}
			u.Username = name
		}
		if u.Email == "" {
			e, err := p.line("Email address: ")
			if err != nil {
				return err
			}
			u.Email = strings.TrimSpace(e)
		}
		pw, err := m.askPassword(p, u, 3, true)
		if err != nil {
			return err
		}
		password = pw
	}
	if len(u.Email) > 254 || (u.Email != "" && !strings.Contains(u.Email, "@")) || !cleanText(u.Email) {
		return fmt.Errorf("auth: %q is not a valid e-mail address", u.Email)
	}
	if err := m.CreateSuperuser(ctx, db, user, password); err != nil {
		return err
	}
	_, err := fmt.Fprintln(inv.Stdout, "Superuser created successfully.")
	return err
}

func (m *Manager) changePasswordCommand() *galvani.Command {
	return &galvani.Command{
		Name:  "changepassword",
		Usage: "[USERNAME]",
		Help:  "change a user's password",
		Long:  "Asks twice for the new password (typed without echo) and checks it with the\npassword validators. USERNAME defaults to the name of the current OS user.",
		Args:  galvani.MaxArgs(1),
		Run: func(ctx context.Context, inv *galvani.Invocation) error {
			m.settingsFrom(inv)
			db, release, err := m.commandDB(ctx, &inv.App.Settings)
			if err != nil {
				return err
			}
			defer release()
			name := inv.Flags.Arg(0)
			if name == "" {
				cur, err := osuser.Current()
				if err != nil {
					return galvani.UsageErrorf("changepassword: give a USERNAME")
				}
				name = cur.Username
			}
			usr, err := m.GetUser(ctx, db, name)
			if errors.Is(err, orm.ErrNotFound) {
				return fmt.Errorf("auth: user %q does not exist", name)
			}
			if err != nil {
				return err
			}
			p := newPrompter(inv)
			fmt.Fprintf(p.out, "Changing password for user '%s'\n", name)
			pw, err := m.askPassword(p, usr.AuthUser(), 3, false)
			if err != nil {
				return err
			}
			if err := usr.AuthUser().SetPassword(pw); err != nil {
				return err
			}
			if err := m.users.save(ctx, db, usr, "password"); err != nil {
				return err
			}
			_, err = fmt.Fprintf(inv.Stdout, "Password changed successfully for user '%s'\n", name)
			return err
		},
	}
}
