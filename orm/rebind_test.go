package orm

import (
	"context"
	"strconv"
	"strings"
	"testing"
)

var rebindCases = []struct{ in, want string }{
	{"", ""},
	{"SELECT 1", "SELECT 1"},
	{"SELECT ?", "SELECT $1"},
	{"a = ? AND b = ?", "a = $1 AND b = $2"},
	{"?,?,?", "$1,$2,$3"},
	// strings
	{"'?' = ?", "'?' = $1"},
	{"'it''s ?' = ?", "'it''s ?' = $1"},
	{"'a' '?' ?", "'a' '?' $1"},
	{`'back\' = ?`, `'back\' = $1`}, // a backslash is an ordinary character in '...'
	{`E'it\'s ?' = ?`, `E'it\'s ?' = $1`},
	{`e'\\' = ?`, `e'\\' = $1`},
	{`E'a''?' = ?`, `E'a''?' = $1`},
	{`E'\\\'?' = ?`, `E'\\\'?' = $1`},
	{`nameE'?' = ?`, `nameE'?' = $1`}, // not an E string: an identifier then a string
	{`U&'?\0041' = ?`, `U&'?\0041' = $1`},
	// quoted identifiers
	{`"a?" = ?`, `"a?" = $1`},
	{`"a""?" = ?`, `"a""?" = $1`},
	// dollar quoting
	{"$$?$$ = ?", "$$?$$ = $1"},
	{"$$a$b?$$ = ?", "$$a$b?$$ = $1"},
	{"$tag$ ? $$ ? $tag$ = ?", "$tag$ ? $$ ? $tag$ = $1"},
	{"$a$ ? $b$ ? $a$ ?", "$a$ ? $b$ ? $a$ $1"},
	{"$_x1$?$_x1$ ?", "$_x1$?$_x1$ $1"},
	{"$é$?$é$ ?", "$é$?$é$ $1"},
	{"price$ = ?", "price$ = $1"}, // $ inside an identifier
	{"a$b$c = ?", "a$b$c = $1"},
	{"$ ?", "$ $1"},
	// comments
	{"-- what?\nSELECT ?", "-- what?\nSELECT $1"},
	{"SELECT ? -- ?", "SELECT $1 -- ?"},
	{"-- ?\r?", "-- ?\r$1"},
	{"/* ? */ ?", "/* ? */ $1"},
	{"/* /* ? */ ? */ ?", "/* /* ? */ ? */ $1"},
	{"/*/ ? */ ?", "/*/ ? */ $1"},
	{"a - ? / ?", "a - $1 / $2"},
	{"a -? /?", "a -$1 /$2"},
	// ?? is a literal ?
	{"data ?? ?", "data ? $1"},
	{"data ??| ? AND data ??& ?", "data ?| $1 AND data ?& $2"},
	{"'??' ??", "'??' ?"},
	{"???", "?$1"},
	// $1 style is left alone, ? included
	{"SELECT $1", "SELECT $1"},
	{"data ? $1", "data ? $1"},
	{"a = $1 AND b = ?", "a = $1 AND b = ?"},
	{"'$1' = ?", "'$1' = $1"},
	{"-- $1\n?", "-- $1\n$1"},
	// unterminated: the rest is left as it is
	{"'? ", "'? "},
	{"? '?", "$1 '?"},
	{`? "?`, `$1 "?`},
	{"? /* ? /* ? */ ?", "$1 /* ? /* ? */ ?"},
	{"? $x$ ?", "$1 $x$ ?"},
	{`? E'\`, `$1 E'\`},
	// bytes that are not UTF-8 survive
	{"'\xff?' = ?\xfe", "'\xff?' = $1\xfe"},
}

func TestRebindDollar(t *testing.T) {
	for _, c := range rebindCases {
		if got := rebindDollar(c.in); got != c.want {
			t.Errorf("rebindDollar(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// TestRebindOnlyPostgres: SQLite and MySQL read "?" themselves.
func TestRebindOnlyPostgres(t *testing.T) {
	for _, d := range []Dialect{SQLite, MySQL} {
		db := &DB{dialect: d}
		if got := db.rebind("a = ? AND b ?? '?'"); got != "a = ? AND b ?? '?'" {
			t.Errorf("%s: %q", d.Name(), got)
		}
	}
	if got := (&DB{dialect: PostgreSQL}).rebind("a = ? AND b = ?"); got != "a = $1 AND b = $2" {
		t.Errorf("postgres: %q", got)
	}
}

// literalOf builds a well-formed literal or comment of the given kind holding s, the
// way a user would write it for PostgreSQL.
func literalOf(kind byte, s string) string {
	switch kind % 7 {
	case 0:
		return "'" + strings.ReplaceAll(s, "'", "''") + "'"
	case 1:
		s = strings.ReplaceAll(s, `\`, `\\`)
		return "E'" + strings.ReplaceAll(s, "'", `\'`) + "'"
	case 2:
		return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
	case 3:
		tag := "$q$"
		for i := 0; strings.Contains(s+"$", tag[:len(tag)-1]+"$") || strings.Contains("$"+s, tag); i++ {
			tag = "$q" + strconv.Itoa(i) + "$"
		}
		return tag + s + tag
	case 4:
		return "--" + strings.NewReplacer("\n", " ", "\r", " ").Replace(s) + "\n"
	case 5:
		// a comment cannot hold its own end; nested comments are balanced
		s = strings.NewReplacer("*", "", "/", "").Replace(s)
		return "/*" + s + "/*" + s + "*/" + s + "*/"
	default:
		if strings.Contains(s, "$$") || strings.HasSuffix(s, "$") {
			return "''"
		}
		return "$$" + s + "$$"
	}
}

// checkOnlyMarkersChanged verifies that out is in with some "?" turned into $1, $2...
// in order and some "??" into "?", and nothing else touched.
func checkOnlyMarkersChanged(t *testing.T, in, out string) {
	t.Helper()
	type state struct{ i, j, n int }
	failed := map[state]bool{}
	var match func(i, j, n int) bool
	match = func(i, j, n int) bool {
		for {
			if i == len(in) || j == len(out) {
				return i == len(in) && j == len(out)
			}
			if in[i] == '?' {
				break
			}
			if in[i] != out[j] {
				return false
			}
			i, j = i+1, j+1
		}
		st := state{i, j, n}
		if failed[st] {
			return false
		}
		ok := out[j] == '?' && match(i+1, j+1, n) || // left as it is
			out[j] == '?' && i+1 < len(in) && in[i+1] == '?' && match(i+2, j+1, n) || // ?? → ?
			out[j] == '$' && strings.HasPrefix(out[j+1:], strconv.Itoa(n+1)) && match(i+1, j+1+len(strconv.Itoa(n+1)), n+1)
		if !ok {
			failed[st] = true
		}
		return ok
	}
	if !match(0, 0, 0) {
		t.Fatalf("rebindDollar(%q) = %q: changed more than markers", in, out)
	}
}

// FuzzRebindDollar: on any input rebindDollar does not panic and changes only markers;
// text inside a well-formed string, identifier or comment of any content is never
// changed, and the markers around it are numbered in order.
func FuzzRebindDollar(f *testing.F) {
	for _, c := range rebindCases {
		f.Add(c.in, "x?y", byte(0))
	}
	for k := byte(0); k < 7; k++ {
		f.Add("SELECT ?", `?' "? $$ $1 -- ?? /* ? */ \`, k)
	}
	f.Fuzz(func(t *testing.T, q, body string, kind byte) {
		out := rebindDollar(q)
		if !strings.Contains(q, "?") && out != q {
			t.Fatalf("rebindDollar(%q) = %q without a marker", q, out)
		}
		checkOnlyMarkersChanged(t, q, out)

		lit := literalOf(kind, body)
		in := "SELECT ? " + lit + " , ?" + lit + "? " + lit + " ?"
		want := "SELECT $1 " + lit + " , $2" + lit + "$3 " + lit + " $4"
		if got := rebindDollar(in); got != want {
			t.Fatalf("rebindDollar(%q)\n got %q\nwant %q", in, got, want)
		}
	})
}

// TestRawQuestionMarksInLiterals: a "?" inside a string or a comment is text on every
// database (SQLite and MySQL's own parsers see to it; on PostgreSQL rebind does), and
// the markers around it bind the right values.
func TestRawQuestionMarksInLiterals(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		a := mkAuthor(t, db, "q?mark")
		mkAuthor(t, db, "other")
		name := "'is it ? or ''?'''"
		if db.Dialect().Name() == "mysql" {
			name = `'is it ? or \'?\''` // MySQL's default mode reads backslash escapes
		}
		query := "SELECT id, " + name + " AS name, email, karma, bio /* a ? here */ FROM ormtest_author -- and ? here\n" +
			"WHERE name = ? AND email <> '?' AND karma = ?"
		got, err := Raw[Author](ctx, db, query, "q?mark", 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].ID != a.ID || got[0].Name != "is it ? or '?'" {
			t.Fatalf("got %+v", got)
		}
		// Exec takes the same markers
		res, err := db.Exec(ctx, "UPDATE ormtest_author SET name = ? WHERE name = ? AND email <> '?'", "renamed ?", "q?mark")
		if err != nil {
			t.Fatal(err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			t.Fatalf("updated %d rows", n)
		}
		if db.Dialect().Name() != "postgres" {
			return
		}
		// PostgreSQL: E strings, dollar quoting, nested comments, $1 style, and ?? for
		// the jsonb operators
		got, err = Raw[Author](ctx, db, `SELECT id, E'\'?\'' AS name, email, karma, $x$ ? $x$ AS bio FROM ormtest_author /* /* ? */ ? */ WHERE name = ?`, "renamed ?")
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].Name != "'?'" || got[0].Bio == nil || *got[0].Bio != " ? " {
			t.Fatalf("got %+v", got)
		}
		got, err = Raw[Author](ctx, db, "SELECT id, name, email, karma, bio FROM ormtest_author WHERE name = $1 AND '?' = '?'", "renamed ?")
		if err != nil || len(got) != 1 {
			t.Fatalf("$1 style: %v %+v", err, got)
		}
		art := mkArticle(t, db, a, "json", 1)
		art.Extra = map[string]any{"k": 1, "j": 2}
		if err := db.Save(ctx, art); err != nil {
			t.Fatal(err)
		}
		arts, err := Raw[Article](ctx, db, "SELECT id, slug FROM ormtest_article WHERE extra ?? ? AND extra ??& ? AND extra ??| ?", "k", []string{"k", "j"}, []string{"x", "j"})
		if err != nil {
			t.Fatal(err)
		}
		if len(arts) != 1 || arts[0].Slug != "json" {
			t.Fatalf("got %+v", arts)
		}
	})
}
