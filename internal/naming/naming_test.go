package naming

import (
	"strings"
	"testing"
)

func TestSnake(t *testing.T) {
	for in, want := range map[string]string{
		"Name": "name", "FirstName": "first_name", "UserID": "user_id", "HTMLBody": "html_body",
		"ID": "id", "Field2Name": "field2_name", "already_snake": "already_snake", "": "", "ÉtéNoël": "été_noël",
	} {
		if got := Snake(in); got != want {
			t.Errorf("Snake(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestEditDistance(t *testing.T) {
	for _, c := range []struct {
		a, b string
		d    int
	}{{"", "", 0}, {"abc", "abc", 0}, {"rnserver", "runserver", 1}, {"kitten", "sitting", 3}, {"", "abc", 3}} {
		if got := EditDistance(c.a, c.b); got != c.d {
			t.Errorf("EditDistance(%q, %q) = %d, want %d", c.a, c.b, got, c.d)
		}
	}
	if EditDistance(strings.Repeat("a", 1000), "a") != 64 {
		t.Error("long input should be capped")
	}
}
