package orm

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestOneToOneNullsJSONAndDeleteRules(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		ada, bob := mkAuthor(t, db, "Ada"), mkAuthor(t, db, "Bob")
		lvl := int32(3)
		seen := time.Date(2026, 1, 2, 3, 4, 5, 600000000, time.UTC)
		p := &Profile{Author: OneToOne[Author]{}, Prefs: prefs{Theme: "dark", Size: 12}, Level: &lvl, Nick: NullOf("countess"), Mood: "happy", Seen: &seen}
		p.Author.Set(ada)
		if err := db.Create(ctx, p); err != nil {
			t.Fatal(err)
		}
		q := &Profile{Mood: "calm"}
		q.Author.SetID(bob.ID)
		if err := db.Create(ctx, q); err != nil {
			t.Fatal(err)
		}
		dup := &Profile{}
		dup.Author.SetID(bob.ID)
		if err := db.Create(ctx, dup); !IsUniqueViolation(err) {
			t.Fatalf("one-to-one is unique: %v", err)
		}
		got, err := Q[Profile](db).SelectRelated("author").Get(ctx, "author__name", "Ada")
		if err != nil {
			t.Fatal(err)
		}
		if got.Prefs.Theme != "dark" || got.Prefs.Size != 12 || got.Level == nil || *got.Level != 3 || !got.Nick.Valid || got.Nick.V != "countess" ||
			got.Mood != "happy" || got.Seen == nil || !got.Seen.Equal(seen) || got.Author.Obj().Name != "Ada" {
			t.Fatalf("profile: %+v", got)
		}
		g2, _ := Q[Profile](db).Get(ctx, "pk", q.ID)
		if g2.Level != nil || g2.Nick.Valid || g2.Seen != nil {
			t.Fatalf("nulls: %+v", g2)
		}
		for _, c := range []struct {
			args []any
			want int64
		}{
			{[]any{"level__isnull", true}, 1}, {[]any{"nick", "countess"}, 1}, {[]any{"nick", nil}, 1},
			{[]any{"mood", Mood("calm")}, 1}, {[]any{"profile__mood", "happy"}, 0},
		} {
			if c.args[0] == "profile__mood" {
				n, err := Q[Author](db).Filter(c.args[0], c.args[1]).Count(ctx)
				if err != nil || n != 1 {
					t.Errorf("reverse one-to-one lookup: %d %v", n, err)
				}
				continue
			}
			if n, err := Q[Profile](db).Filter(c.args...).Count(ctx); err != nil || n != c.want {
				t.Errorf("%v: %d %v", c.args, n, err)
			}
		}
		// exclude keeps NULL rows out of the negated condition, like Django
		if n, _ := Q[Profile](db).Exclude("nick", "countess").Count(ctx); n != 1 {
			t.Errorf("exclude with nulls: %d", n)
		}
		// restrict
		_, err = db.Delete(ctx, ada)
		if !errors.Is(err, ErrProtected) {
			t.Fatalf("restrict: %v", err)
		}
		// do_nothing leaves the database to enforce its constraint
		if err := db.Create(ctx, &Audit{Author: To(bob), Note: "x"}); err != nil {
			t.Fatal(err)
		}
		if _, err := Q[Profile](db).Filter("author", bob).Delete(ctx); err != nil {
			t.Fatal(err)
		}
		_, err = db.Delete(ctx, bob)
		if err == nil || !IsForeignKeyViolation(err) {
			t.Fatalf("do_nothing: %v", err)
		}
		if n, _ := Q[Author](db).Filter("pk", bob.ID).Count(ctx); n != 1 {
			t.Fatal("failed delete left changes")
		}
		// M2M clear and Exists
		tg := &Tag{Name: "x"}
		db.Create(ctx, tg)
		art := mkArticle(t, db, bob, "m2", 1)
		rel := Related[Tag](db, art, "tags")
		rel.Add(ctx, tg)
		if ok, _ := rel.Query().Exists(ctx); !ok {
			t.Fatal("exists")
		}
		if err := rel.Clear(ctx); err != nil {
			t.Fatal(err)
		}
		if ok, _ := rel.Query().Exists(ctx); ok {
			t.Fatal("clear")
		}
		// iter stops early
		n := 0
		for range Q[Author](db).Iter(ctx) {
			n++
			break
		}
		if n != 1 {
			t.Fatal("iter break")
		}
	})
}

func TestSkipLockedAndNoWait(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		if db.Dialect().Name() == "sqlite" {
			t.Skip("SQLite serializes write transactions; row locks do not apply")
		}
		ctx := context.Background()
		for _, name := range []string{"a", "b"} {
			db.Create(ctx, &Counter{Name: name})
		}
		locked := make(chan struct{})
		release := make(chan struct{})
		done := make(chan error)
		go func() {
			done <- db.Atomic(ctx, func(ctx context.Context, tx *DB) error {
				if _, err := Q[Counter](tx).SelectForUpdate().Get(ctx, "name", "a"); err != nil {
					close(locked)
					return err
				}
				close(locked)
				<-release
				return nil
			})
		}()
		<-locked
		err := db.Atomic(ctx, func(ctx context.Context, tx *DB) error {
			rows, err := Q[Counter](tx).SelectForUpdateSkipLocked().OrderBy("name").All(ctx)
			if err != nil {
				return err
			}
			if len(rows) != 1 || rows[0].Name != "b" {
				t.Errorf("skip locked: %+v", rows)
			}
			_, err = Q[Counter](tx).Filter("name", "a").SelectForUpdateNoWait().All(ctx)
			if err == nil {
				t.Error("nowait did not fail on a locked row")
			}
			return nil
		})
		close(release)
		if e := <-done; e != nil {
			t.Fatal(e)
		}
		_ = err // PostgreSQL aborts the transaction after the NOWAIT error; that is expected
	})
}

func TestPrefetchReverse(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		ada, bob := mkAuthor(t, db, "Ada"), mkAuthor(t, db, "Bob")
		mkAuthor(t, db, "Cy")
		a1, a2 := mkArticle(t, db, ada, "p1", 1), mkArticle(t, db, ada, "p2", 2)
		b1 := mkArticle(t, db, bob, "p3", 3)
		for i, art := range []*Article{a1, a1, b1} {
			if err := db.Create(ctx, &Comment{Article: To(art), Text: string(rune('x' + i))}); err != nil {
				t.Fatal(err)
			}
		}
		tg := &Tag{Name: "go"}
		db.Create(ctx, tg)
		Related[Tag](db, a2, "tags").Add(ctx, tg)
		Related[Tag](db, b1, "tags").Add(ctx, tg)
		ctxLog, log := WithQueryLog(ctx)
		authors, err := Q[Author](db).OrderBy("name").PrefetchRelated("articles__comments", "articles__tags").All(ctxLog)
		if err != nil {
			t.Fatal(err)
		}
		// authors, articles, comments, join rows, tags
		if log.Len() != 5 {
			for _, e := range log.Entries() {
				t.Log(e.SQL)
			}
			t.Fatalf("queries: %d", log.Len())
		}
		if len(authors) != 3 || !authors[0].Articles.Loaded() || len(authors[0].Articles.Items()) != 2 || len(authors[2].Articles.Items()) != 0 {
			t.Fatalf("reverse fk prefetch: %+v", authors)
		}
		arts := authors[0].Articles.Items()
		if arts[0].Slug != "p1" || len(arts[0].Comments.Items()) != 2 || len(arts[1].Comments.Items()) != 0 || len(arts[1].Tags.Items()) != 1 {
			t.Fatalf("nested prefetch: %+v", arts)
		}
		tags, err := Q[Tag](db).PrefetchRelated("articles").All(ctx)
		if err != nil || len(tags[0].Articles.Items()) != 2 {
			t.Fatalf("reverse m2m prefetch: %v %+v", err, tags)
		}
		db.Create(ctx, &Publisher{Name: "p"})
		if _, err := Q[Publisher](db).PrefetchRelated("books").All(ctx); err == nil || !strings.Contains(err.Error(), "orm.Reverse[Book]") {
			t.Fatalf("missing Reverse field: %v", err)
		}
	})
}
