package auth

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/migrate"
	"github.com/galvani-web/galvani/orm"
)

// The shipped migrations create tables the models work with, match the models
// (makemigrations finds no changes), and migrate creates the permissions.
func TestMigrations(t *testing.T) {
	registerModels(t)
	ctx := context.Background()
	url := "sqlite:///" + filepath.Join(t.TempDir(), "migrated.db")
	m := New[User](Options{})
	app := galvani.New(galvani.Settings{DatabaseURL: url, SecretKey: "migrations-test-secret"}, m, migrate.App)
	run := func(args ...string) string {
		t.Helper()
		var out bytes.Buffer
		if err := app.RunCommandIO(ctx, args, strings.NewReader(""), &out, &out); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out.String())
		}
		return out.String()
	}
	if out := run("makemigrations", "--check", "auth"); !strings.Contains(out, "No changes detected") {
		t.Fatalf("the auth models differ from their migrations:\n%s", out)
	}
	out := run("migrate")
	for _, want := range []string{"Applying auth.0001_initial", "Applying auth.0002_user", "Created "} {
		if !strings.Contains(out, want) {
			t.Errorf("migrate output lacks %q:\n%s", want, out)
		}
	}
	if out := run("migrate"); strings.Contains(out, "Created ") {
		t.Errorf("second migrate created permissions again:\n%s", out)
	}

	db, err := orm.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	p, err := GetPermission(ctx, db, "auth.view_user")
	if err != nil || p.Name != "Can view user" {
		t.Fatalf("permission after migrate: %+v %v", p, err)
	}
	u := &User{AbstractUser: AbstractUser{Username: "migrated"}}
	if err := m.CreateUser(ctx, db, u, goodPassword); err != nil {
		t.Fatal(err)
	}
	if err := m.UserPermissions(db, u).Add(ctx, p); err != nil {
		t.Fatal(err)
	}
	keys, err := m.PermissionKeys(ctx, db, u)
	if err != nil || !keys["auth.view_user"] {
		t.Fatalf("permissions on migrated tables: %v %v", keys, err)
	}
}

type otherUser struct {
	AbstractUser
}

func TestMigrationsWithCustomUserModel(t *testing.T) {
	if n := len(New[otherUser](Options{}).Migrations()); n != 1 {
		t.Fatalf("a custom user model gets %d auth migrations, want 1 (Permission and Group)", n)
	}
	if n := len(New[User](Options{}).Migrations()); n != 2 {
		t.Fatalf("the default user model gets %d auth migrations, want 2", n)
	}
}
