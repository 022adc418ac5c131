// Package naming turns Go identifiers into the names templates and forms use for
// them, so that a struct field is {{ obj.first_name }} in a template and the input
// "first_name" in a form alike.
package naming

import (
	"strings"
	"unicode"
)

// Snake turns a Go name into its snake_case form: CreatedAt → created_at,
// UserID → user_id, HTMLBody → html_body.
func Snake(s string) string {
	var b strings.Builder
	rs := []rune(s)
	for i, r := range rs {
		if unicode.IsUpper(r) {
			if i > 0 && (unicode.IsLower(rs[i-1]) || unicode.IsDigit(rs[i-1]) || (i+1 < len(rs) && unicode.IsLower(rs[i+1]) && unicode.IsUpper(rs[i-1]))) {
				b.WriteByte('_')
			}
			b.WriteRune(unicode.ToLower(r))
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}
