package dbtools

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"reflect"
	"testing"

	"github.com/galvani-web/galvani/auth"
	"github.com/galvani-web/galvani/orm"
)

// TestDjangoAuthFixture loads users and groups that Django 3.2's dumpdata exported
// from django.contrib.auth (testdata/django/make_fixture.py): the users log in with
// their Django passwords, and dumpdata gives the same objects back.
func TestDjangoAuthFixture(t *testing.T) {
	want, err := os.ReadFile("testdata/django_auth_fixture.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := orm.RegisterApps(auth.App); err != nil {
		t.Fatal(err)
	}
	eachBackend(t, func(t *testing.T, db *orm.DB, _ string) {
		ctx := context.Background()
		if err := orm.CreateTables(ctx, db, auth.App.Models()...); err != nil {
			t.Fatal(err)
		}
		if n, err := LoadFiles(ctx, db, "testdata/django_auth_fixture.json"); err != nil || n != 4 {
			t.Fatalf("LoadFiles = %d, %v", n, err)
		}
		ada, err := orm.Q[auth.User](db).PrefetchRelated("groups").Get(ctx, "username", "ada")
		if err != nil {
			t.Fatal(err)
		}
		if !ada.CheckPassword("analytical-engine-1843") || ada.CheckPassword("wrong") {
			t.Error("Django's password hash of ada does not check")
		}
		if g := ada.Groups.Items(); len(g) != 1 || g[0].Name != "editors" || ada.LastLogin == nil || ada.IsSuperuser {
			t.Errorf("ada = %+v, groups %v", ada.AbstractUser, g)
		}
		root, err := orm.Q[auth.User](db).Get(ctx, "username", "root")
		if err != nil || !root.CheckPassword("correct horse battery staple") || !root.IsSuperuser || !root.IsStaff || root.LastLogin != nil {
			t.Errorf("root = %+v, %v", root, err)
		}
		groups, _ := orm.ModelByLabel("auth.group")
		users, _ := orm.ModelByLabel("auth.user")
		var got bytes.Buffer
		if _, err := Dump(ctx, db, &got, DumpOptions{Models: []*orm.ModelInfo{groups, users}, Indent: 2}); err != nil {
			t.Fatal(err)
		}
		// the fields come in Galvani's declaration order, so compare the objects
		var w, g any
		if err := json.Unmarshal(want, &w); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(got.Bytes(), &g); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(w, g) {
			t.Errorf("dumpdata auth.group auth.user:\n%s\nwant (Django's):\n%s", got.String(), want)
		}
	})
}
