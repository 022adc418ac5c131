package migrate

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/galvani-web/galvani/orm"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// answers is a scripted Questioner.
type answers struct {
	renames bool
	fills   map[string]string
	asked   []string
}

func (a *answers) AskRename(what, old, nw string) (bool, error) {
	a.asked = append(a.asked, fmt.Sprintf("rename %s %s->%s", what, old, nw))
	return a.renames, nil
}

func (a *answers) AskFill(label string, notNull bool) (string, error) {
	a.asked = append(a.asked, "fill "+label)
	v, ok := a.fills[label]
	if !ok {
		return "", fmt.Errorf("field %s: %w", label, ErrNeedsDefault)
	}
	return v, nil
}

func id() *Field { return &Field{Name: "id", Kind: orm.KindBigInt, PK: true, Auto: true} }

func stateOf(t *testing.T, ops ...Operation) *State {
	t.Helper()
	s := NewState()
	for _, op := range ops {
		if err := op.State(s); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

func author() *CreateModel {
	return &CreateModel{App: "people", Name: "Author", Table: "people_author", Fields: []*Field{
		id(), {Name: "name", Kind: orm.KindVarchar, MaxLength: 100}, {Name: "age", Kind: orm.KindInt, Null: true},
	}}
}

func post() *CreateModel {
	return &CreateModel{App: "blog", Name: "Post", Table: "blog_post", Fields: []*Field{
		id(), {Name: "title", Kind: orm.KindVarchar, MaxLength: 200},
		{Name: "author", Kind: orm.KindFK, To: "people.Author", OnDelete: orm.Cascade, Index: true, RelatedName: "posts"},
	}}
}

func describe(ops map[string][]Operation) []string {
	var out []string
	for _, app := range []string{"blog", "people"} {
		for _, op := range ops[app] {
			out = append(out, app+": "+op.Describe())
		}
	}
	return out
}

func TestAutodetector(t *testing.T) {
	base := func(t *testing.T) *State { return stateOf(t, author(), post()) }
	cases := []struct {
		name   string
		change func(s *State)
		q      answers
		from   []Index // indexes of blog.Post before the change
		want   []string
		err    string
	}{
		{name: "unchanged", change: func(*State) {}, want: nil},
		{name: "create model", change: func(s *State) {
			(&CreateModel{App: "blog", Name: "Tag", Table: "blog_tag", Fields: []*Field{id(), {Name: "name", Kind: orm.KindVarchar, MaxLength: 30, Unique: true}}}).State(s)
		}, want: []string{"blog: Create model blog.Tag"}},
		{name: "delete model", change: func(s *State) { delete(s.Models, "blog.post") }, want: []string{"blog: Delete model blog.Post"}},
		{name: "add nullable field", change: func(s *State) {
			s.Models["people.author"].Fields = append(s.Models["people.author"].Fields, &Field{Name: "bio", Kind: orm.KindText, Null: true})
		}, want: []string{"people: Add field bio to people.Author"}},
		{name: "add not null field asks for a value", change: func(s *State) {
			s.Models["people.author"].Fields = append(s.Models["people.author"].Fields, &Field{Name: "email", Kind: orm.KindVarchar, MaxLength: 100})
		}, q: answers{fills: map[string]string{"people.Author.email": "x@example.com"}}, want: []string{"people: Add field email to people.Author"}},
		{name: "add not null field without answer fails", change: func(s *State) {
			s.Models["people.author"].Fields = append(s.Models["people.author"].Fields, &Field{Name: "email", Kind: orm.KindVarchar, MaxLength: 100})
		}, err: "needs a default"},
		{name: "add field with default asks nothing", change: func(s *State) {
			s.Models["people.author"].Fields = append(s.Models["people.author"].Fields, &Field{Name: "karma", Kind: orm.KindInt, HasDefault: true, Default: "0"})
		}, want: []string{"people: Add field karma to people.Author"}},
		{name: "remove field", change: func(s *State) {
			s.Models["people.author"].Fields = s.Models["people.author"].Fields[:2]
		}, want: []string{"people: Remove field age from people.Author"}},
		{name: "alter type", change: func(s *State) { s.Models["people.author"].Fields[2].Kind = orm.KindBigInt },
			want: []string{"people: Alter field age on people.Author"}},
		{name: "alter max_length", change: func(s *State) { s.Models["people.author"].Fields[1].MaxLength = 150 },
			want: []string{"people: Alter field name on people.Author"}},
		{name: "alter default", change: func(s *State) {
			f := s.Models["people.author"].Fields[1]
			f.HasDefault, f.Default = true, "anon"
		}, want: []string{"people: Alter field name on people.Author"}},
		{name: "alter unique and index", change: func(s *State) {
			s.Models["people.author"].Fields[1].Unique = true
			s.Models["people.author"].Fields[2].Index = true
		}, want: []string{"people: Alter field name on people.Author", "people: Alter field age on people.Author"}},
		{name: "alter null to not null asks", change: func(s *State) { s.Models["people.author"].Fields[2].Null = false },
			q: answers{fills: map[string]string{"people.Author.age": "18"}}, want: []string{"people: Alter field age on people.Author"}},
		{name: "rename field confirmed", change: func(s *State) { s.Models["people.author"].Fields[1].Name = "full_name" },
			q: answers{renames: true}, want: []string{"people: Rename field name on people.Author to full_name"}},
		{name: "rename field declined is remove and add", change: func(s *State) { s.Models["people.author"].Fields[1].Name = "full_name" },
			q: answers{fills: map[string]string{"people.Author.full_name": "?"}}, want: []string{"people: Remove field name from people.Author", "people: Add field full_name to people.Author"}},
		{name: "rename model confirmed, FK follows", change: func(s *State) {
			m := s.Models["people.author"]
			delete(s.Models, "people.author")
			m.Name, m.Table = "Writer", "people_writer"
			s.Models["people.writer"] = m
			s.Models["blog.post"].Fields[2].To = "people.Writer"
		}, q: answers{renames: true}, want: []string{"people: Rename model people.Author to Writer"}},
		{name: "ambiguous rename is not offered", change: func(s *State) {
			m := s.Models["people.author"]
			m.Fields = append(m.Fields, &Field{Name: "a", Kind: orm.KindInt, Null: true}, &Field{Name: "b", Kind: orm.KindInt, Null: true})
		}, q: answers{renames: true}, want: []string{"people: Add field a to people.Author", "people: Add field b to people.Author"}},
		{name: "add index and unique constraint", change: func(s *State) {
			s.Models["blog.post"].Indexes = []Index{{Fields: []string{"title", "author"}}, {Fields: []string{"author", "title"}, Unique: true}}
		}, want: []string{"blog: Add index on blog.Post (title, author)", "blog: Add unique constraint on blog.Post (author, title)"}},
		{name: "M2M added", change: func(s *State) {
			s.Models["blog.post"].Fields = append(s.Models["blog.post"].Fields, &Field{Name: "readers", Kind: orm.KindM2M, To: "people.Author",
				ThroughTable: "blog_post_readers", SourceColumn: "post_id", TargetColumn: "author_id", RelatedName: "read"})
		}, want: []string{"blog: Add field readers to blog.Post"}},
		{name: "remove index", change: func(s *State) {
			s.Models["blog.post"].Indexes = nil
		}, from: []Index{{Fields: []string{"title"}}}, want: []string{"blog: Remove index on blog.Post (title)"}},
		{name: "delete a model others point at: the pointing field goes first", change: func(s *State) {
			delete(s.Models, "people.author")
			p := s.Models["blog.post"]
			p.Fields = p.Fields[:2]
		}, want: []string{"blog: Remove field author from blog.Post", "people: Delete model people.Author"}},
		{name: "new models are created targets first", change: func(s *State) {
			(&CreateModel{App: "blog", Name: "AComment", Fields: []*Field{id(), {Name: "on", Kind: orm.KindFK, To: "blog.Zone", OnDelete: orm.Cascade, Index: true}}}).State(s)
			(&CreateModel{App: "blog", Name: "Zone", Fields: []*Field{id()}}).State(s)
		}, want: []string{"blog: Create model blog.Zone", "blog: Create model blog.AComment"}},
		{name: "circular new models: one relation added afterwards", change: func(s *State) {
			(&CreateModel{App: "blog", Name: "Egg", Fields: []*Field{id(), {Name: "hen", Kind: orm.KindFK, To: "blog.Hen", OnDelete: orm.Cascade, Null: true, Index: true}}}).State(s)
			(&CreateModel{App: "blog", Name: "Hen", Fields: []*Field{id(), {Name: "egg", Kind: orm.KindFK, To: "blog.Egg", OnDelete: orm.Cascade, Null: true, Index: true}}}).State(s)
		}, want: []string{"blog: Create model blog.Hen", "blog: Create model blog.Egg", "blog: Add field egg to blog.Hen"}},
		{name: "table renamed", change: func(s *State) { s.Models["blog.post"].Table = "posts" },
			want: []string{"blog: Rename table of blog.Post to posts"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			from := base(t)
			from.Models["blog.post"].Indexes = c.from
			to := from.Clone()
			c.change(to)
			q := c.q
			ops, err := Diff(from, to, &q)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("err = %v, want %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := describe(ops); strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Fatalf("ops:\n%s\nwant:\n%s\nasked: %q", strings.Join(got, "\n"), strings.Join(c.want, "\n"), q.asked)
			}
			// Applying the operations to the old state gives the new one: no second diff.
			after := from.Clone()
			for _, app := range []string{"people", "blog"} {
				for _, op := range ops[app] {
					if err := op.State(after); err != nil {
						t.Fatal(err)
					}
				}
			}
			again, err := Diff(after, to, &answers{})
			if err != nil || len(again) != 0 {
				t.Fatalf("diff after applying: %v %v", describe(again), err)
			}
		})
	}
}

func TestAutodetectorIgnoresUnchanged(t *testing.T) {
	s := stateOf(t, author(), post())
	ops, err := Diff(s, s.Clone(), &answers{})
	if err != nil || len(ops) != 0 {
		t.Fatalf("ops = %v, err = %v", describe(ops), err)
	}
}

// ---- golden files ------------------------------------------------------------------

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run %s -update to create it)", err, t.Name())
	}
	if string(want) != string(got) {
		t.Errorf("%s differs from the golden file (go test -update rewrites it):\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

var goldenNow = time.Date(2026, 11, 21, 20, 0, 0, 0, time.UTC)

func TestMakeMigrationsGolden(t *testing.T) {
	dirs := map[string]string{"blog": t.TempDir(), "people": t.TempDir()}
	// 1. initial migrations of two apps, blog depending on people
	empty, _ := NewGraph()
	models := stateOf(t, author(), post(), &CreateModel{App: "blog", Name: "Tag", Table: "blog_tag", Fields: []*Field{id(), {Name: "name", Kind: orm.KindVarchar, MaxLength: 30, Unique: true}}})
	models.Models["blog.post"].Fields = append(models.Models["blog.post"].Fields,
		&Field{Name: "tags", Kind: orm.KindM2M, To: "blog.Tag", ThroughTable: "blog_post_tags", SourceColumn: "post_id", TargetColumn: "tag_id", RelatedName: "posts"},
		&Field{Name: "price", Kind: orm.KindDecimal, MaxDigits: 8, DecimalPlaces: 2, HasDefault: true, Default: "0.00"})
	models.Models["blog.post"].Indexes = []Index{{Fields: []string{"author", "title"}, Unique: true}}
	news, err := MakeMigrations(empty, models, MakeOptions{Questioner: &answers{}, Dirs: dirs, Now: goldenNow})
	if err != nil {
		t.Fatal(err)
	}
	if len(news) != 2 || news[0].Migration.Key() != "people.0001_initial" || news[1].Migration.Key() != "blog.0001_initial" {
		t.Fatalf("new migrations: %v", news)
	}
	if d := news[1].Migration.Dependencies; len(d) != 1 || d[0] != (Dependency{"people", "0001_initial"}) {
		t.Errorf("blog depends on %v", d)
	}
	golden(t, "blog_0001_initial", news[1].Source)
	golden(t, "people_0001_initial", news[0].Source)
	golden(t, "blog_migrations_index", news[1].Index)
	for _, n := range news {
		if err := n.Write(); err != nil {
			t.Fatal(err)
		}
	}
	// 2. second round: rename, alter, add with fill, remove, index change
	g, err := NewGraph(news[0].Migration, news[1].Migration)
	if err != nil {
		t.Fatal(err)
	}
	models2 := models.Clone()
	a := models2.Models["people.author"]
	a.Fields[1].Name = "full_name"
	a.Fields[2].Null = false
	a.Fields = append(a.Fields, &Field{Name: "email", Kind: orm.KindVarchar, MaxLength: 120, Unique: true})
	p := models2.Models["blog.post"]
	p.Fields[1].MaxLength = 300
	p.Indexes = []Index{{Fields: []string{"title"}}}
	q := &answers{renames: true, fills: map[string]string{"people.Author.age": "0", "people.Author.email": "unknown@example.com"}}
	news2, err := MakeMigrations(g, models2, MakeOptions{Questioner: q, Dirs: dirs, Now: goldenNow})
	if err != nil {
		t.Fatal(err)
	}
	if len(news2) != 2 {
		t.Fatalf("second round: %d migrations", len(news2))
	}
	for _, n := range news2 {
		golden(t, strings.ReplaceAll(n.Migration.Key(), ".", "_"), n.Source)
	}
	// 3. unchanged: nothing
	var all []*Migration
	for _, n := range append(news, news2...) {
		all = append(all, n.Migration)
	}
	g3, err := NewGraph(all...)
	if err != nil {
		t.Fatal(err)
	}
	none, err := MakeMigrations(g3, models2, MakeOptions{Questioner: &answers{}, Dirs: dirs, Now: goldenNow})
	if err != nil || len(none) != 0 {
		t.Fatalf("unchanged models gave %d migrations (%v)", len(none), err)
	}
	// 4. --empty with a name
	emptyM, err := MakeMigrations(g3, models2, MakeOptions{Apps: []string{"blog"}, Empty: true, Name: "fill slugs", Dirs: dirs, Now: goldenNow})
	if err != nil || len(emptyM) != 1 || emptyM[0].Migration.Name != "0003_fill_slugs" {
		t.Fatalf("empty: %v %v", emptyM, err)
	}
	golden(t, "blog_0003_fill_slugs", emptyM[0].Source)
	if _, err := MakeMigrations(g3, models2, MakeOptions{Apps: []string{"blog"}, Empty: true, Name: "x;rm -rf", Dirs: dirs}); err == nil {
		t.Error("hostile --name accepted")
	}
}

func TestNeedsDefaultError(t *testing.T) {
	from := stateOf(t, author())
	to := from.Clone()
	to.Models["people.author"].Fields = append(to.Models["people.author"].Fields, &Field{Name: "email", Kind: orm.KindVarchar, MaxLength: 10})
	_, err := Diff(from, to, &answers{})
	if !errors.Is(err, ErrNeedsDefault) {
		t.Fatalf("err = %v", err)
	}
}
