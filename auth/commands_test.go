package auth

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/galvani-web/galvani"
)

func (e *env) run(stdin string, args ...string) (string, string, error) {
	var out, errOut bytes.Buffer
	err := e.app.RunCommandIO(context.Background(), args, strings.NewReader(stdin), &out, &errOut)
	return out.String(), errOut.String(), err
}

func TestCreateSuperuserNoInput(t *testing.T) {
	e := newEnv(t, Options{})
	t.Setenv(EnvSuperuserPassword, "super-secret-phrase")
	t.Setenv(EnvSuperuserEmail, "root@EXAMPLE.com")
	out, _, err := e.run("", "createsuperuser", "--no-input", "--username", "root")
	if err != nil || !strings.Contains(out, "Superuser created successfully.") {
		t.Fatalf("%q %v", out, err)
	}
	u, err := e.m.GetUser(context.Background(), e.db, "root")
	if err != nil {
		t.Fatal(err)
	}
	au := u.AuthUser()
	if !au.IsSuperuser || !au.IsStaff || !au.IsActive || au.Email != "root@example.com" || !au.CheckPassword("super-secret-phrase") {
		t.Fatalf("superuser %+v", au)
	}
	e.login(e.client(), "root", "super-secret-phrase").AssertRedirect("/")

	// From the environment alone.
	t.Setenv(EnvSuperuserUsername, "envroot")
	if _, _, err := e.run("", "createsuperuser", "--no-input"); err != nil {
		t.Fatal(err)
	}
	// Taken username, bad username, weak password, missing username.
	if _, _, err := e.run("", "createsuperuser", "--no-input", "--username", "root"); !errors.Is(err, ErrUsernameTaken) {
		t.Errorf("taken: %v", err)
	}
	if _, _, err := e.run("", "createsuperuser", "--no-input", "--username", "bad name!"); err == nil {
		t.Error("invalid username accepted")
	}
	t.Setenv(EnvSuperuserPassword, "123")
	if _, _, err := e.run("", "createsuperuser", "--no-input", "--username", "weak"); err == nil || !strings.Contains(err.Error(), "too short") {
		t.Errorf("weak password: %v", err)
	}
	t.Setenv(EnvSuperuserUsername, "")
	if _, _, err := e.run("", "createsuperuser", "--no-input"); !errors.Is(err, galvani.ErrUsage) {
		t.Errorf("missing username: %v", err)
	}
	// Without a password the account cannot log in with one.
	t.Setenv(EnvSuperuserPassword, "")
	if _, _, err := e.run("", "createsuperuser", "--no-input", "--username", "nopw"); err != nil {
		t.Fatal(err)
	}
	np, _ := e.m.GetUser(context.Background(), e.db, "nopw")
	if np.AuthUser().HasUsablePassword() {
		t.Error("no-input superuser without a password has a usable one")
	}
}

func TestCreateSuperuserInteractive(t *testing.T) {
	e := newEnv(t, Options{})
	e.user("taken", goodPassword)
	// A taken name, an invalid one, then a good one; mismatched passwords; a weak
	// password refused; then a good one.
	stdin := strings.Join([]string{"taken", "bad name", "ada", "ada@example.com",
		"first-phrase-1", "other-phrase-2",
		"123", "123", "n",
		"lovelace-engine-1843", "lovelace-engine-1843", ""}, "\n")
	out, errOut, err := e.run(stdin, "createsuperuser")
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	for _, want := range []string{"That username is already taken.", "enter a valid username", "didn't match", "too short", "Bypass password validation"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("prompts lack %q:\n%s", want, errOut)
		}
	}
	if !strings.Contains(out, "Superuser created") {
		t.Errorf("out %q", out)
	}
	e.login(e.client(), "ada", "lovelace-engine-1843").AssertRedirect("/")

	// Bypassing validation on request.
	if _, errOut, err := e.run("weakling\n\n1234\n1234\ny\n", "createsuperuser"); err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	// Input ending early is an error, not a loop.
	if _, _, err := e.run("someone\n", "createsuperuser"); err == nil {
		t.Error("truncated input accepted")
	}
}

func TestChangePasswordCommand(t *testing.T) {
	e := newEnv(t, Options{})
	e.user("bea", goodPassword)
	out, errOut, err := e.run("short\nshort\nnew-phrase-for-bea\nnew-phrase-for-bea\n", "changepassword", "bea")
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	if !strings.Contains(errOut, "too short") || !strings.Contains(out, "Password changed successfully for user 'bea'") {
		t.Errorf("out %q err %q", out, errOut)
	}
	e.login(e.client(), "bea", "new-phrase-for-bea").AssertRedirect("/")
	if _, _, err := e.run("a\nb\nc\nd\ne\nf\n", "changepassword", "bea"); err == nil || !strings.Contains(err.Error(), "too many attempts") {
		t.Errorf("three mismatches: %v", err)
	}
	if _, _, err := e.run("", "changepassword", "ghost"); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("unknown user: %v", err)
	}
	if _, _, err := e.run("", "changepassword", "a", "b"); !errors.Is(err, galvani.ErrUsage) {
		t.Errorf("two args: %v", err)
	}
}
