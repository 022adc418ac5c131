package orm

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"
)

// m2mLog records the M2MChanged events of one owner as "action[keys] reverse".
type m2mLog struct {
	events []string
	veto   M2MAction
}

func (l *m2mLog) connect(t *testing.T, owners ...any) {
	t.Cleanup(M2MChanged.Connect(func(ctx context.Context, ev *M2MChangedEvent) error {
		mine := false
		for _, o := range owners {
			mine = mine || ev.Instance == o
		}
		if !mine {
			return nil
		}
		if !ev.DB.InTransaction(ctx) {
			t.Errorf("%s sent outside a transaction", ev.Action)
		}
		keys := make([]string, 0, len(ev.PKs))
		for _, k := range ev.PKs {
			keys = append(keys, fmt.Sprint(k))
		}
		sort.Strings(keys)
		s := fmt.Sprintf("%s[%s]", ev.Action, strings.Join(keys, ","))
		if ev.PKs == nil {
			s = string(ev.Action)
		}
		if ev.Reverse {
			s += " reverse"
		}
		s += " " + ev.Field.Name + "/" + ev.Model.Name
		l.events = append(l.events, s)
		if ev.Action == l.veto {
			return errVeto
		}
		return nil
	}))
}

func (l *m2mLog) take() string {
	s := strings.Join(l.events, "; ")
	l.events = nil
	return s
}

var errVeto = errors.New("vetoed")

func TestM2MChangedSignal(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		ada := mkAuthor(t, db, "Ada-m2m")
		art := mkArticle(t, db, ada, "m2m-signal", 1)
		var tags []*Tag
		for _, n := range []string{"sig-a", "sig-b", "sig-c"} {
			tg := &Tag{Name: n}
			if err := db.Create(ctx, tg); err != nil {
				t.Fatal(err)
			}
			tags = append(tags, tg)
		}
		a, b, c := tags[0], tags[1], tags[2]
		var log m2mLog
		log.connect(t, art, c)
		rel := Related[Tag](db, art, "tags")
		k := func(ts ...*Tag) string {
			var s []string
			for _, t := range ts {
				s = append(s, fmt.Sprint(t.ID))
			}
			sort.Strings(s)
			return strings.Join(s, ",")
		}

		if err := rel.Add(ctx, a, b); err != nil {
			t.Fatal(err)
		}
		if got, want := log.take(), fmt.Sprintf("pre_add[%s] tags/Tag; post_add[%s] tags/Tag", k(a, b), k(a, b)); got != want {
			t.Fatalf("add:\n got %s\nwant %s", got, want)
		}
		// Adding what is there already reports only the new key.
		if err := rel.Add(ctx, a, c); err != nil {
			t.Fatal(err)
		}
		if got, want := log.take(), fmt.Sprintf("pre_add[%s] tags/Tag; post_add[%s] tags/Tag", k(c), k(c)); got != want {
			t.Fatalf("re-add:\n got %s\nwant %s", got, want)
		}
		if err := rel.Remove(ctx, a); err != nil {
			t.Fatal(err)
		}
		if got, want := log.take(), fmt.Sprintf("pre_remove[%s] tags/Tag; post_remove[%s] tags/Tag", k(a), k(a)); got != want {
			t.Fatalf("remove:\n got %s\nwant %s", got, want)
		}
		// Set is a remove and an add.
		if err := rel.Set(ctx, a, b); err != nil {
			t.Fatal(err)
		}
		if got, want := log.take(), fmt.Sprintf("pre_remove[%s] tags/Tag; post_remove[%s] tags/Tag; pre_add[%s] tags/Tag; post_add[%s] tags/Tag", k(c), k(c), k(a), k(a)); got != want {
			t.Fatalf("set:\n got %s\nwant %s", got, want)
		}
		if err := rel.Clear(ctx); err != nil {
			t.Fatal(err)
		}
		if got := log.take(); got != "pre_clear tags/Tag; post_clear tags/Tag" {
			t.Fatalf("clear: %s", got)
		}
		// From the other side: reverse, and the model is Article.
		if err := Related[Article](db, c, "articles").Add(ctx, art); err != nil {
			t.Fatal(err)
		}
		if got, want := log.take(), fmt.Sprintf("pre_add[%d] reverse tags/Article; post_add[%d] reverse tags/Article", art.ID, art.ID); got != want {
			t.Fatalf("reverse add:\n got %s\nwant %s", got, want)
		}

		// A pre receiver's error stops the change; a post receiver's error rolls it back.
		for _, veto := range []M2MAction{M2MPreAdd, M2MPostAdd} {
			log.veto = veto
			if err := rel.Add(ctx, a); !errors.Is(err, errVeto) {
				t.Fatalf("veto at %s: Add = %v", veto, err)
			}
			if n, _ := rel.Count(ctx); n != 1 { // c, from the reverse add
				t.Fatalf("veto at %s: %d tags related, want 1", veto, n)
			}
		}
		for _, veto := range []M2MAction{M2MPreClear, M2MPostClear} {
			log.veto = veto
			if err := rel.Clear(ctx); !errors.Is(err, errVeto) {
				t.Fatalf("veto at %s: Clear = %v", veto, err)
			}
			if n, _ := rel.Count(ctx); n != 1 {
				t.Fatalf("veto at %s: %d tags related, want 1", veto, n)
			}
		}
		log.veto = ""
		log.take()
		// Nothing to add or remove: no events, as in Django.
		if err := rel.Add(ctx); err != nil {
			t.Fatal(err)
		}
		if err := rel.Remove(ctx); err != nil {
			t.Fatal(err)
		}
		if got := log.take(); got != "" {
			t.Fatalf("empty add/remove sent %s", got)
		}
	})
}

// The through-model path (AddThrough, Remove, Clear of Group.Members) sends the
// same events.
func TestM2MChangedThrough(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		ada := mkAuthor(t, db, "Ada-thr-sig")
		g := &Group{Name: "sig"}
		if err := db.Create(ctx, g); err != nil {
			t.Fatal(err)
		}
		var log m2mLog
		log.connect(t, g)
		members := Related[Author](db, g, "members")
		if err := members.AddThrough(ctx, map[string]any{"role": "chair"}, ada); err != nil {
			t.Fatal(err)
		}
		if err := members.Remove(ctx, ada); err != nil {
			t.Fatal(err)
		}
		want := fmt.Sprintf("pre_add[%d] members/Author; post_add[%d] members/Author; pre_remove[%d] members/Author; post_remove[%d] members/Author", ada.ID, ada.ID, ada.ID, ada.ID)
		if got := log.take(); got != want {
			t.Fatalf("\n got %s\nwant %s", got, want)
		}
	})
}
