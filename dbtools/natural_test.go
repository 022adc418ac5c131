package dbtools

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/galvani-web/galvani/auth"
	"github.com/galvani-web/galvani/orm"
)

// naturalDB makes auth's tables on db with rows that give the objects of
// testdata/django_auth_natural_fixture.json other keys than they had in Django:
// permissions and a group and a user created first, in another order.
func naturalDB(t *testing.T, db *orm.DB) {
	t.Helper()
	ctx := context.Background()
	if err := orm.RegisterApps(auth.App); err != nil {
		t.Fatal(err)
	}
	if err := orm.CreateTables(ctx, db, auth.App.Models()...); err != nil {
		t.Fatal(err)
	}
	for _, p := range []auth.Permission{
		{Name: "Can view user", App: "auth", ModelName: "user", Codename: "view_user"},
		{Name: "Can delete group", App: "auth", ModelName: "group", Codename: "delete_group"},
		{Name: "Can change group", App: "auth", ModelName: "group", Codename: "change_group"},
		{Name: "Can add user", App: "auth", ModelName: "user", Codename: "add_user"},
	} {
		if err := db.Create(ctx, &p); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Create(ctx, &auth.Group{Name: "others"}); err != nil {
		t.Fatal(err)
	}
	if err := db.Create(ctx, &auth.User{AbstractUser: auth.AbstractUser{Username: "zed", IsActive: true}}); err != nil {
		t.Fatal(err)
	}
}

// withoutLocal drops the objects naturalDB made from a dump (and the primary keys
// of auth.permission objects, which a dump of auth.group and auth.user lacks).
func withoutLocal(t *testing.T, dump []byte) any {
	t.Helper()
	var objs []map[string]any
	if err := json.Unmarshal(dump, &objs); err != nil {
		t.Fatal(err)
	}
	var out []any
	for _, o := range objs {
		f := o["fields"].(map[string]any)
		if f["name"] == "others" || f["username"] == "zed" {
			continue
		}
		out = append(out, o)
	}
	return out
}

// TestDjangoNaturalKeyFixture loads groups and users that Django 3.2's dumpdata
// --natural-foreign --natural-primary exported (testdata/django/
// make_natural_fixture.py) into databases whose keys differ from Django's: the
// memberships and permissions follow the natural keys, loading again updates the
// same rows, and dumping with the same options gives Django's objects back.
func TestDjangoNaturalKeyFixture(t *testing.T) {
	want, err := os.ReadFile("testdata/django_auth_natural_fixture.json")
	if err != nil {
		t.Fatal(err)
	}
	eachBackend(t, func(t *testing.T, db *orm.DB, _ string) {
		ctx := context.Background()
		naturalDB(t, db)
		for round := range 2 {
			if n, err := LoadFiles(ctx, db, "testdata/django_auth_natural_fixture.json"); err != nil || n != 4 {
				t.Fatalf("round %d: LoadFiles = %d, %v", round, n, err)
			}
		}
		if n, err := orm.Q[auth.User](db).Count(ctx); err != nil || n != 3 {
			t.Fatalf("%d users after loading twice (%v), want zed, ada and grace", n, err)
		}
		ada, err := orm.Q[auth.User](db).PrefetchRelated("groups", "user_permissions").Get(ctx, "username", "ada")
		if err != nil {
			t.Fatal(err)
		}
		if !ada.CheckPassword("analytical-engine-1843") {
			t.Error("ada's Django password does not check")
		}
		var groups, perms []string
		for _, g := range ada.Groups.Items() {
			groups = append(groups, g.Name)
		}
		for _, p := range ada.UserPermissions.Items() {
			perms = append(perms, p.Codename)
		}
		if strings.Join(groups, ",") != "editors,readers" || strings.Join(perms, ",") != "view_user" {
			t.Errorf("ada's groups %v, permissions %v", groups, perms)
		}
		editors, err := orm.Q[auth.Group](db).PrefetchRelated("permissions").Get(ctx, "name", "editors")
		if err != nil {
			t.Fatal(err)
		}
		if ps := editors.Permissions.Items(); len(ps) != 2 || ps[0].Codename != "change_group" || ps[1].Codename != "add_user" {
			t.Errorf("editors' permissions %+v", ps)
		}
		groupsModel, _ := orm.ModelByLabel("auth.group")
		usersModel, _ := orm.ModelByLabel("auth.user")
		var got bytes.Buffer
		opts := DumpOptions{Models: []*orm.ModelInfo{groupsModel, usersModel}, Indent: 2, NaturalForeign: true, NaturalPrimary: true}
		if _, err := Dump(ctx, db, &got, opts); err != nil {
			t.Fatal(err)
		}
		var w any
		if err := json.Unmarshal(want, &w); err != nil {
			t.Fatal(err)
		}
		if g := withoutLocal(t, got.Bytes()); !reflect.DeepEqual(w, g) {
			t.Errorf("dumpdata --natural-foreign --natural-primary auth.group auth.user:\n%s\nwant (Django's):\n%s", got.String(), want)
		}
		// NaturalForeign alone keeps each object's own key.
		got.Reset()
		opts.NaturalPrimary = false
		if _, err := Dump(ctx, db, &got, opts); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(got.String(), `"pk": `) || !strings.Contains(got.String(), `"editors"`) {
			t.Errorf("--natural-foreign alone:\n%s", got.String())
		}
	})
}

// Objects may come before the rows their natural keys name, in any order: the
// loader puts them off until those rows are in.
func TestNaturalKeyForwardReferences(t *testing.T) {
	eachBackend(t, func(t *testing.T, db *orm.DB, _ string) {
		ctx := context.Background()
		naturalDB(t, db)
		fx := Fixture{Name: "forward.json", Data: []byte(`[
{"model": "auth.user", "fields": {"username": "ann", "password": "!", "is_active": true, "date_joined": "2026-01-01T00:00:00Z", "groups": [["late"], ["others"]], "user_permissions": []}},
{"model": "auth.group", "fields": {"name": "late", "permissions": [["add_user", "auth", "user"]]}}
]`)}
		if n, err := Load(ctx, db, fx); err != nil || n != 2 {
			t.Fatalf("Load = %d, %v", n, err)
		}
		ann, err := orm.Q[auth.User](db).PrefetchRelated("groups").Get(ctx, "username", "ann")
		if err != nil {
			t.Fatal(err)
		}
		if g := ann.Groups.Items(); len(g) != 2 || g[0].Name != "late" || g[1].Name != "others" {
			t.Errorf("ann's groups %+v", g)
		}
	})
}

func TestNaturalKeyErrors(t *testing.T) {
	ctx := context.Background()
	db := openURL(t, "sqlite::memory:")
	naturalDB(t, db)
	cases := []struct {
		name, data, want string
	}{
		{"a key that matches nothing",
			`[{"model": "auth.group", "fields": {"name": "g", "permissions": [["fly", "auth", "user"]]}}]`,
			`object 1 (auth.group): field "permissions": the natural key ["fly","auth","user"] matches no auth.permission`},
		{"a key of the wrong length",
			`[{"model": "auth.group", "fields": {"name": "g", "permissions": [["add_user"]]}}]`,
			`has 1 values; auth.permission's has 3 (codename, app, model_name)`},
		{"a key of the wrong type",
			`[{"model": "auth.group", "fields": {"name": "g", "permissions": [[1, 2, 3]]}}]`,
			`natural key value codename: is a number, want a string`},
		{"not a list",
			`[{"model": "auth.group", "fields": {"name": "g", "permissions": [{"codename": "add_user"}]}}]`,
			`field "permissions"`},
		{"a group that does not exist",
			`[{"model": "auth.user", "fields": {"username": "u", "password": "!", "date_joined": "2026-01-01T00:00:00Z", "groups": [["nobody"]]}}]`,
			`the natural key ["nobody"] matches no auth.group`},
	}
	for _, c := range cases {
		_, err := Load(ctx, db, Fixture{Name: "bad.json", Data: []byte(c.data)})
		var fe *FixtureError
		if !errors.As(err, &fe) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want a FixtureError with %q", c.name, err, c.want)
		}
	}
	if n, _ := orm.Q[auth.Group](db).Count(ctx); n != 1 {
		t.Errorf("%d groups after failed loads, want the one made before", n)
	}
}

// A natural key names a model without NaturalKeyFields: a clear error.
func TestNaturalKeyOfModelWithout(t *testing.T) {
	registerFixtureModels(t)
	m, _ := orm.ModelByLabel("fixtureapp.article")
	fx := Fixture{Name: "x.json", Data: []byte(`[{"model": "fixtureapp.article", "pk": 1, "fields": {"author": ["Ada"]}}]`)}
	_, err := DecodeFixture(fx)
	if err == nil || !strings.Contains(err.Error(), "has none (no NaturalKeyFields method)") {
		t.Errorf("%s with a natural key for its author: %v", m.Label(), err)
	}
}

// With NaturalForeign the models come in Django's dependency order, whatever
// order they were asked for in: groups before the users that refer to them by
// natural key. Without it the order given is kept.
func TestNaturalForeignDumpsDependenciesFirst(t *testing.T) {
	ctx := context.Background()
	db := openURL(t, "sqlite::memory:")
	naturalDB(t, db)
	users, _ := orm.ModelByLabel("auth.user")
	groups, _ := orm.ModelByLabel("auth.group")
	perms, _ := orm.ModelByLabel("auth.permission")
	order := func(opts DumpOptions) string {
		t.Helper()
		var b bytes.Buffer
		if _, err := Dump(ctx, db, &b, opts); err != nil {
			t.Fatal(err)
		}
		var objs []struct{ Model string }
		if err := json.Unmarshal(b.Bytes(), &objs); err != nil {
			t.Fatal(err)
		}
		var seen []string
		for _, o := range objs {
			if len(seen) == 0 || seen[len(seen)-1] != o.Model {
				seen = append(seen, o.Model)
			}
		}
		return strings.Join(seen, " ")
	}
	models := []*orm.ModelInfo{users, groups, perms}
	if got := order(DumpOptions{Models: models, NaturalForeign: true}); got != "auth.permission auth.group auth.user" {
		t.Errorf("natural foreign order: %s", got)
	}
	if got := order(DumpOptions{Models: models}); got != "auth.user auth.group auth.permission" {
		t.Errorf("plain order: %s", got)
	}
}
