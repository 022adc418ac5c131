package dbtools

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/galvani-web/galvani/orm"
)

// The models of testdata/django/fixtureapp/models.py (app "fixtureapp").
type Author struct {
	orm.Model
	Name string              `orm:"max_length=100"`
	Born orm.Null[time.Time] `orm:"date"`
}

type Tag struct {
	orm.Model
	Name string `orm:"unique,max_length=50"`
}

type Article struct {
	orm.Model
	Title     string `orm:"max_length=200"`
	Body      string `orm:"text"`
	Published time.Time
	Author    orm.FK[Author] `orm:"on_delete=cascade,related_name=articles"`
	Editor    orm.FK[Author] `orm:"null,on_delete=set_null,related_name=edited"`
	Price     orm.Decimal    `orm:"max_digits=10,decimal_places=2"`
	Rating    float64
	Views     int64
	Public    bool
	Code      orm.UUID
	Extra     json.RawMessage
	Blob      []byte
	Tags      orm.M2M[Tag] `orm:"related_name=articles"`
}

// Note has what the Django models lack: defaults, pointers, a string key, a small int.
type Note struct {
	Slug   string `orm:"pk,max_length=20"`
	Text   *string
	Rank   int8            `orm:"default=7"`
	Status string          `orm:"max_length=10,default=draft"`
	About  orm.FK[Article] `orm:"null,on_delete=cascade,related_name=notes"`
}

var fixtureOnce sync.Once

func registerFixtureModels(t testing.TB) {
	fixtureOnce.Do(func() {
		if err := orm.RegisterModels("fixtureapp", Author{}, Tag{}, Article{}); err != nil {
			panic(err)
		}
		if err := orm.RegisterModels("fxextra", Note{}); err != nil {
			panic(err)
		}
	})
}

func createFixtureTables(t *testing.T, db *orm.DB) {
	t.Helper()
	registerFixtureModels(t)
	if err := orm.CreateTables(context.Background(), db, Author{}, Tag{}, Article{}, Note{}); err != nil {
		t.Fatal(err)
	}
}

func fixtureModels(t *testing.T) []*orm.ModelInfo {
	return orm.Models("fixtureapp")
}

// TestDjangoFixtureRoundTrip loads the fixture Django 3.2's dumpdata wrote
// (testdata/django/make_fixture.py) and dumps it back: the same bytes, indented
// and compact, on every database.
func TestDjangoFixtureRoundTrip(t *testing.T) {
	want, err := os.ReadFile("testdata/django_fixture.json")
	if err != nil {
		t.Fatal(err)
	}
	wantCompact, err := os.ReadFile("testdata/django_fixture_compact.json")
	if err != nil {
		t.Fatal(err)
	}
	eachBackend(t, func(t *testing.T, db *orm.DB, _ string) {
		ctx := context.Background()
		createFixtureTables(t, db)
		n, err := LoadFiles(ctx, db, "testdata/django_fixture.json")
		if err != nil {
			t.Fatal(err)
		}
		if n != 7 {
			t.Errorf("loaded %d objects, want 7", n)
		}
		var got bytes.Buffer
		if _, err := Dump(ctx, db, &got, DumpOptions{Models: fixtureModels(t), Indent: 2}); err != nil {
			t.Fatal(err)
		}
		if got.String() != string(want) {
			t.Errorf("dumpdata --indent 2 differs from Django's:\n%s", lineDiff(string(want), got.String()))
		}
		got.Reset()
		if _, err := Dump(ctx, db, &got, DumpOptions{Models: fixtureModels(t)}); err != nil {
			t.Fatal(err)
		}
		if got.String() != string(wantCompact) {
			t.Errorf("dumpdata differs from Django's:\n%s", lineDiff(string(wantCompact), got.String()))
		}
		// the objects are what Django stored
		a, err := orm.Q[Article](db).Filter("id", 1).Get(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if a.Published != time.Date(2026, 3, 14, 15, 9, 26, 535e6, time.UTC) || a.Author.ID() != 1 || a.Editor.ID() != 2 ||
			a.Price.String() != "12.50" || a.Views != 9007199254740993 || a.Code.String() != "6f1c2f4e-3c5a-4b7e-9d2a-0123456789ab" ||
			string(a.Blob) != "\x00\x01binary\xff" {
			t.Errorf("article 1 = %+v", a)
		}
		// loading again updates in place: nothing doubles
		if _, err := LoadFiles(ctx, db, "testdata/django_fixture_compact.json"); err != nil {
			t.Fatal(err)
		}
		if c, _ := orm.Q[Tag](db).Count(ctx); c != 3 {
			t.Errorf("%d tags after loading twice, want 3", c)
		}
		// the key sequences moved past the loaded keys
		tag := &Tag{Name: "new"}
		if err := db.Create(ctx, tag); err != nil {
			t.Fatalf("insert after loading: %v", err)
		}
		if tag.ID != 4 {
			t.Errorf("new tag got id %d, want 4", tag.ID)
		}
	})
}

// lineDiff shows the first differing line of two texts.
func lineDiff(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(wl) || i < len(gl); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return fmt.Sprintf("line %d:\n want %s\n  got %s", i+1, w, g)
		}
	}
	return "(same lines; different line endings?)"
}

func TestLoadDefaultsKeysAndForwardReferences(t *testing.T) {
	eachBackend(t, func(t *testing.T, db *orm.DB, _ string) {
		ctx := context.Background()
		createFixtureTables(t, db)
		// the note comes before the article it points at, the article before its author
		fx := Fixture{Name: "mixed.json", Data: []byte(`[
  {"model": "fxextra.note", "pk": "first", "fields": {"about": 10}},
  {"model": "fxextra.note", "pk": "second", "fields": {"text": "hi", "rank": "3", "status": "done"}},
  {"model": "fixtureapp.article", "pk": 10, "fields": {"title": "t", "body": "", "published": "2026-01-02 03:04:05",
    "author": 5, "price": 3, "rating": 1, "views": "12", "public": "True", "code": "00000000000000000000000000000002", "extra": {"k": 1}, "blob": "", "tags": []}},
  {"model": "fixtureapp.author", "pk": 5, "fields": {"name": "A", "born": "1990-02-03"}}
]`)}
		if n, err := Load(ctx, db, fx); err != nil || n != 4 {
			t.Fatalf("Load = %d, %v", n, err)
		}
		first, err := orm.Q[Note](db).Filter("slug", "first").Get(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if first.Rank != 7 || first.Status != "draft" || first.Text != nil || first.About.ID() != 10 {
			t.Errorf("first = %+v; want the defaults", first)
		}
		second, err := orm.Q[Note](db).Filter("slug", "second").Get(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if second.Rank != 3 || second.Status != "done" || second.Text == nil || *second.Text != "hi" || second.About.Valid() {
			t.Errorf("second = %+v", second)
		}
		a, err := orm.Q[Article](db).Filter("id", 10).Get(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if a.Published != time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) || !a.Public || a.Views != 12 || a.Price.String() != "3.00" {
			t.Errorf("article = %+v", a)
		}
		var out bytes.Buffer
		if _, err := Dump(ctx, db, &out, DumpOptions{Models: orm.Models("fxextra")}); err != nil {
			t.Fatal(err)
		}
		want := `[{"model": "fxextra.note", "pk": "first", "fields": {"text": null, "rank": 7, "status": "draft", "about": 10}}, ` +
			`{"model": "fxextra.note", "pk": "second", "fields": {"text": "hi", "rank": 3, "status": "done", "about": null}}]`
		if out.String() != want {
			t.Errorf("dump:\n got %s\nwant %s", out.String(), want)
		}
	})
}

func TestLoadErrorsNameFileAndObject(t *testing.T) {
	eachBackend(t, func(t *testing.T, db *orm.DB, _ string) {
		ctx := context.Background()
		createFixtureTables(t, db)
		author := `{"model": "fixtureapp.author", "pk": 1, "fields": {"name": "A"}}`
		cases := []struct{ name, data, want string }{
			{"notjson.json", `{"model"`, "fixture notjson.json:1: a fixture is a JSON list"},
			{"syntax.json", "[\n" + author + ",\n{\"model\": }]", "fixture syntax.json:3: object 2: invalid character"},
			{"truncated.json", "[\n" + author, "fixture truncated.json:2: unexpected end of the file"},
			{"nomodel.json", `[{"pk": 1}]`, `object 1: the object has no "model"`},
			{"unknown.json", "[\n" + author + ",\n" + `{"model": "nope.thing", "pk": 1, "fields": {}}]`, "fixture unknown.json:3: object 2 (nope.thing): no such model"},
			{"field.json", `[{"model": "fixtureapp.author", "pk": 1, "fields": {"nmae": "A"}}]`, `object 1 (fixtureapp.author pk=1): field "nmae": fixtureapp.Author has no such field (fields: id, name, born)`},
			{"type.json", `[{"model": "fixtureapp.author", "pk": 1, "fields": {"name": 5}}]`, `field "name": is a number, want a string`},
			{"null.json", `[{"model": "fixtureapp.author", "pk": 1, "fields": {"name": null}}]`, `field "name": is null, but the field is not nullable`},
			{"date.json", `[{"model": "fixtureapp.author", "pk": 1, "fields": {"name": "A", "born": "yesterday"}}]`, `field "born": "yesterday" is not a date`},
			{"natural.json", `[{"model": "fxextra.note", "pk": "n", "fields": {"about": ["x"]}}]`, `field "about": is a natural key`},
			{"dangling.json", `[{"model": "fxextra.note", "pk": "n", "fields": {"about": 99}}]`, `loaddata: dangling.json: object 1: fxextra.note pk=n: field "about" points at fixtureapp.article pk=99, which does not exist`},
			{"m2m.json", `[{"model": "fixtureapp.tag", "pk": 1, "fields": {"name": "x"}}, {"model": "fixtureapp.article", "pk": 1, "fields": {"title": "t", "body": "", "published": "2026-01-01T00:00:00Z", "author": 1, "price": "1", "rating": 1, "views": 1, "public": true, "code": "00000000-0000-0000-0000-000000000001", "extra": 1, "blob": "", "tags": [1, 2]}}, ` + author + `]`, `field "tags" lists fixtureapp.tag pk=2, which does not exist`},
			{"overflow.json", `[{"model": "fxextra.note", "pk": "n", "fields": {"rank": 300}}]`, `field "rank": 300 does not fit a int8`},
			{"trailing.json", `[] []`, "text after the closing ]"},
		}
		for _, c := range cases {
			_, err := Load(ctx, db, Fixture{Name: c.name, Data: []byte(c.data)})
			var fe *FixtureError
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%s: err = %v\nwant it to contain %q", c.name, err, c.want)
			} else if !errors.As(err, &fe) && !strings.Contains(c.want, "loaddata:") && !strings.Contains(c.want, "lists") {
				t.Errorf("%s: %T is not a *FixtureError", c.name, err)
			}
		}
		// nothing of the failed loads stayed
		if n, _ := orm.Q[Author](db).Count(ctx); n != 0 {
			t.Errorf("%d authors left behind by failed loads", n)
		}
	})
}

func TestPyFloat(t *testing.T) {
	for f, want := range map[float64]string{
		4: "4.0", 1e-07: "1e-07", 0.0001: "0.0001", 1e16: "1e+16", 1234567890123456: "1234567890123456.0",
		-2.5: "-2.5", 0.1: "0.1", 123456789012345678: "1.2345678901234568e+17", 1e100: "1e+100",
	} {
		if got, err := pyFloat(f); err != nil || got != want {
			t.Errorf("pyFloat(%v) = %q, %v; want %q", f, got, err, want)
		}
	}
}

func FuzzDecodeFixture(f *testing.F) {
	registerFixtureModels(f)
	for _, s := range []string{
		`[]`, `[{"model": "fixtureapp.author", "pk": 1, "fields": {"name": "A", "born": "2020-01-01"}}]`,
		`[{"model": "fixtureapp.article", "pk": 1, "fields": {"title": "t", "tags": [1, "2"], "price": "1.5", "code": "x", "extra": {"a": [1]}, "blob": "AA=="}}]`,
		`[{"model": "fxextra.note", "pk": "n", "fields": {"rank": -128, "about": null}}]`, `{`, `[1, 2]`, `[{"model": 5}]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		objs, err := DecodeFixture(Fixture{Name: "fuzz.json", Data: data})
		if err != nil {
			var fe *FixtureError
			if !errors.As(err, &fe) || fe.Fixture != "fuzz.json" {
				t.Fatalf("error %v (%T) does not name the fixture", err, err)
			}
			return
		}
		for _, o := range objs {
			if _, err := orm.PKValue(o); err != nil {
				t.Fatal(err)
			}
		}
	})
}
