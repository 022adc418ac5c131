package orm

import (
	"strings"
	"testing"
)

type BraceTable struct {
	Model
	Name string `orm:"max_length=10"`
}

func (BraceTable) Meta() Meta { return Meta{Table: `x{A}"; DROP TABLE y; --`} }

type BraceColumn struct {
	Model
	Name string `orm:"max_length=10,column=a{A}b"`
}

// TestIdentifiersWithBracesRefused: the SQL builder replaces "{A}" in join text with
// an alias, so a Meta.Table or column containing it became SQL outside the quotes
// (`"x"T1"; DROP ...`). Such names are now refused at registration.
func TestIdentifiersWithBracesRefused(t *testing.T) {
	for _, m := range []any{BraceTable{}, BraceColumn{}} {
		err := RegisterModels("ormbrace", m)
		if err == nil || !strings.Contains(err.Error(), "braces") {
			t.Errorf("%T: %v", m, err)
		}
	}
}
