package i18n

import (
	"strings"
	"testing"
)

func TestPluralRules(t *testing.T) {
	for _, tc := range []struct {
		header string
		want   map[int64]int
	}{
		{"nplurals=2; plural=(n != 1);", map[int64]int{0: 1, 1: 0, 2: 1, 101: 1}},
		{"nplurals=2; plural=(n > 1);", map[int64]int{0: 0, 1: 0, 2: 1}},
		{"nplurals=1; plural=0;", map[int64]int{0: 0, 1: 0, 7: 0}},
		// Polish
		{"nplurals=3; plural=(n==1 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);",
			map[int64]int{1: 0, 2: 1, 4: 1, 5: 2, 12: 2, 14: 2, 22: 1, 25: 2, 0: 2, 112: 2, 122: 1}},
		// Russian
		{"nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);",
			map[int64]int{1: 0, 21: 0, 11: 2, 2: 1, 3: 1, 5: 2, 111: 2, 101: 0}},
		// Arabic
		{"nplurals=6; plural=n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 : n%100>=11 ? 4 : 5;",
			map[int64]int{0: 0, 1: 1, 2: 2, 3: 3, 10: 3, 11: 4, 99: 4, 100: 5, 102: 5, 103: 3}},
		// Out of range forms give 0, like gettext.
		{"nplurals=2; plural=n;", map[int64]int{0: 0, 1: 1, 2: 0}},
		// Division by zero does not crash.
		{"nplurals=2; plural=n/0 + n%0;", map[int64]int{5: 0}},
		{"nplurals=2; plural=!(n == 1);", map[int64]int{1: 0, 2: 1}},
		{"nplurals=3; plural=n*2-1 > 2 ? 2 : 1;", map[int64]int{1: 1, 2: 2}},
	} {
		r, err := ParsePluralForms(tc.header)
		if err != nil {
			t.Errorf("%s: %v", tc.header, err)
			continue
		}
		for n, want := range tc.want {
			if got := r.Index(n); got != want {
				t.Errorf("%s: n=%d gives %d, want %d", tc.header, n, got, want)
			}
		}
	}
}

func TestPluralRulesRefuseMalformed(t *testing.T) {
	for _, h := range []string{
		"plural=n != 1;", "nplurals=2;", "nplurals=x; plural=n;", "nplurals=2; plural=n +;",
		"nplurals=2; plural=(n;", "nplurals=2; plural=n ? 1;", "nplurals=2; plural=m;",
		"nplurals=2; plural=n = 1;", "nplurals=2; plural=99999999999999999999999;",
		"nplurals=2; plural=" + strings.Repeat("(", 200) + "n" + strings.Repeat(")", 200) + ";",
		"nplurals=2; plural=" + strings.Repeat("n+", 600) + "n;",
		"nplurals=0; plural=0;",
	} {
		if _, err := ParsePluralForms(h); err == nil {
			t.Errorf("%q: want an error", h)
		}
	}
}

func FuzzPluralExpr(f *testing.F) {
	f.Add("n==1 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2")
	f.Add("!(n>1)")
	f.Fuzz(func(t *testing.T, src string) {
		r, err := ParsePluralExpr(src)
		if err != nil {
			return
		}
		r.N = 4
		for _, n := range []int64{0, 1, 2, 5, 11, 1 << 40} {
			if i := r.Index(n); i < 0 || i >= 4 {
				t.Fatalf("index %d out of range", i)
			}
		}
	})
}
