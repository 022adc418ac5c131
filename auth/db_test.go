package auth

import (
	"context"
	"database/sql"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/internal/testdb"
	"github.com/galvani-web/galvani/orm"
)

var authModels = []any{Permission{}, Group{}, User{}, Article{}}

// serverDB opens the package's own database (galvani_auth) on PostgreSQL or
// MariaDB, creating it when missing, with fresh auth tables.
func serverDB(t *testing.T, kind string) *orm.DB {
	t.Helper()
	registerModels(t)
	ctx := context.Background()
	var url string
	switch kind {
	case "postgres":
		u := testdb.PostgresAddr(t)
		admin, err := sql.Open("pgx", u.String())
		if err != nil {
			t.Fatal(err)
		}
		var one int
		if admin.QueryRow("SELECT 1 FROM pg_database WHERE datname = '"+testdb.Name("galvani_auth")+"'").Scan(&one) == sql.ErrNoRows {
			if _, err := admin.Exec("CREATE DATABASE " + testdb.Name("galvani_auth")); err != nil {
				admin.Close()
				t.Fatal(err)
			}
		}
		admin.Close()
		v := *u
		v.Path = "/" + testdb.Name("galvani_auth")
		url = v.String()
	case "mysql":
		addr := testdb.MySQLAddr(t)
		admin, err := orm.Open(ctx, "mysql://root@"+addr+"/")
		if err != nil {
			t.Fatal(err)
		}
		_, err = admin.Exec(ctx, "CREATE DATABASE IF NOT EXISTS "+testdb.Name("galvani_auth")+" CHARACTER SET utf8mb4 COLLATE utf8mb4_bin")
		admin.Close()
		if err != nil {
			t.Fatal(err)
		}
		url = "mysql://root@" + addr + "/" + testdb.Name("galvani_auth")
	}
	db, err := orm.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := orm.DropTables(ctx, db, authModels...); err != nil {
		t.Fatal(err)
	}
	if err := orm.CreateTables(ctx, db, authModels...); err != nil {
		t.Fatal(err)
	}
	return db
}

// The model layer on every database: users, unique usernames, groups, permissions
// through groups, SyncPermissions, authentication with hash upgrade.
func TestModelsOnDatabases(t *testing.T) {
	for _, kind := range []string{"sqlite", "postgres", "mysql"} {
		t.Run(kind, func(t *testing.T) {
			var db *orm.DB
			if kind == "sqlite" {
				db = openSQLite(t)
			} else {
				db = serverDB(t, kind)
			}
			testModels(t, db)
		})
	}
}

func testModels(t *testing.T, db *orm.DB) {
	ctx := context.Background()
	m := New[User](Options{DB: db})
	m.UseSettings(&galvani.Settings{SecretKey: "db-test-secret"})

	n, err := SyncPermissions(ctx, db)
	if err != nil || n < 17 {
		t.Fatalf("SyncPermissions: %d %v", n, err)
	}
	if n, err := SyncPermissions(ctx, db); err != nil || n != 0 {
		t.Fatalf("second SyncPermissions: %d %v", n, err)
	}

	ann := &User{AbstractUser: AbstractUser{Username: "ann", Email: "Ann@Example.COM", FirstName: "Ann"}}
	if err := m.CreateUser(ctx, db, ann, goodPassword); err != nil {
		t.Fatal(err)
	}
	if ann.ID == 0 || ann.Email != "Ann@example.com" || !ann.IsActive || ann.DateJoined.IsZero() {
		t.Fatalf("created %+v", ann.AbstractUser)
	}
	if err := m.CreateUser(ctx, db, &User{AbstractUser: AbstractUser{Username: "ann"}}, "x"); !errors.Is(err, ErrUsernameTaken) {
		t.Fatalf("duplicate username: %v", err)
	}
	// The database enforces it too.
	dup := &User{AbstractUser: AbstractUser{Username: "ann", Password: "x", IsActive: true}}
	if err := db.Create(ctx, dup); err == nil {
		t.Fatal("database accepted a duplicate username")
	}
	got, err := m.GetUser(ctx, db, "ann")
	if err != nil || got.AuthUser().ID != ann.ID || got.AuthUser().FullName() != "Ann" {
		t.Fatalf("GetUser: %+v %v", got, err)
	}

	g := &Group{Name: "editors"}
	if err := db.Create(ctx, g); err != nil {
		t.Fatal(err)
	}
	add, err := GetPermission(ctx, db, "blog.add_article")
	if err != nil {
		t.Fatal(err)
	}
	pub, err := GetPermission(ctx, db, "blog.publish_article")
	if err != nil {
		t.Fatal(err)
	}
	if err := orm.Related[Permission](db, g, "permissions").Add(ctx, add); err != nil {
		t.Fatal(err)
	}
	if err := m.UserGroups(db, ann).Add(ctx, g); err != nil {
		t.Fatal(err)
	}
	if err := m.UserPermissions(db, ann).Add(ctx, pub); err != nil {
		t.Fatal(err)
	}
	keys, err := m.PermissionKeys(ctx, db, ann)
	if err != nil || len(keys) != 2 || !keys["blog.add_article"] || !keys["blog.publish_article"] {
		t.Fatalf("PermissionKeys: %v %v", keys, err)
	}
	// Who has a permission, through the reverse relations.
	holders, err := orm.Q[User](db).Filter("groups__permissions__codename", "add_article").All(ctx)
	if err != nil || len(holders) != 1 || holders[0].Username != "ann" {
		t.Fatalf("users through group permissions: %v %v", holders, err)
	}

	// Authentication, with the hash upgraded from old parameters.
	old, _ := PBKDF2Hasher{Iterations: 600}.Encode(goodPassword)
	ann.Password = old
	if err := m.SaveUser(ctx, db, ann, "password"); err != nil {
		t.Fatal(err)
	}
	var r *http.Request
	m.Middleware(http.HandlerFunc(func(_ http.ResponseWriter, req *http.Request) { r = req })).ServeHTTP(nil, (&http.Request{Method: "GET"}).WithContext(ctx))
	if _, err := m.Authenticate(r, "ann", "wrong-password"); !errors.Is(err, ErrInvalidCredentials) {
		t.Fatalf("wrong password: %v", err)
	}
	if _, err := m.Authenticate(r, "nobody", goodPassword); !errors.Is(err, ErrInvalidCredentials) {
		t.Fatalf("unknown user: %v", err)
	}
	u, err := m.Authenticate(r, "ann@example.com", goodPassword)
	if err != nil || u.AuthUser().ID != ann.ID {
		t.Fatalf("login by email: %v %v", u, err)
	}
	fresh, _ := m.GetUser(ctx, db, "ann")
	if fresh.AuthUser().Password == old || !CheckPassword(goodPassword, fresh.AuthUser().Password) {
		t.Fatal("hash not upgraded")
	}
	ok, err := m.HasPerm(r, fresh, "blog.add_article", nil)
	if err != nil || !ok {
		t.Fatalf("HasPerm through group: %v %v", ok, err)
	}

	// last_login round-trips (seconds precision is enough for reset tokens).
	now := time.Now().UTC().Truncate(time.Second)
	ann.LastLogin = &now
	if err := m.SaveUser(ctx, db, ann, "last_login"); err != nil {
		t.Fatal(err)
	}
	back, _ := m.GetUser(ctx, db, "ann")
	if ll := back.AuthUser().LastLogin; ll == nil || !ll.Equal(now) {
		t.Fatalf("last_login %v, want %v", ll, now)
	}

	// Deleting a group removes its memberships, not the users.
	if _, err := db.Delete(ctx, g); err != nil {
		t.Fatal(err)
	}
	if gs, err := m.UserGroups(db, ann).All(ctx); err != nil || len(gs) != 0 {
		t.Fatalf("groups after delete: %v %v", gs, err)
	}
}

// Hostile input reaches the database only as clean values: NUL bytes and invalid
// UTF-8 (which PostgreSQL refuses) get the normal failure, not a 500.
func TestHostileInputOnDatabases(t *testing.T) {
	for _, kind := range []string{"sqlite", "postgres", "mysql"} {
		t.Run(kind, func(t *testing.T) {
			var db *orm.DB
			if kind == "sqlite" {
				db = openSQLite(t)
			} else {
				db = serverDB(t, kind)
			}
			e := newEnv(t, Options{DB: db})
			c := e.client()
			for _, body := range []string{"username=oz%00zy&password=x", "username=%ff%fe&password=x", "username=a%40b%00.c&password=x"} {
				c.Post("/accounts/login/", "application/x-www-form-urlencoded", strings.NewReader(body)).
					AssertStatus(200).AssertContains("Please enter a correct username and password")
			}
			for _, email := range []string{"a%00@example.com", "%ff@example.com"} {
				c.Post("/accounts/password_reset/", "application/x-www-form-urlencoded", strings.NewReader("email="+email)).AssertStatus(200)
			}
		})
	}
}
